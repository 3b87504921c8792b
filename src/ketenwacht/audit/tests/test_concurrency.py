"""Appends from parallel transactions keep one unbroken chain (PostgreSQL advisory lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.selectors import audit_chain_first_break
from ketenwacht.audit.services import audit_record
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
