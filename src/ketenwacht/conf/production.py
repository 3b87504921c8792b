"""Production: PostgreSQL, Redis, real Celery workers, secure cookies and HSTS, JSON logs.

Secrets come from the environment or from files (``NAME_FILE``, see ``conf.base.env``).
See docs/operations/deployment.md.
"""

from ketenwacht.conf.base import *  # noqa: F403
from ketenwacht.conf.base import (
    DATABASES,
    MIDDLEWARE,
    env,
    env_list,
    secret_key_from_files,
)
from ketenwacht.conf.base import (
    LOGGING as BASE_LOGGING,
)

DEBUG = False
SECRET_KEY = secret_key_from_files()
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("Production needs PostgreSQL: set DATABASE_URL=postgres://…")
# Fail fast when the database is unreachable (readiness probes, request threads).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", int(env("DATABASE_CONNECT_TIMEOUT", "5"))
)
# Redis for the cache (rate limits, login throttling) and a real Celery broker are checked by
# `manage.py check --deploy` (ketenwacht.ops.system_checks), not enforced here, so loopback
# benchmarks (conf/bench.py) can run these settings without them.

# whitenoise serves the collected static files right after the security middleware.
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE = [
    *MIDDLEWARE[: _security + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_security + 1 :],
]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env("DJANGO_SECURE_SSL_REDIRECT", "true") == "true"
# Probes talk plain HTTP to the container, behind the TLS-terminating proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ADMINS: list[tuple[str, str]] = [(address, address) for address in env_list("DJANGO_ADMIN_EMAILS")]

# One JSON object per line on stderr, for the log shipper (ketenwacht.ops.jsonlog).
LOGGING = {
    **BASE_LOGGING,
    "formatters": {"json": {"()": "ketenwacht.ops.jsonlog.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
}
