"""A cluster's summary: reports, victims, damage, fraud forms, dates, regions, age, growth.

Computed in Python from the cluster's reports (one query for any number of clusters), so the
incremental path, the rebuild and the tests share one definition. Victims are counted once
per ``victim_key`` (a victim may report to the police and through the intake).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from ketenwacht.cases import bulkwrite, priority
from ketenwacht.cases.config import priority_weights
from ketenwacht.cases.constants import AGE_65_PLUS
from ketenwacht.cases.models import Cluster, Membership, Report, Unit


class ReportFacts(NamedTuple):
    """One report as the summary reads it (a tuple: the rebuild makes a million)."""

    cluster_id: int
    damage_cents: int
    seen_on: date
    reported_on: date
    region: str  # unit code, "" when the postcode is unknown
    age_band: str
    victim_key: str
    fraud_type: str


@dataclass
class Summary:
    report_count: int = 0
    victim_count: int = 0
    damage_total_cents: int = 0
    damage_median_cents: int = 0
    fraud_types: dict[str, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)
    first_seen: date | None = None
    last_seen: date | None = None
    share_65_plus: float | None = None
    aged_victims: int = 0
    aged_65_plus: int = 0
    growth_7d: int = 0
    growth_30d: int = 0
    priority: float = 0.0

    FIELDS = (
        "report_count",
        "victim_count",
        "damage_total_cents",
        "damage_median_cents",
        "fraud_types",
        "regions",
        "first_seen",
        "last_seen",
        "share_65_plus",
        "aged_victims",
        "aged_65_plus",
        "growth_7d",
        "growth_30d",
        "priority",
    )

    def apply_to(self, cluster: Cluster) -> None:
        for name in self.FIELDS:
            setattr(cluster, name, getattr(self, name))


FactsRow = tuple[int, int, date, date, str, str, str, str]  # ``ReportFacts`` as a plain tuple


def summarise(rows: Collection[FactsRow], *, today: date, weights: dict[str, float]) -> Summary:
    """The summary of one cluster's reports (``ReportFacts``, or plain tuples in that order,
    in report id order: a victim's first report gives the victim's region and age group).

    One pass over the rows with plain dicts: the rebuild calls this for every cluster (some
    200,000 at a million reports, most of them small), so the per-cluster overhead counts.
    ``test_linking.py::test_summarise_equals_the_reference`` holds it to the plain
    definition.
    """
    if not rows:
        return Summary()
    week, month = today - timedelta(days=7), today - timedelta(days=30)
    damages: list[int] = []
    fraud_types: dict[str, int] = {}
    victims: dict[str, tuple[str, str]] = {}  # victim key -> (region, age group)
    first = last = None
    growth_7d = growth_30d = 0
    for _cluster, damage, seen_on, reported_on, region, age_band, victim_key, fraud in rows:
        damages.append(damage)
        fraud_types[fraud] = fraud_types.get(fraud, 0) + 1
        if victim_key not in victims:
            victims[victim_key] = (region, age_band)
        if first is None or seen_on < first:
            first = seen_on
        if last is None or seen_on > last:
            last = seen_on
        if reported_on > week:
            growth_7d += 1
        if reported_on > month:
            growth_30d += 1
    damages.sort()
    regions: dict[str, int] = {}
    aged = aged_65_plus = 0
    for region, age_band in victims.values():
        if region:
            regions[region] = regions.get(region, 0) + 1
        if age_band:
            aged += 1
            if age_band in AGE_65_PLUS:
                aged_65_plus += 1
    summary = Summary(
        report_count=len(damages),
        victim_count=len(victims),
        damage_total_cents=sum(damages),
        damage_median_cents=_median(damages),
        fraud_types=dict(sorted(fraud_types.items())) if len(fraud_types) > 1 else fraud_types,
        regions=dict(sorted(regions.items())) if len(regions) > 1 else regions,
        first_seen=first,
        last_seen=last,
        share_65_plus=_share(aged_65_plus, aged),
        aged_victims=aged,
        aged_65_plus=aged_65_plus,
        growth_7d=growth_7d,
        growth_30d=growth_30d,
    )
    summary.priority = _priority(summary, today=today, weights=weights)
    return summary


def _median(ordered: list[int]) -> int:
    """The median of sorted values, halves rounded as ``round`` does (``statistics.median``
    gives the same, slower)."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round((ordered[middle - 1] + ordered[middle]) / 2)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _priority(summary: Summary | Cluster, *, today: date, weights: dict[str, float]) -> float:
    return priority.score_of(
        summary.victim_count,
        summary.damage_total_cents,
        summary.share_65_plus,
        summary.growth_7d,
        summary.growth_30d,
        summary.last_seen,
        today=today,
        weights=weights,
    )


FACT_COLUMNS = (  # of a report, as ``ReportFacts`` after the cluster id
    "damage_cents",
    "seen_on",
    "reported_on",
    "region__code",
    "age_band",
    "victim_key",
    "fraud_type",
)


def facts_of(cluster_ids: Collection[int]) -> dict[int, list[ReportFacts]]:
    by_cluster: dict[int, list[ReportFacts]] = defaultdict(list)
    ids = list(cluster_ids)
    for start in range(0, len(ids), 2000):
        # In id order: a victim's first report gives the victim's region and age group.
        rows = (
            Report.objects.filter(membership__cluster_id__in=ids[start : start + 2000])
            .order_by("pk")
            .values_list("membership__cluster_id", *FACT_COLUMNS)
        )
        for cluster_id, damage, seen_on, reported_on, region, age, victim, fraud in rows:
            by_cluster[cluster_id].append(
                ReportFacts(
                    cluster_id, damage, seen_on, reported_on, region or "", age, victim, fraud
                )
            )
    return by_cluster


def facts_statement(report_ids: Collection[int]) -> bulkwrite.Statement:
    """``FACT_COLUMNS`` of these reports, in id order, as one plain statement to send with
    others (read the rows with :func:`facts_from`)."""
    q = connection.ops.quote_name
    reports, units = q(Report._meta.db_table), q(Unit._meta.db_table)
    ids = sorted(report_ids)
    marks = ", ".join(["%s"] * len(ids))
    return (
        f"SELECT r.damage_cents, r.seen_on, r.reported_on, u.code, r.age_band, "  # noqa: S608
        f"r.victim_key, r.fraud_type FROM {reports} r LEFT JOIN {units} u ON u.id = r.region_id "
        f"WHERE r.id IN ({marks}) ORDER BY r.id",
        ids,
    )


def facts_from(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """The rows of :func:`facts_statement` as the ORM gives them (dates; "" for no region)."""
    facts: list[tuple[Any, ...]] = []
    for damage, seen_on, reported_on, region, age, victim, fraud in rows:
        if isinstance(seen_on, str):  # SQLite may return dates as text
            seen_on, reported_on = date.fromisoformat(seen_on), date.fromisoformat(reported_on)
        facts.append((damage, seen_on, reported_on, region or "", age, victim, fraud))
    return facts


def write(summaries: Mapping[int, Summary], *, now: datetime) -> None:
    bulkwrite.update_many(
        Cluster,
        [*Summary.FIELDS, "summary_at", "updated_at"],
        [
            (cluster_id, *(getattr(item, name) for name in Summary.FIELDS), now, now)
            for cluster_id, item in summaries.items()
        ],
    )


def refresh(cluster_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, Summary]:
    """Recompute and store the summaries of these clusters; returns them by cluster id. The
    caller holds the clusters' locks (``linking.lock_clusters``; a change holds them
    already): an add that grew one between the read and the write would be overwritten by a
    summary that misses it, and the next add trusts the stored report count
    (``median_with``)."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    weights = priority_weights()
    ids = sorted(set(cluster_ids))
    facts = facts_of(ids)
    summaries = {cid: summarise(facts.get(cid, []), today=today, weights=weights) for cid in ids}
    write(summaries, now=moment)
    return summaries


def facts_in_memory(report: Report) -> tuple[Any, ...] | None:
    """``FACT_COLUMNS`` of a report held in memory, or None if reading it needs a query."""
    if report.region_id is not None and not Report.region.is_cached(report):
        return None
    region = report.region.code if report.region_id is not None and report.region else ""
    return (
        report.damage_cents,
        report.seen_on,
        report.reported_on,
        region,
        report.age_band,
        report.victim_key,
        report.fraud_type,
    )


# The damages read around the old median of a cluster that one report joins: enough to find
# the new median in Python without the new report's membership row (see ``median_with``).
WINDOW = 3


def window_offset(count: int) -> int:
    """Where the ``WINDOW`` damages start in the ``count`` sorted damages of a cluster."""
    return max(0, count // 2 - 1)


def median_with(window: Sequence[int], count: int, damage: int) -> int:
    """The median damage of a cluster of ``count`` reports after one report with ``damage``
    joins it. ``window``: its damages sorted, from ``window_offset(count)`` on (at most
    ``WINDOW``). With ``a`` the old sorted damages, the new ``i``-th smallest is
    ``max(a[i-1], min(damage, a[i]))``; the new median needs it for the middle one or two
    ``i``, which lie within the window."""
    offset = window_offset(count)

    def old(i: int) -> float:
        if i < 0:
            return float("-inf")
        if i >= count:
            return float("inf")
        return window[i - offset]

    def new(i: int) -> float:
        return max(old(i - 1), min(damage, old(i)))

    total = count + 1
    low, high = new((total - 1) // 2), new(total // 2)
    return round((low + high) / 2) if total % 2 == 0 else int(low)


def _newcomers(
    cluster_id: int, report_ids: list[int], count: int
) -> tuple[list[tuple[Any, ...]], set[str], int]:
    """Several reports joined (their memberships written): their facts (``FACT_COLUMNS``, in
    id order), the victims already in the cluster among theirs, and the median damage with
    them — one statement."""
    q = connection.ops.quote_name
    reports, members = q(Report._meta.db_table), q(Membership._meta.db_table)
    units = q(Unit._meta.db_table)
    marks = ", ".join(["%s"] * len(report_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.damage_cents, r.seen_on, r.reported_on, u.code, r.age_band, "  # noqa: S608
            f"r.victim_key, r.fraud_type, EXISTS (SELECT 1 FROM {reports} r2 "
            f"JOIN {members} m2 ON m2.report_id = r2.id WHERE r2.victim_key = r.victim_key "
            f"AND m2.cluster_id = %s AND r2.id NOT IN ({marks})), middle.low, middle.high "
            f"FROM {reports} r LEFT JOIN {units} u ON u.id = r.region_id CROSS JOIN "
            f"(SELECT MIN(d) AS low, MAX(d) AS high FROM (SELECT damage_cents AS d "
            f"FROM {members} WHERE cluster_id = %s ORDER BY damage_cents LIMIT %s OFFSET %s) "
            f"around) middle WHERE r.id IN ({marks}) ORDER BY r.id",
            [
                cluster_id,
                *report_ids,
                cluster_id,
                2 - count % 2,
                (count - 1) // 2,
                *report_ids,
            ],
        )
        rows = cursor.fetchall()
    newcomers: list[tuple[Any, ...]] = []
    known: set[str] = set()
    for damage, seen_on, reported_on, region, age, victim, fraud, is_known, *_ in rows:
        if isinstance(seen_on, str):  # SQLite may return dates as text
            seen_on, reported_on = date.fromisoformat(seen_on), date.fromisoformat(reported_on)
        newcomers.append((damage, seen_on, reported_on, region or "", age, victim, fraud))
        if is_known:
            known.add(victim)
    low, high = rows[0][-2:] if rows else (0, 0)
    return newcomers, known, round((low + high) / 2) if count % 2 == 0 else int(low)


def grow(cluster: Cluster, newcomer_ids: Collection[int], *, now: datetime) -> None:
    """Add reports to a cluster's stored summary without reading its other reports (their
    membership rows written; ``cluster`` locked by the caller), and write it.

    The same result as ``summarise`` over all reports (a victim's first report gives the
    region and age; growth counts reports from the last 7 and 30 days, which the daily
    refresh moves along the calendar).
    """
    newcomers, known, median = _newcomers(
        cluster.pk, sorted(newcomer_ids), cluster.report_count + len(newcomer_ids)
    )
    _grow_by(cluster, newcomers, known, median, now=now)
    bulkwrite.send([stored_statement(cluster)])


def grow_one(
    cluster: Cluster,
    facts: tuple[Any, ...],
    *,
    known_victim: bool,
    window: Sequence[int],
    now: datetime,
) -> None:
    """``grow`` for one report (``facts_in_memory``) in memory only, before its membership
    row is written: ``known_victim``, whether its victim is in the cluster already;
    ``window``, the cluster's damages around the median (``median_with``). Write it with
    :func:`stored_statement`."""
    median = median_with(window, cluster.report_count, facts[0])
    _grow_by(cluster, [facts], {facts[5]} if known_victim else set(), median, now=now)


# What a cluster's stored summary is, and the same with the unit routing gave it.
SUMMARY_ROWS = bulkwrite.ModelRows(Cluster, [*Summary.FIELDS, "summary_at", "updated_at"])
ROUTED_SUMMARY_ROWS = bulkwrite.ModelRows(Cluster, [*SUMMARY_ROWS.names, "unit"])


def stored_statement(cluster: Cluster, *, with_unit: bool = False) -> bulkwrite.Statement:
    """The ``UPDATE`` of a cluster's summary (and its unit), to send with others."""
    return (ROUTED_SUMMARY_ROWS if with_unit else SUMMARY_ROWS).update_statement(cluster)


def _grow_by(
    cluster: Cluster,
    newcomers: list[tuple[Any, ...]],
    known: set[str],
    median: int,
    *,
    now: datetime,
) -> None:
    """Count the newcomers (``FACT_COLUMNS``; ``known``: their victims already in the
    cluster) into the cluster's summary (in memory)."""
    today = timezone.localdate(now)
    week, month = today - timedelta(days=7), today - timedelta(days=30)
    fraud_types = dict(cluster.fraud_types)
    regions = dict(cluster.regions)
    for damage, seen_on, reported_on, region, age_band, victim_key, fraud_type in newcomers:
        cluster.report_count += 1
        cluster.damage_total_cents += damage
        fraud_types[fraud_type] = fraud_types.get(fraud_type, 0) + 1
        cluster.first_seen = min(filter(None, [cluster.first_seen, seen_on]))
        cluster.last_seen = max(filter(None, [cluster.last_seen, seen_on]))
        cluster.growth_7d += reported_on > week
        cluster.growth_30d += reported_on > month
        if victim_key in known:
            continue
        known.add(victim_key)
        cluster.victim_count += 1
        if region:
            regions[region] = regions.get(region, 0) + 1
        if age_band:
            cluster.aged_victims += 1
            cluster.aged_65_plus += age_band in AGE_65_PLUS
    cluster.fraud_types = dict(sorted(fraud_types.items()))
    cluster.regions = dict(sorted(regions.items()))
    cluster.share_65_plus = _share(cluster.aged_65_plus, cluster.aged_victims)
    cluster.damage_median_cents = median
    cluster.priority = _priority(cluster, today=today, weights=priority_weights())
    cluster.summary_at = cluster.updated_at = now
