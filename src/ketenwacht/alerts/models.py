"""Alerts: modus-operandi warnings shared in a sharing group under a TLP 2.0 marking.

Public interface for other apps (the exchange adapters build on these):

- ``Alert``: the current state. ``uuid`` is the stable public id (use it for STIX ids);
  ``marking`` a ``partners.constants.Marking``; ``group`` decides who receives; ``status``
  draft → shared → withdrawn (every change also an ``AlertTransition``); ``version`` the number
  of the newest ``AlertVersion``; ``is_public`` set only by a release every member consented to.
- ``AlertVersion``: a full copy of the content per edit (never edited; PII redaction scrubs).
- ``AlertIndicator``: an identifier linked to an ``identifiers.Pseudonym`` (keyed HMAC of the
  canonical value); the raw value only encrypted, and only where the group's agreement names
  roles that may see raw values.
- ``Subscription``: an organisation's webhook or daily digest, filtered by fraud type and
  marking.

Never decide visibility from these fields yourself: ask ``alerts.selectors`` (which asks
``partners.access``) and build ``access.AlertFacts`` with ``Alert.facts()``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.alerts.constants import (
    DEFAULT_MARKING,
    INDICATOR_NOTE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    AlertStatus,
    SubscriptionChannel,
)
from ketenwacht.partners.access import AlertFacts
from ketenwacht.partners.constants import Marking


class Alert(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    fraud_type = models.ForeignKey(
        "knowledge.FraudType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("fraud type"),
    )
    phases = models.JSONField(_("criminal-journey phases"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    marking = models.CharField(
        _("marking"), max_length=16, choices=Marking.choices, default=DEFAULT_MARKING
    )
    group = models.ForeignKey(
        "partners.SharingGroup",
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("sharing group"),
    )
    author_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="authored_alerts"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_alerts",
    )
    # TLP:RED goes to these named people only (and the author).
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="red_alerts"
    )
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.DRAFT)
    is_quick_flag = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    # The group reads versions from this one on; earlier ones were the author's drafts.
    first_shared_version = models.PositiveIntegerField(null=True, blank=True)
    is_public = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["group", "status", "-updated_at"]),
            models.Index(fields=["status", "shared_at"]),
            models.Index(fields=["is_public", "status", "marking", "-published_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == AlertStatus.DRAFT

    @property
    def is_shared(self) -> bool:
        return self.status == AlertStatus.SHARED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == AlertStatus.WITHDRAWN

    def named_people(self) -> frozenset[int]:
        named = set(self.recipients.values_list("pk", flat=True))
        if self.created_by_id is not None:
            named.add(self.created_by_id)
        return frozenset(named)

    def facts(self) -> AlertFacts:
        """What ``partners.access`` needs to decide about this alert."""
        return AlertFacts(
            group_id=self.group_id,
            marking=self.marking,
            author_organisation_id=self.author_organisation_id,
            is_draft=self.is_draft,
            is_withdrawn=self.is_withdrawn,
            is_public=self.is_public,
            named_people=self.named_people() if self.marking == Marking.RED else frozenset(),
        )


class AlertVersion(models.Model):
    """The content of one version. A new row per edit; never edited (redaction excepted)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.CharField(max_length=SUMMARY_MAX, blank=True)
    body = models.TextField(blank=True)
    fraud_type_code = models.CharField(max_length=40, blank=True)
    phases = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    marking = models.CharField(max_length=16, choices=Marking.choices)
    # [{"kind", "display_hint", "note"}]: which indicators the version had (no values).
    indicators = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["alert", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "number"], name="alert_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} v{self.number}"


class AlertTransition(models.Model):
    """One change of an alert's status: draft → shared → withdrawn. Never edited."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=AlertStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    actor_label = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["alert", "at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.from_status or '∅'} → {self.to_status}"


class AlertIndicator(models.Model):
    """An identifier the alert names, as a pseudonym.

    ``pseudonym`` links to ``identifiers.Pseudonym`` (its purge keeps pseudonyms that alerts
    still name). ``raw_*`` hold the canonical value encrypted (AES-GCM, the identifiers key)
    only when the group's agreement in force named roles that may see raw values; the value
    is deleted at ``raw_expires_at`` (the agreement's retention for the kind).
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="indicators")
    kind = models.CharField(max_length=16)
    pseudonym = models.ForeignKey(
        "identifiers.Pseudonym", on_delete=models.PROTECT, related_name="alert_indicators"
    )
    display_hint = models.CharField(max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=INDICATOR_NOTE_MAX, blank=True)
    raw_nonce = models.BinaryField(max_length=12, null=True, blank=True)
    raw_ciphertext = models.BinaryField(null=True, blank=True)
    raw_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    agreement = models.ForeignKey(
        "partners.DataSharingAgreement", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["alert", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "pseudonym"], name="alert_indicator_unique_pseudonym"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.display_hint}"

    @property
    def has_raw_value(self) -> bool:
        return self.raw_ciphertext is not None and (
            self.raw_expires_at is None or self.raw_expires_at > timezone.now()
        )

    def snapshot(self) -> dict[str, str]:
        return {"kind": self.kind, "display_hint": self.display_hint, "note": self.note}


class Subscription(models.Model):
    """How an organisation hears of new alerts: a signed webhook at once, or a daily digest.

    Empty filter lists mean "all". Whatever the filter, a marking reaches a channel only if
    ``partners.access.marking_allows`` says so (RED never; AMBER+STRICT never by e-mail).
    """

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="alert_subscriptions"
    )
    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=16, choices=SubscriptionChannel.choices)
    endpoint = models.ForeignKey(
        "delivery.WebhookEndpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alert_subscriptions",
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    fraud_types = models.JSONField(default=list, blank=True)
    markings = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(channel=SubscriptionChannel.WEBHOOK, endpoint__isnull=False)
                    | (
                        models.Q(channel=SubscriptionChannel.DIGEST, endpoint__isnull=True)
                        & ~models.Q(email="")
                    )
                ),
                name="alert_subscription_channel_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.name}"

    def wants(self, *, fraud_type_code: str | None, marking: str) -> bool:
        """The subscription's own filters (the marking rules are checked separately)."""
        if self.fraud_types and fraud_type_code not in self.fraud_types:
            return False
        return not self.markings or marking in self.markings


class ExchangeStatus(models.Model):
    """The TAXII 2.1 status resource of one ``POST …/objects/``: what was added, what failed.

    An envelope is imported whole or not at all, so the status is written ``complete`` at once;
    ``successes`` and ``failures`` hold ``{"id", "version"[, "message"]}`` per object. Only the
    organisation that posted reads it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey("partners.SharingGroup", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, default="complete")
    total_count = models.PositiveIntegerField(default=0)
    successes = models.JSONField(default=list, blank=True)
    failures = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.uuid}: {len(self.successes)}/{self.total_count}"
