"""Recorded values reach the list through a sealed pending batch that a worker lists after
the commit: nothing lost when the ingest commits, nothing left when it rolls back, nothing in
the clear while it waits, and a lost task is made good by the sync."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import transaction

from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.models import Pseudonym, Sighting
from ketenwacht.privatecheck import services as private
from ketenwacht.privatecheck.models import ListedElement, PendingListing
from ketenwacht.privatecheck.tests.conftest import (
    UNLISTED_PHONE,
    World,
    client_for,
    record,
    token_actor,
)

pytestmark = pytest.mark.django_db

OTHER_PHONE = "+31687654322"


@pytest.fixture
def world(world: World) -> World:
    """The shared world, without the pending batches its own recording left (the test
    transaction never commits, so their tasks never ran; the world lists its values itself)."""
    PendingListing.objects.all().delete()
    return world


def _listed_pseudonyms() -> set[int | None]:
    return set(
        ListedElement.objects.filter(pseudonym_id__isnull=False).values_list(
            "pseudonym_id", flat=True
        )
    )


def test_a_batch_waits_sealed_until_the_worker_lists_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Until a worker lists it (the task is only queued here) the batch waits in one sealed
    row: neither the value nor its canonical form is readable in it."""
    with (
        mock.patch("ketenwacht.privatecheck.tasks.list_pending_batch.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        record(token_actor(world.checker), UNLISTED_PHONE)
    (pending,) = PendingListing.objects.all()
    assert pending.count == 1
    canonical = canonicalise(UNLISTED_PHONE).value
    for shown in (canonical, canonical.lstrip("+"), "612345678", "687654321"):
        assert shown.encode() not in bytes(pending.sealed)
    delay.assert_called_once_with(pending.pk)
    pseudonym = Pseudonym.objects.get(kind="phone", display_hint__endswith="21")
    assert pseudonym.pk not in _listed_pseudonyms()

    assert private.list_pending(pending.pk) >= 1
    assert pseudonym.pk in _listed_pseudonyms()
    assert not PendingListing.objects.exists()
    assert private.list_pending(pending.pk) == 0  # a repeated task finds nothing


def test_a_rolled_back_ingest_leaves_no_pending_batch(world: World) -> None:
    before = PendingListing.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(token_actor(world.checker), OTHER_PHONE)
        raise RuntimeError("the caller's transaction fails after the ingest")
    assert PendingListing.objects.count() == before


def test_the_sync_lists_what_a_lost_task_left_behind(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.checker)
    members = world.circle.members[:3]
    with (
        mock.patch("ketenwacht.privatecheck.tasks.list_pending_batch.delay"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for member in members:
            record(token_actor(member), OTHER_PHONE)
    assert PendingListing.objects.count() == 3
    assert client.check_private(OTHER_PHONE).level == "none"  # not listed yet

    assert private.list_all_pending() == 1  # one value, one key version; then already listed
    assert not PendingListing.objects.exists()
    assert client.check_private(OTHER_PHONE).level == "high"


def test_the_sync_includes_pending_batches(world: World) -> None:
    with mock.patch("ketenwacht.privatecheck.tasks.list_pending_batch.delay"):
        record(token_actor(world.checker), OTHER_PHONE)
    assert PendingListing.objects.count() == 1
    private.sync()
    assert not PendingListing.objects.exists()


def test_a_pseudonym_purged_before_listing_is_skipped(world: World) -> None:
    with mock.patch("ketenwacht.privatecheck.tasks.list_pending_batch.delay"):
        record(token_actor(world.checker), OTHER_PHONE)
    pending = PendingListing.objects.get()
    listed_before = _listed_pseudonyms()
    purged = Pseudonym.objects.filter(kind="phone", display_hint__endswith="22")
    assert purged.count() == 1
    Sighting.objects.filter(pseudonym__in=purged).delete()
    purged.delete()
    assert private.list_pending(pending.pk) == 0
    assert _listed_pseudonyms() == listed_before
    assert not PendingListing.objects.exists()
