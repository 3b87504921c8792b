"""Fixtures for the identifiers tests: a sharing circle, actors, token clients, own key dirs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from ketenwacht.identifiers import pseudonyms, ratelimit
from ketenwacht.identifiers.tests.factories import Circle, make_circle
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.tests.factories import make_token


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    ratelimit.local_counter.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def private_files(tmp_path: Path, settings: Any) -> Path:
    """Disputers' evidence goes to a throwaway private directory, never the developer's var/."""
    directory = tmp_path / "private"
    settings.KETENWACHT = {**settings.KETENWACHT, "PRIVATE_FILES_DIR": str(directory)}
    return directory


@pytest.fixture
def circle(db: None) -> Circle:
    return make_circle(members=3)


def token_actor(organisation: Any, scopes: list[str] | None = None) -> access.Actor:
    token, _secret = make_token(organisation, scopes or [s.value for s in Scope])
    return access.actor_for_token(token, address="192.0.2.10")


@pytest.fixture
def writer(circle: Circle) -> access.Actor:
    """A token of the circle's first member with every scope."""
    return token_actor(circle.members[0])


def api_client(organisation: Any, scopes: list[str] | None = None) -> Client:
    _token, secret = make_token(organisation, scopes or [s.value for s in Scope])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def own_keys_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """A private copy of the test keys, so rotation tests can add and remove key files."""
    source = Path(settings.KETENWACHT["KEYS_DIR"])
    target = tmp_path / "keys"
    shutil.copytree(source, target)
    settings.KETENWACHT = {**settings.KETENWACHT, "KEYS_DIR": target}
    pseudonyms.forget_keys()
    yield target
    pseudonyms.forget_keys()


# Shared browser fixtures (ketenwacht.browser_testing) for test_browser.py.
