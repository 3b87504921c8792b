"""The HTTP side of the identifiers benchmarks: a gunicorn on loopback and a load generator.

``BenchServer`` starts gunicorn (gthread worker class; ``BENCH_WORKERS`` processes ×
``BENCH_THREADS`` threads, default 2 × 4 for two cores) with ``ketenwacht.conf.bench``
against the bench database, on a free port of 127.0.0.1, and stops it again. Server-side
durations come from the timing files its middleware writes (``bench/_django.py``).

The load generator is closed-loop: each client is a thread with one keep-alive HTTP/1.1
connection that sends a request, reads the whole response and sends the next. Clients run
in ``processes`` separate processes (one Python process would be held back by its own GIL).
Requests are prebuilt bytes; responses are read by ``Content-Length`` without parsing JSON,
so the generator costs little CPU next to the server on the same cores. Every loop stops at
a request budget or a deadline, whichever comes first.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._identifiers import ROOT, environment

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
HOST = "127.0.0.1"
STARTUP_SECONDS = 120
RECORD_SIZE = 13  # bench._django.RECORD: <QIB


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class BenchServer:
    """gunicorn with the bench settings; use as a context manager."""

    def __init__(self, *, workers: int = WORKERS, threads: int = THREADS) -> None:
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.timings = Path(tempfile.mkdtemp(prefix="kw-bench-timings-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def description(self) -> str:
        return f"gunicorn gthread, {self.workers} workers × {self.threads} threads"

    def __enter__(self) -> BenchServer:
        env = environment()
        env["KETENWACHT_BENCH_TIMINGS"] = str(self.timings)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "ketenwacht.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--keep-alive",
            "60",
            "--timeout",
            "300",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
            "--pythonpath",
            f"{ROOT},{ROOT / 'src'}",
        ]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        request = get_request("/bench/bare-django")
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            try:
                with contextlib.closing(Connection(self.port)) as connection:
                    if connection.exchange(request)[0] == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)  # the master stops its own workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only gunicorn
            self.process.wait(timeout=10)
        for path in self.timings.glob("*.bin"):
            path.unlink()
        self.timings.rmdir()

    def server_durations(self, tag: int, start_ns: int, end_ns: int) -> list[int]:
        """Durations (µs) of requests with ``tag`` that ended within the window."""
        durations = []
        for path in self.timings.glob("timings-*.bin"):
            data = path.read_bytes()
            usable = len(data) - len(data) % RECORD_SIZE
            for offset in range(0, usable, RECORD_SIZE):
                ended = int.from_bytes(data[offset : offset + 8], "little")
                if data[offset + 12] == tag and start_ns <= ended <= end_ns:
                    durations.append(int.from_bytes(data[offset + 8 : offset + 12], "little"))
        return durations

    def worker_pids(self) -> list[int]:
        return [] if self.process is None else child_pids(self.process.pid)


# --- CPU time of the serving processes --------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def database_backends(database_url: str) -> list[int]:
    """Server processes of every connection to the bench database."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
    return [int(row[0]) for row in rows]


class CpuMeter:
    """CPU seconds that a set of processes (found anew at each reading) spent in between.

    On a machine shared with other work, wall-clock rates shrink with the load while CPU
    seconds per request stay put: the meter gives the load-independent side of a figure.
    """

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = {pid: cpu_seconds(pid) for pid in self.pids()}

    def stop(self) -> float:
        now = {pid: cpu_seconds(pid) for pid in self.pids()}
        return sum(max(0.0, now[pid] - self.before.get(pid, 0.0)) for pid in now)


# --- requests and one connection --------------------------------------------------------------


def get_request(path: str, token: str | None = None) -> bytes:
    headers = [f"GET {path} HTTP/1.1", f"Host: {HOST}", "Accept: application/json"]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1")


def post_request(path: str, body: bytes, token: str | None = None) -> bytes:
    headers = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}",
        "Accept: application/json",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One keep-alive HTTP/1.1 connection to the bench server on loopback."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request, return ``(status, body)``."""
        self.sock.sendall(request)
        head = self._read_until(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" in headers:
            body = self._read_exactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = self._read_chunked()
        else:
            raise RuntimeError("response without a length")
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def _fill(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buffer += data

    def _read_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._fill()
        head, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return head

    def _read_exactly(self, size: int) -> bytes:
        parts = [self.buffer[:size]]
        have = len(parts[0])
        self.buffer = self.buffer[size:]
        while have < size:
            data = self.sock.recv(min(1 << 20, size - have))
            if not data:
                raise ConnectionError("server closed the connection")
            parts.append(data)
            have += len(data)
        return b"".join(parts)

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                self._read_until(b"\r\n")
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self._read_until(b"\r\n")


# --- closed-loop load -------------------------------------------------------------------------


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    start_ns: int = 0
    end_ns: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _client(
    port: int,
    requests: Sequence[bytes],
    offset: int,
    budget: int,
    deadline_ns: int,
    out: list[tuple[int, int]],
) -> None:
    """One closed-loop client: (status, latency ns) per request until budget or deadline."""
    connection = Connection(port)
    try:
        index = offset
        for _ in range(budget):
            if time.monotonic_ns() >= deadline_ns:
                break
            request = requests[index % len(requests)]
            index += 1
            began = time.monotonic_ns()
            try:
                status, _body = connection.exchange(request)
            except (OSError, ValueError):
                out.append((0, time.monotonic_ns() - began))
                connection.close()
                connection = Connection(port)
                continue
            out.append((status, time.monotonic_ns() - began))
    finally:
        connection.close()


def _process(
    port: int,
    requests: Sequence[bytes],
    clients: int,
    first_client: int,
    budget: int,
    start_ns: int,
    deadline_ns: int,
    pipe: Any,
) -> None:
    outs: list[list[tuple[int, int]]] = [[] for _ in range(clients)]
    while time.monotonic_ns() < start_ns:  # all processes start together
        time.sleep(0.001)
    threads = [
        threading.Thread(
            target=_client,
            args=(port, requests, (first_client + i) * 7919, budget, deadline_ns, outs[i]),
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipe.send([item for out in outs for item in out])
    pipe.close()


def closed_loop(
    port: int,
    requests: Sequence[bytes],
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    processes: int = 2,
) -> LoadResult:
    """``clients`` concurrent keep-alive clients for ``seconds`` (at most ``max_requests``)."""
    context = multiprocessing.get_context("spawn")
    start_ns = time.monotonic_ns() + 2_000_000_000  # time for the processes to spawn
    deadline_ns = start_ns + int(seconds * 1e9)
    per_process = [
        clients // processes + (1 if i < clients % processes else 0) for i in range(processes)
    ]
    budget = max(1, max_requests // clients)
    pipes, workers = [], []
    first = 0
    for count in per_process:
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(
            target=_process,
            args=(port, list(requests), count, first, budget, start_ns, deadline_ns, sender),
        )
        worker.start()
        sender.close()
        pipes.append(receiver)
        workers.append(worker)
        first += count
    samples: list[tuple[int, int]] = []
    for receiver in pipes:
        samples += receiver.recv()
    for worker in workers:
        worker.join(timeout=30)
    end_ns = time.monotonic_ns()
    result = LoadResult(
        start_ns=start_ns, end_ns=end_ns, seconds=(min(end_ns, deadline_ns) - start_ns) / 1e9
    )
    for status, latency in samples:
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status == 200:
            result.requests += 1
            result.latencies_ns.append(latency)
        else:
            result.errors += 1
    return result


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return float(ordered[rank])


def batch_clients(
    port: int, bodies: Sequence[bytes], *, clients: int
) -> tuple[float, list[bytes], list[int]]:
    """Send each of ``bodies`` once, ``clients`` at a time; return (wall seconds, last body of
    each client, statuses)."""
    lock = threading.Lock()
    queue: Iterator[bytes] = iter(bodies)
    last: list[bytes] = [b""] * clients
    statuses: list[int] = []

    def worker(slot: int) -> None:
        with contextlib.closing(Connection(port, timeout=600)) as connection:
            while True:
                with lock:
                    request = next(queue, None)
                if request is None:
                    return
                status, body = connection.exchange(request)
                with lock:
                    statuses.append(status)
                last[slot] = body

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, last, statuses
