"""Fixtures of the intake tests: a clean rate-limit cache, desks that take warm referrals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from ketenwacht.delivery.tests.conftest import webhook_receiver  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def loopback_webhooks(settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "DELIVERY_ALLOW_PRIVATE_TARGETS": True}
