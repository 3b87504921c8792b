"""``/healthz`` (the process answers), ``/readyz`` (it can do its work) and ``/metrics``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from ketenwacht.ops import checks, metrics
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.decorators import public_page
from ketenwacht.partners.permissions import TokenHasScope

PROBLEM_CONTENT_TYPE = "application/problem+json"


@public_page
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: no database or broker, so a slow dependency never restarts the process."""
    return JsonResponse({"status": "ok"})


@public_page
@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    results = checks.run_checks()
    failing = sorted(name for name, status in results.items() if status == checks.FAILING)
    if not failing:
        return JsonResponse({"status": "ok", "checks": results})
    problem = {
        "type": "/api/v1/problems/not_ready",
        "title": "Tijdelijk niet beschikbaar / Service unavailable",
        "status": 503,
        "detail": "Niet gereed: {0}. / Not ready: {0}.".format(", ".join(failing)),
        "code": "not_ready",
        "checks": results,
    }
    return JsonResponse(problem, status=503, content_type=PROBLEM_CONTENT_TYPE)


class ServiceUnavailable(APIException):
    status_code = 503
    default_code = "metrics_unavailable"


class FirstRenderer(BaseContentNegotiation):
    """Prometheus asks for text formats; errors are problem+json whatever it asked for."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class MetricsView(APIView):
    """Prometheus metrics for scrapers holding a token with the ``ops:metrics`` scope."""

    permission_classes = [TokenHasScope]
    required_scope = Scope.OPS_METRICS
    content_negotiation_class = FirstRenderer
    schema = None  # an operations endpoint, not part of the partner API

    def get(self, request: Request) -> HttpResponse:
        try:
            body, content_type = metrics.exposition()
        except metrics.MetricsUnavailable:
            raise ServiceUnavailable(
                "Metrieken ontbreken. / Metrics are not installed (prometheus-client)."
            ) from None
        response = HttpResponse(body, content_type=content_type)
        response["Cache-Control"] = "no-store"
        return response
