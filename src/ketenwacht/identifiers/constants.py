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
    """States of a listed party's dispute (``models.Dispute.status``)."""

    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


DISPUTE_OPEN_STATUSES = frozenset({DisputeStatus.OPEN})

# --- public check ------------------------------------------------------------------------------

# The public answer while a dispute about the value is open: the level is suspended and the
# citizen gets a neutral "under review" message instead of a verdict.
UNDER_REVIEW = "under_review"
PUBLIC_LEVEL_CHOICES = [*Level.choices, (UNDER_REVIEW, _("Under review"))]

# Only whole identifiers: a value with a wildcard is refused before it is looked up.
WILDCARD_CHARACTERS = frozenset("*%?")


# --- disputes ----------------------------------------------------------------------------------

# Outcomes a decision may have (the two people of the programme team propose and approve one).
DISPUTE_OUTCOMES = (DisputeStatus.UPHELD, DisputeStatus.REJECTED)


class DisputeAction(models.TextChoices):
    """What a row of a dispute's history records."""

    SUBMITTED = "submitted", _("Submitted")
    PROPOSED = "proposed", _("Decision proposed")
    RETURNED = "returned", _("Proposal sent back")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Evidence a disputer may attach: extension -> content type. The bytes must match the type.
EVIDENCE_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_MAX_FILES = 3
DISPUTE_STATEMENT_MAX_CHARS = 5000
DISPUTE_STATEMENT_MIN_CHARS = 20
DISPUTE_REASON_MIN_CHARS = 10
DISPUTE_REASON_MAX_CHARS = 2000
# Submissions per client address (the form tells whether a value is listed, like the check).
DISPUTE_DEFAULT_RATE = "5/hour"
# Decided disputes, their evidence and history are deleted this long after the decision.
DISPUTE_RETENTION_DAYS = 365


# --- portal: checks and CSV uploads -------------------------------------------------------------

# A pasted list on the check page; larger lists belong in the API or an upload.
PORTAL_CHECK_MAX_LINES = 1000
# Sightings per page on "our sightings".
SIGHTINGS_PAGE_SIZE = 50


class UploadStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for confirmation")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected: nothing recorded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


UPLOAD_ACTIVE_STATUSES = frozenset({UploadStatus.QUEUED, UploadStatus.PROCESSING})
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_MAX_ROWS = 100_000
# Rows per call of the ingest service (and per progress step). From 500 on PostgreSQL COPYs.
UPLOAD_CHUNK_ROWS = 2000
UPLOAD_PREVIEW_ROWS = 10
# Rows shown on the page; the CSV of errors has them all.
UPLOAD_ERRORS_SHOWN = 100
# An upload nobody confirmed is dropped after a day; finished ones after a month.
UPLOAD_UNCONFIRMED_HOURS = 24
UPLOAD_RETENTION_DAYS = 30
# Seconds between automatic reloads of the progress page.
UPLOAD_REFRESH_SECONDS = 3
