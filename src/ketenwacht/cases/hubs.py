"""The hub guard: identifiers that must not join reports into clusters.

Two kinds: allowlisted identifiers (official numbers, domains and addresses of banks,
platforms and public bodies, which fraudsters spoof or victims mention), and identifiers
named by more reports than a limit across unrelated fraud forms (a marketplace's support
address, a bank's real number) or by very many reports at all. Analysts see these in the hub
list and may override the automatic decision either way.

Counters are kept only for identifiers that have a ``Hub`` row: allowlisted ones, ones over
the limit, and overridden ones. Any other identifier is named by at most ``max_reports``
reports, so counting its links on demand is cheap.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from ketenwacht.cases import bulkwrite
from ketenwacht.cases.config import HubLimits, hub_limits
from ketenwacht.cases.constants import HubOverride, HubReason, fraud_family
from ketenwacht.cases.models import Hub, Report, ReportLink
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.models import AllowlistEntry, Pseudonym


def auto_reason(
    report_count: int, fraud_types: Mapping[str, int], allowlisted: bool, limits: HubLimits
) -> str:
    """Why an identifier is a hub by the automatic rules (``""``: it is not)."""
    if allowlisted:
        return HubReason.ALLOWLISTED
    if report_count > limits.absolute_max:
        return HubReason.VERY_MANY
    # A family counts when it holds a fair share of the reports: one victim in ten choosing
    # another form for a fraud network's IBAN does not make that IBAN a hub.
    per_family: dict[str, int] = {}
    for code, n in fraud_types.items():
        per_family[fraud_family(code)] = per_family.get(fraud_family(code), 0) + max(0, n)
    families = [
        family
        for family, n in per_family.items()
        if n > 0 and n >= limits.min_family_share * max(report_count, 1)
    ]
    if report_count > limits.max_reports and len(families) >= limits.min_families:
        return HubReason.MANY_FORMS
    return HubReason.NONE


def is_excluded(reason: str, override: str) -> bool:
    if override == HubOverride.LINK:
        return False
    if override == HubOverride.EXCLUDE:
        return True
    return bool(reason)


def tracking_threshold(limits: HubLimits) -> int:
    """From this many reports on an identifier gets a ``Hub`` row with kept counters."""
    return min(limits.max_reports, limits.absolute_max)


def decide(hub: Hub, limits: HubLimits) -> None:
    """Set ``reason`` and ``is_excluded`` from the counters, allowlist and override."""
    hub.reason = auto_reason(hub.report_count, hub.fraud_types, hub.allowlisted, limits)
    hub.is_excluded = is_excluded(hub.reason, hub.override)


def excluded_ids(pseudonym_ids: Collection[int] | None = None) -> set[int]:
    """Pseudonyms that link nothing (all of them when ``pseudonym_ids`` is None)."""
    query = Hub.objects.filter(is_excluded=True)
    if pseudonym_ids is not None:
        query = query.filter(pseudonym_id__in=list(pseudonym_ids))
    return set(query.values_list("pseudonym_id", flat=True))


# --- the allowlist as pseudonyms ---------------------------------------------------------------

_allowlist_lock = threading.Lock()
_allowlist_cache: dict[str, tuple[tuple[object, ...], frozenset[bytes]]] = {}


def _allowlist_digests() -> frozenset[bytes]:
    """Digests of every allowlist entry under every key version, cached until either changes.

    The allowlist holds public contact points in the clear; exact matches are found by
    digest. (Coverage of URLs and addresses by a listed domain needs the canonical value, which
    ``linking`` checks at the moment a report arrives.)
    """
    ring = pseudonyms.keyring()
    stats = AllowlistEntry.objects.aggregate(n=Count("pk"), last=Max("pk"))
    stamp = (stats["n"], stats["last"], ring.versions)
    cached = _allowlist_cache.get("digests")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    digests = frozenset(
        digest
        for kind, value in AllowlistEntry.objects.values_list("kind", "value")
        for digest in pseudonyms.digests_by_version(kind, value, ring).values()
    )
    with _allowlist_lock:
        _allowlist_cache["digests"] = (stamp, digests)
    return digests


def allowlisted_ids(pseudonym_ids: Collection[int]) -> set[int]:
    """Which of these pseudonyms are exactly an allowlisted value."""
    digests = _allowlist_digests()
    if not digests or not pseudonym_ids:
        return set()
    rows = Pseudonym.objects.filter(pk__in=list(pseudonym_ids)).values_list("pk", "digest")
    return {pk for pk, digest in rows if bytes(digest) in digests}


def all_allowlisted_ids() -> set[int]:
    """Every pseudonym that is exactly an allowlisted value (the rebuild's view)."""
    digests = list(_allowlist_digests())
    found: set[int] = set()
    for start in range(0, len(digests), 2000):
        found.update(
            Pseudonym.objects.filter(digest__in=digests[start : start + 2000]).values_list(
                "pk", flat=True
            )
        )
    return found


# --- counters ------------------------------------------------------------------------------------


def link_counts(pseudonym_ids: Collection[int]) -> dict[int, Counter[str]]:
    """Reports per fraud type naming each pseudonym, counted from the links."""
    counts: dict[int, Counter[str]] = {pid: Counter() for pid in pseudonym_ids}
    if not pseudonym_ids:
        return counts
    ids = list(pseudonym_ids)
    link_table = connection.ops.quote_name(ReportLink._meta.db_table)
    report_table = connection.ops.quote_name(Report._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    # On the hot path of every new report: one plain statement, no ORM compilation.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.pseudonym_id, r.fraud_type, COUNT(*) FROM {link_table} l "  # noqa: S608
            f"JOIN {report_table} r ON r.id = l.report_id "
            f"WHERE l.pseudonym_id IN ({marks}) GROUP BY l.pseudonym_id, r.fraud_type",
            ids,
        )
        for pid, fraud_type, n in cursor.fetchall():
            counts[pid][fraud_type] += n
    return counts


@dataclass(frozen=True)
class Flips:
    """Pseudonyms whose effective decision changed."""

    now_excluded: frozenset[int] = frozenset()
    now_linking: frozenset[int] = frozenset()
    excluded: frozenset[int] = frozenset()  # all of the given pseudonyms excluded now

    def __bool__(self) -> bool:
        return bool(self.now_excluded or self.now_linking)


# What ``count_change`` reads and writes of a hub row (the other fields stay deferred).
HUB_ROWS = bulkwrite.ModelRows(
    Hub,
    [
        "pseudonym",
        "report_count",
        "fraud_types",
        "allowlisted",
        "reason",
        "override",
        "is_excluded",
    ],
)


def rows_statement(pseudonym_ids: Collection[int]) -> bulkwrite.Statement:
    """The statement of :func:`rows_of`, to send with others (read with :func:`rows_from`)."""
    ids = list(pseudonym_ids)
    return _rows_sql(connection.vendor, len(ids)), ids


@functools.lru_cache(maxsize=256)
def _rows_sql(vendor: str, count: int) -> str:
    """Made once per database vendor and number of identifiers (read on every add)."""
    table = connection.ops.quote_name(Hub._meta.db_table)
    marks = ", ".join(["%s"] * count)
    return f"SELECT {HUB_ROWS.columns('h')} FROM {table} h WHERE h.pseudonym_id IN ({marks})"  # noqa: S608


def rows_from(rows: Iterable[Sequence[Any]]) -> dict[int, Hub]:
    return {hub.pseudonym_id: hub for hub in HUB_ROWS.instances(rows)}


def rows_of(pseudonym_ids: Collection[int]) -> dict[int, Hub]:
    """The hub rows of these identifiers (watched or excluded ones; most have none)."""
    if not pseudonym_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(*rows_statement(pseudonym_ids))
        return rows_from(cursor.fetchall())


COUNTER_FIELDS = [
    "report_count",
    "fraud_types",
    "allowlisted",
    "reason",
    "is_excluded",
    "updated_at",
]


def count_change(
    pseudonym_ids: Iterable[int],
    fraud_type: str,
    *,
    delta: int,
    allowlisted: Collection[int] = (),
    limits: HubLimits | None = None,
    totals: Mapping[int, int] | None = None,
    tracked: Mapping[int, Hub] | None = None,
    writes: list[bulkwrite.Statement] | None = None,
) -> Flips:
    """Account for one report (``delta`` +1 added, -1 removed) naming these pseudonyms.

    The report's links must already be written (added) or still be there (removed): an
    untracked identifier's count is read from the links. The caller holds the identifiers'
    locks (``linking.lock_for_change``; SQLite: the write lock), so no row lock is needed.
    ``totals`` (adding only): the links per identifier the caller has counted already, this
    report's included; the reports per fraud form are then read only for the identifiers
    that pass the tracking threshold, not for every one. ``tracked``: the identifiers' hub
    rows, if the caller has read them already (``rows_of``). ``writes``: if given, the new
    counters of existing hub rows are appended to it as statements, for the caller to send
    with its next message (a report naming a hub or a watched identifier, one add in a dozen
    at bench scale, then costs no round trip of its own); new hub rows are written here.
    """
    limits = limits or hub_limits()
    ids = sorted(set(pseudonym_ids))
    hubs = dict(tracked) if tracked is not None else rows_of(ids)
    untracked = [pid for pid in ids if pid not in hubs]
    threshold = tracking_threshold(limits)
    if totals is not None and delta > 0:
        untracked = [
            pid for pid in untracked if totals.get(pid, 0) > threshold or pid in allowlisted
        ]
    counts = link_counts(untracked) if untracked else {}
    if delta < 0:  # the links are still there: count without the report being removed
        for counter in counts.values():
            counter[fraud_type] -= 1
    excluded: set[int] = set()
    linking: set[int] = set()
    excluded_now = {pid for pid, hub in hubs.items() if hub.is_excluded}
    for pid in ids:
        hub = hubs.get(pid)
        if hub is None:
            if pid not in counts:  # counted by the caller: under the threshold, not listed
                continue
            counter = counts[pid]
            total = sum(counter.values())
            if total <= threshold and pid not in allowlisted:
                continue
            hub = Hub(
                pseudonym_id=pid,
                report_count=total,
                fraud_types={k: v for k, v in counter.items() if v > 0},
                allowlisted=pid in allowlisted,
            )
            decide(hub, limits)
            hub.save(force_insert=True)
            if hub.is_excluded:
                excluded.add(pid)
                excluded_now.add(pid)
            continue
        was = hub.is_excluded
        hub.report_count = max(0, hub.report_count + delta)
        types = dict(hub.fraud_types)
        types[fraud_type] = max(0, int(types.get(fraud_type, 0)) + delta)
        hub.fraud_types = {k: v for k, v in types.items() if v > 0}
        hub.allowlisted = hub.allowlisted or pid in allowlisted
        hub.updated_at = timezone.now()
        decide(hub, limits)
        if writes is None:
            hub.save(update_fields=COUNTER_FIELDS)
        else:
            values = [getattr(hub, name) for name in COUNTER_FIELDS]
            writes.append(bulkwrite.update_one_statement(Hub, pid, COUNTER_FIELDS, values))
        if hub.is_excluded and not was:
            excluded.add(pid)
            excluded_now.add(pid)
        elif was and not hub.is_excluded:
            linking.add(pid)
            excluded_now.discard(pid)
    return Flips(frozenset(excluded), frozenset(linking), frozenset(excluded_now))
