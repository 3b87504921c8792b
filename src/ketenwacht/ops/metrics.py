"""Prometheus metrics: requests by URL name, method and status, and their latency.

Labels use the URL pattern's name (never the path), so the number of series stays bounded.
Under gunicorn with several worker processes, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory writable by the workers (wiped at each start, see deploy/gunicorn.conf.py): every
process then writes its samples there and ``/metrics`` adds them up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

try:
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        Counter,
        Histogram,
        generate_latest,
        multiprocess,
    )
except ImportError:  # pragma: no cover - prometheus-client is optional until locked
    AVAILABLE = False
else:
    AVAILABLE = True

UNMATCHED = "<unmatched>"


class MetricsUnavailable(Exception):
    """prometheus-client is not installed."""


if AVAILABLE:
    REQUESTS = Counter(
        "ketenwacht_http_requests",
        "HTTP requests handled, by URL name, method and status code.",
        ["view", "method", "status"],
    )
    LATENCY = Histogram(
        "ketenwacht_http_request_duration_seconds",
        "Time to produce the response, by URL name.",
        ["view"],
        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    )

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def view_label(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is None or not match.view_name:
        return UNMATCHED
    return match.view_name


def exposition() -> tuple[bytes, str]:
    """The metrics text; summed over all worker processes in multiprocess mode."""
    if not AVAILABLE:
        raise MetricsUnavailable
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if not AVAILABLE:
            return response
        view = view_label(request)
        method = request.method if request.method in KNOWN_METHODS else "OTHER"
        REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view).observe(time.perf_counter() - started)
        return response
