"""Release by consent: every party approves → released; one veto or the deadline → not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery.models import Delivery
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.partners.access import SYSTEM, Actor, actor_for_user
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user
from ketenwacht.release import selectors, services
from ketenwacht.release.constants import Decision, Status
from ketenwacht.release.models import ReleaseRequest
from ketenwacht.release.tests.factories import (
    Circle,
    RecordingHandler,
    colleague_of,
    make_circle,
    user_of,
)

pytestmark = pytest.mark.django_db


def _open(circle: Circle, requester: Actor | None = None, **kwargs: Any) -> ReleaseRequest:
    requester = requester or colleague_of(circle.deciders[0])
    return services.release_request_open(
        actor=requester,
        target=circle.group,
        action="publish",
        reason="Warn the public about this new method",
        **kwargs,
    )


def _statuses(request: ReleaseRequest) -> list[tuple[str, str]]:
    return list(request.history.values_list("from_status", "to_status"))


def test_every_party_approves_releases(handler: RecordingHandler) -> None:
    circle = make_circle(3)
    request = _open(circle)
    assert set(request.parties.values_list("organisation_id", flat=True)) == {
        org.pk for org in circle.organisations
    }
    for decider in circle.deciders[:2]:
        services.release_decide(actor=decider, request=request, decision=Decision.APPROVE)
        request.refresh_from_db()
        assert request.status == Status.OPEN
        assert handler.released == []
    services.release_decide(actor=circle.deciders[2], request=request, decision=Decision.APPROVE)
    request.refresh_from_db()
    assert request.status == Status.RELEASED
    assert request.closed_at is not None
    assert handler.released == [request.pk]
    assert handler.refused == []
    assert _statuses(request) == [("", Status.OPEN), (Status.OPEN, Status.RELEASED)]
    actions = list(
        AuditEvent.objects.filter(object_type="release_request", object_id=str(request.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "release.request",
        "release.approve",
        "release.approve",
        "release.approve",
        "release.released",
    ]


def test_one_veto_stops_the_release(handler: RecordingHandler) -> None:
    circle = make_circle(3)
    request = _open(circle)
    services.release_decide(actor=circle.deciders[0], request=request, decision=Decision.APPROVE)
    services.release_decide(
        actor=circle.deciders[1],
        request=request,
        decision=Decision.VETO,
        reason="Our investigation is still running",
    )
    request.refresh_from_db()
    assert request.status == Status.VETOED
    assert handler.released == []
    assert handler.refused == [(request.pk, Status.VETOED)]
    # Closed means closed: the last party can no longer approve it into release.
    with pytest.raises(ConflictError) as caught:
        services.release_decide(
            actor=circle.deciders[2], request=request, decision=Decision.APPROVE
        )
    assert caught.value.code == "release_closed"
    assert handler.released == []
    veto = request.decisions.get(decision=Decision.VETO)
    assert veto.reason == "Our investigation is still running"
    assert AuditEvent.objects.filter(action="release.veto", object_id=str(request.pk)).exists()


def test_a_veto_needs_a_reason(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle)
    with pytest.raises(ValidationFailed) as caught:
        services.release_decide(
            actor=circle.deciders[0], request=request, decision=Decision.VETO, reason="  "
        )
    assert caught.value.code == "reason_required"
    assert not request.decisions.exists()


def test_deadline_passed_means_not_released(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = _open(circle, deadline=start + timedelta(days=2))
        services.release_decide(
            actor=circle.deciders[0], request=request, decision=Decision.APPROVE
        )
    late = start + timedelta(days=2, seconds=1)
    with time_machine.travel(late, tick=False), pytest.raises(ConflictError) as caught:
        services.release_decide(
            actor=circle.deciders[1], request=request, decision=Decision.APPROVE
        )
    assert caught.value.code == "release_expired"
    request.refresh_from_db()
    # The late approval was not recorded, and the expiry was committed despite the error.
    assert request.status == Status.EXPIRED
    assert request.decisions.count() == 1
    assert handler.released == []
    assert handler.refused == [(request.pk, Status.EXPIRED)]


def test_expire_due_closes_only_overdue_requests(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        soon = _open(circle, deadline=start + timedelta(hours=2))
        other_circle = make_circle(2)
        later = _open(other_circle, deadline=start + timedelta(days=5))
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert services.release_expire_due() == 0
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert services.release_expire_due() == 1
        assert services.release_expire_due() == 0  # idempotent
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == Status.EXPIRED
    assert later.status == Status.OPEN
    assert handler.refused == [(soon.pk, Status.EXPIRED)]
    assert _statuses(soon)[-1] == (Status.OPEN, Status.EXPIRED)
    assert AuditEvent.objects.filter(action="release.expired", object_id=str(soon.pk)).exists()


def test_management_command_expires(
    handler: RecordingHandler, capsys: pytest.CaptureFixture[str]
) -> None:
    circle = make_circle(2)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = _open(circle, deadline=start + timedelta(hours=1, minutes=1))
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        call_command("release_expire")
    request.refresh_from_db()
    assert request.status == Status.EXPIRED
    assert "1 release request(s) expired." in capsys.readouterr().out


def test_beat_task_expires(handler: RecordingHandler) -> None:
    from ketenwacht.release.tasks import expire_due

    circle = make_circle(2)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = _open(circle, deadline=start + timedelta(hours=1, minutes=1))
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert expire_due.delay().get() == 1
    request.refresh_from_db()
    assert request.status == Status.EXPIRED


def test_requester_cannot_approve_own_request_but_a_colleague_can(
    handler: RecordingHandler,
) -> None:
    circle = make_circle(1)
    requester = circle.deciders[0]
    request = _open(circle, requester=requester)
    with pytest.raises(PermissionDeniedError):
        services.release_decide(actor=requester, request=request, decision=Decision.APPROVE)
    services.release_decide(
        actor=colleague_of(requester), request=request, decision=Decision.APPROVE
    )
    request.refresh_from_db()
    assert request.status == Status.RELEASED


@pytest.mark.parametrize("role", [Role.DESK_AGENT, Role.ADMIN])
def test_roles_without_release_rights_cannot_decide(handler: RecordingHandler, role: str) -> None:
    circle = make_circle(2)
    request = _open(circle)
    outsider_role = actor_for_user(make_user(role, circle.organisations[1]))
    with pytest.raises(PermissionDeniedError):
        services.release_decide(actor=outsider_role, request=request, decision=Decision.APPROVE)


def test_non_party_cannot_decide_or_see(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle)
    stranger = actor_for_user(make_user(Role.PARTNER_ANALYST, OrganisationFactory.create()))
    with pytest.raises(PermissionDeniedError):
        services.release_decide(actor=stranger, request=request, decision=Decision.APPROVE)
    assert not selectors.release_request_list(actor=stranger).exists()
    assert selectors.release_request_list(actor=circle.deciders[1]).get() == request


def test_an_organisation_decides_once(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle)
    services.release_decide(actor=circle.deciders[1], request=request, decision=Decision.APPROVE)
    with pytest.raises(ConflictError) as caught:
        services.release_decide(
            actor=colleague_of(circle.deciders[1]),
            request=request,
            decision=Decision.VETO,
            reason="changed our mind",
        )
    assert caught.value.code == "already_decided"


def test_one_open_request_per_object_and_action(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    first = _open(circle)
    with pytest.raises(ConflictError) as caught:
        _open(circle)
    assert caught.value.code == "release_already_open"
    services.release_decide(
        actor=circle.deciders[1], request=first, decision=Decision.VETO, reason="no"
    )
    second = _open(circle)
    assert second.pk != first.pk


def test_parties_are_fixed_when_the_request_opens(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle)
    latecomer = OrganisationFactory.create()
    circle.group.members.add(latecomer)
    for decider in circle.deciders:
        services.release_decide(actor=decider, request=request, decision=Decision.APPROVE)
    request.refresh_from_db()
    assert request.status == Status.RELEASED
    assert not request.parties.filter(organisation=latecomer).exists()


def test_inactive_organisations_are_not_asked(handler: RecordingHandler) -> None:
    circle = make_circle(3)
    circle.organisations[2].is_active = False
    circle.organisations[2].save()
    request = _open(circle)
    assert request.parties.count() == 2


def test_parties_are_emailed_without_content(handler: RecordingHandler) -> None:
    circle = make_circle(3)
    requester = colleague_of(circle.deciders[0])
    request = _open(circle, requester=requester)
    mails = Delivery.objects.filter(event_type="release.requested")
    recipients = set(mails.values_list("email_to", flat=True))
    assert recipients == {user_of(d).email for d in circle.deciders}
    assert user_of(requester).email not in recipients
    first_mail = mails.first()
    assert first_mail is not None
    body = first_mail.payload["body"]
    assert f"/portal/release/{request.pk}/" in body
    assert circle.group.name not in body  # only a link; the portal checks access again


def test_a_malformed_address_does_not_stop_the_round(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    broken = user_of(circle.deciders[1])
    broken.email = "not an address"
    broken.save()
    request = _open(circle)
    assert request.is_open
    recipients = set(
        Delivery.objects.filter(event_type="release.requested").values_list("email_to", flat=True)
    )
    assert recipients == {user_of(circle.deciders[0]).email}


def test_requester_hears_the_outcome(handler: RecordingHandler) -> None:
    circle = make_circle(1)
    requester = colleague_of(circle.deciders[0])
    request = _open(circle, requester=requester)
    services.release_decide(actor=circle.deciders[0], request=request, decision=Decision.APPROVE)
    closed = Delivery.objects.get(event_type="release.released")
    assert closed.email_to == user_of(requester).email


def test_cancel_by_requesting_organisation_only(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle, requester=circle.deciders[0])
    with pytest.raises(PermissionDeniedError):
        services.release_cancel(actor=circle.deciders[1], request=request, reason="not ours")
    services.release_cancel(
        actor=colleague_of(circle.deciders[0]), request=request, reason="facts changed"
    )
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert handler.refused == [(request.pk, Status.CANCELLED)]


def test_cancel_open_for_target(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle)
    assert services.release_cancel_open_for(target=circle.group, reason="edited") == 1
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert list(request.history.values_list("note", flat=True))[-1] == "edited"


def test_deadline_bounds(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    with pytest.raises(ValidationFailed) as caught:
        _open(circle, deadline=timezone.now() + timedelta(minutes=5))
    assert caught.value.code == "deadline_range"
    with pytest.raises(ValidationFailed):
        _open(circle, deadline=timezone.now() + timedelta(days=31))


def test_unknown_action_and_unregistered_model_are_refused(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    with pytest.raises(ValidationFailed) as caught:
        services.release_request_open(
            actor=circle.deciders[0], target=circle.group, action="delete", reason="x"
        )
    assert caught.value.code == "unknown_action"
    with pytest.raises(ValidationFailed) as caught:
        services.release_request_open(
            actor=circle.deciders[0], target=circle.organisations[0], action="publish", reason="x"
        )
    assert caught.value.code == "not_releasable"


def test_inbox_lists_only_undecided_open_requests(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _open(circle)
    decider = circle.deciders[1]
    assert list(selectors.release_inbox(actor=decider)) == [request]
    services.release_decide(actor=decider, request=request, decision=Decision.APPROVE)
    assert list(selectors.release_inbox(actor=decider)) == []
    assert selectors.release_request_list(actor=SYSTEM).count() == 1
