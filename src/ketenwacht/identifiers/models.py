"""Pseudonyms, encrypted raw values, sightings, the allowlist and idempotency records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketenwacht.identifiers.constants import (
    KIND_CHOICES,
    AllowlistCategory,
    Confidence,
    IdentifierRole,
    Source,
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
