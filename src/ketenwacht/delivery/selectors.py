"""Reads of the delivery kernel, filtered for the actor."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils import timezone

from ketenwacht.delivery.constants import DRAIN_BATCH_SIZE, OPEN_STATUSES, Status
from ketenwacht.delivery.models import Delivery, DeliveryAttempt, WebhookEndpoint
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor


def delivery_list(*, actor: Actor, status: str = "") -> QuerySet[Delivery]:
    """The programme team sees every delivery; others their own organisation's."""
    if not access.can(actor, "delivery.view_all"):
        return Delivery.objects.none()
    deliveries = Delivery.objects.select_related("endpoint", "organisation").order_by(
        "-created_at", "pk"
    )
    if not access.can(actor, "organisation.manage_all"):
        if actor.organisation is None:
            return Delivery.objects.none()
        deliveries = deliveries.filter(organisation=actor.organisation)
    if status in Status.values:
        deliveries = deliveries.filter(status=status)
    return deliveries


def delivery_history(*, actor: Actor, delivery: Delivery) -> QuerySet[DeliveryAttempt]:
    if not delivery_list(actor=actor).filter(pk=delivery.pk).exists():
        return DeliveryAttempt.objects.none()
    return delivery.history.order_by("number")


def delivery_due_ids(limit: int = DRAIN_BATCH_SIZE) -> list[uuid.UUID]:
    """Open deliveries whose next attempt (or lease end) has come, oldest first."""
    return list(
        Delivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_endpoint_list(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    if not access.can(actor, "webhooks.manage"):
        return WebhookEndpoint.objects.none()
    if actor.is_system:
        return WebhookEndpoint.objects.all()
    if actor.organisation is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(organisation=actor.organisation)
