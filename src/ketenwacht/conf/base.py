"""Settings shared by every environment. The only settings module that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ketenwacht import keys

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = Path(os.environ.get("KETENWACHT_BASE_DIR", PACKAGE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("KETENWACHT_VAR_DIR", BASE_DIR / "var"))
KEYS_DIR = Path(os.environ.get("KETENWACHT_KEYS_DIR", VAR_DIR / "keys"))


def env(name: str, default: str = "") -> str:
    """Read ``NAME`` or, for secrets mounted as files, the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    return default if value == "" else value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def secret_key_from_files() -> str:
    secret = env("DJANGO_SECRET_KEY")
    if secret:
        return secret
    if (KEYS_DIR / keys.SECRET_KEY_FILE).exists():
        return keys.read_text(KEYS_DIR, keys.SECRET_KEY_FILE)
    # No key yet (e.g. `manage.py` before `make run` generated keys): refuse to start.
    raise RuntimeError(
        f"No secret key: run `python -m ketenwacht.keys {KEYS_DIR}` or set DJANGO_SECRET_KEY."
    )


DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # kernel
    "ketenwacht.audit",
    "ketenwacht.partners",
    "ketenwacht.delivery",
    "ketenwacht.web",
    "ketenwacht.synth",
    "ketenwacht.release",
    "ketenwacht.ops",
    # capabilities
    "ketenwacht.knowledge",
    "ketenwacht.identifiers",
    "ketenwacht.privatecheck",
    "ketenwacht.alerts",
    "ketenwacht.shield",
    "ketenwacht.intake",
    "ketenwacht.cases",
    "ketenwacht.stats",
]

MIDDLEWARE = [
    "ketenwacht.ops.request_id.RequestIdMiddleware",
    "ketenwacht.ops.metrics.MetricsMiddleware",
    "ketenwacht.ops.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ketenwacht.ops.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ketenwacht.urls"
WSGI_APPLICATION = "ketenwacht.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketenwacht.web.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ketenwacht.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
    )
}


def sqlite_options(database: Any) -> Any:
    """SQLite writers take the write lock at BEGIN so appends (audit chain) serialise."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    return database


sqlite_options(DATABASES["default"])


def postgresql_options(database: Any, *, prepared_statements: bool) -> Any:
    """Let the hot paths' statements run prepared, with one generic plan each.

    Django's own cursors bind parameters client-side and never prepare, so this reaches only
    the statements ``ketenwacht.prepared`` runs (identifier lookups, the cases' incremental
    linking); ``plan_cache_mode`` reaches only prepared statements (and PL/pgSQL). Off behind
    a pooler that cannot carry prepared statements (PgBouncer in transaction mode before
    1.21).
    """
    if database["ENGINE"] == "django.db.backends.postgresql" and prepared_statements:
        options = database.setdefault("OPTIONS", {})
        options.setdefault("prepare_threshold", 5)
        options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_generic_plan"
    return database


postgresql_options(
    DATABASES["default"], prepared_statements=env_bool("DATABASE_PREPARED_STATEMENTS", True)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "partners:login"
LOGIN_REDIRECT_URL = "web:portal"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Sessions and cookies: HttpOnly everywhere, SameSite=Lax, short idle sessions for staff.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ketenwacht",
    }
}
if env("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_URL"),
    }

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Ketenwacht <noreply@ketenwacht.example>")

# Celery: eager in the embedded default; a broker URL switches to real workers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not env("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# Periodic tasks for workers with beat; apps add their entries here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "delivery-drain-outbox": {
        "task": "ketenwacht.delivery.tasks.drain_outbox",
        "schedule": float(env("KETENWACHT_DELIVERY_DRAIN_SECONDS", "30")),
    },
    "release-expire-due": {
        "task": "ketenwacht.release.tasks.expire_due",
        "schedule": float(env("KETENWACHT_RELEASE_EXPIRE_SECONDS", "300")),
    },
    "alerts-send-due-digests": {
        "task": "ketenwacht.alerts.tasks.send_due_digests",
        "schedule": float(env("KETENWACHT_ALERTS_DIGEST_CHECK_SECONDS", "3600")),
    },
    "alerts-purge-raw-values": {
        "task": "ketenwacht.alerts.tasks.purge_raw_values",
        "schedule": 3600.0,
    },
    "intake-purge-expired": {
        "task": "ketenwacht.intake.tasks.purge_expired",
        "schedule": float(env("KETENWACHT_INTAKE_PURGE_SECONDS", "3600")),
    },
    "identifiers-purge-expired": {
        "task": "ketenwacht.identifiers.tasks.purge_expired",
        "schedule": float(env("KETENWACHT_IDENTIFIERS_PURGE_SECONDS", "3600")),
    },
    "identifiers-purge-closed-work": {
        "task": "ketenwacht.identifiers.tasks.purge_closed_work",
        "schedule": float(env("KETENWACHT_IDENTIFIERS_PURGE_SECONDS", "3600")),
    },
    "privatecheck-sync-list": {
        "task": "ketenwacht.privatecheck.tasks.sync_list",
        "schedule": float(env("KETENWACHT_IDENTIFIERS_PURGE_SECONDS", "3600")),
    },
    "privatecheck-purge-psi-jobs": {
        "task": "ketenwacht.privatecheck.tasks.purge_psi_jobs",
        "schedule": float(env("KETENWACHT_IDENTIFIERS_PURGE_SECONDS", "3600")),
    },
    "cases-refresh-priorities": {
        "task": "ketenwacht.cases.tasks.refresh_priorities",
        "schedule": float(env("KETENWACHT_CASES_REFRESH_SECONDS", "86400")),
    },
    "cases-purge-suspect-locations": {
        "task": "ketenwacht.cases.tasks.purge_suspect_locations",
        "schedule": 3600.0,
    },
    "cases-purge-reports": {
        "task": "ketenwacht.cases.tasks.purge_reports",
        "schedule": 86400.0,
    },
    "shield-expire-blocks": {
        "task": "ketenwacht.shield.tasks.expire_blocks",
        "schedule": float(env("KETENWACHT_SHIELD_EXPIRE_SECONDS", "300")),
    },
    "stats-detect-spikes": {
        "task": "ketenwacht.stats.tasks.detect_spikes",
        "schedule": float(env("KETENWACHT_STATS_SPIKES_SECONDS", "86400")),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ketenwacht.partners.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ketenwacht.partners.permissions.DenyAll"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "ketenwacht.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "ketenwacht.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ketenwacht API",
    "DESCRIPTION": "API of Ketenwacht, the platform of the Dutch partnership against online "
    "fraud. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Login throttling: failed attempts per username and per client address in a window.
LOGIN_THROTTLE_ATTEMPTS = int(env("KETENWACHT_LOGIN_THROTTLE_ATTEMPTS", "5"))
LOGIN_THROTTLE_WINDOW_SECONDS = int(env("KETENWACHT_LOGIN_THROTTLE_WINDOW", "900"))

KETENWACHT = {
    "KEYS_DIR": KEYS_DIR,
    "PUBLIC_BASE_URL": env("KETENWACHT_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
    "DELIVERY_MAX_ATTEMPTS": int(env("KETENWACHT_DELIVERY_MAX_ATTEMPTS", "8")),
    "DELIVERY_BACKOFF_SECONDS": int(env("KETENWACHT_DELIVERY_BACKOFF_SECONDS", "30")),
    "DELIVERY_TIMEOUT_SECONDS": int(env("KETENWACHT_DELIVERY_TIMEOUT_SECONDS", "10")),
    # Webhooks to loopback/private addresses (SSRF guard); always allowed when DEBUG.
    "DELIVERY_ALLOW_PRIVATE_TARGETS": env_bool("KETENWACHT_DELIVERY_ALLOW_PRIVATE_TARGETS", False),
    # Anti-phishing shield: the RPZ zone, the warning host blocked names are sent to, and the
    # SMTP listener for forwarded mail with the recipient domains it accepts (no relaying).
    "SHIELD_RPZ_ZONE": env("KETENWACHT_SHIELD_RPZ_ZONE", "rpz.ketenwacht.example"),
    "SHIELD_WARNING_HOST": env("KETENWACHT_SHIELD_WARNING_HOST", "waarschuwing.ketenwacht.example"),
    "SHIELD_SMTP_ADDRESS": env("KETENWACHT_SHIELD_SMTP_ADDRESS", "127.0.0.1:2525"),
    "SHIELD_SMTP_DOMAINS": env_list(
        "KETENWACHT_SHIELD_SMTP_DOMAINS", "ketenwacht.example,localhost"
    ),
    # Public identifier check: requests per client address, e.g. "20/minute", "100/hour".
    "PUBLIC_CHECK_RATE": env("KETENWACHT_PUBLIC_CHECK_RATE", "20/minute"),
    # Dispute form of listed parties: submissions per client address.
    "DISPUTE_RATE": env("KETENWACHT_DISPUTE_RATE", "5/hour"),
    # Files that must never be served (disputers' evidence): outside the web root.
    "PRIVATE_FILES_DIR": env("KETENWACHT_PRIVATE_FILES_DIR", str(VAR_DIR / "private")),
    # Victim intake: identifiers the victim agrees to share become sightings in this sharing
    # group (slug), attributed to this organisation (slug; default: the group's programme
    # member). See docs/intake.md.
    "INTAKE_SIGHTINGS_GROUP": env("KETENWACHT_INTAKE_SIGHTINGS_GROUP", "slachtofferintake"),
    "INTAKE_SIGHTINGS_ORGANISATION": env("KETENWACHT_INTAKE_SIGHTINGS_ORGANISATION"),
    # Cases (docs/cases.md): hub limits, priority weights ("victims=0.3,damage=0.25,…"), and
    # how much a victim's status page may say about the cluster (none, linked, unit).
    "CASES_HUB_MAX_REPORTS": env("KETENWACHT_CASES_HUB_MAX_REPORTS", "50"),
    "CASES_HUB_MIN_FAMILIES": env("KETENWACHT_CASES_HUB_MIN_FAMILIES", "2"),
    "CASES_HUB_ABSOLUTE_MAX": env("KETENWACHT_CASES_HUB_ABSOLUTE_MAX", "500"),
    "CASES_PRIORITY_WEIGHTS": env("KETENWACHT_CASES_PRIORITY_WEIGHTS"),
    # Days police and partner reports stay after the day reported, e.g. "police=1825,
    # partner=730" (defaults in cases.config; intake reports follow the intake).
    "CASES_REPORT_RETENTION_DAYS": {
        source: int(days)
        for source, _sep, days in (
            part.replace(" ", "").partition("=")
            for part in env("KETENWACHT_CASES_REPORT_RETENTION_DAYS", "").split(",")
            if part.strip()
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
