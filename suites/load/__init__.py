"""``make load``: the check API of prod-local at a steady rate, the highest rate held with
zero errors, and its p50/p99.

The stack is the full prod-local one (two gunicorn apps behind the TCP balancer, Redis,
PostgreSQL, workers and beat running). The generator runs on the same two cores:

1. **closed loop** (``bench._server.closed_loop``: keep-alive clients that send the next
   request when the answer is in) for the ceiling ``X`` of ``GET /api/v1/check`` with a
   token, and of ``/healthz`` through the same balancer as the raw limit of the stack;
2. **open loop** at steady rates from 40 % of ``X`` upwards: requests are *scheduled* at
   fixed intervals, spread over several processes, and latency counts from the scheduled
   time (a late send is latency, not a pause — no coordinated omission). A step passes when
   every request answered 200 and the achieved rate is within 2 % of the target; the highest
   passing step is the sustained rate.

``python -m suites.load --seconds 60`` (the default of ``make load``); the 10-minute run of
the issue: ``make load LOAD_SECONDS=600`` (records the figures in docs/benchmarks.md through
``bench/bench_load.py``). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from bench._server import Connection, closed_loop, get_request
from suites.prod_local import Stack, free_port

PROCESSES = 2
CONNECTIONS_PER_PROCESS = 16


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _open_loop_process(
    port: int,
    requests: list[bytes],
    rate: float,
    offset: float,
    start_ns: int,
    seconds: float,
    pipe: Any,
) -> None:
    """Send ``rate`` requests/s at fixed times; latency from the scheduled time (ns)."""
    interval_ns = int(1e9 / rate)
    total = int(rate * seconds)
    lock = threading.Lock()
    state = {"next": 0}
    results: list[tuple[int, int]] = []

    def client() -> None:
        connection = Connection(port, timeout=30)
        while True:
            with lock:
                index = state["next"]
                if index >= total:
                    break
                state["next"] += 1
            scheduled = start_ns + int(offset * interval_ns) + index * interval_ns
            delay = scheduled - time.monotonic_ns()
            if delay > 0:
                time.sleep(delay / 1e9)
            request = requests[index % len(requests)]
            status = 0
            for attempt in range(2):
                try:
                    status, _body = connection.exchange(request)
                    break
                except (OSError, ValueError, ConnectionError) as error:
                    # The server closes idle keep-alive connections (gunicorn keepalive 5 s);
                    # like any HTTP client, retry a GET once on a fresh connection. A failure
                    # on the fresh connection is an error.
                    connection.close()
                    connection = Connection(port, timeout=30)
                    if attempt == 1 and not state.get("logged"):
                        state["logged"] = 1
                        print(f"load: request failed: {error!r}", file=sys.stderr, flush=True)
            results.append((status, time.monotonic_ns() - scheduled))
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS_PER_PROCESS)]
    while time.monotonic_ns() < start_ns - 50_000_000:
        time.sleep(0.01)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipe.send(results)
    pipe.close()


def open_loop(port: int, requests: list[bytes], rate: float, seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    start_ns = time.monotonic_ns() + 2_000_000_000
    pipes, workers = [], []
    for index in range(PROCESSES):
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(
            target=_open_loop_process,
            args=(port, requests, rate / PROCESSES, index / PROCESSES, start_ns, seconds, sender),
        )
        worker.start()
        sender.close()
        pipes.append(receiver)
        workers.append(worker)
    results: list[tuple[int, int]] = []
    for receiver in pipes:
        results += receiver.recv()
    for worker in workers:
        worker.join(timeout=30)
    elapsed = (time.monotonic_ns() - start_ns) / 1e9
    latencies = [latency / 1e6 for status, latency in results if status == 200]
    errors = sum(1 for status, _latency in results if status != 200)
    statuses: dict[str, int] = {}
    for status, _latency in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "statuses": statuses,
        "target_rate": round(rate, 1),
        "requests": len(results),
        "errors": errors,
        "achieved_rate": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies, default=float("nan")), 2),
    }


def check_requests(token: str, count: int = 2000) -> list[bytes]:
    """Mobile numbers and IBAN-like values, most unknown, as partners check them."""
    rng = random.Random(7)
    values = [f"06{rng.randint(1, 5)}{rng.randrange(10**7):07d}" for _ in range(count)]
    return [get_request(f"/api/v1/check?value={value}&kind=phone", token) for value in values]


def run(seconds: float = 60, stack: Stack | None = None) -> dict[str, Any]:
    own = stack is None
    stack = stack or Stack(port=free_port()).start()
    try:
        world = json.loads(stack.python("suites.seed", "world"))
        requests = check_requests(world["token"])
        # Fresh planner statistics: after the fault suite's bulk ingests (tens of thousands of
        # sightings) autovacuum may not have analysed yet, and the check's statement then
        # takes ~300 ms instead of ~30 (measured). Production needs the same after bulk loads.
        import psycopg

        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        # Warm both apps (caches, connections) before measuring.
        closed_loop(stack.port, requests, clients=8, seconds=5, max_requests=10**6)
        health = closed_loop(
            stack.port,
            [get_request("/healthz")],
            clients=16,
            seconds=min(20, seconds),
            max_requests=10**7,
        )
        ceiling = closed_loop(
            stack.port, requests, clients=16, seconds=min(20, seconds), max_requests=10**7
        )
        steps = []
        sustained: dict[str, Any] | None = None
        for share in (0.4, 0.55, 0.7, 0.85, 1.0):
            step = open_loop(stack.port, requests, ceiling.rate * share, seconds)
            step["ok"] = step["errors"] == 0 and step["achieved_rate"] >= 0.98 * step["target_rate"]
            steps.append(step)
            print(json.dumps(step), file=sys.stderr, flush=True)
            if not step["ok"]:
                break
            sustained = step
        return {
            "seconds_per_step": seconds,
            "healthz_closed_loop_rate": round(health.rate, 1),
            "check_closed_loop_rate": round(ceiling.rate, 1),
            "check_closed_loop_errors": sum(
                n for status, n in ceiling.statuses.items() if status != 200
            ),
            "steps": steps,
            "sustained": sustained,
            "stack": f"2 gunicorn apps × {stack.app_workers} worker × {stack.app_threads} "
            "threads, TCP balancer, 2 Celery workers + beat, PostgreSQL, Redis; generator on "
            "the same 2 cores",
        }
    finally:
        if own:
            stack.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Steady-rate load on the prod-local check API.")
    parser.add_argument("--seconds", type=float, default=60, help="length of each open-loop step")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.seconds), indent=2))


if __name__ == "__main__":
    main()
