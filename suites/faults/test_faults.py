"""``make faults``: the prod-local stack survives killed processes and lost dependencies.

* ``kill -9`` of an app process during a batch ingest: the batch is all there or not there,
  and the retry with the same ``Idempotency-Key`` records it exactly once.
* a Celery worker killed while it delivers: every delivery reaches the real receiver and is
  processed exactly once by its idempotency key; none is lost.
* PostgreSQL stopped and started again: requests fail fast with 503 problem details and
  recover without restarting any app process.
* Redis stopped: the public check still answers (the rate limiter counts in-process).

Outages are kept to seconds and undone in ``finally`` blocks: the PostgreSQL cluster is
shared with other work on the machine. Each test prints its figures (``pytest -s``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from suites.prod_local import HOST, Stack, http
from suites.receiver import Receiver

BATCH = 10_000


def _sightings(stack: Stack, organisation: str) -> int:
    return int(json.loads(stack.python("suites.seed", "sightings", organisation))["sightings"])


def _batch(size: int) -> list[dict[str, Any]]:
    # Fresh numbers every run (the prod-local database stays between runs).
    rng = random.Random(uuid.uuid4().int)
    numbers = {f"06{rng.randint(1, 5)}{rng.randrange(10**7):07d}" for _ in range(size * 2)}
    now = datetime.now(UTC).isoformat()
    return [
        {
            "kind": "phone",
            "value": number,
            "fraud_type": "bankhelpdesk",
            "role": "caller_number",
            "confidence": "suspected",
            "observed_at": now,
        }
        for number in sorted(numbers)[:size]
    ]


def _post_batch(base: str, token: str, items: list[dict[str, Any]], key: str) -> tuple[int, Any]:
    status, _headers, body = http(
        "POST",
        f"{base}/api/v1/sightings",
        body=json.dumps({"items": items, "atomic": True}).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
        timeout=300,
    )
    return status, json.loads(body) if body else None


def test_kill_app_process_during_batch_ingest(stack: Stack, world: dict[str, Any]) -> None:
    organisation, token = world["organisation"], world["token"]
    # How long a batch takes here, so the kill lands in the middle of the next one.
    began = time.monotonic()
    status, body = _post_batch(stack.url, token, _batch(BATCH), f"warm-{uuid.uuid4()}")
    duration = time.monotonic() - began
    assert status == 200, body
    before = _sightings(stack, organisation)

    items, key = _batch(BATCH), f"faults-{uuid.uuid4()}"
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["answer"] = _post_batch(
                f"http://{HOST}:{stack.app_ports[1]}", token, items, key
            )
        except OSError as error:
            outcome["error"] = repr(error)

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(max(0.2, duration * 0.4))
    stack.signal("app1", signal.SIGKILL)  # the master and its workers, no clean-up
    try:
        sender.join(timeout=120)
        # While app1 is gone the balancer sends everyone to app0.
        assert all(http("GET", f"{stack.url}/healthz")[0] == 200 for _ in range(6))
        after_kill = _sightings(stack, organisation) - before
        print(f"\nbatch of {BATCH}: {duration:.1f} s; killed at {duration * 0.4:.1f} s; {outcome}")
        assert "error" in outcome, f"the batch finished before the kill: {outcome}"
        assert after_kill in (0, BATCH), f"half a batch recorded: {after_kill}"
    finally:
        stack.start_app(1)  # the next tests need the whole stack
        stack.wait_for(
            lambda: http("GET", f"http://{HOST}:{stack.app_ports[1]}/readyz")[0] == 200, "app1"
        )
    status, body = _post_batch(stack.url, token, items, key)
    assert status == 200, body
    assert _sightings(stack, organisation) - before == BATCH  # once, whatever the kill left
    print(f"after the kill: {after_kill} recorded; after the retry: {BATCH}")


def test_worker_killed_during_deliveries(stack: Stack) -> None:
    count = 60
    with Receiver(delay=0.2) as receiver:
        world = json.loads(stack.python("suites.seed", "world", "--receiver", receiver.url))
        receiver.secret = world["secret"]
        prefix = f"fault-{uuid.uuid4().hex[:12]}"
        keys = {f"{prefix}-{index}" for index in range(count)}
        began = time.monotonic()
        stack.python("suites.seed", "enqueue", str(world["endpoint"]), str(count), prefix)
        deadline = time.monotonic() + 60
        while sum(receiver.posts.values()) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        sent_before_kill = sum(receiver.posts.values())
        stack.signal("worker0", signal.SIGKILL)  # the worker and its pool, mid-delivery
        try:
            missing = receiver.wait_for(keys, seconds=180)
            recovered = time.monotonic() - began
        finally:
            stack.start_worker(0)
        # A delivery the killed worker sent but could not record stays "sending" until its
        # lease runs out; beat's drain then resends it with the same key (a duplicate the
        # receiver ignores) and records it.
        deadline = time.monotonic() + 180
        while True:
            report = json.loads(stack.python("suites.seed", "deliveries", prefix))
            if report["statuses"] == {"delivered": count} or time.monotonic() > deadline:
                break
            time.sleep(5)
        settled = time.monotonic() - began
        duplicates = {key: n for key, n in receiver.posts.items() if n > 1}
        print(
            f"\n{count} deliveries: {sent_before_kill} sent before the kill; all received after "
            f"{recovered:.0f} s, all recorded after {settled:.0f} s; duplicates (deduplicated "
            f"by key): {len(duplicates)}; {report}"
        )
        assert sent_before_kill < count, "every delivery was sent before the kill"
        assert not missing, f"lost: {sorted(missing)}"
        assert set(receiver.processed) == keys  # each processed exactly once, by its key
        assert receiver.refused == 0
        assert report["statuses"] == {"delivered": count}


def _cluster() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def _pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _cluster(), "main", action],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _pg_ready() -> bool:
    done = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"], check=False)
    return done.returncode == 0


def _app_pids(stack: Stack) -> dict[str, int]:
    return {
        name: process.pid for name, process in stack.processes.items() if name.startswith("app")
    }


def test_postgres_restart_fails_fast_and_recovers(stack: Stack, world: dict[str, Any]) -> None:
    token = world["token"]
    url = f"{stack.url}/api/v1/check?value=0612345678&kind=phone"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    samples: list[tuple[float, int, str, float, str]] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            began = time.monotonic()
            try:
                status, response_headers, body = http("GET", url, headers=headers, timeout=30)
            except OSError as error:
                status, response_headers, body = 0, {}, repr(error).encode()
            kind = {k.lower(): v for k, v in response_headers.items()}.get("content-type", "")
            samples.append((began, status, kind, time.monotonic() - began, body.decode()))
            time.sleep(0.05)

    pids = _app_pids(stack)
    assert http("GET", url, headers=headers)[0] == 200
    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(1)
    down_at = time.monotonic()
    try:
        _pg_ctl("stop")
        time.sleep(3)  # a restart that takes a few seconds, as on a real host
        readyz_down = http("GET", f"{stack.url}/readyz")[0]
    finally:
        _pg_ctl("start")
        for _ in range(60):
            if _pg_ready():
                break
            time.sleep(0.5)
    up_at = time.monotonic()
    recovered_at = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if samples and samples[-1][0] > up_at and samples[-1][1] == 200:
            recovered_at = samples[-1][0]
            break
        time.sleep(0.2)
    stop.set()
    prober.join(timeout=60)

    during = [s for s in samples if down_at <= s[0] < up_at]
    failures = [s for s in samples if s[1] != 200]
    statuses = sorted({s[1] for s in samples})
    print(
        f"\n{len(samples)} requests; {len(during)} during the {up_at - down_at:.1f} s outage; "
        f"statuses {statuses}; slowest failure {max((s[3] for s in failures), default=0):.2f} s; "
        f"recovered {((recovered_at or up_at) - up_at):.1f} s after PostgreSQL was back"
    )
    assert readyz_down == 503
    assert during and any(s[1] == 503 for s in during)
    for _began, status, kind, seconds, body in failures:
        assert status == 503, body
        assert kind.startswith("application/problem+json"), (kind, body)
        assert json.loads(body)["status"] == 503
        assert seconds < 3.0, f"a failure took {seconds:.1f} s"
    assert recovered_at is not None, "no 200 after PostgreSQL came back"
    assert _app_pids(stack) == pids  # recovered without restarting the app
    assert http("GET", f"{stack.url}/readyz")[0] == 200


def test_redis_stopped_public_check_still_answers(stack: Stack) -> None:
    url = f"{stack.url}/api/v1/public/check?value=NL91ABNA0417164300"
    assert http("GET", url)[0] in (200, 429)
    stack.stop_process("redis")
    try:
        answers = [http("GET", url, timeout=30) for _ in range(6)]
        readyz = http("GET", f"{stack.url}/readyz")[0]
    finally:
        stack.start_redis()
    statuses = [status for status, _headers, _body in answers]
    print(f"\nRedis down: public check answered {statuses}; /readyz {readyz}")
    assert all(status in (200, 429) for status in statuses), answers
    assert 200 in statuses
    assert json.loads(answers[0][2])["level"]
    assert readyz == 503  # the probe tells the orchestrator; the public check keeps working


def test_backup_and_restore_into_a_fresh_database(
    stack: Stack, world: dict[str, Any], tmp_path: Path
) -> None:
    """docs/operations/backup-and-restore.md: pg_dump plus the key directory, restored into a
    fresh database on which the audit chain verifies and encrypted values decrypt."""
    dump = tmp_path / "ketenwacht.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", stack.database_url],
        check=True,
        timeout=600,
    )
    keys = tmp_path / "keys"
    subprocess.run(["cp", "-a", str(stack.var / "keys"), str(keys)], check=True)
    restored = f"ketenwacht_restore_{uuid.uuid4().hex[:8]}"
    import psycopg

    base = stack.database_url.rsplit("/", 1)[0]
    admin = f"{base}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={base}/{restored}",
                str(dump),
            ],
            check=True,
            timeout=600,
        )
        env = {
            "DATABASE_URL": f"{base}/{restored}",
            "KETENWACHT_KEYS_DIR": str(keys),
        }
        output = stack.manage("audit_verify", check=False, env=env)
        assert stack.last_returncode == 0, (output, stack.last_stderr)
        # The restored copy with the copied keys reads what production wrote.
        decrypted = stack.manage("shell", "-c", DECRYPT_ONE, env=env).strip().splitlines()[-1]
        assert decrypted == "ok", decrypted  # the ingest suite wrote raw values
        print(f"\nrestored {dump.stat().st_size:,} bytes; audit_verify: {output.strip()[:120]}")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


DECRYPT_ONE = """
from ketenwacht.identifiers.models import RawValue
from ketenwacht.identifiers.pseudonyms import decrypt_raw
row = RawValue.objects.select_related("pseudonym").order_by("-pk").first()
value = row and decrypt_raw(row.pseudonym.kind, row.nonce, row.ciphertext)
print("none" if row is None else ("ok" if value else "empty"))
"""


@pytest.fixture(autouse=True)
def _postgres_is_back() -> Any:
    """Whatever a test did, PostgreSQL runs again afterwards."""
    yield
    if not _pg_ready():
        _pg_ctl("start")
