"""Portal pages of alerts: list, detail, draft and edit with the personal-data scan, share,
withdraw, quick flag, indicators, versions, release requests and subscriptions."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ketenwacht.alerts import selectors, services
from ketenwacht.alerts.forms import (
    AlertFilterForm,
    AlertForm,
    IndicatorForm,
    PiiResolveForm,
    QuickFlagForm,
    ReleaseRequestForm,
    RevealForm,
    SubscriptionForm,
    WithdrawForm,
)
from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.rendering import render_markdown
from ketenwacht.delivery.models import WebhookEndpoint
from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.decorators import portal_permission
from ketenwacht.release import selectors as release_selectors
from ketenwacht.release.services import deadline_in

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> Actor:
    return access.actor_from_request(request)


def _alert(request: HttpRequest, alert_id: uuid.UUID) -> Alert:
    try:
        return selectors.alert_get(actor=_actor(request), alert_id=alert_id)
    except NotFoundError:
        raise Http404 from None


def _fail(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, str(error.message))


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


# ------------------------------------------------------------------------------ lists


@portal_permission("alerts.view")
def list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = AlertFilterForm(request.GET or None)
    criteria: dict[str, str] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        criteria = {
            "search": data["q"] or "",
            "fraud_type": data["fraud_type"].code if data["fraud_type"] else "",
            "marking": data["marking"] or "",
            "status": data["status"] or "",
        }
    alerts = selectors.alert_list(actor=actor, **criteria)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "may_write": access.can(actor, "alerts.write"),
    }
    return render(request, "alerts/list.html", context)


@portal_permission("alerts.view")
def versions_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    alert = _alert(request, alert_id)
    versions = selectors.alert_versions(actor=_actor(request), alert=alert)
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/versions.html", {"alert": alert, "page": page})


# ----------------------------------------------------------------------------- detail


@portal_permission("alerts.view")
@never_cache
def detail_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    alert = _alert(request, alert_id)
    services.alert_record_disclosure(actor=actor, alert=alert, route="page")
    may_write = selectors.alert_may_write(actor=actor, alert=alert)
    releases = release_selectors.release_requests_for(target=alert)
    context = {
        "alert": alert,
        "body_html": render_markdown(alert.body),
        "indicators": selectors.alert_indicator_list(actor=actor, alert=alert),
        "may_write": may_write,
        "may_reveal": selectors.alert_may_reveal(actor=actor, alert=alert),
        "findings": selectors.alert_pii_findings(alert) if may_write else [],
        "recipients": alert.recipients.all() if alert.marking == Marking.RED else [],
        "releases": releases[:10],
        "withdraw_form": WithdrawForm(),
        "reveal_form": RevealForm(),
        "revealed": None,
    }
    return render(request, "alerts/detail.html", context)


# ------------------------------------------------------------------------- authoring


def _alert_form(
    actor: Actor,
    data: Any = None,
    *,
    initial: dict[str, Any] | None = None,
    alert: Alert | None = None,
) -> AlertForm:
    groups = selectors.groups_for_authoring(actor=actor)
    group_ids = [alert.group_id] if alert is not None else list(groups.values_list("pk", flat=True))
    return AlertForm(
        data,
        initial=initial,
        groups=groups,
        recipients=selectors.recipient_choices(groups=group_ids),
        group_fixed=alert is not None and not alert.is_draft,
    )


def _service_fields(form: AlertForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "summary": data["summary"],
        "body": data["body"],
        "fraud_type": data["fraud_type"].code if data["fraud_type"] else None,
        "phases": data["phases"],
        "channels": data["channels"],
        "marking": data["marking"],
        "recipients": [user.pk for user in data["recipients"]],
    }


@portal_permission("alerts.write")
@require_http_methods(["GET", "POST"])
def create_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = _alert_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.alert_create(
                actor=actor, group=form.cleaned_data["group"], **_service_fields(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The draft has been saved. Check it before you share it."))
            return redirect("alerts:edit", alert_id=alert.uuid)
    return render(request, "alerts/form.html", {"form": form, "alert": None})


def _initial(alert: Alert) -> dict[str, Any]:
    return {
        "group": alert.group_id,
        "title": alert.title,
        "summary": alert.summary,
        "body": alert.body,
        "fraud_type": alert.fraud_type_id,
        "phases": alert.phases,
        "channels": alert.channels,
        "marking": alert.marking,
        "recipients": list(alert.recipients.values_list("pk", flat=True)),
    }


def _edit_context(actor: Actor, alert: Alert, form: AlertForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "alert": alert,
        "findings": selectors.alert_pii_findings(alert),
        "indicators": selectors.alert_indicator_list(actor=actor, alert=alert),
        "indicator_form": extra.pop("indicator_form", None) or IndicatorForm(),
        **extra,
    }


@portal_permission("alerts.write")
@require_http_methods(["GET", "POST"])
def edit_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    alert = _alert(request, alert_id)
    if not selectors.alert_may_write(actor=actor, alert=alert) or alert.is_withdrawn:
        raise Http404
    form = _alert_form(actor, request.POST or None, initial=_initial(alert), alert=alert)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fields = _service_fields(form)
            group = form.cleaned_data["group"] if alert.is_draft else None
            try:
                alert = services.alert_update(actor=actor, alert=alert, group=group, **fields)
            except DomainError as error:
                _form_error(form, error)
                status = 400
            else:
                messages.success(request, _("Saved as version %(n)d.") % {"n": alert.version})
                return redirect("alerts:edit", alert_id=alert.uuid)
        else:
            status = 400
    return render(request, "alerts/form.html", _edit_context(actor, alert, form), status=status)


@portal_permission("alerts.write")
@require_POST
def pii_resolve_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    alert = _alert(request, alert_id)
    form = PiiResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the finding."))
    else:
        try:
            services.alert_pii_resolve(
                actor=_actor(request),
                alert=alert,
                field=form.cleaned_data["field"],
                text=form.cleaned_data["text"],
                action=form.cleaned_data["action"],
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(
                request, _("Resolved everywhere in the alert and its earlier versions.")
            )
    return redirect("alerts:edit", alert_id=alert.uuid)


@portal_permission("alerts.write")
@require_POST
def indicator_add_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    alert = _alert(request, alert_id)
    form = IndicatorForm(request.POST)
    if form.is_valid():
        try:
            services.alert_indicator_add(
                actor=actor,
                alert=alert,
                value=form.cleaned_data["value"],
                kind=form.cleaned_data["kind"] or None,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The indicator has been added as a pseudonym."))
            return redirect("alerts:edit", alert_id=alert.uuid)
    if not selectors.alert_may_write(actor=actor, alert=alert):
        raise Http404
    edit_form = _alert_form(actor, initial=_initial(alert), alert=alert)
    context = _edit_context(actor, alert, edit_form, indicator_form=form)
    return render(request, "alerts/form.html", context, status=400)


@portal_permission("alerts.write")
@require_POST
def indicator_remove_view(
    request: HttpRequest, alert_id: uuid.UUID, indicator_id: int
) -> HttpResponse:
    alert = _alert(request, alert_id)
    try:
        services.alert_indicator_remove(
            actor=_actor(request), alert=alert, indicator_id=indicator_id
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, _("The indicator has been removed."))
    return redirect("alerts:edit", alert_id=alert.uuid)


@portal_permission("alerts.view")
@never_cache
@require_POST
def indicator_reveal_view(
    request: HttpRequest, alert_id: uuid.UUID, indicator_id: int
) -> HttpResponse:
    actor = _actor(request)
    alert = _alert(request, alert_id)
    indicator = (
        selectors.alert_indicator_list(actor=actor, alert=alert).filter(pk=indicator_id).first()
    )
    if indicator is None:
        raise Http404
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason of at least five characters."))
        return redirect("alerts:detail", alert_id=alert.uuid)
    try:
        revealed = services.alert_raw_value_reveal(
            actor=actor, indicator=indicator, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        _fail(request, error)
        return redirect("alerts:detail", alert_id=alert.uuid)
    context = {"alert": alert, "indicator": indicator, "revealed": revealed}
    return render(request, "alerts/revealed.html", context)


@portal_permission("alerts.write")
@require_POST
def share_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    alert = _alert(request, alert_id)
    try:
        services.alert_share(actor=_actor(request), alert=alert)
    except DomainError as error:
        _fail(request, error)
        return redirect("alerts:edit", alert_id=alert.uuid)
    messages.success(request, _("The alert has been shared with the group."))
    return redirect("alerts:detail", alert_id=alert.uuid)


@portal_permission("alerts.write")
@require_POST
def withdraw_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    alert = _alert(request, alert_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for withdrawing."))
        return redirect("alerts:detail", alert_id=alert.uuid)
    try:
        services.alert_withdraw(
            actor=_actor(request), alert=alert, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, _("The alert has been withdrawn."))
    return redirect("alerts:detail", alert_id=alert.uuid)


@portal_permission("alerts.write")
@require_http_methods(["GET", "POST"])
def quick_flag_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = QuickFlagForm(request.POST or None, groups=selectors.groups_for_authoring(actor=actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alert = services.alert_quick_flag(
                actor=actor,
                group=data["group"],
                title=data["title"],
                summary=data["summary"],
                fraud_type=data["fraud_type"].code if data["fraud_type"] else None,
                marking=data["marking"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The group has been told. Add the details when you can."))
            return redirect("alerts:detail", alert_id=alert.uuid)
    return render(request, "alerts/quick_flag.html", {"form": form})


@portal_permission("alerts.write")
@require_http_methods(["GET", "POST"])
def release_view(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    alert = _alert(request, alert_id)
    if not selectors.alert_may_write(actor=actor, alert=alert):
        raise Http404
    form = ReleaseRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = services.alert_release_request(
                actor=actor,
                alert=alert,
                action=data["action"],
                reason=data["reason"],
                marking=data["marking"] or None,
                deadline=deadline_in(data["days"]),
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Every member organisation has been asked."))
            return redirect("release:detail", pk=release.pk)
    return render(request, "alerts/release.html", {"alert": alert, "form": form})


# ---------------------------------------------------------------------- subscriptions


def _endpoints(actor: Actor) -> Any:
    if actor.organisation is None:
        return WebhookEndpoint.objects.none()
    # Endpoints are managed by the organisation's admin (delivery); any subscriber may pick one.
    return WebhookEndpoint.objects.filter(organisation=actor.organisation, is_active=True)


@portal_permission("alerts.subscriptions")
@require_http_methods(["GET", "POST"])
def subscriptions_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = SubscriptionForm(request.POST or None, endpoints=_endpoints(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.subscription_create(
                actor=actor,
                name=data["name"],
                channel=data["channel"],
                endpoint=data["endpoint"],
                email=data["email"] or "",
                fraud_types=[fraud_type.code for fraud_type in data["fraud_types"]],
                markings=data["markings"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The subscription has been created."))
            return redirect("alerts:subscriptions")
    subscriptions = selectors.subscription_list(actor=actor)
    page = Paginator(subscriptions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/subscriptions.html", {"form": form, "page": page})


@portal_permission("alerts.subscriptions")
@require_POST
def subscription_deactivate_view(request: HttpRequest, subscription_id: int) -> HttpResponse:
    actor = _actor(request)
    subscription = selectors.subscription_list(actor=actor).filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404
    services.subscription_deactivate(actor=actor, subscription=subscription)
    messages.success(request, _("The subscription has been stopped."))
    return redirect("alerts:subscriptions")
