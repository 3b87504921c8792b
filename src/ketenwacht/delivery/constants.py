"""Vocabularies of the delivery kernel: channels, statuses, attempt outcomes, headers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    EMAIL = "email", _("E-mail")


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead letter")


class Outcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    # The worker took the delivery but never reported back (killed, lease expired).
    LOST = "lost", _("Lost (worker did not report back)")


# Statuses the outbox drain looks at; for SENDING only once its lease has expired.
OPEN_STATUSES = (Status.PENDING, Status.SENDING)

IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMESTAMP_HEADER = "X-Ketenwacht-Timestamp"
SIGNATURE_HEADER = "X-Ketenwacht-Signature"
EVENT_HEADER = "X-Ketenwacht-Event"
USER_AGENT = "Ketenwacht-Delivery/1"

SECRET_PREFIX = "kwwh_"
MAX_BACKOFF_SECONDS = 6 * 60 * 60
MAX_ERROR_LENGTH = 500
DRAIN_BATCH_SIZE = 100
