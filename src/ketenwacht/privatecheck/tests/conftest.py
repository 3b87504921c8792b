"""Fixtures of the private-check tests: fresh rate-limit counters and OPRF keys, a test
transport for the Python client over Django's test client, and a data set for equality."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, TestCase

from ketenwacht.client import KetenwachtClient, TransportError
from ketenwacht.identifiers import pseudonyms, ratelimit, services
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.tests.factories import (
    AllowlistEntryFactory,
    Circle,
    DisputeFactory,
    make_circle,
)
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.tests.factories import make_token
from ketenwacht.privatecheck import keyring
from ketenwacht.privatecheck import services as private


@pytest.fixture(autouse=True)
def _fresh_state(tmp_path: Path, settings: Any) -> Iterator[None]:
    """Own key directory per test (OPRF keys are created and rotated), empty counters."""
    source = Path(settings.KETENWACHT["KEYS_DIR"])
    target = tmp_path / "keys"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("oprf_v*"))
    settings.KETENWACHT = {**settings.KETENWACHT, "KEYS_DIR": target}
    pseudonyms.forget_keys()
    keyring.forget()
    cache.clear()
    ratelimit.local_counter.clear()
    yield
    cache.clear()
    keyring.forget()
    pseudonyms.forget_keys()


class DjangoTransport:
    """The client's transport over Django's test client; on-commit work runs at once."""

    def __init__(self, client: Client, address: str = "192.0.2.20") -> None:
        self.client = client
        self.address = address

    def request(
        self, method: str, path: str, *, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        with TestCase.captureOnCommitCallbacks(execute=True):
            if method == "POST":
                response = self.client.post(
                    path,
                    data=json.dumps(body),
                    content_type="application/json",
                    REMOTE_ADDR=self.address,
                )
            else:
                response = self.client.get(path, REMOTE_ADDR=self.address)
        data = response.json()
        if response.status_code >= 400:
            raise TransportError(response.status_code, data)
        return dict(data)


def client_for(organisation: Any, *, address: str = "192.0.2.20") -> KetenwachtClient:
    _token, secret = make_token(organisation, [Scope.IDENTIFIERS_CHECK.value])
    http = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return KetenwachtClient(transport=DjangoTransport(http, address))


def public_client(address: str = "192.0.2.30") -> KetenwachtClient:
    return KetenwachtClient(transport=DjangoTransport(Client(), address))


def token_actor(organisation: Any) -> access.Actor:
    token, _secret = make_token(organisation, [s.value for s in Scope])
    return access.actor_for_token(token, address="192.0.2.10")


@dataclass
class World:
    circle: Circle
    other: Circle
    checker: Any  # the organisation that checks (member of ``circle`` only)
    values: list[str]


ATTENTION_IBAN = "NL91ABNA0417164300"
WARNING_IBAN = "NL02ABNA0123456789"
HIGH_PHONE = "+31612345678"
DISPUTED_IBAN = "NL20INGB0001234567"
ELSEWHERE_IBAN = "NL39RABO0300065264"
ALLOWLISTED_PHONE = "+31887226767"
URL_ON_ALLOWLISTED = "https://www.rabobank.nl/inloggen-nu"
EMAIL_ON_ALLOWLISTED = "helpdesk@rabobank.nl"
URL_ON_PLATFORM = "https://www.marktplaats.nl/v/advertentie-123"
PLAIN_URL = "https://rab0bank-veilig.nl/login"
UNLISTED_PHONE = "+31687654321"


def record(actor: access.Actor, value: str, **fields: Any) -> None:
    item = {"value": value, "fraud_type": "bankhelpdesk", "role": "caller_number", **fields}
    services.sightings_ingest(actor=actor, items=[item], atomic=True)


def build_world() -> World:
    circle = make_circle(members=4)
    other = make_circle(members=2)
    a, b, c, checker = circle.members
    actors = [token_actor(org) for org in (a, b, c)]
    record(actors[0], ATTENTION_IBAN, role="beneficiary_account")
    for actor in actors[:2]:
        record(actor, WARNING_IBAN, role="beneficiary_account")
    for actor in actors:
        record(actor, HIGH_PHONE)
    for actor in actors:
        record(actor, DISPUTED_IBAN, role="beneficiary_account")
    record(token_actor(other.members[0]), ELSEWHERE_IBAN, role="beneficiary_account")
    record(token_actor(other.members[1]), ELSEWHERE_IBAN, role="beneficiary_account")
    for actor in actors[:2]:
        record(actor, ALLOWLISTED_PHONE)
        record(actor, URL_ON_ALLOWLISTED, role="phishing_url")
        record(actor, EMAIL_ON_ALLOWLISTED, role="sender_address")
        record(actor, URL_ON_PLATFORM, role="phishing_url")
        record(actor, PLAIN_URL, role="phishing_url")
    AllowlistEntryFactory.create()  # the phone number
    AllowlistEntryFactory.create(domain=True)
    AllowlistEntryFactory.create(platform=True)
    DisputeFactory.create(value=DISPUTED_IBAN)
    values = [
        ATTENTION_IBAN,
        WARNING_IBAN,
        HIGH_PHONE,
        DISPUTED_IBAN,
        ELSEWHERE_IBAN,
        ALLOWLISTED_PHONE,
        URL_ON_ALLOWLISTED,
        EMAIL_ON_ALLOWLISTED,
        URL_ON_PLATFORM,
        PLAIN_URL,
        UNLISTED_PHONE,
    ]
    # What the ingest path would list (it holds the values in the clear while recording).
    private.enrol_canonicals([canonicalise(v) for v in values])
    private.enrol_allowlist()
    return World(circle=circle, other=other, checker=checker, values=values)


@pytest.fixture
def world(db: None) -> World:
    return build_world()
