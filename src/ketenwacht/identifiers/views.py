"""Pages of the identifiers app.

Public: "Controleer voordat je betaalt" (level and advice only, rate-limited) and the dispute
form of listed parties. Portal: the check (one value or a pasted list), the organisation's
sightings (filters, pages, CSV export), CSV uploads (preview, progress, error report) and the
programme team's disputes queue (propose, a second person approves).

Views are thin: validate the form, call one service or selector, render.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.identifiers import disputes, files, selectors, services, uploads
from ketenwacht.identifiers.canonical import CanonicalError
from ketenwacht.identifiers.constants import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_MAX_FILES,
    SIGHTINGS_PAGE_SIZE,
    UNDER_REVIEW,
    UPLOAD_ACTIVE_STATUSES,
    UPLOAD_ERRORS_SHOWN,
    UPLOAD_REFRESH_SECONDS,
    DisputeStatus,
    Level,
    UploadStatus,
)
from ketenwacht.identifiers.forms import (
    KIND_LABELS,
    CheckListForm,
    CheckOneForm,
    DisputeForm,
    DisputeNoteForm,
    DisputeProposeForm,
    PublicCheckForm,
    SightingFilterForm,
    UploadForm,
)
from ketenwacht.identifiers.ingest import ItemError
from ketenwacht.identifiers.models import Dispute, SightingUpload
from ketenwacht.identifiers.services import CheckResult
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission, public_page
from ketenwacht.web.csv import csv_response

# What the public page calls each level, and how loudly it shows it.
LEVEL_TITLES: dict[str, Any] = {
    Level.NONE: gettext_lazy("No reports known"),
    Level.ATTENTION: gettext_lazy("Be careful: this has been reported"),
    Level.WARNING: gettext_lazy("Warning: reported as fraud"),
    Level.HIGH: gettext_lazy("High risk: very likely fraud"),
    UNDER_REVIEW: gettext_lazy("Under review"),
}
LEVEL_STYLES = {
    Level.NONE: "info",
    Level.ATTENTION: "warning",
    Level.WARNING: "error",
    Level.HIGH: "error",
    UNDER_REVIEW: "info",
}
PORTAL_LEVEL_NAMES: dict[str, Any] = {
    Level.NONE: gettext_lazy("none"),
    Level.ATTENTION: gettext_lazy("attention"),
    Level.WARNING: gettext_lazy("warning"),
    Level.HIGH: gettext_lazy("high"),
}
# A request larger than the evidence files allowed plus the form fields is refused unread.
DISPUTE_MAX_REQUEST_BYTES = EVIDENCE_MAX_FILES * EVIDENCE_MAX_BYTES + 1024 * 1024


# --- helpers ----------------------------------------------------------------------------------


def _english() -> bool:
    return (get_language() or "nl").startswith("en")


def in_language(message: str) -> str:
    """One half of a bilingual "Nederlands / English" message, for the page's language."""
    if " / " not in message:
        return message
    dutch, english = message.split(" / ", 1)
    return english if _english() else dutch


def _message_of(error: DomainError) -> str:
    if isinstance(error, CanonicalError) and error.message_nl and error.message_en:
        return error.message_en if _english() else error.message_nl
    return in_language(str(error.message))


def _form_error(form: Form, error: DomainError) -> None:
    field = error.field or error.details.get("field")
    if field is None and isinstance(error, CanonicalError):
        field = "value"  # input that is no identifier: say so at the value itself
    form.add_error(field if field in form.fields else None, _message_of(error))


def _pick(bilingual: dict[str, str]) -> str:
    return bilingual.get("en" if _english() else "nl") or bilingual.get("nl", "")


def _actor(request: HttpRequest) -> access.Actor:
    return access.actor_from_request(request)


def _rate_limited(request: HttpRequest, retry_after: int, template: str) -> HttpResponse:
    response = render(request, template, {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _fraud_type_names() -> dict[str, str]:
    english = _english()
    return {
        entry["code"]: entry["name_en"] if english else entry["name_nl"]
        for entry in fraud_type_catalogue()
    }


# --- public: check before you pay ---------------------------------------------------------------


@public_page
@require_http_methods(["GET", "POST"])
def public_check_view(request: HttpRequest) -> HttpResponse:
    """POST keeps the checked value out of URLs, browser history and access logs."""
    bound = request.method == "POST"
    form = PublicCheckForm(request.POST if bound else None)
    result: dict[str, Any] | None = None
    if bound and form.is_valid():
        try:
            answer = services.public_check(
                actor=_actor(request),
                value=form.cleaned_data["value"],
                kind=form.cleaned_data.get("kind") or None,
            )
        except services.RateLimited as limited:
            return _rate_limited(
                request, limited.retry_after, "identifiers/public_rate_limited.html"
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            result = {
                "level": answer.level,
                "title": LEVEL_TITLES[answer.level],
                "style": LEVEL_STYLES[answer.level],
                "advice": _pick(answer.advice),
            }
    status = 400 if bound and form.errors else 200
    return render(
        request, "identifiers/public_check.html", {"form": form, "result": result}, status=status
    )


# --- public: disputes -----------------------------------------------------------------------


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@public_page
@csrf_exempt  # CSRF is checked by ``_dispute_form``, after the size guard is in place
def dispute_view(request: HttpRequest) -> HttpResponse:
    """Files are cut off while they arrive once they pass the limit (``EvidenceSizeGuard``);
    a request far larger than any allowed form is refused without being read."""
    if request.method == "POST":
        if _content_length(request) > DISPUTE_MAX_REQUEST_BYTES:
            return render(request, "identifiers/dispute_too_large.html", status=413)
        request.upload_handlers.insert(0, files.EvidenceSizeGuard(request))
    return _dispute_form(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _dispute_form(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = DisputeForm(request.POST if bound else None, request.FILES if bound else None)
    too_large: list[str] = getattr(request, "evidence_too_large", [])
    if bound and form.is_valid() and not too_large:
        try:
            dispute = disputes.dispute_submit(
                actor=_actor(request),
                value=form.cleaned_data["value"],
                kind=form.cleaned_data.get("kind") or None,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                statement=form.cleaned_data["statement"],
                evidence=form.cleaned_data["evidence"],
            )
        except services.RateLimited as limited:
            return _rate_limited(
                request, limited.retry_after, "identifiers/public_rate_limited.html"
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return render(request, "identifiers/dispute_received.html", {"dispute": dispute})
    for name in too_large:
        form.add_error("evidence", _message_of(files.too_large_error(name)))
    status = 400 if bound and form.errors else 200
    return render(request, "identifiers/dispute.html", {"form": form}, status=status)


# --- portal: check --------------------------------------------------------------------------


def _result_row(number: int, value: str, outcome: CheckResult | ItemError) -> dict[str, Any]:
    if isinstance(outcome, ItemError):
        return {"number": number, "value": value, "ok": False, "error": in_language(outcome.detail)}
    score = outcome.score
    names = _fraud_type_names()
    return {
        "number": number,
        "value": value,
        "ok": True,
        "display": outcome.canonical.display,
        "kind": KIND_LABELS.get(outcome.canonical.kind, outcome.canonical.kind),
        "level": score.level,
        "level_name": PORTAL_LEVEL_NAMES[score.level],
        "organisations": score.organisations,
        "sightings": score.sightings,
        "fraud_types": [names.get(code, code) for code in score.fraud_types],
        "last_seen": score.last_seen,
        "open_disputes": score.open_disputes,
        "reported_by_you": score.reported_by_actor,
        "allowlisted": score.allowlisted.owner_name if score.allowlisted else "",
        "explanation": _pick(outcome.explanation),
    }


def _check_one(actor: access.Actor, form: CheckOneForm) -> list[dict[str, Any]] | None:
    value = form.cleaned_data["value"]
    try:
        result = services.check_one(
            actor=actor, value=value, kind=form.cleaned_data.get("kind") or None
        )
    except DomainError as error:
        _form_error(form, error)
        return None
    return [_result_row(1, value, result)]


def _check_list(actor: access.Actor, form: CheckListForm) -> list[dict[str, Any]] | None:
    values: list[str] = form.cleaned_data["values"]
    kind = form.cleaned_data.get("kind") or None
    items = [{"value": value, **({"kind": kind} if kind else {})} for value in values]
    try:
        outcomes = services.check_many(actor=actor, items=items)
    except DomainError as error:
        _form_error(form, error)
        return None
    return [
        _result_row(index + 1, value, outcome)
        for index, (value, outcome) in enumerate(zip(values, outcomes, strict=True))
    ]


@portal_permission("identifiers.check")
@require_http_methods(["GET", "POST"])
def check_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    action = request.POST.get("action", "")
    one_form = CheckOneForm(request.POST if action == "one" else None, prefix="one")
    list_form = CheckListForm(request.POST if action == "list" else None, prefix="list")
    rows = None
    if action == "one" and one_form.is_valid():
        rows = _check_one(actor, one_form)
    elif action == "list" and list_form.is_valid():
        rows = _check_list(actor, list_form)
    summary: dict[str, int] = {}
    for row in rows or []:
        key = row["level"] if row["ok"] else "error"
        summary[key] = summary.get(key, 0) + 1
    context = {
        "one_form": one_form,
        "list_form": list_form,
        "rows": rows,
        "failed": summary.pop("error", 0),
        "summary": [(PORTAL_LEVEL_NAMES[level], count) for level, count in summary.items()],
    }
    invalid = (action == "one" and one_form.errors) or (action == "list" and list_form.errors)
    return render(request, "identifiers/check.html", context, status=400 if invalid else 200)


# --- portal: our sightings --------------------------------------------------------------------


def _filters(form: SightingFilterForm) -> selectors.SightingFilters | None:
    """The filters of a valid form; ``None`` when the form has errors."""
    if not form.is_bound:
        return selectors.SightingFilters()
    if not form.is_valid():
        return None
    data = form.cleaned_data
    return selectors.SightingFilters(
        kind=data.get("kind") or None,
        fraud_type=data.get("fraud_type") or None,
        confidence=data.get("confidence") or None,
        observed_from=data.get("observed_from"),
        observed_to=data.get("observed_to"),
    )


@portal_permission("identifiers.record")
def sightings_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = SightingFilterForm(request.GET or None)
    filters = _filters(form)
    query = selectors.sighting_search(actor=actor, filters=filters or selectors.SightingFilters())
    page = Paginator(query, SIGHTINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    names = _fraud_type_names()
    page.object_list = list(page.object_list)
    for sighting in page.object_list:
        sighting.fraud_type_name = names.get(sighting.fraud_type, sighting.fraud_type)  # type: ignore[attr-defined]
    context = {"form": form, "page": page}
    return render(request, "identifiers/sightings.html", context, status=200 if filters else 400)


SIGHTING_CSV_HEADER = (
    "id",
    "kind",
    "display_hint",
    "role",
    "fraud_type",
    "confidence",
    "source",
    "observed_at",
    "expires_at",
    "sharing_group",
    "batch_id",
)


@portal_permission("identifiers.record")
def sightings_csv_view(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV; every cell is neutralised against formula injection."""
    actor = _actor(request)
    form = SightingFilterForm(request.GET or None)
    filters = _filters(form)
    if filters is None:
        context = {"form": form, "page": None}
        return render(request, "identifiers/sightings.html", context, status=400)
    query = selectors.sighting_search(actor=actor, filters=filters)
    audit_record(
        actor=actor,
        action="sightings.export",
        object_type="organisation",
        object_id=actor.organisation.pk if actor.organisation else "",
        details={"filters": {k: str(v) for k, v in vars(filters).items() if v}},
    )
    rows = (
        (
            sighting.pk,
            sighting.kind,
            sighting.pseudonym.display_hint,
            sighting.role,
            sighting.fraud_type,
            sighting.confidence,
            sighting.source,
            sighting.observed_at.isoformat(),
            sighting.expires_at.isoformat(),
            sighting.sharing_group.slug,
            sighting.batch_id or "",
        )
        for sighting in query.iterator(chunk_size=2000)
    )
    # The page decorators name HttpResponse; Django serves a streaming response all the same.
    return cast(HttpResponse, csv_response("sightings.csv", SIGHTING_CSV_HEADER, rows))


# --- portal: uploads --------------------------------------------------------------------------


@portal_permission("identifiers.record")
@require_http_methods(["GET", "POST"])
def upload_new_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    bound = request.method == "POST"
    form = UploadForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and form.is_valid():
        try:
            upload = uploads.upload_create(
                actor=actor, file=form.cleaned_data["file"], atomic=form.cleaned_data["atomic"]
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return redirect("identifiers:upload", upload_uuid=upload.uuid)
    context = {"form": form, "uploads": selectors.upload_list(actor=actor)[:20]}
    return render(
        request, "identifiers/upload_new.html", context, status=400 if form.errors else 200
    )


def _upload(request: HttpRequest, upload_uuid: uuid.UUID) -> SightingUpload:
    try:
        return selectors.upload_get(actor=_actor(request), upload_uuid=upload_uuid)
    except NotFoundError:
        raise Http404 from None


def _upload_action(request: HttpRequest, upload: SightingUpload) -> HttpResponse:
    actor = _actor(request)
    action = request.POST.get("action", "")
    try:
        if action == "confirm":
            uploads.upload_start(actor=actor, upload=upload)
        elif action == "cancel":
            uploads.upload_cancel(actor=actor, upload=upload)
            messages.success(request, _("The upload was cancelled; nothing was recorded."))
            return redirect("identifiers:upload_new")
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, _message_of(error))
    return redirect("identifiers:upload", upload_uuid=upload.uuid)


@portal_permission("identifiers.record")
@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest, upload_uuid: uuid.UUID) -> HttpResponse:
    """Preview and confirm; then progress (reloading itself) and the outcome with errors."""
    upload = _upload(request, upload_uuid)
    if request.method == "POST":
        return _upload_action(request, upload)
    actor = _actor(request)
    preview = []
    if upload.status == UploadStatus.UPLOADED:
        with_content = selectors.upload_get(actor=actor, upload_uuid=upload.uuid, with_content=True)
        preview = uploads.upload_preview(with_content)
    running = upload.status in UPLOAD_ACTIVE_STATUSES
    refreshing = running and request.GET.get("refresh") != "off"
    errors = selectors.upload_errors(actor=actor, upload=upload)
    context = {
        "upload": upload,
        "preview": preview,
        "columns": upload.columns,
        "running": running,
        "refreshing": refreshing,
        "refresh_seconds": UPLOAD_REFRESH_SECONDS,
        "errors": [
            {"row_number": e.row_number, "field": e.field, "detail": in_language(e.detail)}
            for e in errors[:UPLOAD_ERRORS_SHOWN]
        ],
        "error_count": upload.failed,
        "errors_shown": UPLOAD_ERRORS_SHOWN,
    }
    response = render(request, "identifiers/upload.html", context)
    if refreshing:
        # The HTTP form of <meta http-equiv="refresh">: no JavaScript needed. The page offers
        # a link that stops it (WCAG 2.2.1), so it is a header the user can switch off.
        response["Refresh"] = str(UPLOAD_REFRESH_SECONDS)
    return response


@portal_permission("identifiers.record")
def upload_errors_csv_view(request: HttpRequest, upload_uuid: uuid.UUID) -> HttpResponse:
    upload = _upload(request, upload_uuid)
    errors = selectors.upload_errors(actor=_actor(request), upload=upload)
    rows = (
        (error.row_number, error.code, error.field, error.detail)
        for error in errors.iterator(chunk_size=2000)
    )
    header = ("row", "code", "field", "detail")
    return cast(HttpResponse, csv_response(f"upload-{upload.uuid}-errors.csv", header, rows))


# --- portal: disputes (programme team) --------------------------------------------------------

DISPUTE_FILTERS = ("open", "upheld", "rejected", "withdrawn", "all")


@portal_permission("identifiers.disputes_review")
def disputes_view(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("status", "open")
    if show not in DISPUTE_FILTERS:
        show = "open"
    rows = selectors.dispute_list(actor=_actor(request), status=None if show == "all" else show)
    page = Paginator(rows, SIGHTINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = [
        (value, DisputeStatus(value).label if value != "all" else _("All"))
        for value in DISPUTE_FILTERS
    ]
    return render(
        request, "identifiers/disputes.html", {"page": page, "show": show, "filters": filters}
    )


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    try:
        return selectors.dispute_get(actor=_actor(request), pk=pk)
    except NotFoundError:
        raise Http404 from None


def _decide(
    actor: access.Actor,
    dispute: Dispute,
    action: str,
    propose_form: DisputeProposeForm,
    note_form: DisputeNoteForm,
) -> Form | None:
    """Run the action; returns the form that holds an error, or ``None`` when it succeeded."""
    form: Form = propose_form if action == "propose" else note_form
    if not form.is_valid():
        return form
    try:
        if action == "propose":
            disputes.dispute_propose(actor=actor, dispute=dispute, **propose_form.cleaned_data)
        elif action == "approve":
            disputes.dispute_approve(
                actor=actor, dispute=dispute, note=note_form.cleaned_data["note"]
            )
        elif action == "return":
            disputes.dispute_return(
                actor=actor, dispute=dispute, note=note_form.cleaned_data["note"]
            )
        elif action == "withdraw":
            disputes.dispute_withdraw(
                actor=actor, dispute=dispute, note=note_form.cleaned_data["note"]
            )
        else:
            raise Http404
    except DomainError as error:
        _form_error(form, error)
        return form
    return None


DECIDED_MESSAGES = {
    "propose": gettext_lazy(
        "Decision proposed. A second member of the programme team must approve it."
    ),
    "approve": gettext_lazy("Decision approved. The disputer is told by e-mail."),
    "return": gettext_lazy("The proposal was sent back."),
    "withdraw": gettext_lazy("The dispute is recorded as withdrawn."),
}


@portal_permission("identifiers.disputes_review")
@require_http_methods(["GET", "POST"])
def dispute_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    dispute = _dispute(request, pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    propose_form = DisputeProposeForm(request.POST if action == "propose" else None)
    note_form = DisputeNoteForm(
        request.POST if action in ("approve", "return", "withdraw") else None, prefix="decide"
    )
    failed = None
    if action:
        failed = _decide(actor, dispute, action, propose_form, note_form)
        if failed is None:
            messages.success(request, DECIDED_MESSAGES[action])
            return redirect("identifiers:dispute", pk=dispute.pk)
    user_id = actor.user.pk if actor.user is not None else None
    context = {
        "dispute": dispute,
        "history": selectors.dispute_history(actor=actor, dispute=dispute),
        "listing": selectors.dispute_open_sightings(actor=actor, dispute=dispute),
        "evidence": list(dispute.evidence.all()),
        "propose_form": propose_form,
        "note_form": note_form,
        "is_proposer": dispute.proposed_by_id is not None and dispute.proposed_by_id == user_id,
        "kind_label": KIND_LABELS.get(dispute.kind, dispute.kind),
    }
    return render(
        request, "identifiers/dispute_review.html", context, status=400 if failed else 200
    )


@portal_permission("identifiers.disputes_review")
def dispute_evidence_view(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """Always a download, never shown in the browser: attachment, octet-stream, sandboxed."""
    actor = _actor(request)
    dispute = _dispute(request, pk)
    try:
        evidence = selectors.dispute_evidence_get(actor=actor, dispute=dispute, pk=evidence_pk)
        handle = disputes.dispute_evidence_open(actor=actor, evidence=evidence)
    except (NotFoundError, FileNotFoundError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)
