"""Two reports arriving at once may both reach the same single report through different
identifiers; the one that commits second meets a unique membership and runs once more,
now joining the cluster the first one made (no error for the police's API client)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases import linking, services
from ketenwacht.cases.models import Report
from ketenwacht.cases.tests.factories import World, assert_memberships_consistent, import_report
from ketenwacht.partners.access import SYSTEM

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"
PHONE = "0612345678"


def _lose_the_first_race(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    real = linking.add_report
    calls: list[int] = []

    def add_report(*args: Any, **kwargs: Any) -> linking.Change:
        calls.append(1)
        change = real(*args, **kwargs)
        if len(calls) == 1:
            raise IntegrityError('duplicate key value violates "case_membership_report"')
        return change

    monkeypatch.setattr(linking, "add_report", add_report)
    return calls


def test_an_import_that_lost_a_race_runs_once_more(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = import_report(world.police_token, [IBAN, PHONE])
    calls = _lose_the_first_race(monkeypatch)

    second = import_report(world.police_token, [PHONE])

    assert len(calls) == 2 and not second.duplicate
    assert Report.objects.count() == 2
    assert second.report.cluster_id is not None
    assert second.report.cluster_id == Report.objects.get(pk=first.report.pk).cluster_id
    assert AuditEvent.objects.filter(action="cases.report_import").count() == 2
    assert_memberships_consistent()


def test_an_intake_link_that_lost_a_race_runs_once_more(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    from ketenwacht.identifiers.canonical import canonicalise

    first = import_report(world.police_token, [IBAN])
    calls = _lose_the_first_race(monkeypatch)
    report = services.case_report_link_intake(
        actor=SYSTEM,
        intake_id=uuid.uuid4(),
        fraud_type="purchase",
        damage_cents=5000,
        occurred_on=None,
        postcode4="1012",
        age_band="",
        identifiers=[canonicalise(IBAN)],
    )
    assert len(calls) == 2
    assert report.cluster_id == Report.objects.get(pk=first.report.pk).cluster_id
    assert_memberships_consistent()


def test_a_failure_that_is_no_race_is_raised_after_the_second_try(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always(*args: Any, **kwargs: Any) -> linking.Change:
        raise IntegrityError("something else")

    monkeypatch.setattr(linking, "add_report", always)
    with pytest.raises(IntegrityError, match="something else"):
        import_report(world.police_token, [IBAN])
    assert not Report.objects.exists()
