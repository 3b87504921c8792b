"""How factsheets take part in release by consent (``ketenwacht.release``).

Parties: every active partner organisation — a factsheet speaks for the whole chain, so each
partner consents (one veto stops it). Only the programme team asks; the object the parties
judge is the frozen content of the draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import reverse

from ketenwacht.errors import ConflictError, PermissionDeniedError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.models import Organisation
from ketenwacht.release.models import ReleaseRequest
from ketenwacht.release.registry import ReleaseHandler
from ketenwacht.stats.constants import FactsheetStatus, ReleaseAction
from ketenwacht.stats.models import Factsheet


class FactsheetReleaseHandler(ReleaseHandler):
    actions = dict(ReleaseAction.choices)

    def parties(self, target: Factsheet) -> Iterable[Organisation]:
        return Organisation.objects.filter(is_active=True).order_by("pk")

    def describe(self, target: Factsheet, action: str, params: Mapping[str, Any]) -> str:
        return f"Publish factsheet '{target.title}'"

    def check_request(
        self, *, actor: Actor, target: Factsheet, action: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        if actor.user is None or not access.can(actor, "stats.manage"):
            raise PermissionDeniedError(
                "Alleen het programmateam vraagt publicatie aan. / Only the programme team asks "
                "for publication.",
                code="forbidden",
            )
        if target.status != FactsheetStatus.DRAFT:
            raise ConflictError(
                "Alleen een concept kan ter instemming worden voorgelegd. / Only a draft can be "
                "put to the partners.",
                code="not_a_draft",
            )
        from ketenwacht.stats.services import overlapping

        if overlapping(target.period_start, target.period_end, target.fraud_form, exclude=target):
            raise ConflictError(
                "Een andere factsheet over een overlappende periode is al openbaar of ter "
                "instemming. / Another factsheet over an overlapping period is already public "
                "or awaiting consent.",
                code="overlapping_period",
            )
        return {"result_digest": target.result_digest, "computed_at": str(target.computed_at)}

    def may_view(self, actor: Actor, target: Factsheet) -> bool:
        return access.can(actor, "stats.view") and actor.user is not None

    def target_url(self, target: Factsheet) -> str:
        return reverse("stats:factsheet", args=[target.pk])

    def on_released(self, *, request: ReleaseRequest, target: Factsheet) -> None:
        from ketenwacht.stats.services import factsheet_apply_release

        factsheet_apply_release(request=request, factsheet=target)

    def on_refused(self, *, request: ReleaseRequest, target: Factsheet) -> None:
        from ketenwacht.stats.services import factsheet_back_to_draft

        factsheet_back_to_draft(request=request, factsheet=target)
