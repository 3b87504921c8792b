"""Pages: the public submit form, status page, warning page and appeal form; the analysts'
queue, host and block pages with the four-eyes decision, and the appeal review."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission, public_page
from ketenwacht.shield import selectors, services
from ketenwacht.shield.constants import BlockStatus, Channel, HostState
from ketenwacht.shield.forms import (
    AppealDecisionForm,
    AppealForm,
    NoteForm,
    ProposeForm,
    RenewForm,
    SubmitForm,
)
from ketenwacht.shield.hosts import analyse_host
from ketenwacht.shield.models import Block


def _form_error(form: Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


# ---------------------------------------------------------------------------------------------
# Public pages
# ---------------------------------------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def submit_view(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = SubmitForm(request.POST if bound else None, request.FILES if bound else None)
    if request.method == "POST" and form.is_valid():
        actor = access.actor_from_request(request)
        upload = form.cleaned_data.get("message_file")
        try:
            if upload is not None:
                report = services.report_receive(
                    actor=actor,
                    channel=Channel.UPLOAD,
                    raw=upload.read(),
                    filename=str(upload.name),
                    reporter_email=form.cleaned_data.get("email") or "",
                )
            else:
                report = services.report_receive(
                    actor=actor,
                    channel=Channel.WEB,
                    text=form.cleaned_data["text"],
                    reporter_email=form.cleaned_data.get("email") or "",
                )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Thank you. We have received the message."))
            return redirect("shield:status", reference=report.reference)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "shield/submit.html", {"form": form}, status=status)


@public_page
def status_view(request: HttpRequest, reference: uuid.UUID) -> HttpResponse:
    try:
        report = selectors.report_by_reference(reference)
    except NotFoundError:
        raise Http404 from None
    return render(request, "shield/status.html", {"report": report})


@public_page
def warning_view(request: HttpRequest) -> HttpResponse:
    """Where blocked names land. The page names the site when the request tells us which."""
    requested = request.GET.get("domain", "")
    facts = analyse_host(requested) if requested else None
    context = {"domain": facts.display if facts else ""}
    return render(request, "shield/warning.html", context)


@public_page
@require_http_methods(["GET", "POST"])
def appeal_view(request: HttpRequest) -> HttpResponse:
    initial = {"domain": request.GET.get("domain", "")[:253]}
    form = AppealForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_submit(
                actor=access.actor_from_request(request), **form.cleaned_data
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return render(request, "shield/appeal_received.html", {"appeal": appeal})
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "shield/appeal.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------------------------
# Portal: triage and decisions
# ---------------------------------------------------------------------------------------------


@portal_permission("shield.triage")
def queue_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    show = request.GET.get("state", "open")
    states = {
        "open": (HostState.NEW, HostState.PROPOSED),
        "blocked": (HostState.BLOCKED,),
        "dismissed": (HostState.DISMISSED, HostState.ALLOWLISTED),
    }.get(show, (HostState.NEW, HostState.PROPOSED))
    hosts = selectors.triage_queue(actor=actor, states=states)[:200]
    return render(request, "shield/queue.html", {"hosts": hosts, "show": show})


@portal_permission("shield.triage")
@require_http_methods(["GET", "POST"])
def host_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.actor_from_request(request)
    try:
        host = selectors.host_get(actor=actor, pk=pk)
    except NotFoundError:
        raise Http404 from None
    action = request.POST.get("action")
    propose_form = ProposeForm(request.POST if action == "propose" else None)
    dismiss_form = NoteForm(request.POST if action == "dismiss" else None, prefix="dismiss")
    if action == "propose" and propose_form.is_valid():
        try:
            block = services.block_propose(
                actor=actor, host=host, name="", **propose_form.cleaned_data
            )
        except DomainError as error:
            _form_error(propose_form, error)
        else:
            messages.success(request, _("Block proposed. A second analyst must approve it."))
            return redirect("shield:block", pk=block.pk)
    elif action == "dismiss" and dismiss_form.is_valid():
        try:
            services.host_dismiss(actor=actor, host=host, note=dismiss_form.cleaned_data["note"])
        except DomainError as error:
            _form_error(dismiss_form, error)
        else:
            messages.success(request, _("Host dismissed."))
            return redirect("shield:queue")
    context = {
        "host": host,
        "urls": selectors.host_urls(actor=actor, host=host)[:100],
        "reports": selectors.host_reports(actor=actor, host=host),
        "blocks": host.blocks.all()[:20],
        "propose_form": propose_form,
        "dismiss_form": dismiss_form,
        "can_decide": host.state in (HostState.NEW, HostState.DISMISSED),
    }
    status = 400 if action and (propose_form.errors or dismiss_form.errors) else 200
    return render(request, "shield/host.html", context, status=status)


@portal_permission("shield.triage")
def block_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    status = request.GET.get("status") or BlockStatus.PROPOSED
    if status not in BlockStatus.values:
        status = BlockStatus.PROPOSED
    blocks = selectors.block_list(actor=actor, status=status)[:200]
    return render(
        request,
        "shield/blocks.html",
        {"blocks": blocks, "status": status, "statuses": BlockStatus.choices},
    )


@portal_permission("shield.triage")
@require_http_methods(["GET", "POST"])
def block_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.actor_from_request(request)
    try:
        block = selectors.block_get(actor=actor, pk=pk)
    except NotFoundError:
        raise Http404 from None
    action = request.POST.get("action", "")
    note_form = NoteForm(request.POST if action in ("approve", "reject", "lift") else None)
    renew_form = RenewForm(request.POST if action == "renew" else None, prefix="renew")
    if action and (note_form if action != "renew" else renew_form).is_valid():
        try:
            _decide(actor, block, action, note_form, renew_form)
        except DomainError as error:
            _form_error(renew_form if action == "renew" else note_form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("shield:block", pk=block.pk)
    context = {
        "block": block,
        "history": selectors.block_history(actor=actor, block=block),
        "note_form": note_form,
        "renew_form": renew_form,
        "is_proposer": actor.user is not None and actor.user.pk == block.proposed_by_id,
    }
    status = 400 if action and (note_form.errors or renew_form.errors) else 200
    return render(request, "shield/block.html", context, status=status)


def _decide(
    actor: access.Actor, block: Block, action: str, note_form: NoteForm, renew_form: RenewForm
) -> None:
    note = note_form.cleaned_data.get("note", "") if note_form.is_bound else ""
    if action == "approve":
        services.block_approve(actor=actor, block=block, note=note)
    elif action == "reject":
        services.block_reject(actor=actor, block=block, note=note)
    elif action == "lift":
        services.block_lift(actor=actor, block=block, note=note)
    elif action == "renew":
        services.block_renew(actor=actor, block=block, days=renew_form.cleaned_data["days"])
    else:
        raise Http404


@portal_permission("shield.appeals")
def appeal_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    show = request.GET.get("status", "open")
    appeals = selectors.appeal_list(actor=actor, status=None if show == "all" else "open")[:200]
    return render(request, "shield/appeals.html", {"appeals": appeals, "show": show})


@portal_permission("shield.appeals")
@require_http_methods(["GET", "POST"])
def appeal_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.actor_from_request(request)
    try:
        appeal = selectors.appeal_get(actor=actor, pk=pk)
    except NotFoundError:
        raise Http404 from None
    form = AppealDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_decide(
                actor=actor,
                appeal=appeal,
                uphold=form.cleaned_data["outcome"] == "uphold",
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Decision saved; the owner has been told."))
            return redirect("shield:appeals")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "shield/appeal_review.html", {"appeal": appeal, "form": form}, status=status
    )
