"""Alerts feed the barrier-model matrix: how often each phase is seen, per reader."""

from __future__ import annotations

import pytest

from ketenwacht.alerts.tests.factories import BANKHELPDESK, make_alert, make_world
from ketenwacht.knowledge import integration

pytestmark = pytest.mark.django_db


def test_shared_alerts_count_per_phase_for_readers_only() -> None:
    world = make_world()
    make_alert(world, phases=["contact", "convincing"])
    make_alert(world, phases=["contact"])
    make_alert(world, phases=["transfer"], share=False)  # a draft is not "seen"

    member_counts = integration.phase_counts(actor=world.member, fraud_type=BANKHELPDESK)
    assert member_counts["contact"] == 2
    assert member_counts["convincing"] == 1
    assert member_counts["transfer"] == 0

    outsider_counts = integration.phase_counts(actor=world.outsider, fraud_type=BANKHELPDESK)
    assert set(outsider_counts.values()) == {0}


def test_other_fraud_types_are_not_counted() -> None:
    world = make_world()
    make_alert(world, phases=["contact"])
    assert integration.phase_counts(actor=world.member, fraud_type="purchase")["contact"] == 0
