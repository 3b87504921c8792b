"""Editing the barrier model: the programme team edits, partners propose; every change a
version with who and when."""

from __future__ import annotations

from typing import Any

import pytest

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.knowledge import selectors, services
from ketenwacht.knowledge.constants import BarrierStatus, ItemType, ProposalStatus
from ketenwacht.knowledge.models import Barrier, Revision
from ketenwacht.knowledge.tests.factories import BarrierFactory, phase_of
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import actor_with_role

pytestmark = pytest.mark.django_db


def _new_barrier_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "phase": phase_of("bankhelpdesk", "preparation").pk,
        "title": "Extra controle bij aanvraag nieuwe simkaart",
        "description": "Telecomaanbieders controleren identiteit bij bulkaankoop.",
        "sectors": ["telecom"],
        "kind": "process",
        "status": "idea",
        "effectiveness": "",
        "evidence_links": ["https://example.org/onderzoek"],
        "marking": "AMBER",
    }
    data.update(overrides)
    return data


def test_seeded_items_start_at_version_one() -> None:
    barrier = Barrier.objects.get(title="Lagere betaallimieten")
    revisions = list(selectors.revision_list(item_type=ItemType.BARRIER, item_id=barrier.pk))
    assert [revision.number for revision in revisions] == [1]
    assert revisions[0].snapshot["title"] == "Lagere betaallimieten"
    assert revisions[0].snapshot["sectors"] == ["bank"]


def test_programme_team_edit_makes_a_new_version_with_who_and_when() -> None:
    team = actor_with_role(Role.PROGRAMME_TEAM)
    barrier = Barrier.objects.get(title="Lagere betaallimieten")
    updated = services.barrier_update(
        actor=team, barrier=barrier, data={"status": BarrierStatus.RETIRED, "marking": "GREEN"}
    )
    assert updated.version == 2
    newest = selectors.revision_list(item_type=ItemType.BARRIER, item_id=barrier.pk).first()
    assert newest is not None
    assert newest.number == 2
    assert newest.changed_fields == ["marking", "status"]
    assert newest.changed_by == team.user
    assert newest.changed_by_label == team.label
    assert newest.snapshot["status"] == "retired"
    assert AuditEvent.objects.filter(action="barrier.update", object_id=str(barrier.pk)).exists()


def test_an_edit_without_changes_makes_no_version() -> None:
    barrier = Barrier.objects.get(title="Lagere betaallimieten")
    services.barrier_update(
        actor=actor_with_role(Role.PROGRAMME_TEAM), barrier=barrier, data={"title": barrier.title}
    )
    assert Revision.objects.filter(item_type=ItemType.BARRIER, item_id=barrier.pk).count() == 1


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.DESK_AGENT])
def test_partners_cannot_edit_directly(role: str) -> None:
    barrier = Barrier.objects.get(title="Lagere betaallimieten")
    with pytest.raises(PermissionDeniedError):
        services.barrier_update(actor=actor_with_role(role), barrier=barrier, data={"title": "X"})


def test_a_partner_proposes_a_new_barrier_and_the_team_approves_it() -> None:
    partner = actor_with_role(Role.PARTNER_ANALYST)
    proposal = services.proposal_submit(
        actor=partner, item_type=ItemType.BARRIER, data=_new_barrier_data()
    )
    assert proposal.status == ProposalStatus.PROPOSED
    assert not Barrier.objects.filter(title=_new_barrier_data()["title"]).exists()

    team = actor_with_role(Role.PROGRAMME_TEAM)
    decided = services.proposal_decide(actor=team, proposal=proposal, approve=True, note="Goed")
    barrier = Barrier.objects.get(title=_new_barrier_data()["title"])
    assert decided.status == ProposalStatus.APPROVED
    assert decided.item_id == barrier.pk
    assert decided.decided_by == team.user
    revision = Revision.objects.get(item_type=ItemType.BARRIER, item_id=barrier.pk)
    assert revision.proposal == decided
    assert revision.changed_by == team.user


def test_a_proposed_change_applies_as_the_next_version() -> None:
    barrier = Barrier.objects.get(title="Blokkeren van gespoofte banknummers")
    proposal = services.proposal_submit(
        actor=actor_with_role(Role.PARTNER_ANALYST),
        item_type=ItemType.BARRIER,
        item_id=barrier.pk,
        data={"effectiveness": "Sinds de invoering daalt het aantal meldingen."},
        reason="Nieuwe cijfers",
    )
    assert proposal.base_version == 1
    services.proposal_decide(
        actor=actor_with_role(Role.PROGRAMME_TEAM), proposal=proposal, approve=True
    )
    barrier.refresh_from_db()
    assert barrier.version == 2
    assert barrier.effectiveness == "Sinds de invoering daalt het aantal meldingen."
    assert barrier.title == "Blokkeren van gespoofte banknummers"  # untouched fields stay


def test_a_rejected_proposal_changes_nothing() -> None:
    barrier = Barrier.objects.get(title="Blokkeren van gespoofte banknummers")
    proposal = services.proposal_submit(
        actor=actor_with_role(Role.PARTNER_ANALYST),
        item_type=ItemType.BARRIER,
        item_id=barrier.pk,
        data={"title": "Iets anders"},
    )
    services.proposal_decide(
        actor=actor_with_role(Role.PROGRAMME_TEAM), proposal=proposal, approve=False
    )
    barrier.refresh_from_db()
    assert barrier.title == "Blokkeren van gespoofte banknummers"
    assert barrier.version == 1


def test_a_proposal_on_an_outdated_version_is_a_conflict() -> None:
    barrier = Barrier.objects.get(title="Blokkeren van gespoofte banknummers")
    proposal = services.proposal_submit(
        actor=actor_with_role(Role.PARTNER_ANALYST),
        item_type=ItemType.BARRIER,
        item_id=barrier.pk,
        data={"title": "Voorstel A"},
    )
    team = actor_with_role(Role.PROGRAMME_TEAM)
    services.barrier_update(actor=team, barrier=barrier, data={"title": "Tussentijds"})
    with pytest.raises(ConflictError) as caught:
        services.proposal_decide(actor=team, proposal=proposal, approve=True)
    assert caught.value.code == "stale_version"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED


def test_nobody_decides_on_their_own_proposal() -> None:
    team = actor_with_role(Role.PROGRAMME_TEAM)
    proposal = services.proposal_submit(
        actor=team, item_type=ItemType.BARRIER, data=_new_barrier_data()
    )
    with pytest.raises(PermissionDeniedError) as caught:
        services.proposal_decide(actor=team, proposal=proposal, approve=True)
    assert caught.value.code == "four_eyes"


def test_a_decided_proposal_cannot_be_decided_again() -> None:
    proposal = services.proposal_submit(
        actor=actor_with_role(Role.PARTNER_ANALYST),
        item_type=ItemType.BARRIER,
        data=_new_barrier_data(),
    )
    team = actor_with_role(Role.PROGRAMME_TEAM)
    services.proposal_decide(actor=team, proposal=proposal, approve=False)
    with pytest.raises(ConflictError):
        services.proposal_decide(actor=team, proposal=proposal, approve=True)


def test_only_the_proposing_organisation_withdraws() -> None:
    partner = actor_with_role(Role.PARTNER_ANALYST)
    proposal = services.proposal_submit(
        actor=partner, item_type=ItemType.BARRIER, data=_new_barrier_data()
    )
    with pytest.raises(PermissionDeniedError):
        services.proposal_withdraw(actor=actor_with_role(Role.PARTNER_ANALYST), proposal=proposal)
    withdrawn = services.proposal_withdraw(actor=partner, proposal=proposal)
    assert withdrawn.status == ProposalStatus.WITHDRAWN


def test_proposals_are_visible_to_the_team_and_the_proposing_organisation_only() -> None:
    partner = actor_with_role(Role.PARTNER_ANALYST)
    proposal = services.proposal_submit(
        actor=partner, item_type=ItemType.BARRIER, data=_new_barrier_data()
    )
    assert list(selectors.proposal_list(actor=partner)) == [proposal]
    assert list(selectors.proposal_list(actor=actor_with_role(Role.PROGRAMME_TEAM))) == [proposal]
    assert list(selectors.proposal_list(actor=actor_with_role(Role.POLICE_ANALYST))) == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title", "  ", "required"),
        ("sectors", [], "required"),
        ("sectors", ["aliens"], "invalid_choice"),
        ("kind", "magic", "invalid_choice"),
        ("status", "done", "invalid_choice"),
        ("marking", "RED", "invalid_choice"),
        ("marking", "AMBER+STRICT", "invalid_choice"),
        ("evidence_links", ["javascript:alert(1)"], "invalid_link"),
        ("evidence_links", ["https://example.org/"] * 11, "too_many"),
        ("phase", 999999, "unknown_phase"),
    ],
)
def test_proposals_are_validated_like_edits(field: str, value: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.proposal_submit(
            actor=actor_with_role(Role.PARTNER_ANALYST),
            item_type=ItemType.BARRIER,
            data=_new_barrier_data(**{field: value}),
        )
    assert caught.value.code == code


def test_a_phase_change_is_proposed_approved_and_versioned() -> None:
    phase = phase_of("bankhelpdesk", "orientation")
    proposal = services.proposal_submit(
        actor=actor_with_role(Role.POLICE_ANALYST),
        item_type=ItemType.PHASE,
        item_id=phase.pk,
        data={"description_en": "The fraudster buys leaked customer data."},
    )
    services.proposal_decide(
        actor=actor_with_role(Role.PROGRAMME_TEAM), proposal=proposal, approve=True
    )
    phase.refresh_from_db()
    assert phase.description_en == "The fraudster buys leaked customer data."
    assert phase.version == 2
    numbers = selectors.revision_list(item_type=ItemType.PHASE, item_id=phase.pk).values_list(
        "number", flat=True
    )
    assert list(numbers) == [2, 1]


def test_programme_team_creates_a_barrier_directly_at_version_one() -> None:
    barrier = services.barrier_create(
        actor=actor_with_role(Role.PROGRAMME_TEAM), data=_new_barrier_data()
    )
    assert barrier.version == 1
    assert barrier.evidence_links == ["https://example.org/onderzoek"]
    assert Revision.objects.filter(item_type=ItemType.BARRIER, item_id=barrier.pk).count() == 1


def test_barrier_factory_items_are_editable() -> None:
    barrier = BarrierFactory.create()
    services.barrier_update(
        actor=actor_with_role(Role.PROGRAMME_TEAM), barrier=barrier, data={"status": "live"}
    )
    assert Barrier.objects.get(pk=barrier.pk).status == "live"
