"""Reads of the partners kernel, filtered for the actor."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ketenwacht.errors import NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.models import ApiToken, DataSharingAgreement, Organisation, SharingGroup


def agreement_current(*, group: SharingGroup, at: datetime | None = None) -> DataSharingAgreement:
    """The version in force at ``at`` (default now); records are made under it."""
    moment = at or timezone.now()
    agreement = (
        DataSharingAgreement.objects.filter(group=group, valid_from__lte=moment)
        .exclude(valid_to__lte=moment)
        .order_by("-version")
        .first()
    )
    if agreement is None:
        raise NotFoundError(
            f"Geen geldige overeenkomst voor '{group}'. / No agreement in force for '{group}'.",
            code="no_agreement",
        )
    return agreement


def sharing_groups_for(*, actor: Actor) -> QuerySet[SharingGroup]:
    if access.can(actor, "organisation.manage_all") and actor.user is not None:
        return SharingGroup.objects.all()
    if actor.organisation is None:
        return SharingGroup.objects.none()
    return actor.organisation.sharing_groups.all()


def organisation_list(*, actor: Actor) -> QuerySet[Organisation]:
    if access.can(actor, "organisation.manage_all"):
        return Organisation.objects.all()
    if actor.organisation is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk=actor.organisation.pk)


def token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    if not access.can(actor, "tokens.manage") or actor.organisation is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(organisation=actor.organisation)
