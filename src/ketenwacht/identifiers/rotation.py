"""Pseudonym key rotation without downtime (see docs/adr/0002-pseudonyms-and-key-rotation.md).

1. ``pseudonym_key_generate`` writes key version N+1. Every process notices the new file
   (``pseudonyms.keyring`` watches the key directory) and from then on makes new pseudonyms
   under N+1 while looking values up under every version on disk.
2. ``pseudonyms_rekey`` moves every pseudonym with a kept raw value to N+1, in batches of
   short transactions: decrypt, compute the new digest, update the row in place (sightings
   keep pointing at the same row).
3. Pseudonyms without a raw value cannot be re-keyed: their canonical value is nowhere. A new
   sighting of the value re-keys its row (``ingest.upgrade_old_versions``); the rest stay
   under the old key until retention deletes them.
4. ``pseudonym_keys_retire`` deletes an old key file once no row uses that version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from ketenwacht import keys
from ketenwacht.audit.services import audit_record
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.ingest import find_pseudonyms
from ketenwacht.identifiers.models import Pseudonym, RawValue
from ketenwacht.partners.access import SYSTEM, Actor


def _keys_dir() -> Path:
    return Path(str(settings.KETENWACHT["KEYS_DIR"]))


def _key_path(directory: Path, version: int) -> Path:
    return directory / f"{keys.PSEUDONYM_KEY_PREFIX}{version}.key"


def pseudonym_key_generate(*, actor: Actor = SYSTEM) -> int:
    """Write the next pseudonym key version (mode 0600) and return its number."""
    directory = _keys_dir()
    existing = keys.pseudonym_keys(directory)
    version = max(existing, default=0) + 1
    descriptor = os.open(_key_path(directory, version), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(os.urandom(32).hex())
    pseudonyms.forget_keys()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="keys.pseudonym_generate",
            object_type="pseudonym_key",
            object_id=version,
            details={"key_version": version},
        )
    return version


@dataclass
class RekeyResult:
    current_version: int
    rekeyed: int = 0
    merged: int = 0
    batches: int = 0
    # Rows still under an older version per version: values without a kept raw value.
    remaining: dict[int, int] = field(default_factory=dict)


def _merge_into(old: Pseudonym, target_id: int) -> None:
    """Two rows for one value (only after an interrupted earlier rotation): keep ``target``."""
    for relation in Pseudonym._meta.related_objects:
        if relation.one_to_many:
            relation.related_model._default_manager.filter(**{relation.field.name: old}).update(
                **{relation.field.name: target_id}
            )
    old_raw = RawValue.objects.filter(pseudonym=old).first()
    target_raw = RawValue.objects.filter(pseudonym_id=target_id).first()
    if old_raw is not None and target_raw is None:
        RawValue.objects.create(
            pseudonym_id=target_id,
            encryption_key_version=old_raw.encryption_key_version,
            nonce=old_raw.nonce,
            ciphertext=old_raw.ciphertext,
            agreement_id=old_raw.agreement_id,
            expires_at=old_raw.expires_at,
        )
    elif (
        old_raw is not None
        and target_raw is not None
        and old_raw.expires_at > target_raw.expires_at
    ):
        target_raw.expires_at, target_raw.agreement_id = old_raw.expires_at, old_raw.agreement_id
        target_raw.save(update_fields=["expires_at", "agreement"])
    old.delete()


def _rekey_batch(ids: list[int], ring: pseudonyms.KeyRing, result: RekeyResult) -> None:
    current = ring.current_version
    key = ring.pseudonym_keys[current]
    with transaction.atomic():
        rows = list(
            Pseudonym.objects.select_for_update()
            .filter(pk__in=ids, key_version__lt=current)
            .order_by("pk")
        )
        raws = {
            raw.pk: raw for raw in RawValue.objects.filter(pseudonym_id__in=[r.pk for r in rows])
        }
        new_digests = {}
        for row in rows:
            raw = raws[row.pk]
            value = pseudonyms.decrypt_raw(row.kind, raw.nonce, raw.ciphertext, ring)
            new_digests[row.pk] = pseudonyms.digest(row.kind, value, key=key)
        existing = find_pseudonyms(new_digests.values())
        updates = []
        for row in rows:
            target = existing.get((current, new_digests[row.pk]))
            if target is not None and target != row.pk:
                _merge_into(row, target)
                result.merged += 1
                continue
            row.digest, row.key_version = new_digests[row.pk], current
            updates.append(row)
        Pseudonym.objects.bulk_update(updates, ["digest", "key_version"], batch_size=500)
        result.rekeyed += len(updates)
        result.batches += 1


def pseudonyms_rekey(*, actor: Actor = SYSTEM, batch_size: int = 1000) -> RekeyResult:
    """Move every pseudonym with a kept raw value to the current key version."""
    pseudonyms.forget_keys()
    ring = pseudonyms.keyring()
    current = ring.current_version
    result = RekeyResult(current_version=current)
    last_id = 0
    while True:
        ids = list(
            RawValue.objects.filter(pseudonym__key_version__lt=current, pseudonym_id__gt=last_id)
            .order_by("pseudonym_id")
            .values_list("pseudonym_id", flat=True)[:batch_size]
        )
        if not ids:
            break
        _rekey_batch(ids, ring, result)
        last_id = ids[-1]
    result.remaining = {
        version: count
        for version, count in _counts_by_version().items()
        if version < current and count
    }
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="keys.pseudonym_rekey",
            object_type="pseudonym_key",
            object_id=current,
            details={
                "key_version": current,
                "moved": result.rekeyed,  # ("rekeyed" would be masked as a secret)
                "merged": result.merged,
                "remaining": {str(v): n for v, n in result.remaining.items()},
            },
        )
    return result


def _counts_by_version() -> dict[int, int]:
    rows = Pseudonym.objects.values("key_version").annotate(total=Count("pk")).order_by()
    return {row["key_version"]: row["total"] for row in rows}


def pseudonym_keys_retire(*, actor: Actor = SYSTEM) -> tuple[list[int], dict[int, int]]:
    """Delete old key files no pseudonym uses any more. Returns (retired, still in use)."""
    pseudonyms.forget_keys()
    ring = pseudonyms.keyring()
    counts = _counts_by_version()
    retired: list[int] = []
    in_use: dict[int, int] = {}
    for version in ring.versions:
        if version == ring.current_version:
            continue
        if counts.get(version):
            in_use[version] = counts[version]
            continue
        _key_path(_keys_dir(), version).unlink()
        retired.append(version)
    pseudonyms.forget_keys()
    if retired:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="keys.pseudonym_retire",
                object_type="pseudonym_key",
                object_id=",".join(str(v) for v in retired),
                details={"key_version": ring.current_version, "retired": retired},
            )
    return retired, in_use
