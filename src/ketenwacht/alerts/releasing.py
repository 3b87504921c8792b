"""How alerts take part in release by consent (``ketenwacht.release``).

Parties: every active member organisation of the alert's sharing group. Actions: publish as a
public warning (the alert becomes TLP:CLEAR and appears on the public page and Atom feed) or
lower the marking. TLP:RED cannot be released: its readers are named people, and the other
members, who would have to consent, cannot read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.urls import reverse

from ketenwacht.alerts.constants import ReleaseAction
from ketenwacht.alerts.models import Alert
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.models import Organisation
from ketenwacht.release.models import ReleaseRequest
from ketenwacht.release.registry import ReleaseHandler


class AlertReleaseHandler(ReleaseHandler):
    actions = dict(ReleaseAction.choices)

    def parties(self, target: Alert) -> Iterable[Organisation]:
        return target.group.members.filter(is_active=True).order_by("pk")

    def describe(self, target: Alert, action: str, params: Mapping[str, Any]) -> str:
        if action == ReleaseAction.PUBLISH:
            return f"Publish alert '{target.title}' as a public warning (TLP:CLEAR)"
        return f"Lower the marking of alert '{target.title}' to TLP:{params.get('marking')}"

    def check_request(
        self, *, actor: Actor, target: Alert, action: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        facts = target.facts()
        if not access.may_write_alert(actor, facts) or actor.user is None:
            raise PermissionDeniedError(
                "Alleen een persoon van de opstellende organisatie kan dit vragen. / Only a "
                "person of the author organisation can ask this.",
                code="not_author",
            )
        if not target.is_shared:
            raise ConflictError(
                "Alleen een gedeelde melding kan worden vrijgegeven. / Only a shared alert can "
                "be released.",
                code="not_shared",
            )
        if target.marking == Marking.RED:
            raise ValidationFailed(
                "TLP:RED kan niet worden vrijgegeven. / TLP:RED cannot be released.",
                code="red_not_releasable",
            )
        stored: dict[str, Any] = {"version": target.version}
        if action == ReleaseAction.PUBLISH:
            if target.is_public:
                raise ConflictError(
                    "Deze melding is al openbaar. / This alert is already public.",
                    code="already_public",
                )
        else:
            marking = params.get("marking")
            if marking not in Marking.values or not access.marking_is_downgrade(
                target.marking, str(marking)
            ):
                raise ValidationFailed(
                    "Kies een lagere markering dan de huidige. / Choose a marking below the "
                    "current one.",
                    code="not_a_downgrade",
                    field="marking",
                )
            stored["marking"] = marking
        stored["from_marking"] = target.marking
        return stored

    def may_view(self, actor: Actor, target: Alert) -> bool:
        return access.may_read_alert(actor, target.facts())

    def target_url(self, target: Alert) -> str:
        return reverse("alerts:detail", args=[target.uuid])

    def on_released(self, *, request: ReleaseRequest, target: Alert) -> None:
        from ketenwacht.alerts.services import alert_apply_release

        alert_apply_release(request=request, alert=target)
