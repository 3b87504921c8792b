"""Identifiers of reports as pseudonyms: the same keyed HMAC as every sighting.

A report's identifiers are canonicalised (``identifiers.canonical``) and looked up as
pseudonyms under every key version on disk (``identifiers.pseudonyms``); values never seen
before get a pseudonym under the current key, with the same masked display hint the
identifiers app writes. No raw value is kept here: where an agreement allows keeping one, the
identifiers app keeps it with a sighting, and a reveal goes through it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import Canonical
from ketenwacht.identifiers.models import Pseudonym


def _existing(digests: Sequence[bytes]) -> dict[tuple[int, bytes], int]:
    found: dict[tuple[int, bytes], int] = {}
    if not digests:
        return found
    rows = Pseudonym.objects.filter(digest__in=list(set(digests))).values_list(
        "pk", "key_version", "digest"
    )
    for pk, version, digest in rows:
        found[(version, bytes(digest))] = pk
    return found


def pseudonym_ids_for(canonicals: Sequence[Canonical]) -> list[int]:
    """The pseudonym id of every canonical value, in input order (created where missing)."""
    ring = pseudonyms.keyring()
    current = ring.current_version
    by_version = [pseudonyms.digests_by_version(c.kind, c.value, ring) for c in canonicals]
    found = _existing([digest for digests in by_version for digest in digests.values()])

    def lookup(digests: dict[int, bytes]) -> int | None:
        # Newest version first: after a rotation the re-keyed row is the one that counts.
        for version in ring.versions:
            pk = found.get((version, digests[version]))
            if pk is not None:
                return pk
        return None

    missing = {
        digests[current]: canonical
        for canonical, digests in zip(canonicals, by_version, strict=True)
        if lookup(digests) is None
    }
    if missing:
        Pseudonym.objects.bulk_create(
            [
                Pseudonym(
                    kind=canonical.kind,
                    key_version=current,
                    digest=digest,
                    display_hint=pseudonyms.display_hint(canonical),
                )
                for digest, canonical in missing.items()
            ],
            ignore_conflicts=True,  # a concurrent request may create the same value
        )
        found.update(_existing(list(missing)))
    ids = []
    for digests in by_version:
        pk = lookup(digests)
        assert pk is not None
        ids.append(pk)
    return ids
