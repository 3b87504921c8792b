"""Partners' own figures, stored query definitions, factsheets, the ε ledger and spikes."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.stats.constants import (
    DEFAULT_K,
    DOMINANCE_MAX_SHARE,
    DOMINANCE_MIN_CONTRIBUTORS,
    FactsheetStatus,
    PeriodKind,
    Source,
    SubmissionVia,
)


class FigureSubmission(models.Model):
    """One delivery of partner figures (API call or CSV file), with its per-row errors."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    via = models.CharField(max_length=8, choices=SubmissionVia.choices)
    actor_label = models.CharField(max_length=200)
    filename = models.CharField(max_length=200, blank=True)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.via} {self.created_at:%Y-%m-%d}"


class PartnerFigure(models.Model):
    """A partner's aggregate for one month and fraud form. Money in euro cents."""

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("month"))  # the first day of the month
    fraud_form = models.CharField(_("fraud form"), max_length=40)
    incidents = models.PositiveBigIntegerField(_("incidents"))
    damage_cents = models.PositiveBigIntegerField(null=True, blank=True)
    prevented_cents = models.PositiveBigIntegerField(null=True, blank=True)
    # Sector-specific measures (``Measure`` codes → non-negative integers).
    extra = models.JSONField(default=dict, blank=True)
    submission = models.ForeignKey(
        FigureSubmission, on_delete=models.PROTECT, related_name="figures"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period", "fraud_form"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period", "fraud_form"],
                name="stats_one_figure_per_org_month_form",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.period:%Y-%m} {self.fraud_form}"


class QueryDefinition(models.Model):
    """What a published table counts, stored so every published number can be recomputed.

    Never edited once used: a change is a new ``version`` of the same ``slug``.
    """

    slug = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(max_length=20, choices=Source.choices)
    # Summed measure: intakes "amount"; partner figures a Measure code; "" = counts only.
    measure = models.CharField(max_length=40, blank=True)
    # [{"slug": "form_channel", "dims": ["fraud_form", "channel"]}, …] (at most two dims each)
    tables = models.JSONField(default=list)
    k = models.PositiveSmallIntegerField(default=DEFAULT_K)
    dominance_min = models.PositiveSmallIntegerField(default=DOMINANCE_MIN_CONTRIBUTORS)
    dominance_share = models.FloatField(default=DOMINANCE_MAX_SHARE)
    # Laplace noise on the monthly public series (None = exact after suppression).
    noise_epsilon = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="stats_query_slug_version")
        ]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"

    def as_spec(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "version": self.version,
            "source": self.source,
            "measure": self.measure,
            "tables": self.tables,
            "k": self.k,
            "dominance_min": self.dominance_min,
            "dominance_share": self.dominance_share,
            "noise_epsilon": self.noise_epsilon,
        }

    @property
    def digest(self) -> str:
        text = json.dumps(self.as_spec(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class Factsheet(models.Model):
    """Key figures, protected tables, charts and advice for one period (and fraud form).

    ``content`` is frozen when the draft is (re)computed: what the partners consent to is
    exactly what the public sees.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=200)
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until (exclusive)"))
    fraud_form = models.CharField(_("fraud form"), max_length=40, blank=True)
    advice = models.TextField(_("advice"), blank=True)
    definition = models.ForeignKey(QueryDefinition, on_delete=models.PROTECT, related_name="+")
    definition_digest = models.CharField(max_length=64)
    result_digest = models.CharField(max_length=64)  # of the exact numbers before suppression
    content = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=FactsheetStatus.choices, default=FactsheetStatus.DRAFT
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    computed_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "fraud_form"]
        indexes = [models.Index(fields=["status", "period_start"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == FactsheetStatus.PUBLIC


class FactsheetTransition(models.Model):
    factsheet = models.ForeignKey(Factsheet, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, choices=FactsheetStatus.choices)
    actor_label = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["factsheet", "at", "id"]

    def __str__(self) -> str:
        return f"{self.factsheet_id}: {self.from_status or '∅'} → {self.to_status}"


class EpsilonSpend(models.Model):
    """Privacy budget used by one noisy release of a public series."""

    series = models.CharField(max_length=120, db_index=True)
    epsilon = models.FloatField()
    factsheet = models.ForeignKey(
        Factsheet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["series", "at"]

    def __str__(self) -> str:
        return f"{self.series}: ε {self.epsilon}"


class Spike(models.Model):
    """A week in which a fraud form × channel rose far above its robust baseline."""

    week = models.DateField()  # Monday
    fraud_form = models.CharField(max_length=40)
    channel = models.CharField(max_length=32)
    count = models.PositiveIntegerField()
    baseline_median = models.FloatField()
    baseline_mad = models.FloatField()
    score = models.FloatField()
    alert_id = models.PositiveBigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week", "fraud_form", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "fraud_form", "channel"], name="stats_one_spike_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.fraud_form}/{self.channel}: {self.count}"
