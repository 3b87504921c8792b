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


def seal(canonical: Canonical) -> tuple[bytes, bytes]:
    """``(nonce, ciphertext)`` of the canonical value under the raw-value key."""
    return pseudonyms.encrypt_raw(canonical.kind, canonical.value)


def unseal(kind: str, nonce: bytes, ciphertext: bytes) -> str:
    return pseudonyms.decrypt_raw(kind, bytes(nonce), bytes(ciphertext))
