"""Reads of the partners kernel: the agreement in force, and what each actor may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access, selectors, services
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    make_token,
    make_user,
)

pytestmark = pytest.mark.django_db

JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
MAR_1 = datetime(2026, 3, 1, tzinfo=UTC)
TERMS: dict[str, Any] = {
    "purpose": "Voorkomen van online fraude",
    "legal_basis": "Gerechtvaardigd belang",
    "raw_value_roles": [Role.POLICE_ANALYST],
    "warning_thresholds": {"warning_organisations": 2},
}


def _two_versions(
    programme: access.Actor,
) -> tuple[SharingGroup, DataSharingAgreement, DataSharingAgreement]:
    """v1 made on 1 January, v2 decided on 1 February to start on 1 March."""
    group = SharingGroupFactory.create()
    with time_machine.travel(JAN_1, tick=False):
        first = services.agreement_revise(
            actor=programme,
            group=group,
            allowed_kinds=["iban"],
            retention_days={"iban": 365},
            **TERMS,
        )
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
        second = services.agreement_revise(
            actor=programme,
            group=group,
            allowed_kinds=["iban", "email"],
            retention_days={"iban": 365, "email": 90},
            valid_from=MAR_1,
            **TERMS,
        )
    return group, first, second


@pytest.mark.parametrize(
    ("moment", "expected_version"),
    [
        (JAN_1, 1),
        (datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC), 1),
        (MAR_1, 2),
        (datetime(2027, 6, 1, tzinfo=UTC), 2),
    ],
)
def test_agreement_current_picks_the_version_in_force(
    programme: access.Actor, moment: datetime, expected_version: int
) -> None:
    group, _first, _second = _two_versions(programme)
    assert selectors.agreement_current(group=group, at=moment).version == expected_version


def test_agreement_current_defaults_to_now(programme: access.Actor) -> None:
    group, first, second = _two_versions(programme)
    with time_machine.travel(datetime(2026, 2, 15, tzinfo=UTC), tick=False):
        assert selectors.agreement_current(group=group) == first
    with time_machine.travel(datetime(2026, 3, 2, tzinfo=UTC), tick=False):
        assert selectors.agreement_current(group=group) == second


def test_agreement_current_before_the_first_version_is_not_found(
    programme: access.Actor,
) -> None:
    group, _first, _second = _two_versions(programme)
    with pytest.raises(NotFoundError) as caught:
        selectors.agreement_current(group=group, at=JAN_1 - timedelta(seconds=1))
    assert caught.value.code == "no_agreement"


def test_records_keep_the_version_they_were_made_under(programme: access.Actor) -> None:
    """A record made under v1 (here: v1's own audit event) still points at v1, unchanged."""
    group, first, second = _two_versions(programme)
    made_under_first = AuditEvent.objects.get(action="agreement.revise", object_id=str(first.pk))

    first.refresh_from_db()
    assert first.valid_to == MAR_1
    assert (first.allowed_kinds, first.retention_days) == (["iban"], {"iban": 365})
    assert selectors.agreement_current(group=group, at=made_under_first.time) == first
    assert made_under_first.details == {"group": group.pk, "version": 1}
    assert second.allowed_kinds == ["email", "iban"]


def test_sharing_groups_for_an_organisation_are_its_own(
    programme: access.Actor, organisation: Organisation
) -> None:
    own = SharingGroupFactory.create()
    own.members.add(organisation)
    SharingGroupFactory.create()  # a group the organisation is not in
    analyst = access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))
    token, _plaintext = make_token(organisation)

    assert list(selectors.sharing_groups_for(actor=analyst)) == [own]
    assert list(selectors.sharing_groups_for(actor=access.actor_for_token(token))) == [own]
    assert selectors.sharing_groups_for(actor=programme).count() == 2


def test_sharing_groups_for_a_user_without_membership_are_none() -> None:
    SharingGroupFactory.create()
    actor = access.actor_for_user(make_user(None))
    assert not selectors.sharing_groups_for(actor=actor).exists()


def test_organisation_list_by_role(programme: access.Actor, organisation: Organisation) -> None:
    OrganisationFactory.create()
    analyst = access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))
    assert list(selectors.organisation_list(actor=analyst)) == [organisation]
    assert selectors.organisation_list(actor=programme).count() == Organisation.objects.count()
    assert not selectors.organisation_list(actor=access.Actor()).exists()


def test_token_list_only_own_tokens_for_admins(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    own, _plaintext = make_token(organisation)
    make_token(OrganisationFactory.create())
    assert list(selectors.token_list(actor=actor_of(Role.ADMIN, organisation))) == [own]
    analyst = actor_of(Role.PARTNER_ANALYST, organisation)
    assert not selectors.token_list(actor=analyst).exists()
