"""Questionnaire versions, the desk directory, intakes, referrals and their history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ketenwacht.intake.constants import (
    DEFAULT_DESK_RETENTION_DAYS,
    DeskKind,
    HistoryEvent,
    IntakeStatus,
    ReferralMethod,
    ReferralStatus,
)


class Questionnaire(models.Model):
    """One version of the questionnaire graph. Never edited: a change is a new version."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.TextField(_("YAML source"))
    definition = models.JSONField(_("parsed definition"))
    is_active = models.BooleanField(_("active"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="intake_one_active_questionnaire",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Desk(models.Model):
    """A reporting or help desk, or a bank: what it handles and what it may receive."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DeskKind.choices)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    fraud_line = models.CharField(
        _("fraud line"),
        max_length=40,
        blank=True,
        help_text=_("Banks: the number victims call to stop a payment. Empty when not known."),
    )
    fraud_types = models.JSONField(_("fraud types handled"), default=list, blank=True)
    audiences = models.JSONField(_("serves (person, business)"), default=list, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    referral_method = models.CharField(
        _("warm referral by"),
        max_length=16,
        choices=ReferralMethod.choices,
        default=ReferralMethod.NONE,
    )
    referral_email = models.EmailField(_("referral e-mail address"), blank=True)
    webhook_endpoint = models.ForeignKey(
        "delivery.WebhookEndpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("webhook endpoint"),
    )
    organisation = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="intake_desks",
        verbose_name=_("partner organisation"),
        help_text=_("Its desk agents see this desk's referrals in the portal inbox."),
    )
    field_policy = models.JSONField(_("fields it may receive"), default=list, blank=True)
    retention_days = models.PositiveIntegerField(
        _("retention of referrals (days)"), default=DEFAULT_DESK_RETENTION_DAYS
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("desk")
        verbose_name_plural = _("desk directory")

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        english = (get_language() or "nl").startswith("en")
        return self.description_en if english and self.description_en else self.description_nl

    @property
    def is_bank(self) -> bool:
        return self.kind == DeskKind.BANK

    @property
    def takes_warm_referrals(self) -> bool:
        """Active, with a method, and the method's target configured."""
        if not self.is_active or not self.field_policy:
            return False
        if self.referral_method == ReferralMethod.WEBHOOK:
            return self.webhook_endpoint_id is not None
        if self.referral_method == ReferralMethod.EMAIL:
            return bool(self.referral_email)
        if self.referral_method == ReferralMethod.PORTAL:
            return self.organisation_id is not None
        return False


class Intake(models.Model):
    """One victim's report: answers (encrypted), the facts derived from them, referrals.

    The link secret is not stored, only its SHA-256; answers and contact details are
    encrypted (``ketenwacht.crypto``) with the reference as associated data.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    language = models.CharField(max_length=8, default="nl")
    answers_encrypted = models.BinaryField()
    contact_encrypted = models.BinaryField(null=True, blank=True)
    # Facts for routing and statistics, set when the intake is sent.
    outcome = models.CharField(max_length=60, blank=True)
    fraud_types = models.JSONField(default=list, blank=True)
    urgency = models.CharField(max_length=16, blank=True)
    victim_type = models.CharField(max_length=16, blank=True)
    happened_on = models.DateField(null=True, blank=True)
    amount_cents = models.BigIntegerField(null=True, blank=True)
    payment_method = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=32, blank=True)
    victim_bank = models.CharField(max_length=60, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    postcode = models.CharField(max_length=4, blank=True)
    sightings_consent = models.BooleanField(default=False)
    sightings_recorded = models.PositiveIntegerField(default=0)
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assisted_organisation = models.ForeignKey(
        "partners.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "updated_at"], name="intake_status_updated")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_submitted(self) -> bool:
        return self.status == IntakeStatus.SUBMITTED

    @property
    def is_assisted(self) -> bool:
        return self.assisted_organisation_id is not None


class Referral(models.Model):
    """A warm referral of one intake to one desk, holding only that desk's allowed fields."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="referrals")
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="referrals")
    # The organisation whose desk agents see it (copied from the desk when sent).
    organisation = models.ForeignKey(
        "partners.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=16, choices=ReferralMethod.choices)
    status = models.CharField(
        max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    fields = models.JSONField(default=list)
    payload_encrypted = models.BinaryField(null=True, blank=True)
    assisted = models.BooleanField(default=False)
    # Denormalised from the intake so the inbox lists a page without joins it does not need.
    reference = models.CharField(max_length=12)
    fraud_types = models.JSONField(default=list)
    urgency = models.CharField(max_length=16, blank=True)
    consented_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "desk"], name="referral_one_per_desk")
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="referral_inbox"),
            models.Index(
                fields=["organisation", "status", "-created_at"], name="referral_inbox_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} → {self.desk_id} ({self.status})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ReferralEvent(models.Model):
    """One row of a referral's history: a status change or a message. Never edited."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    event = models.CharField(max_length=20, choices=HistoryEvent.choices)
    status_from = models.CharField(max_length=16, blank=True)
    status_to = models.CharField(max_length=16, blank=True)
    message_encrypted = models.BinaryField(null=True, blank=True)
    by_victim = models.BooleanField(default=False)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["referral", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.event} {self.status_from}→{self.status_to}"
