"""Organisations, memberships, sharing groups, data-sharing agreements and API tokens."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.partners.constants import Role, Sector, VictimFeedback
from ketenwacht.partners.validators import validate_kvk


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[validate_kvk]
    )
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"],
                condition=~models.Q(kvk_number=""),
                name="organisation_unique_kvk",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in an organisation. A user works for one organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class SharingGroup(models.Model):
    """A closed circle of organisations that share under one data-sharing agreement."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(Organisation, related_name="sharing_groups", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataSharingAgreement(models.Model):
    """One version of a group's agreement. Never edited: a change is a new version."""

    group = models.ForeignKey(SharingGroup, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveIntegerField()
    purpose = models.TextField()
    legal_basis = models.TextField()
    allowed_kinds = models.JSONField(default=list)
    raw_value_roles = models.JSONField(default=list)
    retention_days = models.JSONField(default=dict)
    warning_thresholds = models.JSONField(default=dict)
    # What victims whose reports reached the police under this agreement are told about
    # the cluster their report joined (``VictimFeedback``); nothing unless the parties agree.
    victim_feedback = models.CharField(
        _("feedback to victims"),
        max_length=10,
        choices=VictimFeedback.choices,
        default=VictimFeedback.NONE,
        help_text=_(
            "What victims whose reports reached the police under this agreement are told "
            "about the police cluster their report joined. Read only from the intake "
            "sharing group's agreement, the one victims' reports reach the police under."
        ),
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["group", "version"], name="agreement_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.group} v{self.version}"

    def is_valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)


class ApiToken(models.Model):
    """An organisation's API token. Only a SHA-256 digest of the secret is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name} ({self.key_id})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, moment: datetime | None = None) -> bool:
        return (moment or timezone.now()) >= self.expires_at
