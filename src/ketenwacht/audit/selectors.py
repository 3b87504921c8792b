"""Reading audit events, filtered by what the actor may see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from ketenwacht.audit.chain import ChainBreak, first_break
from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.services import event_content
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Scope


def audit_event_list(*, actor: Actor) -> QuerySet[AuditEvent]:
    """Programme team sees every event; an organisation (staff or token) sees its own."""
    events = AuditEvent.objects.select_related(
        "actor_user", "actor_organisation", "actor_token"
    ).order_by("-id")
    if actor.token is None and access.can(actor, "audit.view_all"):
        return events
    if actor.organisation is not None and (
        access.can(actor, "audit.view_own") or access.has_scope(actor, Scope.AUDIT_READ)
    ):
        return events.filter(actor_organisation=actor.organisation)
    return events.none()


def _chain_rows(batch_size: int = 5000) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        yield event.pk, event.prev_hash, event.hash, event_content(event)


def audit_chain_first_break() -> ChainBreak | None:
    return first_break(_chain_rows())
