"""Readiness checks: can this process serve requests right now?

Each check returns nothing when healthy and raises otherwise; ``run_checks`` turns that into
"ok", "skipped" or "failing" per check. The reasons go to the log, not to the (public)
response, because they can name hosts and paths.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from ketenwacht import keys

logger = logging.getLogger(__name__)

OK = "ok"
SKIPPED = "skipped"
FAILING = "failing"
BROKER_TIMEOUT_SECONDS = 2


class Skipped(Exception):
    """The check does not apply to this configuration (e.g. the in-memory broker)."""


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if row is None or row[0] != 1:
        raise RuntimeError(f"SELECT 1 returned {row!r}")


def check_broker() -> None:
    broker_url = str(getattr(settings, "CELERY_BROKER_URL", "memory://"))
    if broker_url.startswith("memory://"):
        raise Skipped
    from ketenwacht.celery import app

    connection = app.connection_for_write(url=broker_url, connect_timeout=BROKER_TIMEOUT_SECONDS)
    try:
        connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    finally:
        connection.release()


def check_cache() -> None:
    probe = secrets.token_hex(8)
    cache.set("ops:readyz", probe, timeout=10)
    if cache.get("ops:readyz") != probe:
        raise RuntimeError("the cache did not return what was just stored")


def check_keys() -> None:
    keys_dir = Path(str(settings.KETENWACHT["KEYS_DIR"]))
    if not keys.read_hex_key(keys_dir, keys.ENCRYPTION_KEY_FILE):
        raise RuntimeError("the encryption key file is empty")
    pseudonym_keys = keys.pseudonym_keys(keys_dir)
    if not pseudonym_keys or not all(pseudonym_keys.values()):
        raise RuntimeError("no usable pseudonym key")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
    "keys": check_keys,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Skipped:
            results[name] = SKIPPED
        except Exception:
            logger.exception("readiness check %s failed", name)
            results[name] = FAILING
        else:
            results[name] = OK
    return results
