"""audit_record: what an event holds, how it links, and that secrets never get in."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from ketenwacht.audit.chain import GENESIS_HASH, event_hash
from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.selectors import audit_chain_first_break
from ketenwacht.audit.services import MASK, audit_record, event_content, mask_secrets
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory, make_token, make_user

pytestmark = pytest.mark.django_db


def test_event_records_the_actor_and_the_object() -> None:
    organisation = OrganisationFactory.create()
    user = make_user(Role.PARTNER_ANALYST, organisation)
    actor = access.Actor(
        user=user,
        organisation=organisation,
        roles=frozenset({"partner_analyst"}),
        client_address="192.0.2.4",
    )
    event = audit_record(
        actor=actor,
        action="identifier.reveal",
        object_type="sighting",
        object_id=42,
        purpose="Onderzoek",
        details={"kind": "iban"},
    )
    event.refresh_from_db()
    assert (event.actor_user, event.actor_organisation, event.actor_token) == (
        user,
        organisation,
        None,
    )
    assert event.actor_label == f"user:{user.username}"
    assert (event.action, event.object_type, event.object_id) == (
        "identifier.reveal",
        "sighting",
        "42",
    )
    assert (event.purpose, event.details, event.client_address) == (
        "Onderzoek",
        {"kind": "iban"},
        "192.0.2.4",
    )
    assert event.prev_hash == GENESIS_HASH
    assert event.hash == event_hash(event.prev_hash, event_content(event))


def test_token_and_system_actors() -> None:
    token, _plaintext = make_token()
    by_token = audit_record(actor=access.actor_for_token(token), action="api.call")
    by_system = audit_record(actor=access.SYSTEM, action="purge")
    by_nobody = audit_record(actor=None, action="purge")
    assert (by_token.actor_token, by_token.actor_organisation) == (token, token.organisation)
    assert by_token.actor_label == f"token:{token.key_id}"
    assert by_system.actor_label == by_nobody.actor_label == "system"


def test_each_event_links_to_the_previous_one() -> None:
    events = [audit_record(actor=None, action=f"step.{n}") for n in range(4)]
    assert events[0].prev_hash == GENESIS_HASH
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.hash
    assert audit_chain_first_break() is None


def test_a_rolled_back_event_leaves_the_chain_intact() -> None:
    from django.db import transaction

    audit_record(actor=None, action="kept.1")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="rolled.back")
        raise RuntimeError
    audit_record(actor=None, action="kept.2")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["kept.1", "kept.2"]
    assert audit_chain_first_break() is None


@pytest.mark.parametrize(
    "details",
    [
        {"tuple": (1, 2), 7: "int key"},
        {"big": 1e16, "float": 0.1, "nested": {"list": [1.0, "x", None, True]}},
        {"unicode": "Ærø – 東京 – emoji 🙂"},
    ],
)
def test_hash_covers_exactly_what_the_database_returns(details: dict[Any, Any]) -> None:
    event = audit_record(actor=None, action="roundtrip", details=details)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_hash(stored.prev_hash, event_content(stored)) == stored.hash
    assert audit_chain_first_break() is None


def test_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError):
        audit_record(actor=None, action="nan", details={"x": float("nan")})
    assert not AuditEvent.objects.exists()


# --- secrets -----------------------------------------------------------------------------------

SECRET_DETAILS: dict[str, Any] = {
    "password": "hunter2hunter2",
    "user": {"name": "piet", "api_token": "abc", "otp_code": "123456"},
    "headers": [{"Authorization": "Bearer abcdefghijklmnopqrstuvwxyz"}, {"accept": "json"}],
    "deep": {"deeper": {"client_secret": "s3cr3t", "private_key": "-----BEGIN"}},
    "note": "pasted kw_0123456789ab_QWERTYuiop-asdfGHJKL_zxcv by mistake",
    "header_text": "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123",
}


def test_secrets_are_masked_at_every_depth() -> None:
    masked = mask_secrets(SECRET_DETAILS)
    assert masked["password"] == MASK
    assert masked["user"] == {"name": "piet", "api_token": MASK, "otp_code": MASK}
    assert masked["headers"] == [{"Authorization": MASK}, {"accept": "json"}]
    assert masked["deep"] == {"deeper": {"client_secret": MASK, "private_key": MASK}}
    assert masked["note"] == f"pasted {MASK} by mistake"
    assert masked["header_text"] == f"Authorization: {MASK}"


def test_harmless_keys_and_text_stay() -> None:
    details = {"key_version": 3, "keys": ["iban"], "reference_code": "KW-1", "kind": "phone"}
    assert mask_secrets(details) == details
    assert mask_secrets({"note": "Token revoked after a Basic check"}) == {
        "note": "Token revoked after a Basic check"
    }


def test_stored_events_never_contain_the_secrets() -> None:
    event = audit_record(
        actor=None,
        action="login.failed",
        purpose="Support: token kw_0123456789ab_QWERTYuiop-asdfGHJKL_zxcv",
        details=SECRET_DETAILS,
    )
    stored = json.dumps(AuditEvent.objects.filter(pk=event.pk).values().get(), default=str)
    for secret in ("hunter2", "s3cr3t", "123456", "abcdefghijklmnop", "QWERTYuiop", "BEGIN"):
        assert secret not in stored
    assert audit_chain_first_break() is None
