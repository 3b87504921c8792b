"""Vocabularies of the knowledge domain: the fraud-type codes every app refers to.

The taxonomy itself is data (``FraudType`` rows, editable by the programme team); these are
the codes seeded from the design, so code can name them without magic strings.
"""

from __future__ import annotations

import re
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class FraudTypeCode(StrEnum):
    BANKHELPDESK = "bankhelpdesk"
    PURCHASE = "purchase"
    SALES = "sales"
    FRIEND_IN_NEED = "friend_in_need"
    PHISHING = "phishing"
    INVOICE = "invoice"
    ROMANCE = "romance"
    INVESTMENT = "investment"
    IDENTITY = "identity"
    HELPDESK_OTHER = "helpdesk_other"
    OTHER = "other"


SEEDED_FRAUD_TYPE_CODES: tuple[str, ...] = tuple(code.value for code in FraudTypeCode)

# Where a report lands when no other type fits; it must stay active.
FALLBACK_FRAUD_TYPE = FraudTypeCode.OTHER

# Codes are stable identifiers in URLs, exports and other apps' rows: lower-case slugs.
FRAUD_TYPE_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

FRAUD_TYPES_CACHE_KEY = "knowledge:fraud-types:v1"
FRAUD_TYPES_CACHE_SECONDS = 300


# --- Criminal journeys, barriers and the collaboration space ------------------------------


class PhaseCode(models.TextChoices):
    """The generic steps of a criminal journey (annual report 2023, bank-helpdesk fraud).

    Every journey names its phases with these codes, so alerts and sightings that carry a
    phase (``alerts`` uses the same codes) can be counted per phase of any journey.
    """

    ORIENTATION = "orientation", _("Orientation")
    PREPARATION = "preparation", _("Preparation")
    CONTACT = "contact", _("Contact with the victim")
    CONVINCING = "convincing", _("Convincing the victim")
    TRANSFER = "transfer", _("Transfer of the money")
    CASHOUT = "cashout", _("Spending and cash-out")


PHASE_ORDER: tuple[str, ...] = tuple(code.value for code in PhaseCode)


class BarrierKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical")
    PROCESS = "process", _("Process")
    LEGAL = "legal", _("Legal")
    COMMUNICATION = "communication", _("Communication")


class BarrierStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    IN_DEVELOPMENT = "in_development", _("In development")
    LIVE = "live", _("Live")
    RETIRED = "retired", _("Retired")


class Theme(models.TextChoices):
    """The six themes of the yearly action plan (annual report 2023)."""

    INSIGHT = "insight", _("Insight into fraud")
    DATA_SHARING = "data_sharing", _("Data sharing")
    BARRIERS = "barriers", _("Barriers and interventions")
    ENFORCEMENT = "enforcement", _("Follow-up by police and public prosecutor")
    RESILIENCE = "resilience", _("Resilience and prevention")
    VICTIM_SUPPORT = "victim_support", _("Help for victims")


THEME_ORDER: tuple[str, ...] = tuple(theme.value for theme in Theme)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REALISED = "realised", _("Realised")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


class EntryKind(models.TextChoices):
    NOTES = "notes", _("Meeting notes")
    DECISION = "decision", _("Decision")


class WorkingGroupKind(models.TextChoices):
    WORKING_GROUP = "working_group", _("Working group")
    # Its members may attach opinions to data-sharing bottleneck cases.
    PRIVACY_EXPERTS = "privacy_experts", _("Privacy expert group")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class DocumentKind(models.TextChoices):
    STUDY = "study", _("Study")
    MONITOR = "monitor", _("Monitor")
    FACTSHEET = "factsheet", _("Factsheet")
    OTHER = "other", _("Other")


class BottleneckStage(models.TextChoices):
    """The fixed route of a data-sharing bottleneck (annual report 2023, data sharing)."""

    PROBLEM_ANALYSIS = "problem_analysis", _("Problem analysis")
    EFFECTIVENESS_STUDY = "effectiveness_study", _("Effectiveness study")
    LEGAL_FRAMEWORK = "legal_framework", _("Legal framework (with external privacy advice)")
    SOLUTION_DIRECTIONS = "solution_directions", _("Solution directions")
    PILOT = "pilot", _("Pilot")
    IMPLEMENTATION = "implementation", _("Implementation")


STAGE_ORDER: tuple[str, ...] = tuple(stage.value for stage in BottleneckStage)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ItemType(models.TextChoices):
    """Kinds of knowledge item that are versioned (and, for some, edited by proposal)."""

    BARRIER = "barrier", _("Barrier or intervention")
    PHASE = "phase", _("Journey phase")
    ACTION_POINT = "action_point", _("Action point")


# Items partners may propose changes to; the programme team approves.
PROPOSABLE_ITEM_TYPES = frozenset({ItemType.BARRIER, ItemType.PHASE})

# Markings a barrier may carry: shared knowledge of the whole partnership, so not narrower
# than AMBER (most are AMBER: "om fraudeurs niet wijzer te maken").
BARRIER_MARKINGS = ("CLEAR", "GREEN", "AMBER")
DEFAULT_BARRIER_MARKING = "AMBER"
# Library documents: RED is for named people, which a shelf of documents has not.
DOCUMENT_MARKINGS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT")
DEFAULT_DOCUMENT_MARKING = "AMBER"
DEFAULT_ENTRY_MARKING = "AMBER+STRICT"
DEFAULT_ACTION_MARKING = "GREEN"

TITLE_MAX = 200
TEXT_MAX = 20_000
TAG_MAX = 40
TAGS_MAX = 12
EVIDENCE_LINKS_MAX = 10

# Uploads to the member library: what we accept, by extension, with the content we expect.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "csv": "text/csv",
    "txt": "text/plain",
}
