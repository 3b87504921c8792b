"""gunicorn with deploy/gunicorn.conf.py and the production settings answers /healthz and
writes its access log as JSON (a real server on a loopback port, stopped at the end)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, deadline: float) -> bytes:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorn_serves_healthz_with_json_access_log(tmp_path: Path) -> None:
    pytest.importorskip("gunicorn")
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "KETENWACHT_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="ketenwacht.conf.production",
        # Parsed only: /healthz touches neither the database nor Redis.
        DATABASE_URL="postgres://ketenwacht@127.0.0.1:1/unused",
        REDIS_URL="redis://127.0.0.1:1/0",
        CELERY_BROKER_URL="redis://127.0.0.1:1/1",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        KETENWACHT_VAR_DIR=str(tmp_path),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )
    config = Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "ketenwacht.wsgi"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 30)
        assert json.loads(body) == {"status": "ok"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=30)
    access = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    healthz = [entry for entry in access if entry.get("path") == "/healthz"]
    assert healthz, (stdout, stderr)
    assert healthz[-1]["status"] == 200
    assert len(healthz[-1]["request_id"]) == 32
    assert (tmp_path / "prometheus").is_dir()
