"""A releasable stand-in for tests: a sharing group whose release the members consent to.

The kernel knows no capability, so its tests register a handler for ``partners.SharingGroup``
that records what the workflow asked it to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User

from ketenwacht.partners.access import Actor, actor_for_user
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import Organisation, SharingGroup
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    SharingGroupFactory,
    make_user,
)
from ketenwacht.release import registry
from ketenwacht.release.models import ReleaseRequest


@dataclass
class RecordingHandler(registry.ReleaseHandler):
    actions: Mapping[str, str] = field(default_factory=lambda: {"publish": "Publish"})
    released: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)

    def parties(self, target: SharingGroup) -> Iterable[Organisation]:
        return target.members.all()

    def describe(self, target: SharingGroup, action: str, params: Mapping[str, Any]) -> str:
        return f"Publish {target.name}"

    def may_view(self, actor: Actor, target: SharingGroup) -> bool:
        return (
            actor.organisation is not None
            and target.members.filter(pk=actor.organisation.pk).exists()
        )

    def target_url(self, target: SharingGroup) -> str:
        return f"/groups/{target.pk}/"

    def on_released(self, *, request: ReleaseRequest, target: Any) -> None:
        self.released.append(request.pk)

    def on_refused(self, *, request: ReleaseRequest, target: Any) -> None:
        self.refused.append((request.pk, request.status))


@pytest.fixture
def handler() -> Iterator[RecordingHandler]:
    recording = RecordingHandler()
    registry.register(SharingGroup, recording)
    yield recording
    registry.unregister(SharingGroup)


@dataclass
class Circle:
    """A group of organisations, each with one person who may decide."""

    group: SharingGroup
    organisations: list[Organisation]
    deciders: list[Actor]


def make_circle(size: int = 3, role: str = Role.PARTNER_ANALYST) -> Circle:
    organisations = [OrganisationFactory.create() for _ in range(size)]
    group = SharingGroupFactory.create()
    group.members.set(organisations)
    deciders = [actor_for_user(make_user(role, org)) for org in organisations]
    return Circle(group=group, organisations=organisations, deciders=deciders)


def user_of(actor: Actor) -> User:
    assert actor.user is not None
    return actor.user


def colleague_of(actor: Actor, role: str = Role.PARTNER_ANALYST) -> Actor:
    """Another person of the same organisation."""
    return actor_for_user(make_user(role, actor.organisation))
