"""The intake app's hook into cases: a sent intake whose victim agreed joins the clusters
through its identifiers' pseudonyms, its status page tells the victim in plain words, and the
purge takes it out again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ketenwacht.cases import selectors, services
from ketenwacht.cases.constants import ClusterState, ReportSource
from ketenwacht.cases.models import Report, Unit
from ketenwacht.cases.tests.factories import World, import_report
from ketenwacht.intake import services as intake_services
from ketenwacht.intake.tests.factories import BANKHELPDESK_URGENT, answered_intake
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import VictimFeedback

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"  # the same account as in the intake's answers


def _send(*, sightings: bool, capture: Any) -> tuple[Any, str]:
    intake, secret = answered_intake(BANKHELPDESK_URGENT)
    with capture(execute=True):
        intake = intake_services.intake_submit(
            actor=SYSTEM,
            intake=intake,
            submission=intake_services.Submission(sightings_consent=sightings),
        )
    return intake, secret


def test_a_consenting_intake_links_to_police_reports_and_its_page_says_so(
    world: World,
    english: None,
    django_capture_on_commit_callbacks: Any,
    intake_agreement: Callable[[str], Any],
) -> None:
    intake_agreement(VictimFeedback.UNIT)
    import_report(world.police_token, [IBAN], fraud_type="bankhelpdesk", postcode4="1012")
    intake, secret = _send(sightings=True, capture=django_capture_on_commit_callbacks)
    report = Report.objects.get(intake_id=intake.pk)
    assert report.source == ReportSource.INTAKE
    assert (report.fraud_type, report.postcode4, report.age_band) == (
        "bankhelpdesk",
        "3511",
        "65_74",
    )
    assert report.damage_cents == 250_000
    assert report.cluster is not None and report.cluster.report_count == 2

    page = Client().get(
        reverse("intake:status", kwargs={"reference": intake.reference, "secret": secret})
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Your report has been linked to 1 other report." in text
    assert IBAN not in text and "NL91" not in text  # nothing about identifiers

    cluster = report.cluster
    services.cluster_transition(actor=world.analyst, cluster=cluster, to_state=ClusterState.TRIAGE)
    assert "assessing" in (
        selectors.cluster_feedback_for_intake(intake.pk, allowed=VictimFeedback.UNIT) or ""
    )


def test_the_status_page_tells_a_dutch_victim_in_the_catalogues_words(
    world: World,
    django_capture_on_commit_callbacks: Any,
    intake_agreement: Callable[[str], Any],
) -> None:
    """The Dutch sentences of ``locale/nl/.../django.po``, plural form and unit name filled in,
    on the real status page (Dutch asked for) and from the selector under ``nl``."""
    intake_agreement(VictimFeedback.UNIT)
    for postcode in ("3512", "3513"):  # with the intake's 3511: Midden-Nederland's victims
        import_report(world.police_token, [IBAN], fraud_type="bankhelpdesk", postcode4=postcode)
    intake, secret = _send(sightings=True, capture=django_capture_on_commit_callbacks)
    url = reverse("intake:status", kwargs={"reference": intake.reference, "secret": secret})
    assessing = (
        "Uw melding is gekoppeld aan 2 andere meldingen. Eenheid Midden-Nederland beoordeelt ze."
    )
    _assert_says_in_dutch(intake.pk, url, assessing)

    cluster = Report.objects.get(intake_id=intake.pk).cluster
    assert cluster is not None
    services.cluster_assign(
        actor=world.analyst,
        cluster=cluster,
        unit=Unit.objects.get(code="amsterdam"),
        assignee=world.police_user,
    )
    investigated = (
        "Uw melding is gekoppeld aan 2 andere meldingen. Ze worden onderzocht door "
        "Eenheid Amsterdam."
    )
    _assert_says_in_dutch(intake.pk, url, investigated)


def _assert_says_in_dutch(intake_id: Any, url: str, sentence: str) -> None:
    """The selector under ``nl`` and the real status page, Dutch asked for, say ``sentence``."""
    with translation.override("nl"):
        assert (
            selectors.cluster_feedback_for_intake(intake_id, allowed=VictimFeedback.UNIT)
            == sentence
        )
    page = Client(HTTP_ACCEPT_LANGUAGE="nl").get(url)
    assert page.status_code == 200
    assert f'<p class="cases-feedback" role="status">{sentence}</p>' in page.content.decode()


def test_without_the_victims_agreement_nothing_reaches_cases(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    import_report(world.police_token, [IBAN], fraud_type="bankhelpdesk")
    intake, _secret = _send(sightings=False, capture=django_capture_on_commit_callbacks)
    assert not Report.objects.filter(intake_id=intake.pk).exists()
    assert selectors.cluster_feedback_for_intake(intake.pk, allowed=VictimFeedback.UNIT) is None


def test_the_purge_takes_the_intake_out_of_its_cluster(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    police = import_report(world.police_token, [IBAN], fraud_type="bankhelpdesk")
    intake, _secret = _send(sightings=True, capture=django_capture_on_commit_callbacks)
    assert Report.objects.filter(intake_id=intake.pk).exists()
    result = intake_services.intakes_purge(now=timezone.now() + timedelta(days=400))
    assert result.intakes == 1
    assert not Report.objects.filter(intake_id=intake.pk).exists()
    left = Report.objects.get(pk=police.report.pk)
    assert left.cluster is None or left.cluster.report_count < 2


def test_the_agreement_in_force_decides_how_much_the_page_says(
    world: World,
    english: None,
    django_capture_on_commit_callbacks: Any,
    intake_agreement: Callable[[str], Any],
) -> None:
    """The intake group's agreement in force says what victims are told: without a group or
    an agreement, nothing; each new version's term applies from when it is in force."""
    from ketenwacht.intake.integration import victim_feedback_allowed

    import_report(world.police_token, [IBAN], fraud_type="bankhelpdesk", postcode4="1012")
    intake, secret = _send(sightings=True, capture=django_capture_on_commit_callbacks)
    url = reverse("intake:status", kwargs={"reference": intake.reference, "secret": secret})
    linked = "Your report has been linked to 1 other report."

    def page() -> str:
        response = Client().get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert victim_feedback_allowed() == VictimFeedback.NONE  # no intake group yet
    assert linked not in page() and "cases-feedback" not in page()
    intake_agreement(VictimFeedback.LINKED)
    assert victim_feedback_allowed() == VictimFeedback.LINKED
    text = page()
    assert f"{linked} The police are assessing them." in text and "Eenheid" not in text
    intake_agreement(VictimFeedback.UNIT)
    cluster = Report.objects.get(intake_id=intake.pk).cluster
    assert cluster is not None and cluster.unit is not None
    assert f"{linked} {cluster.unit.name} is assessing them." in page()
    intake_agreement(VictimFeedback.NONE)
    assert "cases-feedback" not in page()
