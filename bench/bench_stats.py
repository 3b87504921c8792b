"""Statistics: a factsheet over 1,000,000 intakes, aggregation to PDF, on PostgreSQL.

Rows, each against a raw limit measured in the same run:

* **factsheet 1M intakes → PDF** — ``services.factsheet_create`` for a year (every table of
  the stored definitions: fraud form × channel, age band, payment method, province, month;
  counts, sums and exact medians in PostgreSQL; disclosure control; partner figures and
  sightings), then the PDF with its matplotlib charts through WeasyPrint. Target ≤ 30 s.
  Raw limit: the same aggregations in polars on the same rows already in memory.
* **aggregation PostgreSQL (1M)** — only the aggregation of the intake tables as the factsheet
  runs it (one ``GROUP BY GROUPING SETS`` scan: counts, sums, exact medians), against the same
  aggregations in polars. The polars results are compared with PostgreSQL's cell by cell: the
  run fails if they differ.

Needs PostgreSQL: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_stats python -m
bench stats`` (a test database ``test_bench_stats`` is created and dropped). The rows are
loaded with a binary ``COPY``. ``BENCH_STATS_INTAKES`` changes the size (default 1,000,000).
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenwacht.conf.test")

INTAKES = int(os.environ.get("BENCH_STATS_INTAKES", "1000000"))
YEAR = 2025
FORMS = [
    "purchase",
    "phishing",
    "bankhelpdesk",
    "friend_in_need",
    "sales",
    "invoice",
    "romance",
    "investment",
    "identity",
    "helpdesk_other",
    "other",
]
CHANNELS = [
    "phone",
    "whatsapp",
    "sms",
    "email",
    "marketplace",
    "social_media",
    "dating_site",
    "webshop",
    "other",
    "",
]
PAYMENTS = ["bank_transfer", "payment_request", "card", "crypto", "gift_card", "cash", "other", ""]
AGES = ["under_25", "25_44", "45_64", "65_74", "75_plus", ""]


def _setup() -> Any:
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    if connection.vendor != "postgresql":
        raise SystemExit("bench_stats needs PostgreSQL: set DATABASE_URL")
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


def _load(connection: Any) -> float:
    """COPY ``INTAKES`` submitted intakes spread over the year; returns seconds."""
    from ketenwacht.stats.tests.factories import questionnaire

    version = questionnaire().pk
    rng = random.Random(20260101)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    seconds = 365 * 24 * 3600
    columns = [
        "id",
        "reference",
        "secret_hash",
        "questionnaire_id",
        "status",
        "language",
        "answers_encrypted",
        "outcome",
        "fraud_types",
        "urgency",
        "victim_type",
        "amount_cents",
        "payment_method",
        "channel",
        "victim_bank",
        "age_band",
        "postcode",
        "sightings_consent",
        "sightings_recorded",
        "created_at",
        "updated_at",
        "submitted_at",
        "purge_after",
    ]
    import json
    import uuid

    began = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        sql = f"COPY intake_intake ({', '.join(columns)}) FROM STDIN"
        with raw.copy(sql) as copy:
            for index in range(INTAKES):
                moment = start + timedelta(seconds=rng.randrange(seconds))
                # Skewed fraud forms; a few rare combinations make small cells.
                form = FORMS[min(int(rng.expovariate(0.45)), len(FORMS) - 1)]
                amount = None if rng.random() < 0.2 else int(rng.lognormvariate(10, 1.2))
                copy.write_row(
                    (
                        uuid.UUID(int=rng.getrandbits(128)),
                        f"{index:012x}",
                        "0" * 64,
                        version,
                        "submitted",
                        "nl",
                        b"",
                        "",
                        json.dumps([form]),
                        "",
                        "person",
                        amount,
                        rng.choice(PAYMENTS),
                        rng.choice(CHANNELS),
                        "",
                        rng.choice(AGES),
                        f"{rng.randrange(1000, 10000):04d}" if rng.random() < 0.9 else "",
                        False,
                        0,
                        moment,
                        moment,
                        moment,
                        moment + timedelta(days=3650),
                    )
                )
    # Outside the COPY's transaction: VACUUM sets the hint bits and the visibility map, as they
    # are on a table that was not loaded a second ago (otherwise the first scan pays for it).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE intake_intake")
    return time.perf_counter() - began


def _partners_and_users() -> Any:
    from ketenwacht.partners import access
    from ketenwacht.partners.constants import Role
    from ketenwacht.partners.tests.factories import OrganisationFactory, make_user
    from ketenwacht.stats.tests.factories import make_figure

    banks = [OrganisationFactory.create() for _ in range(5)]
    for bank in banks:
        for month in range(1, 13):
            for form in FORMS[:4]:
                make_figure(bank, date(YEAR, month, 1), form, incidents=secrets.randbelow(500))
    return access.actor_for_user(make_user(Role.PROGRAMME_TEAM, banks[0]))


def _polars_frame(connection: Any) -> tuple[Any, float]:
    import io

    import polars as pl
    from django.conf import settings

    from ketenwacht.stats.sources import moment

    began = time.perf_counter()
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        # The rows as stored; the month in the site's time zone, as Django's TruncMonth does.
        sql = (
            "COPY (SELECT fraud_types->>0 AS fraud_form, "
            "channel, payment_method, age_band, postcode, amount_cents, "
            "to_char(submitted_at AT TIME ZONE %s, 'YYYY-MM') "
            "AS month FROM intake_intake WHERE status = 'submitted' "
            "AND submitted_at >= %s AND submitted_at < %s) "
            "TO STDOUT WITH (FORMAT csv, HEADER)"
        )
        params = (settings.TIME_ZONE, moment(date(YEAR, 1, 1)), moment(date(YEAR + 1, 1, 1)))
        with cursor.cursor.copy(sql, params) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    frame = pl.read_csv(
        buffer,
        schema_overrides={
            "fraud_form": pl.Utf8,
            "postcode": pl.Utf8,
            "channel": pl.Utf8,
            "payment_method": pl.Utf8,
            "age_band": pl.Utf8,
            "amount_cents": pl.Int64,
        },
    )
    return frame, time.perf_counter() - began


def _polars_aggregate(frame: Any) -> dict[str, dict[tuple[str, ...], tuple[int, float]]]:
    """The intake tables of the factsheet in polars: counts and summed euros per cell."""
    import polars as pl

    from ketenwacht.stats.constants import POSTCODE_RANGES, UNKNOWN

    province = pl.lit(UNKNOWN)
    for low, high, code in reversed(POSTCODE_RANGES):
        province = (
            pl.when((pl.col("postcode") >= low) & (pl.col("postcode") < high))
            .then(pl.lit(code))
            .otherwise(province)
        )

    def known(name: str, default: str = UNKNOWN) -> Any:
        column = pl.col(name).fill_null("")
        return pl.when(column == "").then(pl.lit(default)).otherwise(column).alias(name)

    prepared = frame.with_columns(
        known("fraud_form", "other"),
        known("channel"),
        known("payment_method"),
        known("age_band"),
        province.alias("province"),
    )
    tables = {
        "form_channel": ["fraud_form", "channel"],
        "age_band": ["age_band"],
        "payment_method": ["payment_method"],
        "province": ["province"],
        "month": ["month"],
    }
    out = {}
    for slug, dims in tables.items():
        grouped = prepared.group_by(dims).agg(
            pl.len().alias("n"),
            pl.col("amount_cents").sum().alias("amount"),
            pl.col("amount_cents").median().alias("median"),
        )
        out[slug] = {
            tuple(row[:-3]): (row[-3], round((row[-2] or 0) / 100, 2))
            for row in grouped.iter_rows()
        }
    return out


def _postgres_aggregate() -> tuple[dict[str, dict[tuple[str, ...], tuple[int, float]]], float]:
    """The factsheet's intake tables as the factsheet computes them: one GROUPING SETS scan."""
    from ketenwacht.stats import factsheets, sources

    definition = factsheets.default_definitions()[0]
    began = time.perf_counter()
    results, _overall = sources.aggregate_intake_tables(
        [table["dims"] for table in definition.tables],
        start=date(YEAR, 1, 1),
        end=date(YEAR + 1, 1, 1),
    )
    elapsed = time.perf_counter() - began
    out = {}
    for table, result in zip(definition.tables, results, strict=True):
        out[table["slug"]] = {
            key: (cell.count, round(cell.value or 0, 2)) for key, cell in result.cells.items()
        }
    return out, elapsed


def run() -> list[dict[str, Any]]:
    import logging

    connection = _setup()
    old_name = connection.settings_dict["NAME"]
    # A serving process has these imported already; import them before the clock starts.
    import matplotlib.figure  # noqa: F401
    import weasyprint  # noqa: F401

    from ketenwacht.stats import charts

    charts._ensure_font()
    for noisy in ("fontTools", "weasyprint", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        load_seconds = _load(connection)
        print(f"  loaded {INTAKES:,} intakes by COPY in {load_seconds:.1f} s", flush=True)
        actor = _partners_and_users()
        frame, fetch_seconds = _polars_frame(connection)
        began = time.perf_counter()
        polars_tables = _polars_aggregate(frame)
        polars_seconds = time.perf_counter() - began
        postgres_tables, postgres_seconds = _postgres_aggregate()
        for slug, cells in postgres_tables.items():
            theirs = polars_tables[slug]
            if cells != theirs:
                differ = set(cells.items()) ^ set(theirs.items())
                raise SystemExit(f"polars and PostgreSQL differ in {slug}: {sorted(differ)[:5]}")
        print(
            f"  aggregation: PostgreSQL {postgres_seconds:.2f} s, polars {polars_seconds:.2f} s "
            f"(+ {fetch_seconds:.2f} s to fetch the rows into polars); identical cells",
            flush=True,
        )
        from ketenwacht.stats import factsheets, services
        from ketenwacht.stats.constants import PeriodKind

        began = time.perf_counter()
        factsheet = services.factsheet_create(
            actor=actor, period_kind=PeriodKind.YEAR, year=YEAR, today=date(YEAR + 1, 2, 1)
        )
        computed = time.perf_counter()
        pdf = factsheets.factsheet_pdf(factsheet)
        total = time.perf_counter() - began
        print(
            f"  factsheet: compute {computed - began:.1f} s, "
            f"PDF {total - (computed - began):.1f} s ({len(pdf):,} bytes)",
            flush=True,
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    label = f"{INTAKES / 1e6:g}M"
    return [
        {
            "name": f"stats factsheet {label} intakes → PDF (PostgreSQL)",
            "figure": total,
            "unit": "s",
            "raw": polars_seconds,
            "raw_unit": "s (polars aggregation, in memory)",
            "ratio": total / polars_seconds,
            "target": "≤ 30 s",
        },
        {
            "name": f"stats aggregation {label} intakes (PostgreSQL, one GROUPING SETS scan)",
            "figure": postgres_seconds,
            "unit": "s",
            "raw": polars_seconds,
            "raw_unit": "s (polars, same cells)",
            "ratio": postgres_seconds / polars_seconds,
            "target": "",
        },
    ]
