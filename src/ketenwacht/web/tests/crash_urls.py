"""The project's URLs and error handlers plus views that fail, for the error-handler tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from ketenwacht.urls import handler400, handler403, handler404, handler500
from ketenwacht.urls import urlpatterns as project_urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("tampered")


urlpatterns = [
    path("api/v1/test/crash/", crash),
    path("api/v1/test/forbidden/", forbidden),
    path("api/v1/test/suspicious/", suspicious),
    path("test/crash/", crash),
    path("test/suspicious/", suspicious),
    *project_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
