"""Reads of release by consent, filtered for the actor.

A request is visible to the people of its party organisations and of the requesting
organisation who may decide on releases. The object itself stays behind its own rules: the
handler's ``may_view`` says whether the actor may open it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.release import registry
from ketenwacht.release.constants import Status
from ketenwacht.release.models import ReleaseDecision, ReleaseParty, ReleaseRequest


def release_request_list(*, actor: Actor, status: str = "") -> QuerySet[ReleaseRequest]:
    """Open requests first (soonest deadline first), then the closed ones, newest first."""
    requests = ReleaseRequest.objects.select_related(
        "target_type", "requested_by_organisation"
    ).annotate(
        is_open_sort=models.Case(
            models.When(status=Status.OPEN, then=models.Value(0)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
    )
    if not actor.is_system:
        if actor.organisation is None or not access.can(actor, "release.decide"):
            return ReleaseRequest.objects.none()
        org = actor.organisation.pk
        is_party = ReleaseParty.objects.filter(request=OuterRef("pk"), organisation_id=org)
        requests = requests.filter(Exists(is_party) | Q(requested_by_organisation_id=org))
    if status in Status.values:
        requests = requests.filter(status=status)
    return requests.order_by("is_open_sort", "deadline", "-created_at", "-id")


def release_inbox(*, actor: Actor) -> QuerySet[ReleaseRequest]:
    """Open requests on which the actor's organisation has not decided yet."""
    if actor.organisation is None:
        return ReleaseRequest.objects.none()
    decided = ReleaseDecision.objects.filter(
        request=OuterRef("pk"), organisation_id=actor.organisation.pk
    )
    return (
        release_request_list(actor=actor, status=Status.OPEN)
        .filter(parties__organisation_id=actor.organisation.pk)
        .exclude(Exists(decided))
    )


def release_request_get(*, actor: Actor, pk: int) -> ReleaseRequest:
    request = release_request_list(actor=actor).filter(pk=pk).first()
    if request is None:
        raise NotFoundError("Verzoek niet gevonden. / Request not found.")
    return request


@dataclass(frozen=True)
class PartyState:
    organisation_id: int
    organisation_name: str
    decision: str
    reason: str
    decided_at: str


def release_party_states(*, request: ReleaseRequest) -> list[PartyState]:
    """Each party and its decision so far ('' while it has not decided)."""
    decisions = {d.organisation_id: d for d in request.decisions.all()}
    states = []
    for party in request.parties.select_related("organisation").order_by("organisation__name"):
        made = decisions.get(party.organisation_id)
        states.append(
            PartyState(
                organisation_id=party.organisation_id,
                organisation_name=party.organisation.name,
                decision=made.decision if made else "",
                reason=made.reason if made else "",
                decided_at=made.decided_at.isoformat(timespec="minutes") if made else "",
            )
        )
    return states


def release_may_decide(*, actor: Actor, request: ReleaseRequest) -> bool:
    if not request.is_open:
        return False
    party_ids = frozenset(request.parties.values_list("organisation_id", flat=True))
    if not access.may_decide_release(
        actor, party_organisation_ids=party_ids, requested_by_id=request.requested_by_id
    ):
        return False
    assert actor.organisation is not None
    return not request.decisions.filter(organisation_id=actor.organisation.pk).exists()


def release_requests_for(*, target: models.Model) -> QuerySet[ReleaseRequest]:
    """Every round of consent about one object (the caller has checked it may see it)."""
    return ReleaseRequest.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).order_by("-created_at", "-id")


def release_handler_url(*, actor: Actor, request: ReleaseRequest) -> str:
    """A link to the object, if the actor may open it."""
    handler = registry.handler_for(request.target_label)
    from ketenwacht.release.services import release_target

    try:
        target = release_target(request)
    except NotFoundError:
        return ""
    return handler.target_url(target) if handler.may_view(actor, target) else ""
