"""The workflow: allowed transitions as history rows, assignment, notes, reopening, the
suggested interventions, and feedback on victims' status pages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases import interventions, selectors, services
from ketenwacht.cases.constants import TRANSITIONS, ClusterState
from ketenwacht.cases.models import Cluster, ClusterTransition, Report, Unit
from ketenwacht.cases.tests.factories import World, cluster_of, import_report
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Role, VictimFeedback
from ketenwacht.partners.tests.factories import make_user
from ketenwacht.synth.generators import identifiers

pytestmark = pytest.mark.django_db

IBAN, OTHER = identifiers("iban", 2, seed="workflow")
UNIT, LINKED = VictimFeedback.UNIT, VictimFeedback.LINKED


def _cluster(world: World, reports: int = 2, **extra: Any) -> Cluster:
    results = [import_report(world.police_token, [IBAN], **extra) for _ in range(reports)]
    return cluster_of(results[0].report.pk)


def test_allowed_transitions_become_history_rows(world: World) -> None:
    cluster = _cluster(world)
    services.cluster_transition(actor=world.analyst, cluster=cluster, to_state="triage")
    services.cluster_transition(
        actor=world.prosecutor_analyst, cluster=cluster, to_state="civil_route", note="small"
    )
    rows = list(
        ClusterTransition.objects.filter(cluster=cluster).values_list("from_state", "to_state")
    )
    assert rows == [("new", "triage"), ("triage", "civil_route")]
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.CIVIL_ROUTE
    assert AuditEvent.objects.filter(action="cases.transition").count() == 2


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (start, target)
        for start in ClusterState.values
        for target in ClusterState.values
        if target not in TRANSITIONS[start]
    ],
)
def test_every_transition_outside_the_table_is_refused(
    world: World, start: str, target: str
) -> None:
    cluster = _cluster(world)
    Cluster.objects.filter(pk=cluster.pk).update(state=start)
    with pytest.raises(ConflictError) as refused:
        services.cluster_transition(actor=world.analyst, cluster=cluster, to_state=target)
    assert refused.value.code == "transition_not_allowed"
    assert not ClusterTransition.objects.exists()


def test_assigned_needs_an_analyst_and_assignment_moves_the_state(world: World) -> None:
    cluster = _cluster(world)
    services.cluster_transition(actor=world.analyst, cluster=cluster, to_state="triage")
    with pytest.raises(ValidationFailed):
        services.cluster_transition(actor=world.analyst, cluster=cluster, to_state="assigned")
    services.cluster_assign(
        actor=world.analyst,
        cluster=cluster,
        unit=Unit.objects.get(code="oost-brabant"),
        assignee=world.police_user,
        note="Eindhoven team",
    )
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.ASSIGNED and cluster.unit is not None
    assert cluster.unit.code == "oost-brabant" and cluster.assignee == world.police_user
    assert cluster.routing.last() is not None
    assert cluster.routing.last().rule_name == "assigned by an analyst"  # type: ignore[union-attr]


def test_only_case_analysts_can_be_assigned(world: World) -> None:
    cluster = _cluster(world)
    bank_analyst = make_user(Role.PARTNER_ANALYST, world.bank)
    with pytest.raises(ValidationFailed):
        services.cluster_assign(
            actor=world.analyst,
            cluster=cluster,
            unit=Unit.objects.get(code="limburg"),
            assignee=bank_analyst,
        )


def test_others_cannot_work_on_clusters(world: World) -> None:
    cluster = _cluster(world)
    for actor in (world.bank_police_role, world.partner_analyst, world.programme):
        with pytest.raises(PermissionDeniedError):
            services.cluster_transition(actor=actor, cluster=cluster, to_state="triage")
        with pytest.raises(PermissionDeniedError):
            services.cluster_note_add(actor=actor, cluster=cluster, text="hello")


def test_a_closed_cluster_that_grows_is_reopened(world: World) -> None:
    cluster = _cluster(world)
    services.cluster_transition(actor=world.analyst, cluster=cluster, to_state="closed")
    import_report(world.police_token, [IBAN])
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.TRIAGE
    last = ClusterTransition.objects.filter(cluster=cluster).last()
    assert last is not None and last.actor_label == "system" and "reopened" in last.note


def test_notes_are_kept_and_audited(world: World) -> None:
    cluster = _cluster(world)
    note = services.cluster_note_add(actor=world.analyst, cluster=cluster, text="Call the bank")
    assert note.author == world.police_user
    assert AuditEvent.objects.filter(action="cases.note_add", object_id=str(cluster.pk)).exists()
    with pytest.raises(ValidationFailed):
        services.cluster_note_add(actor=world.analyst, cluster=cluster, text="   ")


def test_civil_recovery_and_stop_talk_are_suggested_for_a_small_case_with_a_known_suspect(
    world: World,
) -> None:
    cluster = _cluster(world, damage_cents=30_000)
    assert selectors.cluster_suggestions(actor=world.analyst, cluster=cluster) == []
    services.suspect_postcode_supply(
        actor=world.bank_token, value=IBAN, postcode4="5611", sharing_group=world.group.slug
    )
    cluster.refresh_from_db()
    codes = [s.code for s in selectors.cluster_suggestions(actor=world.analyst, cluster=cluster)]
    assert codes == ["civil_recovery", "stop_talk"]
    # Large damage: no civil route suggested.
    big = _cluster_of_other(world, damage_cents=1_000_000)
    services.suspect_postcode_supply(
        actor=world.bank_token, value=OTHER, postcode4="5611", sharing_group=world.group.slug
    )
    big.refresh_from_db()
    codes = [s.code for s in selectors.cluster_suggestions(actor=world.analyst, cluster=big)]
    assert "civil_recovery" not in codes


def _suggested(world: World, cluster: Cluster) -> list[str]:
    cluster.refresh_from_db()
    return [s.code for s in selectors.cluster_suggestions(actor=world.analyst, cluster=cluster)]


def test_victim_support_is_suggested_when_most_victims_with_a_known_age_are_65_plus(
    world: World,
) -> None:
    """The rule: share of 65+ among victims with a known age ``> 0.5``; no suspect needed."""
    first = import_report(world.police_token, [IBAN], age_band="65_74")
    import_report(world.police_token, [IBAN], age_band="45_64")
    cluster = cluster_of(first.report.pk)
    import_report(world.police_token, [IBAN], age_band="")  # unknown age: not counted
    cluster.refresh_from_db()
    assert (cluster.report_count, cluster.share_65_plus) == (3, 0.5)
    assert _suggested(world, cluster) == []  # half is not most
    import_report(world.police_token, [IBAN], age_band="75_plus")
    cluster.refresh_from_db()
    assert cluster.share_65_plus == pytest.approx(2 / 3, abs=1e-4)
    assert _suggested(world, cluster) == ["victim_support"]
    services.cluster_transition(actor=world.analyst, cluster=cluster, to_state="closed")
    assert _suggested(world, cluster) == []  # only open clusters get suggestions


def test_victim_support_is_not_suggested_when_no_victims_age_is_known(world: World) -> None:
    cluster = _cluster_of_other(world, age_band="")
    assert cluster.share_65_plus is None
    assert _suggested(world, cluster) == []


@pytest.mark.parametrize(
    ("share", "suggested"),
    [(None, False), (0.0, False), (0.4999, False), (0.5, False), (0.5001, True), (1.0, True)],
)
def test_the_victim_support_rule_draws_its_line_just_above_half(
    share: float | None, suggested: bool
) -> None:
    cluster = Cluster(
        state=ClusterState.TRIAGE,
        report_count=50,
        damage_total_cents=10**9,
        share_65_plus=share,
    )
    for suspect_known in (False, True):
        codes = [s.code for s in interventions.suggest(cluster, suspect_known=suspect_known)]
        assert ("victim_support" in codes) is suggested
    support = interventions.suggest(cluster, suspect_known=False)
    assert [(s.code, s.to_state) for s in support] == (
        [("victim_support", "")] if suggested else []  # no state of the workflow
    )


def _cluster_of_other(world: World, **extra: Any) -> Cluster:
    results = [import_report(world.police_token, [OTHER], **extra) for _ in range(2)]
    return cluster_of(results[0].report.pk)


# --- feedback to victims ---------------------------------------------------------------------


def _intake(world: World, values: list[str], postcode: str = "1012") -> uuid.UUID:
    intake_id = uuid.uuid4()
    services.case_report_link_intake(
        actor=SYSTEM,
        intake_id=intake_id,
        fraud_type="purchase",
        damage_cents=4_500,
        occurred_on=None,
        postcode4=postcode,
        age_band="65_74",
        identifiers=[canonicalise(v) for v in values],
    )
    return intake_id


def test_a_victims_status_page_says_what_happens_in_plain_words(
    world: World, english: None
) -> None:
    intake_id = _intake(world, [IBAN])
    assert (
        selectors.cluster_feedback_for_intake(intake_id, allowed=UNIT) is None
    )  # linked to nothing yet
    import_report(world.police_token, [IBAN], postcode4="1013")
    import_report(world.police_token, [IBAN], postcode4="1014")
    text = selectors.cluster_feedback_for_intake(intake_id, allowed=UNIT)
    assert text == (
        "Your report has been linked to 2 other reports. Eenheid Amsterdam is assessing them."
    )
    cluster = Report.objects.get(intake_id=intake_id).cluster
    assert cluster is not None
    services.cluster_assign(
        actor=world.analyst,
        cluster=cluster,
        unit=Unit.objects.get(code="amsterdam"),
        assignee=world.police_user,
    )
    assert selectors.cluster_feedback_for_intake(intake_id, allowed=UNIT) == (
        "Your report has been linked to 2 other reports. They are being investigated by "
        "Eenheid Amsterdam."
    )
    # As far as the agreement allows: the link without the unit, or nothing.
    assert selectors.cluster_feedback_for_intake(intake_id, allowed=LINKED) == (
        "Your report has been linked to 2 other reports. The police are investigating them."
    )
    assert selectors.cluster_feedback_for_intake(intake_id, allowed=VictimFeedback.NONE) is None
    assert selectors.cluster_feedback_for_intake(intake_id, allowed="anything") is None


def test_linking_an_intake_is_idempotent_and_only_for_the_system(world: World) -> None:
    intake_id = _intake(world, [IBAN])
    with pytest.raises(PermissionDeniedError):
        services.case_report_link_intake(
            actor=world.analyst,
            intake_id=uuid.uuid4(),
            fraud_type="purchase",
            damage_cents=1,
            occurred_on=None,
            postcode4="",
            age_band="",
            identifiers=[],
        )
    again = services.case_report_link_intake(
        actor=SYSTEM,
        intake_id=intake_id,
        fraud_type="purchase",
        damage_cents=1,
        occurred_on=None,
        postcode4="",
        age_band="",
        identifiers=[],
    )
    assert Report.objects.filter(intake_id=intake_id).get() == again


def test_a_withdrawn_intake_leaves_its_cluster(world: World) -> None:
    intake_id = _intake(world, [IBAN])
    import_report(world.police_token, [IBAN])
    cluster = Report.objects.get(intake_id=intake_id).cluster
    assert cluster is not None
    assert services.case_report_unlink_intake(actor=SYSTEM, intake_id=intake_id)
    assert not Report.objects.filter(intake_id=intake_id).exists()
    cluster.refresh_from_db()
    assert not cluster.is_active  # one report left: no cluster
    assert selectors.cluster_feedback_for_intake(intake_id, allowed=UNIT) is None


def test_the_intake_can_pass_known_pseudonyms(world: World) -> None:
    first = import_report(world.police_token, [IBAN])
    from ketenwacht.cases.models import ReportLink

    pid = ReportLink.objects.get(report=first.report).pseudonym_id
    intake_id = uuid.uuid4()
    report = services.case_report_link_intake(
        actor=SYSTEM,
        intake_id=intake_id,
        fraud_type="purchase",
        damage_cents=None,
        occurred_on=None,
        postcode4="",
        age_band="",
        identifiers=[("iban", pid)],
    )
    report.refresh_from_db()
    assert report.cluster_id is not None
    assert report.cluster_id == Report.objects.get(pk=first.report.pk).cluster_id
