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

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from ketenwacht.cases import bulkwrite, hubs, routing, summary
from ketenwacht.cases.bulkwrite import Statement
from ketenwacht.cases.components import Identity, assign_identities, partition
from ketenwacht.cases.config import priority_weights
from ketenwacht.cases.constants import STATE_WEIGHT, ClusterEventKind, ClusterState
from ketenwacht.cases.models import Cluster, ClusterEvent, Hub, Membership, Report, ReportLink

LOCK_NAMESPACE = 4242100  # first key of two-key advisory locks: the cases domain
LOCK_GLOBAL = 0  # second key: the whole linking (shared by changes, exclusive for rebuilds)


def lock_for_change(
    pseudonym_ids: Iterable[int], *, then: Sequence[Statement] = ()
) -> list[list[tuple[Any, ...]]]:
    """Hold (shared) the linking lock and one lock per identifier, in a fixed order; then run
    the statements ``then`` in the same round trip, and return their rows (one list each)."""
    statements = list(then)
    if connection.vendor == "postgresql":
        keys = sorted({(pid % 2_147_483_646) + 1 for pid in pseudonym_ids})
        params: list[Any] = [LOCK_NAMESPACE, LOCK_GLOBAL]
        for key in keys:
            params += [LOCK_NAMESPACE, key]
        statements.insert(0, (_lock_sql(len(keys)), params))
    if not statements:
        return []
    with connection.cursor() as cursor:
        results = bulkwrite.fetch_in_order(cursor, statements)
    return results[len(results) - len(then) :]


# The statements of every add are made once per database vendor and number of values:
# building them (quoting names through the connection proxy) cost more Python than sending.
SQL_CACHE = 256


def _tables(*models: type[Model]) -> list[str]:
    """The models' table names, quoted for this connection (for the SQL built below)."""
    return [connection.ops.quote_name(model._meta.db_table) for model in models]


@functools.lru_cache(maxsize=SQL_CACHE)
def _lock_sql(count: int) -> str:
    """The shared lock and ``count`` identifier locks. The select list is evaluated left to
    right, so the order holds."""
    calls = ["pg_advisory_xact_lock_shared(%s, %s)"]
    calls += ["pg_advisory_xact_lock(%s, %s)"] * count
    return f"SELECT {', '.join(calls)}"


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
    # Clusters the change routed itself (a new cluster is written with its unit).
    routed: set[int] = field(default_factory=set)


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
    # One round trip (PostgreSQL) for the locks, the links, the identifiers' hub rows and
    # who else names them: each statement is a cheap index probe, so the add's time went
    # mostly to waiting for replies, one per statement (and far more when the machine is
    # busy and the server must be scheduled for each). The clusters they reach are locked
    # and read in the same message (``_Ahead``), so the commonest add sends one more.
    _links, hub_rows, reach_rows, watched_rows, locked_rows, window_rows = lock_for_change(
        ids,
        then=[
            links,
            hubs.rows_statement(ids),
            _reach_statement(ids),
            _watched_statement(ids, report.pk),
            *_ahead_statements(ids, report),
        ],
    )
    tracked = hubs.rows_from(hub_rows)
    reached = _reach_from(reach_rows, watched_rows)
    ahead = _Ahead.of(locked_rows, window_rows)
    # The hub counters' updates go with the next message (they change nothing the join reads).
    hub_writes: list[Statement] = []
    flips = hubs.count_change(
        ids,
        report.fraud_type,
        delta=1,
        allowlisted=allowlisted,
        totals=reached.totals,
        tracked=tracked,
        writes=hub_writes,
    )
    if flips:
        bulkwrite.send(hub_writes)  # the recompute reads the hub decisions
        # The recompute sees only the seeds and their clusters: besides the reports naming a
        # flipped identifier, seed the ones the new report reaches through its linking ones.
        reach = {pid for pid in ids if pid not in flips.excluded}
        seeds = {report.pk} | _reports_naming(flips.now_excluded | flips.now_linking | reach)
        return recompute(seeds, now=moment)
    linking = [pid for pid in ids if pid not in flips.excluded]
    return _join(report, linking, reached, ahead, now=moment, first=hub_writes)


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
    return _enter_sql(connection.vendor, len(report_ids)), [cluster_id, *sorted(report_ids)]


@functools.lru_cache(maxsize=SQL_CACHE)
def _enter_sql(vendor: str, count: int) -> str:
    member_table, report_table = _tables(Membership, Report)
    marks = ", ".join(["%s"] * count)
    return (
        f"INSERT INTO {member_table} (report_id, cluster_id, damage_cents) "  # noqa: S608
        f"SELECT id, %s, damage_cents FROM {report_table} WHERE id IN ({marks})"
    )


def _join(
    report: Report,
    linking: list[int],
    reach: _Reach,
    ahead: _Ahead,
    *,
    now: datetime,
    first: list[Statement],
) -> Change:
    """The fast path: join the new report with everything its linking identifiers reach.
    ``first``: writes to send before anything else (with the next message where it can)."""
    if not linking:
        bulkwrite.send(first)
        return Change()
    cluster_ids: set[int] = set()
    singles: set[int] = set()
    for pid in linking:
        cluster_ids |= reach.clusters.get(pid, set())
        singles |= reach.singles.get(pid, set())
    singles.discard(report.pk)
    if not cluster_ids and not singles:
        bulkwrite.send(first)
        return Change()  # nobody else names these identifiers: the report stays single
    newcomers = singles | {report.pk}
    if not cluster_ids:
        return _new_cluster(newcomers, now=now, first=first)
    clusters = ahead.holding(cluster_ids)
    if clusters is None:
        # Another change merged one of these clusters after this add read who names its
        # identifiers (through identifiers of its own, so their locks did not keep it out):
        # link from the links as they are now.
        bulkwrite.send(first)
        return recompute(newcomers | _reports_naming(linking), now=now)
    facts = summary.facts_in_memory(report)
    if len(clusters) == 1 and not singles and facts is not None and ahead.has_window(clusters[0]):
        return _grow_alone(report, facts, clusters[0], ahead, now=now, first=first)
    bulkwrite.send(first)
    survivor = max(clusters, key=lambda c: (STATE_WEIGHT.get(c.state, 0), c.report_count, -c.pk))
    absorbed = [c for c in clusters if c.pk != survivor.pk]
    if absorbed:
        Membership.objects.filter(cluster_id__in=[c.pk for c in absorbed]).update(cluster=survivor)
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
        summary.grow(survivor, newcomers, now=now)
        change.summarised[survivor.pk] = survivor
    return change


def _new_cluster(report_ids: set[int], *, now: datetime, first: list[Statement]) -> Change:
    """Single reports (the new one among them) form a new cluster, summarised from their
    facts and routed before it is written, so it is inserted complete. Two round trips on
    PostgreSQL: the facts with a fresh cluster id, then the cluster with its unit, its
    memberships, its event and its routing row (one in ten adds at bench scale takes this
    path: it makes the slowest tenth, where the p99 lies), as the rebuild routes new
    clusters; routing after the change leaves it alone (``Change.routed``)."""
    with connection.cursor() as cursor:
        *_written, rows, ((cluster_id,),) = bulkwrite.fetch_in_order(
            cursor,
            [*first, summary.facts_statement(report_ids), bulkwrite.next_id_statement(Cluster)],
        )
        cluster = Cluster(id=cluster_id, created_at=now, updated_at=now, summary_at=now)
        facts = [(0, *row) for row in summary.facts_from(rows)]
        summary.summarise(
            facts, today=timezone.localdate(now), weights=priority_weights()
        ).apply_to(cluster)
        decisions = _route_in_memory(cluster, report_ids, now=now)
        ids = sorted(report_ids)
        bulkwrite.execute_in_order(
            cursor,
            [
                CLUSTER_ROWS.insert_statement(cluster),
                *(enter_statement(ids[i : i + 2000], cluster_id) for i in range(0, len(ids), 2000)),
                bulkwrite.insert_values_statement(
                    ClusterEvent,
                    ["cluster", "kind", "report_count", "created_at"],
                    [(cluster_id, ClusterEventKind.CREATED, len(ids), now)],
                ),
                *decisions,
            ],
        )
    cluster._state.adding, cluster._state.db = False, connection.alias
    return Change(touched={cluster_id}, summarised={cluster_id: cluster}, routed={cluster_id})


# Every field of a cluster: the locked row becomes the ``Cluster`` the summary and routing use.
CLUSTER_ROWS = bulkwrite.ModelRows(Cluster, [f.name for f in Cluster._meta.concrete_fields])


def _route_in_memory(
    cluster: Cluster, joining: Collection[int], *, now: datetime
) -> list[Statement]:
    """Route a cluster whose summary is up to date before it is written (as the rebuild routes
    new clusters): its unit is set here; returns its routing rows' statement to send.
    ``joining``: the reports whose membership rows are not written yet (their identifiers'
    suspect postcodes count)."""
    suspects = routing.suspect_units_of([cluster.pk], now=now, joining={cluster.pk: joining})
    outcome = routing.plan([routing.ClusterRow.of(cluster)], now=now, suspects=suspects)
    if cluster.pk in outcome.moved:
        cluster.unit_id = outcome.moved[cluster.pk]
    return routing.decisions_statements(outcome.decisions)


def _grow_alone(
    report: Report,
    facts: tuple[Any, ...],
    cluster: Cluster,
    ahead: _Ahead,
    *,
    now: datetime,
    first: list[Statement],
) -> Change:
    """The common add: the report joins one cluster on its own. The add's first message
    locked and read the cluster (``_Ahead``), so its membership row, its summary and its
    routing go as one message, which needs no reply but its success. A closed cluster is
    reopened, and routed after that, by the caller (``Change.reopen``)."""
    summary.grow_one(cluster, facts, known_victim=ahead.known_victim, window=ahead.window, now=now)
    change = Change(touched={cluster.pk}, grew={cluster.pk}, summarised={cluster.pk: cluster})
    writes = [*first, enter_statement([report.pk], cluster.pk)]
    if cluster.state == ClusterState.CLOSED:
        change.reopen.add(cluster.pk)
        writes.append(summary.stored_statement(cluster))
    else:
        decisions = _route_in_memory(cluster, [report.pk], now=now)
        writes += [summary.stored_statement(cluster, with_unit=True), *decisions]
        change.routed.add(cluster.pk)
    change.known[cluster.pk] = (cluster.state, cluster.unit_id)
    bulkwrite.send(writes)
    return change


@dataclass
class _Ahead:
    """What the add's first message read ahead for the join: the clusters its identifiers
    reach, locked (by id); and if they reach exactly one, whether the new report's victim is
    in it already and its damages around the median (``summary.median_with``)."""

    locked: dict[int, Cluster] = field(default_factory=dict)
    window_of: int | None = None
    window_count: int = 0  # the report count the window was read at, and where it starts
    window_start: int = 0
    known_victim: bool = False
    window: list[int] = field(default_factory=list)

    @classmethod
    def of(
        cls, locked_rows: Iterable[Sequence[Any]], window_rows: Iterable[Sequence[Any]]
    ) -> _Ahead:
        ahead = cls({cluster.pk: cluster for cluster in CLUSTER_ROWS.instances(locked_rows)})
        for cluster_id, count, start, known_victim, damage in window_rows:
            ahead.window_of, ahead.window_count, ahead.window_start = cluster_id, count, start
            ahead.known_victim = bool(known_victim)
            ahead.window.append(damage)
        return ahead

    def holding(self, cluster_ids: Collection[int]) -> list[Cluster] | None:
        """These clusters, locked, in id order; None if one was not locked here or has been
        merged into another meanwhile."""
        clusters = [self.locked.get(cluster_id) for cluster_id in sorted(cluster_ids)]
        if any(cluster is None or not cluster.is_active for cluster in clusters):
            return None
        return clusters  # type: ignore[return-value]

    def has_window(self, cluster: Cluster) -> bool:
        """Whether the window read is the locked cluster's, where ``summary.median_with``
        expects it, and as long as its memberships say (else the general path reads them)."""
        count = cluster.report_count
        return (
            self.window_of == cluster.pk
            and self.window_count == count
            and self.window_start == summary.window_offset(count)
            and len(self.window) == min(summary.WINDOW, count - self.window_start)
        )


def _ahead_statements(pseudonym_ids: list[int], report: Report) -> list[Statement]:
    """The read-ahead of ``_Ahead``: the clusters reached, locked in id order, then (a statement
    of its own, so that it reads what was committed before the lock was granted) the window
    of the one cluster reached. Which clusters are reached is decided in SQL, as
    :func:`_reach_statement` and :func:`_watched_statement` decide it for Python: the join
    checks that both agree (``_Ahead.holding``)."""
    params: list[Any] = [*pseudonym_ids, report.pk]
    count = len(pseudonym_ids)
    return [
        (_locked_sql(connection.vendor, count), params),
        (_window_sql(connection.vendor, count), [*params, report.victim_key]),
    ]


@functools.lru_cache(maxsize=SQL_CACHE)
def _reached_sql(vendor: str, count: int) -> str:
    """A ``WITH`` clause: ``reached(cluster_id)``, for each identifier that is not an excluded
    hub, the cluster of one other report naming it. Every report naming a linking identifier
    is in one cluster, so one tells which (NULL: no other report naming it is in a cluster)."""
    link_table, member_table, hub_table = _tables(ReportLink, Membership, Hub)
    values = ", ".join(["(CAST(%s AS BIGINT))"] * count)
    return (
        f"WITH ids(p) AS (VALUES {values}), reached(cluster_id) AS ("  # noqa: S608
        f"SELECT (SELECT m.cluster_id FROM {link_table} l JOIN {member_table} m "
        f"ON m.report_id = l.report_id WHERE l.pseudonym_id = ids.p AND l.report_id <> %s "
        f"LIMIT 1) FROM ids WHERE NOT EXISTS (SELECT 1 FROM {hub_table} h "
        f"WHERE h.pseudonym_id = ids.p AND h.is_excluded)) "
    )


@functools.lru_cache(maxsize=SQL_CACHE)
def _locked_sql(vendor: str, count: int) -> str:
    """The reached clusters' rows, locked (where the database locks rows) in id order, as
    every change that locks several clusters does (the merge, the recompute, the summaries'
    refresh)."""
    (table,) = _tables(Cluster)
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return (
        f"{_reached_sql(vendor, count)}SELECT {CLUSTER_ROWS.columns('c')} FROM {table} c "  # noqa: S608
        f"WHERE c.id IN (SELECT cluster_id FROM reached) ORDER BY c.id{for_update}"
    )


@functools.lru_cache(maxsize=SQL_CACHE)
def _window_sql(vendor: str, count: int) -> str:
    """If exactly one cluster is reached: rows of its id, its report count, where the window
    starts (``summary.window_offset`` of the count; the add checks that both agree, in
    ``_Ahead.has_window``), whether the victim (the last parameter) has a report in it, and
    its ``summary.WINDOW`` damages from there on (one walk of the membership's ``(cluster,
    damage)`` index). No rows otherwise."""
    clusters, members, reports = _tables(Cluster, Membership, Report)
    return (
        f"{_reached_sql(vendor, count)}, one(id, n, start) AS (SELECT c.id, c.report_count, "  # noqa: S608
        f"CASE WHEN c.report_count > 1 THEN c.report_count / 2 - 1 ELSE 0 END "
        f"FROM {clusters} c WHERE c.id = (SELECT MIN(cluster_id) FROM reached) "
        f"AND (SELECT COUNT(DISTINCT cluster_id) FROM reached) = 1) "
        f"SELECT one.id, one.n, one.start, EXISTS (SELECT 1 FROM {reports} r "
        f"JOIN {members} m ON m.report_id = r.id WHERE r.victim_key = %s "
        f"AND m.cluster_id = one.id), w.d FROM one, (SELECT damage_cents AS d FROM {members} "
        f"WHERE cluster_id = (SELECT id FROM one) ORDER BY damage_cents LIMIT {summary.WINDOW} "
        f"OFFSET COALESCE((SELECT start FROM one), 0)) w ORDER BY w.d"
    )


@dataclass
class _Reach:
    """Per identifier: the reports naming it, and the clusters and single reports among them."""

    totals: dict[int, int] = field(default_factory=dict)
    clusters: dict[int, set[int]] = field(default_factory=dict)
    singles: dict[int, set[int]] = field(default_factory=dict)


def _reach_statement(pseudonym_ids: list[int]) -> Statement:
    """Who names these identifiers (the new report's links included), leaving out those
    with a hub row: excluded hubs link nothing, watched ones are read by
    :func:`_watched_statement`.

    The identifiers come as a ``VALUES`` list filtered against the hub table before the
    links are joined, so an excluded hub's thousands of links are never read, and the
    statement needs no earlier read of the hub rows (it goes in the same message). Grouped
    by cluster (and single report), so a large cluster naming an identifier in hundreds of
    reports comes back as one row. The counts feed the hub counters
    (``hubs.count_change(totals=…)``), the clusters and singles the join.
    """
    return _reach_sql(connection.vendor, len(pseudonym_ids)), list(pseudonym_ids)


@functools.lru_cache(maxsize=SQL_CACHE)
def _reach_sql(vendor: str, count: int) -> str:
    link_table, member_table, hub_table = _tables(ReportLink, Membership, Hub)
    values = ", ".join(["(CAST(%s AS BIGINT))"] * count)
    # MATERIALIZED: the identifiers are filtered before any link is read. Without it,
    # PostgreSQL's generic plan for one identifier joined all its links (and their
    # memberships) and only then dropped them for its hub row: 11.8 ms for an excluded hub
    # of 1,736 reports, 3 ms for a watched identifier of 441, at bench scale. (SQLite needs
    # no fence, and its keyword needs SQLite 3.35.)
    fence = "MATERIALIZED " if vendor == "postgresql" else ""
    return (
        f"WITH ids(p) AS (VALUES {values}), open(p) AS {fence}(SELECT p FROM ids "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM {hub_table} h WHERE h.pseudonym_id = ids.p)) "
        f"SELECT l.pseudonym_id, m.cluster_id, "
        f"CASE WHEN m.cluster_id IS NULL THEN l.report_id END, COUNT(*) "
        f"FROM open JOIN {link_table} l ON l.pseudonym_id = open.p "
        f"LEFT JOIN {member_table} m ON m.report_id = l.report_id "
        f"GROUP BY 1, 2, 3"
    )


def _watched_statement(pseudonym_ids: list[int], report_id: int) -> Statement:
    """For each of these identifiers that is watched (a hub row, not excluded: more reports
    than the tracking threshold, or an analyst's override): one other report naming it, and
    its cluster. Every report naming a linking identifier is in one cluster, so one report
    tells which; reading all their links made the slowest adds. Their totals are not needed:
    ``hubs.count_change`` takes them from the hub rows."""
    return _watched_sql(connection.vendor, len(pseudonym_ids)), [report_id, *pseudonym_ids]


@functools.lru_cache(maxsize=SQL_CACHE)
def _watched_sql(vendor: str, count: int) -> str:
    link_table, member_table, hub_table = _tables(ReportLink, Membership, Hub)
    marks = ", ".join(["%s"] * count)
    return (
        f"SELECT w.pid, w.other, m.cluster_id FROM (SELECT h.pseudonym_id AS pid, "  # noqa: S608
        f"(SELECT l.report_id FROM {link_table} l WHERE l.pseudonym_id = h.pseudonym_id "
        f"AND l.report_id <> %s LIMIT 1) AS other FROM {hub_table} h "
        f"WHERE h.pseudonym_id IN ({marks}) AND NOT h.is_excluded) w "
        f"LEFT JOIN {member_table} m ON m.report_id = w.other WHERE w.other IS NOT NULL"
    )


def _reach_from(
    reach_rows: Iterable[Sequence[Any]], watched_rows: Iterable[Sequence[Any]]
) -> _Reach:
    """The rows of :func:`_reach_statement` and :func:`_watched_statement` as a ``_Reach``."""
    found = _Reach()
    for pid, cluster_id, single, count in reach_rows:
        found.totals[pid] = found.totals.get(pid, 0) + count
        if cluster_id is not None:
            found.clusters.setdefault(pid, set()).add(cluster_id)
        else:
            found.singles.setdefault(pid, set()).add(single)
    for pid, other, cluster_id in watched_rows:
        if cluster_id is not None:
            found.clusters.setdefault(pid, set()).add(cluster_id)
        else:
            found.singles.setdefault(pid, set()).add(other)
    return found


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
    cluster_ids = _lock_clusters_of(seeds)
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


def _lock_clusters_of(report_ids: set[int]) -> set[int]:
    """Lock the clusters of these reports (in id order, as every change that locks several
    does) before their members are read, so that no add enters one of them meanwhile (it
    would end in a cluster this recompute ends). Read again after the lock: a merge that
    committed while this waited moved reports to a cluster not locked yet."""
    locked: set[int] = set()
    while True:
        cluster_ids = set(
            Membership.objects.filter(report_id__in=list(report_ids)).values_list(
                "cluster_id", flat=True
            )
        )
        if cluster_ids <= locked:
            return cluster_ids
        lock_clusters(cluster_ids - locked)
        locked |= cluster_ids  # grows every round: the loop ends


def lock_clusters(cluster_ids: Collection[int]) -> set[int]:
    """Lock these cluster rows in id order (where the database locks rows); their ids."""
    return set(
        Cluster.objects.select_for_update()
        .filter(pk__in=sorted(cluster_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


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
