"""What the benchmark server adds to the platform (``ketenwacht.conf.bench`` only).

* ``ServerTimingMiddleware`` — outermost middleware: the time from the moment Django gets
  the request until the response leaves the middleware stack. It excludes gunicorn's HTTP
  parsing, waiting for a free worker thread and writing to the socket; that is what "server
  side" means in ``docs/benchmarks.md``. Each request is appended as a 13-byte record
  (monotonic end time in ns, duration in µs, endpoint tag) to ``timings-<pid>.bin`` in
  ``$KETENWACHT_BENCH_TIMINGS``, and also sent as a ``Server-Timing`` header.
* Two bare endpoints, the floor the check is compared with on the same server, through the
  same middleware: ``bench/bare`` (a DRF view with the same token authentication and scope
  check as ``/api/v1/check``, answering a constant) and ``bench/bare-django`` (a plain
  Django view answering a constant).
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketenwacht.partners.constants import Scope
from ketenwacht.partners.permissions import TokenHasScope

RECORD = struct.Struct("<QIB")
# Endpoint tags in the timing records.
TAGS = {
    "/api/v1/check": 1,
    "/api/v1/checks": 2,
    "/bench/bare": 3,
    "/bench/bare-django": 4,
    "/api/v1/sightings": 5,
}
OTHER_TAG = 0
_MAX_DURATION_US = 2**32 - 1


class _TimingFile:
    """One append-only file per worker process; ``os.write`` of one record is atomic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def write(self, record: bytes) -> None:
        directory = os.environ.get("KETENWACHT_BENCH_TIMINGS")
        if not directory:
            return
        pid = os.getpid()
        if self._fd is None or self._pid != pid:
            with self._lock:
                if self._fd is None or self._pid != pid:
                    self._fd = os.open(
                        os.path.join(directory, f"timings-{pid}.bin"),
                        os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                        0o600,
                    )
                    self._pid = pid
        os.write(self._fd, record)


_timings = _TimingFile()


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic_ns()
        response = self.get_response(request)
        ended = time.monotonic_ns()
        duration_us = (ended - started) // 1000
        response["Server-Timing"] = f"app;dur={duration_us / 1000:.3f}"
        tag = TAGS.get(request.path, OTHER_TAG)
        _timings.write(RECORD.pack(ended, min(duration_us, _MAX_DURATION_US), tag))
        return response


class BareTokenView(APIView):
    """The same authentication and scope check as the check endpoint, and nothing else."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.IDENTIFIERS_CHECK

    def get(self, request: Request) -> Response:
        return Response({"level": "none"})


def bare_django(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"level": "none"})


urlpatterns: list[Any] = [
    path("bench/bare", BareTokenView.as_view()),
    path("bench/bare-django", bare_django),
    path("", include("ketenwacht.urls")),
]

handler400 = "ketenwacht.web.errors.bad_request"
handler403 = "ketenwacht.web.errors.permission_denied"
handler404 = "ketenwacht.web.errors.page_not_found"
handler500 = "ketenwacht.web.errors.server_error"
