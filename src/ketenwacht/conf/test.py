"""Test settings: SQLite in memory unless DATABASE_URL points at PostgreSQL; throwaway keys."""

import tempfile
from pathlib import Path

from ketenwacht import keys
from ketenwacht.conf.base import *  # noqa: F403
from ketenwacht.conf.base import KETENWACHT, env, sqlite_options

# Fresh random keys per test run, never the developer's own.
KEYS_DIR = Path(tempfile.mkdtemp(prefix="ketenwacht-test-keys-"))
keys.ensure_keys(KEYS_DIR)
KETENWACHT["KEYS_DIR"] = KEYS_DIR
SECRET_KEY = keys.read_text(KEYS_DIR, keys.SECRET_KEY_FILE)

if not env("DATABASE_URL"):
    DATABASES = {
        "default": sqlite_options({"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    }

# Tests assert the English msgids; the Dutch catalogue is checked by web/tests/test_translations.py
# (which asks for Dutch explicitly), and base.py keeps Dutch as the site's default language.
LANGUAGE_CODE = "en"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
