"""The outbox: webhook endpoints, deliveries and the history of their attempts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.delivery.constants import Channel, Outcome, Status


class WebhookEndpoint(models.Model):
    """Where an organisation receives webhooks.

    The signing secret is not stored: it is derived from the platform's webhook key and
    ``secret_salt`` (see ``signing.endpoint_secret``), so a database copy alone cannot forge
    signatures. It is shown once, when the endpoint is created.
    """

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret_salt = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name}"


class Delivery(models.Model):
    """One message to the outside world, written in the same transaction as its cause.

    ``status`` is the current state; every attempt is a ``DeliveryAttempt`` row. While a
    worker holds the delivery (``sending``), ``next_attempt_at`` is the end of its lease:
    after that the outbox drain takes it again and resends with the same idempotency key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    organisation = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The receiving organisation, if any; it may see this delivery."),
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    email_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=200, blank=True)
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["organisation", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(channel=Channel.WEBHOOK, endpoint__isnull=False)
                    | (
                        models.Q(channel=Channel.EMAIL, endpoint__isnull=True)
                        & ~models.Q(email_to="")
                    )
                ),
                name="delivery_channel_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.target_label} ({self.status})"

    @property
    def target_label(self) -> str:
        """Who receives it, without the URL (which may carry a receiver's token)."""
        if self.channel == Channel.EMAIL:
            return self.email_to
        return str(self.endpoint) if self.endpoint is not None else ""


class DeliveryAttempt(models.Model):
    """One try to deliver, written once when its outcome is known. Never edited."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="history")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="delivery_attempt_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.outcome}"
