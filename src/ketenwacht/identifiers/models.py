"""Pseudonyms, encrypted raw values, sightings, the allowlist, idempotency records, disputes
and portal uploads."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketenwacht.identifiers.constants import (
    KIND_CHOICES,
    AllowlistCategory,
    Confidence,
    DisputeAction,
    DisputeStatus,
    IdentifierRole,
    Source,
    UploadStatus,
)


class Pseudonym(models.Model):
    """One identifier as ``HMAC(key_v, kind:canonical)``. The value itself is not here.

    ``digest`` is unique per key version; the index leads with the digest because lookups
    ask ``digest IN (…)`` with the digests of every version in use.
    """

    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    key_version = models.PositiveSmallIntegerField()
    digest = models.BinaryField(max_length=32)
    display_hint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["digest", "key_version"], name="pseudonym_unique_digest_version"
            )
        ]
        indexes = [models.Index(fields=["key_version"], name="pseudonym_key_version")]

    def __str__(self) -> str:
        return f"{self.kind} {self.display_hint} (v{self.key_version})"

    @property
    def reference(self) -> str:
        """A stable text form of the pseudonym for audit rows: ``v<version>:<hex>``."""
        return f"v{self.key_version}:{bytes(self.digest).hex()}"


class RawValue(models.Model):
    """The canonical value, AES-GCM encrypted, kept only where an agreement allows it.

    ``expires_at`` is the latest expiry of the sightings it was kept for; ``agreement`` the
    version under which it was last kept.
    """

    pseudonym = models.OneToOneField(
        Pseudonym, on_delete=models.CASCADE, primary_key=True, related_name="raw_value"
    )
    encryption_key_version = models.PositiveSmallIntegerField(default=1)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField()
    agreement = models.ForeignKey(
        "partners.DataSharingAgreement", on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"raw value of pseudonym {self.pseudonym_id}"


class Sighting(models.Model):
    """One organisation saw this identifier in a fraud, under a sharing group's agreement."""

    pseudonym = models.ForeignKey(Pseudonym, on_delete=models.PROTECT, related_name="sightings")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    sharing_group = models.ForeignKey(
        "partners.SharingGroup", on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        "partners.DataSharingAgreement", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    fraud_type = models.CharField(max_length=40)
    role = models.CharField(max_length=32, choices=IdentifierRole.choices)
    confidence = models.CharField(max_length=16, choices=Confidence.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    observed_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The ingest call that wrote it; its audit row carries the same id.
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "created_at"], name="sighting_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} sighting {self.pk} ({self.fraud_type}, {self.confidence})"


class AllowlistEntry(models.Model):
    """An official number, domain or address of a bank, government body, carrier or platform.

    These are public contact points of organisations, not personal data, so the canonical
    value is stored as it is: a check compares it directly and key rotation never touches it.
    """

    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    value = models.CharField(max_length=512)
    display = models.CharField(max_length=512)
    owner_name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=AllowlistCategory.choices)
    label = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    # A domain entry also covers URLs on it; off for platforms whose URLs are user content
    # (a marketplace advert of a fraudster is not official).
    covers_urls = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["owner_name", "kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="allowlist_unique_value")
        ]
        verbose_name_plural = "allowlist entries"

    def __str__(self) -> str:
        return f"{self.owner_name}: {self.display}"


class IdempotencyRecord(models.Model):
    """A batch request's outcome, replayed when the same ``Idempotency-Key`` comes again.

    Written in the same transaction as the sightings, so a stored response always means the
    batch was recorded, and a failed batch leaves no record to replay.
    """

    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.key}"


class Dispute(models.Model):
    """A listed party says the listing of one identifier is wrong ("my account was wrongly
    reported"). While it is open the public check gives no verdict for the value; two people of
    the programme team decide (one proposes, another approves). ``status`` is the current state;
    every change is also a ``DisputeEvent`` row."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pseudonym = models.ForeignKey(Pseudonym, on_delete=models.PROTECT, related_name="disputes")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    display_hint = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    statement = models.TextField()
    submitted_at = models.DateTimeField(default=timezone.now)
    # The pending proposal (four eyes): cleared when it is sent back.
    proposed_outcome = models.CharField(max_length=16, choices=DisputeStatus.choices, blank=True)
    proposed_reason = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # What the disputer was told, and how many sightings an upheld dispute deleted.
    decision_reason = models.TextField(blank=True)
    sightings_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["pseudonym", "status"], name="dispute_pseudonym_status")]
        constraints = [
            # One open dispute per value: the second would only ask the same question again.
            models.UniqueConstraint(
                fields=["pseudonym"],
                condition=models.Q(status=DisputeStatus.OPEN),
                name="dispute_one_open_per_pseudonym",
            )
        ]

    def __str__(self) -> str:
        return f"dispute {self.reference} ({self.kind} {self.display_hint}, {self.status})"

    @property
    def has_pending_proposal(self) -> bool:
        return bool(self.proposed_outcome)


class DisputeEvent(models.Model):
    """One step in a dispute's history: submitted, proposed, sent back, decided, withdrawn."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=DisputeAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    outcome = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.action} → {self.to_status}"


class DisputeEvidence(models.Model):
    """A file a disputer attached (PDF, PNG or JPEG, checked on content). The bytes live in the
    private file store under ``stored_name`` (a random name), never under the web root, and are
    only ever sent as a download to the programme team."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    stored_name = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"evidence {self.pk} of dispute {self.dispute_id}"


class SightingUpload(models.Model):
    """A CSV of sightings uploaded in the portal: previewed, confirmed, then recorded in chunks.

    The file's bytes are kept in ``content`` only until they are processed (or the upload is
    cancelled); progress counters are updated after every chunk, so the page can show them.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content = models.BinaryField(default=b"")
    delimiter = models.CharField(max_length=1, default=",")
    columns = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    atomic = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.UPLOADED
    )
    processed_rows = models.PositiveIntegerField(default=0)
    recorded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "created_at"], name="upload_org_created")]

    def __str__(self) -> str:
        return f"upload {self.uuid} ({self.file_name}, {self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class SightingUploadError(models.Model):
    """A row of an upload that was not recorded, with its row number and why."""

    upload = models.ForeignKey(SightingUpload, on_delete=models.CASCADE, related_name="errors")
    row_number = models.PositiveIntegerField()
    code = models.CharField(max_length=64)
    field = models.CharField(max_length=64, blank=True)
    detail = models.TextField()

    class Meta:
        ordering = ["row_number", "pk"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.code}"
