"""Portal pages: the partner dashboard, figure uploads, factsheet drafts and spikes."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission
from ketenwacht.stats import factsheets, selectors, services
from ketenwacht.stats.constants import FactsheetStatus
from ketenwacht.stats.figures import SCHEMA
from ketenwacht.stats.forms import FactsheetForm, ReleaseForm, SpikeForm, UploadForm
from ketenwacht.stats.models import Factsheet
from ketenwacht.stats.public_views import pdf_response


def _form_error(form: Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _factsheet(request: HttpRequest, pk: UUID) -> Factsheet:
    try:
        return selectors.factsheet_get(actor=access.actor_from_request(request), factsheet_id=pk)
    except NotFoundError:
        raise Http404 from None


@portal_permission("stats.view")
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    today = timezone.localdate()
    start = date(today.year - 1, today.month, 1)
    rows = selectors.partner_dashboard(actor=actor, start=start, end=today)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/dashboard.html",
        {
            "page": page,
            "rows": page.object_list,
            "may_submit": services.may_submit_figures(actor),
            "may_manage": access.can(actor, "stats.manage"),
        },
    )


@portal_permission("stats.submit")
@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    bound = request.method == "POST"
    form = UploadForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.figures_submit_csv(
                actor=actor,
                data=upload.read(),
                filename=str(upload.name),
                replace=form.cleaned_data["replace"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            assert result.submission is not None
            return redirect("stats:submission", pk=result.submission.pk)
    return render(
        request,
        "stats/upload.html",
        {
            "form": form,
            "schema": SCHEMA,
            "submissions": selectors.own_submissions(actor=actor)[:20],
        },
    )


@portal_permission("stats.submit")
@require_GET
def submission_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    try:
        submission = selectors.submission_get(
            actor=access.actor_from_request(request), submission_id=pk
        )
    except NotFoundError:
        raise Http404 from None
    return render(request, "stats/submission.html", {"submission": submission})


@portal_permission("stats.view")
@require_GET
def factsheet_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    page = Paginator(selectors.factsheet_list(actor=actor), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/factsheets.html",
        {
            "page": page,
            "factsheets": page.object_list,
            "form": FactsheetForm(),
            "may_manage": access.can(actor, "stats.manage"),
        },
    )


@portal_permission("stats.manage")
@require_http_methods(["GET", "POST"])
def factsheet_new_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    bound = request.method == "POST"
    form = FactsheetForm(request.POST if bound else None)
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            factsheet = services.factsheet_create(
                actor=actor,
                period_kind=data["period_kind"],
                year=data["year"],
                number=data["number"] or 1,
                fraud_form=data["fraud_form"] or "",
                advice=data["advice"] or "",
                noise_epsilon=data["noise_epsilon"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Draft computed."))
            return redirect("stats:factsheet", pk=factsheet.pk)
    return render(request, "stats/factsheet_new.html", {"form": form})


@portal_permission("stats.view")
@require_GET
def factsheet_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = access.actor_from_request(request)
    factsheet = _factsheet(request, pk)
    return render(
        request,
        "stats/factsheet_page.html",
        {
            **factsheets.context(factsheet),
            "public": False,
            "may_manage": access.can(actor, "stats.manage"),
            "release_form": ReleaseForm(),
            "is_draft": factsheet.status == FactsheetStatus.DRAFT,
        },
    )


@portal_permission("stats.view")
@require_GET
def factsheet_pdf_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    return pdf_response(_factsheet(request, pk))


@portal_permission("stats.manage")
@require_POST
def factsheet_release_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = access.actor_from_request(request)
    factsheet = _factsheet(request, pk)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.factsheet_request_release(
                actor=actor, factsheet=factsheet, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The partners have been asked for consent."))
    else:
        messages.error(request, _("Give a reason."))
    return redirect("stats:factsheet", pk=factsheet.pk)


@portal_permission("stats.manage")
@require_POST
def factsheet_withdraw_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = access.actor_from_request(request)
    factsheet = _factsheet(request, pk)
    try:
        services.factsheet_withdraw(actor=actor, factsheet=factsheet)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The factsheet was withdrawn."))
    return redirect("stats:factsheet", pk=factsheet.pk)


@portal_permission("stats.manage")
@require_http_methods(["GET", "POST"])
def spikes_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    bound = request.method == "POST"
    form = SpikeForm(request.POST if bound else None)
    if bound and form.is_valid():
        found = services.spikes_detect(actor=actor, week=form.cleaned_data["week"])
        text = ngettext("%(count)d new spike found.", "%(count)d new spikes found.", len(found))
        messages.success(request, text % {"count": len(found)})
        return redirect("stats:spikes")
    page = Paginator(selectors.spike_list(), 50).get_page(request.GET.get("page"))
    return render(
        request, "stats/spikes.html", {"form": form, "page": page, "spikes": page.object_list}
    )
