"""Cases: the full rebuild of the clusters and the incremental add of one report.

Synthetic data with the shape of the real thing (``ketenwacht.synth.generators`` values,
pseudonymised with the platform's HMAC): fraud campaigns of very unequal size (a few large
networks, many small ones), each with its own mule IBANs, phone numbers and domains; each
report names one to three of its campaign's identifiers and usually one of its own (a
phishing URL with a victim token, sometimes a sender's address: about three links per
report); and about one report in twenty-five names one of 24 **hubs** — a marketplace's
support address, banks' real numbers that fraudsters spoof, a courier's number — across
every fraud form, which the hub guard must keep from linking.

Rows, each against a raw limit measured in the same run:

* **full rebuild** from scratch (no clusters yet) of ``BENCH_CASES_REPORTS`` reports
  (default 1,000,000) with about three links each: stream the links, decide the hubs, union,
  match identities, write clusters, memberships, events, summaries and routing. Raw limit: a bare
  in-memory union-find (``components.DisjointSet``) over the same links, already grouped by
  identifier. Target: ≤ 60 s at 1,000,000 reports / 3,000,000 links.
* **rebuild, nothing changed** — the same rebuild again: what a nightly repair costs.
* **incremental add** — ``BENCH_CASES_ADDS`` (default 2,000) new reports, each in its own
  transaction: links, hub counters, union with the clusters it reaches, summary, routing.
  The figure is the p99; the raw limit is the p99 of writing the same report and link rows
  without any linking. Target: p99 ≤ 10 ms.
* **import service** — p99 of ``case_report_import`` (what the API runs: canonicalise,
  pseudonymise, link, record sightings, audit) for 500 reports; no target, for information.

Run it alone with ``python -m bench cases``; the database is a fresh test database (SQLite
in memory unless ``DATABASE_URL`` points at PostgreSQL, where loading and writing use COPY).
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenwacht.conf.test")

REPORTS = int(os.environ.get("BENCH_CASES_REPORTS", "1000000"))
ADDS = int(os.environ.get("BENCH_CASES_ADDS", "2000"))
IMPORTS = int(os.environ.get("BENCH_CASES_IMPORTS", "500"))
SEED = 11
HUBS = 24
HUB_SHARE = 0.04
SKEW = 1.6  # campaign sizes: the largest of 250,000 campaigns gets about 400 reports
FRAUD_MIX = (
    ("purchase", 35),
    ("sales", 10),
    ("bankhelpdesk", 15),
    ("phishing", 15),
    ("friend_in_need", 10),
    ("investment", 5),
    ("romance", 5),
    ("invoice", 5),
)
POSTCODE_AREAS = list(range(1000, 10000, 7))
AGE_BANDS = ["under_25", "25_44", "45_64", "65_74", "75_plus", "", ""]
TODAY = date(2025, 6, 30)


def _setup_django() -> Any:
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


@dataclass
class Synthetic:
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (kind, canonical value)
    reports: list[tuple[str, int, date, str, str]] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # (report index, identifier index)
    campaigns: list[list[int]] = field(default_factory=list)
    hubs: list[int] = field(default_factory=list)


class _Values:
    """Realistic identifier values from the synth generators, drawn lazily per kind."""

    def __init__(self, seed: int) -> None:
        from ketenwacht.synth.generators import identifiers

        self._streams = {
            kind: identifiers(kind, 10**8, seed=f"{seed}:{kind}")
            for kind in ("iban", "phone", "domain", "url", "email")
        }
        self._seen: set[tuple[str, str]] = set()

    def draw(self, kind: str) -> tuple[str, str]:
        while True:
            value = next(self._streams[kind])
            if kind == "url":
                value = value.lower()
            key = (kind, value)
            if key not in self._seen:
                self._seen.add(key)
                return key


def generate(n_reports: int, seed: int = SEED) -> Synthetic:
    """Campaigns with skewed sizes, per-report identifiers, and hubs across every form."""
    rng = random.Random(seed)
    values = _Values(seed)
    data = Synthetic()
    fraud_codes = [code for code, weight in FRAUD_MIX for _ in range(weight)]

    def new_identifier(kind: str) -> int:
        data.identifiers.append(values.draw(kind))
        return len(data.identifiers) - 1

    hub_kinds = ["email", "phone", "phone", "domain"] * 6
    # At least ~120 reports per hub at any scale, so each passes the hub limit as in reality.
    hubs = max(4, min(HUBS, int(n_reports * HUB_SHARE / 120)))
    data.hubs = [new_identifier(kind) for kind in hub_kinds[:hubs]]
    n_campaigns = max(1, n_reports // 4)
    campaign_fraud = [rng.choice(fraud_codes) for _ in range(n_campaigns)]
    for _ in range(n_campaigns):
        kinds = ["iban"] * rng.randint(1, 3) + ["phone"] * rng.randint(0, 2)
        if rng.random() < 0.4:
            kinds.append("domain")
        data.campaigns.append([new_identifier(kind) for kind in kinds])
    for index in range(n_reports):
        # Skewed: a few campaigns are large networks, most are small.
        campaign = min(n_campaigns - 1, int(n_campaigns * rng.random() ** SKEW))
        fraud = campaign_fraud[campaign] if rng.random() < 0.9 else rng.choice(fraud_codes)
        day = TODAY - timedelta(days=int(rng.random() ** 1.5 * 365))
        data.reports.append(
            (
                fraud,
                int(rng.lognormvariate(7.5, 1.4)) * 100,
                day,
                str(rng.choice(POSTCODE_AREAS)),
                rng.choice(AGE_BANDS),
            )
        )
        pool = data.campaigns[campaign]
        chosen = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
        if rng.random() < 0.95:
            chosen.append(new_identifier("url"))
        if rng.random() < 0.15:  # a sender's address of its own: about 3 links per report
            chosen.append(new_identifier("email"))
        if rng.random() < HUB_SHARE:
            chosen.append(rng.choice(data.hubs))
        for identifier in set(chosen):
            data.links.append((index, identifier))
    return data


def load(data: Synthetic) -> tuple[list[int], list[int]]:
    """Write pseudonyms, reports and links (COPY on PostgreSQL); returns their ids."""
    from django.db import connection, transaction

    from ketenwacht.cases import bulkwrite
    from ketenwacht.cases.models import Report, ReportLink
    from ketenwacht.cases.routing import PostcodeTable
    from ketenwacht.identifiers import pseudonyms
    from ketenwacht.identifiers.canonical import Canonical
    from ketenwacht.identifiers.models import Pseudonym

    ring = pseudonyms.keyring()
    version = ring.current_version
    key = ring.pseudonym_keys[version]
    now = datetime.now(UTC)
    table = PostcodeTable.load()
    with transaction.atomic():
        pseudonym_ids = bulkwrite.allocate_ids(Pseudonym, len(data.identifiers))
        bulkwrite.insert_rows(
            Pseudonym,
            ["id", "kind", "key_version", "digest", "display_hint", "created_at"],
            (
                (
                    pid,
                    kind,
                    version,
                    pseudonyms.digest(kind, value, key=key),
                    pseudonyms.display_hint(Canonical(kind, value, value)),
                    now,
                )
                for pid, (kind, value) in zip(pseudonym_ids, data.identifiers, strict=True)
            ),
        )
        report_ids = bulkwrite.allocate_ids(Report, len(data.reports))
        bulkwrite.insert_rows(
            Report,
            [
                "id",
                "source",
                "number",
                "fraud_type",
                "damage_cents",
                "reported_on",
                "seen_on",
                "postcode4",
                "region",
                "age_band",
                "victim_key",
                "created_at",
            ],
            (
                (
                    rid,
                    "police",
                    f"B-{rid:08d}",
                    fraud,
                    damage,
                    day,
                    day,
                    postcode,
                    table.unit_id(postcode),
                    age,
                    f"{rid:064x}",
                    now,
                )
                for rid, (fraud, damage, day, postcode, age) in zip(
                    report_ids, data.reports, strict=True
                )
            ),
        )
        link_ids = bulkwrite.allocate_ids(ReportLink, len(data.links))
        bulkwrite.insert_rows(
            ReportLink,
            ["id", "report", "pseudonym", "role"],
            (
                (lid, report_ids[r], pseudonym_ids[p], "")
                for lid, (r, p) in zip(link_ids, data.links, strict=True)
            ),
        )
    if connection.vendor == "postgresql":
        # What autovacuum does between a bulk load and the nightly rebuild on a deployed
        # server (docs/operations/deployment.md requires it on; on these machines it is off):
        # without it the first rebuild sets the hint bits of three million fresh link rows
        # and reads the link index through the table (3–4 s more).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return report_ids, pseudonym_ids


def bare_union_find(data: Synthetic) -> float:
    """The floor: union-find over the same links, grouped by identifier, all in memory."""
    from ketenwacht.cases.components import DisjointSet

    groups: dict[int, list[int]] = defaultdict(list)
    for report, identifier in data.links:
        groups[identifier].append(report)
    lists = list(groups.values())
    started = time.perf_counter()
    DisjointSet(len(data.reports)).union_groups(lists)
    return time.perf_counter() - started


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Adds:
    """Per-add seconds of the linking path and of the bare writes (the raw limit), and the
    CPU seconds per add of this process and its database backend together (what the load of
    a shared machine does not change)."""

    linked: list[float]
    bare: list[float]
    linked_cpu: float
    bare_cpu: float


def _cpu_meter() -> Any:
    """CPU of this process and of the server process behind its connection (same machine)."""
    from django.db import connection

    from bench._server import CpuMeter

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0"
        )
        (backend,) = cursor.fetchone()
    return CpuMeter(lambda: [os.getpid(), backend] if backend else [os.getpid()])


def _checkpoint() -> None:
    """A checkpoint before the adds are timed (PostgreSQL). The load and the two rebuilds
    write some 3 GB of WAL; with the default ``max_wal_size`` (1 GB) the server then runs
    checkpoints back to back, and the adds, timed right after, ran during them: p99 13.6 and
    15.0 ms in two quiet runs, against 10.0–11.3 ms for the same adds in a separate process
    after a rebuild. A deployed server takes its reports hours after the nightly rebuild, not
    seconds. The bare writes are timed after the adds, under the same conditions."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")


def incremental(data: Synthetic, pseudonym_ids: list[int], count: int) -> Adds:
    """The adds: linked one by one, then the same kind of rows written bare."""
    from django.db import transaction

    from ketenwacht.cases import linking, services
    from ketenwacht.cases.models import Report, ReportLink

    rng = random.Random(SEED + 1)
    fraud_codes = [code for code, weight in FRAUD_MIX for _ in range(weight)]

    def new_report(prefix: str, i: int) -> tuple[dict[str, Any], list[int]]:
        campaign = data.campaigns[
            min(len(data.campaigns) - 1, int(len(data.campaigns) * rng.random() ** SKEW))
        ]
        chosen = rng.sample(campaign, k=min(len(campaign), rng.randint(1, 2)))
        if rng.random() < HUB_SHARE:
            chosen.append(rng.choice(data.hubs))
        day = TODAY - timedelta(days=rng.randrange(30))
        fields = {
            "source": "police",
            "number": f"{prefix}-{i:07d}",
            "fraud_type": rng.choice(fraud_codes),
            "damage_cents": int(rng.lognormvariate(7.5, 1.4)) * 100,
            "reported_on": day,
            "seen_on": day,
            "postcode4": str(rng.choice(POSTCODE_AREAS)),
            "age_band": rng.choice(AGE_BANDS),
            "victim_key": f"{prefix}{i:061x}",
        }
        return fields, sorted({pseudonym_ids[c] for c in chosen})

    meter = _cpu_meter()
    linked: list[float] = []
    meter.start()
    for i in range(count):
        fields, ids = new_report("INC", i)
        started = time.perf_counter()
        with transaction.atomic():
            report = Report.objects.create(**fields)
            change = linking.add_report(report, ids)
            services.clusters_after_change(change, now=datetime.now(UTC))
        linked.append(time.perf_counter() - started)
    linked_cpu = meter.stop() / count
    bare: list[float] = []
    meter.start()
    for i in range(count):
        fields, ids = new_report("RAW", i)
        started = time.perf_counter()
        with transaction.atomic():
            report = Report.objects.create(**fields)
            ReportLink.objects.bulk_create([ReportLink(report=report, pseudonym_id=p) for p in ids])
        bare.append(time.perf_counter() - started)
    return Adds(linked, bare, linked_cpu, meter.stop() / count)


def import_service(data: Synthetic, count: int) -> list[float]:
    """p99 material of the whole API service: canonicalise, pseudonymise, link, sightings."""
    from ketenwacht.cases import services
    from ketenwacht.partners import access
    from ketenwacht.partners.constants import Scope, Sector
    from ketenwacht.partners.models import (
        ApiToken,
        DataSharingAgreement,
        Organisation,
        SharingGroup,
    )
    from ketenwacht.partners.tokens import generate as token_generate

    police = Organisation.objects.create(
        name="Politie (bench)", slug="politie-bench", sector=Sector.POLICE
    )
    group = SharingGroup.objects.create(name="Bench", slug="bench")
    group.members.set([police])
    DataSharingAgreement.objects.create(
        group=group,
        version=1,
        purpose="bench",
        legal_basis="bench",
        allowed_kinds=["iban", "phone", "email", "url", "domain"],
        raw_value_roles=["police_analyst"],
        retention_days={"iban": 365, "phone": 365, "email": 365, "url": 90, "domain": 90},
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    _plain, key_id, secret_hash = token_generate()
    token = ApiToken.objects.create(
        organisation=police,
        name="bench",
        key_id=key_id,
        secret_hash=secret_hash,
        scopes=[Scope.CASES_REPORT.value],
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    actor = access.actor_for_token(token)
    rng = random.Random(SEED + 2)
    timings = []
    for i in range(count):
        campaign = data.campaigns[
            min(len(data.campaigns) - 1, int(len(data.campaigns) * rng.random() ** SKEW))
        ]
        values = [data.identifiers[c][1] for c in rng.sample(campaign, k=min(2, len(campaign)))]
        started = time.perf_counter()
        services.case_report_import(
            actor=actor,
            number=f"API-{i:06d}",
            reported_on=TODAY,
            fraud_type="purchase",
            damage_cents=50_000,
            postcode4=str(rng.choice(POSTCODE_AREAS)),
            identifiers=[{"value": v} for v in values],
        )
        timings.append(time.perf_counter() - started)
    return timings


def run() -> list[dict[str, Any]]:
    connection = _setup_django()
    vendor = connection.vendor
    started = time.perf_counter()
    data = generate(REPORTS)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    _report_ids, pseudonym_ids = load(data)
    loaded = time.perf_counter() - started
    print(
        f"  {len(data.reports):,} reports, {len(data.links):,} links, "
        f"{len(data.identifiers):,} identifiers; generated in {generated:.1f} s, "
        f"loaded in {loaded:.1f} s ({vendor})",
        flush=True,
    )
    raw = bare_union_find(data)

    from ketenwacht.cases.models import Cluster, Hub
    from ketenwacht.cases.rebuild import rebuild

    first = rebuild()
    print(f"  rebuild: {first.as_dict()}", flush=True)
    again = rebuild()
    print(f"  rebuild again: {again.as_dict()}", flush=True)
    clusters = Cluster.objects.filter(is_active=True).count()
    hubs = Hub.objects.filter(is_excluded=True).count()
    _checkpoint()
    adds = incremental(data, pseudonym_ids, ADDS)
    linked, bare = adds.linked, adds.bare
    imports = import_service(data, IMPORTS)
    scale = f"{len(data.reports):,} reports, {len(data.links):,} links, {vendor}"
    p99, bare_p99 = _p(linked, 0.99) * 1000, _p(bare, 0.99) * 1000
    print(
        f"  clusters {clusters:,}, hubs excluded {hubs}; add p50 {_p(linked, 0.5) * 1000:.2f} ms, "
        f"p99 {p99:.2f} ms; bare p99 {bare_p99:.2f} ms; import p50 "
        f"{_p(imports, 0.5) * 1000:.2f} ms p99 {_p(imports, 0.99) * 1000:.2f} ms",
        flush=True,
    )
    return [
        {
            "name": (
                f"cases: full rebuild from scratch ({scale}; {clusters:,} clusters, {hubs} hubs)"
            ),
            "figure": first.seconds,
            "unit": "s",
            "raw": raw,
            "raw_unit": "s (bare in-memory union-find)",
            "ratio": first.seconds / raw if raw else None,
            "target": "≤ 60 s at 1,000,000 reports / 3,000,000 links",
        },
        {
            "name": f"cases: rebuild, nothing changed ({scale})",
            "figure": again.seconds,
            "unit": "s",
            "raw": raw,
            "raw_unit": "s (bare in-memory union-find)",
            "ratio": again.seconds / raw if raw else None,
            "target": "—",
        },
        {
            "name": f"cases: incremental add, p99 of {ADDS:,} (link + summary + routing)",
            "figure": p99,
            "unit": "ms",
            "raw": bare_p99,
            "raw_unit": "ms (same rows written without linking)",
            "ratio": p99 / bare_p99 if bare_p99 else None,
            "target": "p99 ≤ 10 ms",
        },
        {
            "name": "cases: incremental add, CPU per add (this process + its database backend)",
            "figure": adds.linked_cpu * 1000,
            "unit": "ms",
            "raw": adds.bare_cpu * 1000,
            "raw_unit": "ms (the same for the bare writes)",
            "ratio": adds.linked_cpu / adds.bare_cpu if adds.bare_cpu else None,
            "target": "informational (load-independent)",
        },
        {
            "name": f"cases: import service, p99 of {IMPORTS} (canonicalise … sightings, audit)",
            "figure": _p(imports, 0.99) * 1000,
            "unit": "ms",
            "raw": bare_p99,
            "raw_unit": "ms (bare writes)",
            "ratio": _p(imports, 0.99) / _p(bare, 0.99) if bare_p99 else None,
            "target": "—",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
