"""GET /api/v1/audit/events: a token with audit:read sees its own organisation's events."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.services import audit_record
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role, Scope
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import OrganisationFactory, make_token, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/events"


def api_get(plaintext: str, **params: Any) -> Any:
    return Client().get(URL, params, HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def events_of(
    organisation: Organisation, count: int, action: str = "identifier.check"
) -> list[AuditEvent]:
    actor = access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))
    return [audit_record(actor=actor, action=f"{action}.{n}") for n in range(count)]


@pytest.fixture
def bank() -> Organisation:
    organisation: Organisation = OrganisationFactory.create(name="Bank Noord")
    return organisation


def test_only_the_own_organisations_events_newest_first(bank: Organisation) -> None:
    own = events_of(bank, 3)
    events_of(OrganisationFactory.create(), 2)
    audit_record(actor=None, action="system.purge")
    _token, plaintext = make_token(bank, [Scope.AUDIT_READ])

    response = api_get(plaintext)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [event.pk for event in reversed(own)]
    first = body["results"][0]
    assert first["actor_organisation"] == bank.pk
    assert first["actor"].startswith("user:")
    assert first["hash"] == own[-1].hash and first["prev_hash"] == own[-1].prev_hash
    assert set(first) == {
        "id",
        "time",
        "actor",
        "actor_user",
        "actor_organisation",
        "actor_token",
        "action",
        "object_type",
        "object_id",
        "purpose",
        "details",
        "client_address",
        "prev_hash",
        "hash",
    }


def test_the_tokens_own_calls_are_listed_with_its_key(bank: Organisation) -> None:
    token, plaintext = make_token(bank, [Scope.AUDIT_READ])
    audit_record(actor=access.actor_for_token(token), action="identifier.check")
    [item] = api_get(plaintext).json()["results"]
    assert (item["actor_token"], item["actor_user"]) == (token.key_id, None)


def test_programme_team_token_also_sees_only_its_own_organisation() -> None:
    """Tokens never hold role permissions: the programme's token is an organisation's token."""
    programme = OrganisationFactory.create(sector="programme")
    events_of(programme, 1)
    events_of(OrganisationFactory.create(), 4)
    _token, plaintext = make_token(programme, [Scope.AUDIT_READ])
    assert api_get(plaintext).json()["count"] == 1


def test_pagination(bank: Organisation) -> None:
    events = events_of(bank, 5)
    _token, plaintext = make_token(bank, [Scope.AUDIT_READ])

    first = api_get(plaintext, page_size=2).json()
    assert first["count"] == 5
    assert [item["id"] for item in first["results"]] == [events[4].pk, events[3].pk]
    assert first["previous"] is None and "page=2" in first["next"]
    last = api_get(plaintext, page_size=2, page=3).json()
    assert [item["id"] for item in last["results"]] == [events[0].pk]
    assert last["next"] is None


def test_filters_by_action_prefix_and_after_id(bank: Organisation) -> None:
    checks = events_of(bank, 3, action="identifier.check")
    events_of(bank, 2, action="token.create")
    _token, plaintext = make_token(bank, [Scope.AUDIT_READ])

    by_action = api_get(plaintext, action="identifier.").json()
    assert by_action["count"] == 3
    after = api_get(plaintext, after=checks[1].pk).json()
    assert [item["action"] for item in after["results"]] == [
        "token.create.1",
        "token.create.0",
        "identifier.check.2",
    ]


@pytest.mark.parametrize("after", ["abc", "-1", "²"])
def test_bad_after_is_a_problem(bank: Organisation, after: str) -> None:
    _token, plaintext = make_token(bank, [Scope.AUDIT_READ])
    response = api_get(plaintext, after=after)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "after"


def test_needs_the_audit_read_scope(bank: Organisation) -> None:
    _token, plaintext = make_token(bank, [Scope.ORGANISATION_READ])
    response = api_get(plaintext)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"


def test_needs_a_token() -> None:
    response = Client().get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoked_token_is_refused(bank: Organisation) -> None:
    _token, plaintext = make_token(bank, [Scope.AUDIT_READ], revoked=True)
    assert api_get(plaintext).json()["code"] == "token_revoked"


def test_is_read_only(bank: Organisation) -> None:
    _token, plaintext = make_token(bank, [Scope.AUDIT_READ])
    response = Client().post(URL, {}, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 405
    assert not AuditEvent.objects.exists()
