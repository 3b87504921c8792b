"""Police and partner reports leave cases when their retention term has passed; clusters
they held together are recomputed; intake reports are left to the intake app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases import config, services
from ketenwacht.cases.constants import ReportSource
from ketenwacht.cases.models import Report, ReportLink
from ketenwacht.cases.tests.factories import (
    add,
    assert_memberships_consistent,
    make_pseudonyms,
    partition,
)

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> Any:
    return timezone.localdate() - timedelta(days=days)


def test_expired_police_and_partner_reports_leave_and_their_cluster_splits(
    settings: Any,
) -> None:
    settings.KETENWACHT = {
        **settings.KETENWACHT,
        "CASES_REPORT_RETENTION_DAYS": {"police": 100, "partner": 50},
    }
    a, b, c = make_pseudonyms(3)
    left = add([a], reported_on=_days_ago(10))
    bridge = add([a, b], reported_on=_days_ago(101))  # past the police term: holds a and b
    right = add([b], reported_on=_days_ago(10))
    partner_old = add([c], source=ReportSource.PARTNER, reported_on=_days_ago(51))
    partner_new = add([c], source=ReportSource.PARTNER, reported_on=_days_ago(49))
    intake_old = add([c], source=ReportSource.INTAKE, reported_on=_days_ago(4000))
    assert frozenset({left.pk, bridge.pk, right.pk}) in partition()

    assert services.reports_purge() == 2

    remaining = set(Report.objects.values_list("pk", flat=True))
    assert remaining == {left.pk, right.pk, partner_new.pk, intake_old.pk}
    assert not ReportLink.objects.filter(report_id__in=[bridge.pk, partner_old.pk]).exists()
    groups = partition()
    assert frozenset({left.pk}) in groups and frozenset({right.pk}) in groups
    assert frozenset({partner_new.pk, intake_old.pk}) in groups
    assert_memberships_consistent()
    event = AuditEvent.objects.get(action="cases.reports_purge")
    assert event.details == {"removed": 2, "terms_days": {"police": 100, "partner": 50}}


def test_a_report_on_its_last_day_stays(settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "CASES_REPORT_RETENTION_DAYS": {"police": 30}}
    (a,) = make_pseudonyms(1)
    kept = add([a], reported_on=_days_ago(30))
    assert services.reports_purge() == 0
    assert Report.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(action="cases.reports_purge").exists()


def test_the_purge_works_in_chunks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "PURGE_CHUNK", 2)
    (a,) = make_pseudonyms(1)
    for _ in range(5):
        add([a], reported_on=_days_ago(6 * 365))
    assert services.reports_purge() == 5
    assert not Report.objects.exists()
    assert AuditEvent.objects.filter(action="cases.reports_purge").count() == 3


@pytest.mark.parametrize(
    ("configured", "message"),
    [({"intake": 10}, "no retention for source"), ({"police": 0}, "at least 1 day")],
)
def test_a_wrong_setting_is_refused(settings: Any, configured: Any, message: str) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "CASES_REPORT_RETENTION_DAYS": configured}
    with pytest.raises(ValueError, match=message):
        config.retention_days()


def test_the_command_reports_what_it_removed(capsys: Any) -> None:
    (a,) = make_pseudonyms(1)
    add([a], reported_on=_days_ago(6 * 365))
    call_command("cases_purge_reports")
    out = capsys.readouterr().out
    assert out.startswith("1 report(s) removed") and "police 1825 days" in out


def test_the_purge_is_scheduled_daily_with_a_registered_task() -> None:
    from django.conf import settings as django_settings

    from ketenwacht.cases import tasks
    from ketenwacht.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["cases-purge-reports"]
    assert entry["task"] == tasks.purge_reports.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 86400.0
