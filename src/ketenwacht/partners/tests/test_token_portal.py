"""The portal page where an organisation's admin creates (shown once) and revokes tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners import tokens
from ketenwacht.partners.constants import Role, Scope
from ketenwacht.partners.models import ApiToken, Organisation
from ketenwacht.partners.tests.conftest import verified_client
from ketenwacht.partners.tests.factories import OrganisationFactory, make_token, make_user

pytestmark = pytest.mark.django_db

TOKENS = "/portal/tokens/"


def admin_client(organisation: Organisation) -> Client:
    return verified_client(make_user(Role.ADMIN, organisation))


def create(client: Client, **data: Any) -> Any:
    form = {"name": "Koppeling", "scopes": [Scope.IDENTIFIERS_CHECK], "days": 90, **data}
    return client.post(TOKENS, form)


def test_page_lists_only_the_organisations_own_tokens(organisation: Organisation) -> None:
    own, _plaintext = make_token(organisation)
    other, _other_plaintext = make_token(OrganisationFactory.create())
    response = admin_client(organisation).get(TOKENS)
    assert response.status_code == 200
    assert own.key_id.encode() in response.content
    assert other.key_id.encode() not in response.content


def test_create_shows_the_plaintext_once_and_stores_only_its_hash(
    organisation: Organisation,
) -> None:
    client = admin_client(organisation)

    response = create(client)

    assert response.status_code == 200
    plaintext = response.context["plaintext"]
    parsed = tokens.parse(plaintext)
    assert parsed is not None
    assert plaintext.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(key_id=parsed.key_id)
    assert token.organisation == organisation
    assert token.scopes == ["identifiers:check"]
    assert token.secret_hash == tokens.hash_secret(parsed.secret)
    assert parsed.secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    # The next visit shows the token's key id but never its secret again.
    again = client.get(TOKENS)
    assert token.key_id.encode() in again.content
    assert parsed.secret.encode() not in again.content
    assert AuditEvent.objects.filter(action="token.create", object_id=token.key_id).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [({"scopes": []}, "scopes"), ({"days": 0}, "days"), ({"name": ""}, "name")],
)
def test_invalid_form_creates_nothing(
    organisation: Organisation, data: dict[str, Any], field: str
) -> None:
    client = admin_client(organisation)
    response = create(client, **data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert response.context["plaintext"] is None
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="token.create").exists()


def test_revoke_own_token(organisation: Organisation) -> None:
    token, plaintext = make_token(organisation)
    client = admin_client(organisation)

    response = client.post(f"/portal/tokens/{token.key_id}/revoke/", follow=True)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert b"The token has been revoked." in response.content
    assert AuditEvent.objects.filter(action="token.revoke", object_id=token.key_id).exists()
    api = Client().get("/api/v1/organisation", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.json()["code"] == "token_revoked"


def test_revoke_another_organisations_token_is_not_found(organisation: Organisation) -> None:
    token, _plaintext = make_token(OrganisationFactory.create())
    response = admin_client(organisation).post(f"/portal/tokens/{token.key_id}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_needs_post(organisation: Organisation) -> None:
    token, _plaintext = make_token(organisation)
    response = admin_client(organisation).get(f"/portal/tokens/{token.key_id}/revoke/")
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM])
def test_page_is_for_the_admin_role_only(organisation: Organisation, role: str) -> None:
    client = verified_client(make_user(role, organisation))
    assert client.get(TOKENS).status_code == 403
    assert create(client).status_code == 403
    assert not ApiToken.objects.exists()


def test_admin_who_skipped_the_second_factor_is_sent_to_login(
    organisation: Organisation,
) -> None:
    client = Client()
    client.force_login(make_user(Role.ADMIN, organisation))
    response = client.get(TOKENS)
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/tokens/"
