"""Retention: the purge deletes expired sightings, their raw values and unused pseudonyms."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers import services, tasks
from ketenwacht.identifiers.models import IdempotencyRecord, Pseudonym, RawValue, Sighting
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import IBAN, MOBILE, Circle, make_circle

pytestmark = pytest.mark.django_db


def record(circle: Circle, value: str, role: str, *, key: str | None = None) -> None:
    services.sightings_ingest(
        actor=token_actor(circle.members[0]),
        items=[{"value": value, "fraud_type": "purchase", "role": role}],
        idempotency_key=key,
    )


def test_purge_deletes_what_expired_and_nothing_else(db: None) -> None:
    """Phones kept 30 days, IBANs 365: after 31 days only the IBAN is left."""
    circle = make_circle(members=1, retention_days={"iban": 365, "phone": 30})
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        record(circle, IBAN, "beneficiary_account", key="first-batch")
        record(circle, MOBILE, "caller_number")
    assert (Sighting.objects.count(), RawValue.objects.count(), Pseudonym.objects.count()) == (
        2,
        2,
        2,
    )
    with time_machine.travel(start + timedelta(days=29), tick=False):
        early = services.sightings_purge()
    assert early.sightings == 0 and Sighting.objects.count() == 2
    assert early.idempotency_records == 1  # stored responses live 24 hours

    with time_machine.travel(start + timedelta(days=31), tick=False):
        result = services.sightings_purge()
    assert (result.sightings, result.raw_values, result.pseudonyms) == (1, 1, 1)
    remaining = Sighting.objects.get()
    assert remaining.kind == "iban"
    assert RawValue.objects.get().pseudonym == remaining.pseudonym
    assert Pseudonym.objects.get() == remaining.pseudonym
    assert not IdempotencyRecord.objects.exists()
    event = AuditEvent.objects.filter(action="identifiers.purge").last()
    assert event is not None and event.details["sightings"] == 1

    with time_machine.travel(start + timedelta(days=366), tick=False):
        services.sightings_purge()
    assert not Sighting.objects.exists()
    assert not RawValue.objects.exists()
    assert not Pseudonym.objects.exists()


def test_a_value_seen_again_keeps_its_raw_value_until_the_last_sighting_expires(
    circle: Circle,
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        record(circle, IBAN, "beneficiary_account")
    with time_machine.travel(start + timedelta(days=200), tick=False):
        record(circle, IBAN, "beneficiary_account")
    with time_machine.travel(start + timedelta(days=366), tick=False):
        result = services.sightings_purge()
    assert result.sightings == 1 and result.raw_values == 0
    assert RawValue.objects.count() == 1
    with time_machine.travel(start + timedelta(days=566), tick=False):
        services.sightings_purge()
    assert not RawValue.objects.exists() and not Pseudonym.objects.exists()


def test_raw_value_without_sightings_is_purged(circle: Circle) -> None:
    record(circle, IBAN, "beneficiary_account")
    Sighting.objects.all().delete()  # e.g. withdrawn after an upheld dispute
    result = services.sightings_purge()
    assert result.raw_values == 1 and result.pseudonyms == 1


def test_purge_command_and_task(db: None) -> None:
    start = timezone.now()
    circle = make_circle(members=1, valid_from=start - timedelta(days=1000))
    with time_machine.travel(start - timedelta(days=400), tick=False):
        record(circle, IBAN, "beneficiary_account")
    with time_machine.travel(start - timedelta(days=20), tick=False):
        record(circle, MOBILE, "caller_number")
    out = StringIO()
    call_command("identifiers_purge", stdout=out)
    assert "purged 1 sightings, 1 raw values, 1 pseudonyms" in out.getvalue()
    assert Sighting.objects.get().kind == "phone"
    with time_machine.travel(start + timedelta(days=400), tick=False):
        assert tasks.purge_expired.delay().get() == {
            "sightings": 1,
            "raw_values": 1,
            "pseudonyms": 1,
            "idempotency_records": 0,
        }
    assert not Sighting.objects.exists()
