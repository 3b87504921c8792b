"""Police units and the postcode table, routing rules, reports and their identifier links,
hubs, clusters with their history (transitions, routing decisions, events) and notes.

A cluster is a connected component of two or more reports that share an identifier which is
not a hub; a report without such a link has no cluster ("stays single"). Which cluster a
report belongs to is a ``Membership`` row, kept apart from the wide report row.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.cases.constants import (
    ClusterEventKind,
    ClusterState,
    HubOverride,
    HubReason,
    ReportSource,
    RoutingMethod,
)


class Unit(models.Model):
    """A police unit: one of the ten regional units, or the national unit."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_national = models.BooleanField(_("national unit"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class PostcodeRange(models.Model):
    """Four-digit postcodes ``first``–``last`` belong to ``unit`` (data, see docs/cases.md)."""

    first = models.PositiveSmallIntegerField()
    last = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="postcode_ranges")

    class Meta:
        ordering = ["first"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first__lte=models.F("last")), name="postcode_range_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first:04d}–{self.last:04d} → {self.unit_id}"


class RoutingRule(models.Model):
    """One rule of the ordered routing list; the first rule that matches decides."""

    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=120)
    method = models.CharField(_("method"), max_length=20, choices=RoutingMethod.choices)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit (fixed unit only)"),
    )
    fraud_types = models.JSONField(_("only for fraud types"), default=list, blank=True)
    min_damage_cents = models.BigIntegerField(_("only from total damage (cents)"), default=0)
    min_victims = models.PositiveIntegerField(_("only from number of victims"), default=0)
    min_share = models.FloatField(_("majority share"), default=0.5)
    is_active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class Cluster(models.Model):
    """A connected component of reports, with its summary, priority, unit and state."""

    state = models.CharField(max_length=16, choices=ClusterState.choices, default=ClusterState.NEW)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="clusters"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="absorbed"
    )
    # Summary, recomputed whenever the membership changes (``cases.summary``).
    report_count = models.PositiveIntegerField(default=0)
    victim_count = models.PositiveIntegerField(default=0)
    damage_total_cents = models.BigIntegerField(default=0)
    damage_median_cents = models.BigIntegerField(default=0)
    fraud_types = models.JSONField(default=dict)  # code -> reports
    regions = models.JSONField(default=dict)  # unit code -> victims
    first_seen = models.DateField(null=True, blank=True)
    last_seen = models.DateField(null=True, blank=True)
    share_65_plus = models.FloatField(null=True, blank=True)  # of victims with a known age
    aged_victims = models.PositiveIntegerField(default=0)  # victims with a known age group
    aged_65_plus = models.PositiveIntegerField(default=0)  # of those, 65 or older
    growth_7d = models.PositiveIntegerField(default=0)
    growth_30d = models.PositiveIntegerField(default=0)
    priority = models.FloatField(default=0, db_index=True)
    summary_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-priority", "pk"]
        indexes = [
            models.Index(fields=["is_active", "unit", "-priority"], name="cluster_unit_priority"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def label(self) -> str:
        return f"C-{self.pk:06d}" if self.pk else "C-?"


class Report(models.Model):
    """A report of fraud: a victim intake, a police report, or a partner's incident report.

    No names or contact details: a report carries the fraud form, damage, dates, the victim's
    four-digit postcode and age group, and (in ``ReportLink``) the pseudonyms of identifiers.
    ``victim_key`` is a SHA-256 of the source's victim reference, only to count victims once.
    """

    source = models.CharField(max_length=16, choices=ReportSource.choices)
    organisation = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(max_length=64, blank=True)
    intake_id = models.UUIDField(null=True, blank=True, unique=True)
    fraud_type = models.CharField(max_length=40)
    damage_cents = models.BigIntegerField(default=0)
    reported_on = models.DateField()
    occurred_on = models.DateField(null=True, blank=True)
    seen_on = models.DateField()  # occurred_on, else reported_on
    postcode4 = models.CharField(max_length=4, blank=True)
    region = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    age_band = models.CharField(max_length=16, blank=True)
    victim_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["reported_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source", "number"],
                condition=~models.Q(number=""),
                name="case_report_unique_number",
            )
        ]
        indexes = [
            # The incremental summary: "is this victim already in the cluster".
            models.Index(fields=["victim_key"], name="case_report_victim_key"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.number or self.pk}"

    @property
    def cluster_id(self) -> int | None:
        """The cluster the report belongs to (its ``Membership``); None while it is single."""
        membership = self._membership()
        return membership.cluster_id if membership is not None else None

    @property
    def cluster(self) -> Cluster | None:
        membership = self._membership()
        return membership.cluster if membership is not None else None

    def _membership(self) -> Membership | None:
        if self.pk is None:
            return None
        try:
            return self.membership
        except ObjectDoesNotExist:
            return None


class Membership(models.Model):
    """A report belongs to a cluster; a report without a row stays single.

    Kept apart from the wide report row: the rebuild writes a million of these as a ``COPY``
    of narrow rows instead of updating a million report rows, and linking moves reports
    between clusters by rewriting these rows only. ``damage_cents`` is copied from the report
    (it never changes) so the incremental summary finds the median damage by offset in the
    ``(cluster, damage_cents)`` index, which also serves "the reports of this cluster".
    """

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, primary_key=True, related_name="membership"
    )
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    damage_cents = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["cluster", "damage_cents"], name="case_membership_cluster"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} in {self.cluster_id}"


class ReportLink(models.Model):
    """A report names an identifier (by pseudonym). The index leads with the pseudonym: the
    rebuild reads links in pseudonym order and linking asks "who else names this one"."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="links")
    pseudonym = models.ForeignKey(
        "identifiers.Pseudonym", on_delete=models.PROTECT, related_name="case_links"
    )
    role = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pseudonym", "report"], name="case_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} — {self.pseudonym_id}"


class Hub(models.Model):
    """An identifier that is watched, or that no longer links reports (a hub).

    Rows exist for allowlisted identifiers, for identifiers named by more reports than the
    hub limit (their counters are then kept up to date), and for analysts' overrides.
    ``is_excluded`` is the effective decision the linking reads.
    """

    pseudonym = models.OneToOneField(
        "identifiers.Pseudonym", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    report_count = models.PositiveIntegerField(default=0)
    fraud_types = models.JSONField(default=dict)  # code -> reports
    allowlisted = models.BooleanField(default=False)
    reason = models.CharField(max_length=16, choices=HubReason.choices, blank=True)
    override = models.CharField(max_length=8, choices=HubOverride.choices, default=HubOverride.AUTO)
    is_excluded = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-report_count", "pk"]

    def __str__(self) -> str:
        return f"hub {self.pseudonym_id} ({'excluded' if self.is_excluded else 'linking'})"


class SuspectLocation(models.Model):
    """A bank's statement under an agreement: the holder of this account lives in this postcode
    area. Used only for routing; kept as long as the agreement keeps the identifier kind."""

    pseudonym = models.ForeignKey(
        "identifiers.Pseudonym", on_delete=models.CASCADE, related_name="+"
    )
    postcode4 = models.CharField(max_length=4)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        "partners.DataSharingAgreement", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pseudonym", "organisation"], name="suspect_location_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym_id} in {self.postcode4}"


class ClusterTransition(models.Model):
    """One change of a cluster's state. Never edited: the history is the rows."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=ClusterState.choices)
    to_state = models.CharField(max_length=16, choices=ClusterState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.from_state} → {self.to_state}"


class RoutingDecision(models.Model):
    """Where routing sent a cluster, by which rule and why; ``applied`` is false when the
    cluster had already been taken on and stayed where it was."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="routing")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    previous_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(max_length=120)
    reason = models.CharField(max_length=300)
    applied = models.BooleanField(default=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.cluster_id} → {self.unit_id} ({self.rule_name})"


class ClusterEvent(models.Model):
    """A change of membership: formed, grew, merged, split or dissolved."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=ClusterEventKind.choices)
    other = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.kind}"


class ClusterNote(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.cluster_id}"
