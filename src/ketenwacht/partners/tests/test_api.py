"""/api/v1/organisation and /api/v1/sharing-groups: the token's own organisation only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenwacht.partners import access, services
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    make_agreement,
    make_token,
)

pytestmark = pytest.mark.django_db


def api_get(url: str, plaintext: str) -> Any:
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {plaintext}")


def test_organisation_returns_the_tokens_own_organisation(organisation: Organisation) -> None:
    OrganisationFactory.create()
    _token, plaintext = make_token(organisation, [Scope.ORGANISATION_READ])
    response = api_get("/api/v1/organisation", plaintext)
    assert response.status_code == 200
    assert response.json() == {
        "id": organisation.pk,
        "name": "Bank Noord",
        "slug": organisation.slug,
        "sector": "bank",
        "kvk_number": organisation.kvk_number,
        "website": "",
    }


def test_sharing_groups_lists_own_groups_with_the_agreement_in_force(
    programme: access.Actor, organisation: Organisation
) -> None:
    with_agreement = SharingGroupFactory.create(name="Kerngroep")
    with_agreement.members.add(organisation)
    current = make_agreement(with_agreement)
    without_agreement = SharingGroupFactory.create(name="Werkgroep")
    without_agreement.members.add(organisation)
    SharingGroupFactory.create(name="Niet van ons")
    _token, plaintext = make_token(organisation, [Scope.ORGANISATION_READ])

    response = api_get("/api/v1/sharing-groups", plaintext)

    assert response.status_code == 200
    groups = {group["name"]: group for group in response.json()}
    assert set(groups) == {"Kerngroep", "Werkgroep"}
    assert groups["Werkgroep"]["agreement"] is None
    agreement = groups["Kerngroep"]["agreement"]
    assert agreement["version"] == current.version == 1
    assert agreement["allowed_kinds"] == current.allowed_kinds
    assert agreement["retention_days"] == current.retention_days
    assert agreement["valid_to"] is None


def test_sharing_groups_show_a_new_version_once_it_is_in_force(
    programme: access.Actor, organisation: Organisation
) -> None:
    group = SharingGroupFactory.create()
    group.members.add(organisation)
    first = make_agreement(group)
    services.agreement_revise(
        actor=programme,
        group=group,
        purpose=first.purpose,
        legal_basis=first.legal_basis,
        allowed_kinds=["iban"],
        raw_value_roles=[],
        retention_days={"iban": 30},
        warning_thresholds={},
        valid_from=timezone.now() + timedelta(days=1),
    )
    _token, plaintext = make_token(organisation, [Scope.ORGANISATION_READ])

    [listed] = api_get("/api/v1/sharing-groups", plaintext).json()
    assert listed["agreement"]["version"] == 1  # version 2 starts tomorrow
    assert listed["agreement"]["valid_to"] is not None


@pytest.mark.parametrize("url", ["/api/v1/organisation", "/api/v1/sharing-groups"])
def test_organisation_endpoints_need_organisation_read(url: str) -> None:
    _token, plaintext = make_token(scopes=[Scope.AUDIT_READ])
    response = api_get(url, plaintext)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"


@pytest.mark.parametrize("url", ["/api/v1/organisation", "/api/v1/sharing-groups"])
def test_organisation_endpoints_are_read_only(url: str) -> None:
    _token, plaintext = make_token(scopes=[Scope.ORGANISATION_READ])
    response = Client().post(url, {}, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
