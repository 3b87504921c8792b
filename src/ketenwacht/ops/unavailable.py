"""Fail fast with 503 when the database is unreachable, and recover without a restart.

While PostgreSQL restarts or fails over, a query raises ``OperationalError`` (connection
refused, server closed the connection) or ``InterfaceError`` (the persistent connection is
already closed). Left alone that is a 500 with a stack trace in the log. This middleware
answers it as what it is: ``503 Service Unavailable`` with ``Retry-After``, RFC 9457 problem
details under ``/api/`` and for JSON clients, a short bilingual page otherwise. Django marks
the broken connection unusable and closes it at the end of the request, so the next request
connects afresh: the process recovers by itself once the database is back (tested in
``suites/faults``). Nothing here touches the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("ketenwacht.ops.unavailable")

RETRY_AFTER_SECONDS = 5
PROBLEM_CONTENT_TYPE = "application/problem+json"
PAGE = (
    '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
    "<title>Tijdelijk niet beschikbaar / Service unavailable</title></head><body>"
    "<h1>Tijdelijk niet beschikbaar</h1><p>Probeer het over een paar seconden opnieuw.</p>"
    '<h1 lang="en">Service unavailable</h1>'
    '<p lang="en">Please try again in a few seconds.</p></body></html>'
)


def is_database_unavailable(error: BaseException) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


def unavailable_response(request: HttpRequest) -> HttpResponse:
    wants_json = request.path.startswith(("/api/", "/taxii2/")) or "json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        body = {
            "type": "/api/v1/problems/service_unavailable",
            "title": "Tijdelijk niet beschikbaar / Service unavailable",
            "status": 503,
            "detail": "De database is even niet bereikbaar; probeer het opnieuw. / The database "
            "is briefly unreachable; please try again.",
            "code": "service_unavailable",
            "instance": request.get_full_path(),
        }
        response = HttpResponse(json.dumps(body), status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.warning(
            "database unavailable: %s: %s",
            exception.__class__.__name__,
            str(exception).strip()[:200],
            extra={"path": request.path},
        )
        return unavailable_response(request)
