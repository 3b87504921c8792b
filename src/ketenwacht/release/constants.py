"""Vocabularies of release by consent: request states and decisions."""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OPEN = "open", _("Awaiting decisions")
    RELEASED = "released", _("Released")
    VETOED = "vetoed", _("Vetoed")
    EXPIRED = "expired", _("Deadline passed")
    CANCELLED = "cancelled", _("Cancelled")


# Once closed, a request never reopens: a new request starts a new round of consent.
CLOSED_STATUSES = (Status.RELEASED, Status.VETOED, Status.EXPIRED, Status.CANCELLED)


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    VETO = "veto", _("Veto")


DEFAULT_DEADLINE = timedelta(days=7)
MIN_DEADLINE = timedelta(hours=1)
MAX_DEADLINE = timedelta(days=30)
MAX_REASON_LENGTH = 2000
