"""Ingest of sightings against 1,000,000 listed pseudonyms on PostgreSQL.

``services.sightings_ingest`` takes batches of 10,000 items as a partner sends them: values
spelled as people type them (in the kind mix of ``bench/_identifiers.py``; 30 % already
listed), with kind, fraud type, role, confidence and an ISO 8601 ``observed_at``. End to
end means everything the service does: per-item validation, canonicalisation, HMAC under
every key version, display hints, encryption of raw values (the agreement keeps them),
binary ``COPY`` into a staging table, the set-based merges into pseudonyms, sightings and
raw values, the per-item results, the audit row and the commit.

The raw limit is a binary ``COPY`` of the same rows, pre-computed (canonical values,
digests, ids from the sequences, ciphertexts — none of that timed), straight into the same
three tables, and the commit. The two alternate batch by batch (which goes first
alternates too), and after each the rows are deleted again, so both always write into the
same 1,000,000-pseudonym tables. Times are wall-clock, as the database works in its own
process; the load average is printed with the figures.

Listing the recorded values for the oblivious check is a worker's job after the commit
(``privatecheck.services.list_pending``; ingest only seals the batch's values into one row).
The bench does that work itself after each batch, timed apart, against a bare loop of the
same ristretto255 elements — its own row, so its cost stays visible.

Knobs: ``BENCH_INGEST_BATCHES`` (default 10). Run alone: ``python -m bench ingest``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _identifiers as ident
from bench._server import CpuMeter, database_backends

BATCHES = int(os.environ.get("BENCH_INGEST_BATCHES", "10"))
BATCH_ITEMS = 10_000
KNOWN_SHARE = 0.3
INGEST_SEED = "bench-ingest"
CONFIDENCES = ("suspected", "suspected", "suspected", "confirmed", "police_report")


def _load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


# --- inside the child process (Django with the bench settings) -----------------------------


def _batches(fraud_types: list[str]) -> list[list[dict[str, Any]]]:
    from django.utils import timezone

    rng = random.Random(INGEST_SEED)
    values = ident.mixed_items(
        BATCHES * BATCH_ITEMS, known_share=KNOWN_SHARE, rng=rng, seed=INGEST_SEED
    )
    now = timezone.now()
    items = [
        {
            **value,
            "fraud_type": rng.choice(fraud_types),
            "role": ident.ROLE_FOR_KIND[value["kind"]],
            "confidence": rng.choice(CONFIDENCES),
            "observed_at": (now - timedelta(seconds=rng.randrange(30 * 86_400))).isoformat(),
        }
        for value in values
    ]
    return [items[i * BATCH_ITEMS : (i + 1) * BATCH_ITEMS] for i in range(BATCHES)]


class _RawCopy:
    """The raw limit: the rows the service would write, pre-computed, then COPY + commit."""

    def __init__(self, agreement: Any, organisation: Any) -> None:
        from django.db import connection

        from ketenwacht.identifiers import pseudonyms

        self.connection = connection
        self.agreement = agreement
        self.organisation = organisation
        self.ring = pseudonyms.keyring()

    def rows(self, items: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], ...]:
        from django.utils import timezone
        from django.utils.dateparse import parse_datetime

        from ketenwacht.identifiers import pseudonyms
        from ketenwacht.identifiers.canonical import canonicalise
        from ketenwacht.identifiers.ingest import find_pseudonyms

        version = self.ring.current_version
        key = self.ring.pseudonym_keys[version]
        now = timezone.now()
        prepared = []
        for item in items:
            canonical = canonicalise(item["value"], item["kind"])
            digest = pseudonyms.digest(canonical.kind, canonical.value, key=key)
            observed = parse_datetime(item["observed_at"])
            assert observed is not None
            prepared.append((item, canonical, digest, observed))
        existing = find_pseudonyms(digest for _i, _c, digest, _o in prepared)
        new: dict[bytes, tuple[Any, ...]] = {}
        for _item, canonical, digest, _observed in prepared:
            if (version, digest) not in existing and digest not in new:
                new[digest] = (canonical.kind, canonical.value, pseudonyms.display_hint(canonical))
        pseudonym_ids = self._next_ids("identifiers_pseudonym", len(new))
        ids = {(version, d): pk for d, pk in zip(new, pseudonym_ids, strict=True)}
        ids.update(existing)
        pseudonym_rows = [
            (ids[(version, digest)], kind, version, digest, hint, now)
            for digest, (kind, _value, hint) in new.items()
        ]
        retention = timedelta(days=ident.RETENTION_DAYS)
        sighting_ids = self._next_ids("identifiers_sighting", len(prepared))
        sighting_rows = [
            (
                sighting_id,
                ids[(version, digest)],
                self.organisation.pk,
                self.agreement.group_id,
                self.agreement.pk,
                canonical.kind,
                item["fraud_type"],
                item["role"],
                item["confidence"],
                "partner",
                observed,
                observed + retention,
                now,
            )
            for sighting_id, (item, canonical, digest, observed) in zip(
                sighting_ids, prepared, strict=True
            )
        ]
        raw_rows = []
        for digest, (kind, value, _hint) in new.items():
            nonce, ciphertext = pseudonyms.encrypt_raw(kind, value, self.ring)
            raw_rows.append(
                (
                    ids[(version, digest)],
                    1,
                    nonce,
                    ciphertext,
                    self.agreement.pk,
                    now + retention,
                    now,
                )
            )
        return pseudonym_rows, sighting_rows, raw_rows

    def _next_ids(self, table: str, count: int) -> list[int]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def copy(self, rows: tuple[list[tuple[Any, ...]], ...]) -> None:
        from django.db import transaction
        from psycopg.types.string import BytesBinaryDumper

        pseudonym_rows, sighting_rows, raw_rows = rows
        with transaction.atomic(), self.connection.cursor() as cursor:
            # The C dumper for bytea, as the service's staging COPY uses (psycopg's DB-API
            # module registers a Python one): the limit must not pay a cost ingest avoids.
            cursor.cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
            self._copy(
                cursor,
                "identifiers_pseudonym (id, kind, key_version, digest, display_hint, created_at)",
                ["int8", "text", "int2", "bytea", "text", "timestamptz"],
                pseudonym_rows,
            )
            self._copy(
                cursor,
                "identifiers_sighting (id, pseudonym_id, organisation_id, sharing_group_id, "
                "agreement_id, kind, fraud_type, role, confidence, source, observed_at, "
                "expires_at, created_at)",
                ["int8"] * 5 + ["text"] * 5 + ["timestamptz"] * 3,
                sighting_rows,
            )
            self._copy(
                cursor,
                "identifiers_rawvalue (pseudonym_id, encryption_key_version, nonce, ciphertext, "
                "agreement_id, expires_at, created_at)",
                ["int8", "int2", "bytea", "bytea", "int8", "timestamptz", "timestamptz"],
                raw_rows,
            )

    @staticmethod
    def _copy(cursor: Any, target: str, types: list[str], rows: list[tuple[Any, ...]]) -> None:
        with cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)


def _time_listing(meter: Any, timings: dict[str, float]) -> int:
    """What the worker does after the commit: list the batch's sealed values for the
    oblivious check (``privatecheck.services.list_pending``), timed apart from ingest."""
    from ketenwacht.privatecheck import services as private
    from ketenwacht.privatecheck.models import PendingListing

    pending = list(PendingListing.objects.order_by("pk").values_list("pk", flat=True))
    meter.start()
    started = time.perf_counter()
    listed = sum(private.list_pending(pk) for pk in pending)
    timings["list"] += time.perf_counter() - started
    timings["list_cpu"] += meter.stop()
    return listed


def _time_bare_elements(items: list[dict[str, Any]], timings: dict[str, float]) -> int:
    """The listing's raw limit: ``k * HashToGroup(kind:value)`` for the batch's distinct
    values under the current OPRF key, in a bare loop (canonical forms not timed)."""
    from ketenwacht.client import oprf
    from ketenwacht.identifiers.canonical import canonicalise
    from ketenwacht.privatecheck import keyring

    keys = keyring.load()
    secret = keys.keys[keys.current_version]
    messages = {
        oprf.message_for(c.kind, c.value)
        for c in (canonicalise(item["value"], item["kind"]) for item in items)
    }
    started = time.perf_counter()
    for message in messages:
        oprf.element(secret, message)
    timings["bare_elements"] += time.perf_counter() - started
    return len(messages)


def _forget_queued_tasks() -> None:
    """No worker serves the bench broker (its own Redis database): drop the listing tasks the
    ingest queued, whose batches the bench listed itself."""
    from ketenwacht.celery import app

    app.control.purge()


def run_ingest() -> dict[str, Any]:
    """Alternate the service and the raw COPY over the same batches; return the timings."""
    from ketenwacht.identifiers import services
    from ketenwacht.knowledge.selectors import fraud_type_catalogue
    from ketenwacht.partners import access
    from ketenwacht.partners.models import ApiToken

    organisations, _group, agreement = ident._world()
    ident.remove_rows_after_marker()
    ident._token()
    token = (
        ApiToken.objects.select_related("organisation").filter(name="bench").latest("created_at")
    )
    actor = access.actor_for_token(token, address="127.0.0.1")
    batches = _batches([entry["code"] for entry in fraud_type_catalogue()])
    raw = _RawCopy(agreement, organisations[0])
    # This process and the database's server processes: the load-independent cost.
    meter = CpuMeter(lambda: [os.getpid(), *database_backends(ident.database_url())])
    timings: dict[str, float] = {
        "ours": 0.0,
        "raw": 0.0,
        "ours_cpu": 0.0,
        "raw_cpu": 0.0,
        "list": 0.0,
        "list_cpu": 0.0,
        "bare_elements": 0.0,
    }
    recorded = rows_copied = failed = listed = elements = 0
    services.sightings_ingest(actor=actor, items=batches[0][:1000])  # warm up
    ident.remove_rows_after_marker()
    loads = []
    for index, items in enumerate(batches):
        loads.append(_load_average())
        sides = ("ours", "raw") if index % 2 == 0 else ("raw", "ours")
        for side in sides:
            if side == "ours":
                meter.start()
                started = time.perf_counter()
                result = services.sightings_ingest(actor=actor, items=items)
                timings["ours"] += time.perf_counter() - started
                timings["ours_cpu"] += meter.stop()
                recorded += result.recorded
                failed += result.failed
                listed += _time_listing(meter, timings)
                elements += _time_bare_elements(items, timings)
            else:
                rows = raw.rows(items)
                meter.start()
                started = time.perf_counter()
                raw.copy(rows)
                timings["raw"] += time.perf_counter() - started
                timings["raw_cpu"] += meter.stop()
                rows_copied += len(rows[1])
            ident.remove_rows_after_marker()
    _forget_queued_tasks()
    return {
        "recorded": recorded,
        "failed": failed,
        "copied": rows_copied,
        "listed": listed,
        "elements": elements,
        "items": BATCHES * BATCH_ITEMS,
        "loads": loads,
        **timings,
    }


# --- in the runner ------------------------------------------------------------------------


def run() -> list[dict[str, Any]]:
    print(f"  load average before: {_load_average()}", file=sys.stderr)
    prepare_args = ["--rebuild"] if os.environ.get("BENCH_REBUILD") else []
    info = ident.child("prepare", *prepare_args)
    print(
        f"  bench database {info['database']}: {info['pseudonyms']:,} pseudonyms "
        f"({'built' if info['built'] else 'reused'})",
        file=sys.stderr,
    )
    result = ident.child("ingest")
    if result["failed"]:
        raise RuntimeError(f"{result['failed']} ingest items were refused")
    ours = result["recorded"] / result["ours"]
    raw = result["copied"] / result["raw"]
    ours_cpu = result["recorded"] / result["ours_cpu"]
    raw_cpu = result["copied"] / result["raw_cpu"]
    print(
        f"  ingest: {result['recorded']:,} sightings in {BATCHES} batches; load "
        f"{', '.join(result['loads'])}; CPU (this process + database) {result['ours_cpu']:.1f} "
        f"s of {result['ours']:.1f} s wall; raw COPY {result['raw_cpu']:.1f} s of "
        f"{result['raw']:.1f} s",
        file=sys.stderr,
    )
    listing = result["listed"] / result["list"]
    bare_elements = result["elements"] / result["bare_elements"]
    print(
        f"  listing for the oblivious check (worker, after the commit): {result['listed']:,} "
        f"elements in {result['list']:.1f} s ({result['list_cpu']:.1f} CPU-s); bare element "
        f"loop {result['elements']:,} in {result['bare_elements']:.1f} s",
        file=sys.stderr,
    )
    return [
        {
            "name": f"ingest batches of {BATCH_ITEMS:,}: oblivious-list enrolment in the worker "
            "after the commit (raw: bare k·HashToGroup loop over the same values)",
            "figure": listing,
            "unit": "elements/s",
            "raw": bare_elements,
            "ratio": listing / bare_elements,
            "target": "informational (off the ingest path since it moved to the worker)",
        },
        {
            "name": f"ingest batches of {BATCH_ITEMS:,} via sightings_ingest "
            "(raw: binary COPY of the same pre-computed rows)",
            "figure": ours,
            "unit": "sightings/s",
            "raw": raw,
            "ratio": ours / raw,
            "target": "≥ 50,000/s and ≥ 0.5 × raw COPY",
        },
        {
            "name": "ingest: sightings per CPU-second, this process + database "
            "(raw: the same for the COPY)",
            "figure": ours_cpu,
            "unit": "sightings/CPU-s",
            "raw": raw_cpu,
            "ratio": ours_cpu / raw_cpu,
            "target": "informational (load-independent)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
