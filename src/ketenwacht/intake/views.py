"""Pages: the victim's wizard (one question per page, works without JavaScript), the plan
with consent per desk, the status page; the desk inbox and assisted intake in the portal."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ketenwacht.cases.selectors import cluster_feedback_for_intake
from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.intake import integration, security, selectors, services
from ketenwacht.intake.constants import (
    CONTACT_FIELDS,
    DESK_TRANSITIONS,
    FIELD_END,
    IDENTIFIER_ROLE_LABELS,
    MAX_IDENTIFIERS,
    STATUS_PAGE_RATE,
    VALIDATE_RATE,
    AgeBand,
    FraudChannel,
    HistoryEvent,
    IntakeField,
    PaymentMethod,
    QuestionKind,
    ReferralStatus,
    Urgency,
    VictimType,
)
from ketenwacht.intake.forms import (
    InformationForm,
    InformationRequestForm,
    PlanForm,
    StatusChangeForm,
    StatusEmailForm,
    answer_form,
    canonical_for_role,
    describe,
)
from ketenwacht.intake.models import Intake, Referral
from ketenwacht.intake.planning import Contact, build_plan, field_values, warm_desks
from ketenwacht.intake.questionnaire import Graph, Question, Walk
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access
from ketenwacht.partners.decorators import portal_permission, public_page

LINK_FAILURES = "intake-link-failures"
FAILURE_RATE = "10/minute"


def _address(request: HttpRequest) -> str:
    return access.client_address(request)


def _rate_limited(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "intake/rate_limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _intake_or_404(request: HttpRequest, reference: str, secret: str) -> Intake:
    """The intake of a link; wrong links count towards a per-address limit (guessing)."""
    try:
        return selectors.intake_by_link(reference, secret)
    except NotFoundError:
        security.rate_limited(LINK_FAILURES, _address(request), FAILURE_RATE, count_only=True)
        raise Http404 from None


def _link_guard(request: HttpRequest) -> HttpResponse | None:
    wait = security.over_limit(LINK_FAILURES, _address(request), FAILURE_RATE)
    if not wait:
        wait = security.rate_limited("intake-link", _address(request), STATUS_PAGE_RATE)
    return _rate_limited(request, wait) if wait else None


def _link_kwargs(intake: Intake, secret: str) -> dict[str, str]:
    return {"reference": intake.reference, "secret": secret}


def _resume_url(request: HttpRequest, intake: Intake, secret: str) -> str:
    return request.build_absolute_uri(reverse("intake:resume", kwargs=_link_kwargs(intake, secret)))


def _status_url(request: HttpRequest, intake: Intake, secret: str) -> str:
    return request.build_absolute_uri(reverse("intake:status", kwargs=_link_kwargs(intake, secret)))


def _go(name: str, intake: Intake, secret: str) -> HttpResponse:
    return redirect(reverse(name, kwargs=_link_kwargs(intake, secret)))


def _question_url(intake: Intake, secret: str, question_id: str) -> str:
    if question_id == FIELD_END:
        return reverse("intake:summary", kwargs=_link_kwargs(intake, secret))
    return reverse(
        "intake:question", kwargs={**_link_kwargs(intake, secret), "question_id": question_id}
    )


# ---------------------------------------------------------------------------------- start


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        actor = access.actor_from_request(request)
        try:
            intake, secret = services.intake_start(actor=actor, language=get_language() or "nl")
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("intake:start")
        graph = services.intake_graph(intake)
        return redirect(_question_url(intake, secret, graph.start))
    return render(request, "intake/start.html")


@portal_permission("intake.assisted")
@never_cache
@require_http_methods(["GET", "POST"])
def assisted_start_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    desk = services.assisting_desk(actor)
    if request.method == "POST":
        try:
            intake, secret = services.intake_start(
                actor=actor, language=get_language() or "nl", assisted=True
            )
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("intake:assisted")
        graph = services.intake_graph(intake)
        return redirect(_question_url(intake, secret, graph.start))
    return render(request, "intake/assisted_start.html", {"desk": desk})


@public_page
@never_cache
def resume_view(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """The link a victim keeps: back to where they were, or to the status page once sent."""
    refused = _link_guard(request)
    if refused:
        return refused
    intake = _intake_or_404(request, reference, secret)
    if intake.is_submitted:
        return _go("intake:status", intake, secret)
    walk = services.intake_walk(intake)
    return redirect(_question_url(intake, secret, walk.current))


# ------------------------------------------------------------------------------ questions


def _progress(graph: Graph, walk: Walk, question_id: str) -> dict[str, int]:
    position = walk.path.index(question_id) if question_id in walk.path else len(walk.path)
    remaining = graph.distance_to_end(question_id)
    total = position + remaining
    return {
        "number": position + 1,
        "total": total,
        "percent": round(100 * position / total) if total else 0,
    }


def _previous(graph: Graph, walk: Walk, question_id: str) -> str | None:
    if question_id in walk.path:
        index = walk.path.index(question_id)
        return walk.path[index - 1] if index > 0 else None
    return walk.path[-1] if walk.path else None


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def question_view(
    request: HttpRequest, reference: str, secret: str, question_id: str
) -> HttpResponse:
    refused = _link_guard(request)
    if refused:
        return refused
    intake = _intake_or_404(request, reference, secret)
    if intake.is_submitted:
        return _go("intake:status", intake, secret)
    graph = services.intake_graph(intake)
    answers = services.intake_answers(intake)
    walk = graph.walk(answers)
    if question_id not in graph.questions or (
        question_id not in walk.path and question_id != walk.current
    ):
        return redirect(_question_url(intake, secret, walk.current))
    question = graph.question(question_id)
    banks = list(selectors.banks()) if question.kind == QuestionKind.BANK else []
    stored = answers.get(question_id)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "next")
        rows = _requested_rows(request, question)
        form = answer_form(question, data=request.POST, stored=stored, banks=banks, rows=rows)
        if action == "more_rows" and question.kind == QuestionKind.IDENTIFIERS:
            form = answer_form(question, data=request.POST, banks=banks, rows=rows)
            form.errors.clear()  # only more rows asked for: nothing is checked yet
            return _render_question(request, intake, secret, graph, walk, question, form)
        if action == "skip" and not question.required:
            value: Any = [] if question.kind == QuestionKind.IDENTIFIERS else ""
            return _store_and_go(request, intake, secret, question, value)
        if form.is_valid():
            return _store_and_go(request, intake, secret, question, form.stored_value())
        status = 400
    else:
        form = answer_form(question, stored=stored, banks=banks)
    return _render_question(request, intake, secret, graph, walk, question, form, status=status)


def _requested_rows(request: HttpRequest, question: Question) -> int | None:
    if question.kind != QuestionKind.IDENTIFIERS:
        return None
    try:
        rows = int(request.POST.get("rows", "3"))
    except ValueError:
        rows = 3
    if request.POST.get("action") == "more_rows":
        rows += 2
    return min(max(rows, 1), MAX_IDENTIFIERS)


def _store_and_go(
    request: HttpRequest, intake: Intake, secret: str, question: Question, value: Any
) -> HttpResponse:
    try:
        services.intake_answer(intake=intake, question_id=question.id, value=value)
    except DomainError as error:
        messages.error(request, str(error.message))
        return _go("intake:resume", intake, secret)
    edge = question.edge_for(value)
    target = edge.next if edge is not None else FIELD_END
    return redirect(_question_url(intake, secret, target))


def _render_question(
    request: HttpRequest,
    intake: Intake,
    secret: str,
    graph: Graph,
    walk: Walk,
    question: Question,
    form: Any,
    *,
    status: int = 200,
) -> HttpResponse:
    previous = _previous(graph, walk, question.id)
    if question.kind not in (QuestionKind.CHOICE, QuestionKind.BANK):
        describe(form, help_id="q-help" if question.help else None)
    context = {
        "intake": intake,
        "question": question,
        "form": form,
        "progress": _progress(graph, walk, question.id),
        "back_url": _question_url(intake, secret, previous)
        if previous
        else reverse("intake:start"),
        "resume_url": _resume_url(request, intake, secret),
        "link": _link_kwargs(intake, secret),
        "is_first": previous is None,
        "validate_url": reverse("intake:check_identifier"),
    }
    return render(request, "intake/question.html", context, status=status)


# -------------------------------------------------------------------------- summary, plan


def _display_answer(question: Question, value: Any, bank_names: dict[str, str]) -> Any:
    if value in ("", None, []):
        return _("(skipped)")
    if question.kind == QuestionKind.CHOICE:
        option = question.option(str(value))
        return str(option.label) if option else value
    if question.kind == QuestionKind.AMOUNT:
        return (
            f"€ {formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)}"
        )
    if question.kind == QuestionKind.DATE:
        from datetime import date

        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
    if question.kind == QuestionKind.BANK:
        return bank_names.get(str(value), value)
    if question.kind == QuestionKind.IDENTIFIERS:
        return [
            f"{IDENTIFIER_ROLE_LABELS.get(item['role'], item['role'])}: {item['display']}"
            for item in value
        ]
    return value


def _summary_rows(
    intake: Intake, secret: str, graph: Graph, walk: Walk, answers: dict[str, Any]
) -> list[dict[str, Any]]:
    bank_names = {bank.slug: bank.name for bank in selectors.banks()}
    rows = []
    for question_id in walk.path:
        question = graph.question(question_id)
        value = _display_answer(question, answers.get(question_id), bank_names)
        rows.append(
            {
                "question": question,
                "value": value,
                "is_list": isinstance(value, list),
                "change_url": _question_url(intake, secret, question_id),
            }
        )
    return rows


@public_page
@never_cache
def summary_view(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    refused = _link_guard(request)
    if refused:
        return refused
    intake = _intake_or_404(request, reference, secret)
    if intake.is_submitted:
        return _go("intake:status", intake, secret)
    graph = services.intake_graph(intake)
    answers = services.intake_answers(intake)
    walk = graph.walk(answers)
    if not walk.finished:
        return redirect(_question_url(intake, secret, walk.current))
    context = {
        "intake": intake,
        "rows": _summary_rows(intake, secret, graph, walk, answers),
        "back_url": _question_url(intake, secret, walk.path[-1]),
        "plan_url": reverse("intake:plan", kwargs=_link_kwargs(intake, secret)),
        "resume_url": _resume_url(request, intake, secret),
    }
    return render(request, "intake/summary.html", context)


def _field_label(name: str) -> str:
    return str(IntakeField(name).label)


def _field_display(name: str, value: Any) -> str:
    """A payload value in words, for the consent list and the desk inbox."""
    labels: dict[str, Any] = {
        IntakeField.PAYMENT_METHOD: PaymentMethod,
        IntakeField.CHANNEL: FraudChannel,
        IntakeField.AGE_BAND: AgeBand,
        IntakeField.VICTIM_TYPE: VictimType,
        IntakeField.URGENCY: Urgency,
    }
    if name in labels and value in labels[name].values:
        return str(labels[name](value).label)
    if name == IntakeField.FRAUD_TYPES:
        names = {entry["code"]: entry for entry in fraud_type_catalogue()}
        english = (get_language() or "nl").startswith("en")
        return ", ".join(
            (names[code]["name_en"] if english else names[code]["name_nl"])
            if code in names
            else code
            for code in value
        )
    if name == IntakeField.AMOUNT and isinstance(value, dict):
        amount = Decimal(str(value.get("value", "0")))
        return f"€ {formats.number_format(amount, 2, use_l10n=True, force_grouping=True)}"
    if name == IntakeField.IDENTIFIERS:
        return "; ".join(
            f"{IDENTIFIER_ROLE_LABELS.get(item['role'], item['role'])}: {item['value']}"
            for item in value
        )
    if name == IntakeField.HAPPENED_ON and value:
        from datetime import date

        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
    if name == IntakeField.VICTIM_BANK:
        bank = selectors.desk_by_slug(str(value))
        return bank.name if bank else str(value)
    return str(value)


def _plan_context(intake: Intake, form: PlanForm, plan: list[Any]) -> dict[str, Any]:
    facts = services.intake_facts(intake)
    values = field_values(facts, None)
    steps = []
    for step in plan:
        fields = []
        if step.warm and step.desk is not None:
            for name in step.desk.field_policy:
                if name in CONTACT_FIELDS:
                    fields.append(
                        {"label": _field_label(name), "value": _("as you fill it in below")}
                    )
                elif name in values:
                    fields.append(
                        {"label": _field_label(name), "value": _field_display(name, values[name])}
                    )
        steps.append(
            {
                "step": step,
                "fields": fields,
                "consent": form[f"consent_{step.desk.slug}"] if step.warm and step.desk else None,
            }
        )
    graph = services.intake_graph(intake)
    outcome = graph.outcomes[facts.outcome]
    return {
        "intake": intake,
        "outcome": outcome,
        "urgent": facts.urgency == Urgency.URGENT,
        "steps": steps,
        "form": form,
        "has_warm": bool(form.desks),
        "has_identifiers": bool(facts.identifiers),
    }


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def plan_view(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """Advice (urgent first) and, per desk that takes warm referrals, consent to send it."""
    refused = _link_guard(request)
    if refused:
        return refused
    intake = _intake_or_404(request, reference, secret)
    if intake.is_submitted:
        return _go("intake:status", intake, secret)
    graph = services.intake_graph(intake)
    answers = services.intake_answers(intake)
    walk = graph.walk(answers)
    if not walk.finished:
        return redirect(_question_url(intake, secret, walk.current))
    facts = services.intake_facts(intake, answers)
    plan = build_plan(graph, facts, selectors.desks_for_plan())
    desks = warm_desks(plan)
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, desks=desks)
        if form.is_valid():
            submission = services.Submission(
                consented_desks=form.consented(),
                contact=Contact(
                    name=form.cleaned_data["contact_name"].strip(),
                    email=form.cleaned_data["contact_email"].strip(),
                    phone=form.cleaned_data["contact_phone"].strip(),
                ),
                sightings_consent=form.cleaned_data["sightings"],
            )
            try:
                services.intake_submit(
                    actor=access.actor_from_request(request), intake=intake, submission=submission
                )
            except DomainError as error:
                form.add_error(
                    error.field if error.field in form.fields else None, str(error.message)
                )
            else:
                messages.success(
                    request, _("Your report has been sent. Keep the link of this page.")
                )
                return _go("intake:status", intake, secret)
        status = 400
    else:
        form = PlanForm(desks=desks)
    context = _plan_context(intake, form, plan)
    context["back_url"] = reverse("intake:summary", kwargs=_link_kwargs(intake, secret))
    if intake.is_assisted:
        context["assisting_desk"] = next(
            (
                d
                for d in selectors.desks_for_plan()
                if d.organisation_id == intake.assisted_organisation_id
            ),
            None,
        )
    return render(request, "intake/plan.html", context, status=status)


# ---------------------------------------------------------------------------- status page


def _history_line(referral: Referral, event: Any) -> str:
    desk = referral.desk.name
    if event.event == HistoryEvent.INFO_REQUESTED:
        return _("%(desk)s asks you for more information:") % {"desk": desk}
    if event.event == HistoryEvent.INFO_ADDED:
        return _("You added information:")
    lines = {
        ReferralStatus.RECEIVED: _("%(desk)s has received your report."),
        ReferralStatus.IN_PROGRESS: _("%(desk)s is working on your report."),
        ReferralStatus.DONE: _("%(desk)s has finished handling your report."),
        ReferralStatus.REFERRED_ON: _(
            "%(desk)s has passed your report on to another organisation."
        ),
        ReferralStatus.WITHDRAWN: _(
            "You withdrew your consent. %(desk)s has been told and receives nothing more."
        ),
    }
    return str(lines.get(event.status_to, event.status_to)) % {"desk": desk}


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def status_view(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    refused = _link_guard(request)
    if refused:
        return refused
    intake = _intake_or_404(request, reference, secret)
    if not intake.is_submitted:
        return _go("intake:resume", intake, secret)
    info_form = InformationForm()
    email_form = StatusEmailForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "email_link":
            email_form = StatusEmailForm(request.POST)
            if email_form.is_valid():
                _send_status_link(request, intake, secret, email_form.cleaned_data["email"])
                messages.success(request, _("We have sent the link to your e-mail address."))
                return _go("intake:status", intake, secret)
        else:
            info_form = InformationForm(request.POST)
            if info_form.is_valid():
                try:
                    reached = services.intake_add_information(
                        actor=access.actor_from_request(request),
                        intake=intake,
                        text=info_form.cleaned_data["information"],
                    )
                except DomainError as error:
                    info_form.add_error("information", str(error.message))
                else:
                    messages.success(
                        request,
                        _("Your information has been added.")
                        if reached
                        else _("Your information has been saved."),
                    )
                    return _go("intake:status", intake, secret)
        status = 400
    referrals = selectors.intake_referrals(intake)
    graph = services.intake_graph(intake)
    items = []
    for referral in referrals:
        history = [
            {
                "event": event,
                "line": _history_line(referral, event),
                "message": services.event_message(event),
            }
            for event in referral.history.all()
        ]
        items.append({"referral": referral, "history": history})
    facts = services.intake_facts(intake)
    plan = build_plan(graph, facts, selectors.desks_for_plan())
    context = {
        "intake": intake,
        "outcome": graph.outcomes.get(intake.outcome),
        "items": items,
        "plan": plan,
        "urgent": intake.urgency == Urgency.URGENT,
        "info_form": info_form,
        "email_form": email_form,
        "link": _link_kwargs(intake, secret),
        "status_url": _status_url(request, intake, secret),
        "cases_feedback": cluster_feedback_for_intake(
            intake.pk, allowed=integration.victim_feedback_allowed()
        ),
    }
    return render(request, "intake/status.html", context, status=status)


def _send_status_link(request: HttpRequest, intake: Intake, secret: str, email: str) -> None:
    """Sent at once and not through the outbox: the link's secret is never stored."""
    body = _(
        "You reported fraud on Ketenwacht. Your reference is %(reference)s.\n\n"
        "With this link you can see what happens with your report, add information, or "
        "withdraw your consent:\n%(url)s\n\nKeep this e-mail safe: anyone with the link can "
        "see your report."
    ) % {"reference": intake.reference, "url": _status_url(request, intake, secret)}
    send_mail(
        _("Your report %(reference)s") % {"reference": intake.reference},
        body,
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    services.audit_link_emailed(intake)


@public_page
@require_POST
def withdraw_view(
    request: HttpRequest, reference: str, secret: str, referral_id: uuid.UUID
) -> HttpResponse:
    refused = _link_guard(request)
    if refused:
        return refused
    intake = _intake_or_404(request, reference, secret)
    try:
        referral = services.referral_withdraw(
            actor=access.actor_from_request(request), intake=intake, referral_id=referral_id
        )
    except NotFoundError:
        raise Http404 from None
    messages.success(
        request,
        _("You withdrew your consent for %(desk)s. Nothing more will be sent to them.")
        % {"desk": referral.desk.name},
    )
    return _go("intake:status", intake, secret)


# ------------------------------------------------------------------- live identifier check


@public_page
@require_POST
def check_identifier_view(request: HttpRequest) -> HttpResponse:
    """htmx: explain an identifier while it is typed. The form checks again on submit."""
    wait = security.rate_limited("intake-validate", _address(request), VALIDATE_RATE)
    if wait:
        return _rate_limited(request, wait)
    field = request.POST.get("field", "")
    index = field.removeprefix("value_")
    value = request.POST.get(field, "").strip() if field.startswith("value_") else ""
    role = request.POST.get(f"role_{index}", "other")
    context: dict[str, Any] = {"value": value}
    if value:
        try:
            canonical = canonical_for_role(value, role)
        except Exception as error:  # a ValidationError with the victim's message
            messages_list = getattr(error, "messages", [str(error)])
            context["error"] = messages_list[0]
        else:
            context["display"] = canonical.display
    return render(request, "intake/_identifier_check.html", context)


# ----------------------------------------------------------------------------- desk inbox


@portal_permission("intake.desk_inbox")
def inbox_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    status = request.GET.get("status", "")
    inbox = selectors.inbox_page(actor, status=status, page=request.GET.get("page", 1))
    filters = [("", _("All"))] + [(s.value, s.label) for s in ReferralStatus]
    context = {"inbox": inbox, "page": inbox.page, "filters": filters, "status": inbox.status}
    return render(request, "intake/inbox.html", context)


def _inbox_referral(request: HttpRequest, referral_id: uuid.UUID) -> Referral:
    try:
        return selectors.inbox_referral(access.actor_from_request(request), referral_id)
    except NotFoundError:
        raise Http404 from None


@portal_permission("intake.desk_inbox")
@require_http_methods(["GET", "POST"])
def inbox_detail_view(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    referral = _inbox_referral(request, referral_id)
    actor = access.actor_from_request(request)
    allowed = sorted(DESK_TRANSITIONS.get(referral.status, frozenset()))
    status_form = StatusChangeForm(allowed=allowed)
    request_form = InformationRequestForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.referral_status_change(
                    actor=actor, referral=referral, status=ReferralStatus.IN_PROGRESS
                )
                messages.success(request, _("You accepted the referral."))
                return redirect("intake:inbox_detail", referral_id=referral.pk)
            if action == "status":
                status_form = StatusChangeForm(request.POST, allowed=allowed)
                if status_form.is_valid():
                    services.referral_status_change(
                        actor=actor,
                        referral=referral,
                        status=status_form.cleaned_data["status"],
                        note=status_form.cleaned_data["note"],
                    )
                    messages.success(request, _("The status has been changed."))
                    return redirect("intake:inbox_detail", referral_id=referral.pk)
            elif action == "request_info":
                request_form = InformationRequestForm(request.POST)
                if request_form.is_valid():
                    services.referral_request_information(
                        actor=actor, referral=referral, message=request_form.cleaned_data["message"]
                    )
                    messages.success(request, _("Your question is shown on the victim's page."))
                    return redirect("intake:inbox_detail", referral_id=referral.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("intake:inbox_detail", referral_id=referral.pk)
        status = 400
    payload = services.referral_payload(referral)
    fields = [
        {"label": _field_label(name), "value": _field_display(name, value)}
        for name, value in (payload or {}).get("fields", {}).items()
    ]
    history = [
        {"event": event, "message": services.event_message(event)}
        for event in referral.history.all()
    ]
    context = {
        "referral": referral,
        "fields": fields,
        "history": history,
        "status_form": status_form,
        "request_form": request_form,
        "can_accept": referral.status == ReferralStatus.RECEIVED,
        "allowed": allowed,
    }
    return render(request, "intake/inbox_detail.html", context, status=status)
