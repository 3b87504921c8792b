"""RFC 9457 problem details for every API error.

``type`` is a stable URI per error code under /api/v1/problems/, ``title`` the short text,
``detail`` the specific human message, ``code`` our machine code, and ``errors`` a list of
per-field or per-item errors where the request had several.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ketenwacht.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "/api/v1/problems/"

_TITLES = {
    400: "Ongeldig verzoek / Bad request",
    401: "Niet aangemeld / Not authenticated",
    403: "Geen toegang / Forbidden",
    404: "Niet gevonden / Not found",
    405: "Methode niet toegestaan / Method not allowed",
    406: "Niet acceptabel / Not acceptable",
    409: "Conflict / Conflict",
    413: "Te groot / Payload too large",
    415: "Mediatype niet ondersteund / Unsupported media type",
    429: "Te veel verzoeken / Too many requests",
    500: "Serverfout / Server error",
    503: "Tijdelijk niet beschikbaar / Service unavailable",
}


def problem(
    status_code: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    instance: str = "",
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_BASE}{code}",
        "title": _TITLES.get(status_code, "Fout / Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _flatten_validation(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested ValidationError detail as a flat list of {field, code, detail}."""
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [
                {"field": prefix or "non_field_errors", "code": item.code, "detail": str(item)}
                for item in detail
            ]
        items: list[dict[str, Any]] = []
        for index, item in enumerate(detail):
            items.extend(_flatten_validation(item, f"{prefix}[{index}]" if prefix else str(index)))
        return items
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            items.extend(_flatten_validation(value, f"{prefix}.{key}" if prefix else str(key)))
        return items
    return [
        {
            "field": prefix or "non_field_errors",
            "code": getattr(detail, "code", "invalid"),
            "detail": str(detail),
        }
    ]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, DomainError):
        body = exc.as_dict()
        errors = (
            [{"field": exc.field, "code": exc.code, "detail": str(exc.message)}]
            if exc.field
            else None
        )
        return problem(exc.status, exc.code, body["detail"], errors=errors, instance=instance)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten_validation(exc.detail)
        return problem(
            status.HTTP_400_BAD_REQUEST,
            "invalid",
            "De invoer is ongeldig; zie errors. / The input is invalid; see errors.",
            errors=errors,
            instance=instance,
        )
    drf_response = drf_exception_handler(exc, context)
    if drf_response is None or not isinstance(exc, exceptions.APIException):
        return drf_response
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    headers = {
        key: value
        for key, value in drf_response.items()
        if key in {"WWW-Authenticate", "Retry-After", "Allow"}
    }
    return problem(
        drf_response.status_code, str(code), str(exc.detail), instance=instance, headers=headers
    )
