"""Two adds at once, through different identifiers, one merging the cluster the other joins.

The identifier locks keep apart changes that name the same identifier; they do not keep an
add naming ``z`` from a merge naming ``x`` and ``y``. Here the merge absorbs the cluster
that ``z`` reaches and holds its row; the add reads, as before the merge, that ``z``
reaches that cluster, waits for its row lock, and is granted it once the merge has marked
the cluster merged. The add must then link the report to the cluster that survived, not to
the one that ended (a report in an inactive cluster is in no police list)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ketenwacht.cases import linking, services
from ketenwacht.cases.models import Cluster, Report
from ketenwacht.cases.tests.factories import (
    ReportFactory,
    World,
    add,
    assert_memberships_consistent,
    cluster_of,
    make_pseudonyms,
)
from ketenwacht.cases.tests.test_rebuild_concurrency import _in_thread, wait_until_blocked

pytestmark = pytest.mark.django_db(transaction=True)


def _add_in_transaction(pseudonym_ids: list[int], *, before_commit: Any = None) -> int:
    with transaction.atomic():
        report = ReportFactory.create()
        change = linking.add_report(report, pseudonym_ids)
        services.clusters_after_change(change, now=timezone.now())
        if before_commit is not None:
            before_commit()
    return int(report.pk)


def _second_waits_for_the_held_add(held_ids: list[int], second: Callable[[], Any]) -> Any:
    """Add a report through ``held_ids`` and keep its transaction open; run ``second`` on
    another connection until it waits for a lock; then let the add commit and both finish.
    Returns the held add's report id and what ``second`` returned."""
    holding, go_on = threading.Event(), threading.Event()

    def hold() -> None:
        holding.set()
        assert go_on.wait(30)

    errors: list[BaseException] = []
    results: dict[str, Any] = {}
    first = _in_thread(
        lambda: results.update(held=_add_in_transaction(held_ids, before_commit=hold)), errors
    )
    assert holding.wait(30)
    waiting = _in_thread(lambda: results.update(second=second()), errors)
    wait_until_blocked(waiting)
    go_on.set()
    first.join(60)
    waiting.join(60)
    assert errors == []
    return results["held"], results["second"]


def test_an_add_reaching_a_cluster_merged_meanwhile_joins_the_survivor() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the writers; row locks are PostgreSQL's")
    x, y, z = make_pseudonyms(3)
    first = add([x])
    add([x])  # cluster A: two reports naming x
    second = add([y, z])
    add([y])  # cluster B: two reports naming y, one of them z too
    a, b = cluster_of(first.pk), cluster_of(second.pk)
    # The add naming z waits for the row of the cluster the merge holds.
    merged, joined = _second_waits_for_the_held_add([x, y], lambda: _add_in_transaction([z]))
    survivor = cluster_of(joined)
    assert survivor.is_active and survivor.pk in {a.pk, b.pk}
    assert cluster_of(merged) == survivor
    assert not Cluster.objects.get(pk=({a.pk, b.pk} - {survivor.pk}).pop()).is_active
    assert survivor.report_count == Report.objects.count() == 6
    assert_memberships_consistent()


def test_an_add_during_a_recompute_that_ends_its_cluster_is_linked_after_it(
    world: World,
) -> None:
    """An analyst excludes ``y`` while a report naming ``x`` joins the cluster ``y`` held
    together. The add holds the cluster's row until it commits; the recompute locks the
    cluster before it reads the members, so it waits and then sees the new report: ``x``
    keeps the new report and its first report together. Before the lock, the recompute read
    the members without the new report, dissolved the cluster, and the new report was left
    in the dissolved (inactive) cluster."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the writers; row locks are PostgreSQL's")
    x, y = make_pseudonyms(2)
    first = add([x, y])
    add([y])
    cluster = cluster_of(first.pk)
    # The analyst's recompute waits for the row of the cluster the add holds.
    added, _hub = _second_waits_for_the_held_add(
        [x],
        lambda: services.hub_override(
            actor=world.analyst, pseudonym_id=y, decision="exclude", note="a shared helpdesk"
        ),
    )
    kept = cluster_of(added)
    assert kept.is_active and kept == cluster_of(first.pk) == cluster
    assert kept.report_count == 2
    assert_memberships_consistent()
