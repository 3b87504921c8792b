"""Weekly trends against a robust baseline; a spike becomes an alert draft for partners."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client

from ketenwacht.alerts.constants import AlertStatus
from ketenwacht.alerts.models import Alert
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.tests.factories import OrganisationFactory, SharingGroupFactory
from ketenwacht.stats import services, trends
from ketenwacht.stats.models import Spike
from ketenwacht.stats.tests.factories import make_intakes

pytestmark = pytest.mark.django_db
WEEK = date(2026, 3, 2)  # a Monday


def _history(per_week: list[int], *, fraud_form: str = "purchase", channel: str = "marketplace"):
    """Intakes in the weeks before WEEK (oldest first)."""
    for index, count in enumerate(per_week):
        day = WEEK - timedelta(weeks=len(per_week) - index) + timedelta(days=2)
        if count:
            make_intakes(count, day=day, fraud_form=fraud_form, channel=channel)


def test_robust_score_uses_median_and_mad() -> None:
    median, mad, score = trends.robust_score(30, [10, 12, 9, 11, 10, 50, 10, 11])
    assert median == 10.5 and mad == 0.5  # the one outlier (50) moves neither
    assert score == pytest.approx((30 - 10.5) / max(1.4826, 10.5**0.5))
    assert trends.is_spike(30, median, score)
    assert not trends.is_spike(15, median, trends.robust_score(15, [10] * 8)[2])  # +50 %
    assert not trends.is_spike(6, 1.0, 10.0)  # too few to mean anything


def test_detect_finds_a_doubling_week_only_in_its_cell() -> None:
    _history([4, 5, 3, 4, 6, 4, 5, 4])
    _history([10, 12, 11, 10, 9, 11, 12, 10], fraud_form="phishing", channel="sms")
    make_intakes(25, day=WEEK + timedelta(days=1), fraud_form="purchase", channel="marketplace")
    make_intakes(14, day=WEEK + timedelta(days=1), fraud_form="phishing", channel="sms")
    findings = trends.detect(WEEK + timedelta(days=3))
    assert [(f.fraud_form, f.channel, f.count, f.median) for f in findings] == [
        ("purchase", "marketplace", 25, 4.0)
    ]
    assert findings[0].week == WEEK


def test_spike_creates_one_alert_draft_for_the_partners() -> None:
    team = OrganisationFactory.create(sector=Sector.PROGRAMME)
    group = SharingGroupFactory.create()
    group.members.add(team)
    _history([2, 3, 2, 2, 3, 2, 2, 3])
    make_intakes(30, day=WEEK + timedelta(days=1))
    spikes = services.spikes_detect(actor=SYSTEM, week=WEEK)
    assert len(spikes) == 1
    alert = Alert.objects.get(pk=spikes[0].alert_id)
    assert alert.status == AlertStatus.DRAFT
    assert alert.group == group and alert.author_organisation == team
    assert alert.fraud_type_id == "purchase" and alert.channels == ["marketplace"]
    assert "30" in alert.summary
    # Running again finds the same spike and drafts nothing new.
    assert services.spikes_detect(actor=SYSTEM, week=WEEK) == []
    assert Alert.objects.count() == 1 and Spike.objects.count() == 1


def test_spike_page_runs_detection(login_client: Callable[..., Client]) -> None:
    _history([1, 1, 1, 1, 1, 1, 1, 1])
    make_intakes(12, day=WEEK + timedelta(days=1))
    client = login_client(Role.PROGRAMME_TEAM)
    response = client.post("/portal/stats/spikes/", {"week": WEEK.isoformat()})
    assert response.status_code == 302
    spike = Spike.objects.get()
    assert spike.alert_id is None and "no alert draft" in spike.note  # no programme group
    page = client.get("/portal/stats/spikes/").content.decode()
    assert "purchase" in page and "12" in page
