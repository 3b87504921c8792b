"""Listed elements of the oblivious check, and PSI screening jobs.

A listed identifier is kept here as ``E = k_v * HashToGroup(kind:value)`` under OPRF key
version ``v`` — never the value, never its HMAC pseudonym. ``pseudonym_id`` names the
identifiers domain's pseudonym whose sightings give the level; it is a plain integer, not a
foreign key, so the identifiers retention purge still sees a pseudonym as unused once its
sightings are gone (stale rows here are dropped by ``privatecheck_sync``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ListedElement(models.Model):
    key_version = models.PositiveSmallIntegerField()
    pseudonym_id = models.BigIntegerField(null=True, blank=True)
    allowlist_entry = models.ForeignKey(
        "identifiers.AllowlistEntry",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    element = models.BinaryField(max_length=32)
    tag = models.BinaryField(max_length=32)
    # The tag's first 16 bits: buckets are ranges of this number.
    bucket = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key_version", "bucket"], name="privcheck_version_bucket")]
        constraints = [
            models.UniqueConstraint(
                fields=["key_version", "pseudonym_id"],
                condition=models.Q(pseudonym_id__isnull=False),
                name="privcheck_unique_pseudonym",
            ),
            models.UniqueConstraint(
                fields=["key_version", "allowlist_entry"],
                condition=models.Q(allowlist_entry__isnull=False),
                name="privcheck_unique_allowlist",
            ),
        ]

    def __str__(self) -> str:
        return f"listed element v{self.key_version} bucket {self.bucket}"


class PendingListing(models.Model):
    """A recorded batch's values waiting to be listed, sealed (AES-GCM under the raw-value key).

    Ingest hands its values over inside its own transaction (one row per batch, so a recorded
    value is never lost to the list) and a worker lists them after the commit: the ristretto255
    work (~65 µs per value and key version) stays off the recording path. The row is deleted as
    soon as it is listed; ``privatecheck_sync`` lists any a lost task left behind.
    """

    nonce = models.BinaryField(max_length=12)
    sealed = models.BinaryField()
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"pending listing of {self.count} values"


class PsiStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class PsiJob(models.Model):
    """One bulk screening by private set intersection over OPRF tags.

    Phase 1 (asynchronous): the partner sends its items as blinded OPRF elements; the job
    evaluates them and builds the openmined-psi server setup of the tags of the identifiers at
    ``warning`` or above under the partner's agreements. Phase 2: the partner unblinds, makes an
    openmined-psi request of its tags (encrypted under its own key) and gets the response.
    The platform learns the number of items, never one of them. Blobs are deleted when the
    partner has fetched the response, and by ``privatecheck_purge_psi`` after a day.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    token = models.ForeignKey(
        "partners.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=PsiStatus.choices, default=PsiStatus.QUEUED)
    key_version = models.PositiveSmallIntegerField(default=0)
    client_items = models.PositiveIntegerField(default=0)
    server_items = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    elements = models.BinaryField(default=b"")
    evaluated = models.BinaryField(default=b"")
    setup = models.BinaryField(default=b"")
    psi_key = models.BinaryField(default=b"")
    answered = models.BooleanField(default=False)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"PSI job {self.uuid} ({self.status})"
