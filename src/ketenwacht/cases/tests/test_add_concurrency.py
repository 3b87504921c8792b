"""Two adds at once, through different identifiers, one merging the cluster the other joins.

The identifier locks keep apart changes that name the same identifier; they do not keep an
add naming ``z`` from a merge naming ``x`` and ``y``. Here the merge absorbs the cluster
that ``z`` reaches and holds its row; the add reads, as before the merge, that ``z``
reaches that cluster, waits for its row lock, and is granted it once the merge has marked
the cluster merged. The add must then link the report to the cluster that survived, not to
the one that ended (a report in an inactive cluster is in no police list)."""

from __future__ import annotations

import threading
import time
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
from ketenwacht.cases.tests.test_rebuild_concurrency import (
    _backends_waiting_for_a_lock,
    _in_thread,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _add_in_transaction(pseudonym_ids: list[int], *, before_commit: Any = None) -> int:
    with transaction.atomic():
        report = ReportFactory.create()
        change = linking.add_report(report, pseudonym_ids)
        services.clusters_after_change(change, now=timezone.now())
        if before_commit is not None:
            before_commit()
    return int(report.pk)


def test_an_add_reaching_a_cluster_merged_meanwhile_joins_the_survivor() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the writers; row locks are PostgreSQL's")
    x, y, z = make_pseudonyms(3)
    first = add([x])
    add([x])  # cluster A: two reports naming x
    second = add([y, z])
    add([y])  # cluster B: two reports naming y, one of them z too
    a, b = cluster_of(first.pk), cluster_of(second.pk)
    merged, go_on = threading.Event(), threading.Event()

    def hold_the_merge() -> None:
        merged.set()
        assert go_on.wait(30)

    errors: list[BaseException] = []
    results: dict[str, int] = {}
    merging = _in_thread(
        lambda: results.update(merge=_add_in_transaction([x, y], before_commit=hold_the_merge)),
        errors,
    )
    assert merged.wait(30)
    joining = _in_thread(lambda: results.update(join=_add_in_transaction([z])), errors)
    deadline = time.monotonic() + 30
    while _backends_waiting_for_a_lock() == 0:  # the add waits for the merged cluster's row
        assert time.monotonic() < deadline and joining.is_alive()
        time.sleep(0.05)
    go_on.set()
    merging.join(60)
    joining.join(60)
    assert errors == []
    survivor = cluster_of(results["join"])
    assert survivor.is_active and survivor.pk in {a.pk, b.pk}
    assert cluster_of(results["merge"]) == survivor
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
    joined, go_on = threading.Event(), threading.Event()

    def hold_the_add() -> None:
        joined.set()
        assert go_on.wait(30)

    errors: list[BaseException] = []
    results: dict[str, int] = {}
    adding = _in_thread(
        lambda: results.update(add=_add_in_transaction([x], before_commit=hold_the_add)), errors
    )
    assert joined.wait(30)
    excluding = _in_thread(
        lambda: services.hub_override(
            actor=world.analyst, pseudonym_id=y, decision="exclude", note="a shared helpdesk"
        ),
        errors,
    )
    deadline = time.monotonic() + 30
    while _backends_waiting_for_a_lock() == 0:  # the recompute waits for the cluster's row
        assert time.monotonic() < deadline and excluding.is_alive()
        time.sleep(0.05)
    go_on.set()
    adding.join(60)
    excluding.join(60)
    assert errors == []
    kept = cluster_of(results["add"])
    assert kept.is_active and kept == cluster_of(first.pk) == cluster
    assert kept.report_count == 2
    assert_memberships_consistent()
