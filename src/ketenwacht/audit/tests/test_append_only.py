"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit table."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.selectors import audit_chain_first_break
from ketenwacht.audit.services import audit_record
from ketenwacht.audit.tests.conftest import TABLE, owner_rights, postgres_only

pytestmark = [pytest.mark.django_db, *postgres_only]


def _refused(statement: str, params: list[int | str]) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, params)
    return str(caught.value)


def test_trigger_refuses_update() -> None:
    event = audit_record(actor=None, action="original")
    message = _refused(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["forged", event.pk])
    assert "append-only" in message and "UPDATE" in message
    assert AuditEvent.objects.get(pk=event.pk).action == "original"


def test_trigger_refuses_delete() -> None:
    event = audit_record(actor=None, action="original")
    message = _refused(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    assert "append-only" in message and "DELETE" in message
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_trigger_refuses_the_orm_too() -> None:
    event = audit_record(actor=None, action="original")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="original").exists()
    assert audit_chain_first_break() is None


def test_disabling_the_trigger_is_what_tampering_takes() -> None:
    """With owner rights the trigger can be switched off; the chain still tells."""
    event = audit_record(actor=None, action="original")
    with owner_rights() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["forged", event.pk])
    chain_break = audit_chain_first_break()
    assert chain_break is not None and chain_break.event_id == event.pk
    # ... and afterwards the trigger is back in force.
    assert "append-only" in _refused(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
