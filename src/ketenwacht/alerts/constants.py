"""Vocabularies of alerts: states, criminal-journey phases, contact channels, events."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenwacht.knowledge.constants import PhaseCode
from ketenwacht.partners.constants import Marking

__all__ = [
    "DEFAULT_MARKING",
    "AlertStatus",
    "ContactChannel",
    "Event",
    "JourneyPhase",
    "Marking",
    "PiiKind",
    "ReleaseAction",
    "SubscriptionChannel",
]


class AlertStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHARED = "shared", _("Shared")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The criminal-journey phases are the knowledge app's vocabulary; alerts use the same codes so
# they can be counted per phase of any journey.
JourneyPhase = PhaseCode


class ContactChannel(models.TextChoices):
    """How the fraudster reaches or pays the victim."""

    PHONE_CALL = "phone_call", _("Phone call")
    SMS = "sms", _("Text message (SMS)")
    WHATSAPP = "whatsapp", _("WhatsApp or other messenger")
    EMAIL = "email", _("E-mail")
    SOCIAL_MEDIA = "social_media", _("Social media")
    MARKETPLACE = "marketplace", _("Marketplace")
    WEBSITE = "website", _("Website")
    DATING = "dating", _("Dating site or app")
    PAYMENT_REQUEST = "payment_request", _("Payment request (Tikkie and the like)")
    IN_PERSON = "in_person", _("In person (at the door)")
    POST = "post", _("Letter or parcel")
    OTHER = "other", _("Other")


class SubscriptionChannel(models.TextChoices):
    WEBHOOK = "webhook", _("Signed webhook (at once)")
    DIGEST = "digest", _("Daily e-mail digest")


class ReleaseAction(models.TextChoices):
    """What a release request about an alert may ask (every member organisation consents)."""

    PUBLISH = "publish", _("Publish as a public warning (becomes TLP:CLEAR)")
    DOWNGRADE = "downgrade", _("Lower the marking")


class Event(models.TextChoices):
    """Event types of webhooks and e-mails about alerts."""

    SHARED = "alert.shared", _("Alert shared")
    UPDATED = "alert.updated", _("Alert updated")
    WITHDRAWN = "alert.withdrawn", _("Alert withdrawn")
    QUICK_FLAG = "alert.quick_flag", _("Quick flag: new method")
    DIGEST = "alert.digest", _("Daily digest")


class PiiKind(models.TextChoices):
    """Personal data the prose scan looks for before an alert may be shared."""

    IBAN = "iban", _("IBAN")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    BSN = "bsn", _("Citizen service number (BSN)")


# A new alert is for the organisations in the group and their clients on a need-to-know basis.
DEFAULT_MARKING = Marking.AMBER

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 20_000
INDICATOR_NOTE_MAX = 200
WITHDRAW_REASON_MAX = 1000
# Webhooks and digests carry no indicator at all beyond this many (a digest is a pointer).
MAX_INDICATORS = 200
# An imported event (MISP) may name more: one bulk import of at most this many.
MAX_IMPORTED_INDICATORS = 10_000
