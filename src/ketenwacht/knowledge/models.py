"""The knowledge domain: the fraud-type taxonomy, criminal journeys and the barrier model,
and the collaboration space (action plan, working groups, member library, data-sharing
bottlenecks). Versions of edited items are ``Revision`` rows; proposals ``ChangeProposal``.

Never decide visibility from these fields yourself: ask ``knowledge.selectors`` (which asks
``partners.access``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ketenwacht.knowledge.constants import (
    DEFAULT_ACTION_MARKING,
    DEFAULT_BARRIER_MARKING,
    DEFAULT_DOCUMENT_MARKING,
    DEFAULT_ENTRY_MARKING,
    TITLE_MAX,
    ActionStatus,
    BarrierKind,
    BarrierStatus,
    BottleneckStage,
    DocumentKind,
    EntryKind,
    ItemType,
    PhaseCode,
    ProposalStatus,
    TaskStatus,
    Theme,
    WorkingGroupKind,
)
from ketenwacht.partners.access import MarkedFacts
from ketenwacht.partners.constants import Marking


def _prefers_english() -> bool:
    return (get_language() or "nl").lower().startswith("en")


class FraudType(models.Model):
    """One form of fraud (``bankhelpdesk``, ``purchase`` …). Deactivate instead of deleting:
    reports, alerts and statistics keep referring to the code."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("fraud type")
        verbose_name_plural = _("fraud types")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        """The name in the active language (Dutch unless English is active)."""
        return self.name_en if _prefers_english() and self.name_en else self.name_nl

    @property
    def description(self) -> str:
        if _prefers_english() and self.description_en:
            return self.description_en
        return self.description_nl


# --- Criminal journeys and the barrier model -----------------------------------------------


class CriminalJourney(models.Model):
    """A fraud form's criminal journey: the fraudster's steps, in order (``JourneyPhase``)."""

    fraud_type = models.OneToOneField(
        FraudType, on_delete=models.PROTECT, related_name="journey", verbose_name=_("fraud type")
    )
    summary_nl = models.TextField(_("summary (Dutch)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    # The coalition: the sectors that take part for this fraud form (matrix columns).
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    marking = models.CharField(_("marking"), max_length=16, choices=Marking.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fraud_type__sort_order", "fraud_type__code"]
        verbose_name = _("criminal journey")
        verbose_name_plural = _("criminal journeys")

    def __str__(self) -> str:
        return str(self.fraud_type.name)

    @property
    def summary(self) -> str:
        return self.summary_en if _prefers_english() and self.summary_en else self.summary_nl

    def facts(self) -> MarkedFacts:
        return MarkedFacts(marking=self.marking)


class JourneyPhase(models.Model):
    journey = models.ForeignKey(CriminalJourney, on_delete=models.CASCADE, related_name="phases")
    code = models.CharField(_("phase"), max_length=20, choices=PhaseCode.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["journey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "code"], name="phase_unique_code"),
            models.UniqueConstraint(fields=["journey", "position"], name="phase_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.journey}: {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if _prefers_english() and self.name_en else self.name_nl

    @property
    def description(self) -> str:
        if _prefers_english() and self.description_en:
            return self.description_en
        return self.description_nl


class Barrier(models.Model):
    """A barrier or intervention a sector can raise in one phase of a journey."""

    phase = models.ForeignKey(
        JourneyPhase, on_delete=models.PROTECT, related_name="barriers", verbose_name=_("phase")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description (Markdown)"), blank=True)
    sectors = models.JSONField(_("owning sectors"), default=list)
    kind = models.CharField(_("kind"), max_length=16, choices=BarrierKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=BarrierStatus.choices)
    effectiveness = models.TextField(_("effectiveness notes (Markdown)"), blank=True)
    evidence_links = models.JSONField(_("evidence links"), default=list, blank=True)
    marking = models.CharField(
        _("marking"), max_length=16, choices=Marking.choices, default=DEFAULT_BARRIER_MARKING
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phase__journey", "phase__position", "title"]
        indexes = [models.Index(fields=["marking", "status"])]

    def __str__(self) -> str:
        return self.title

    def facts(self) -> MarkedFacts:
        return MarkedFacts(marking=self.marking)


# --- Versions and proposals ------------------------------------------------------------------


class Revision(models.Model):
    """One version of a knowledge item: a full snapshot, who and when. Never edited."""

    item_type = models.CharField(max_length=20, choices=ItemType.choices)
    item_id = models.PositiveBigIntegerField()
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed_fields = models.JSONField(default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by_label = models.CharField(max_length=200)
    changed_at = models.DateTimeField(default=timezone.now)
    proposal = models.ForeignKey(
        "ChangeProposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["item_type", "item_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "item_id", "number"], name="revision_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_type} {self.item_id} v{self.number}"


class ChangeProposal(models.Model):
    """A partner's proposed change (or new item); the programme team approves or rejects."""

    item_type = models.CharField(max_length=20, choices=ItemType.choices)
    item_id = models.PositiveBigIntegerField(null=True, blank=True)  # None: a new item
    base_version = models.PositiveIntegerField(null=True, blank=True)
    data = models.JSONField()
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_by_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "-proposed_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.item_type} {self.item_id or 'new'} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.PROPOSED


# --- Action plan ----------------------------------------------------------------------------


class ActionPlan(models.Model):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    introduction = models.TextField(_("introduction (Markdown)"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class ActionPoint(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="points")
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description (Markdown)"), blank=True)
    owner_organisation = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_points",
        verbose_name=_("owner organisation"),
    )
    # Where the owner is no organisation on the platform (seeded from the annual report).
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    marking = models.CharField(
        _("marking"), max_length=16, choices=Marking.choices, default=DEFAULT_ACTION_MARKING
    )
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    realised_at = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "theme", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        return self.owner_organisation.name if self.owner_organisation else self.owner_name

    def facts(self) -> MarkedFacts:
        return MarkedFacts(marking=self.marking)


class ActionPointUpdate(models.Model):
    """A progress note on an action point; a change of status is recorded here too."""

    point = models.ForeignKey(ActionPoint, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("update"))
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["point", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.point_id}: {self.text[:40]}"


# --- Working groups -------------------------------------------------------------------------


class WorkingGroup(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(
        max_length=20, choices=WorkingGroupKind.choices, default=WorkingGroupKind.WORKING_GROUP
    )
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="WorkingGroupMember", related_name="working_groups"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def member_ids(self) -> frozenset[int]:
        return frozenset(self.memberships.values_list("user_id", flat=True))


class WorkingGroupMember(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_group_memberships"
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="working_group_unique_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class WorkingGroupEntry(models.Model):
    """Meeting notes or a decision of a working group: behind closed doors unless marked
    GREEN (the partnership) or CLEAR (public)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text (Markdown)"), blank=True)
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    marking = models.CharField(
        _("marking"), max_length=16, choices=Marking.choices, default=DEFAULT_ENTRY_MARKING
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "-created_at", "-id"]
        verbose_name_plural = _("working group entries")

    def __str__(self) -> str:
        return self.title

    def facts(self, member_ids: frozenset[int] | None = None) -> MarkedFacts:
        members = self.group.member_ids() if member_ids is None else member_ids
        return MarkedFacts(marking=self.marking, named_people=members)


class WorkingGroupTask(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=TITLE_MAX)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "status", "due_date", "id"]

    def __str__(self) -> str:
        return self.title


# --- Member library -------------------------------------------------------------------------


def _document_path(instance: LibraryDocument, filename: str) -> str:
    # Never the uploader's file name on disk: a random name, the checked extension.
    return f"knowledge/library/{instance.uuid}.{instance.extension}"


class LibraryDocument(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    description = models.TextField(_("description"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    marking = models.CharField(
        _("marking"), max_length=16, choices=Marking.choices, default=DEFAULT_DOCUMENT_MARKING
    )
    group = models.ForeignKey(
        "partners.SharingGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="library_documents",
        verbose_name=_("sharing group"),
    )
    file = models.FileField(upload_to=_document_path, max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="library_documents"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["marking", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def facts(self) -> MarkedFacts:
        return MarkedFacts(
            marking=self.marking,
            group_id=self.group_id,
            owner_organisation_id=self.organisation_id,
        )


# --- Data-sharing bottlenecks ---------------------------------------------------------------


class BottleneckCase(models.Model):
    """A data-sharing bottleneck (e.g. "suspicious devices") on its fixed route of stages."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(_("description (Markdown)"), blank=True)
    stage = models.CharField(
        max_length=24, choices=BottleneckStage.choices, default=BottleneckStage.PROBLEM_ANALYSIS
    )
    marking = models.CharField(
        _("marking"), max_length=16, choices=Marking.choices, default=DEFAULT_BARRIER_MARKING
    )
    agreement = models.ForeignKey(
        "partners.DataSharingAgreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bottleneck_cases",
        verbose_name=_("data-sharing agreement"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def facts(self) -> MarkedFacts:
        return MarkedFacts(marking=self.marking)


class BottleneckStageRecord(models.Model):
    """What a case found in one stage, and the documents that back it."""

    case = models.ForeignKey(BottleneckCase, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=24, choices=BottleneckStage.choices)
    findings = models.TextField(_("findings (Markdown)"), blank=True)
    documents = models.ManyToManyField(LibraryDocument, blank=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    entered_by_label = models.CharField(max_length=200)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "entered_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="bottleneck_stage_once")
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.stage}"


class PrivacyOpinion(models.Model):
    """An opinion of the privacy expert group on a case, in the stage it was given."""

    case = models.ForeignKey(BottleneckCase, on_delete=models.CASCADE, related_name="opinions")
    stage = models.CharField(max_length=24, choices=BottleneckStage.choices)
    text = models.TextField(_("opinion (Markdown)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case}: {self.stage} opinion"
