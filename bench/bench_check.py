"""Identifier checks over HTTP against 1,000,000 listed pseudonyms on PostgreSQL.

Setup (``bench/_identifiers.py``, ``bench/_server.py``): the bench database with 1,000,000
pseudonyms, gunicorn with the production-like bench settings on loopback (gthread, 2
workers × 4 threads for two cores), and a fresh API token of a member bank. Checked values
are spelled as people type them, in the kind mix of the population (phone 40 %, IBAN 30 %,
e-mail 17 %, URL 10 %, domain 3 %); a quarter of them are listed, the rest unknown.

Rows:

* **single check, 32 clients** — ``GET /api/v1/check`` from 32 closed-loop keep-alive
  clients. Latency is server side: from the outermost Django middleware receiving the
  request to the response leaving it (excludes gunicorn parsing, queueing for a worker
  thread and socket I/O; ``bench/_django.py``). Throughput is compared with the bare
  endpoint ``/bench/bare`` of the same server: the same middleware, DRF, token
  authentication and scope check, answering a constant. Bare endpoint and check alternate
  in rounds so load on the shared machine weighs on both. The client-side p99 (which does
  include queueing) and the plain-Django floor are informational rows.
* **batch check, 10,000 items** — ``POST /api/v1/checks`` with 10,000 items, two requests
  at a time (one per gunicorn worker). The raw limit is the same canonicalise + HMAC +
  lookup loop in-process: two processes (the same two cores) with Django and the bench
  settings canonicalise each value, compute its HMAC under the current key and look the
  batch's digests up in one ``digest = ANY(%s)`` query on the pseudonym table — the lookup
  without HTTP, JSON, authentication, aggregation of sightings, scoring, explanation and the
  audit row. HTTP and in-process rounds alternate over the same batches.

Knobs: ``BENCH_CHECK_SECONDS`` (per measured round, default 8), ``BENCH_CHECK_ROUNDS``
(default 3), ``BENCH_BATCH_ROUNDS`` (default 4), ``BENCH_REBUILD=1`` to rebuild the
database. Run alone: ``python -m bench check``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _identifiers as ident
from bench._server import (
    BenchServer,
    CpuMeter,
    LoadResult,
    batch_clients,
    closed_loop,
    database_backends,
    get_request,
    percentile,
    post_request,
)

SECONDS = float(os.environ.get("BENCH_CHECK_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_CHECK_ROUNDS", "3"))
BATCH_ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "4"))
CLIENTS = 32
MAX_REQUESTS = 500_000  # per round: the deadline normally ends it first
BATCH_ITEMS = 10_000
BATCH_CLIENTS = 2
KNOWN_SHARE = 0.25
SINGLE_POOL = 20_000
SEED = 3
TAG_CHECK, TAG_CHECKS, TAG_BARE, TAG_BARE_DJANGO = 1, 2, 3, 4


def _load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


# --- single check ---------------------------------------------------------------------------


def _single_requests(token: str) -> list[bytes]:
    items = ident.mixed_items(SINGLE_POOL, known_share=KNOWN_SHARE, rng=random.Random(SEED))
    return [
        get_request("/api/v1/check?" + urlencode({"value": i["value"], "kind": i["kind"]}), token)
        for i in items
    ]


def _merge(results: list[LoadResult]) -> LoadResult:
    merged = LoadResult()
    for result in results:
        merged.requests += result.requests
        merged.errors += result.errors
        merged.seconds += result.seconds
        merged.latencies_ns += result.latencies_ns
        for status, count in result.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
    return merged


def _meter(server: BenchServer, extra: list[int] | None = None) -> CpuMeter:
    """CPU of the gunicorn workers, every PostgreSQL backend of the bench database and
    ``extra`` processes (the in-process loop)."""
    return CpuMeter(
        lambda: server.worker_pids() + database_backends(ident.database_url()) + (extra or [])
    )


def single_check(server: BenchServer, token: str) -> list[dict[str, Any]]:
    endpoints = {
        "bare": ([get_request("/bench/bare", token)], TAG_BARE),
        "check": (_single_requests(token), TAG_CHECK),
        "bare-django": ([get_request("/bench/bare-django")], TAG_BARE_DJANGO),
    }
    for requests, _tag in endpoints.values():  # warm up every thread and connection
        closed_loop(server.port, requests, clients=CLIENTS, seconds=2, max_requests=MAX_REQUESTS)
    results: dict[str, list[LoadResult]] = {name: [] for name in endpoints}
    durations: dict[str, list[int]] = {name: [] for name in endpoints}
    cpu = dict.fromkeys(endpoints, 0.0)
    meter = _meter(server)
    loads = []
    for _round in range(ROUNDS):
        loads.append(_load_average())
        for name, (requests, tag) in endpoints.items():
            meter.start()
            result = closed_loop(
                server.port, requests, clients=CLIENTS, seconds=SECONDS, max_requests=MAX_REQUESTS
            )
            cpu[name] += meter.stop()
            results[name].append(result)
            durations[name] += server.server_durations(tag, result.start_ns, result.end_ns)
    merged = {name: _merge(found) for name, found in results.items()}
    for name, result in merged.items():
        if result.errors:
            print(f"  {name}: {result.errors} failed requests {result.statuses}", file=sys.stderr)
    check, bare, plain = merged["check"], merged["bare"], merged["bare-django"]
    server_ms = [d / 1e3 for d in durations["check"]]
    client_ms = [d / 1e6 for d in check.latencies_ns]
    note = f"{server.description}; load {', '.join(loads)}"
    per_cpu = {name: merged[name].requests / cpu[name] for name in endpoints if cpu[name]}
    print(f"  single check: {note}; requests per server CPU-second {per_cpu}", file=sys.stderr)
    base = f"check single, {CLIENTS} clients"
    return [
        {
            "name": f"{base}: p50 server side",
            "figure": percentile(server_ms, 0.50),
            "unit": "ms",
            "target": "≤ 3 ms",
            "n": len(server_ms),
        },
        {
            "name": f"{base}: p99 server side",
            "figure": percentile(server_ms, 0.99),
            "unit": "ms",
            "target": "≤ 15 ms",
            "n": len(server_ms),
        },
        {
            "name": f"{base}: throughput (raw: bare DRF endpoint with token auth)",
            "figure": check.rate,
            "unit": "req/s",
            "raw": bare.rate,
            "ratio": check.rate / bare.rate if bare.rate else None,
            "target": "≥ 0.6 × bare",
            "note": note,
        },
        {
            "name": f"{base}: requests per server CPU-second (raw: bare DRF endpoint)",
            "figure": per_cpu.get("check", 0.0),
            "unit": "req/CPU-s",
            "raw": per_cpu.get("bare", 0.0),
            "ratio": per_cpu["check"] / per_cpu["bare"] if per_cpu.get("bare") else None,
            "target": "informational (load-independent)",
        },
        {
            "name": f"{base}: throughput (raw: bare plain Django view)",
            "figure": check.rate,
            "unit": "req/s",
            "raw": plain.rate,
            "ratio": check.rate / plain.rate if plain.rate else None,
            "target": "informational",
        },
        {
            "name": f"{base}: p50 / p99 client side (with queueing)",
            "figure": percentile(client_ms, 0.50),
            "unit": "ms",
            "raw": percentile(client_ms, 0.99),
            "raw_unit": "ms (p99)",
            "target": "informational",
        },
    ]


def commit_latency(count: int = 100) -> dict[str, Any]:
    """Median time of a one-row insert and its commit (a WAL flush) on the bench database.

    Every check appends an audit row under one chain-wide lock held until its commit, so
    this bounds the single checks per second of the whole server at about 1 / latency.
    """
    import psycopg

    samples = []
    with psycopg.connect(ident.database_url()) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (x int)")
        conn.commit()
        for _ in range(count):
            began = time.perf_counter()
            conn.execute("INSERT INTO bench_commit_probe VALUES (1)")
            conn.commit()
            samples.append((time.perf_counter() - began) * 1e3)
        conn.execute("TRUNCATE bench_commit_probe")
        conn.commit()
    return {
        "name": "PostgreSQL insert + commit (WAL flush), one connection",
        "figure": percentile(samples, 0.5),
        "unit": "ms",
        "target": "informational",
    }


# --- batch check ----------------------------------------------------------------------------


def _batches(count: int) -> list[list[dict[str, str]]]:
    rng = random.Random(SEED + 1)
    items = ident.mixed_items(count * BATCH_ITEMS, known_share=KNOWN_SHARE, rng=rng)
    return [items[i * BATCH_ITEMS : (i + 1) * BATCH_ITEMS] for i in range(count)]


class _LoopWorkers:
    """The in-process raw limit: ``BATCH_CLIENTS`` child processes, one batch each per call."""

    def __init__(self, batches_file: Path) -> None:
        self.children = [
            ident.start_child("check-loop", str(batches_file)) for _ in range(BATCH_CLIENTS)
        ]
        for child in self.children:
            self._reply(child)  # "ready"

    @staticmethod
    def _reply(child: Any) -> dict[str, Any]:
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("check-loop child ended")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, indices: list[int]) -> tuple[float, list[dict[str, Any]]]:
        started = time.perf_counter()
        for child, index in zip(self.children, indices, strict=True):
            child.stdin.write(f"{index}\n")
            child.stdin.flush()
        replies = [self._reply(child) for child in self.children]
        return time.perf_counter() - started, replies

    def close(self) -> None:
        for child in self.children:
            child.stdin.close()
            child.wait(timeout=30)


def _found_in_response(body: bytes) -> tuple[int, int]:
    results = json.loads(body)["results"]
    return len(results), sum(1 for r in results if r.get("ok") and r.get("sightings", 0) > 0)


def batch_check(server: BenchServer, token: str) -> list[dict[str, Any]]:
    count = BATCH_ROUNDS * BATCH_CLIENTS
    batches = _batches(count + BATCH_CLIENTS)  # the last ones warm up
    bodies = [
        post_request("/api/v1/checks", json.dumps({"items": b}).encode(), token) for b in batches
    ]
    with tempfile.TemporaryDirectory(prefix="kw-bench-check-") as directory:
        batches_file = Path(directory) / "batches.json"
        batches_file.write_text(json.dumps(batches))
        loop = _LoopWorkers(batches_file)
        meter = _meter(server, [child.pid for child in loop.children])
        cpu = {"http": 0.0, "loop": 0.0}
        try:
            warm = list(range(count, count + BATCH_CLIENTS))
            batch_clients(server.port, [bodies[i] for i in warm], clients=BATCH_CLIENTS)
            loop.run(warm)
            http_seconds = loop_seconds = 0.0
            found_loop = 0
            statuses: list[int] = []
            last: list[bytes] = []
            window_start = time.monotonic_ns()
            loads = []
            for round_index in range(BATCH_ROUNDS):
                loads.append(_load_average())
                indices = list(
                    range(round_index * BATCH_CLIENTS, (round_index + 1) * BATCH_CLIENTS)
                )
                order = ["http", "loop"] if round_index % 2 == 0 else ["loop", "http"]
                for side in order:
                    meter.start()
                    if side == "http":
                        seconds, last, got = batch_clients(
                            server.port, [bodies[i] for i in indices], clients=BATCH_CLIENTS
                        )
                        http_seconds += seconds
                        statuses += got
                    else:
                        seconds, replies = loop.run(indices)
                        loop_seconds += seconds
                        found_loop += sum(r["found"] for r in replies)
                    cpu[side] += meter.stop()
            window_end = time.monotonic_ns()
        finally:
            loop.close()
    if any(status != 200 for status in statuses):
        raise RuntimeError(f"batch check failed: statuses {statuses}")
    answered, listed = _found_in_response(last[-1])
    if answered != BATCH_ITEMS:
        raise RuntimeError(f"batch check answered {answered} of {BATCH_ITEMS} items")
    server_ms = [d / 1e3 for d in server.server_durations(TAG_CHECKS, window_start, window_end)]
    items = count * BATCH_ITEMS
    http_rate, loop_rate = items / http_seconds, items / loop_seconds
    http_cpu, loop_cpu = items / cpu["http"], items / cpu["loop"]
    note = f"{server.description}; load {', '.join(loads)}"
    print(
        f"  batch check: {note}; last response: {listed} of {answered} items listed; "
        f"in-process lookups found {found_loop} of {items}; server side per request "
        f"p50 {percentile(server_ms, 0.5):.0f} ms",
        file=sys.stderr,
    )
    return [
        {
            "name": f"check batch of {BATCH_ITEMS:,} over HTTP, {BATCH_CLIENTS} at a time "
            "(raw: canonicalise + HMAC + lookup in-process)",
            "figure": http_rate,
            "unit": "ids/s",
            "raw": loop_rate,
            "ratio": http_rate / loop_rate,
            "target": "≥ 100,000 ids/s and ≥ 0.5 × in-process",
            "note": note,
        },
        {
            "name": f"check batch of {BATCH_ITEMS:,}: ids per server CPU-second "
            "(raw: the in-process loop)",
            "figure": http_cpu,
            "unit": "ids/CPU-s",
            "raw": loop_cpu,
            "ratio": http_cpu / loop_cpu,
            "target": "informational (load-independent)",
        },
        {
            "name": f"check batch of {BATCH_ITEMS:,}: p50 server side per request",
            "figure": percentile(server_ms, 0.5),
            "unit": "ms",
            "target": "informational",
        },
    ]


def run() -> list[dict[str, Any]]:
    print(f"  load average before: {_load_average()}", file=sys.stderr)
    info = ident.child("prepare", *(["--rebuild"] if os.environ.get("BENCH_REBUILD") else []))
    print(
        f"  bench database {info['database']}: {info['pseudonyms']:,} pseudonyms, "
        f"{info['sightings']:,} sightings ({'built' if info['built'] else 'reused'})",
        file=sys.stderr,
    )
    rows = [commit_latency()]
    with BenchServer() as server:
        rows += single_check(server, info["token"])
        rows += batch_check(server, info["token"])
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
