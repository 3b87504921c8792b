"""Writes of release by consent.

A request opens with its parties fixed; each party decides once; the request closes as
released (every party approved), vetoed (one veto), expired (deadline) or cancelled (by the
requesting organisation, or by the owning app because the object changed under the request).
Closing locks the request row (``select_for_update``), writes a ``ReleaseTransition`` and an
audit row, and calls the handler in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.release import notifications, registry
from ketenwacht.release.constants import (
    DEFAULT_DEADLINE,
    MAX_DEADLINE,
    MAX_REASON_LENGTH,
    MIN_DEADLINE,
    Decision,
    Status,
)
from ketenwacht.release.models import (
    ReleaseDecision,
    ReleaseParty,
    ReleaseRequest,
    ReleaseTransition,
)


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationFailed(
            "Geef een reden. / Give a reason.", code="reason_required", field="reason"
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationFailed(
            f"De reden is te lang (max. {MAX_REASON_LENGTH} tekens). / The reason is too long "
            f"(at most {MAX_REASON_LENGTH} characters).",
            code="too_long",
            field="reason",
        )
    return reason


def _checked_deadline(deadline: datetime | None, now: datetime) -> datetime:
    if deadline is None:
        return now + DEFAULT_DEADLINE
    if not now + MIN_DEADLINE <= deadline <= now + MAX_DEADLINE:
        raise ValidationFailed(
            "De termijn moet tussen 1 uur en 30 dagen liggen. / The deadline must be between "
            "one hour and thirty days from now.",
            code="deadline_range",
            field="deadline",
        )
    return deadline


def release_target(request: ReleaseRequest) -> models.Model:
    """The object the request is about (it may have been deleted: then NotFound)."""
    model = request.target_type.model_class()
    if model is None:
        raise NotFoundError("Onbekend soort object. / Unknown kind of object.", code="not_found")
    try:
        return model._default_manager.get(pk=request.target_id)
    except ObjectDoesNotExist:
        raise NotFoundError("Object bestaat niet meer. / Object no longer exists.") from None


def release_request_open(
    *,
    actor: Actor,
    target: models.Model,
    action: str,
    reason: str,
    params: Mapping[str, Any] | None = None,
    deadline: datetime | None = None,
) -> ReleaseRequest:
    """Ask every party of ``target`` to consent to ``action``; parties are e-mailed."""
    handler = registry.handler_for(registry.label_of(target))
    if action not in handler.actions:
        raise ValidationFailed(
            f"Onbekende handeling '{action}'. / Unknown action '{action}'.",
            code="unknown_action",
            field="action",
        )
    if actor.organisation is None:
        raise PermissionDeniedError(
            "Alleen namens een organisatie. / Only on behalf of an organisation."
        )
    reason = _clean_reason(reason, required=True)
    now = timezone.now()
    deadline = _checked_deadline(deadline, now)
    stored_params = handler.check_request(
        actor=actor, target=target, action=action, params=dict(params or {})
    )
    parties = sorted(
        {org.pk: org for org in handler.parties(target) if org.is_active}.values(),
        key=lambda org: org.pk,
    )
    if not parties:
        raise ValidationFailed(
            "Er is niemand om toestemming aan te vragen. / There is nobody to ask for consent.",
            code="no_parties",
        )
    try:
        with transaction.atomic():
            request = ReleaseRequest.objects.create(
                target_type=ContentType.objects.get_for_model(target),
                target_id=str(target.pk),
                action=action,
                params=stored_params,
                summary=handler.describe(target, action, stored_params)[:300],
                reason=reason,
                requested_by=actor.user,
                requested_by_organisation=actor.organisation,
                deadline=deadline,
                created_at=now,
            )
            ReleaseParty.objects.bulk_create(
                [ReleaseParty(request=request, organisation=org) for org in parties]
            )
            _transition(request, from_status="", to_status=Status.OPEN, actor=actor, note="")
            audit_record(
                actor=actor,
                action="release.request",
                object_type="release_request",
                object_id=request.pk,
                details={
                    "target": request.target_label,
                    "target_id": request.target_id,
                    "action": action,
                    "params": stored_params,
                    "parties": [org.pk for org in parties],
                    "deadline": deadline.isoformat(),
                },
            )
            notifications.notify_parties(actor=actor, request=request)
    except IntegrityError:
        raise ConflictError(
            "Hiervoor loopt al een verzoek. / A request for this is already open.",
            code="release_already_open",
        ) from None
    return request


def _transition(
    request: ReleaseRequest, *, from_status: str, to_status: str, actor: Actor, note: str
) -> ReleaseTransition:
    return ReleaseTransition.objects.create(
        request=request,
        from_status=from_status,
        to_status=to_status,
        actor_label=actor.label,
        note=note[:300],
    )


def _lock(request: ReleaseRequest) -> ReleaseRequest:
    return (
        ReleaseRequest.objects.select_for_update().select_related("target_type").get(pk=request.pk)
    )


def _close(locked: ReleaseRequest, status: str, *, actor: Actor, note: str = "") -> None:
    """Close an open request (already locked) and let the handler apply the outcome."""
    previous = locked.status
    locked.status = status
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    _transition(locked, from_status=previous, to_status=status, actor=actor, note=note)
    audit_record(
        actor=actor,
        action=f"release.{status}",
        object_type="release_request",
        object_id=locked.pk,
        details={"target": locked.target_label, "target_id": locked.target_id, "note": note},
    )
    handler = registry.handler_for(locked.target_label)
    try:
        target = release_target(locked)
    except NotFoundError:
        target = None
    if target is not None:
        if status == Status.RELEASED:
            handler.on_released(request=locked, target=target)
        else:
            handler.on_refused(request=locked, target=target)
    notifications.notify_requester(actor=actor, request=locked)


def _require_open(locked: ReleaseRequest) -> None:
    if locked.status != Status.OPEN:
        raise ConflictError(
            "Dit verzoek is al afgesloten. / This request is already closed.",
            code="release_closed",
        )


def release_decide(
    *, actor: Actor, request: ReleaseRequest, decision: str, reason: str = ""
) -> ReleaseRequest:
    """Record the actor's organisation's approval or veto, and close the request if decided.

    A veto needs a reason. After the deadline nothing can be decided any more: the request
    expires (committed) and the call fails.
    """
    if decision not in Decision.values:
        raise ValidationFailed(
            "Kies goedkeuren of veto. / Choose approve or veto.",
            code="invalid_decision",
            field="decision",
        )
    reason = _clean_reason(reason, required=decision == Decision.VETO)
    expired = False
    with transaction.atomic():
        locked = _lock(request)
        _require_open(locked)
        party_ids = frozenset(locked.parties.values_list("organisation_id", flat=True))
        if not access.may_decide_release(
            actor, party_organisation_ids=party_ids, requested_by_id=locked.requested_by_id
        ):
            raise PermissionDeniedError(
                "U kunt niet over dit verzoek beslissen. / You cannot decide on this request.",
                code="not_a_party",
            )
        assert actor.organisation is not None  # may_decide_release checked it
        if locked.deadline <= timezone.now():
            _close(locked, Status.EXPIRED, actor=SYSTEM, note="deadline passed")
            expired = True
        else:
            _record_decision(locked, actor=actor, decision=decision, reason=reason)
            _close_if_decided(locked, actor=actor, party_ids=party_ids)
    if expired:
        raise ConflictError(
            "De termijn is verstreken; er is niets vrijgegeven. / The deadline has passed; "
            "nothing was released.",
            code="release_expired",
        )
    return locked


def _record_decision(
    locked: ReleaseRequest, *, actor: Actor, decision: str, reason: str
) -> ReleaseDecision:
    assert actor.organisation is not None
    if locked.decisions.filter(organisation=actor.organisation).exists():
        raise ConflictError(
            "Uw organisatie heeft al beslist. / Your organisation has already decided.",
            code="already_decided",
        )
    made = ReleaseDecision.objects.create(
        request=locked,
        organisation=actor.organisation,
        decision=decision,
        reason=reason,
        decided_by=actor.user,
    )
    audit_record(
        actor=actor,
        action=f"release.{decision}",
        object_type="release_request",
        object_id=locked.pk,
        details={"organisation": actor.organisation.pk, "reason": reason},
    )
    return made


def _close_if_decided(locked: ReleaseRequest, *, actor: Actor, party_ids: frozenset[int]) -> None:
    decisions = dict(locked.decisions.values_list("organisation_id", "decision"))
    if Decision.VETO in decisions.values():
        _close(locked, Status.VETOED, actor=actor, note="veto")
    elif party_ids <= {org for org, made in decisions.items() if made == Decision.APPROVE}:
        _close(locked, Status.RELEASED, actor=actor, note="every party approved")


def release_cancel(*, actor: Actor, request: ReleaseRequest, reason: str) -> ReleaseRequest:
    """The requesting organisation withdraws its request."""
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = _lock(request)
        _require_open(locked)
        own = actor.organisation is not None and (
            locked.requested_by_organisation_id == actor.organisation.pk
        )
        if not (actor.is_system or (own and access.can(actor, "release.decide"))):
            raise PermissionDeniedError(
                "Alleen de aanvrager kan intrekken. / Only the requester can cancel.",
                code="not_requester",
            )
        _close(locked, Status.CANCELLED, actor=actor, note=reason)
    return locked


def release_cancel_open_for(*, target: models.Model, reason: str) -> int:
    """Cancel every open request about ``target`` (its owner changed or withdrew it).

    Consent was given for what the parties saw; once it changes, a new round is needed.
    """
    open_requests = ReleaseRequest.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        status=Status.OPEN,
    )
    count = 0
    with transaction.atomic():
        for request in open_requests:
            locked = _lock(request)
            if locked.status == Status.OPEN:
                _close(locked, Status.CANCELLED, actor=SYSTEM, note=reason)
                count += 1
    return count


def release_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Close open requests whose deadline has passed: nothing is released. Idempotent."""
    moment = now or timezone.now()
    due = list(
        ReleaseRequest.objects.filter(status=Status.OPEN, deadline__lte=moment)
        .order_by("deadline")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            locked = ReleaseRequest.objects.select_for_update().get(pk=pk)
            if locked.status == Status.OPEN and locked.deadline <= moment:
                _close(locked, Status.EXPIRED, actor=SYSTEM, note="deadline passed")
                expired += 1
    return expired


def deadline_in(days: int) -> datetime:
    """A deadline ``days`` from now (forms offer whole days)."""
    return timezone.now() + timedelta(days=days)
