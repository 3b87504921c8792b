"""The oblivious check gives the plain check's level on the same data, for partners and the
public; PSI screening finds exactly the values the plain check puts at warning or above."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from ketenwacht.identifiers import ratelimit, services
from ketenwacht.partners import access
from ketenwacht.privatecheck.tests.conftest import (
    HIGH_PHONE,
    UNLISTED_PHONE,
    WARNING_IBAN,
    World,
    client_for,
    public_client,
    record,
    token_actor,
)

pytestmark = pytest.mark.django_db


def test_partner_levels_equal_the_plain_check(world: World) -> None:
    client = client_for(world.checker)
    actor = token_actor(world.checker)
    seen = set()
    for value in world.values:
        plain = services.check_one(actor=actor, value=value).score
        private = client.check_private(value)
        assert private.level == plain.level, value
        assert private.allowlisted == (plain.allowlisted is not None), value
        seen.add(plain.level)
    # The data covers every level, so equality is no accident of all-"none" answers.
    assert seen == {"none", "attention", "warning", "high"}


def test_recording_a_sighting_lists_its_value(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """The ingest path lists each recorded value for the oblivious check once it commits
    (afterwards only the pseudonym is left); no explicit enrolment here."""
    client = client_for(world.checker)
    actor = token_actor(world.checker)
    assert client.check_private(UNLISTED_PHONE).level == "none"
    members = world.circle.members[:3]
    with django_capture_on_commit_callbacks(execute=True):
        for member in members:
            record(token_actor(member), UNLISTED_PHONE)
    plain = services.check_one(actor=actor, value=UNLISTED_PHONE).score.level
    assert plain == "high"
    assert client.check_private(UNLISTED_PHONE).level == plain


def test_public_levels_equal_the_public_check(world: World) -> None:
    client = public_client()
    actor = access.Actor(client_address="192.0.2.99")
    seen = set()
    for value in world.values:
        cache.clear()
        ratelimit.local_counter.clear()
        plain = services.public_check(actor=actor, value=value)
        private = client.check_private(value, public=True)
        assert private.level == plain.level, value
        seen.add(plain.level)
    assert {"under_review", "warning", "high", "none"} <= seen


def test_an_outsider_sees_nothing(world: World) -> None:
    """An organisation in no sharing group: every level is none, as in the plain check."""
    from ketenwacht.partners.tests.factories import OrganisationFactory

    outsider = OrganisationFactory.create()
    client = client_for(outsider)
    for value in (WARNING_IBAN, HIGH_PHONE):
        assert client.check_private(value).level == "none"
        assert services.check_one(actor=token_actor(outsider), value=value).score.level == "none"


def test_other_spellings_give_the_same_answer(world: World) -> None:
    client = client_for(world.checker)
    assert client.check_private("nl02 abna 0123 4567 89").level == "warning"
    assert client.check_private("06-12345678").level == "high"
    assert client.check_private(UNLISTED_PHONE).level == "none"


def test_psi_screening_equals_the_plain_check(world: World) -> None:
    client = client_for(world.checker)
    actor = token_actor(world.checker)
    values = [*world.values, "not an identifier at all"]
    results = client.screen(values)
    for value, result in zip(values[:-1], results, strict=False):
        plain = services.check_one(actor=actor, value=value).score
        expected = plain.level in ("warning", "high")
        assert result.listed is expected, value
    assert results[-1].listed is None and results[-1].error
    assert sum(1 for r in results if r.listed) >= 3
