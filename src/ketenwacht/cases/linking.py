"""Keeping clusters up to date, one report at a time.

A new report's links are written, the hub counters of its identifiers updated, and then:

* **fast path** (no identifier changed its hub decision): the clusters and single reports
  that share a linking identifier with the new report are joined into one cluster — the one
  furthest along in the workflow (then the largest) survives, the others are marked merged
  into it. Cost: a few indexed queries, one ``INSERT … SELECT`` of the newcomers'
  memberships and (on a merge) one ``UPDATE`` of the smaller clusters' memberships.
* **local recompute** (an identifier became a hub, or stopped being one; a report was
  removed): the components of the affected clusters are computed again with
  ``components.partition`` and matched to the existing clusters with
  ``components.assign_identities`` — the same functions the full rebuild uses.

Concurrency: on PostgreSQL each change holds a shared advisory lock (the rebuild takes it
exclusively) and one advisory lock per identifier it names, in order, so two reports sharing
a new identifier are linked one after the other and always see each other. SQLite serialises
writers anyway (IMMEDIATE transactions).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from ketenwacht.cases import bulkwrite, hubs, summary
from ketenwacht.cases.bulkwrite import Statement
from ketenwacht.cases.components import Identity, assign_identities, partition
from ketenwacht.cases.config import priority_weights
from ketenwacht.cases.constants import STATE_WEIGHT, ClusterEventKind, ClusterState
from ketenwacht.cases.models import Cluster, ClusterEvent, Membership, Report, ReportLink

LOCK_NAMESPACE = 4242100  # first key of two-key advisory locks: the cases domain
LOCK_GLOBAL = 0  # second key: the whole linking (shared by changes, exclusive for rebuilds)


def lock_for_change(pseudonym_ids: Iterable[int], *, then: Statement | None = None) -> None:
    """Hold (shared) the linking lock and one lock per identifier, in a fixed order; then run
    ``then`` (a statement and its parameters) in the same round trip, if given."""
    statements = [] if then is None else [then]
    if connection.vendor == "postgresql":
        keys = sorted({(pid % 2_147_483_646) + 1 for pid in pseudonym_ids})
        # The select list is evaluated left to right, so the order holds.
        calls = ["pg_advisory_xact_lock_shared(%s, %s)"]
        calls += ["pg_advisory_xact_lock(%s, %s)"] * len(keys)
        params: list[Any] = [LOCK_NAMESPACE, LOCK_GLOBAL]
        for key in keys:
            params += [LOCK_NAMESPACE, key]
        statements.insert(0, (f"SELECT {', '.join(calls)}", params))
    if statements:
        with connection.cursor() as cursor:
            bulkwrite.execute_in_order(cursor, statements)


def lock_for_rebuild() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, LOCK_GLOBAL])


@dataclass
class Change:
    """What a change did to clusters: ``touched`` need a new summary and routing."""

    touched: set[int] = field(default_factory=set)
    ended: set[int] = field(default_factory=set)
    grew: set[int] = field(default_factory=set)  # continuing clusters that gained reports
    reopen: set[int] = field(default_factory=set)  # closed clusters that gained reports
    # Clusters whose summary is already up to date, with their row as it is now.
    summarised: dict[int, Cluster] = field(default_factory=dict)
    # State and unit of touched clusters known without reading them (new, or locked here):
    # with their fresh summaries routing needs no query.
    known: dict[int, tuple[str, int | None]] = field(default_factory=dict)


def cluster_rank(states: Mapping[int, str]) -> Callable[[int], tuple[int, ...]]:
    return lambda cluster_id: (STATE_WEIGHT.get(states.get(cluster_id, ""), 0),)


# --- adding -------------------------------------------------------------------------------------


def add_report(
    report: Report,
    pseudonym_ids: Collection[int],
    *,
    roles: Mapping[int, str] | None = None,
    allowlisted: Collection[int] = (),
    now: datetime | None = None,
) -> Change:
    """Link a stored report through these identifiers. Runs inside the caller's transaction."""
    moment = now or timezone.now()
    ids = sorted(set(pseudonym_ids))
    if not ids:
        return Change()
    links = bulkwrite.insert_values_statement(
        ReportLink,
        ["report", "pseudonym", "role"],
        [(report.pk, pid, (roles or {}).get(pid, "")) for pid in ids],
    )
    lock_for_change(ids, then=links)
    tracked = hubs.rows_of(ids)
    # Excluded hubs are left out before reading who names the identifiers: thousands of
    # links each, and they link nothing (if one stops being a hub now, the recompute below
    # reads what it needs). Watched identifiers that link (a hub row, not excluded: more
    # reports than the tracking threshold, or an analyst's override) keep their counters in
    # that row, and every report naming one is in one cluster, so one of those reports
    # tells which: reading all their links made the slowest adds (3–16 ms at 1M reports).
    reachable = [pid for pid in ids if not (pid in tracked and tracked[pid].is_excluded)]
    reached = _reach([pid for pid in reachable if pid not in tracked])
    _reach_watched([pid for pid in reachable if pid in tracked], report.pk, reached)
    flips = hubs.count_change(
        ids,
        report.fraud_type,
        delta=1,
        allowlisted=allowlisted,
        totals=reached.totals,
        tracked=tracked,
    )
    if flips:
        # The recompute sees only the seeds and their clusters: besides the reports naming a
        # flipped identifier, seed the ones the new report reaches through its linking ones.
        reach = {pid for pid in ids if pid not in flips.excluded}
        seeds = {report.pk} | _reports_naming(flips.now_excluded | flips.now_linking | reach)
        return recompute(seeds, now=moment)
    linking = [pid for pid in ids if pid not in flips.excluded]
    return _join(report, linking, reached, now=moment)


def _reports_naming(pseudonym_ids: Collection[int]) -> set[int]:
    if not pseudonym_ids:
        return set()
    return set(
        ReportLink.objects.filter(pseudonym_id__in=list(pseudonym_ids)).values_list(
            "report_id", flat=True
        )
    )


def enter(report_ids: Collection[int], cluster_id: int) -> None:
    """Single reports join a cluster: their membership rows, damage copied from the report
    (one ``INSERT … SELECT`` per 2,000 reports)."""
    ids = sorted(report_ids)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 2000):
            cursor.execute(*enter_statement(ids[start : start + 2000], cluster_id))


def enter_statement(report_ids: Collection[int], cluster_id: int) -> Statement:
    """The membership ``INSERT … SELECT`` of :func:`enter` for at most 2,000 reports."""
    member_table = connection.ops.quote_name(Membership._meta.db_table)
    report_table = connection.ops.quote_name(Report._meta.db_table)
    marks = ", ".join(["%s"] * len(report_ids))
    return (
        f"INSERT INTO {member_table} (report_id, cluster_id, damage_cents) "  # noqa: S608
        f"SELECT id, %s, damage_cents FROM {report_table} WHERE id IN ({marks})",
        [cluster_id, *sorted(report_ids)],
    )


def _join(report: Report, linking: list[int], reach: _Reach, *, now: datetime) -> Change:
    """The fast path: join the new report with everything its linking identifiers reach."""
    if not linking:
        return Change()
    cluster_ids: set[int] = set()
    singles: set[int] = set()
    for pid in linking:
        cluster_ids |= reach.clusters.get(pid, set())
        singles |= reach.singles.get(pid, set())
    singles.discard(report.pk)
    if not cluster_ids and not singles:
        return Change()  # nobody else names these identifiers: the report stays single
    newcomers = singles | {report.pk}
    if not cluster_ids:
        # A new cluster of single reports: summarised from their facts before it is written,
        # so it is inserted complete (no summary update after it).
        rows = [(0, *row) for row in summary.facts_of_reports(newcomers)]
        cluster = Cluster(created_at=now, updated_at=now, summary_at=now)
        summary.summarise(rows, today=timezone.localdate(now), weights=priority_weights()).apply_to(
            cluster
        )
        cluster.save(force_insert=True)
        enter(newcomers, cluster.pk)
        ClusterEvent.objects.create(
            cluster=cluster,
            kind=ClusterEventKind.CREATED,
            report_count=len(newcomers),
            created_at=now,
        )
        return Change(touched={cluster.pk}, summarised={cluster.pk: cluster})
    clusters = list(Cluster.objects.select_for_update().filter(pk__in=cluster_ids).order_by("pk"))
    survivor = max(clusters, key=lambda c: (STATE_WEIGHT.get(c.state, 0), c.report_count, -c.pk))
    absorbed = [c for c in clusters if c.pk != survivor.pk]
    if absorbed:
        Membership.objects.filter(cluster_id__in=[c.pk for c in absorbed]).update(cluster=survivor)
    alone = not absorbed and not singles  # the common add: one report grows one cluster
    if not alone:
        enter(newcomers, survivor.pk)
    events = []
    if singles:  # older single reports joined too (the new report shows in the timeline itself)
        events.append(
            ClusterEvent(
                cluster=survivor,
                kind=ClusterEventKind.GREW,
                report_count=len(newcomers),
                created_at=now,
            )
        )
    for other in absorbed:
        events += [
            ClusterEvent(
                cluster=survivor,
                kind=ClusterEventKind.ABSORBED,
                other=other,
                report_count=other.report_count,
                created_at=now,
            ),
            ClusterEvent(
                cluster=other,
                kind=ClusterEventKind.MERGED_INTO,
                other=survivor,
                report_count=other.report_count,
                created_at=now,
            ),
        ]
    if absorbed:
        Cluster.objects.filter(pk__in=[c.pk for c in absorbed]).update(
            is_active=False, merged_into=survivor, report_count=0, updated_at=now
        )
    if events:
        ClusterEvent.objects.bulk_create(events)
    change = Change(
        touched={survivor.pk},
        ended={c.pk for c in absorbed},
        grew={survivor.pk},
        known={survivor.pk: (survivor.state, survivor.unit_id)},
    )
    if survivor.state == ClusterState.CLOSED:
        change.reopen.add(survivor.pk)
    if not absorbed:
        # Only new reports joined: update the stored summary instead of reading the cluster.
        # When the new report joins alone, its membership row goes in the same round trip as
        # the summary's read (which must see it).
        summary.grow(
            survivor,
            newcomers,
            now=now,
            facts=summary.facts_in_memory(report),
            first=enter_statement([report.pk], survivor.pk) if alone else None,
        )
        change.summarised[survivor.pk] = survivor
    return change


@dataclass
class _Reach:
    """Per identifier: the reports naming it, and the clusters and single reports among them."""

    totals: dict[int, int] = field(default_factory=dict)
    clusters: dict[int, set[int]] = field(default_factory=dict)
    singles: dict[int, set[int]] = field(default_factory=dict)


def _reach(pseudonym_ids: list[int]) -> _Reach:
    """Who names these identifiers (the new report's links included), in one statement.

    Grouped by cluster (and single report), so a large cluster naming an identifier in
    hundreds of reports comes back as one row. The caller leaves out identifiers that are
    excluded hubs. The counts feed the hub counters (``hubs.count_change(totals=…)``), the
    clusters and singles the join.
    """
    found = _Reach()
    if not pseudonym_ids:
        return found
    q = connection.ops.quote_name
    link_table, member_table = q(ReportLink._meta.db_table), q(Membership._meta.db_table)
    marks = ", ".join(["%s"] * len(pseudonym_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.pseudonym_id, m.cluster_id, "  # noqa: S608
            f"CASE WHEN m.cluster_id IS NULL THEN l.report_id END, COUNT(*) "
            f"FROM {link_table} l LEFT JOIN {member_table} m ON m.report_id = l.report_id "
            f"WHERE l.pseudonym_id IN ({marks}) GROUP BY 1, 2, 3",
            pseudonym_ids,
        )
        for pid, cluster_id, single, count in cursor.fetchall():
            found.totals[pid] = found.totals.get(pid, 0) + count
            if cluster_id is not None:
                found.clusters.setdefault(pid, set()).add(cluster_id)
            else:
                found.singles.setdefault(pid, set()).add(single)
    return found


def _reach_watched(pseudonym_ids: list[int], report_id: int, found: _Reach) -> None:
    """Add to ``found`` the cluster (or single report) of one other report naming each of
    these linking identifiers, one index probe each, in one statement. Their totals are not
    needed: ``hubs.count_change`` takes them from the hub rows."""
    if not pseudonym_ids:
        return
    q = connection.ops.quote_name
    link_table, member_table = q(ReportLink._meta.db_table), q(Membership._meta.db_table)
    one = (
        f"SELECT %s, r.report_id, r.cluster_id FROM (SELECT l.report_id, m.cluster_id "  # noqa: S608
        f"FROM {link_table} l LEFT JOIN {member_table} m ON m.report_id = l.report_id "
        f"WHERE l.pseudonym_id = %s AND l.report_id <> %s LIMIT 1) r"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join([one] * len(pseudonym_ids)),
            [value for pid in pseudonym_ids for value in (pid, pid, report_id)],
        )
        for pid, other, cluster_id in cursor.fetchall():
            if cluster_id is not None:
                found.clusters.setdefault(pid, set()).add(cluster_id)
            else:
                found.singles.setdefault(pid, set()).add(other)


# --- removing -----------------------------------------------------------------------------------


def remove_report(report: Report, *, now: datetime | None = None) -> Change:
    """Unlink and delete a report (e.g. the victim withdrew consent); the rest is recomputed."""
    moment = now or timezone.now()
    ids = list(report.links.values_list("pseudonym_id", flat=True))
    lock_for_change(ids)
    flips = hubs.count_change(ids, report.fraud_type, delta=-1) if ids else hubs.Flips()
    seeds = _reports_naming(flips.now_excluded | flips.now_linking)
    cluster_id = report.cluster_id
    if cluster_id is not None:
        seeds |= set(
            Membership.objects.filter(cluster_id=cluster_id).values_list("report_id", flat=True)
        )
    seeds.discard(report.pk)
    report.delete()
    if not seeds:
        return Change()
    change = recompute(seeds, now=moment)
    if cluster_id is not None and cluster_id not in change.ended:
        change.touched.add(cluster_id)
    return change


# --- local recompute -------------------------------------------------------------------------


def recompute(seed_report_ids: Collection[int], *, now: datetime | None = None) -> Change:
    """Recompute the components of the seeds' clusters (and the seeds) from their links."""
    moment = now or timezone.now()
    seeds = set(seed_report_ids)
    cluster_ids = set(
        Membership.objects.filter(report_id__in=list(seeds)).values_list("cluster_id", flat=True)
    )
    scope: dict[int, int | None] = dict.fromkeys(
        Report.objects.filter(pk__in=list(seeds)).values_list("pk", flat=True)
    )
    scope.update(
        Membership.objects.filter(cluster_id__in=list(cluster_ids)).values_list(
            "report_id", "cluster_id"
        )
    )
    links = list(
        ReportLink.objects.filter(report_id__in=list(scope)).values_list(
            "report_id", "pseudonym_id"
        )
    )
    excluded = hubs.excluded_ids({pid for _rid, pid in links})
    components = partition(scope, links, excluded=frozenset(excluded))
    states = dict(Cluster.objects.filter(pk__in=list(cluster_ids)).values_list("pk", "state"))
    identity = assign_identities(components, scope, rank=cluster_rank(states))
    return apply_identity(identity, scope, now=moment)


def apply_identity(
    identity: Identity, current: Mapping[int, int | None], *, now: datetime
) -> Change:
    """Write the outcome of ``assign_identities``: new clusters, moved reports, ended clusters."""
    targets: dict[int, int | None] = {}
    change = Change()
    new_for: dict[int, Cluster] = {}
    for i, members in enumerate(identity.components):
        if len(members) < 2:
            for report_id in members:
                targets[report_id] = None
            continue
        cluster_id = identity.continues[i]
        if cluster_id is None:
            cluster = Cluster.objects.create(created_at=now, updated_at=now)
            new_for[i] = cluster
            cluster_id = cluster.pk
        for report_id in members:
            targets[report_id] = cluster_id
    moves: dict[int | None, list[int]] = defaultdict(list)
    flows: dict[int, Counter[int | None]] = defaultdict(Counter)  # old cluster -> new targets
    gained: Counter[int] = Counter()
    for report_id, target in targets.items():
        old = current.get(report_id)
        if old == target:
            continue
        moves[target].append(report_id)
        if old is not None:
            flows[old][target] += 1
            change.touched.add(old)
        if target is not None:
            change.touched.add(target)
            if old is None:
                gained[target] += 1
    for target, report_ids in moves.items():
        held = [r for r in report_ids if current.get(r) is not None]  # have a row
        for start in range(0, len(held), 2000):
            rows = Membership.objects.filter(report_id__in=held[start : start + 2000])
            if target is None:
                rows.delete()
            else:
                rows.update(cluster_id=target)
        if target is not None:
            enter([r for r in report_ids if current.get(r) is None], target)
    events: list[ClusterEvent] = []
    for i, cluster in new_for.items():
        sources = Counter(current.get(r) for r in identity.components[i])
        sources.pop(None, None)
        origin = sources.most_common(1)[0][0] if sources else None
        events.append(
            ClusterEvent(
                cluster=cluster,
                kind=ClusterEventKind.SPLIT if origin is not None else ClusterEventKind.CREATED,
                other_id=origin,
                report_count=len(identity.components[i]),
                created_at=now,
            )
        )
    for target, count in gained.items():
        if target not in {c.pk for c in new_for.values()}:
            events.append(
                ClusterEvent(
                    cluster_id=target,
                    kind=ClusterEventKind.GREW,
                    report_count=count,
                    created_at=now,
                )
            )
            change.grew.add(target)
    for ended in sorted(identity.ended):
        destinations = Counter({t: n for t, n in flows[ended].items() if t is not None})
        heir = destinations.most_common(1)[0][0] if destinations else None
        total = sum(flows[ended].values())
        if heir is None:
            events.append(
                ClusterEvent(
                    cluster_id=ended,
                    kind=ClusterEventKind.DISSOLVED,
                    report_count=total,
                    created_at=now,
                )
            )
        else:
            events += [
                ClusterEvent(
                    cluster_id=ended,
                    kind=ClusterEventKind.MERGED_INTO,
                    other_id=heir,
                    report_count=total,
                    created_at=now,
                ),
                ClusterEvent(
                    cluster_id=heir,
                    kind=ClusterEventKind.ABSORBED,
                    other_id=ended,
                    report_count=total,
                    created_at=now,
                ),
            ]
            change.grew.add(heir)
        Cluster.objects.filter(pk=ended).update(
            is_active=False, merged_into_id=heir, report_count=0, updated_at=now
        )
        change.ended.add(ended)
    ClusterEvent.objects.bulk_create(events, batch_size=1000)
    change.touched -= change.ended
    change.grew -= change.ended
    change.reopen = set(
        Cluster.objects.filter(pk__in=list(change.grew), state=ClusterState.CLOSED).values_list(
            "pk", flat=True
        )
    )
    return change
