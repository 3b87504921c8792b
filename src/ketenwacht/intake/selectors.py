"""Reads of the intake: a victim's intake by link, the desk inbox, the desk directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from ketenwacht.errors import NotFoundError
from ketenwacht.intake import security
from ketenwacht.intake.constants import INBOX_PAGE_SIZE, ReferralStatus
from ketenwacht.intake.models import Desk, Intake, Referral, ReferralEvent
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor


def intake_by_link(reference: str, secret: str) -> Intake:
    """The intake whose reference and link secret match (secret compared in constant time).

    Any mismatch is the same ``NotFoundError``: a guess learns nothing about which part was
    wrong.
    """
    intake = (
        Intake.objects.select_related("questionnaire")
        .filter(reference=security.normalise_reference(reference) or "-")
        .first()
    )
    stored = intake.secret_hash if intake is not None else security.secret_hash("-")
    if not security.secret_matches(secret, stored) or intake is None:
        raise NotFoundError("Onbekende melding. / Unknown report.", code="not_found")
    return intake


def intake_referrals(intake: Intake) -> list[Referral]:
    """The intake's referrals with their history, for the status page (two queries)."""
    return list(
        Referral.objects.filter(intake=intake)
        .select_related("desk")
        .prefetch_related("history")
        .order_by("created_at", "desk__sort_order")
    )


def desks_for_plan() -> QuerySet[Desk]:
    return Desk.objects.filter(is_active=True).select_related("webhook_endpoint")


def banks() -> QuerySet[Desk]:
    return Desk.objects.filter(is_active=True, kind="bank").order_by("sort_order", "name")


def desk_by_slug(slug: str) -> Desk | None:
    return Desk.objects.filter(slug=slug).first()


# ------------------------------------------------------------------------------ desk inbox


def inbox_referrals(actor: Actor, *, status: str = "") -> QuerySet[Referral]:
    """Referrals addressed to the actor's organisation, newest first; nobody else's."""
    access.require(actor, "intake.desk_inbox")
    if actor.organisation is None:
        return Referral.objects.none()
    referrals = Referral.objects.filter(organisation=actor.organisation)
    if status in ReferralStatus.values:
        referrals = referrals.filter(status=status)
    return referrals.select_related("desk").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class InboxPage:
    page: Page[Referral]
    status: str
    counts: dict[str, int]


def inbox_page(actor: Actor, *, status: str = "", page: Any = 1) -> InboxPage:
    """One page of the inbox: a count and the page's rows, whatever the inbox's size."""
    referrals = inbox_referrals(actor, status=status)
    paginator = Paginator(referrals, INBOX_PAGE_SIZE)
    return InboxPage(page=paginator.get_page(page), status=status, counts={})


def inbox_referral(actor: Actor, referral_id: UUID) -> Referral:
    """One referral of the actor's organisation, with its history; anyone else's is 404."""
    referral = (
        inbox_referrals(actor)
        .select_related("intake__questionnaire", "desk")
        .prefetch_related("history__actor_user")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise NotFoundError("Onbekende doorverwijzing. / Unknown referral.", code="not_found")
    return referral


def referral_history(referral: Referral) -> list[ReferralEvent]:
    return list(referral.history.all())
