"""The identifiers benchmarks' database and the work that runs inside Django.

The bench database (``kw_bench`` on the local PostgreSQL; ``BENCH_DATABASE`` /
``BENCH_PG`` to change) holds a sharing group of eight banks and 1,000,000 listed
pseudonyms (``BENCH_PSEUDONYMS``), each with one or two unexpired sightings and an
encrypted raw value. They are written fast: values from ``synth.generators``, the project's
own ``canonicalise`` and ``pseudonyms.digest``, and binary ``COPY``. A marker table records
what was built (layout, size, key fingerprint); the next run reuses the database when the
marker matches and rebuilds it otherwise or with ``--rebuild``. Keys live in
``var/bench/keys`` and stay with the database.

The benchmark modules call ``python -m bench._identifiers <command>`` with the bench settings
(``ketenwacht.conf.bench``) in a child process, so the runner's own Django set-up (test
settings, used by other benchmarks) is never touched:

* ``prepare [--rebuild]`` — make sure the database is there, and print a fresh API token;
* ``check-loop <batches.json>`` — the in-process raw limit of the batch check, driven over
  stdin one round at a time (see ``bench_check``);
* ``ingest`` — the ingest benchmark (see ``bench_ingest``).

Each prints one JSON line on stdout as its result.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
KEYS_DIR = VAR / "keys"
DATABASE = os.environ.get("BENCH_DATABASE", "kw_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PSEUDONYMS = int(os.environ.get("BENCH_PSEUDONYMS", "1000000"))
# Production settings want Redis for the cache and as the Celery broker (no worker runs).
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
# Bump when the population changes shape: an older bench database is then rebuilt.
LAYOUT = 1
LISTED_SEED = "bench-listed"
FRESH_SEED = "bench-fresh"
ORGANISATIONS = 8
GROUP_SLUG = "bench-kring"
# Kinds of the listed values and of the checked ones, by weight (fraud reports are mostly
# phone numbers and bank accounts). The synthetic domains are shop-like word pairs, of which
# there are fewer than 100,000: domains keep a small share.
KIND_MIX: tuple[tuple[str, int], ...] = (
    ("phone", 40),
    ("iban", 30),
    ("email", 17),
    ("url", 10),
    ("domain", 3),
)
ROLE_FOR_KIND = {
    "phone": "caller_number",
    "iban": "beneficiary_account",
    "email": "sender_address",
    "url": "phishing_url",
    "domain": "phishing_domain",
}
RETENTION_DAYS = 365
SECOND_SIGHTING_SHARE = 0.2
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


# --- the parent side: environment and child processes ------------------------------------


def database_url(database: str = DATABASE) -> str:
    return f"{PG}/{database}"


def require_loopback(url: str) -> None:
    """Benchmarks only ever talk to this machine."""
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise RuntimeError(f"benchmarks run against loopback only, not {host!r}")


def environment() -> dict[str, str]:
    """The environment of the bench server and of every child process."""
    require_loopback(PG)
    require_loopback(REDIS)
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ketenwacht.conf.bench",
        DATABASE_URL=database_url(),
        REDIS_URL=f"{REDIS}/9",
        CELERY_BROKER_URL=f"{REDIS}/10",
        KETENWACHT_KEYS_DIR=str(KEYS_DIR),
        KETENWACHT_VAR_DIR=str(VAR),
        DJANGO_SECURE_SSL_REDIRECT="false",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    )
    return env


def ensure_keys() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from ketenwacht import keys

    keys.ensure_keys(KEYS_DIR)


def child(command: str, *args: str, timeout: float = 3600) -> dict[str, Any]:
    """Run ``python -m bench._identifiers command args`` and return its JSON result."""
    ensure_keys()
    completed = subprocess.run(
        [sys.executable, "-m", "bench._identifiers", command, *args],
        env=environment(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench._identifiers {command} failed ({completed.returncode})")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def start_child(command: str, *args: str) -> subprocess.Popen[str]:
    """A long-running child driven over stdin (``check-loop``)."""
    ensure_keys()
    return subprocess.Popen(
        [sys.executable, "-m", "bench._identifiers", command, *args],
        env=environment(),
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )


# --- synthetic values (pure Python, no Django) ---------------------------------------------


def kind_counts(total: int) -> dict[str, int]:
    weight = sum(w for _kind, w in KIND_MIX)
    counts = {kind: total * w // weight for kind, w in KIND_MIX}
    counts[KIND_MIX[0][0]] += total - sum(counts.values())
    return counts


def listed_pairs(kind: str, count: int) -> list[tuple[str, str]]:
    """``(stored form, as typed)`` of the first listed values of a kind (same seed as the
    population, so every value here is listed unless canonicalise refused it)."""
    from ketenwacht.synth.generators import identifier_pairs

    return list(identifier_pairs(kind, count, seed=LISTED_SEED))


def fresh_typed(kind: str, count: int, seed: str = FRESH_SEED) -> list[str]:
    """Values that are not listed, as people type them."""
    from ketenwacht.synth.generators import identifiers

    return list(identifiers(kind, count, seed=seed, spelled=True))


def mixed_items(
    count: int, *, known_share: float, rng: random.Random, seed: str = FRESH_SEED
) -> list[dict[str, str]]:
    """``count`` items ``{"value", "kind"}`` in the kind mix, ``known_share`` of them listed."""
    items: list[dict[str, str]] = []
    for kind, n in kind_counts(count).items():
        known = int(n * known_share)
        pool = listed_pairs(kind, max(known * 4, 1))
        items += [{"value": typed, "kind": kind} for _v, typed in rng.sample(pool, known)]
        items += [{"value": typed, "kind": kind} for typed in fresh_typed(kind, n - known, seed)]
    rng.shuffle(items)
    return items


# --- the child side: Django with the bench settings ----------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _create_database(*, rebuild: bool) -> bool:
    """Create the bench database (dropping it first with ``rebuild``); True if created."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
            return True
    return False


def _key_fingerprint() -> str:
    from ketenwacht.identifiers import pseudonyms

    ring = pseudonyms.keyring()
    material = b"".join(ring.pseudonym_keys[v] for v in sorted(ring.pseudonym_keys))
    return hashlib.sha256(material + ring.encryption_key).hexdigest()[:16]


def _marker() -> dict[str, Any] | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (layout int, pseudonyms bigint, "
            "sightings bigint, max_pseudonym_id bigint, max_sighting_id bigint, "
            "key_fingerprint text, built_at timestamptz, seconds double precision)"
        )
        cursor.execute(
            "SELECT layout, pseudonyms, sightings, max_pseudonym_id, max_sighting_id, "
            "key_fingerprint, seconds FROM bench_marker"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    names = ("layout", "pseudonyms", "sightings", "max_pseudonym_id", "max_sighting_id")
    return dict(zip((*names, "key_fingerprint", "seconds"), row, strict=True))


def _marker_matches(marker: dict[str, Any] | None) -> bool:
    return (
        marker is not None
        and marker["layout"] == LAYOUT
        and marker["pseudonyms"] == PSEUDONYMS
        and marker["key_fingerprint"] == _key_fingerprint()
    )


def remove_rows_after_marker() -> None:
    """Delete what earlier benchmark runs added (ingest cleans up after itself; a crash may
    not have), so every run starts from the same 1,000,000 pseudonyms."""
    from django.db import connection, transaction

    from ketenwacht.identifiers.models import Pseudonym, RawValue, Sighting
    from ketenwacht.privatecheck.models import ListedElement, PendingListing

    marker = _marker()
    assert marker is not None
    with transaction.atomic(), connection.cursor() as cursor:
        # The bench population is never listed for the oblivious check: every listed element
        # and pending batch comes from an ingest run.
        cursor.execute(f"DELETE FROM {PendingListing._meta.db_table}")
        cursor.execute(f"DELETE FROM {ListedElement._meta.db_table} WHERE pseudonym_id IS NOT NULL")
        cursor.execute(
            f"DELETE FROM {Sighting._meta.db_table} WHERE id > %s", [marker["max_sighting_id"]]
        )
        cursor.execute(
            f"DELETE FROM {RawValue._meta.db_table} WHERE pseudonym_id > %s",
            [marker["max_pseudonym_id"]],
        )
        cursor.execute(
            f"DELETE FROM {Pseudonym._meta.db_table} WHERE id > %s", [marker["max_pseudonym_id"]]
        )


# Dead rows left by earlier runs (every ingest batch is deleted again) above this share of a
# table's live rows make the next run pay for them: the planner's probes of index ends walked
# 800 buffers of dead entries per check (planning 1 ms instead of 0.2 ms) until a vacuum.
DEAD_SHARE = 0.02


def vacuum_if_needed() -> None:
    """``VACUUM (ANALYZE)`` the identifier tables when earlier runs left dead rows, as
    autovacuum would on a server that is not also running the benchmark's deletes."""
    from django.db import connection

    from ketenwacht.identifiers.models import Pseudonym, RawValue, Sighting

    tables = [model._meta.db_table for model in (Sighting, Pseudonym, RawValue)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND n_dead_tup > %s * GREATEST(n_live_tup, 1)",
            [tables, DEAD_SHARE],
        )
        stale = [row[0] for row in cursor.fetchall()]
        if stale:
            print(f"  vacuum {', '.join(stale)} (dead rows of earlier runs)", file=sys.stderr)
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(stale)}")


def _world() -> tuple[list[Any], Any, Any]:
    """The eight banks, their sharing group and its agreement (created once), and the
    bundled allowlist of official values, as a deployment loads it."""
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from ketenwacht.partners.constants import Sector
    from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup

    organisations = [
        Organisation.objects.get_or_create(
            slug=f"bench-bank-{index}",
            defaults={"name": f"Bench Bank {index}", "sector": Sector.BANK},
        )[0]
        for index in range(1, ORGANISATIONS + 1)
    ]
    group, _created = SharingGroup.objects.get_or_create(
        slug=GROUP_SLUG, defaults={"name": "Bench-kring"}
    )
    group.members.set(organisations)
    agreement = DataSharingAgreement.objects.filter(group=group).order_by("-version").first()
    if agreement is None:
        agreement = DataSharingAgreement.objects.create(
            group=group,
            version=1,
            purpose="Benchmark",
            legal_basis="Benchmark",
            allowed_kinds=[kind for kind, _w in KIND_MIX],
            raw_value_roles=["police_analyst"],
            retention_days=dict.fromkeys((kind for kind, _w in KIND_MIX), RETENTION_DAYS),
            warning_thresholds={"warning_organisations": 2, "warning_confirmed": 1},
            valid_from=timezone.now() - timedelta(days=2 * RETENTION_DAYS),
        )
    call_command("identifiers_allowlist_load", stdout=io.StringIO())
    return organisations, group, agreement


def _listed_canonicals() -> Iterator[tuple[str, str, str]]:
    """``(kind, canonical value, display hint)`` of the listed values, without repeats."""
    from ketenwacht.identifiers import pseudonyms
    from ketenwacht.identifiers.canonical import CanonicalError, canonicalise
    from ketenwacht.synth.generators import identifiers

    for kind, count in kind_counts(PSEUDONYMS).items():
        seen: set[str] = set()
        for value in identifiers(kind, count * 4, seed=LISTED_SEED):
            try:
                canonical = canonicalise(value, kind)
            except CanonicalError:
                continue
            if canonical.value in seen:
                continue
            seen.add(canonical.value)
            yield kind, canonical.value, pseudonyms.display_hint(canonical)
            if len(seen) == count:
                break
        if len(seen) < count:
            raise RuntimeError(f"could not draw {count} distinct {kind} values")


def _populate() -> dict[str, Any]:
    """Write the 1,000,000 pseudonyms, their sightings and raw values with binary COPY."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from ketenwacht.identifiers import pseudonyms
    from ketenwacht.identifiers.models import Pseudonym, RawValue, Sighting
    from ketenwacht.knowledge.selectors import fraud_type_catalogue

    started = time.perf_counter()
    organisations, group, agreement = _world()
    fraud_types = [entry["code"] for entry in fraud_type_catalogue()]
    ring = pseudonyms.keyring()
    version = ring.current_version
    key = ring.pseudonym_keys[version]
    now = timezone.now()
    values = list(_listed_canonicals())
    print(f"  canonicalised {len(values):,} values", file=sys.stderr, flush=True)
    rng = random.Random(LISTED_SEED)
    connection.close()
    sighting_id = 0
    with psycopg.connect(database_url()) as conn, conn.cursor() as cursor:
        # Generated rows whose keys are right by construction: skip the millions of deferred
        # foreign-key checks at commit (the bench connects as the PostgreSQL superuser).
        cursor.execute("SET session_replication_role = replica")
        with cursor.copy(
            f"COPY {Pseudonym._meta.db_table} (id, kind, key_version, digest, display_hint, "
            "created_at) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "text", "int2", "bytea", "text", "timestamptz"])
            for pid, (kind, value, hint) in enumerate(values, start=1):
                copy.write_row(
                    (pid, kind, version, pseudonyms.digest(kind, value, key=key), hint, now)
                )
        print("  pseudonyms copied", file=sys.stderr, flush=True)
        with cursor.copy(
            f"COPY {Sighting._meta.db_table} (id, pseudonym_id, organisation_id, "
            "sharing_group_id, agreement_id, kind, fraud_type, role, confidence, source, "
            "observed_at, expires_at, created_at) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(
                ["int8", "int8", "int8", "int8", "int8", "text", "text", "text", "text", "text"]
                + ["timestamptz"] * 3
            )
            for pid, (kind, _value, _hint) in enumerate(values, start=1):
                first = rng.randrange(ORGANISATIONS)
                reporters = [first]
                if rng.random() < SECOND_SIGHTING_SHARE:
                    reporters.append((first + 1 + rng.randrange(ORGANISATIONS - 1)) % ORGANISATIONS)
                for position, org_index in enumerate(reporters):
                    observed = now - timedelta(seconds=rng.randrange(180 * 86_400))
                    confidence = (
                        "suspected" if position == 0 else rng.choice(["confirmed", "police_report"])
                    )
                    sighting_id += 1
                    copy.write_row(
                        (
                            sighting_id,
                            pid,
                            organisations[org_index].pk,
                            group.pk,
                            agreement.pk,
                            kind,
                            rng.choice(fraud_types),
                            ROLE_FOR_KIND[kind],
                            confidence,
                            "partner",
                            observed,
                            observed + timedelta(days=RETENTION_DAYS),
                            now,
                        )
                    )
        print(f"  {sighting_id:,} sightings copied", file=sys.stderr, flush=True)
        with cursor.copy(
            f"COPY {RawValue._meta.db_table} (pseudonym_id, encryption_key_version, nonce, "
            "ciphertext, agreement_id, expires_at, created_at) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int2", "bytea", "bytea", "int8", "timestamptz", "timestamptz"])
            expires = now + timedelta(days=RETENTION_DAYS)
            for pid, (kind, value, _hint) in enumerate(values, start=1):
                nonce, ciphertext = pseudonyms.encrypt_raw(kind, value, ring)
                copy.write_row(
                    (
                        pid,
                        pseudonyms.ENCRYPTION_KEY_VERSION,
                        nonce,
                        ciphertext,
                        agreement.pk,
                        expires,
                        now,
                    )
                )
        print("  raw values copied", file=sys.stderr, flush=True)
        for table in (Pseudonym, Sighting):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM "
                f"{table._meta.db_table}))",
                [table._meta.db_table],
            )
        conn.commit()
    _vacuum([Pseudonym._meta.db_table, Sighting._meta.db_table, RawValue._meta.db_table])
    seconds = time.perf_counter() - started
    with psycopg.connect(database_url()) as conn:
        conn.execute("DELETE FROM bench_marker")
        conn.execute(
            "INSERT INTO bench_marker VALUES (%s, %s, %s, %s, %s, %s, now(), %s)",
            [
                LAYOUT,
                len(values),
                sighting_id,
                len(values),
                sighting_id,
                _key_fingerprint(),
                seconds,
            ],
        )
    return {"pseudonyms": len(values), "sightings": sighting_id, "seconds": seconds}


def _vacuum(tables: Sequence[str]) -> None:
    import psycopg

    with psycopg.connect(database_url(), autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")


def _token() -> str:
    """A fresh token of the first bank with the check and write scopes."""
    from django.utils import timezone

    from ketenwacht.partners import tokens
    from ketenwacht.partners.constants import Scope
    from ketenwacht.partners.models import ApiToken, Organisation

    plaintext, key_id, secret_hash = tokens.generate()
    ApiToken.objects.create(
        organisation=Organisation.objects.get(slug="bench-bank-1"),
        name="bench",
        key_id=key_id,
        secret_hash=secret_hash,
        scopes=[Scope.IDENTIFIERS_CHECK, Scope.IDENTIFIERS_WRITE],
        expires_at=timezone.now() + timedelta(days=1),
    )
    return plaintext


def _migrate() -> None:
    """Migrate the bench database. ``BENCH_FAKE_MIGRATIONS`` (``app.name`` separated by
    commas) marks migrations as applied without running them: a way past a migration that
    is broken on PostgreSQL and irrelevant to these benchmarks, until it is fixed."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    for entry in filter(None, os.environ.get("BENCH_FAKE_MIGRATIONS", "").split(",")):
        app, _dot, name = entry.strip().partition(".")
        node = MigrationLoader(connection).graph.node_map[(app, name)]
        for parent in node.parents:  # everything before it for real, then it without running
            if parent.key[0] == app:
                call_command("migrate", app, parent.key[1], verbosity=0, interactive=False)
        call_command("migrate", app, name, fake=True, verbosity=0, interactive=False)
    call_command("migrate", verbosity=0, interactive=False)


def prepare(*, rebuild: bool) -> dict[str, Any]:
    created = _create_database(rebuild=rebuild)
    _setup_django()
    _migrate()
    marker = _marker()
    built: dict[str, Any] = {}
    if not created and not _marker_matches(marker):
        print("  bench database does not match: rebuilding", file=sys.stderr, flush=True)
        from django.db import connection

        connection.close()
        return prepare(rebuild=True)
    if created or marker is None:
        print(f"  populating {DATABASE} with {PSEUDONYMS:,} pseudonyms", file=sys.stderr)
        built = _populate()
    else:
        _world()
        remove_rows_after_marker()
        vacuum_if_needed()
    marker = _marker()
    assert marker is not None
    return {
        "database": DATABASE,
        "pseudonyms": marker["pseudonyms"],
        "sightings": marker["sightings"],
        "built": bool(built),
        "build_seconds": marker["seconds"],
        "token": _token(),
    }


# --- the in-process raw limit of the batch check --------------------------------------------


def check_loop(batches_file: str) -> None:
    """Canonicalise + HMAC + the digest lookup (``= ANY`` per 2,000), in this process, one
    round at a time.

    Reads a batch index per stdin line, answers ``{"seconds", "items", "found", "refused"}``.
    """
    _setup_django()
    from django.db import connection

    from ketenwacht.identifiers import pseudonyms
    from ketenwacht.identifiers.canonical import CanonicalError, canonicalise
    from ketenwacht.identifiers.ingest import LOOKUP_CHUNK
    from ketenwacht.identifiers.models import Pseudonym

    batches: list[list[dict[str, str]]] = json.loads(Path(batches_file).read_text())
    table = Pseudonym._meta.db_table
    sql = f"SELECT digest FROM {table} WHERE digest = ANY(%s) AND key_version = %s"

    def one_batch(items: list[dict[str, str]]) -> tuple[int, int]:
        ring = pseudonyms.keyring()
        version = ring.current_version
        key = ring.pseudonym_keys[version]
        digests = []
        refused = 0
        for item in items:
            try:
                canonical = canonicalise(item["value"], item.get("kind"))
            except CanonicalError:
                refused += 1
                continue
            digests.append(pseudonyms.digest(canonical.kind, canonical.value, key=key))
        found = 0
        with connection.cursor() as cursor:
            # Chunks as the check's own lookup: far larger arrays make the planner scan the
            # whole table instead of probing the index.
            for start in range(0, len(digests), LOOKUP_CHUNK):
                cursor.execute(sql, [digests[start : start + LOOKUP_CHUNK], version])
                found += len(cursor.fetchall())
        return found, refused

    one_batch(batches[0][:100])  # connect and warm up
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        index = int(line)
        started = time.perf_counter()
        found, refused = one_batch(batches[index])
        seconds = time.perf_counter() - started
        reply = {"seconds": seconds, "items": len(batches[index]), "found": found}
        print(json.dumps({**reply, "refused": refused}), flush=True)


def main(argv: list[str]) -> int:
    # Also when started by hand (``python -m bench._identifiers prepare --rebuild``).
    ensure_keys()
    os.environ.update(environment())
    command = argv[0] if argv else ""
    if command == "prepare":
        print(json.dumps(prepare(rebuild="--rebuild" in argv[1:])))
    elif command == "check-loop":
        check_loop(argv[1])
    elif command == "ingest":
        _setup_django()
        from bench.bench_ingest import run_ingest

        print(json.dumps(run_ingest()))
    else:
        print("usage: python -m bench._identifiers prepare|check-loop|ingest", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
