"""The portal's audit log: programme team sees all, others their own organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.services import audit_record
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.conftest import verified_client
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db

URL = "/portal/audit/"


@pytest.fixture
def events() -> dict[str, Any]:
    """One event by the bank, one by the shop, one by the system."""
    bank = OrganisationFactory.create(name="Bank Noord")
    shop = OrganisationFactory.create(name="Webwinkel Zuid")
    programme = OrganisationFactory.create(name="Programmabureau", sector="programme")
    bank_event = audit_record(
        actor=access.actor_for_user(make_user(Role.PARTNER_ANALYST, bank)), action="bank.check"
    )
    shop_event = audit_record(
        actor=access.actor_for_user(make_user(Role.ADMIN, shop)), action="shop.token"
    )
    system_event = audit_record(actor=None, action="system.purge")
    return {
        "bank": bank,
        "shop": shop,
        "programme": programme,
        "bank_event": bank_event,
        "shop_event": shop_event,
        "system_event": system_event,
    }


def listed(response: Any) -> set[int]:
    assert response.status_code == 200
    return {event.pk for event in response.context["page"]}


def test_programme_team_sees_every_event(events: dict[str, Any]) -> None:
    client = verified_client(make_user(Role.PROGRAMME_TEAM, events["programme"]))
    assert listed(client.get(URL)) == set(AuditEvent.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "role", [Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.ADMIN]
)
def test_others_see_their_own_organisations_events(events: dict[str, Any], role: str) -> None:
    client = verified_client(make_user(role, events["bank"]))
    assert listed(client.get(URL)) == {events["bank_event"].pk}


def test_an_organisation_without_events_sees_none(events: dict[str, Any]) -> None:
    client = verified_client(make_user(Role.PARTNER_ANALYST, OrganisationFactory.create()))
    response = client.get(URL)
    assert listed(response) == set()
    assert b"No events." in response.content


def test_anonymous_visitor_is_sent_to_login(events: dict[str, Any]) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/audit/"


def test_user_without_membership_is_refused(events: dict[str, Any]) -> None:
    client = Client()
    client.force_login(make_user(None, devices=False))
    assert client.get(URL).status_code == 403


def test_filter_by_action_prefix(events: dict[str, Any]) -> None:
    client = verified_client(make_user(Role.PROGRAMME_TEAM, events["programme"]))
    assert listed(client.get(URL, {"action": "shop."})) == {events["shop_event"].pk}


def test_pages_of_fifty(events: dict[str, Any]) -> None:
    actor = access.actor_for_user(make_user(Role.PARTNER_ANALYST, events["bank"]))
    for number in range(60):
        audit_record(actor=actor, action=f"bulk.{number}")
    client = verified_client(make_user(Role.PARTNER_ANALYST, events["bank"]))
    first, second = client.get(URL), client.get(URL, {"page": 2})
    assert len(listed(first)) == 50 and len(listed(second)) == 11
    assert b'rel="next"' in first.content


def _organisation(events: dict[str, Any], key: str) -> Organisation:
    organisation: Organisation = events[key]
    return organisation
