"""Which kinds of object can be released, and what releasing them means.

The kernel knows nothing about alerts or factsheets. An app that wants release by consent
subclasses ``ReleaseHandler`` and registers it for its model in its ``AppConfig.ready()``:

    registry.register(Alert, AlertReleaseHandler())

The handler says who must consent (``parties``), checks a request before it opens
(``check_request``), says who may look at the object while deciding (``may_view``), and applies
the outcome (``on_released`` / ``on_refused``), inside the transaction that closes the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.functional import Promise

from ketenwacht.errors import ValidationFailed

if TYPE_CHECKING:
    from ketenwacht.partners.access import Actor
    from ketenwacht.partners.models import Organisation
    from ketenwacht.release.models import ReleaseRequest


class ReleaseHandler:
    """Override what your kind of object needs; the defaults refuse nothing and do nothing."""

    # action code -> human label, e.g. {"publish": _("Publish as a public warning")}
    actions: Mapping[str, str | Promise] = {}

    def parties(self, target: Any) -> Iterable[Organisation]:
        """Every organisation whose consent is needed (fixed when the request opens)."""
        raise NotImplementedError

    def describe(self, target: Any, action: str, params: Mapping[str, Any]) -> str:
        """What is asked, in words any party may read (no marked content)."""
        return f"{self.actions.get(action, action)}: {target}"

    def check_request(
        self, *, actor: Actor, target: Any, action: str, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Raise a ``DomainError`` if the actor may not ask this; return the params to store."""
        return dict(params)

    def may_view(self, actor: Actor, target: Any) -> bool:
        """Whether the actor may see the object itself (the request is visible to parties)."""
        return False

    def target_url(self, target: Any) -> str:
        return ""

    def on_released(self, *, request: ReleaseRequest, target: Any) -> None:
        """Every party approved: apply the outcome. Runs in the closing transaction."""

    def on_refused(self, *, request: ReleaseRequest, target: Any) -> None:
        """A veto, the deadline or a cancellation: nothing is released."""


_HANDLERS: dict[str, ReleaseHandler] = {}


def label_of(model: type[models.Model] | models.Model) -> str:
    return model._meta.label_lower


def register(model: type[models.Model], handler: ReleaseHandler) -> None:
    _HANDLERS[label_of(model)] = handler


def unregister(model: type[models.Model]) -> None:
    _HANDLERS.pop(label_of(model), None)


def handler_for(label: str) -> ReleaseHandler:
    try:
        return _HANDLERS[label]
    except KeyError:
        raise ValidationFailed(
            f"Dit soort object kan niet worden vrijgegeven: {label}. / This kind of object "
            f"cannot be released: {label}.",
            code="not_releasable",
        ) from None


def is_releasable(model: type[models.Model] | models.Model) -> bool:
    return label_of(model) in _HANDLERS
