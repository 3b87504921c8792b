"""``make prod-local``: the production settings on loopback, without a TLS terminator.

Everything production does stays (``DEBUG`` off, PostgreSQL, Redis cache and broker, real
Celery workers and beat, whitenoise, JSON logs, security headers). Only what needs TLS in
front is relaxed, because the local load balancer (``suites/lb.py``) speaks plain HTTP:
no redirect to HTTPS, no HSTS, cookies without the ``Secure`` flag. Webhooks may go to the
loopback receiver the end-to-end and fault suites run. Never use these settings on a host
that is reachable from outside.
"""

from ketenwacht.conf.production import *  # noqa: F403
from ketenwacht.conf.production import KETENWACHT

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
KETENWACHT = {**KETENWACHT, "DELIVERY_ALLOW_PRIVATE_TARGETS": True}
