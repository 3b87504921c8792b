"""The one place where alerts meet the identifiers app.

Canonical forms, keyed pseudonyms, the masked display hint and the encryption of raw values
all belong to ``ketenwacht.identifiers``; alerts use them only through these functions, so a
change there is a change here only.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import Canonical, CanonicalError, canonicalise
from ketenwacht.identifiers.models import Pseudonym
from ketenwacht.identifiers.selectors import pseudonym_find

__all__ = [
    "Canonical",
    "CanonicalError",
    "canonical_of",
    "display_hint",
    "is_bsn_like",
    "pseudonym_for",
    "pseudonyms_for",
    "seal",
    "unseal",
]

BSN_REFUSED = "bsn_refused"


def canonical_of(value: str, kind: str | None = None) -> Canonical:
    """The canonical form, or ``CanonicalError`` (BSN-like numbers are always refused)."""
    return canonicalise(value, kind)


def is_bsn_like(text: str) -> bool:
    """Whether the identifiers app refuses ``text`` as a possible citizen service number."""
    try:
        canonicalise(text)
    except CanonicalError as error:
        return error.code == BSN_REFUSED
    return False


def display_hint(canonical: Canonical) -> str:
    return pseudonyms.display_hint(canonical)


def pseudonym_for(canonical: Canonical) -> Pseudonym:
    """The value's pseudonym under any key version, created under the current one if new.

    identifiers has no public "ensure" service (sightings create pseudonyms in bulk), so this
    mirrors its ingest: same digest, same display hint, same uniqueness on (digest, version).
    """
    found = pseudonym_find(canonical)
    if found is not None:
        return found
    version, digest = pseudonyms.current_digest(canonical.kind, canonical.value)
    try:
        with transaction.atomic():
            return Pseudonym.objects.create(
                kind=canonical.kind,
                key_version=version,
                digest=digest,
                display_hint=display_hint(canonical),
            )
    except IntegrityError:  # created concurrently
        return Pseudonym.objects.get(digest=digest, key_version=version)


def pseudonyms_for(
    canonicals: list[Canonical], chunk: int = 2000
) -> dict[tuple[str, str], Pseudonym]:
    """``pseudonym_for`` for many values at once: a query per chunk, one bulk insert of the new.

    Keyed by ``(kind, canonical value)``; a value stored under an older key version keeps it.
    """
    ring = pseudonyms.keyring()
    wanted = list(dict.fromkeys((c.kind, c.value) for c in canonicals))
    hints = {(c.kind, c.value): display_hint(c) for c in canonicals}
    found: dict[tuple[str, str], Pseudonym] = {}
    for start in range(0, len(wanted), chunk):
        index: dict[tuple[int, bytes], tuple[str, str]] = {}
        for kind, value in wanted[start : start + chunk]:
            for version, digest in pseudonyms.digests_by_version(kind, value, ring).items():
                index[(version, digest)] = (kind, value)
        digests = [digest for _version, digest in index]
        for pseudonym in Pseudonym.objects.filter(digest__in=digests):
            key = index.get((pseudonym.key_version, bytes(pseudonym.digest)))
            if key is not None:
                found.setdefault(key, pseudonym)
    missing = [key for key in wanted if key not in found]
    if missing:
        new = []
        for kind, value in missing:
            version, digest = pseudonyms.current_digest(kind, value, ring)
            new.append(
                Pseudonym(
                    kind=kind, key_version=version, digest=digest, display_hint=hints[(kind, value)]
                )
            )
        Pseudonym.objects.bulk_create(new, ignore_conflicts=True, batch_size=chunk)
        by_digest = {bytes(p.digest): key for p, key in zip(new, missing, strict=True)}
        version = ring.current_version
        for start in range(0, len(new), chunk):
            part = [p.digest for p in new[start : start + chunk]]
            for pseudonym in Pseudonym.objects.filter(digest__in=part, key_version=version):
                found[by_digest[bytes(pseudonym.digest)]] = pseudonym
    return found


def seal(canonical: Canonical) -> tuple[bytes, bytes]:
    """``(nonce, ciphertext)`` of the canonical value under the raw-value key."""
    return pseudonyms.encrypt_raw(canonical.kind, canonical.value)


def unseal(kind: str, nonce: bytes, ciphertext: bytes) -> str:
    return pseudonyms.decrypt_raw(kind, bytes(nonce), bytes(ciphertext))
