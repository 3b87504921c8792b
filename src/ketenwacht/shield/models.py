"""Reports, the hosts and URLs found in them, blocks with their history, appeals, the zone."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.shield.constants import (
    CLAIMING_STATUSES,
    AppealStatus,
    BlockAction,
    BlockPolicy,
    BlockScope,
    BlockStatus,
    Channel,
    HostState,
    Verdict,
)


class Report(models.Model):
    """One forwarded message. The reporter's address is kept only to send the verdict."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    organisation = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The partner that forwarded it (SMS batches)."),
    )
    external_id = models.CharField(max_length=100, blank=True)
    reporter_email = models.EmailField(blank=True)
    # Counts distinct reporters without keeping who they are: a digest of the address.
    reporter_key = models.CharField(max_length=64)
    subject = models.CharField(max_length=998, blank=True)
    original_sender = models.CharField(max_length=254, blank=True)
    excerpt = models.TextField(blank=True)
    wording_signals = models.JSONField(default=list)
    attachments = models.JSONField(default=list)
    parts = models.PositiveIntegerField(default=1)
    size = models.PositiveIntegerField(default=0)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=~models.Q(external_id=""),
                name="shield_report_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.reference}"


class Host(models.Model):
    """A host name found in reports: the unit of the triage queue."""

    name = models.CharField(max_length=253, unique=True, help_text=_("A-label, lower case"))
    display = models.CharField(max_length=253)
    registrable_domain = models.CharField(max_length=253, db_index=True)
    state = models.CharField(max_length=16, choices=HostState.choices, default=HostState.NEW)
    score = models.IntegerField(default=0, db_index=True)
    reasons = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    wording_signals = models.JSONField(default=list)
    needs_manual_check = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)
    reporter_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    first_report_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "-reporter_count", "-last_seen"]
        indexes = [models.Index(fields=["state", "-score", "-reporter_count"])]

    def __str__(self) -> str:
        return self.display


class Url(models.Model):
    """One canonical URL, deduplicated across reports by a digest of its value."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="urls")
    value = models.TextField()
    value_digest = models.CharField(max_length=64, unique=True)
    display = models.TextField()
    flags = models.JSONField(default=list)
    report_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-report_count", "value_digest"]

    def __str__(self) -> str:
        return self.display


class ReportUrl(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links")
    url = models.ForeignKey(Url, on_delete=models.CASCADE, related_name="links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "url"], name="shield_report_url_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.url_id}"


class Block(models.Model):
    """A DNS block. Proposed by one analyst, listed only once a different one approves."""

    name = models.CharField(max_length=253, help_text=_("A-label of the blocked name"))
    scope = models.CharField(max_length=8, choices=BlockScope.choices)
    wildcard = models.BooleanField(default=False)
    policy = models.CharField(max_length=8, choices=BlockPolicy.choices)
    reason = models.TextField()
    host = models.ForeignKey(
        Host, null=True, blank=True, on_delete=models.SET_NULL, related_name="blocks"
    )
    status = models.CharField(
        max_length=16, choices=BlockStatus.choices, default=BlockStatus.PROPOSED
    )
    duration_days = models.PositiveIntegerField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(status__in=CLAIMING_STATUSES),
                name="shield_block_one_claim_per_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    def is_listed(self, moment: datetime | None = None) -> bool:
        moment = moment or timezone.now()
        return (
            self.status == BlockStatus.ACTIVE
            and self.expires_at is not None
            and self.expires_at > moment
        )


class BlockEvent(models.Model):
    """The history of a block: one row per transition, never edited."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=BlockAction.choices)
    actor_label = models.CharField(max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.block_id}: {self.action}"


class Appeal(models.Model):
    """A domain owner's objection to a block, from the public form."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    domain = models.CharField(max_length=253)
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="appeals")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    organisation_name = models.CharField(max_length=200, blank=True)
    statement = models.TextField()
    status = models.CharField(max_length=16, choices=AppealStatus.choices, default="open")
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.domain} ({self.status})"


class ZoneState(models.Model):
    """The RPZ zone's SOA serial: one row, raised in the transaction of every listing change."""

    serial = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"serial {self.serial}"
