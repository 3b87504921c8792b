"""Fixtures for the audit tests: seeded chains and an attacker with owner rights."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.services import audit_record
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user

TABLE = AuditEvent._meta.db_table
TRIGGER = "audit_auditevent_append_only"
ON_POSTGRES = connection.vendor == "postgresql"

postgres_only = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL"),
]


@contextmanager
def owner_rights() -> Iterator[CursorWrapper]:
    """A cursor that may change the audit table, like an attacker who owns it.

    On PostgreSQL the append-only trigger is disabled for the duration (DDL is transactional,
    so the test's rollback restores it even if the block fails).
    """
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            # Django's foreign keys are deferred; ALTER TABLE refuses while checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        try:
            yield cursor
        finally:
            if ON_POSTGRES:
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def chain(db: None) -> list[AuditEvent]:
    """Five events by a user, a token-less system actor and a second organisation."""
    bank = OrganisationFactory.create(name="Bank Noord")
    shop = OrganisationFactory.create(name="Webwinkel Zuid")
    analyst = access.actor_for_user(make_user(Role.PARTNER_ANALYST, bank))
    shop_admin = access.actor_for_user(make_user(Role.ADMIN, shop))
    return [
        audit_record(actor=analyst, action="identifier.check", object_type="iban", object_id=1),
        audit_record(actor=None, action="system.purge", details={"removed": 3}),
        audit_record(actor=shop_admin, action="token.create", object_id="abc", details={"n": 1}),
        audit_record(actor=analyst, action="identifier.reveal", purpose="Onderzoek 12"),
        audit_record(actor=shop_admin, action="token.revoke", object_id="abc"),
    ]
