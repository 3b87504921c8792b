from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """The catalogue is cached; each test starts and ends with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Uploaded library files go to a throwaway directory, never the developer's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def phase_counter() -> Iterator[dict[str, dict[str, int]]]:
    """A stand-in for alerts' phase counter: tests fill ``counts[fraud_type]``."""
    from ketenwacht.knowledge import integration

    counts: dict[str, dict[str, int]] = {}

    def counter(*, actor: Any, fraud_type: str) -> dict[str, int]:
        return counts.get(fraud_type, {})

    integration.register_phase_counter("test", counter)
    yield counts
    integration.unregister_phase_counter("test")
