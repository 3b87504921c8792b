"""API tokens: format, hashing, and every way a token is refused (RFC 9457 problems)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ketenwacht.api.problems import PROBLEM_CONTENT_TYPE
from ketenwacht.partners import tokens
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import ApiToken
from ketenwacht.partners.tests.factories import OrganisationFactory, make_token

ORGANISATION_URL = "/api/v1/organisation"


def get(url: str, authorization: str | None = None) -> Any:
    if authorization is None:
        return Client().get(url)
    return Client().get(url, HTTP_AUTHORIZATION=authorization)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith(f"/problems/{code}")
    assert body["title"] and body["detail"]
    return body


# --- the token format ------------------------------------------------------------------------


def test_generate_returns_plaintext_key_id_and_hash_of_the_secret() -> None:
    plaintext, key_id, secret_hash = tokens.generate()
    parsed = tokens.parse(plaintext)
    assert parsed is not None
    assert plaintext.startswith(f"kw_{key_id}_")
    assert parsed.key_id == key_id and len(key_id) == 12
    assert secret_hash == tokens.hash_secret(parsed.secret) != parsed.secret
    assert tokens.secret_matches(parsed.secret, secret_hash)
    assert not tokens.secret_matches(parsed.secret + "x", secret_hash)


def test_generated_tokens_differ() -> None:
    assert len({tokens.generate()[0] for _ in range(50)}) == 50


@pytest.mark.parametrize(
    "raw", ["", "kw", "kw_", "xx_0123456789ab_secret", "kw_short_secret", "kw_0123456789ab_"]
)
def test_parse_refuses_malformed_tokens(raw: str) -> None:
    assert tokens.parse(raw) is None


# --- authentication on the API ---------------------------------------------------------------


@pytest.mark.django_db
def test_valid_token_authenticates_and_records_last_use() -> None:
    token, plaintext = make_token(scopes=[Scope.ORGANISATION_READ])
    response = get(ORGANISATION_URL, f"Bearer {plaintext}")
    assert response.status_code == 200
    assert response.json()["id"] == token.organisation_id
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(seconds=10)


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute() -> None:
    token, plaintext = make_token(scopes=[Scope.ORGANISATION_READ])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        get(ORGANISATION_URL, f"Bearer {plaintext}")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        get(ORGANISATION_URL, f"Bearer {plaintext}")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        get(ORGANISATION_URL, f"Bearer {plaintext}")
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "Token"])
def test_authorization_scheme_is_case_insensitive(scheme: str) -> None:
    _token, plaintext = make_token(scopes=[Scope.ORGANISATION_READ])
    assert get(ORGANISATION_URL, f"{scheme} {plaintext}").status_code == 200


@pytest.mark.django_db
def test_expired_token_is_refused() -> None:
    token, plaintext = make_token(expires_in=timedelta(seconds=-1))
    body = assert_problem(get(ORGANISATION_URL, f"Bearer {plaintext}"), 401, "token_expired")
    assert "expired" in body["detail"]
    token.refresh_from_db()
    assert token.last_used_at is None  # a refused token was not "used"


@pytest.mark.django_db
def test_token_expires_at_its_expiry_moment() -> None:
    token, plaintext = make_token(expires_in=timedelta(days=1))
    with time_machine.travel(token.expires_at - timedelta(seconds=1), tick=False):
        assert get(ORGANISATION_URL, f"Bearer {plaintext}").status_code == 200
    with time_machine.travel(token.expires_at, tick=False):
        assert_problem(get(ORGANISATION_URL, f"Bearer {plaintext}"), 401, "token_expired")


@pytest.mark.django_db
def test_revoked_token_is_refused() -> None:
    _token, plaintext = make_token(revoked=True)
    body = assert_problem(get(ORGANISATION_URL, f"Bearer {plaintext}"), 401, "token_revoked")
    assert "revoked" in body["detail"]


@pytest.mark.django_db
def test_token_outside_its_scope_is_forbidden() -> None:
    _token, plaintext = make_token(scopes=[Scope.IDENTIFIERS_CHECK])
    body = assert_problem(get(ORGANISATION_URL, f"Bearer {plaintext}"), 403, "scope_missing")
    assert "organisation:read" in body["detail"]


@pytest.mark.django_db
def test_token_of_inactive_organisation_is_refused() -> None:
    _token, plaintext = make_token(OrganisationFactory.create(is_active=False))
    assert_problem(get(ORGANISATION_URL, f"Bearer {plaintext}"), 401, "organisation_inactive")


@pytest.mark.django_db
@pytest.mark.parametrize("mangle", ["wrong_secret", "unknown_key"])
def test_unknown_or_forged_token_is_refused(mangle: str) -> None:
    token, plaintext = make_token()
    if mangle == "wrong_secret":
        raw = plaintext[:-4] + ("aaaa" if not plaintext.endswith("aaaa") else "bbbb")
    else:
        raw = plaintext.replace(token.key_id, "0" * 12)
    assert_problem(get(ORGANISATION_URL, f"Bearer {raw}"), 401, "invalid_token")


@pytest.mark.django_db
def test_revoked_status_is_not_revealed_without_the_secret() -> None:
    token, _plaintext = make_token(revoked=True)
    forged = f"kw_{token.key_id}_not-the-secret"
    assert_problem(get(ORGANISATION_URL, f"Bearer {forged}"), 401, "invalid_token")


@pytest.mark.django_db
def test_malformed_authorization_header_is_refused() -> None:
    assert_problem(get(ORGANISATION_URL, "Bearer two parts"), 401, "malformed_token")


@pytest.mark.django_db
def test_missing_token_is_not_authenticated_with_a_challenge() -> None:
    response = get(ORGANISATION_URL)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_only_the_hash_is_stored() -> None:
    token, plaintext = make_token()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    secret = plaintext[len(f"kw_{token.key_id}_") :]
    assert all(secret not in str(value) for value in stored.values())
    assert stored["secret_hash"] == tokens.hash_secret(secret)
