"""E-mails about release requests, through the delivery outbox.

They carry no content of the object: only that a decision is awaited (or was reached) and a
link to the portal, where the reader's access is checked again. The object may be marked so
that it must not travel by e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils.translation import gettext as _

from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.services import delivery_enqueue
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.models import Organisation
from ketenwacht.release.models import ReleaseRequest


def _public_url(path: str) -> str:
    from django.conf import settings

    return str(settings.KETENWACHT["PUBLIC_BASE_URL"]).rstrip("/") + path


def has_valid_email(user: User) -> bool:
    """A malformed address on one account must not stop a round of consent."""
    try:
        validate_email(user.email)
    except ValidationError:
        return False
    return True


def deciders_of(organisation_ids: Iterable[int]) -> list[User]:
    """People who may decide for these organisations and have a valid e-mail address."""
    roles = access.PERMISSIONS["release.decide"]
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id__in=list(organisation_ids),
            memberships__organisation__is_active=True,
            memberships__role__in=list(roles),
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    return [user for user in users if has_valid_email(user)]


def _organisation_of(user: User) -> Organisation | None:
    membership = user.memberships.select_related("organisation").first()
    return membership.organisation if membership is not None else None


def notify_parties(*, actor: Actor, request: ReleaseRequest) -> int:
    """Ask every decider of every party organisation; returns the number of e-mails queued."""
    party_ids = request.parties.values_list("organisation_id", flat=True)
    link = _public_url(reverse("release:detail", args=[request.pk]))
    subject = _("Ketenwacht: your organisation's consent is requested (#%(id)s)") % {
        "id": request.pk
    }
    body = _(
        "A member of one of your sharing groups asks to release information beyond the group.\n"
        "Every member organisation must approve; one veto stops it.\n\n"
        "Decide before %(deadline)s: %(link)s\n"
    ) % {"deadline": request.deadline.isoformat(timespec="minutes"), "link": link}
    count = 0
    for user in deciders_of(party_ids):
        if user.pk == request.requested_by_id:
            continue
        delivery_enqueue(
            actor=actor,
            channel=Channel.EMAIL,
            event_type="release.requested",
            payload={"body": body, "release_request": request.pk},
            email_to=user.email,
            subject=subject,
            organisation=_organisation_of(user),
            idempotency_key=f"release-{request.pk}-ask-{user.pk}",
        )
        count += 1
    return count


def notify_requester(*, actor: Actor, request: ReleaseRequest) -> bool:
    """Tell the requester how the round ended."""
    requester = request.requested_by
    if requester is None or not has_valid_email(requester):
        return False
    link = _public_url(reverse("release:detail", args=[request.pk]))
    subject = _("Ketenwacht: release request #%(id)s is closed: %(status)s") % {
        "id": request.pk,
        "status": request.get_status_display(),
    }
    delivery_enqueue(
        actor=actor,
        channel=Channel.EMAIL,
        event_type=f"release.{request.status}",
        payload={"body": _("See the decisions: %(link)s\n") % {"link": link}},
        email_to=requester.email,
        subject=subject,
        organisation=request.requested_by_organisation,
        idempotency_key=f"release-{request.pk}-closed",
    )
    return True
