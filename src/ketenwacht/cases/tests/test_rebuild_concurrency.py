"""A report arriving while a large rebuild runs waits for it and is then linked: no deadlock.

The add writes its report row first and then waits for the linking lock, which the rebuild
holds; a large rebuild sets the membership table's keys aside, and dropping the key into
the reports table must lock that table exclusively. Unless the rebuild holds the reports
table from the start, each waits for the other until PostgreSQL's deadlock detector aborts
one of them (the add, as a rule: an error for the police's API client)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction

from ketenwacht.cases import linking
from ketenwacht.cases import rebuild as rebuild_module
from ketenwacht.cases.tests.factories import (
    ReportFactory,
    assert_memberships_consistent,
    cluster_of,
    link_without_linking,
    make_pseudonyms,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _backends_waiting_for_a_lock() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        (count,) = cursor.fetchone()
    return int(count)


def wait_until_blocked(thread: threading.Thread) -> None:
    """Until a backend of this database waits for a lock (the thread's, while it lives)."""
    deadline = time.monotonic() + 30
    while _backends_waiting_for_a_lock() == 0:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.05)


def _in_thread(work: Any, errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_add_during_a_large_rebuild_waits_and_links(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the writers; the table locks are PostgreSQL's")
    pool = make_pseudonyms(2)
    singles = [ReportFactory.create() for _ in range(4)]
    link_without_linking(singles, pool)
    monkeypatch.setattr(rebuild_module, "LARGE_MOVE", 0)  # the membership table is rewritten
    holding, go_on = threading.Event(), threading.Event()
    read_reports = rebuild_module._load_reports

    def load_after_a_pause() -> Any:  # the rebuild holds its locks here
        holding.set()
        assert go_on.wait(30)
        return read_reports()

    monkeypatch.setattr(rebuild_module, "_load_reports", load_after_a_pause)
    added: list[int] = []

    def add() -> None:
        with transaction.atomic():
            report = ReportFactory.create()
            linking.add_report(report, [pool[0]])
        added.append(report.pk)

    errors: list[BaseException] = []
    rebuilding = _in_thread(rebuild_module.rebuild, errors)
    assert holding.wait(30)
    adding = _in_thread(add, errors)
    wait_until_blocked(adding)  # the add waits for the rebuild
    go_on.set()
    rebuilding.join(60)
    adding.join(60)
    assert errors == []
    assert cluster_of(added[0]).pk == cluster_of(singles[0].pk).pk  # linked after the rebuild
    assert cluster_of(singles[1].pk).report_count == 2
    assert_memberships_consistent()
