"""Release by consent: a request to take something beyond its sharing group.

A ``ReleaseRequest`` is about any object (content type + primary key) that a registered
handler (``release.registry``) knows how to release. It asks every ``ReleaseParty`` (a member
organisation, fixed when the request opens); each records one ``ReleaseDecision``. All approve
→ released (the handler applies the outcome); one veto or the deadline → not released. The
current ``status`` is kept on the request for querying; every change of it is also a
``ReleaseTransition`` row, written under ``select_for_update`` of the request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketenwacht.release.constants import Decision, Status


class ReleaseRequest(models.Model):
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    action = models.CharField(_("action"), max_length=32)
    params = models.JSONField(default=dict, blank=True)
    # What was asked, in words, as the handler described it when the request opened.
    summary = models.CharField(_("summary"), max_length=300)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        constraints = [
            # One open round of consent per object and action at a time.
            models.UniqueConstraint(
                fields=["target_type", "target_id", "action"],
                condition=models.Q(status=Status.OPEN),
                name="release_one_open_request_per_action",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary} ({self.status})"

    @property
    def target_label(self) -> str:
        """``app_label.model`` of the object, the key of its handler in the registry."""
        return f"{self.target_type.app_label}.{self.target_type.model}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class ReleaseParty(models.Model):
    """An organisation whose consent the request needs."""

    request = models.ForeignKey(ReleaseRequest, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["request", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organisation"], name="release_party_unique_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.organisation_id}"


class ReleaseDecision(models.Model):
    """One organisation's answer. Written once, never edited."""

    request = models.ForeignKey(ReleaseRequest, on_delete=models.CASCADE, related_name="decisions")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["request", "decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "organisation"], name="release_decision_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.organisation_id} {self.decision}"


class ReleaseTransition(models.Model):
    """One change of a request's status: the history, never edited."""

    request = models.ForeignKey(ReleaseRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor_label = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '∅'} → {self.to_status}"
