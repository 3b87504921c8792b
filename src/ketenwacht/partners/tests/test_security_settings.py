"""Session and cookie settings: HttpOnly and SameSite everywhere, Secure and HSTS in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import PASSWORD, make_user

SRC = Path(__file__).resolve().parents[3]


def test_cookie_and_header_settings() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.CSRF_COOKIE_HTTPONLY is True
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True


def _production_settings(tmp_path: Path) -> dict[str, object]:
    """Import the production settings in a fresh interpreter with a production-like env."""
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "DEBUG",
    ]
    script = (
        "import json\n"
        "from ketenwacht.conf import production as p\n"
        f"print(json.dumps({{n: getattr(p, n) for n in {names!r}}}))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "DATABASE_URL": "postgres://ketenwacht@127.0.0.1:5432/ketenwacht",
        "DJANGO_SECRET_KEY": "production-settings-test-" + "x" * 40,
        "KETENWACHT_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_production_cookies_are_secure(tmp_path: Path) -> None:
    production = _production_settings(tmp_path)
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 31536000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["DEBUG"] is False


@pytest.mark.django_db
def test_session_cookie_after_login_is_httponly_and_samesite() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    response = Client().post("/portal/login/", {"username": user.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # tests run over plain HTTP; production sets Secure


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_session_cookie_is_secure_when_configured() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    client = Client(enforce_csrf_checks=False)
    page = client.get("/portal/login/")
    assert page.cookies[settings.CSRF_COOKIE_NAME]["secure"] is True
    response = client.post("/portal/login/", {"username": user.username, "password": PASSWORD})
    assert response.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True


@pytest.mark.django_db
def test_pages_send_protective_headers() -> None:
    response = Client().get("/portal/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
