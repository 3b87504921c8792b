from __future__ import annotations

import json
import logging
import re
import sys

import pytest
from django.test import Client

from ketenwacht.ops.jsonlog import JsonFormatter
from ketenwacht.ops.request_id import current_request_id, request_id_from
from ketenwacht.ops.security import CONTENT_SECURITY_POLICY


def test_a_well_formed_request_id_is_kept_and_echoed(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123_DEF.456")
    assert response["X-Request-ID"] == "abc-123_DEF.456"


@pytest.mark.parametrize(
    "sent", ["", "short", "has space in it", "x" * 129, "<script>alert</script>"]
)
def test_a_malformed_request_id_is_replaced(client: Client, sent: str) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_request_ids_differ_per_request() -> None:
    assert request_id_from(None) != request_id_from(None)


def test_pages_carry_the_strict_content_security_policy(client: Client) -> None:
    response = client.get("/healthz")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_home_page_carries_the_strict_policy(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_api_docs_get_a_relaxed_policy_for_their_inline_bootstrap(client: Client) -> None:
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("ketenwacht.test", logging.WARNING, __file__, 1, message, (), None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_json_formatter_writes_one_object_per_line_with_the_request_id() -> None:
    token = current_request_id.set("req-00000001")
    try:
        line = JsonFormatter().format(_record("hello %s", status_code=404))
    finally:
        current_request_id.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "ketenwacht.test"
    assert entry["message"] == "hello %s"
    assert entry["request_id"] == "req-00000001"
    assert entry["status_code"] == 404
    assert entry["time"].endswith("+00:00")


def test_json_formatter_never_writes_the_request_or_unknown_extras() -> None:
    class FakeRequest:
        META = {"HTTP_AUTHORIZATION": "Bearer kw_secret_token"}

        def __repr__(self) -> str:
            return f"<request {self.META}>"

    line = JsonFormatter().format(_record("Forbidden", request=FakeRequest(), token="kw_x"))
    assert "kw_secret_token" not in line
    assert "kw_x" not in line
    assert set(json.loads(line)) == {"time", "level", "logger", "message"}


def test_json_formatter_includes_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record("failed")
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["exc_info"]
    assert "Traceback" in entry["exc_info"]


def test_gunicorn_access_log_entry_is_json_without_the_query_string() -> None:
    from datetime import timedelta

    from ketenwacht.ops.gunicorn_logging import access_entry

    atoms = {
        "m": "GET",
        "U": "/healthz",
        "q": "secret=abc",
        "s": "200",
        "B": 15,
        "h": "10.0.0.1",
        "a": 'probe "quoted"/1.0',
        "{x-request-id}o": "req-00000002",
    }
    entry = access_entry(atoms, timedelta(milliseconds=12.5))
    line = json.dumps(entry)
    assert json.loads(line)["user_agent"] == 'probe "quoted"/1.0'
    assert entry["status"] == 200
    assert entry["duration_ms"] == 12.5
    assert entry["request_id"] == "req-00000002"
    assert "secret=abc" not in line


def test_gunicorn_config_uses_threaded_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy
    from pathlib import Path

    from django.conf import settings

    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"))
    assert config["worker_class"] == "gthread"
    assert (config["workers"], config["threads"]) == (3, 8)
    assert config["logger_class"] == "ketenwacht.ops.gunicorn_logging.JsonAccessLogger"
