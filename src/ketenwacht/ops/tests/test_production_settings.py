"""conf/production.py in a fresh interpreter: it reads only the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "CONNECT_TIMEOUT": settings.DATABASES["default"]["OPTIONS"].get("connect_timeout"),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "MIDDLEWARE": settings.MIDDLEWARE,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "HSTS": settings.SECURE_HSTS_SECONDS,
    "REDIRECT_EXEMPT": settings.SECURE_REDIRECT_EXEMPT,
    "FORMATTER": settings.LOGGING["handlers"]["console"]["formatter"],
    "EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
}))
"""


def _run(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "KETENWACHT_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="ketenwacht.conf.production",
        KETENWACHT_VAR_DIR=str(tmp_path / "var"),
        KETENWACHT_KEYS_DIR=str(tmp_path / "keys"),
        **overrides,
    )
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_load_from_the_environment(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("a-secret-from-a-file\n")
    result = _run(
        tmp_path,
        DATABASE_URL="postgres://ketenwacht@db.internal:5432/ketenwacht",
        DJANGO_SECRET_KEY_FILE=str(secret_file),
        REDIS_URL="redis://redis.internal:6379/0",
        CELERY_BROKER_URL="redis://redis.internal:6379/1",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["DEBUG"] is False
    assert loaded["SECRET_KEY"] == "a-secret-from-a-file"
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["CONNECT_TIMEOUT"] == 5
    assert loaded["CACHE"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["SESSION_COOKIE_SECURE"] and loaded["CSRF_COOKIE_SECURE"]
    assert loaded["HSTS"] == 31536000
    assert loaded["REDIRECT_EXEMPT"] == [r"^healthz$", r"^readyz$"]
    assert loaded["FORMATTER"] == "json"
    assert loaded["EAGER"] is False
    middleware = loaded["MIDDLEWARE"]
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert middleware[0] == "ketenwacht.ops.request_id.RequestIdMiddleware"


def test_production_settings_refuse_to_start_without_postgresql(tmp_path: Path) -> None:
    result = _run(tmp_path, DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "Production needs PostgreSQL: set DATABASE_URL" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _run(tmp_path, DATABASE_URL="postgres://ketenwacht@db.internal:5432/ketenwacht")
    assert result.returncode != 0
    assert "No secret key" in result.stderr
