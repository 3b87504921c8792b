"""Security headers on every response: Content-Security-Policy, Permissions-Policy and
Cross-Origin-Opener-Policy. HSTS, secure cookies and Referrer-Policy come from Django's own
settings (conf/production.py, conf/base.py).

The pages load scripts and styles only from our own origin, so the policy allows no inline
code. The API documentation pages (drf-spectacular's Swagger UI and ReDoc) ship inline
bootstrap scripts and styles; they get a relaxed policy by URL name. A view can also set its
own ``Content-Security-Policy`` header, which is then left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# htmx (intake pages, static/intake/vendor/htmx) injects one fixed <style> block for its
# request indicators; its hash allows exactly that block and no other inline style. An htmx
# upgrade changes it (ops/tests/test_browser_csp.py fails); setting htmx's config
# ``includeIndicatorStyles: false`` in the intake templates would remove the need for it.
HTMX_INDICATOR_STYLE_HASH = "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {HTMX_INDICATOR_STYLE_HASH}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Swagger UI and ReDoc bootstrap themselves with inline scripts and styles, and ReDoc runs a
# web worker from a blob: URL. These pages show no personal data.
API_DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)
POLICY_BY_URL_NAME = {"api-docs": API_DOCS_POLICY, "api-redoc": API_DOCS_POLICY}

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def policy_for(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None and match.url_name in POLICY_BY_URL_NAME:
        return POLICY_BY_URL_NAME[match.url_name]
    return CONTENT_SECURITY_POLICY


def is_debug_error_page(response: HttpResponse) -> bool:
    """Django's technical 404/500 pages (DEBUG only) are built from inline code."""
    return settings.DEBUG and response.status_code >= 400


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and not is_debug_error_page(response):
            response["Content-Security-Policy"] = policy_for(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
