"""``make prod-local``: Ketenwacht as production runs it, scaled out, on loopback.

Two gunicorn app processes (``deploy/gunicorn.conf.py``, gthread), two Celery workers and
one beat, against the local PostgreSQL (database ``ketenwacht_prod_local``) and a Redis of
their own (a ``redis-server`` on a free loopback port, cache and broker on two database
numbers), behind ``suites/lb.py`` (TCP round robin). Settings: ``ketenwacht.conf.prod_local``
(production without TLS). State, logs and keys live in ``var/prod-local/``.

    python -m suites.prod_local up        # start everything, wait for Ctrl-C, stop cleanly

The suites (``suites/test_prod_local.py``, ``suites/faults``, ``suites/load``) use
``Stack`` directly: it can kill and restart single processes. Environment:
``PROD_LOCAL_PORT`` (8400), ``PROD_LOCAL_PG`` (``postgres://postgres@127.0.0.1:5432``),
``PROD_LOCAL_DATABASE``, ``PROD_LOCAL_APP_WORKERS`` (gunicorn workers per app, 2),
``PROD_LOCAL_APP_THREADS`` (4).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
PG = os.environ.get("PROD_LOCAL_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("PROD_LOCAL_DATABASE", "ketenwacht_prod_local")
STARTUP_SECONDS = 90
CELERY = [PYTHON, "-m", "celery", "-A", "ketenwacht"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def http(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One request; HTTP errors are answers too: ``(status, headers, body)``."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Stack:
    port: int = int(os.environ.get("PROD_LOCAL_PORT", "8400"))
    database: str = DATABASE
    var: Path = ROOT / "var" / "prod-local"
    apps: int = 2
    workers: int = 2
    app_workers: int = int(os.environ.get("PROD_LOCAL_APP_WORKERS", "2"))
    app_threads: int = int(os.environ.get("PROD_LOCAL_APP_THREADS", "4"))
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    app_ports: list[int] = field(default_factory=list)
    redis_port: int = 0
    last_returncode: int = 0
    last_stderr: str = ""

    # -- configuration -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def database_url(self) -> str:
        return f"{PG}/{self.database}"

    @property
    def logs(self) -> Path:
        return self.var / "logs"

    def env(self) -> dict[str, str]:
        base = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "KETENWACHT_"))
        }
        base.update(
            DJANGO_SETTINGS_MODULE="ketenwacht.conf.prod_local",
            DATABASE_URL=self.database_url,
            DATABASE_CONNECT_TIMEOUT="2",
            REDIS_URL=f"redis://{HOST}:{self.redis_port}/0",
            CELERY_BROKER_URL=f"redis://{HOST}:{self.redis_port}/1",
            KETENWACHT_VAR_DIR=str(self.var),
            KETENWACHT_KEYS_DIR=str(self.var / "keys"),
            KETENWACHT_PUBLIC_BASE_URL=self.url,
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            # Short enough for the fault suite to see lost deliveries come back in a minute.
            KETENWACHT_DELIVERY_DRAIN_SECONDS="5",
            KETENWACHT_DELIVERY_TIMEOUT_SECONDS="5",
            KETENWACHT_DELIVERY_BACKOFF_SECONDS="2",
            PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            LOG_LEVEL="WARNING",
        )
        base.update(self.extra_env)
        return base

    # -- preparation ---------------------------------------------------------------------------

    def manage(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), *args],
            env={**self.env(), **(env or {})},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        self.last_returncode = done.returncode
        self.last_stderr = done.stderr
        return done.stdout

    def python(self, module: str, *args: str, stdin: str | None = None) -> str:
        """``python -m module args`` with the stack's settings; its stdout."""
        done = subprocess.run(
            [PYTHON, "-m", module, *args],
            env=self.env(),
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        return done.stdout

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.database]
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def prepare(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        from ketenwacht import keys

        keys.ensure_keys(self.var / "keys")
        self.create_database()
        self.manage("migrate", "--noinput")
        if self._static_outdated():
            self.manage("collectstatic", "--noinput", "-v", "0")

    def _static_outdated(self) -> bool:
        """collectstatic (with compression) is slow: only when a static file is newer."""
        manifest = self.var / "static" / "staticfiles.json"
        if not manifest.exists():
            return True
        built = manifest.stat().st_mtime
        sources = (ROOT / "src" / "ketenwacht").glob("*/static/**/*")
        return any(path.stat().st_mtime > built for path in sources if path.is_file())

    # -- processes -----------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        environment = {**self.env(), **env}
        process = subprocess.Popen(
            command,
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: killed as a whole, nothing else
        )
        log.close()
        self.processes[name] = process
        return process

    def start_redis(self) -> None:
        self.redis_port = self.redis_port or free_port()
        self._spawn(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                HOST,
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        self.wait_for(lambda: _redis_ping(self.redis_port), "redis")

    def start_app(self, index: int) -> None:
        port = self.app_ports[index]
        multiproc = self.var / f"prometheus-app{index}"
        self._spawn(
            f"app{index}",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "ketenwacht.wsgi",
            ],
            GUNICORN_BIND=f"{HOST}:{port}",
            GUNICORN_WORKERS=str(self.app_workers),
            GUNICORN_THREADS=str(self.app_threads),
            GUNICORN_ACCESS_LOG=str(self.logs / f"app{index}-access.log"),
            PROMETHEUS_MULTIPROC_DIR=str(multiproc),
        )

    def start_worker(self, index: int) -> None:
        self._spawn(
            f"worker{index}",
            [
                *CELERY,
                "worker",
                "-n",
                f"worker{index}@%h",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                *CELERY,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.var / "celerybeat-schedule"),
            ],
        )

    def start_lb(self) -> None:
        backends = [arg for port in self.app_ports for arg in ("--backend", f"{HOST}:{port}")]
        self._spawn("lb", [PYTHON, "-m", "suites.lb", "--listen", f"{HOST}:{self.port}", *backends])

    def start(self) -> Stack:
        began = time.monotonic()
        self.logs.mkdir(parents=True, exist_ok=True)
        self.start_redis()
        self.prepare()
        prepared = time.monotonic()
        self.app_ports = [free_port() for _ in range(self.apps)]
        for index in range(self.apps):
            self.start_app(index)
        for index in range(self.workers):
            self.start_worker(index)
        self.start_beat()
        self.start_lb()
        for port in self.app_ports:
            self.wait_for(lambda p=port: _ready(f"http://{HOST}:{p}"), f"app on {port}")
        self.wait_for(lambda: _ready(self.url), "load balancer")
        self.wait_for(self.workers_ready, "celery workers")
        print(
            f"prod-local up in {time.monotonic() - began:.0f} s "
            f"(migrate and collectstatic {prepared - began:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        return self

    def workers_ready(self) -> bool:
        """Both workers answer a ping through the broker."""
        try:
            output = self.python("celery", "-A", "ketenwacht", "inspect", "ping", "--timeout", "2")
        except RuntimeError:
            return False
        return output.count("pong") >= self.workers

    def wait_for(self, probe: Any, what: str, seconds: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None and name != "redis-stopped":
                    raise RuntimeError(f"{name} exited ({process.returncode}); see {self.logs}")
            with contextlib.suppress(OSError):
                if probe():
                    return
            time.sleep(0.3)
        raise RuntimeError(f"{what} not ready after {seconds:.0f} s; see {self.logs}")

    def signal(self, name: str, signum: int) -> None:
        """Send ``signum`` to the whole process group of ``name`` (e.g. SIGKILL)."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        if signum == signal.SIGKILL:
            process.wait(timeout=10)
            # The leader is gone; its children (gunicorn workers, a worker's pool) may still be
            # exiting and holding the listening socket. Done when the whole group is gone.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)

    def stop_process(self, name: str, timeout: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # Children the leader left behind (a killed gunicorn master's workers, a pool).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def stop(self) -> None:
        # Front to back: no new requests, then the apps, the workers, beat, Redis last.
        order = ["lb", *[n for n in self.processes if n.startswith("app")]]
        order += [n for n in self.processes if n.startswith("worker")] + ["beat", "redis"]
        for name in order:
            self.stop_process(name)
        for name in list(self.processes):
            self.stop_process(name)

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def status(self) -> dict[str, Any]:
        return {name: process.poll() is None for name, process in self.processes.items()}


def _ready(base: str) -> bool:
    status, _headers, _body = http("GET", f"{base}/readyz", timeout=5)
    return status == 200


def _redis_ping(port: int) -> bool:
    with socket.create_connection((HOST, port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Ketenwacht scaled out on loopback.")
    parser.add_argument("command", choices=["up"])
    args = parser.parse_args(argv)
    assert args.command == "up"
    stack = Stack()
    stopping = False

    def _stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with stack:
        print(
            json.dumps(
                {
                    "url": stack.url,
                    "apps": [f"http://{HOST}:{port}" for port in stack.app_ports],
                    "redis": f"redis://{HOST}:{stack.redis_port}",
                    "database": stack.database_url,
                    "logs": str(stack.logs),
                    "processes": {n: p.pid for n, p in stack.processes.items()},
                }
            ),
            flush=True,
        )
        print(f"Ketenwacht (prod-local) runs at {stack.url}/  (stop with Ctrl-C)", flush=True)
        while not stopping:
            time.sleep(0.5)
            dead = [name for name, process in stack.processes.items() if process.poll() is not None]
            if dead:
                print(f"stopping: {', '.join(dead)} exited; see {stack.logs}", flush=True)
                break
    print("prod-local stopped", flush=True)


if __name__ == "__main__":
    main()
