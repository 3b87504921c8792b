"""The full rebuild: every cluster computed again from every link, in one pass.

1. Read every report (id, fraud type, current cluster and the summary facts) into lists.
2. Stream the links in pseudonym order (the link index leads with the pseudonym), so each
   identifier's reports arrive together: count them, decide the hub question for identifiers
   over the tracking threshold (``hubs.auto_reason`` plus the analysts' overrides), and join
   the reports of every linking identifier in a ``DisjointSet``.
3. Match the components to the existing clusters (``components.assign_identities``: ids stay
   stable), and write only what changed: new clusters, memberships of moved reports, ended
   clusters, events, hub counters — with ``COPY`` on PostgreSQL (``cases.bulkwrite``). When
   most reports move (a first rebuild), the membership table is emptied and written again
   whole: one ``COPY`` of narrow rows, its index and keys built once afterwards.
4. Summaries and routing for every cluster whose membership changed, from the facts in
   memory.

The whole rebuild is one transaction holding the linking lock exclusively, so incremental
changes wait for it and never interleave.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.cases import bulkwrite, hubs, linking, routing, summary
from ketenwacht.cases.components import DisjointSet, assign_identities
from ketenwacht.cases.config import hub_limits, priority_weights
from ketenwacht.cases.constants import ClusterEventKind, ClusterState
from ketenwacht.cases.models import (
    Cluster,
    ClusterEvent,
    Hub,
    Membership,
    Report,
    ReportLink,
    RoutingDecision,
    SuspectLocation,
    Unit,
)
from ketenwacht.gcpause import gc_paused
from ketenwacht.partners.access import SYSTEM, Actor

FETCH = 50_000
LARGE_MOVE = 50_000  # report moves from which the rebuild writes the membership table anew


@dataclass
class RebuildResult:
    reports: int = 0
    links: int = 0
    clusters: int = 0
    created: int = 0
    ended: int = 0
    moved: int = 0
    hubs_excluded: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "links": self.links,
            "clusters": self.clusters,
            "created": self.created,
            "ended": self.ended,
            "moved": self.moved,
            "hubs_excluded": self.hubs_excluded,
            "seconds": round(self.seconds, 3),
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
        }


class _Clock:
    def __init__(self, result: RebuildResult) -> None:
        self.result = result
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.result.phases[name] = now - self.last
        self.last = now


def _rows(sql: str) -> Iterator[tuple[Any, ...]]:
    """Rows of a query, fetched in large chunks (a server-side cursor on PostgreSQL)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while True:
            chunk = cursor.fetchmany(FETCH)
            if not chunk:
                return
            yield from chunk


@dataclass
class _Reports:
    ids: list[int]
    fraud_types: list[str]
    clusters: list[int | None]
    facts: list[tuple[Any, ...]]  # damage, seen_on, reported_on, region_id, age_band, victim_key
    index: dict[int, int]


def _load_reports() -> _Reports:
    table = connection.ops.quote_name(Report._meta.db_table)
    members = connection.ops.quote_name(Membership._meta.db_table)
    ids: list[int] = []
    fraud_types: list[str] = []
    clusters: list[int | None] = []
    facts: list[tuple[Any, ...]] = []
    sql = (
        "SELECT r.id, r.fraud_type, m.cluster_id, r.damage_cents, r.seen_on, r.reported_on, "  # noqa: S608
        f"r.region_id, r.age_band, r.victim_key FROM {table} r "
        f"LEFT JOIN {members} m ON m.report_id = r.id ORDER BY r.id"
    )
    convert = connection.vendor != "postgresql"
    for row in _rows(sql):
        ids.append(row[0])
        fraud_types.append(row[1])
        clusters.append(row[2])
        rest = row[3:]
        if convert:  # SQLite returns dates as text
            rest = (rest[0], _as_date(rest[1]), _as_date(rest[2]), *rest[3:])
        facts.append(rest)
    return _Reports(ids, fraud_types, clusters, facts, {rid: i for i, rid in enumerate(ids)})


def _as_date(value: Any) -> Any:
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value))


@dataclass
class _HubUpdate:
    pseudonym_id: int
    report_count: int
    fraud_types: dict[str, int]
    allowlisted: bool
    reason: str
    excluded: bool


def _link_pass(
    reports: _Reports, result: RebuildResult, suspects: dict[int, list[str]]
) -> tuple[DisjointSet, list[_HubUpdate], dict[int, list[int]]]:
    """Stream the links by pseudonym; decide hubs; union the reports of linking identifiers.

    Also returns, for identifiers with a supplied suspect postcode (``suspects``), the
    reports naming them (positions), so routing needs no query after the rebuild."""
    limits = hub_limits()
    threshold = hubs.tracking_threshold(limits)
    existing = {
        row[0]: row[1:]
        for row in Hub.objects.values_list("pseudonym_id", "override", "allowlisted")
    }
    allowlisted = hubs.all_allowlisted_ids()
    sets = DisjointSet(len(reports.ids))
    parent, size = sets.parent, sets.size
    index = reports.index
    fraud_types = reports.fraud_types
    updates: list[_HubUpdate] = []
    suspect_reports: dict[int, list[int]] = {}
    table = connection.ops.quote_name(ReportLink._meta.db_table)
    sql = f"SELECT pseudonym_id, report_id FROM {table} ORDER BY pseudonym_id, report_id"  # noqa: S608
    current_pid: int | None = None
    group: list[int] = []
    links = 0

    def close(pid: int, members: list[int]) -> None:
        count = len(members)
        known = existing.get(pid)
        if known is not None or pid in allowlisted or count > threshold:
            override = known[0] if known is not None else "auto"
            is_listed = pid in allowlisted or bool(known is not None and known[1])
            types = dict(Counter(fraud_types[i] for i in members))
            reason = hubs.auto_reason(count, types, is_listed, limits)
            excluded = hubs.is_excluded(reason, override)
            updates.append(_HubUpdate(pid, count, types, is_listed, reason, excluded))
            if excluded:
                return
        if pid in suspects:
            suspect_reports[pid] = members
        if count < 2:
            return
        # DisjointSet.union_groups, inlined for the one group (this runs per identifier).
        first = members[0]
        while parent[first] != first:
            parent[first] = parent[parent[first]]
            first = parent[first]
        for x in members[1:]:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            if x == first:
                continue
            if size[first] < size[x]:
                first, x = x, first
            parent[x] = first
            size[first] += size[x]

    for pid, report_id in _rows(sql):
        links += 1
        if pid != current_pid:
            if current_pid is not None:
                close(current_pid, group)
            current_pid, group = pid, []
        position = index.get(report_id)
        if position is not None:
            group.append(position)
    if current_pid is not None:
        close(current_pid, group)
    result.links = links
    return sets, updates, suspect_reports


def _write_hubs(updates: list[_HubUpdate], now: datetime) -> None:
    existing = set(Hub.objects.values_list("pseudonym_id", flat=True))
    changed = [u for u in updates if u.pseudonym_id in existing]
    fresh = [u for u in updates if u.pseudonym_id not in existing]
    bulkwrite.update_many(
        Hub,
        ["report_count", "fraud_types", "allowlisted", "reason", "is_excluded", "updated_at"],
        [
            (
                u.pseudonym_id,
                u.report_count,
                u.fraud_types,
                u.allowlisted,
                u.reason,
                u.excluded,
                now,
            )
            for u in changed
        ],
    )
    bulkwrite.insert_many(
        Hub,
        [
            "pseudonym",
            "report_count",
            "fraud_types",
            "allowlisted",
            "reason",
            "override",
            "is_excluded",
            "note",
            "created_at",
            "updated_at",
        ],
        [
            (
                u.pseudonym_id,
                u.report_count,
                u.fraud_types,
                u.allowlisted,
                u.reason,
                "auto",
                u.excluded,
                "",
                now,
                now,
            )
            for u in fresh
        ],
    )


CLUSTER_FIELDS = [
    "id",
    "state",
    "is_active",
    "unit",
    *summary.Summary.FIELDS,
    "summary_at",
    "created_at",
    "updated_at",
]


def _new_cluster_rows(
    ids: list[int],
    summaries: dict[int, summary.Summary],
    units: dict[int, int],
    now: datetime,
) -> Iterator[tuple[Any, ...]]:
    for cid in ids:
        item = summaries[cid]
        yield (
            cid,
            ClusterState.NEW,
            True,
            units.get(cid),
            *(getattr(item, name) for name in summary.Summary.FIELDS),
            now,
            now,
            now,
        )


def _summaries(
    touched: set[int],
    targets: list[int | None],
    reports: _Reports,
    now: datetime,
) -> dict[int, summary.Summary]:
    region_codes: dict[int | None, str] = dict(Unit.objects.values_list("pk", "code"))
    by_cluster: dict[int, list[summary.FactsRow]] = defaultdict(list)
    facts, fraud_types = reports.facts, reports.fraud_types
    for i, target in enumerate(targets):
        if target is None or target not in touched:
            continue
        damage, seen_on, reported_on, region_id, age_band, victim_key = facts[i]
        # Plain tuples in ``ReportFacts`` order (a named tuple costs more to make, a million
        # times), in report id order.
        by_cluster[target].append(
            (
                target,
                damage,
                seen_on,
                reported_on,
                region_codes.get(region_id, ""),
                age_band,
                victim_key,
                fraud_types[i],
            )
        )
    today = timezone.localdate(now)
    weights = priority_weights()
    return {
        cid: summary.summarise(by_cluster.get(cid, []), today=today, weights=weights)
        for cid in touched
    }


def rebuild(*, actor: Actor = SYSTEM, now: datetime | None = None) -> RebuildResult:
    """Recompute every cluster from the links (see the module docstring)."""
    moment = now or timezone.now()
    result = RebuildResult()
    started = time.perf_counter()
    with gc_paused(), transaction.atomic():  # millions of objects, no cycles: see ``gcpause``
        _hold_reports_table()
        linking.lock_for_rebuild()
        clock = _Clock(result)
        reports = _load_reports()
        result.reports = len(reports.ids)
        clock.lap("read reports")
        suspect_codes = _suspect_codes(moment)
        sets, hub_updates, suspect_reports = _link_pass(reports, result, suspect_codes)
        result.hubs_excluded = sum(1 for u in hub_updates if u.excluded)
        clock.lap("stream links + union-find")

        roots = sets.roots()
        members: dict[int, list[int]] = defaultdict(list)
        size = sets.size
        for i, root in enumerate(roots):
            if size[root] >= 2 or reports.clusters[i] is not None:
                members[root].append(reports.ids[i])
        components = [frozenset(m) for m in members.values()]
        current = {
            reports.ids[i]: reports.clusters[i]
            for i in range(len(reports.ids))
            if reports.clusters[i] is not None or size[roots[i]] >= 2
        }
        active = dict(Cluster.objects.filter(is_active=True).values_list("pk", "state"))
        identity = assign_identities(components, current, rank=linking.cluster_rank(active))
        clock.lap("components + identities")

        fresh = [
            i for i, m in enumerate(components) if len(m) >= 2 and identity.continues[i] is None
        ]
        new_ids = bulkwrite.allocate_ids(Cluster, len(fresh))
        target_of_component: list[int | None] = list(identity.continues)
        for i, cid in zip(fresh, new_ids, strict=True):
            target_of_component[i] = cid
        for i, members_ in enumerate(components):
            if len(members_) < 2:
                target_of_component[i] = None
        targets: list[int | None] = list(reports.clusters)
        for i, members_ in enumerate(components):
            for report_id in members_:
                targets[reports.index[report_id]] = target_of_component[i]
        moves = [
            (reports.ids[i], targets[i])
            for i in range(len(targets))
            if targets[i] != reports.clusters[i]
        ]
        ended = set(active) - {t for t in identity.continues if t is not None}
        touched, gained, flows = _flows(moves, reports, ended)
        heirs = {
            cid: Counter({t: n for t, n in flows[cid].items() if t is not None}).most_common(1)[0][
                0
            ]
            for cid in ended
            if any(t is not None for t in flows[cid])
        }
        fresh_ids = set(new_ids)
        result.created, result.ended = len(fresh), len(ended)
        result.clusters = sum(1 for t in target_of_component if t is not None)
        clock.lap("targets + moves")

        summaries = _summaries(touched, targets, reports, moment)
        clock.lap("summaries")
        units = _units_of(touched - fresh_ids)
        outcome = routing.plan(
            [
                routing.ClusterRow(
                    cid,
                    active.get(cid, ClusterState.NEW),
                    units.get(cid),
                    summaries[cid].fraud_types,
                    summaries[cid].damage_total_cents,
                    summaries[cid].victim_count,
                    summaries[cid].regions,
                )
                for cid in sorted(touched)
            ],
            now=moment,
            suspects=_suspect_units(suspect_reports, suspect_codes, targets),
        )
        clock.lap("routing")

        with _set_aside_if_worth(Cluster, len(new_ids)):
            bulkwrite.insert_rows(
                Cluster,
                CLUSTER_FIELDS,
                _new_cluster_rows(new_ids, summaries, outcome.moved, moment),
            )
        clock.lap("write new clusters")
        result.moved = _write_memberships(moves, targets, reports)
        clock.lap("write memberships")
        continuing = sorted(touched - fresh_ids)
        bulkwrite.update_many(
            Cluster,
            ["unit", *summary.Summary.FIELDS, "summary_at", "updated_at"],
            [
                (
                    cid,
                    outcome.moved.get(cid, units.get(cid)),
                    *(getattr(summaries[cid], name) for name in summary.Summary.FIELDS),
                    moment,
                    moment,
                )
                for cid in continuing
            ],
        )
        bulkwrite.update_many(
            Cluster,
            ["is_active", "merged_into", "report_count", "updated_at"],
            [(cid, False, heirs.get(cid), 0, moment) for cid in sorted(ended)],
        )
        _write_events(
            [(target_of_component[i], components[i]) for i in fresh],
            current,
            gained={t: n for t, n in gained.items() if t not in fresh_ids},
            ended=ended,
            heirs=heirs,
            flows=flows,
            now=moment,
        )
        _write_hubs(hub_updates, moment)
        with _set_aside_if_worth(RoutingDecision, len(outcome.decisions)):
            routing.write_decisions(outcome.decisions)
        clock.lap("write the rest")
        result.seconds = time.perf_counter() - started  # before the commit, for the audit row
        audit_record(
            actor=actor,
            action="cases.rebuild",
            object_type="clusters",
            details=result.as_dict(),
        )
    # Deferred foreign-key checks run at the commit: count them in.
    result.phases["commit"] = time.perf_counter() - started - result.seconds
    result.seconds = time.perf_counter() - started
    return result


def _write_memberships(
    moves: list[tuple[int, int | None]], targets: list[int | None], reports: _Reports
) -> int:
    """Write the moved reports' memberships; returns how many reports moved.

    A large move (most reports, as in a first rebuild) empties the membership table and
    writes every membership again (``_rewrite_memberships``); otherwise only the moved
    reports' rows change: deleted (now single), updated (another cluster), inserted (joined).
    """
    if not moves:
        return 0
    members = sum(1 for t in targets if t is not None)
    if len(moves) > max(LARGE_MOVE, members // 4):
        _rewrite_memberships(targets, reports)
        return len(moves)
    index, old = reports.index, reports.clusters
    gone: list[int] = []
    changed: list[tuple[int, int]] = []
    joined: list[tuple[int, int, int]] = []
    for report_id, target in moves:
        i = index[report_id]
        if target is None:
            gone.append(report_id)
        elif old[i] is None:
            joined.append((report_id, target, reports.facts[i][0]))
        else:
            changed.append((report_id, target))
    for start in range(0, len(gone), 2000):
        Membership.objects.filter(report_id__in=gone[start : start + 2000]).delete()
    bulkwrite.update_many(Membership, ["cluster"], changed)
    bulkwrite.insert_many(Membership, ["report", "cluster", "damage_cents"], joined)
    return len(moves)


def _set_aside_if_worth(model: type[Model], rows: int) -> AbstractContextManager[None]:
    """The table's indexes and keys set aside while ``rows`` rows are written, where that
    pays (``bulkwrite.worth_setting_aside``: a first rebuild's clusters, events and routing
    rows)."""
    if bulkwrite.worth_setting_aside(model, rows):
        return bulkwrite.indexes_and_keys_set_aside(model)
    return nullcontext()


def _rewrite_memberships(targets: list[int | None], reports: _Reports) -> None:
    """Empty the membership table and write every membership again, in report order.

    On PostgreSQL the table is truncated with its secondary index and keys set aside
    (``bulkwrite.indexes_and_keys_set_aside``): one sort for the index and one validating
    join per key instead of an index entry and a deferred key check per row. The ``COPY`` is
    ``FREEZE``: the rows are all-visible at once, so the incremental path's index-only lookups
    (the median by offset) need no vacuum first.
    """
    rows = (
        (report_id, target, facts[0])
        for report_id, target, facts in zip(reports.ids, targets, reports.facts, strict=True)
        if target is not None
    )
    with bulkwrite.indexes_and_keys_set_aside(Membership, truncate=True):
        bulkwrite.insert_rows(Membership, ["report", "cluster", "damage_cents"], rows, freeze=True)


def _hold_reports_table() -> None:
    """Keep new reports out until the rebuild commits (PostgreSQL; reads go on), taken
    before the linking lock.

    An add writes its report row before it waits for the linking lock; a large rebuild sets
    the membership's key into the reports table aside, which locks that table exclusively.
    In the other order each would wait for the other until PostgreSQL's deadlock detector
    aborted one of them — the police's API call, as a rule
    (``test_rebuild_concurrency.py``). New reports would wait for the linking lock anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(Report._meta.db_table)} IN SHARE MODE"
            )


def _flows(
    moves: list[tuple[int, int | None]], reports: _Reports, ended: set[int]
) -> tuple[set[int], Counter[int], dict[int, Counter[int | None]]]:
    """Clusters whose membership changed, reports each gained from singles, and where each
    old cluster's moved reports went."""
    touched: set[int] = set()
    gained: Counter[int] = Counter()
    flows: dict[int, Counter[int | None]] = defaultdict(Counter)
    for report_id, target in moves:
        old = reports.clusters[reports.index[report_id]]
        if target is not None:
            touched.add(target)
            if old is None:
                gained[target] += 1
        if old is not None:
            flows[old][target] += 1
            if old not in ended:
                touched.add(old)
    return touched - ended, gained, flows


def _write_events(
    fresh: list[tuple[int | None, frozenset[int]]],
    current: dict[int, int | None],
    *,
    gained: dict[int, int],
    ended: set[int],
    heirs: dict[int, int],
    flows: dict[int, Counter[int | None]],
    now: datetime,
) -> None:
    fields = ["cluster", "kind", "other", "report_count", "created_at"]
    rows: list[tuple[Any, ...]] = []
    for cluster_id, members in fresh:
        sources = Counter(current.get(r) for r in members)
        sources.pop(None, None)
        origin = sources.most_common(1)[0][0] if sources else None
        kind = ClusterEventKind.SPLIT if origin is not None else ClusterEventKind.CREATED
        rows.append((cluster_id, kind, origin, len(members), now))
    for cluster_id, count in gained.items():
        rows.append((cluster_id, ClusterEventKind.GREW, None, count, now))
    for cluster_id in sorted(ended):
        total = sum(flows[cluster_id].values())
        heir = heirs.get(cluster_id)
        if heir is None:
            rows.append((cluster_id, ClusterEventKind.DISSOLVED, None, total, now))
        else:
            rows.append((cluster_id, ClusterEventKind.MERGED_INTO, heir, total, now))
            rows.append((heir, ClusterEventKind.ABSORBED, cluster_id, total, now))
    with _set_aside_if_worth(ClusterEvent, len(rows)):
        bulkwrite.insert_many(ClusterEvent, fields, rows)


def _units_of(cluster_ids: set[int]) -> dict[int, int | None]:
    units: dict[int, int | None] = {}
    ids = list(cluster_ids)
    for start in range(0, len(ids), 2000):
        units.update(
            Cluster.objects.filter(pk__in=ids[start : start + 2000]).values_list("pk", "unit_id")
        )
    return units


def _suspect_codes(now: datetime) -> dict[int, list[str]]:
    """Unit codes of supplied suspect postcodes per identifier (a small table)."""
    codes: dict[int, list[str]] = defaultdict(list)
    for pid, code in SuspectLocation.objects.filter(
        expires_at__gt=now, unit__isnull=False
    ).values_list("pseudonym_id", "unit__code"):
        codes[pid].append(code)
    return codes


def _suspect_units(
    suspect_reports: dict[int, list[int]],
    codes: dict[int, list[str]],
    targets: list[int | None],
) -> dict[int, Counter[str]]:
    """What ``routing.suspect_units_of`` would read, from the rebuild's memory."""
    found: dict[int, Counter[str]] = defaultdict(Counter)
    for pid, positions in suspect_reports.items():
        for cluster_id in {targets[i] for i in positions}:
            if cluster_id is not None:
                found[cluster_id].update(codes[pid])
    return found
