from __future__ import annotations

import time
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from ketenwacht import keys
from ketenwacht.ops import checks


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_check(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "skipped", "cache": "ok", "keys": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_503_problem_when_the_database_fails(client: Client) -> None:
    broken_cursor = mock.MagicMock()
    broken_cursor.__enter__.return_value.execute.side_effect = OperationalError("down")
    with mock.patch("ketenwacht.ops.checks.connections") as connections:
        connections.__getitem__.return_value.cursor.return_value = broken_cursor
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["status"] == 503
    assert body["checks"]["database"] == "failing"
    assert body["checks"]["cache"] == "ok"
    assert "database" in body["detail"]
    assert "down" not in response.content.decode()  # reasons go to the log only


@pytest.mark.django_db
def test_readyz_fails_when_the_pseudonym_key_is_missing(
    client: Client, settings, tmp_path: Path
) -> None:
    keys.ensure_keys(tmp_path)
    for path in tmp_path.glob(f"{keys.PSEUDONYM_KEY_PREFIX}*.key"):
        path.unlink()
    settings.KETENWACHT = {**settings.KETENWACHT, "KEYS_DIR": tmp_path}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["keys"] == "failing"


def test_keys_check_fails_on_an_unreadable_encryption_key(settings, tmp_path: Path) -> None:
    keys.ensure_keys(tmp_path)
    (tmp_path / keys.ENCRYPTION_KEY_FILE).unlink()
    settings.KETENWACHT = {**settings.KETENWACHT, "KEYS_DIR": tmp_path}
    with pytest.raises(FileNotFoundError):
        checks.check_keys()


def test_broker_check_fails_fast_on_an_unreachable_broker(settings) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    started = time.monotonic()
    with pytest.raises(Exception):
        checks.check_broker()
    # ~2 s on an idle machine (redis-py retries a refused connection with backoff); the bound
    # leaves room for a loaded CI machine while still catching an unbounded retry loop.
    assert time.monotonic() - started < 15


def test_broker_check_is_skipped_for_the_in_memory_broker(settings) -> None:
    settings.CELERY_BROKER_URL = "memory://"
    with pytest.raises(checks.Skipped):
        checks.check_broker()


def test_cache_check_notices_a_cache_that_forgets(settings) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with pytest.raises(RuntimeError):
        checks.check_cache()


def _local_redis() -> str | None:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return None
    return "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(_local_redis() is None, reason="no Redis on 127.0.0.1:6379")
def test_broker_check_passes_against_a_running_redis(settings) -> None:
    settings.CELERY_BROKER_URL = _local_redis()
    checks.check_broker()
