"""Vocabularies of statistics: sources, dimensions, measures of partners' own figures,
disclosure-control defaults and factsheet states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Disclosure control defaults (a query definition may be stricter, never looser than MIN_K).
DEFAULT_K = 10
MIN_K = 3
# Dominance: a cell is sensitive when it has fewer than DOMINANCE_MIN_CONTRIBUTORS partners or
# the largest partner holds more than DOMINANCE_MAX_SHARE of it.
DOMINANCE_MIN_CONTRIBUTORS = 3
DOMINANCE_MAX_SHARE = 0.6

# Differential privacy: ε budget per public series (sum over every noisy release).
DEFAULT_EPSILON_BUDGET = 3.0

# Spikes: +100 % over the median of the previous weeks, and significant against the MAD.
SPIKE_BASELINE_WEEKS = 8
SPIKE_MIN_RATIO = 2.0
SPIKE_MIN_Z = 3.5
SPIKE_MIN_COUNT = 10

UNKNOWN = "unknown"
TOTAL = "*"


class Source(models.TextChoices):
    INTAKES = "intakes", _("Victim intakes")
    PARTNER_FIGURES = "partner_figures", _("Partners' own figures")
    SIGHTINGS = "sightings", _("Identifier sightings")
    SHIELD = "shield", _("Anti-phishing shield")
    CASES = "cases", _("Clusters of linked reports")


class Dimension(models.TextChoices):
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")
    FRAUD_FORM = "fraud_form", _("Fraud form")
    CHANNEL = "channel", _("Channel")
    PAYMENT_METHOD = "payment_method", _("Payment method")
    AGE_BAND = "age_band", _("Age band")
    PROVINCE = "province", _("Province")


# Dimensions each source can break down by.
SOURCE_DIMENSIONS: dict[str, frozenset[str]] = {
    Source.INTAKES: frozenset(Dimension.values),
    Source.PARTNER_FIGURES: frozenset({Dimension.MONTH, Dimension.FRAUD_FORM}),
    Source.SIGHTINGS: frozenset({Dimension.MONTH, Dimension.WEEK, Dimension.FRAUD_FORM}),
}


class Measure(models.TextChoices):
    """Measures of partners' own figures (per month × fraud form)."""

    INCIDENTS = "incidents", _("Incidents")
    DAMAGE = "damage_eur", _("Damage (euro)")
    PREVENTED = "prevented_eur", _("Prevented damage (euro)")
    ACCOUNTS_BLOCKED = "accounts_blocked", _("Accounts blocked (banks)")
    ADS_REMOVED = "ads_removed", _("Advertisements removed (marketplaces)")
    NUMBERS_BLOCKED = "numbers_blocked", _("Numbers blocked (telecom)")
    PARCELS_STOPPED = "parcels_stopped", _("Parcels stopped (carriers)")
    PAYMENTS_STOPPED = "payments_stopped", _("Payments stopped (payment providers)")


MONEY_MEASURES = frozenset({Measure.DAMAGE, Measure.PREVENTED})
REQUIRED_MEASURES = (Measure.INCIDENTS,)


class FactsheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting consent")
    PUBLIC = "public", _("Public")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReleaseAction(models.TextChoices):
    PUBLISH = "publish", _("Publish the factsheet")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class SubmissionVia(models.TextChoices):
    API = "api", _("API")
    CSV = "csv", _("CSV upload")


# Intake channels as the alerts app names them (spike → alert draft).
ALERT_CHANNEL = {
    "phone": "phone_call",
    "whatsapp": "whatsapp",
    "sms": "sms",
    "email": "email",
    "marketplace": "marketplace",
    "social_media": "social_media",
    "dating_site": "dating",
    "webshop": "website",
    "other": "other",
}

# Provinces from the first digits of the postcode (CBS ranges, rounded to whole hundreds:
# a border postcode may land in the neighbouring province; good enough for statistics).
PROVINCES: dict[str, str] = {
    "GR": "Groningen",
    "FR": "Fryslân",
    "DR": "Drenthe",
    "OV": "Overijssel",
    "FL": "Flevoland",
    "GE": "Gelderland",
    "UT": "Utrecht",
    "NH": "Noord-Holland",
    "ZH": "Zuid-Holland",
    "ZE": "Zeeland",
    "NB": "Noord-Brabant",
    "LI": "Limburg",
}
POSTCODE_RANGES: tuple[tuple[str, str, str], ...] = (
    ("1000", "1300", "NH"),
    ("1300", "1400", "FL"),
    ("1400", "2200", "NH"),
    ("2200", "3400", "ZH"),
    ("3400", "4000", "UT"),
    ("4000", "4200", "GE"),
    ("4200", "4300", "ZH"),
    ("4300", "4600", "ZE"),
    ("4600", "5800", "NB"),
    ("5800", "6500", "LI"),
    ("6500", "7400", "GE"),
    ("7400", "7800", "OV"),
    ("7800", "8000", "DR"),
    ("8000", "8200", "OV"),
    ("8200", "8400", "FL"),
    ("8400", "9300", "FR"),
    ("9300", "9500", "DR"),
    ("9500", "10000", "GR"),
)


def province_of(postcode: str) -> str:
    code = (postcode or "")[:4]
    if len(code) != 4 or not code.isdigit():
        return UNKNOWN
    for low, high, province in POSTCODE_RANGES:
        if low <= code < high:
            return province
    return UNKNOWN
