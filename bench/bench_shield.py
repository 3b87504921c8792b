"""Anti-phishing shield: intake throughput and the size the DNS export reaches.

Rows, each against a raw limit measured in the same run:

* **parse + triage** — a corpus of synthetic ``.eml`` files (plain, HTML, quoted-printable,
  base64, forwarded as attachment and inline, with repeat hosts and brand look-alikes) goes
  through the full intake service on one worker: MIME parsing, URL extraction, scoring
  against the allowlist and sightings, the database writes and the audit row. The raw limit
  is ``email.message_from_bytes`` alone over the same files. Target: ≥ 100 messages/s.
* **RPZ export** — 1,000,000 listed blocks (a tenth with wildcards) written as a zone file
  from the database by ``exports.write``; the raw limit is writing the same lines, already
  in memory, to a file. Target: ≤ 10 s.
* **Unbound load** — a real Unbound on loopback loads that zone; the figure is the time until
  it answers and a blocked name is rewritten. Skipped when Unbound is not installed.

Set ``BENCH_SHIELD_MESSAGES`` / ``BENCH_SHIELD_BLOCKS`` for other sizes. Run it alone with
``python -m bench shield``. The database is a fresh test database (SQLite in memory unless
``DATABASE_URL`` points at PostgreSQL).
"""

from __future__ import annotations

import email
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenwacht.conf.test")

MESSAGES = int(os.environ.get("BENCH_SHIELD_MESSAGES", "2000"))
BLOCKS = int(os.environ.get("BENCH_SHIELD_BLOCKS", "1000000"))
SEED = 6
BRANDS = ["rabobank", "ingbank", "abnamro", "postnl", "belastingdienst", "digid", "kpn", "bol"]
WORDS = ["veilig", "login", "verificatie", "klantenservice", "pakket", "betaal", "hulp"]
SUFFIXES = ["nl", "com", "net", "info", "online"]
TEXTS = [
    "Beste klant, uw rekening wordt geblokkeerd. Verifieer binnen 24 uur via {url}",
    "Uw pakket kon niet worden bezorgd. Betaal de douanekosten: {url}",
    "Your account has been suspended. Verify your details at {url} immediately.",
    "Laatste herinnering: openstaande betaling. Klik op de link {url}",
    "Hoi mam, mijn telefoon is kapot. Dit is mijn nieuwe nummer, kun je appen?",
]


def _setup_django() -> Any:
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


def _url(rng: random.Random) -> str:
    host = f"{rng.choice(BRANDS)}-{rng.choice(WORDS)}{rng.randrange(300)}.{rng.choice(SUFFIXES)}"
    if rng.random() < 0.1:
        host = "bit.ly"
    return f"https://{host}/{rng.choice(WORDS)}?id={rng.randrange(10**6)}"


def _message(rng: random.Random, index: int) -> bytes:
    url = _url(rng)
    text = rng.choice(TEXTS).format(url=url)
    shape = index % 5
    if shape == 0:
        message: Any = MIMEText(text, "plain", "utf-8")
    elif shape == 1:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(text, "plain", "utf-8"))
        message.attach(MIMEText(f'<p>{text}</p><a href="{url}">Inloggen</a>', "html", "utf-8"))
    elif shape == 2:
        message = MIMEText(text + " é" * 20, "plain", "iso-8859-1")  # quoted-printable
    # (utf-8 MIMEText bodies are base64-encoded, so both transfer encodings are covered)
    elif shape == 3:
        inner = MIMEText(text, "plain", "utf-8")
        inner["Subject"], inner["From"] = "Uw rekening", "noreply@" + url.split("/")[2]
        message = MIMEMultipart()
        message.attach(MIMEText("Is dit echt?", "plain", "utf-8"))
        message.attach(MIMEMessage(inner))
    else:
        forward = "Zie hieronder.\n\n---------- Forwarded message ---------\nFrom: x@y.nl\n"
        message = MIMEText(forward + f"Subject: Melding\n\n{text}", "plain", "utf-8")
    message["Subject"] = message["Subject"] or f"Melding {index}"
    message["From"] = f"melder{rng.randrange(MESSAGES // 3 + 1)}@example.org"
    message["To"] = "meld@ketenwacht.example"
    return bytes(message.as_bytes())


def _corpus(directory: Path) -> list[bytes]:
    rng = random.Random(SEED)
    for index in range(MESSAGES):
        (directory / f"{index:06d}.eml").write_bytes(_message(rng, index))
    return [path.read_bytes() for path in sorted(directory.glob("*.eml"))]


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_intake(corpus: list[bytes]) -> list[dict[str, Any]]:
    from ketenwacht.identifiers.models import AllowlistEntry
    from ketenwacht.partners.access import Actor
    from ketenwacht.shield import services
    from ketenwacht.shield.constants import Channel
    from ketenwacht.shield.parsing import parse_mime

    for brand in BRANDS:
        AllowlistEntry.objects.get_or_create(
            kind="domain",
            value=f"{brand}.nl",
            defaults={"display": f"{brand}.nl", "owner_name": brand, "category": "other"},
        )
    started = time.perf_counter()
    for data in corpus:
        email.message_from_bytes(data)
    raw_rate = _rate(len(corpus), time.perf_counter() - started)

    started = time.perf_counter()
    for data in corpus:
        parse_mime(data)
    parse_rate = _rate(len(corpus), time.perf_counter() - started)

    actor = Actor(client_address="127.0.0.1")
    started = time.perf_counter()
    for data in corpus:
        services.report_receive(actor=actor, channel=Channel.SMTP, raw=data)
    full_rate = _rate(len(corpus), time.perf_counter() - started)
    return [
        {
            "name": f"shield: parse only ({len(corpus):,} .eml)",
            "figure": parse_rate,
            "unit": "msg/s",
            "raw": raw_rate,
            "ratio": parse_rate / raw_rate,
            "target": "—",
        },
        {
            "name": f"shield: parse + triage + store ({len(corpus):,} .eml, one worker)",
            "figure": full_rate,
            "unit": "msg/s",
            "raw": raw_rate,
            "ratio": full_rate / raw_rate,
            "target": "≥ 100 msg/s",
        },
    ]


def _insert_blocks(connection: Any, count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ketenwacht.shield.models import Block

    user = get_user_model().objects.create(username="bench-analyst")
    now = timezone.now()
    ops = connection.ops
    approved, expires = (
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(now + timedelta(days=30)),
    )
    table = Block._meta.db_table
    columns = (
        "name, scope, wildcard, policy, reason, status, duration_days, proposed_by_id, "
        "proposed_at, approved_by_id, approved_at, expires_at"
    )
    placeholders = ", ".join(["%s"] * 12)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for index in range(count):
            name = f"phish{index:07d}-{BRANDS[index % len(BRANDS)]}.nl"
            policy = "nxdomain" if index % 20 == 0 else "warning"
            batch.append(
                (
                    name,
                    "host",
                    index % 10 == 0,
                    policy,
                    "bench",
                    "active",
                    30,
                    user.pk,
                    approved,
                    user.pk,
                    approved,
                    expires,
                )
            )
            if len(batch) == 20000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def bench_export(connection: Any, directory: Path) -> tuple[list[dict[str, Any]], Path]:
    from ketenwacht.shield import conf, exports, selectors, services

    _insert_blocks(connection, BLOCKS)
    services.zone_bump()
    path = directory / "shield.rpz"
    started = time.perf_counter()
    exports.write(path)
    export_seconds = time.perf_counter() - started

    lines = list(
        exports.rpz_lines(selectors.zone_snapshot().entries, warning_host=conf.warning_host())
    )
    raw_path = directory / "raw.rpz"
    started = time.perf_counter()
    with raw_path.open("w", encoding="ascii") as stream:
        stream.write("".join(lines))
    raw_seconds = time.perf_counter() - started
    raw_path.unlink()
    return [
        {
            "name": f"shield: RPZ export of {BLOCKS:,} blocks ({len(lines):,} records)",
            "figure": export_seconds,
            "unit": "s",
            "raw": raw_seconds,
            "ratio": export_seconds / raw_seconds if raw_seconds else None,
            "target": "≤ 10 s",
        }
    ], path


def bench_unbound(zone: Path, directory: Path) -> list[dict[str, Any]]:
    from ketenwacht.shield.tests.unbound import UNBOUND, WARNING_HOST, UnboundServer

    if UNBOUND is None:
        print("unbound not installed: skipping the load row", file=sys.stderr)
        return []
    directory.mkdir(parents=True, exist_ok=True)
    server = UnboundServer(directory, zone, startup_seconds=600)
    started = time.perf_counter()
    try:
        server.start()
        seconds = time.perf_counter() - started
        answer = server.query("phish0000001-ingbank.nl", timeout=5)
        if answer.cnames != [f"{WARNING_HOST}."]:
            raise RuntimeError(f"Unbound loaded the zone but did not rewrite: {answer}")
    finally:
        server.stop()
    return [
        {
            "name": f"shield: Unbound loads the {BLOCKS:,}-block zone and answers",
            "figure": seconds,
            "unit": "s",
            "raw": None,
            "ratio": None,
            "target": "loads; blocked name rewritten",
        }
    ]


def run() -> list[dict[str, Any]]:
    from django.test import override_settings

    connection = _setup_django()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-shield-") as temporary:
        directory = Path(temporary)
        corpus_dir = directory / "corpus"
        corpus_dir.mkdir()
        rows += bench_intake(_corpus(corpus_dir))
        # The warning host Unbound serves itself (see tests/unbound.py).
        with override_settings(
            KETENWACHT={
                "SHIELD_WARNING_HOST": "www.warn.example",
                "SHIELD_RPZ_ZONE": "rpz.example",
                "PUBLIC_BASE_URL": "http://127.0.0.1",
            }
        ):
            export_rows, zone = bench_export(connection, directory)
        rows += export_rows
        try:
            rows += bench_unbound(zone, directory / "unbound")
        except Exception as error:  # keep the other rows; say what went wrong
            print(f"Unbound load failed: {error!r}", file=sys.stderr)
            rows.append(
                {
                    "name": f"shield: Unbound load of the {BLOCKS:,}-block zone FAILED",
                    "figure": float("nan"),
                    "unit": "s",
                    "raw": None,
                    "ratio": None,
                    "target": "loads; blocked name rewritten",
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
