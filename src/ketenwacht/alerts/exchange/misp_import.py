"""Import a MISP event (JSON) as an alert with its indicators, all or nothing.

Attribute types ``iban``, ``phone-number``, ``email-src``, ``url``, ``domain`` and ``btc``
become indicators (canonicalised and pseudonymised by ``alerts.services``). The marking comes
from a ``tlp:`` tag; without one, from the MISP distribution (never wider than the event
allowed: organisation only → AMBER+STRICT, this community → AMBER, connected communities and
all → GREEN; sharing group → AMBER). Every problem in the input is reported with its place
(``Event.Attribute[3].value``) before anything is written; writes run in one transaction.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from ketenwacht.alerts import indicators, services
from ketenwacht.alerts.models import Alert
from ketenwacht.errors import ValidationFailed
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import MARKING_ORDER, Marking
from ketenwacht.partners.models import SharingGroup

ATTRIBUTE_KINDS = {
    "iban": "iban",
    "phone-number": "phone",
    "email-src": "email",
    "url": "url",
    "domain": "domain",
    "btc": "wallet",
}
TLP_TAGS = {
    "tlp:clear": Marking.CLEAR,
    "tlp:white": Marking.CLEAR,
    "tlp:green": Marking.GREEN,
    "tlp:amber": Marking.AMBER,
    "tlp:amber+strict": Marking.AMBER_STRICT,
    "tlp:red": Marking.RED,
}
DISTRIBUTION_MARKING = {
    "0": Marking.AMBER_STRICT,
    "1": Marking.AMBER,
    "2": Marking.GREEN,
    "3": Marking.GREEN,
    "4": Marking.AMBER,
}
TITLE_LIMIT = 200


class MispImportError(ValidationFailed):
    code = "misp_invalid"


def _tag_names(container: dict[str, Any]) -> list[str]:
    tags = container.get("Tag") or []
    if not isinstance(tags, list):
        return []
    return [str(tag.get("name", "")).strip().lower() for tag in tags if isinstance(tag, dict)]


def marking_of(event: dict[str, Any]) -> str:
    """The strictest ``tlp:`` tag, else the distribution's marking, else AMBER."""
    tagged = [TLP_TAGS[name] for name in _tag_names(event) if name in TLP_TAGS]
    if tagged:
        return min(tagged, key=MARKING_ORDER.index)
    return DISTRIBUTION_MARKING.get(str(event.get("distribution", "")), Marking.AMBER)


def _load(payload: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(payload, dict):
        data = payload
    else:
        try:
            data = json.loads(payload)
        except ValueError as error:
            raise MispImportError(
                f"Geen geldige JSON. / Not valid JSON: {error}", details={"errors": []}
            ) from None
    event = data.get("Event", data) if isinstance(data, dict) else None
    if not isinstance(event, dict):
        raise MispImportError(
            "Geen MISP-event. / Not a MISP event.",
            details={"errors": [{"path": "Event", "error": "expected an object"}]},
        )
    return event


def _checked_attributes(
    event: dict[str, Any],
) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    """``(kind, value)`` per supported attribute and the errors, each with its place."""
    errors: list[dict[str, str]] = []
    found: list[tuple[str, str]] = []
    attributes = event.get("Attribute", [])
    if not isinstance(attributes, list):
        return [], [{"path": "Event.Attribute", "error": "expected a list"}]
    for index, attribute in enumerate(attributes):
        path = f"Event.Attribute[{index}]"
        if not isinstance(attribute, dict):
            errors.append({"path": path, "error": "expected an object"})
            continue
        kind = ATTRIBUTE_KINDS.get(str(attribute.get("type", "")))
        if kind is None:
            errors.append(
                {"path": f"{path}.type", "error": f"unsupported type {attribute.get('type')!r}"}
            )
            continue
        value = attribute.get("value")
        if not isinstance(value, str) or not value.strip():
            errors.append({"path": f"{path}.value", "error": "expected a non-empty string"})
            continue
        try:
            indicators.canonical_of(value, kind)
        except indicators.CanonicalError as error:
            errors.append({"path": f"{path}.value", "error": f"{error.code}: {error}"})
            continue
        found.append((kind, value))
    return found, errors


def misp_event_import(
    *, actor: Actor, group: SharingGroup, payload: str | bytes | dict[str, Any]
) -> Alert:
    """A draft alert from one MISP event, with an indicator per supported attribute."""
    event = _load(payload)
    errors: list[dict[str, str]] = []
    info = event.get("info")
    if not isinstance(info, str) or not info.strip():
        errors.append({"path": "Event.info", "error": "expected a non-empty string"})
    attributes, attribute_errors = _checked_attributes(event)
    errors += attribute_errors
    if errors:
        raise MispImportError(
            "Het MISP-event bevat fouten; niets is geïmporteerd. / The MISP event has errors; "
            "nothing was imported.",
            details={"errors": errors},
        )
    assert isinstance(info, str)
    with transaction.atomic():
        alert = services.alert_create(
            actor=actor,
            group=group,
            title=info.strip()[:TITLE_LIMIT],
            marking=marking_of(event),
        )
        for kind, value in attributes:
            services.alert_indicator_add(actor=actor, alert=alert, value=value, kind=kind)
    alert.refresh_from_db()
    return alert
