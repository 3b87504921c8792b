"""Reads of alerts, always for an actor; the rules themselves live in ``partners.access``.

``alert_list`` turns ``access.alert_reach(actor)`` into a query; ``alert_get`` checks the single
alert with ``access.may_read_alert``. The access-matrix tests prove both agree for every
marking × role × membership.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from ketenwacht.alerts import pii
from ketenwacht.alerts.constants import AlertStatus
from ketenwacht.alerts.models import Alert, AlertIndicator, AlertVersion, Subscription
from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor, AlertReach
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.models import SharingGroup


def _not_found() -> NotFoundError:
    return NotFoundError("Melding niet gevonden. / Alert not found.", code="alert_not_found")


def _reach_filter(reach: AlertReach) -> Q:
    """``may_read_alert`` as a query (keep the two in step; the matrix test checks them)."""
    in_groups = Q(group_id__in=reach.group_ids)
    visible = in_groups & Q(marking__in=reach.markings - {Marking.RED})
    if Marking.RED in reach.markings and reach.named_user_id is not None:
        named = Q(
            pk__in=Alert.recipients.through.objects.filter(user_id=reach.named_user_id).values(
                "alert_id"
            )
        )
        visible |= (
            in_groups & Q(marking=Marking.RED) & (Q(created_by_id=reach.named_user_id) | named)
        )
    own_drafts_only = ~Q(status=AlertStatus.DRAFT) | Q(author_organisation_id=reach.organisation_id)
    return visible & own_drafts_only


def alert_list(
    *,
    actor: Actor,
    fraud_type: str = "",
    marking: str = "",
    status: str = "",
    search: str = "",
) -> QuerySet[Alert]:
    """Alerts the actor may read, newest first, optionally filtered."""
    reach = access.alert_reach(actor)
    alerts = Alert.objects.select_related("fraud_type", "group", "author_organisation")
    if not reach.everything:
        if reach.is_empty:
            return Alert.objects.none()
        alerts = alerts.filter(_reach_filter(reach))
    if fraud_type:
        alerts = alerts.filter(fraud_type_id=fraud_type)
    if marking in Marking.values:
        alerts = alerts.filter(marking=marking)
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    if search.strip():
        term = search.strip()[:100]
        alerts = alerts.filter(Q(title__icontains=term) | Q(summary__icontains=term))
    return alerts.order_by("-updated_at", "-id")


def _parse_uuid(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise _not_found() from None


def alert_get(*, actor: Actor, alert_id: uuid.UUID | str) -> Alert:
    """One alert the actor may read; the same 404 whether it does not exist or is not theirs."""
    alert = (
        Alert.objects.select_related("fraud_type", "group", "author_organisation", "created_by")
        .filter(uuid=_parse_uuid(alert_id))
        .first()
    )
    if alert is None or not access.may_read_alert(actor, alert.facts()):
        raise _not_found()
    return alert


def alert_may_write(*, actor: Actor, alert: Alert) -> bool:
    return access.may_write_alert(actor, alert.facts())


def alert_versions(*, actor: Actor, alert: Alert) -> QuerySet[AlertVersion]:
    """The author organisation sees every version; the group those since sharing."""
    if not access.may_read_alert(actor, alert.facts()):
        return AlertVersion.objects.none()
    versions = alert.versions.select_related("created_by").order_by("-number")
    own = actor.is_system or (
        actor.organisation is not None and actor.organisation.pk == alert.author_organisation_id
    )
    if own:
        return versions
    return versions.filter(number__gte=alert.first_shared_version or alert.version)


def alert_indicator_list(*, actor: Actor, alert: Alert) -> QuerySet[AlertIndicator]:
    if not access.may_read_alert(actor, alert.facts()):
        return AlertIndicator.objects.none()
    return alert.indicators.select_related("pseudonym").order_by("created_at", "pk")


def alert_may_reveal(*, actor: Actor, alert: Alert) -> bool:
    """Raw indicator values: roles the group's agreement in force names, in a member org."""
    from ketenwacht.partners.selectors import agreement_current

    if actor.user is None or not access.may_read_alert(actor, alert.facts()):
        return False
    try:
        agreement = agreement_current(group=alert.group)
    except NotFoundError:
        return False
    return access.may_see_raw_values(actor, agreement)


def alert_pii_findings(alert: Alert) -> list[pii.PiiFinding]:
    return pii.scan_fields({"title": alert.title, "summary": alert.summary, "body": alert.body})


def public_alert_list() -> QuerySet[Alert]:
    """Released public warnings: every member consented, TLP:CLEAR, not withdrawn."""
    return (
        Alert.objects.filter(
            is_public=True,
            status=AlertStatus.SHARED,
            marking__in=access.markings_allowing("public"),
        )
        .select_related("fraud_type")
        .order_by("-published_at", "-id")
    )


def public_alert_get(alert_id: uuid.UUID | str) -> Alert:
    alert = public_alert_list().filter(uuid=_parse_uuid(alert_id)).first()
    if alert is None or not access.may_show_alert_publicly(alert.facts()):
        raise _not_found()
    return alert


def groups_for_authoring(*, actor: Actor) -> QuerySet[SharingGroup]:
    """Groups the actor's organisation belongs to (where it may share)."""
    if actor.organisation is None:
        return SharingGroup.objects.none()
    return actor.organisation.sharing_groups.order_by("name")


def recipient_choices(*, groups: Iterable[int]) -> QuerySet[User]:
    """People who may be named on a TLP:RED alert: readers in an active member organisation."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation__sharing_groups__in=list(groups),
            memberships__organisation__is_active=True,
            memberships__role__in=list(access.PERMISSIONS["alerts.view"]),
        )
        .select_related()
        .distinct()
        .order_by("username")
    )


def subscription_list(*, actor: Actor) -> QuerySet[Subscription]:
    if actor.organisation is None or not access.can(actor, "alerts.subscriptions"):
        return Subscription.objects.none()
    return Subscription.objects.filter(organisation=actor.organisation).select_related("endpoint")


def alert_phase_counts(*, actor: Actor, fraud_type: str) -> Counter[str]:
    """How often each criminal-journey phase occurs in the shared alerts the actor may read.

    Registered with the knowledge space (barrier-model matrix, "seen" column) in
    ``AlertsConfig.ready``; drafts do not count, withdrawn alerts were seen and still do.
    """
    visible = alert_list(actor=actor, fraud_type=fraud_type).exclude(status=AlertStatus.DRAFT)
    return Counter(phase for phases in visible.values_list("phases", flat=True) for phase in phases)
