"""The human-readable page behind each problem ``type`` URI."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketenwacht.partners.decorators import public_page


@public_page
def problem_type_view(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "web/problem_type.html", {"code": code})
