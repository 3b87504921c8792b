"""Fixtures of the cases tests: police, prosecutor and bank organisations, their analysts
and tokens, a sharing circle with the police, small hub limits, a clean cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from ketenwacht.cases.tests.factories import World, make_world
from ketenwacht.partners.models import DataSharingAgreement, SharingGroup


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


@pytest.fixture
def intake_agreement(db: None) -> Callable[[str], DataSharingAgreement]:
    """Put in force a (next) version of the intake sharing group's agreement with this
    victim-feedback term (the group made on the first call), as the programme team would."""
    from ketenwacht.intake.integration import DEFAULT_GROUP_SLUG
    from ketenwacht.partners import services
    from ketenwacht.partners.access import SYSTEM
    from ketenwacht.partners.tests.factories import SharingGroupFactory

    def put_in_force(victim_feedback: str) -> DataSharingAgreement:
        group = SharingGroup.objects.filter(slug=DEFAULT_GROUP_SLUG).first()
        if group is None:
            group = SharingGroupFactory.create(slug=DEFAULT_GROUP_SLUG)
        return services.agreement_revise(
            actor=SYSTEM,
            group=group,
            purpose="Slachtoffers' meldingen naar de politie (test).",
            legal_basis="Toestemming van het slachtoffer (test).",
            allowed_kinds=["iban"],
            raw_value_roles=[],
            retention_days={"iban": 365},
            warning_thresholds={},
            victim_feedback=victim_feedback,
        )

    return put_in_force
