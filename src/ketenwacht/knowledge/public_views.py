"""Public pages of the knowledge space: TLP:CLEAR items only.

What the partnership has made public — criminal journeys, the barriers that are CLEAR, the
library's public documents and the annual report. No gap analysis here: which phases lack a
barrier is exactly what fraudsters should not learn.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketenwacht.knowledge import selectors
from ketenwacht.knowledge.views import _found, annual_report_response, document_file_response
from ketenwacht.partners.access import Actor
from ketenwacht.partners.decorators import public_page

# The public pages are the same for everyone, logged in or not: read as nobody.
PUBLIC = Actor()


@public_page
def index_view(request: HttpRequest) -> HttpResponse:
    context = {
        "journeys": selectors.journey_list(actor=PUBLIC, route="public"),
        "years": selectors.action_plan_years(),
    }
    return render(request, "knowledge/public/index.html", context)


@public_page
def journey_view(request: HttpRequest, code: str) -> HttpResponse:
    journey = _found(selectors.journey_get, actor=PUBLIC, fraud_type=code, route="public")
    barriers = list(selectors.barrier_list(actor=PUBLIC, route="public", fraud_type=code))
    phases = [
        (phase, [barrier for barrier in barriers if barrier.phase_id == phase.pk])
        for phase in journey.phases.all()
    ]
    return render(request, "knowledge/public/journey.html", {"journey": journey, "phases": phases})


@public_page
def library_view(request: HttpRequest) -> HttpResponse:
    documents = selectors.document_list(actor=PUBLIC, route="public")
    return render(request, "knowledge/public/library.html", {"documents": documents})


@public_page
def document_download_view(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    document = _found(selectors.document_get, actor=PUBLIC, document_id=document_id, route="public")
    return document_file_response(document)


@public_page
def annual_report_view(request: HttpRequest, year: int) -> HttpResponse:
    return annual_report_response(request, actor=PUBLIC, year=year, route="public", pdf=False)


@public_page
def annual_report_pdf_view(request: HttpRequest, year: int) -> HttpResponse:
    return annual_report_response(request, actor=PUBLIC, year=year, route="public", pdf=True)
