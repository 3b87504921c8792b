"""Vocabularies and limits of the anti-phishing shield."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    UPLOAD = "upload", _("Uploaded message file")
    SMTP = "smtp", _("Forwarded e-mail")
    SMS = "sms", _("SMS forwarded by a telecom operator")


class Verdict(models.TextChoices):
    PENDING = "pending", _("Being checked")
    PHISHING = "phishing", _("Phishing: the site has been blocked")
    NOT_BLOCKED = "not_blocked", _("Checked: no site was blocked")
    NO_LINKS = "no_links", _("No links found")


class HostState(models.TextChoices):
    NEW = "new", _("New")
    PROPOSED = "proposed", _("Block proposed")
    BLOCKED = "blocked", _("Blocked")
    DISMISSED = "dismissed", _("Dismissed")
    ALLOWLISTED = "allowlisted", _("Allowlisted")


class BlockScope(models.TextChoices):
    HOST = "host", _("This host name only")
    DOMAIN = "domain", _("The registrable domain")


class BlockPolicy(models.TextChoices):
    WARNING = "warning", _("Redirect to the warning page")
    NXDOMAIN = "nxdomain", _("Answer that the name does not exist")


class BlockStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    LIFTED = "lifted", _("Lifted")
    EXPIRED = "expired", _("Expired")


class BlockAction(models.TextChoices):
    PROPOSE = "propose", _("Proposed")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RENEW = "renew", _("Renewed")
    LIFT = "lift", _("Lifted")
    EXPIRE = "expire", _("Expired")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    UPHELD = "upheld", _("Upheld: the block was lifted")
    REJECTED = "rejected", _("Rejected: the block stays")


# Statuses of a block that still claim its DNS name (one at a time per name).
CLAIMING_STATUSES = (BlockStatus.PROPOSED, BlockStatus.ACTIVE)

# Intake limits. A message beyond any of them is refused with a clear reason.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
MAX_PARTS = 100
MAX_DEPTH = 8
MAX_TEXT_CHARS = 200_000
MAX_URLS_PER_MESSAGE = 200
MAX_URL_LENGTH = 2048
MAX_SMS_BATCH = 1000
MAX_SMS_CHARS = 2000
EXCERPT_CHARS = 4000
MAX_HEADER_CHARS = 998

BLOCK_DEFAULT_DAYS = 30
BLOCK_MAX_DAYS = 365
MIN_REASON_CHARS = 10

# Hosts of URL shorteners: the real target is hidden, so a person checks them by hand.
URL_SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "tiny.cc",
        "s.id",
        "v.gd",
        "shorturl.com",
        "lnkd.in",
        "qrco.de",
        "short.io",
    }
)

# Wording that phishing uses to rush people: Dutch and English, matched on lower-cased text.
WORDING_SIGNALS: dict[str, tuple[str, ...]] = {
    "urgency": (
        "binnen 24 uur",
        "direct actie",
        "onmiddellijk",
        "laatste herinnering",
        "within 24 hours",
        "immediately",
        "urgent",
        "final notice",
        "last reminder",
    ),
    "account_threat": (
        "wordt geblokkeerd",
        "is geblokkeerd",
        "opgeschort",
        "verloopt",
        "verlopen",
        "will be suspended",
        "has been suspended",
        "has been locked",
        "will be closed",
        "expires",
    ),
    "credentials": (
        "verifieer",
        "verificatie",
        "bevestig uw gegevens",
        "log in",
        "inloggen",
        "pincode",
        "verify your",
        "confirm your",
        "password",
        "sign in",
    ),
    "money": (
        "betaalverzoek",
        "openstaande betaling",
        "achterstallige",
        "terugbetaling",
        "nieuwe bankpas",
        "pakket",
        "douanekosten",
        "refund",
        "outstanding payment",
        "parcel",
        "customs fee",
    ),
    "click": (
        "klik op",
        "klik hier",
        "via de link",
        "click here",
        "click the link",
        "tap the link",
    ),
}
