"""The allowlist: official values, managed by the programme team, ahead of any verdict."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import ConflictError, PermissionDeniedError
from ketenwacht.identifiers import selectors, services
from ketenwacht.identifiers.models import AllowlistEntry
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import Circle
from ketenwacht.partners import access
from ketenwacht.partners.tests.factories import actor_with_role

pytestmark = pytest.mark.django_db


def test_programme_team_lists_a_value_in_canonical_form() -> None:
    actor = actor_with_role("programme_team")
    entry = services.allowlist_add(
        actor=actor, value="088 - 722 67 67", owner_name="Rabobank", category="bank"
    )
    assert (entry.kind, entry.value, entry.display) == ("phone", "+31887226767", "+31 88 722 6767")
    event = AuditEvent.objects.get(action="allowlist.add")
    assert event.details["value"] == "+31887226767"
    with pytest.raises(ConflictError):
        services.allowlist_add(
            actor=actor, value="+31887226767", owner_name="Rabobank", category="bank"
        )
    services.allowlist_remove(actor=actor, entry=entry)
    assert not AllowlistEntry.objects.exists()
    assert AuditEvent.objects.filter(action="allowlist.remove").exists()


def test_only_the_programme_team_manages_the_list(circle: Circle) -> None:
    for actor in (actor_with_role("partner_analyst"), token_actor(circle.members[0])):
        with pytest.raises(PermissionDeniedError):
            services.allowlist_add(actor=actor, value="ing.nl", owner_name="ING", category="bank")
    assert list(selectors.allowlist_list(actor=access.Actor())) == []


def test_allowlist_precedes_reports_in_the_public_answer(circle: Circle) -> None:
    services.allowlist_add(
        actor=access.SYSTEM, value="0900 0024", owner_name="ABN AMRO", category="bank"
    )
    for organisation in circle.members:
        services.sightings_ingest(
            actor=token_actor(organisation),
            items=[
                {
                    "value": "0900-0024",
                    "fraud_type": "bankhelpdesk",
                    "role": "caller_number",
                    "confidence": "confirmed",
                }
            ],
        )
    result = services.public_check(
        actor=access.Actor(client_address="198.51.100.1"), value="+31 900 0024"
    )
    assert result.level == "none"
    assert result.advice["nl"] == (
        "Dit is een officieel nummer van ABN AMRO; ABN AMRO vraagt nooit om geld over te maken "
        "— hang op en bel zelf terug."
    )


def test_ingest_marks_allowlisted_values(circle: Circle) -> None:
    services.allowlist_add(actor=access.SYSTEM, value="ing.nl", owner_name="ING", category="bank")
    result = services.sightings_ingest(
        actor=token_actor(circle.members[0]),
        items=[
            {
                "value": "https://mijn.ing.nl/login",
                "fraud_type": "phishing",
                "role": "phishing_url",
            },
            {"value": "https://ing-veilig.com/", "fraud_type": "phishing", "role": "phishing_url"},
        ],
    )
    assert [r["allowlisted"] for r in result.results] == [True, False]


def test_load_command_is_idempotent() -> None:
    out = StringIO()
    call_command("identifiers_allowlist_load", stdout=out)
    loaded = AllowlistEntry.objects.count()
    assert loaded >= 10
    assert f"allowlist: {loaded} added, 0 already listed" in out.getvalue()
    call_command("identifiers_allowlist_load", stdout=out)
    assert AllowlistEntry.objects.count() == loaded
    assert f"0 added, {loaded} already listed" in out.getvalue()
    marktplaats = AllowlistEntry.objects.get(value="marktplaats.nl")
    assert marktplaats.covers_urls is False
