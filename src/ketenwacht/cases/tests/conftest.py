"""Fixtures of the cases tests: police, prosecutor and bank organisations, their analysts
and tokens, a sharing circle with the police, small hub limits, a clean cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from ketenwacht.cases.tests.factories import World, make_world


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small_hubs(settings: Any) -> dict[str, Any]:
    """Hub limits small enough to reach in a test: >3 reports over 2 families, or >6."""
    settings.KETENWACHT = {
        **settings.KETENWACHT,
        "CASES_HUB_MAX_REPORTS": 3,
        "CASES_HUB_MIN_FAMILIES": 2,
        "CASES_HUB_ABSOLUTE_MAX": 6,
    }
    config: dict[str, Any] = settings.KETENWACHT
    return config


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English (the msgids), whatever the Dutch catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None) -> World:
    return make_world()
