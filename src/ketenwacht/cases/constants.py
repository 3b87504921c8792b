"""Vocabularies of the cases domain: report sources, cluster states and their transitions,
routing methods, hub decisions, age bands, fraud families and the defaults of the numbers
that ``cases.config`` lets an operator change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSource(models.TextChoices):
    INTAKE = "intake", _("Victim intake")
    POLICE = "police", _("Police report")
    PARTNER = "partner", _("Partner incident report")


class ClusterState(models.TextChoices):
    NEW = "new", _("New")
    TRIAGE = "triage", _("Triage")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATION = "investigation", _("Investigation")
    CIVIL_ROUTE = "civil_route", _("Civil route")
    STOP_TALK = "stop_talk", _("Stop talk")
    CLOSED = "closed", _("Closed")


S = ClusterState
# Allowed transitions (from -> to). A closed cluster can be reopened into triage.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGE, S.CLOSED}),
    S.TRIAGE: frozenset({S.ASSIGNED, S.CIVIL_ROUTE, S.STOP_TALK, S.CLOSED}),
    S.ASSIGNED: frozenset({S.TRIAGE, S.INVESTIGATION, S.CIVIL_ROUTE, S.STOP_TALK, S.CLOSED}),
    S.INVESTIGATION: frozenset({S.CIVIL_ROUTE, S.STOP_TALK, S.CLOSED}),
    S.CIVIL_ROUTE: frozenset({S.TRIAGE, S.CLOSED}),
    S.STOP_TALK: frozenset({S.TRIAGE, S.CLOSED}),
    S.CLOSED: frozenset({S.TRIAGE}),
}
# States in which automatic routing may still move a cluster to another unit. Once a unit
# has taken it on, a new routing outcome is recorded as advice but does not move it.
ROUTABLE_STATES = frozenset({S.NEW, S.TRIAGE})
# When clusters merge, the survivor is the one furthest along (work stays attached to it).
STATE_WEIGHT: dict[str, int] = {
    S.INVESTIGATION: 6,
    S.ASSIGNED: 5,
    S.CIVIL_ROUTE: 4,
    S.STOP_TALK: 4,
    S.TRIAGE: 3,
    S.NEW: 2,
    S.CLOSED: 1,
}
OPEN_STATES = frozenset(set(S.values) - {S.CLOSED})


class ClusterEventKind(models.TextChoices):
    CREATED = "created", _("Cluster formed")
    GREW = "grew", _("Report linked")
    ABSORBED = "absorbed", _("Another cluster merged into this one")
    MERGED_INTO = "merged_into", _("Merged into another cluster")
    SPLIT = "split", _("Split off (an identifier no longer links)")
    DISSOLVED = "dissolved", _("Dissolved (no shared identifier left)")


class RoutingMethod(models.TextChoices):
    SUSPECT_POSTCODE = "suspect_postcode", _("Suspect's postcode, supplied by a bank")
    VICTIM_MAJORITY = "victim_majority", _("Majority of the victims' regions")
    FIXED_UNIT = "fixed_unit", _("A fixed unit")


class HubOverride(models.TextChoices):
    AUTO = "auto", _("Automatic")
    LINK = "link", _("Always link (not a hub)")
    EXCLUDE = "exclude", _("Never link (hub)")


class HubReason(models.TextChoices):
    NONE = "", _("Watched (below the limits)")
    ALLOWLISTED = "allowlisted", _("On the allowlist (official contact point)")
    MANY_FORMS = "many_forms", _("Many reports across unrelated fraud forms")
    VERY_MANY = "very_many", _("Very many reports")


class AgeBand(models.TextChoices):
    """The same codes as the victim intake's age groups."""

    UNDER_25 = "under_25", _("Under 25")
    FROM_25 = "25_44", _("25 to 44")
    FROM_45 = "45_64", _("45 to 64")
    FROM_65 = "65_74", _("65 to 74")
    FROM_75 = "75_plus", _("75 or older")


AGE_65_PLUS = frozenset({AgeBand.FROM_65, AgeBand.FROM_75})


# Fraud forms that belong together: a hub is an identifier across UNRELATED forms. A code
# missing here is a family of its own.
FRAUD_FAMILIES: dict[str, str] = {
    "bankhelpdesk": "impersonation",
    "helpdesk_other": "impersonation",
    "friend_in_need": "impersonation",
    "phishing": "impersonation",
    "purchase": "trade",
    "sales": "trade",
    "romance": "relationship",
    "investment": "investment",
    "invoice": "business",
    "identity": "identity",
    "other": "other",
}


def fraud_family(code: str) -> str:
    return FRAUD_FAMILIES.get(code, code)


# --- defaults of the operator's numbers (see cases.config) ----------------------------------

DEFAULT_HUB_MAX_REPORTS = 50  # more reports than this AND ...
DEFAULT_HUB_MIN_FAMILIES = 2  # ... at least this many unrelated fraud families: a hub,
DEFAULT_HUB_MIN_FAMILY_SHARE = 0.2  # ... each holding at least this share of its reports
DEFAULT_HUB_ABSOLUTE_MAX = 500  # more reports than this: a hub whatever the forms

# Priority: weights of the five components (normalised to sum 1) and their reference points.
DEFAULT_PRIORITY_WEIGHTS: dict[str, float] = {
    "victims": 0.30,
    "damage": 0.25,
    "vulnerability": 0.20,
    "growth": 0.15,
    "recency": 0.10,
}
PRIORITY_VICTIMS_REFERENCE = 100  # this many victims scores the full victims component
PRIORITY_DAMAGE_REFERENCE_CENTS = 250_000_00  # €250,000 scores the full damage component
PRIORITY_GROWTH_REFERENCE = 10  # new reports (7 days, plus a quarter of 30 days) for full growth
PRIORITY_RECENCY_HALF_LIFE_DAYS = 14

# Alternative interventions (suggestions only; the analyst decides).
DEFAULT_CIVIL_MAX_DAMAGE_CENTS = 2_500_00  # civil recovery below this total with a known suspect
DEFAULT_STOP_TALK_MAX_REPORTS = 3  # a stop talk for a small, young cluster with a known suspect

# Limits of input and pages.
REPORT_NUMBER_MAX_LENGTH = 64
MAX_IDENTIFIERS_PER_REPORT = 50
NOTE_MAX_LENGTH = 5000
LIST_PAGE_SIZE = 50
GRAPH_MAX_REPORTS = 60
GRAPH_MAX_IDENTIFIERS = 40
