"""The shield's one meeting point with the identifiers app: allowlist and sightings.

Everything the shield needs from identifiers passes through these functions, so the rest of
the app reads as if the allowlist and the sightings were local facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from ketenwacht.identifiers.canonical import Canonical, CanonicalError, canonicalise
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.shield.scoring import Brand, brand_for

MAX_SIGHTINGS_PER_BLOCK = 1000


@dataclass(frozen=True)
class HostKey:
    """A host name and its registrable domain, both A-labels."""

    host: str
    registrable_domain: str


def _domain_canonical(name: str) -> Canonical | None:
    try:
        return canonicalise(name, kind="domain")
    except CanonicalError:
        return None


def allowlisted_domains() -> frozenset[str]:
    """Registrable domains on the allowlist (a few hundred official domains): loaded once per
    intake, so each host is checked with a set lookup instead of a query."""
    from ketenwacht.identifiers.selectors import allowlist_list

    values = allowlist_list(actor=SYSTEM).filter(kind="domain").values_list("value", flat=True)
    return frozenset(values)


def brands_for(domains: Iterable[str]) -> list[Brand]:
    """The protected brands whose look-alikes the triage looks for."""
    return [brand for brand in (brand_for(domain) for domain in sorted(domains)) if brand]


def allowlisted_names(names: Iterable[str]) -> set[str]:
    """Which of these host names (or their registrable domains) are on the allowlist."""
    from ketenwacht.identifiers.selectors import allowlist_hits

    canonicals: dict[str, Canonical] = {}
    for name in names:
        canonical = _domain_canonical(name)
        if canonical is not None:
            canonicals[name] = canonical
    if not canonicals:
        return set()
    hits = allowlist_hits(list(canonicals.values()))
    return {name for name, c in canonicals.items() if (c.kind, c.value) in hits}


def allowlisted_below(name: str) -> list[str]:
    """Allowlisted domains that a wildcard block on ``name`` would also catch."""
    from ketenwacht.identifiers.selectors import allowlist_list

    entries = allowlist_list(actor=SYSTEM).filter(kind="domain", value__endswith="." + name)
    return list(entries.values_list("value", flat=True))


def confirmed_values(urls: Sequence[str], domains: Sequence[str]) -> set[tuple[str, str]]:
    """``(kind, value)`` pairs among these with a confirmed, unexpired sighting (any group).

    Triage needs only "has anyone confirmed this?", not the full check score, so this looks
    up each pseudonym and asks one question of the sightings.
    """
    from ketenwacht.identifiers.constants import CONFIRMING
    from ketenwacht.identifiers.models import Sighting
    from ketenwacht.identifiers.selectors import pseudonym_find

    found: dict[int, tuple[str, str]] = {}
    for kind, values in (("url", urls), ("domain", domains)):
        for value in values:
            try:
                canonical = canonicalise(value, kind=kind)
            except CanonicalError:
                continue
            pseudonym = pseudonym_find(canonical)
            if pseudonym is not None:
                found[pseudonym.pk] = (canonical.kind, canonical.value)
    if not found:
        return set()
    confirmed = Sighting.objects.filter(
        pseudonym_id__in=list(found),
        confidence__in=list(CONFIRMING),
        expires_at__gt=timezone.now(),
    ).values_list("pseudonym_id", flat=True)
    return {found[pseudonym_id] for pseudonym_id in set(confirmed)}


def record_confirmed_sightings(
    *, approver: Actor, domains: Sequence[str], urls: Sequence[str]
) -> int:
    """Confirmed domains and URLs become sightings (confidence ``confirmed``, source shield).

    They are attributed to the approving analyst's organisation, in each of its sharing groups
    whose agreement allows the kind. Items an agreement does not allow are skipped, not fatal:
    the block stands on its own. Runs inside the approving transaction; returns the count.
    """
    from ketenwacht.identifiers.constants import Confidence, IdentifierRole, Source
    from ketenwacht.identifiers.selectors import agreements_in_force
    from ketenwacht.identifiers.services import sightings_ingest

    organisation = approver.organisation
    if organisation is None:
        return 0
    group_ids = list(organisation.sharing_groups.values_list("pk", flat=True))
    agreements = agreements_in_force(group_ids, now=timezone.now())
    wanted = [("domain", IdentifierRole.PHISHING_DOMAIN, value) for value in domains] + [
        ("url", IdentifierRole.PHISHING_URL, value) for value in urls
    ]
    items = [
        {
            "value": value,
            "kind": kind,
            "fraud_type": "phishing",
            "role": role,
            "confidence": Confidence.CONFIRMED,
            "sharing_group": group_id,
        }
        for kind, role, value in wanted
        for group_id, agreement in sorted(agreements.items())
        if kind in agreement.allowed_kinds
    ]
    if not items:
        return 0
    result = sightings_ingest(
        actor=SYSTEM,
        items=items[:MAX_SIGHTINGS_PER_BLOCK],
        atomic=False,
        source=Source.SHIELD,
        organisation=organisation,
    )
    return result.recorded
