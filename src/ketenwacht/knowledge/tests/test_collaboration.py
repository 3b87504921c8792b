"""Action plan, working groups and data-sharing bottleneck cases."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.knowledge import selectors, services
from ketenwacht.knowledge.constants import (
    STAGE_ORDER,
    ActionStatus,
    BottleneckStage,
    ItemType,
    TaskStatus,
    Theme,
)
from ketenwacht.knowledge.models import ActionPoint, BottleneckCase, BottleneckStageRecord
from ketenwacht.knowledge.tests.factories import (
    ActionPointFactory,
    BottleneckCaseFactory,
    LibraryDocumentFactory,
    WorkingGroupFactory,
    seat,
)
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import (
    OrganisationFactory,
    actor_with_role,
    make_agreement,
)

pytestmark = pytest.mark.django_db


# --- action plan ------------------------------------------------------------------------------


def test_the_2023_plan_is_seeded_with_what_each_theme_realised() -> None:
    points = selectors.action_point_list(actor=actor_with_role(Role.PARTNER_ANALYST), year=2023)
    by_theme = {
        code: len(items) for code, _label, items in selectors.action_points_by_theme(points)
    }
    assert by_theme == {
        "insight": 4,
        "data_sharing": 4,
        "barriers": 3,
        "enforcement": 3,
        "resilience": 5,
        "victim_support": 4,
    }
    assert {point.status for point in points} == {ActionStatus.REALISED}


def test_programme_team_adds_an_action_point_with_an_owner_organisation() -> None:
    team = actor_with_role(Role.PROGRAMME_TEAM)
    plan = services.action_plan_create(actor=team, year=2024)
    owner = OrganisationFactory.create(name="Nederlandse Vereniging van Banken")
    point = services.action_point_create(
        actor=team,
        plan=plan,
        data={"theme": Theme.BARRIERS, "title": "Barrièremodel verkoopfraude",
              "owner_organisation": owner, "marking": "GREEN"},
    )  # fmt: skip
    assert point.owner_label == "Nederlandse Vereniging van Banken"
    assert point.status == ActionStatus.PLANNED
    with pytest.raises(ConflictError):
        services.action_plan_create(actor=team, year=2024)


def test_an_action_point_needs_an_owner() -> None:
    team = actor_with_role(Role.PROGRAMME_TEAM)
    plan = services.action_plan_create(actor=team, year=2024)
    with pytest.raises(ValidationFailed) as caught:
        services.action_point_create(
            actor=team, plan=plan, data={"theme": Theme.INSIGHT, "title": "Zonder eigenaar"}
        )
    assert caught.value.field == "owner_organisation"


@time_machine.travel(datetime.datetime(2025, 6, 30, 12, tzinfo=datetime.UTC))
def test_the_owner_organisation_reports_progress_and_status_is_history() -> None:
    owner = OrganisationFactory.create()
    point = ActionPointFactory.create(owner_organisation=owner)
    analyst = actor_with_role(Role.PARTNER_ANALYST, owner)
    services.action_point_progress(actor=analyst, point=point, text="Eerste sessie gehouden.")
    services.action_point_progress(
        actor=analyst, point=point, text="Opgeleverd.", status=ActionStatus.REALISED
    )
    point.refresh_from_db()
    assert point.status == ActionStatus.REALISED
    assert point.realised_at == datetime.date(2025, 6, 30)
    updates = list(point.updates.values_list("from_status", "to_status"))
    assert updates == [("", ""), ("planned", "realised")]
    revision = selectors.revision_list(item_type=ItemType.ACTION_POINT, item_id=point.pk).first()
    assert revision is not None and revision.snapshot["status"] == "realised"


def test_another_organisation_cannot_report_progress() -> None:
    point = ActionPointFactory.create(owner_organisation=OrganisationFactory.create())
    with pytest.raises(PermissionDeniedError):
        services.action_point_progress(
            actor=actor_with_role(Role.PARTNER_ANALYST), point=point, text="Niet van ons"
        )


def test_amber_action_points_are_hidden_from_the_public() -> None:
    ActionPointFactory.create(marking="AMBER", title="Vertrouwelijk actiepunt")
    public = selectors.action_point_list(actor=actor_with_role(Role.ADMIN), year=2025)
    partner = selectors.action_point_list(actor=actor_with_role(Role.DESK_AGENT), year=2025)
    assert [point.title for point in public] == []
    assert [point.title for point in partner] == ["Vertrouwelijk actiepunt"]


# --- working groups ---------------------------------------------------------------------------


def test_only_members_write_notes_and_tasks() -> None:
    group = WorkingGroupFactory.create()
    member = actor_with_role(Role.POLICE_ANALYST)
    assert member.user is not None
    seat(group, member.user)
    outsider = actor_with_role(Role.PROGRAMME_TEAM)
    with pytest.raises(PermissionDeniedError):
        services.working_group_entry_create(actor=outsider, group=group, kind="notes", title="x")
    with pytest.raises(PermissionDeniedError):
        services.working_group_task_create(actor=outsider, group=group, title="x")
    task = services.working_group_task_create(
        actor=member, group=group, title="Factsheet opstellen", assignee=member.user
    )
    services.working_group_task_set_done(actor=member, task=task, done=True)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_at is not None


def test_a_task_goes_to_a_member() -> None:
    group = WorkingGroupFactory.create()
    member = actor_with_role(Role.PARTNER_ANALYST)
    assert member.user is not None
    seat(group, member.user)
    stranger = actor_with_role(Role.PARTNER_ANALYST)
    with pytest.raises(ValidationFailed):
        services.working_group_task_create(
            actor=member, group=group, title="x", assignee=stranger.user
        )


def test_the_programme_team_seats_partner_staff_only() -> None:
    team = actor_with_role(Role.PROGRAMME_TEAM)
    group = WorkingGroupFactory.create()
    analyst = actor_with_role(Role.PARTNER_ANALYST)
    services.working_group_add_member(actor=team, group=group, user=analyst.user)
    assert selectors.is_working_group_member(actor=analyst, group=group)
    admin = actor_with_role(Role.ADMIN)
    with pytest.raises(ValidationFailed):
        services.working_group_add_member(actor=team, group=group, user=admin.user)
    services.working_group_remove_member(actor=team, group=group, user=analyst.user)
    assert not selectors.is_working_group_member(actor=analyst, group=group)


# --- data-sharing bottlenecks -----------------------------------------------------------------


def _privacy_expert() -> Actor:
    experts = WorkingGroupFactory.create(privacy_experts=True)
    expert = actor_with_role(Role.PARTNER_ANALYST)
    seat(experts, expert.user)
    return expert


def _advance_with_findings(team: Actor, case: BottleneckCase) -> BottleneckCase:
    services.bottleneck_record_findings(actor=team, case=case, findings="Bevindingen.")
    return services.bottleneck_advance(actor=team, case=case)


def test_a_case_moves_through_the_fixed_stages_to_an_agreement() -> None:
    team = actor_with_role(Role.PROGRAMME_TEAM)
    case = services.bottleneck_open(
        actor=team, title="Verdachte apparaten", slug="suspicious-devices"
    )
    assert case.stage == BottleneckStage.PROBLEM_ANALYSIS
    document = LibraryDocumentFactory.create(title="TNO-verkenning")
    services.bottleneck_record_findings(
        actor=team, case=case, findings="Partners zien dezelfde apparaten.", documents=[document]
    )
    case = services.bottleneck_advance(actor=team, case=case)
    case = _advance_with_findings(team, case)
    assert case.stage == BottleneckStage.LEGAL_FRAMEWORK

    services.bottleneck_record_findings(actor=team, case=case, findings="AVG art. 6(1)(f).")
    with pytest.raises(ValidationFailed) as caught:
        services.bottleneck_advance(actor=team, case=case)
    assert caught.value.code == "privacy_opinion_required"
    services.privacy_opinion_add(actor=_privacy_expert(), case=case, text="Kan, met waarborgen.")
    case = services.bottleneck_advance(actor=team, case=case)
    case = _advance_with_findings(team, case)
    assert case.stage == BottleneckStage.PILOT

    services.bottleneck_record_findings(actor=team, case=case, findings="Pilot geslaagd.")
    with pytest.raises(ValidationFailed) as missing:
        services.bottleneck_advance(actor=team, case=case)
    assert missing.value.code == "agreement_required"
    agreement = make_agreement()
    case = services.bottleneck_advance(actor=team, case=case, agreement=agreement)
    assert case.stage == BottleneckStage.IMPLEMENTATION
    assert case.agreement == agreement
    stages = list(BottleneckStageRecord.objects.filter(case=case).values_list("stage", flat=True))
    assert stages == list(STAGE_ORDER)
    first = BottleneckStageRecord.objects.get(case=case, stage=BottleneckStage.PROBLEM_ANALYSIS)
    assert list(first.documents.all()) == [document]
    assert first.completed_at is not None
    with pytest.raises(ConflictError):
        _advance_with_findings(team, case)


def test_a_stage_is_left_only_with_findings() -> None:
    case = BottleneckCaseFactory.create()
    with pytest.raises(ValidationFailed) as caught:
        services.bottleneck_advance(actor=actor_with_role(Role.PROGRAMME_TEAM), case=case)
    assert caught.value.code == "findings_required"


def test_only_the_privacy_expert_group_attaches_opinions() -> None:
    case = BottleneckCaseFactory.create()
    with pytest.raises(PermissionDeniedError):
        services.privacy_opinion_add(
            actor=actor_with_role(Role.PROGRAMME_TEAM), case=case, text="Mening"
        )
    opinion = services.privacy_opinion_add(actor=_privacy_expert(), case=case, text="Advies")
    assert opinion.stage == BottleneckStage.PROBLEM_ANALYSIS


def test_bottleneck_cases_are_not_public() -> None:
    BottleneckCaseFactory.create(marking="CLEAR")
    assert list(selectors.bottleneck_list(actor=actor_with_role(Role.ADMIN))) == []
    assert len(selectors.bottleneck_list(actor=actor_with_role(Role.DESK_AGENT))) == 1


def test_action_point_model_default_order_is_by_theme() -> None:
    assert ActionPoint._meta.ordering == ["plan", "theme", "position", "id"]
