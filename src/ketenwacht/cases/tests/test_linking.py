"""Incremental linking against the full rebuild and a pure oracle.

The property: after any sequence of reports added (and some removed) one at a time, the
clusters are exactly the connected components the full rebuild finds, and exactly what a
breadth-first search over the same links says, with hubs decided on the final counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings, target
from hypothesis import strategies as st

from ketenwacht.cases import hubs, summary
from ketenwacht.cases.components import partition as pure_partition
from ketenwacht.cases.config import hub_limits, priority_weights
from ketenwacht.cases.constants import AGE_65_PLUS, ClusterEventKind, ClusterState
from ketenwacht.cases.models import (
    Cluster,
    ClusterEvent,
    Hub,
    Membership,
    Report,
    ReportLink,
    RoutingDecision,
)
from ketenwacht.cases.priority import PriorityInput
from ketenwacht.cases.priority import score as priority_score
from ketenwacht.cases.rebuild import rebuild
from ketenwacht.cases.tests.factories import (
    add,
    assert_memberships_consistent,
    cluster_of,
    link_without_linking,
    make_pseudonyms,
    partition,
    remove,
)

pytestmark = pytest.mark.django_db

FRAUD_TYPES = ["purchase", "sales", "phishing", "bankhelpdesk", "romance"]

adding: st.SearchStrategy[tuple[str, Any, Any]] = st.tuples(
    st.just("add"),
    st.sampled_from(FRAUD_TYPES),
    st.one_of(
        st.sets(st.integers(0, 5), min_size=1, max_size=3),
        st.just(frozenset()),  # a report without usable identifiers
    ),
)
removing: st.SearchStrategy[tuple[str, Any, Any]] = st.tuples(
    st.just("remove"), st.integers(0, 50), st.just(frozenset())
)
# Mostly additions (so identifiers pass the hub limits), some removals (so they fall back).
operations_strategy = st.lists(
    st.one_of(adding, adding, adding, adding, adding, removing), min_size=6, max_size=24
)


def _oracle() -> set[frozenset[int]]:
    """Components by breadth-first search, hubs decided from the final counts."""
    limits = hub_limits()
    links = list(ReportLink.objects.values_list("report_id", "pseudonym_id"))
    fraud = dict(Report.objects.values_list("pk", "fraud_type"))
    per_key: dict[int, Counter[str]] = {}
    for report_id, pid in links:
        per_key.setdefault(pid, Counter())[fraud[report_id]] += 1
    overrides = dict(Hub.objects.values_list("pseudonym_id", "override"))
    excluded = {
        pid
        for pid, counts in per_key.items()
        if hubs.is_excluded(
            hubs.auto_reason(sum(counts.values()), counts, False, limits),
            overrides.get(pid, "auto"),
        )
    }
    return set(pure_partition(fraud, links, excluded=frozenset(excluded)))


def _assert_stored_summaries_are_fresh() -> None:
    """Summaries kept up to date by increments equal a summary computed from scratch."""
    clusters = list(Cluster.objects.filter(is_active=True))
    fresh = summary.facts_of([c.pk for c in clusters])
    today = timezone.localdate()
    for cluster in clusters:
        expected = summary.summarise(fresh[cluster.pk], today=today, weights=priority_weights())
        stored = {name: getattr(cluster, name) for name in summary.Summary.FIELDS}
        assert stored == {name: getattr(expected, name) for name in summary.Summary.FIELDS}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations_strategy)
def test_incremental_equals_rebuild_and_oracle(
    small_hubs: dict[str, Any], operations: list[tuple[str, Any, Any]]
) -> None:
    note(f"operations: {operations!r}")
    pool = make_pseudonyms(6)
    try:
        with transaction.atomic():
            added: list[Report] = []
            for kind, first, keys in operations:
                if kind == "add":
                    added.append(add([pool[k] for k in keys], fraud_type=first))
                elif added:
                    remove(added.pop(first % len(added)))
            incremental = partition()
            target(float(Hub.objects.filter(is_excluded=True).count()), label="hubs")
            assert incremental == _oracle()
            # Every active cluster has two or more reports; no report points at an ended one.
            active = set(Cluster.objects.filter(is_active=True).values_list("pk", flat=True))
            used = Counter(Membership.objects.values_list("cluster_id", flat=True))
            assert set(used) == active and all(n >= 2 for n in used.values())
            assert_memberships_consistent()
            _assert_stored_summaries_are_fresh()
            before = dict(Report.objects.values_list("pk", "membership__cluster_id"))
            rebuild()
            assert partition() == incremental
            assert_memberships_consistent()
            # Nothing changed, so the rebuild kept every cluster id.
            assert dict(Report.objects.values_list("pk", "membership__cluster_id")) == before
            transaction.set_rollback(True)
    finally:
        from ketenwacht.identifiers.models import Pseudonym

        Pseudonym.objects.filter(pk__in=pool).delete()


def test_reports_sharing_an_identifier_form_one_cluster() -> None:
    iban, phone, other = make_pseudonyms(3)
    a = add([iban])
    b = add([iban, phone])
    c = add([phone])
    single = add([other])
    assert partition() == {frozenset({a.pk, b.pk, c.pk}), frozenset({single.pk})}
    cluster = cluster_of(a.pk)
    assert cluster.is_active


def test_a_report_joining_two_clusters_merges_them_into_the_one_furthest_along() -> None:
    x, y = make_pseudonyms(2)
    first = [add([x]) for _ in range(3)]
    second = [add([y]) for _ in range(2)]
    big = cluster_of(first[0].pk)
    small = cluster_of(second[0].pk)
    Cluster.objects.filter(pk=small.pk).update(state=ClusterState.INVESTIGATION)
    bridge = add([x, y])
    assert bridge.cluster_id == small.pk  # the investigation keeps its cluster
    big.refresh_from_db()
    assert not big.is_active and big.merged_into_id == small.pk
    assert ClusterEvent.objects.filter(cluster=big, kind=ClusterEventKind.MERGED_INTO).exists()
    assert ClusterEvent.objects.filter(cluster=small, kind=ClusterEventKind.ABSORBED).exists()


def test_a_report_without_usable_identifiers_stays_single() -> None:
    lonely = add([])
    assert lonely.cluster_id is None
    assert not ReportLink.objects.filter(report=lonely).exists()


def test_a_report_that_makes_a_hub_still_joins_what_its_other_identifiers_reach(
    small_hubs: dict[str, Any],
) -> None:
    """Found by the property test: when a new report turns one of its identifiers into a hub
    (local recompute instead of the fast path), its other identifiers still link it to the
    single reports and clusters that name them."""
    hub, own = make_pseudonyms(2)
    single = add([own], fraud_type="purchase")
    trio = [add([hub], fraud_type=f) for f in ("purchase", "purchase", "phishing")]
    assert partition() == {frozenset(r.pk for r in trio), frozenset({single.pk})}
    # Four reports over two unrelated families (> 3): the address becomes a hub.
    newcomer = add([hub, own], fraud_type="phishing")
    assert Hub.objects.get(pseudonym_id=hub).is_excluded
    assert partition() == _oracle()
    assert partition() == {
        frozenset({single.pk, newcomer.pk}),
        *(frozenset({r.pk}) for r in trio),
    }


def test_removing_the_bridge_splits_the_cluster() -> None:
    x, y = make_pseudonyms(2)
    left = [add([x]) for _ in range(2)]
    right = [add([y]) for _ in range(3)]
    bridge = add([x, y])
    assert len({r.cluster_id for r in Report.objects.all()}) == 1
    remove(bridge)
    assert partition() == {frozenset(r.pk for r in left), frozenset(r.pk for r in right)}
    kinds = set(ClusterEvent.objects.values_list("kind", flat=True))
    assert ClusterEventKind.SPLIT in kinds


SET_ASIDE_TABLES = [Membership, Cluster, ClusterEvent, RoutingDecision]


def _table_definitions() -> dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
    """Index and constraint definitions of the tables a large rebuild sets aside."""
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:
        for model in SET_ASIDE_TABLES:
            table = model._meta.db_table
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass ORDER BY 1",
                [table],
            )
            found[table] = (indexes, cursor.fetchall())
    return found


def test_a_large_rebuild_restores_indexes_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL a large rebuild truncates the membership table and sets aside the
    secondary indexes and keys of it and of the clusters, events and routing rows it writes,
    and builds them again: the definitions come back identical, the keys hold."""
    from django.db import IntegrityError, connection

    from ketenwacht.cases import bulkwrite
    from ketenwacht.cases import rebuild as rebuild_module
    from ketenwacht.cases.tests.factories import ReportFactory

    if connection.vendor != "postgresql":
        pytest.skip("the index and key juggling is PostgreSQL only")
    pool = make_pseudonyms(4)
    reports = [ReportFactory.create() for _ in range(8)]
    link_without_linking(reports, pool)
    before = _table_definitions()
    indexes, constraints = before[Membership._meta.db_table]
    assert any("cluster_id" in definition for _name, definition in indexes)
    assert sum("FOREIGN KEY" in definition for _name, definition in constraints) == 2
    for model in SET_ASIDE_TABLES[1:]:  # each has secondary indexes and keys to set aside
        indexes, constraints = before[model._meta.db_table]
        assert len(indexes) > 1 and any("FOREIGN KEY" in d for _n, d in constraints)
    monkeypatch.setattr(rebuild_module, "LARGE_MOVE", 0)
    monkeypatch.setattr(bulkwrite, "SET_ASIDE_FROM", 0)
    set_aside: list[str] = []
    original = bulkwrite.indexes_and_keys_set_aside

    def recording(model: type[Model], **kwargs: Any) -> Any:
        set_aside.append(model._meta.db_table)
        return original(model, **kwargs)

    monkeypatch.setattr(bulkwrite, "indexes_and_keys_set_aside", recording)
    rebuild()
    assert sorted(set_aside) == sorted(m._meta.db_table for m in SET_ASIDE_TABLES)
    assert _table_definitions() == before
    assert partition() == _oracle()
    assert len({cluster_of(r.pk).pk for r in reports}) == 4
    assert_memberships_consistent()
    for write in (
        lambda: Membership.objects.filter(report_id=reports[0].pk).update(cluster_id=10**9),
        lambda: ClusterEvent.objects.update(cluster_id=10**9),
        lambda: RoutingDecision.objects.update(cluster_id=10**9),
        lambda: Cluster.objects.update(merged_into_id=10**9),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_small_write_keeps_indexes_and_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Few rows, or fewer rows than the table holds already, keep the indexes and keys (an
    index entry each costs less than building the index again over the whole table)."""
    from django.db import connection

    from ketenwacht.cases import bulkwrite

    if connection.vendor != "postgresql":
        assert not bulkwrite.worth_setting_aside(ClusterEvent, 10**9)
        return
    monkeypatch.setattr(bulkwrite, "SET_ASIDE_FROM", 3)
    pool = make_pseudonyms(1)
    first, _second = add([pool[0]]), add([pool[0]])
    cluster = cluster_of(first.pk)
    ClusterEvent.objects.bulk_create(
        ClusterEvent(cluster=cluster, kind=ClusterEventKind.GREW, report_count=1) for _ in range(5)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ClusterEvent._meta.db_table}")
    held = ClusterEvent.objects.count()
    assert not bulkwrite.worth_setting_aside(ClusterEvent, 2)  # too few
    assert not bulkwrite.worth_setting_aside(ClusterEvent, held - 1)  # fewer than held
    assert bulkwrite.worth_setting_aside(ClusterEvent, held)


@pytest.mark.parametrize("large", [True, False])
def test_memberships_stay_consistent_through_rebuild_add_and_remove(
    monkeypatch: pytest.MonkeyPatch, large: bool
) -> None:
    """The membership table after a rebuild that rewrites it whole (``large``) or changes only
    the moved rows, then incremental joins, a merge, a removal and another rebuild."""
    from ketenwacht.cases import rebuild as rebuild_module
    from ketenwacht.cases.tests.factories import ReportFactory

    pool = make_pseudonyms(6)
    reports = [ReportFactory.create(damage_cents=100 * (i + 1)) for i in range(9)]
    link_without_linking(reports, pool[:3])
    monkeypatch.setattr(rebuild_module, "LARGE_MOVE", 0 if large else 10**9)
    first = rebuild()
    assert first.moved == 9 and Membership.objects.count() == 9
    assert partition() == _oracle()
    assert_memberships_consistent()
    joiner = add([pool[0], pool[3]], damage_cents=777)  # joins the first cluster
    assert cluster_of(joiner.pk).report_count == 4
    single = add([pool[4]])
    assert single.cluster_id is None and not Membership.objects.filter(report=single).exists()
    bridge = add([pool[1], pool[2]])  # merges two clusters
    assert cluster_of(bridge.pk).report_count == 7
    assert_memberships_consistent()
    remove(reports[0])  # its cluster keeps three reports
    assert not Membership.objects.filter(report_id=reports[0].pk).exists()
    assert_memberships_consistent()
    # Behind linking's back: the bridge no longer names the third identifier, the single
    # names the first one.
    ReportLink.objects.filter(report=bridge, pseudonym_id=pool[2]).delete()
    ReportLink.objects.create(report=single, pseudonym_id=pool[0])
    second = rebuild()
    assert second.moved == 4  # the single joins the first cluster, the third splits off
    assert cluster_of(single.pk).pk == cluster_of(joiner.pk).pk
    assert partition() == _oracle()
    assert_memberships_consistent()
    assert rebuild().moved == 0


def _reference_summary(
    rows: list[summary.ReportFacts], *, today: date, weights: dict[str, float]
) -> summary.Summary:
    """The summary as plainly defined (the implementation before its single-pass rewrite)."""
    if not rows:
        return summary.Summary()
    damages = sorted(row.damage_cents for row in rows)
    victims: dict[str, summary.ReportFacts] = {}
    for row in rows:
        victims.setdefault(row.victim_key, row)
    regions = Counter(row.region for row in victims.values() if row.region)
    aged = [row.age_band for row in victims.values() if row.age_band]
    seen = [row.seen_on for row in rows]
    week, month = today - timedelta(days=7), today - timedelta(days=30)
    middle = len(damages) // 2
    elderly = sum(1 for band in aged if band in AGE_65_PLUS)
    result = summary.Summary(
        report_count=len(rows),
        victim_count=len(victims),
        damage_total_cents=sum(damages),
        damage_median_cents=damages[middle]
        if len(damages) % 2
        else round((damages[middle - 1] + damages[middle]) / 2),
        fraud_types=dict(sorted(Counter(row.fraud_type for row in rows).items())),
        regions=dict(sorted(regions.items())),
        first_seen=min(seen),
        last_seen=max(seen),
        share_65_plus=round(elderly / len(aged), 4) if aged else None,
        aged_victims=len(aged),
        aged_65_plus=elderly,
        growth_7d=sum(1 for row in rows if row.reported_on > week),
        growth_30d=sum(1 for row in rows if row.reported_on > month),
    )
    result.priority = priority_score(
        PriorityInput(
            victims=result.victim_count,
            damage_total_cents=result.damage_total_cents,
            share_65_plus=result.share_65_plus,
            growth_7d=result.growth_7d,
            growth_30d=result.growth_30d,
            last_seen=result.last_seen,
        ),
        today=today,
        weights=weights,
    )
    return result


_facts_rows = st.lists(
    st.builds(
        summary.ReportFacts,
        st.just(1),
        st.integers(0, 10**7),
        st.dates(date(2024, 1, 1), date(2025, 7, 1)),
        st.dates(date(2024, 1, 1), date(2025, 7, 1)),
        st.sampled_from(["", "midden-nederland", "amsterdam", "oost-brabant"]),
        st.sampled_from(["", "under_25", "65_74", "75_plus", "45_64"]),
        st.sampled_from(["v1", "v2", "v3", "v4"]),
        st.sampled_from(FRAUD_TYPES),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(rows=_facts_rows)
def test_summarise_equals_the_reference(rows: list[summary.ReportFacts]) -> None:
    """The single-pass ``summarise`` (named tuples or plain tuples) equals the plain
    definition: victims counted once with their first report's region and age, the median
    with halves rounded as ``round`` does, sorted fraud forms and regions, growth, priority."""
    today, weights = date(2025, 6, 30), priority_weights()
    expected = _reference_summary(rows, today=today, weights=weights)
    assert summary.summarise(rows, today=today, weights=weights) == expected
    plain: list[summary.FactsRow] = [(*r,) for r in rows]  # as the rebuild passes them
    assert summary.summarise(plain, today=today, weights=weights) == expected


@settings(max_examples=500, deadline=None)
@given(
    damages=st.lists(st.integers(0, 10_000_000), min_size=1, max_size=40),
    damage=st.integers(0, 10_000_000),
)
def test_the_median_from_the_window_equals_the_median_of_all(
    damages: list[int], damage: int
) -> None:
    """One report joins: the new median from the ``WINDOW`` damages around the old one is
    the median of all damages with the new one (halves rounded as ``summarise`` rounds)."""
    ordered = sorted(damages)
    start = summary.window_offset(len(ordered))
    window = ordered[start : start + summary.WINDOW]
    assert summary.median_with(window, len(ordered), damage) == summary._median(
        sorted([*ordered, damage])
    )


@pytest.mark.parametrize(
    ("row_count", "read_at", "start", "window", "usable"),
    [
        (7, 7, 2, [10, 20, 30], True),
        (2, 2, 0, [10, 20], True),  # as long as the cluster has damages from ``start``
        (7, 8, 2, [10, 20, 30], False),  # read at another count than the locked row's
        (7, 7, 1, [10, 20, 30], False),  # a start that is not ``window_offset``
        (7, 7, 2, [10, 20], False),  # fewer damages than the count says
    ],
)
def test_the_read_ahead_window_is_used_only_where_it_fits_the_locked_row(
    row_count: int, read_at: int, start: int, window: list[int], usable: bool
) -> None:
    """Else the general path reads the memberships: no median from a misplaced window, and
    no ``IndexError`` in an add."""
    from ketenwacht.cases.linking import _Ahead

    cluster = Cluster(id=5, report_count=row_count)
    ahead = _Ahead(window_of=5, window_count=read_at, window_start=start, window=window)
    assert ahead.has_window(cluster) is usable
    ahead.window_of = 6  # another cluster's window
    assert not ahead.has_window(cluster)


def test_a_report_growing_a_cluster_costs_a_fixed_handful_of_statements() -> None:
    """The incremental add's fast path, counted: lock, links, hub rows, who names the
    identifiers (their clusters; one other report of a watched one), the clusters reached
    locked, and the one cluster's victim and damages around the median; then the membership
    and the summary written (routing that keeps the unit writes nothing). PostgreSQL sends
    each group as one message (two round trips); SQLite needs no lock and runs them apart.
    Guards against a query creeping into the hot path."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketenwacht.cases import linking, services
    from ketenwacht.cases.tests.factories import ReportFactory

    iban, phone = make_pseudonyms(2)
    first = add([iban])
    add([iban, phone])
    cluster = cluster_of(first.pk)
    for _ in range(2):  # routing settles after the first reports
        add([phone])
    report = ReportFactory.create()
    with CaptureQueriesContext(connection) as queries:
        change = linking.add_report(report, [iban])
        services.clusters_after_change(change, now=timezone.now())
    assert change.summarised.keys() == {cluster.pk}
    expected = 2 if connection.vendor == "postgresql" else 8
    assert len(queries) <= expected, [q["sql"][:80] for q in queries]
    assert_memberships_consistent()


def test_two_single_reports_forming_a_cluster_cost_a_fixed_handful_of_statements() -> None:
    """One add in ten at bench scale makes a new cluster of single reports: after the first
    message (locks, links, hub rows, who names the identifiers), the facts with a fresh
    cluster id, then the cluster with its unit, memberships, event and routing's history row
    — three round trips on PostgreSQL; SQLite runs the same statements one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketenwacht.cases import linking, services
    from ketenwacht.cases.tests.factories import ReportFactory

    warm, iban = make_pseudonyms(2)
    add([warm])
    add([warm])  # routing's rules and units are read (and cached) here
    first = add([iban])
    report = ReportFactory.create()
    with CaptureQueriesContext(connection) as queries:
        change = linking.add_report(report, [iban])
        services.clusters_after_change(change, now=timezone.now())
    cluster = cluster_of(first.pk)
    assert cluster_of(report.pk) == cluster and cluster.unit_id is not None
    assert change.summarised.keys() == {cluster.pk}
    expected = 3 if connection.vendor == "postgresql" else 12
    assert len(queries) <= expected, [q["sql"][:80] for q in queries]
    assert ClusterEvent.objects.filter(cluster=cluster, kind=ClusterEventKind.CREATED).count() == 1
    # Routed once, as it was written: the routing after the change found nothing to do.
    decision = RoutingDecision.objects.get(cluster=cluster)
    assert decision.unit_id == cluster.unit_id and decision.previous_unit_id is None
    _assert_stored_summaries_are_fresh()
    assert_memberships_consistent()


def test_an_add_naming_an_excluded_hub_does_not_read_the_hubs_links(
    small_hubs: dict[str, Any],
) -> None:
    """A hub is named by thousands of reports: the add reads its hub row, never its links.

    The statement that reads who names the identifiers filters them against the hub table
    before it joins the links (on PostgreSQL at bench scale, ``EXPLAIN`` shows the anti-join
    on the identifier list under the link index scan); here: it returns rows for the other
    identifier only, though the hub's links are there."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketenwacht.cases import linking
    from ketenwacht.cases.tests.factories import ReportFactory

    hub, other = make_pseudonyms(2)
    for i in range(8):  # past the absolute limit: the identifier becomes a hub
        add([hub], fraud_type=FRAUD_TYPES[i % len(FRAUD_TYPES)])
    assert Hub.objects.get(pseudonym_id=hub).is_excluded
    report = ReportFactory.create()
    with CaptureQueriesContext(connection) as queries:
        change = linking.add_report(report, [hub, other])
    # One grouped read of the links: the hub's counters come from its row, not a count.
    assert len([q for q in queries if "GROUP BY" in q["sql"]]) == 1
    with connection.cursor() as cursor:
        cursor.execute(*linking._reach_statement([hub, other]))
        named = {row[0] for row in cursor.fetchall()}
    assert named == {other}
    assert not change.touched  # the hub links nothing; nobody else names the other one
    assert Hub.objects.get(pseudonym_id=hub).report_count == 9


def _rows_read_from(plan: dict[str, Any], table: str) -> int:
    """Rows the executed plan (``EXPLAIN (ANALYZE, FORMAT JSON)``) read from ``table``."""
    own = plan.get("Actual Rows", 0) * plan.get("Actual Loops", 0)
    read = own if plan.get("Relation Name") == table else 0
    return read + sum(_rows_read_from(child, table) for child in plan.get("Plans", []))


@pytest.mark.parametrize("alone", [True, False])
def test_the_generic_plan_reads_no_link_of_an_identifier_with_a_hub_row(
    small_hubs: dict[str, Any], alone: bool
) -> None:
    """The plan PostgreSQL keeps for the prepared reach statement (a generic plan, made
    without the values) filters the identifiers against the hub table before it reads a
    link: without that fence, the plan for one identifier read all of a hub's links and
    their memberships and dropped them afterwards (11.8 ms for a hub of 1,736 reports at
    bench scale; a marketplace's support address has far more)."""
    import json

    from django.db import connection

    from ketenwacht.cases import linking

    if connection.vendor != "postgresql":
        pytest.skip("the generic plan is PostgreSQL's")
    hub, other = make_pseudonyms(2)
    for i in range(8):  # past the absolute limit: the identifier becomes a hub
        add([hub], fraud_type=FRAUD_TYPES[i % len(FRAUD_TYPES)])
    add([other])
    ids = [hub] if alone else [hub, other]
    sql, params = linking._reach_statement(ids)
    numbered = sql.replace("%s", "{}").format(*(f"${i + 1}" for i in range(len(params))))
    link_table = ReportLink._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE reach_plan AS {numbered}")
        try:
            marks = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE reach_plan({marks})", params)
            (explained,) = cursor.fetchone()
        finally:
            cursor.execute("DEALLOCATE reach_plan")
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    assert _rows_read_from(plan, link_table) == (0 if alone else 1)


def _reach_plans() -> tuple[int, int]:
    """(generic, custom) plans of the add's prepared reach statement on this connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0) "
            "FROM pg_prepared_statements WHERE statement LIKE %s",
            ["WITH ids(p) AS (VALUES%"],
        )
        generic, custom = cursor.fetchone()
    return int(generic), int(custom)


def test_the_adds_statements_run_prepared_with_one_generic_plan() -> None:
    """On PostgreSQL the add's messages go as prepared statements in one pipeline each
    (``ketenwacht.prepared``): from the fifth add on, the reach statement is not planned again
    for its values."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    pool = make_pseudonyms(8)
    for pid in pool:  # one identifier each: the same statement text every time
        add([pid])
    generic, custom = _reach_plans()
    assert generic >= 3 and custom == 0


@pytest.mark.parametrize("prepare", [True, False])
def test_prepared_and_unprepared_adds_link_alike(
    prepare: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a pooler that cannot carry prepared statements (``DATABASE_PREPARED_STATEMENTS
    =false``) the add's messages go as one simple-protocol message each: the same clusters,
    memberships and summaries either way."""
    from django.db import connection

    if not prepare:
        if connection.vendor != "postgresql":
            pytest.skip("SQLite never prepares")
        connection.ensure_connection()
        monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    a, b, c, d = make_pseudonyms(4)
    reports = [add([a]), add([a]), add([b]), add([b, c]), add([d])]
    for _ in range(6):  # past the prepare threshold
        reports.append(add([c]))
    reports.append(add([a, c]))  # merges the two clusters
    assert partition() == _oracle()
    assert cluster_of(reports[0].pk) == cluster_of(reports[2].pk)
    assert reports[4].cluster_id is None
    _assert_stored_summaries_are_fresh()
    assert_memberships_consistent()
