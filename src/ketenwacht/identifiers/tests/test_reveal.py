"""Revealing a raw value: only a police analyst the agreement names, with a reason, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers import services
from ketenwacht.identifiers.models import Pseudonym, RawValue
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import IBAN, Circle, make_circle
from ketenwacht.partners import access
from ketenwacht.partners.tests.factories import OrganisationFactory, actor_with_role

pytestmark = pytest.mark.django_db

REASON = "Onderzoek 2026-0042 naar een geldezelnetwerk"


def recorded(circle: Circle, value: str = IBAN) -> Pseudonym:
    services.sightings_ingest(
        actor=token_actor(circle.members[0]),
        items=[{"value": value, "fraud_type": "purchase", "role": "beneficiary_account"}],
    )
    return Pseudonym.objects.get()


def test_police_analyst_named_by_the_agreement_reveals_and_it_is_audited(circle: Circle) -> None:
    pseudonym = recorded(circle)
    analyst = actor_with_role("police_analyst", circle.members[2])
    revealed = services.raw_value_reveal(actor=analyst, pseudonym=pseudonym, reason=REASON)
    assert (revealed.kind, revealed.value, revealed.display) == (
        "iban",
        IBAN,
        "NL91 ABNA 0417 1643 00",
    )
    event = AuditEvent.objects.get(action="identifiers.reveal")
    assert event.actor_user == analyst.user
    assert event.purpose == REASON
    assert event.object_id == pseudonym.reference
    assert IBAN not in str(event.details)


def test_other_roles_cannot_reveal(circle: Circle) -> None:
    pseudonym = recorded(circle)
    for role in ("partner_analyst", "programme_team", "admin"):
        with pytest.raises(PermissionDeniedError):
            services.raw_value_reveal(
                actor=actor_with_role(role, circle.members[1]), pseudonym=pseudonym, reason=REASON
            )
    with pytest.raises(PermissionDeniedError):
        services.raw_value_reveal(
            actor=token_actor(circle.members[1]), pseudonym=pseudonym, reason=REASON
        )


def test_agreement_without_the_role_refuses_and_the_refusal_is_audited(db: None) -> None:
    circle = make_circle(members=3, raw_value_roles=["programme_team"])
    pseudonym = recorded(circle)
    analyst = actor_with_role("police_analyst", circle.members[2])
    with pytest.raises(PermissionDeniedError) as refused:
        services.raw_value_reveal(actor=analyst, pseudonym=pseudonym, reason=REASON)
    assert refused.value.code == "reveal_not_allowed"
    assert AuditEvent.objects.filter(action="identifiers.reveal_refused").count() == 1
    assert not AuditEvent.objects.filter(action="identifiers.reveal").exists()


def test_police_outside_the_group_cannot_reveal(circle: Circle) -> None:
    pseudonym = recorded(circle)
    outsider = actor_with_role("police_analyst", OrganisationFactory.create())
    with pytest.raises(PermissionDeniedError):
        services.raw_value_reveal(actor=outsider, pseudonym=pseudonym, reason=REASON)


def test_a_reason_is_required(circle: Circle) -> None:
    pseudonym = recorded(circle)
    analyst = actor_with_role("police_analyst", circle.members[2])
    with pytest.raises(ValidationFailed) as missing:
        services.raw_value_reveal(actor=analyst, pseudonym=pseudonym, reason="  nodig ")
    assert missing.value.code == "reason_required"


def test_nothing_to_reveal_when_no_raw_value_was_kept(db: None) -> None:
    circle = make_circle(members=3, raw_value_roles=["police_analyst"])
    pseudonym = recorded(circle)
    RawValue.objects.all().delete()
    analyst = actor_with_role("police_analyst", circle.members[2])
    with pytest.raises(NotFoundError):
        services.raw_value_reveal(actor=analyst, pseudonym=pseudonym, reason=REASON)


def test_reveal_endpoint_for_a_police_analyst_session(
    circle: Circle, login_client: Callable[..., Any]
) -> None:
    pseudonym = recorded(circle)
    url = f"/api/v1/pseudonyms/{pseudonym.pk}/reveal"
    police = login_client("police_analyst", circle.members[2])
    response = police.post(url, {"reason": REASON}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "pseudonym_id": pseudonym.pk,
        "kind": "iban",
        "value": IBAN,
        "display": "NL91 ABNA 0417 1643 00",
    }
    short = police.post(url, {"reason": ""}, content_type="application/json")
    assert short.status_code == 400
    unknown = police.post(
        f"/api/v1/pseudonyms/{pseudonym.pk + 999}/reveal",
        {"reason": REASON},
        content_type="application/json",
    )
    assert unknown.status_code == 404

    partner = login_client("partner_analyst", circle.members[1])
    assert partner.post(url, {"reason": REASON}, content_type="application/json").status_code == 403


def test_reveal_endpoint_refuses_tokens(circle: Circle) -> None:
    from ketenwacht.identifiers.tests.conftest import api_client

    pseudonym = recorded(circle)
    response = api_client(circle.members[2]).post(
        f"/api/v1/pseudonyms/{pseudonym.pk}/reveal",
        {"reason": REASON},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert not AuditEvent.objects.filter(action="identifiers.reveal").exists()


def test_system_actor_is_not_a_police_analyst(circle: Circle) -> None:
    # The system may do everything except see raw values: that needs a person.
    pseudonym = recorded(circle)
    with pytest.raises(PermissionDeniedError):
        services.raw_value_reveal(actor=access.SYSTEM, pseudonym=pseudonym, reason=REASON)
