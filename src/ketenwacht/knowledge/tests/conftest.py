import importlib
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
def no_phase_sources() -> Iterator[None]:
    """Hide the real phase sources (alerts registers one) so the matrix shows no counts."""
    from ketenwacht.knowledge import integration

    saved = dict(integration._PHASE_COUNTERS)
    integration._PHASE_COUNTERS.clear()
    yield
    integration._PHASE_COUNTERS.clear()
    integration._PHASE_COUNTERS.update(saved)


@pytest.fixture
def phase_counter(no_phase_sources: None) -> Iterator[dict[str, dict[str, int]]]:
    """The only phase source during the test: tests fill ``counts[fraud_type]``."""
    from ketenwacht.knowledge import integration

    counts: dict[str, dict[str, int]] = {}

    def counter(*, actor: Any, fraud_type: str) -> dict[str, int]:
        return counts.get(fraud_type, {})

    integration.register_phase_counter("test", counter)
    yield counts


_SEED_MIGRATIONS = ("0002_seed_fraud_types", "0004_seed_journeys_and_action_plan")
_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _seeded_knowledge(request: pytest.FixtureRequest) -> None:
    """The seeded taxonomy, journeys, barriers and 2023 plan, as the migrations left them.

    A transactional test anywhere in the run (every live-server browser test) flushes the
    tables, seeded rows included; the seed functions are idempotent, so run them again.
    """
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        _DB_FIXTURES & set(request.fixturenames)
    )
    if not uses_db:
        return
    request.getfixturevalue("db")
    from django.apps import apps

    from ketenwacht.knowledge.models import CriminalJourney

    if CriminalJourney.objects.exists():
        return
    for name in _SEED_MIGRATIONS:
        module = importlib.import_module(f"ketenwacht.knowledge.migrations.{name}")
        module.seed(apps, None)


# Shared browser fixtures (ketenwacht.browser_testing) for test_browser.py.
