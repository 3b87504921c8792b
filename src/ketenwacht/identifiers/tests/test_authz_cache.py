"""The cached token, groups and agreements of API checks: every change counts at once.

``partners.authz_cache`` keeps a token's entry in the worker process while the shared
generation is unchanged; these tests change what an entry holds after it was cached and
expect the very next request to see the change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from ketenwacht.identifiers.selectors import agreements_in_force
from ketenwacht.identifiers.tests.factories import IBAN, Circle, make_circle
from ketenwacht.partners import access, authz_cache, services
from ketenwacht.partners.constants import Role, Scope
from ketenwacht.partners.models import ApiToken
from ketenwacht.partners.tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/check"
ALL_SCOPES = [s.value for s in Scope]


def _client(organisation: Any) -> tuple[ApiToken, Client]:
    token, secret = make_token(organisation, ALL_SCOPES)
    return token, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _record(circle: Circle, member: int = 0) -> None:
    _token, client = _client(circle.members[member])
    body = {"value": IBAN, "fraud_type": "purchase", "role": "beneficiary_account"}
    response = client.post("/api/v1/sightings", body, content_type="application/json")
    assert response.status_code == 201, response.content


def _sightings(client: Client) -> int:
    """How many sightings of the value count for the client's organisation."""
    response = client.get(CHECK, {"value": IBAN})
    assert response.status_code == 200, response.content
    return int(response.json()["sightings"])


def test_the_token_is_cached_between_requests(circle: Circle) -> None:
    token, client = _client(circle.members[1])
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    entry = authz_cache.token_entry(token.key_id)
    assert entry is not None and entry.group_ids == frozenset({circle.group.pk})
    # A second request is served from the same entry (nothing changed).
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    assert authz_cache.token_entry(token.key_id) is entry


def test_a_revoked_token_is_refused_at_once(circle: Circle) -> None:
    token, client = _client(circle.members[1])
    assert client.get(CHECK, {"value": IBAN}).status_code == 200  # cached now
    admin = access.actor_for_user(make_user(Role.ADMIN, circle.members[1]))
    services.token_revoke(actor=admin, token=token)
    refused = client.get(CHECK, {"value": IBAN})
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"


def test_a_change_in_another_process_is_seen_through_the_generation(circle: Circle) -> None:
    """Another worker revokes: this process's entry is dropped because the generation moved."""
    token, client = _client(circle.members[1])
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    # The other process writes the database and bumps the shared generation; this process's
    # local entries are untouched (no signal reached it).
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert authz_cache._entries  # still cached here
    cache.set(authz_cache.GENERATION_KEY, "another-process", timeout=None)
    assert client.get(CHECK, {"value": IBAN}).json()["code"] == "token_revoked"


def test_an_unchanged_generation_keeps_the_entry(circle: Circle) -> None:
    """The converse: without a bump the cached (stale) entry is used — so bumps matter."""
    token, client = _client(circle.members[1])
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # no signal, no bump
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    authz_cache.invalidate()
    assert client.get(CHECK, {"value": IBAN}).status_code == 401


def test_an_inactive_organisation_is_refused_at_once(circle: Circle) -> None:
    _token, client = _client(circle.members[1])
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    organisation = circle.members[1]
    organisation.is_active = False
    organisation.save()
    assert client.get(CHECK, {"value": IBAN}).json()["code"] == "organisation_inactive"


def test_leaving_a_sharing_group_counts_at_once(circle: Circle) -> None:
    _record(circle)
    _token, client = _client(circle.members[1])
    assert _sightings(client) == 1
    circle.group.members.remove(circle.members[1])
    assert _sightings(client) == 0
    circle.group.members.add(circle.members[1])
    assert _sightings(client) == 1


def test_joining_a_sharing_group_counts_at_once(circle: Circle) -> None:
    _record(circle)
    outsider = make_circle(members=1).members[0]
    _token, client = _client(outsider)
    assert _sightings(client) == 0
    circle.group.members.add(outsider)
    assert _sightings(client) == 1


def test_an_ended_agreement_counts_at_once(circle: Circle) -> None:
    _record(circle)
    _token, client = _client(circle.members[1])
    assert _sightings(client) == 1
    agreement = circle.agreement
    agreement.valid_to = timezone.now() - timedelta(seconds=1)
    agreement.save()
    assert _sightings(client) == 0


def test_cached_agreements_are_decided_per_request(circle: Circle) -> None:
    """Cached agreements are filtered by the request's time, like the database query."""
    _record(circle)
    token, client = _client(circle.members[1])
    assert _sightings(client) == 1
    entry = authz_cache.token_entry(token.key_id)
    assert entry is not None and entry.agreements
    groups = {circle.group.pk}
    for moment in (
        circle.agreement.valid_from - timedelta(seconds=1),
        timezone.now(),
        timezone.now() + timedelta(days=3650),
    ):
        assert agreements_in_force(groups, now=moment, known=entry.agreements) == (
            agreements_in_force(groups, now=moment)
        )
    assert (
        agreements_in_force(
            groups, now=circle.agreement.valid_from - timedelta(seconds=1), known=entry.agreements
        )
        == {}
    )


def test_commit_bumps_the_generation_again(
    circle: Circle, django_capture_on_commit_callbacks: Any
) -> None:
    """A process that reloaded between the change and its commit is invalidated at commit."""
    token, _unused = _client(circle.members[1])
    with django_capture_on_commit_callbacks(execute=True):
        token.revoked_at = timezone.now()
        token.save()
        during = authz_cache.generation()
    assert authz_cache.generation() != during


def test_without_the_shared_cache_tokens_are_read_from_the_database(
    circle: Circle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken cache neither breaks authentication nor hides a revocation."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    token, client = _client(circle.members[1])
    assert client.get(CHECK, {"value": IBAN}).status_code == 200  # cached while it worked
    for name in ("get", "add", "set"):
        monkeypatch.setattr(cache, name, broken)
    assert client.get(CHECK, {"value": IBAN}).status_code == 200
    admin = access.actor_for_user(make_user(Role.ADMIN, circle.members[1]))
    services.token_revoke(actor=admin, token=token)  # the save succeeds without the cache
    assert client.get(CHECK, {"value": IBAN}).json()["code"] == "token_revoked"
