"""The intake's demo world loads on top of the synth demo, and loading twice changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ketenwacht.identifiers.models import Sighting
from ketenwacht.intake.demo import demo_intake_load
from ketenwacht.intake.models import Desk, Referral
from ketenwacht.synth import demo

pytestmark = pytest.mark.django_db


def test_demo_links_desks_sends_intakes_and_is_idempotent(
    tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    demo.demo_load(credentials_path=tmp_path / "credentials.json")
    with django_capture_on_commit_callbacks(execute=True):
        first = demo_intake_load()
    assert first["intake_desks_linked"] >= 2 and first["intake_demo_intakes"] == 3
    desk = Desk.objects.get(slug="fraudehelpdesk")
    assert desk.takes_warm_referrals
    assert Referral.objects.filter(desk=desk).count() == 3
    assert Sighting.objects.filter(source="intake").count() == 1
    assert sum(demo_intake_load().values()) == 0
