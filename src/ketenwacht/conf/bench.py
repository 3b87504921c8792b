"""Benchmark server (``make bench`` only): production settings, plain HTTP on loopback.

The identifiers benchmarks (``bench/bench_check.py``, ``bench/bench_ingest.py``) start
gunicorn with these settings against their own PostgreSQL database. Everything that makes a
request cost what it costs in production stays: ``DEBUG`` off, the production middleware,
persistent database connections. What differs is only what a loopback benchmark needs:

* no redirect to HTTPS (there is no TLS terminator in front of gunicorn here);
* a URL configuration with two bare endpoints next to the real ones (``bench/_django.py``),
  so the benchmark can compare the check with a floor measured on the same server;
* an outermost middleware that records the server-side time of every request.

The bare endpoints exist only under these settings: the test settings never load them, so
the permission-matrix test does not see them. The repository root must be on ``sys.path``
(the benchmark starts gunicorn with ``--pythonpath``).
"""

from ketenwacht.conf.production import *  # noqa: F403
from ketenwacht.conf.production import LOGGING, MIDDLEWARE

KETENWACHT_BENCH = True
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
ROOT_URLCONF = "bench._django"
MIDDLEWARE = ["bench._django.ServerTimingMiddleware", *MIDDLEWARE]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
