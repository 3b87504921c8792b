"""Vocabularies of the identifiers domain: roles of an identifier, confidence, sources, levels.

Kinds are defined by ``identifiers.canonical.KINDS`` (and mirrored in
``partners.constants.IDENTIFIER_KINDS``, which agreements use).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ketenwacht.identifiers.canonical import KINDS

# Batches (sightings and checks) take at most this many items per request.
MAX_BATCH_ITEMS = 10_000

# On PostgreSQL, batches from this size on go through COPY into a staging table and a merge.
COPY_THRESHOLD = 500

# Idempotency keys: how long a stored response is replayed, and how long a key may be.
IDEMPOTENCY_TTL_HOURS = 24
IDEMPOTENCY_KEY_MAX_LENGTH = 200

# A sighting may not be observed in the future; allow for clocks that are a little ahead.
OBSERVED_AT_CLOCK_SKEW_MINUTES = 5

# Reasons for a reveal must say something.
REVEAL_REASON_MIN_LENGTH = 10

KIND_CHOICES = [(kind, kind) for kind in KINDS]


class IdentifierRole(models.TextChoices):
    """The part an identifier played in the fraud."""

    BENEFICIARY_ACCOUNT = "beneficiary_account", _("Beneficiary account")
    CALLER_NUMBER = "caller_number", _("Caller number")
    SENDER_NUMBER = "sender_number", _("Sender number (text message, WhatsApp)")
    SENDER_ADDRESS = "sender_address", _("Sender address")
    CONTACT_ADDRESS = "contact_address", _("Contact address")
    PHISHING_URL = "phishing_url", _("Phishing URL")
    PHISHING_DOMAIN = "phishing_domain", _("Phishing domain")
    WEBSHOP_DOMAIN = "webshop_domain", _("Fake web shop domain")
    SELLER_ACCOUNT = "seller_account", _("Seller account")
    BUYER_ACCOUNT = "buyer_account", _("Buyer account")
    WALLET_ADDRESS = "wallet_address", _("Wallet address")
    DEVICE = "device", _("Device")
    OTHER = "other", _("Other")


# Which kinds each role can describe; ``other`` fits every kind.
ROLE_KINDS: dict[str, frozenset[str]] = {
    IdentifierRole.BENEFICIARY_ACCOUNT: frozenset({"iban", "wallet", "account"}),
    IdentifierRole.CALLER_NUMBER: frozenset({"phone"}),
    IdentifierRole.SENDER_NUMBER: frozenset({"phone"}),
    IdentifierRole.SENDER_ADDRESS: frozenset({"email", "phone"}),
    IdentifierRole.CONTACT_ADDRESS: frozenset({"email", "phone", "url", "account"}),
    IdentifierRole.PHISHING_URL: frozenset({"url"}),
    IdentifierRole.PHISHING_DOMAIN: frozenset({"domain", "url"}),
    IdentifierRole.WEBSHOP_DOMAIN: frozenset({"domain", "url"}),
    IdentifierRole.SELLER_ACCOUNT: frozenset({"account", "email", "phone", "iban"}),
    IdentifierRole.BUYER_ACCOUNT: frozenset({"account", "email", "phone", "iban"}),
    IdentifierRole.WALLET_ADDRESS: frozenset({"wallet"}),
    IdentifierRole.DEVICE: frozenset({"device"}),
    IdentifierRole.OTHER: frozenset(KINDS),
}


class Confidence(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")
    POLICE_REPORT = "police_report", _("Police report")


# Confidences that count as confirmation for the ``*_confirmed`` thresholds.
CONFIRMING = frozenset({Confidence.CONFIRMED, Confidence.POLICE_REPORT})


class Source(models.TextChoices):
    PARTNER = "partner", _("Partner")
    INTAKE = "intake", _("Victim intake")
    SHIELD = "shield", _("Anti-phishing shield")


class Level(models.TextChoices):
    """The verdict of a check, in increasing order of concern."""

    NONE = "none", _("None")
    ATTENTION = "attention", _("Attention")
    WARNING = "warning", _("Warning")
    HIGH = "high", _("High")


LEVEL_ORDER = (Level.NONE, Level.ATTENTION, Level.WARNING, Level.HIGH)


class AllowlistCategory(models.TextChoices):
    BANK = "bank", _("Bank")
    GOVERNMENT = "government", _("Government")
    CARRIER = "carrier", _("Carrier")
    TELECOM = "telecom", _("Telecom operator")
    PLATFORM = "platform", _("Platform")
    HELP_DESK = "help_desk", _("Help desk")
    OTHER = "other", _("Other")


# Half-life of a sighting's weight per kind, in days. Phone numbers and URLs of a campaign
# burn out within weeks; bank accounts of money mules and wallets stay in use for months.
HALF_LIFE_DAYS: dict[str, float] = {
    "iban": 90,
    "phone": 30,
    "email": 60,
    "url": 14,
    "domain": 30,
    "account": 60,
    "wallet": 120,
    "device": 60,
}

# Thresholds a level needs when the agreement does not set them. Each is compared with a
# decayed measure rounded to whole numbers; 0 switches a rule off. An agreement's
# ``warning_thresholds`` overrides any of these keys.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "attention_organisations": 1,
    "warning_organisations": 2,
    "warning_confirmed": 1,
    "high_organisations": 3,
    "high_confirmed": 2,
    "high_police_reports": 2,
}

# While a dispute is open the value cannot reach a level above this one.
DISPUTED_LEVEL_CAP = Level.WARNING


class DisputeStatus(models.TextChoices):
    """States of a listed party's dispute (the disputes work builds the model on these)."""

    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


DISPUTE_OPEN_STATUSES = frozenset({DisputeStatus.OPEN})
