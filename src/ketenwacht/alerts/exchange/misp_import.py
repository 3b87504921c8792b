"""Import a MISP event (JSON) as an alert with its indicators, all or nothing.

Attribute types ``iban``, ``phone-number``, ``email-src``, ``url``, ``domain`` and ``btc``
become indicators (canonicalised and pseudonymised by ``alerts.services``). The marking comes
from a ``tlp:`` tag; without one, from the MISP distribution (never wider than the event
allowed: organisation only → AMBER+STRICT, this community → AMBER, connected communities and
all → GREEN; sharing group → AMBER). Every problem in the input is reported with its place
(``Event.Attribute[3].value``) before anything is written; writes run in one transaction.
The fraud type comes from a ``ketenwacht:fraud-type=<code>`` tag (our own feed writes it) or
the caller; MISP sightings of type 0 on an attribute become sightings of that identifier by
the importing organisation (``identifiers``; needs ``identifiers:write`` and a fraud type).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ketenwacht.alerts import indicators, services
from ketenwacht.alerts.models import Alert
from ketenwacht.errors import ValidationFailed
from ketenwacht.identifiers.services import BatchRejected, sightings_ingest
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import MARKING_ORDER, Marking, Scope
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
FRAUD_TYPE_TAG = "ketenwacht:fraud-type="
SIGHTING_ROLE = "other"


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


def _load(payload: str | bytes | dict[str, Any] | list[Any]) -> dict[str, Any]:
    data: Any = payload
    if isinstance(payload, str | bytes):
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


@dataclass(frozen=True)
class Found:
    """One supported attribute: where it was, what it names, when it was sighted."""

    path: str
    canonical: indicators.Canonical
    value: str
    sightings: tuple[datetime, ...]

    @property
    def kind(self) -> str:
        return self.canonical.kind


def _sightings(
    attribute: dict[str, Any], path: str, errors: list[dict[str, str]]
) -> list[datetime]:
    """MISP sightings of type 0 ("seen"); false positives (1) and expirations (2) are skipped."""
    entries = attribute.get("Sighting") or []
    if not isinstance(entries, list):
        errors.append({"path": f"{path}.Sighting", "error": "expected a list"})
        return []
    moments = []
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict):
            errors.append({"path": f"{path}.Sighting[{number}]", "error": "expected an object"})
            continue
        if str(entry.get("type", "0")) != "0":
            continue
        raw = entry.get("date_sighting")
        try:
            moment = (
                datetime.fromtimestamp(int(raw), tz=UTC)
                if raw not in (None, "")
                else timezone.now()
            )
        except (TypeError, ValueError, OverflowError, OSError):
            errors.append(
                {
                    "path": f"{path}.Sighting[{number}].date_sighting",
                    "error": "expected epoch seconds",
                }
            )
            continue
        moments.append(moment)
    return moments


def _checked_attributes(event: dict[str, Any]) -> tuple[list[Found], list[dict[str, str]]]:
    """Each supported attribute and the errors, each with its place."""
    errors: list[dict[str, str]] = []
    found: list[Found] = []
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
            canonical = indicators.canonical_of(value, kind)
        except indicators.CanonicalError as error:
            errors.append({"path": f"{path}.value", "error": f"{error.code}: {error}"})
            continue
        found.append(Found(path, canonical, value, tuple(_sightings(attribute, path, errors))))
    return found, errors


def fraud_type_of(event: dict[str, Any]) -> str | None:
    """Our own export's ``ketenwacht:fraud-type=<code>`` tag, if present."""
    for name in _tag_names(event):
        if name.startswith(FRAUD_TYPE_TAG):
            return name[len(FRAUD_TYPE_TAG) :]
    return None


def _rejected(errors: list[dict[str, str]]) -> MispImportError:
    return MispImportError(
        "Het MISP-event bevat fouten; niets is geïmporteerd. / The MISP event has errors; "
        "nothing was imported.",
        details={"errors": errors},
    )


def _record_sightings(
    *, actor: Actor, group: SharingGroup, found: list[Found], fraud_type: str | None
) -> int:
    seen = [(item, moment) for item in found for moment in item.sightings]
    if not seen:
        return 0
    if not access.has_scope(actor, Scope.IDENTIFIERS_WRITE) and not access.can(
        actor, "identifiers.record"
    ):
        raise _rejected(
            [
                {"path": f"{path}.Sighting", "error": "recording sightings needs identifiers:write"}
                for path in dict.fromkeys(item.path for item, _moment in seen)
            ]
        )
    if fraud_type is None:
        raise _rejected(
            [
                {
                    "path": "Event.Tag",
                    "error": "sightings need a fraud type: a tag ketenwacht:fraud-type=<code> "
                    "or the fraud_type parameter",
                }
            ]
        )
    items = [
        {
            "value": item.value,
            "kind": item.kind,
            "fraud_type": fraud_type,
            "role": SIGHTING_ROLE,
            "observed_at": moment,
            "sharing_group": group.pk,
        }
        for item, moment in seen
    ]
    try:
        sightings_ingest(actor=actor, items=items, atomic=True)
    except BatchRejected as rejected:
        raise _rejected(
            [
                {"path": f"{seen[e.index][0].path}.Sighting", "error": f"{e.code}: {e.detail}"}
                for e in rejected.errors
            ]
        ) from None
    return len(items)


def misp_event_import(
    *,
    actor: Actor,
    group: SharingGroup,
    payload: str | bytes | dict[str, Any] | list[Any],
    fraud_type: str | None = None,
) -> Alert:
    """A draft alert from one MISP event: an indicator per supported attribute (a value named
    twice is one indicator), the attributes' MISP sightings (type 0) as sightings by the
    importing organisation. All or nothing; every error with its place in the event."""
    event = _load(payload)
    errors: list[dict[str, str]] = []
    info = event.get("info")
    if not isinstance(info, str) or not info.strip():
        errors.append({"path": "Event.info", "error": "expected a non-empty string"})
    found, attribute_errors = _checked_attributes(event)
    errors += attribute_errors
    if errors:
        raise _rejected(errors)
    assert isinstance(info, str)
    fraud_type = fraud_type or fraud_type_of(event)
    with transaction.atomic():
        alert = services.alert_create(
            actor=actor,
            group=group,
            title=info.strip()[:TITLE_LIMIT],
            marking=marking_of(event),
            fraud_type=fraud_type,
        )
        try:
            services.alert_indicators_import(
                actor=actor, alert=alert, items=[item.canonical for item in found]
            )
        except services.IndicatorsRejected as rejected:
            raise _rejected(
                [
                    {"path": f"{found[e.index].path}.value", "error": f"{e.code}: {e.detail}"}
                    for e in rejected.errors
                ]
            ) from None
        _record_sightings(actor=actor, group=group, found=found, fraud_type=fraud_type)
    alert.refresh_from_db()
    return alert
