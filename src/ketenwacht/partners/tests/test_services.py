"""Writes of the partners kernel: each happy path audits, each refusal writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.partners import access, services, tokens
from ketenwacht.partners.constants import Role, Scope, Sector
from ketenwacht.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    UserFactory,
    make_agreement,
    make_token,
    make_user,
)

pytestmark = pytest.mark.django_db

WATCHED: tuple[Any, ...] = (
    Organisation,
    Membership,
    SharingGroup,
    DataSharingAgreement,
    ApiToken,
    AuditEvent,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED}


@contextmanager
def writes_nothing() -> Iterator[None]:
    """Every partners/audit table is as it was after the block (use with pytest.raises)."""
    before = _counts()
    yield
    assert _counts() == before


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    return event


TERMS: dict[str, Any] = {
    "purpose": "Voorkomen van online fraude",
    "legal_basis": "Gerechtvaardigd belang",
    "allowed_kinds": ["iban", "phone"],
    "raw_value_roles": [Role.POLICE_ANALYST],
    "retention_days": {"iban": 365, "phone": 180},
    "warning_thresholds": {"warning_organisations": 2},
}


# --- organisation_create ---------------------------------------------------------------------


def test_organisation_create_normalises_and_audits(programme: access.Actor) -> None:
    organisation = services.organisation_create(
        actor=programme,
        name="  Bank Zuid ",
        sector=Sector.BANK,
        kvk_number="1234 56.78",
        website="https://bankzuid.example",
    )

    organisation.refresh_from_db()
    assert (organisation.name, organisation.slug) == ("Bank Zuid", "bank-zuid")
    assert organisation.kvk_number == "12345678"
    assert organisation.website == "https://bankzuid.example"
    event = last_event()
    assert (event.action, event.object_type, event.object_id) == (
        "organisation.create",
        "organisation",
        str(organisation.pk),
    )
    assert event.actor_user == programme.user
    assert event.actor_organisation == programme.organisation
    assert event.details == {"name": "Bank Zuid", "sector": "bank"}


def test_organisation_create_makes_slugs_unique(programme: access.Actor) -> None:
    first = services.organisation_create(actor=programme, name="Bank A", sector=Sector.BANK)
    second = services.organisation_create(actor=programme, name="Bank A!", sector=Sector.BANK)
    assert (first.slug, second.slug) == ("bank-a", "bank-a-2")


def test_organisation_create_without_kvk_is_allowed_twice(programme: access.Actor) -> None:
    services.organisation_create(actor=programme, name="Meldpunt A", sector=Sector.DESK)
    services.organisation_create(actor=programme, name="Meldpunt B", sector=Sector.DESK)
    assert Organisation.objects.filter(kvk_number="").count() == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"sector": "casino"}, "unknown_sector"),
        ({"kvk_number": "1234567"}, "invalid_kvk"),
        ({"kvk_number": "123456789"}, "invalid_kvk"),
        ({"kvk_number": "1234567a"}, "invalid_kvk"),
        ({"kvk_number": "00000000"}, "invalid_kvk"),
        ({"kvk_number": "١٢٣٤٥٦٧٨"}, "invalid_kvk"),  # Arabic-Indic digits are not ASCII
        ({"name": "   "}, "required"),
        ({"name": "x" * 201}, "too_long"),
        ({"website": "javascript:alert(1)"}, "invalid_website"),
        ({"website": "not a url"}, "invalid_website"),
    ],
)
def test_organisation_create_refuses_bad_input(
    programme: access.Actor, changes: dict[str, str], code: str
) -> None:
    arguments = {"name": "Webwinkel X", "sector": Sector.WEBSHOP, "kvk_number": "87654321"}
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.organisation_create(actor=programme, **{**arguments, **changes})
    assert caught.value.code == code
    assert " / " in str(caught.value.message)  # Dutch / English


def test_organisation_create_refuses_duplicate_name_case_insensitively(
    programme: access.Actor, organisation: Organisation
) -> None:
    with writes_nothing(), pytest.raises(ConflictError) as caught:
        services.organisation_create(actor=programme, name="BANK NOORD", sector=Sector.BANK)
    assert caught.value.code == "duplicate_organisation"
    assert caught.value.status == 409


def test_organisation_create_refuses_duplicate_kvk(
    programme: access.Actor, organisation: Organisation
) -> None:
    spaced = f"{organisation.kvk_number[:4]} {organisation.kvk_number[4:]}"
    with writes_nothing(), pytest.raises(ConflictError) as caught:
        services.organisation_create(
            actor=programme, name="Andere Bank", sector=Sector.BANK, kvk_number=spaced
        )
    assert caught.value.code == "duplicate_kvk"


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.ADMIN, Role.POLICE_ANALYST])
def test_organisation_create_needs_programme_team(
    actor_of: Callable[..., access.Actor], role: str
) -> None:
    actor = actor_of(role)
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.organisation_create(actor=actor, name="Nieuw", sector=Sector.BANK)


def test_organisation_create_refuses_user_without_membership() -> None:
    actor = access.actor_for_user(make_user(None))
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.organisation_create(actor=actor, name="Nieuw", sector=Sector.BANK)


# --- membership_grant ------------------------------------------------------------------------


def test_membership_grant_adds_role_and_audits(
    programme: access.Actor, organisation: Organisation
) -> None:
    user = UserFactory.create()
    membership = services.membership_grant(
        actor=programme, user=user, organisation=organisation, role=Role.DESK_AGENT
    )
    assert (membership.user, membership.organisation, membership.role) == (
        user,
        organisation,
        "desk_agent",
    )
    event = last_event()
    assert (event.action, event.object_id) == ("membership.grant", str(user.pk))
    assert event.details == {"organisation": organisation.pk, "role": "desk_agent"}


def test_membership_grant_twice_changes_nothing(
    programme: access.Actor, organisation: Organisation
) -> None:
    user = UserFactory.create()
    first = services.membership_grant(
        actor=programme, user=user, organisation=organisation, role=Role.DESK_AGENT
    )
    before = _counts()
    again = services.membership_grant(
        actor=programme, user=user, organisation=organisation, role=Role.DESK_AGENT
    )
    assert again == first
    assert _counts() == before


def test_membership_grant_second_role_in_same_organisation(
    programme: access.Actor, organisation: Organisation
) -> None:
    user = make_user(Role.PARTNER_ANALYST, organisation)
    services.membership_grant(actor=programme, user=user, organisation=organisation, role="admin")
    assert set(user.memberships.values_list("role", flat=True)) == {"partner_analyst", "admin"}


def test_membership_grant_refuses_second_organisation(
    programme: access.Actor, organisation: Organisation
) -> None:
    user = make_user(Role.PARTNER_ANALYST, organisation)
    elsewhere = OrganisationFactory.create()
    with writes_nothing(), pytest.raises(ConflictError) as caught:
        services.membership_grant(actor=programme, user=user, organisation=elsewhere, role="admin")
    assert caught.value.code == "other_organisation"


def test_membership_grant_refuses_unknown_role(
    programme: access.Actor, organisation: Organisation
) -> None:
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.membership_grant(
            actor=programme, user=UserFactory.create(), organisation=organisation, role="root"
        )
    assert (caught.value.code, caught.value.field) == ("unknown_role", "role")


def test_membership_grant_needs_programme_team(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    admin = actor_of(Role.ADMIN, organisation)
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.membership_grant(
            actor=admin, user=UserFactory.create(), organisation=organisation, role="admin"
        )


# --- sharing_group_create --------------------------------------------------------------------


def test_sharing_group_create_with_members_and_audit(
    programme: access.Actor, organisation: Organisation
) -> None:
    other = OrganisationFactory.create()
    group = services.sharing_group_create(
        actor=programme, name=" Kerngroep Banken ", members=[organisation, other]
    )
    assert (group.name, group.slug) == ("Kerngroep Banken", "kerngroep-banken")
    assert set(group.members.all()) == {organisation, other}
    event = last_event()
    assert event.action == "sharing_group.create"
    assert sorted(event.details["members"]) == sorted([organisation.pk, other.pk])


def test_sharing_group_create_gives_similar_names_distinct_slugs(
    programme: access.Actor,
) -> None:
    first = services.sharing_group_create(actor=programme, name="Groep A")
    second = services.sharing_group_create(actor=programme, name="Groep-A")
    assert (first.slug, second.slug) == ("groep-a", "groep-a-2")


@pytest.mark.parametrize(
    ("name", "error"), [("DEELGROEP X", ConflictError), ("  ", ValidationFailed)]
)
def test_sharing_group_create_refuses_duplicate_or_empty_name(
    programme: access.Actor, name: str, error: type[DomainError]
) -> None:
    SharingGroupFactory.create(name="Deelgroep X")
    with writes_nothing(), pytest.raises(error):
        services.sharing_group_create(actor=programme, name=name)


def test_sharing_group_create_needs_programme_team(actor_of: Callable[..., access.Actor]) -> None:
    analyst = actor_of(Role.PARTNER_ANALYST)
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.sharing_group_create(actor=analyst, name="Eigen groep")


# --- agreement_revise ------------------------------------------------------------------------


def test_first_agreement_is_version_one(programme: access.Actor) -> None:
    group = SharingGroupFactory.create()
    agreement = services.agreement_revise(actor=programme, group=group, **TERMS)
    assert agreement.version == 1
    assert agreement.valid_to is None
    assert agreement.allowed_kinds == ["iban", "phone"]
    assert agreement.created_by == programme.user
    event = last_event()
    assert (event.action, event.object_id) == ("agreement.revise", str(agreement.pk))
    assert event.details == {"group": group.pk, "version": 1}


def test_new_version_closes_the_previous_one(programme: access.Actor) -> None:
    group = SharingGroupFactory.create()
    first = services.agreement_revise(actor=programme, group=group, **TERMS)
    starts = timezone.now() + timedelta(days=7)
    second = services.agreement_revise(
        actor=programme,
        group=group,
        **{**TERMS, "allowed_kinds": ["iban", "phone", "email"]},
        valid_from=starts,
    )
    first.refresh_from_db()
    assert second.version == 2
    assert first.valid_to == starts == second.valid_from
    assert second.valid_to is None
    # The earlier version keeps its own terms.
    assert first.allowed_kinds == ["iban", "phone"]
    assert second.allowed_kinds == ["email", "iban", "phone"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"allowed_kinds": ["iban", "bsn"]}, "unknown_kind"),
        ({"raw_value_roles": ["superuser"]}, "unknown_role"),
        ({"retention_days": {"email": 30}}, "retention_kind"),
        ({"retention_days": {"iban": 0}}, "retention_range"),
        ({"retention_days": {"iban": 3651}}, "retention_range"),
        ({"retention_days": {"iban": True}}, "retention_range"),
        ({"retention_days": {"iban": "365"}}, "retention_range"),
        ({"warning_thresholds": {"warning_organisations": -1}}, "threshold_invalid"),
        ({"warning_thresholds": {"warning_organisations": False}}, "threshold_invalid"),
        ({"purpose": "  "}, "required"),
        ({"legal_basis": ""}, "required"),
        ({"victim_feedback": "everything"}, "unknown_victim_feedback"),
    ],
)
def test_agreement_revise_refuses_bad_terms(
    programme: access.Actor, changes: dict[str, Any], code: str
) -> None:
    current = make_agreement()
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.agreement_revise(actor=programme, group=current.group, **{**TERMS, **changes})
    assert caught.value.code == code
    current.refresh_from_db()
    assert current.valid_to is None  # the version in force was not closed


@pytest.mark.parametrize(
    ("offset", "code"),
    [(timedelta(days=-2), "valid_from_past"), (timedelta(hours=-1), "valid_from_past")],
)
def test_agreement_revise_refuses_back_dating(
    programme: access.Actor, offset: timedelta, code: str
) -> None:
    current = make_agreement()
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.agreement_revise(
            actor=programme, group=current.group, **TERMS, valid_from=timezone.now() + offset
        )
    assert caught.value.code == code


def test_agreement_revise_refuses_start_before_a_future_version(programme: access.Actor) -> None:
    future = make_agreement(valid_from=timezone.now() + timedelta(days=30))
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.agreement_revise(
            actor=programme,
            group=future.group,
            **TERMS,
            valid_from=timezone.now() + timedelta(days=10),
        )
    assert caught.value.code == "valid_from_order"


def test_agreement_start_validate_matches_the_service(programme: access.Actor) -> None:
    current = make_agreement()
    with pytest.raises(ValidationFailed):
        services.agreement_start_validate(
            group=current.group, valid_from=timezone.now() - timedelta(days=1)
        )
    services.agreement_start_validate(group=current.group, valid_from=None)


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.ADMIN, Role.POLICE_ANALYST])
def test_agreement_revise_needs_programme_team(
    actor_of: Callable[..., access.Actor], role: str
) -> None:
    current, actor = make_agreement(), actor_of(role)
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.agreement_revise(actor=actor, group=current.group, **TERMS)


# --- token_create / token_revoke -------------------------------------------------------------


def test_token_create_returns_plaintext_once_and_stores_only_a_hash(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    admin = actor_of(Role.ADMIN, organisation)
    token, plaintext = services.token_create(
        actor=admin, name=" Fraudecheck ", scopes=[Scope.IDENTIFIERS_CHECK], days=30
    )

    parsed = tokens.parse(plaintext)
    assert parsed is not None and parsed.key_id == token.key_id
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert stored["secret_hash"] == tokens.hash_secret(parsed.secret)
    assert parsed.secret not in json.dumps(stored, default=str)
    assert (token.name, token.scopes, token.organisation) == (
        "Fraudecheck",
        ["identifiers:check"],
        organisation,
    )
    assert token.created_by == admin.user
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    event = last_event()
    assert (event.action, event.object_id) == ("token.create", token.key_id)
    assert parsed.secret not in json.dumps(list(AuditEvent.objects.values()), default=str)


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"scopes": []}, "invalid_scope"),
        ({"scopes": ["admin:everything"]}, "invalid_scope"),
        ({"days": 0}, "invalid_validity"),
        ({"days": 731}, "invalid_validity"),
        ({"name": " "}, "required"),
        ({"name": "x" * 101}, "too_long"),
    ],
)
def test_token_create_refuses_bad_input(
    actor_of: Callable[..., access.Actor],
    organisation: Organisation,
    arguments: dict[str, Any],
    code: str,
) -> None:
    admin = actor_of(Role.ADMIN, organisation)
    defaults: dict[str, Any] = {"name": "Koppeling", "scopes": [Scope.ORGANISATION_READ]}
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.token_create(actor=admin, **{**defaults, **arguments})
    assert caught.value.code == code


def test_token_create_only_for_own_organisation(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    admin = actor_of(Role.ADMIN, organisation)
    elsewhere = OrganisationFactory.create()
    with writes_nothing(), pytest.raises(ValidationFailed) as caught:
        services.token_create(
            actor=admin, name="Vreemd", scopes=[Scope.ORGANISATION_READ], organisation=elsewhere
        )
    assert caught.value.code == "wrong_organisation"


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM])
def test_token_create_needs_admin_role(actor_of: Callable[..., access.Actor], role: str) -> None:
    actor = actor_of(role)
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.token_create(actor=actor, name="x", scopes=[Scope.ORGANISATION_READ])


def test_token_create_refuses_user_without_membership() -> None:
    actor = access.actor_for_user(make_user(None))
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.token_create(actor=actor, name="x", scopes=[Scope.ORGANISATION_READ])


def test_token_revoke_by_own_admin_is_audited_once(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    admin = actor_of(Role.ADMIN, organisation)
    token, _plaintext = make_token(organisation)
    revoked = services.token_revoke(actor=admin, token=token)
    assert revoked.revoked_at is not None
    assert (last_event().action, last_event().object_id) == ("token.revoke", token.key_id)

    before = _counts()
    services.token_revoke(actor=admin, token=token)  # already revoked: nothing new
    assert _counts() == before


def test_token_revoke_of_another_organisation_is_not_found(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    admin = actor_of(Role.ADMIN, organisation)
    token, _plaintext = make_token(OrganisationFactory.create())
    with writes_nothing(), pytest.raises(NotFoundError):
        services.token_revoke(actor=admin, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_programme_team_may_revoke_any_token(programme: access.Actor) -> None:
    token, _plaintext = make_token(OrganisationFactory.create())
    services.token_revoke(actor=programme, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert last_event().actor_user == programme.user


def test_token_revoke_needs_token_rights(
    actor_of: Callable[..., access.Actor], organisation: Organisation
) -> None:
    analyst = actor_of(Role.PARTNER_ANALYST, organisation)
    token, _plaintext = make_token(organisation)
    with writes_nothing(), pytest.raises(PermissionDeniedError):
        services.token_revoke(actor=analyst, token=token)
