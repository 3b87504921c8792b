"""Public pages: published factsheets only (anything else is a 404, never a hint)."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketenwacht.errors import NotFoundError
from ketenwacht.partners.decorators import public_page
from ketenwacht.stats import factsheets, selectors
from ketenwacht.stats.models import Factsheet
from ketenwacht.web.csv import csv_response


def _public(pk: UUID) -> Factsheet:
    try:
        return selectors.public_factsheet(pk)
    except NotFoundError:
        raise Http404 from None


@public_page
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    published = list(selectors.public_factsheets()[:50])
    latest = published[0] if published else None
    return render(
        request,
        "stats/public_dashboard.html",
        {
            "factsheets": published,
            "latest": factsheets.context(latest) if latest else None,
        },
    )


@public_page
@require_GET
def factsheet_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    factsheet = _public(pk)
    return render(
        request, "stats/factsheet_page.html", {**factsheets.context(factsheet), "public": True}
    )


def pdf_response(factsheet: Factsheet) -> HttpResponse:
    try:
        pdf = factsheets.factsheet_pdf(factsheet)
    except factsheets.PdfUnavailable:
        return HttpResponse("PDF unavailable", status=503, content_type="text/plain")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="factsheet-{factsheet.pk}.pdf"'
    return response


@public_page
@require_GET
def factsheet_pdf_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    return pdf_response(_public(pk))


@public_page
@require_GET
def factsheet_csv_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    header, rows = factsheets.csv_rows([_public(pk)])
    return cast(HttpResponse, csv_response(f"factsheet-{pk}.csv", header, rows))


@public_page
@require_GET
def series_csv_view(request: HttpRequest) -> HttpResponse:
    header, rows = factsheets.csv_rows(selectors.public_factsheets())
    return cast(HttpResponse, csv_response("ketenwacht-statistieken.csv", header, rows))
