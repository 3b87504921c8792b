"""Alerts leaving the platform: signed webhooks, quick-flag e-mails and daily digests.

Everything goes through the delivery outbox, in the caller's transaction. Who may receive is
decided by ``partners.access``: the organisation must be a member of the alert's group
(``may_forward_alert``) and the marking must allow the route (``marking_allows``): TLP:RED
never leaves by webhook or e-mail; TLP:AMBER+STRICT goes to an organisation's own webhook
but never by e-mail (a mailbox may be a list). Each forwarding writes an audit row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ketenwacht.alerts.constants import AlertStatus, Event, SubscriptionChannel
from ketenwacht.alerts.models import Alert, Subscription
from ketenwacht.audit.services import audit_record
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.models import Delivery
from ketenwacht.delivery.services import delivery_enqueue
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.models import Organisation
from ketenwacht.release.notifications import has_valid_email

DIGEST_PERIOD = timedelta(hours=24)
# A beat run a little early still counts as a day (runs are hourly).
DIGEST_TOLERANCE = timedelta(minutes=30)


def absolute_url(path: str) -> str:
    return str(settings.KETENWACHT["PUBLIC_BASE_URL"]).rstrip("/") + path


def portal_url(alert: Alert) -> str:
    return absolute_url(reverse("alerts:detail", args=[alert.uuid]))


def alert_payload(alert: Alert) -> dict[str, Any]:
    """What a webhook carries: the alert without raw identifier values."""
    return {
        "id": str(alert.uuid),
        "version": alert.version,
        "status": alert.status,
        "quick_flag": alert.is_quick_flag,
        "title": alert.title,
        "summary": alert.summary,
        "body_markdown": alert.body,
        "fraud_type": alert.fraud_type_id,
        "phases": list(alert.phases),
        "channels": list(alert.channels),
        "marking": alert.marking,
        "tlp": f"TLP:{alert.marking}",
        "group": {"id": alert.group_id, "name": alert.group.name},
        "author_organisation": {
            "id": alert.author_organisation_id,
            "name": alert.author_organisation.name,
        },
        "indicators": [
            {
                "kind": indicator.kind,
                "pseudonym": indicator.pseudonym.reference,
                "display_hint": indicator.display_hint,
                "note": indicator.note,
            }
            for indicator in alert.indicators.select_related("pseudonym")
        ],
        "shared_at": alert.shared_at.isoformat() if alert.shared_at else None,
        "updated_at": alert.updated_at.isoformat(),
        "withdrawn_reason": alert.withdrawn_reason if alert.is_withdrawn else "",
        "url": portal_url(alert),
    }


def _member_group_ids(organisation: Organisation) -> frozenset[int]:
    return frozenset(organisation.sharing_groups.values_list("pk", flat=True))


def webhook_subscriptions_for(alert: Alert, *, event: str) -> list[Subscription]:
    """Webhook subscriptions that may and want to receive this alert."""
    facts = alert.facts()
    candidates = Subscription.objects.filter(
        is_active=True,
        channel=SubscriptionChannel.WEBHOOK,
        endpoint__is_active=True,
        organisation__is_active=True,
        organisation__sharing_groups=alert.group_id,
    ).select_related("endpoint", "organisation")
    chosen = []
    for subscription in candidates:
        member_of = _member_group_ids(subscription.organisation)
        if not access.may_forward_alert(member_of, facts, route="webhook"):
            continue
        if _wants(subscription, alert, event=event):
            chosen.append(subscription)
    return chosen


def _wants(subscription: Subscription, alert: Alert, *, event: str) -> bool:
    """The subscription's filters. A quick flag ignores the fraud-type filter: the type is
    often not known yet, and the point is to warn at once."""
    if event == Event.QUICK_FLAG:
        return not subscription.markings or alert.marking in subscription.markings
    return subscription.wants(fraud_type_code=alert.fraud_type_id, marking=alert.marking)


def notify_subscribers(*, actor: Actor, alert: Alert, event: str) -> list[Delivery]:
    """Queue a signed webhook per subscription that may and wants to receive ``alert``."""
    if alert.is_draft:
        return []
    subscriptions = webhook_subscriptions_for(alert, event=event)
    if not subscriptions:
        return []
    payload = alert_payload(alert)
    deliveries = []
    for subscription in subscriptions:
        assert subscription.endpoint is not None
        deliveries.append(
            delivery_enqueue(
                actor=actor,
                channel=Channel.WEBHOOK,
                event_type=event,
                payload=payload,
                endpoint=subscription.endpoint,
                organisation=subscription.organisation,
                idempotency_key=f"alert-{alert.uuid}-v{alert.version}-{event}-s{subscription.pk}",
            )
        )
    audit_record(
        actor=actor,
        action="alert.forward",
        object_type="alert",
        object_id=alert.uuid,
        details={
            "event": event,
            "route": "webhook",
            "marking": alert.marking,
            "organisations": sorted({s.organisation_id for s in subscriptions}),
            "subscriptions": [s.pk for s in subscriptions],
        },
    )
    return deliveries


def people_to_flag(alert: Alert) -> QuerySet[User]:
    """Who hears of a quick flag by e-mail: RED the named people; otherwise everyone who may
    read alerts in an active member organisation of the group."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if alert.marking == Marking.RED:
        return users.filter(pk__in=alert.named_people()).order_by("pk")
    return (
        users.filter(
            memberships__organisation__sharing_groups=alert.group_id,
            memberships__organisation__is_active=True,
            memberships__role__in=list(access.PERMISSIONS["alerts.view"]),
        )
        .distinct()
        .order_by("pk")
    )


def _organisation_of(user: User) -> Organisation | None:
    membership = user.memberships.select_related("organisation").first()
    return membership.organisation if membership is not None else None


def _quick_flag_mail(alert: Alert) -> tuple[str, str]:
    """Subject and text. Content only where the marking allows e-mail; else just a link."""
    if access.marking_allows(alert.marking, "email"):
        subject = _("Ketenwacht quick flag [TLP:%(marking)s]: %(title)s") % {
            "marking": alert.marking,
            "title": alert.title,
        }
        body = _(
            "A member of your sharing group was just hit by a new method. Details follow.\n\n"
            "%(title)s\n%(summary)s\n\nRead it in the portal: %(link)s\n"
        ) % {"title": alert.title, "summary": alert.summary, "link": portal_url(alert)}
    else:
        subject = _("Ketenwacht quick flag [TLP:%(marking)s]") % {"marking": alert.marking}
        body = _(
            "A member of your sharing group was just hit by a new method. Its marking does "
            "not allow e-mail; read it in the portal: %(link)s\n"
        ) % {"link": portal_url(alert)}
    return subject.replace("\n", " ").replace("\r", " ")[:200], body


def notify_people_of_quick_flag(*, actor: Actor, alert: Alert) -> list[Delivery]:
    subject, body = _quick_flag_mail(alert)
    deliveries = []
    recipients = [user for user in people_to_flag(alert) if has_valid_email(user)]
    for user in recipients:
        deliveries.append(
            delivery_enqueue(
                actor=actor,
                channel=Channel.EMAIL,
                event_type=Event.QUICK_FLAG,
                payload={"body": body, "alert": str(alert.uuid)},
                email_to=user.email,
                subject=subject,
                organisation=_organisation_of(user),
                idempotency_key=f"alert-{alert.uuid}-quickflag-u{user.pk}",
            )
        )
    if recipients:
        audit_record(
            actor=actor,
            action="alert.forward",
            object_type="alert",
            object_id=alert.uuid,
            details={
                "event": Event.QUICK_FLAG,
                "route": "email",
                "marking": alert.marking,
                "content": access.marking_allows(alert.marking, "email"),
                "users": [user.pk for user in recipients],
            },
        )
    return deliveries


# ---------------------------------------------------------------------------- digests


@dataclass(frozen=True)
class DigestContent:
    included: list[Alert]
    withheld: int  # readable in the portal, but their marking does not allow e-mail


def digest_content(
    subscription: Subscription, *, since: datetime, until: datetime
) -> DigestContent:
    """Alerts shared or updated in (since, until] for the subscription's organisation."""
    organisation = subscription.organisation
    member_of = _member_group_ids(organisation)
    candidates = (
        Alert.objects.filter(
            status=AlertStatus.SHARED,
            group_id__in=member_of,
            updated_at__gt=since,
            updated_at__lte=until,
        )
        .select_related("fraud_type")
        .order_by("updated_at", "pk")
    )
    included: list[Alert] = []
    withheld = 0
    for alert in candidates:
        if not subscription.wants(fraud_type_code=alert.fraud_type_id, marking=alert.marking):
            continue
        facts = alert.facts()
        if access.may_forward_alert(member_of, facts, route="email"):
            included.append(alert)
        elif alert.marking != Marking.RED:
            # Its existence may be told (staff can read it in the portal), its content not.
            # RED is for named people only: not even its existence goes to a mailbox.
            withheld += 1
    return DigestContent(included=included, withheld=withheld)


def digest_text(content: DigestContent, *, until: datetime) -> str:
    lines = [
        _("New and updated alerts of your sharing groups until %(until)s.")
        % {"until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")},
        "",
    ]
    for alert in content.included:
        fraud_type = alert.fraud_type.name if alert.fraud_type else _("fraud type not known yet")
        lines += [
            f"[TLP:{alert.marking}] {alert.title} ({fraud_type})",
            alert.summary,
            portal_url(alert),
            "",
        ]
    if content.withheld:
        lines.append(
            _(
                "%(count)d further alert(s) have a marking that does not allow e-mail; read them "
                "in the portal: %(link)s"
            )
            % {
                "count": content.withheld,
                "link": absolute_url(reverse("alerts:list")),
            }
        )
    return "\n".join(lines)


def digest_send(*, subscription: Subscription, now: datetime) -> Delivery | None:
    """Send one subscription's digest for the period since its last one (or a day)."""
    since = subscription.last_digest_at or now - DIGEST_PERIOD
    content = digest_content(subscription, since=since, until=now)
    delivery = None
    if content.included or content.withheld:
        subject = _("Ketenwacht: %(count)d alert(s) in your daily digest") % {
            "count": len(content.included) + content.withheld
        }
        delivery = delivery_enqueue(
            actor=access.SYSTEM,
            channel=Channel.EMAIL,
            event_type=Event.DIGEST,
            payload={
                "body": digest_text(content, until=now),
                "alerts": [str(alert.uuid) for alert in content.included],
            },
            email_to=subscription.email,
            subject=subject,
            organisation=subscription.organisation,
            idempotency_key=f"alert-digest-s{subscription.pk}-{now:%Y%m%dT%H%M}",
        )
        audit_record(
            actor=access.SYSTEM,
            action="alert.digest",
            object_type="alert_subscription",
            object_id=subscription.pk,
            details={
                "organisation": subscription.organisation_id,
                "alerts": [str(alert.uuid) for alert in content.included],
                "withheld": content.withheld,
            },
        )
    subscription.last_digest_at = now
    subscription.save(update_fields=["last_digest_at"])
    return delivery


def digests_due(now: datetime) -> Iterable[Subscription]:
    cutoff = now - DIGEST_PERIOD + DIGEST_TOLERANCE
    return (
        Subscription.objects.filter(
            is_active=True,
            channel=SubscriptionChannel.DIGEST,
            organisation__is_active=True,
        )
        .exclude(last_digest_at__gt=cutoff)
        .select_related("organisation")
        .order_by("pk")
    )
