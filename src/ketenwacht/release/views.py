"""The consent inbox: requests to release beyond a sharing group, and the decision form."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission
from ketenwacht.release import selectors, services
from ketenwacht.release.constants import Status
from ketenwacht.release.forms import CancelForm, DecisionForm
from ketenwacht.release.models import ReleaseRequest

PAGE_SIZE = 25


def _visible(request: HttpRequest, pk: int) -> ReleaseRequest:
    try:
        return selectors.release_request_get(actor=access.actor_from_request(request), pk=pk)
    except NotFoundError:
        raise Http404 from None


@portal_permission("release.decide")
def inbox_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    status = request.GET.get("status", "")
    awaiting = selectors.release_inbox(actor=actor)
    requests = selectors.release_request_list(actor=actor, status=status)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "awaiting": awaiting[:PAGE_SIZE],
        "awaiting_count": awaiting.count(),
        "page": page,
        "status": status if status in Status.values else "",
        "statuses": Status.choices,
    }
    return render(request, "release/inbox.html", context)


def _detail_context(
    request: HttpRequest,
    release: ReleaseRequest,
    form: DecisionForm | None = None,
    cancel_form: CancelForm | None = None,
) -> dict[str, object]:
    actor = access.actor_from_request(request)
    may_cancel = (
        release.is_open
        and actor.organisation is not None
        and release.requested_by_organisation_id == actor.organisation.pk
    )
    return {
        "release": release,
        "parties": selectors.release_party_states(request=release),
        "history": release.history.all(),
        "target_url": selectors.release_handler_url(actor=actor, request=release),
        "may_decide": selectors.release_may_decide(actor=actor, request=release),
        "form": form or DecisionForm(),
        "may_cancel": may_cancel,
        "cancel_form": cancel_form or CancelForm(),
    }


@portal_permission("release.decide")
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    release = _visible(request, pk)
    return render(request, "release/detail.html", _detail_context(request, release))


@portal_permission("release.decide")
@require_POST
def decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    release = _visible(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.release_decide(
                actor=access.actor_from_request(request),
                request=release,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("Your organisation's decision has been recorded."))
            return redirect("release:detail", pk=release.pk)
    release.refresh_from_db()
    context = _detail_context(request, release, form=form)
    return render(request, "release/detail.html", context, status=400)


@portal_permission("release.decide")
@require_POST
def cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    release = _visible(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.release_cancel(
                actor=access.actor_from_request(request),
                request=release,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The request has been cancelled."))
            return redirect("release:detail", pk=release.pk)
    context = _detail_context(request, release, cancel_form=form)
    return render(request, "release/detail.html", context, status=400)
