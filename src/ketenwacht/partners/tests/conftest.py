"""Fixtures for the partners kernel's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Login throttle counters live in the cache; no test may inherit another's failures."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def programme(db: None) -> access.Actor:
    """A programme-team member: manages organisations, groups and agreements."""
    organisation = OrganisationFactory.create(name="Programmabureau", sector="programme")
    return access.actor_for_user(make_user(Role.PROGRAMME_TEAM, organisation))


@pytest.fixture
def organisation(db: None) -> Organisation:
    bank: Organisation = OrganisationFactory.create(name="Bank Noord")
    return bank


@pytest.fixture
def actor_of(db: None) -> Callable[..., access.Actor]:
    """``actor_of(role, organisation)``: the actor of a fresh user with that role."""

    def _actor(role: str, organisation: Organisation | None = None) -> access.Actor:
        return access.actor_for_user(make_user(role, organisation))

    return _actor


def verified_client(user: Any) -> Client:
    """A client logged in as ``user`` who passed the second factor with the TOTP device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client
