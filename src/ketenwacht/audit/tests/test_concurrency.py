"""Appends from parallel transactions keep one unbroken chain (PostgreSQL advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from ketenwacht.audit.chain import event_hash
from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.selectors import audit_chain_first_break
from ketenwacht.audit.services import audit_record, event_content
from ketenwacht.audit.tests.conftest import postgres_only

pytestmark = [pytest.mark.django_db(transaction=True), *postgres_only]

THREADS = 2
EVENTS_PER_THREAD = 30


def _append_many(name: str, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for number in range(EVENTS_PER_THREAD):
            with transaction.atomic():
                audit_record(actor=None, action=f"{name}.{number}", details={"n": number})
    except BaseException as error:  # reported to the test thread
        errors.append(error)
    finally:
        connection.close()


def test_parallel_appends_keep_the_chain_valid() -> None:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_append_many, args=(f"thread{n}", start, errors))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) == THREADS * EVENTS_PER_THREAD
    # One chain, no fork: every hash is the prev_hash of exactly the next event.
    assert len({event.prev_hash for event in events}) == len(events)
    assert audit_chain_first_break() is None
    # Both threads really interleaved or at least both wrote.
    assert {event.action.split(".")[0] for event in events} == {"thread0", "thread1"}


def test_postgres_appends_outside_a_transaction_chain_and_verify() -> None:
    """Appends in autocommit mode (the checks' way) chain and verify, the SQL-made hash
    equal to ``event_hash`` of what the database returns."""
    for number in range(5):
        audit_record(actor=None, action="autocommit", details={"n": number, "text": "é €"})
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.time for e in events] == sorted(e.time for e in events)  # one thread: in order
    for event in events:
        assert event.hash == event_hash(event.prev_hash, event_content(event))
    assert audit_chain_first_break() is None
