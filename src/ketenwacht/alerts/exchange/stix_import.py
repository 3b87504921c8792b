"""STIX 2.1 objects from a partner (TAXII ``POST …/objects/``) as alerts, indicators, sightings.

What is accepted, per object:

- ``report`` → a shared alert in the collection's sharing group: ``name`` the title,
  ``description`` the summary (the rest, if longer, the body), labels ``fraud-type:<code>``,
  ``phase:<code>`` and ``channel:<code>`` as in our own export; the alert keeps the report's
  UUID, so the partner finds it under the same id. Indicators the report refers to (in the
  same envelope) become its indicators.
- ``indicator`` → an indicator of its report's alert; one no report refers to becomes an
  alert of its own (it needs a ``fraud-type:`` label, as every shared alert does). Patterns
  must be one equality over a value (``[bank-account:iban = '…']``, ``phone-number:value``,
  ``email-addr:value``, ``url:value``, ``domain-name:value``, ``cryptocurrency-wallet:value``,
  ``user-account:account_login``): the value is canonicalised and pseudonymised like any
  other. A pattern over ``x_ketenwacht_pseudonym`` cannot be imported: a pseudonym is not a
  value.
- ``sighting`` of an indicator in the envelope → a sighting of that identifier by the posting
  organisation (``identifiers``), which needs the token's ``identifiers:write`` scope.
- ``identity``, ``marking-definition`` and ``extension-definition`` are context: accepted,
  not stored.

The marking is the strictest TLP (2.0, or STIX's predefined TLP 1.0) among the object's
``object_marking_refs``; without one, AMBER. TLP:RED is refused (it goes to named people;
a system posting it names nobody).

Every object is checked first (``stix2`` parses it, patterns are checked by
``stix2-patterns``); any failure and nothing is written. The writes run in one transaction;
an error there (the text holds personal data, the agreement does not allow the kind) is
reported against the object that caused it, and again nothing is kept.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import stix2
from django.db import transaction
from stix2patterns.validator import run_validator

from ketenwacht.alerts import indicators, services
from ketenwacht.alerts.constants import SUMMARY_MAX, TITLE_MAX
from ketenwacht.alerts.exchange.stix import MARKING_BY_TLP2_ID, PSEUDONYM_PROPERTY
from ketenwacht.alerts.models import Alert
from ketenwacht.errors import DomainError, PermissionDeniedError
from ketenwacht.identifiers.services import BatchRejected, sightings_ingest
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import MARKING_ORDER, Marking, Scope
from ketenwacht.partners.models import SharingGroup

MAX_OBJECTS = 10_000
CONTEXT_TYPES = frozenset({"identity", "marking-definition", "extension-definition"})
ACCEPTED_TYPES = frozenset({"report", "indicator", "sighting"}) | CONTEXT_TYPES

# STIX 2.1's predefined TLP 1.0 marking definitions (section 7.2.1.4).
TLP1_MARKING_IDS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Marking.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Marking.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Marking.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Marking.RED,
}
MARKINGS_BY_ID = {**TLP1_MARKING_IDS, **MARKING_BY_TLP2_ID}

# (observable type, property) -> identifier kind
PATTERN_KINDS = {
    ("bank-account", "iban"): "iban",
    ("phone-number", "value"): "phone",
    ("email-addr", "value"): "email",
    ("url", "value"): "url",
    ("domain-name", "value"): "domain",
    ("cryptocurrency-wallet", "value"): "wallet",
    ("user-account", "account_login"): "account",
    ("user-account", "user_id"): "account",
}
_COMPARISON = r"([a-z0-9-]+):([a-z0-9_]+)\s*=\s*'((?:[^'\\]|\\.)*)'"
_PATTERN = re.compile(rf"^\[\s*{_COMPARISON}(?:\s+AND\s+{_COMPARISON})?\s*\]$")
_ID = re.compile(r"^([a-z0-9-]+)--([0-9a-fA-F-]{36})$")
SIGHTING_ROLE = "other"

NOTHING_ADDED = (
    "Niet toegevoegd: andere objecten in deze envelop zijn fout; er is niets toegevoegd. / "
    "Not added: other objects in this envelope failed; nothing was added."
)


@dataclass
class Failure(Exception):
    """Why one object cannot be imported."""

    message: str


@dataclass
class PlannedIndicator:
    object_id: str
    version: str
    kind: str
    value: str
    note: str


@dataclass
class PlannedAlert:
    object_id: str  # the report (or the lone indicator) the alert comes from
    title: str
    summary: str
    body: str
    fraud_type: str | None
    phases: list[str]
    channels: list[str]
    marking: str
    alert_uuid: uuid.UUID | None
    indicators: list[PlannedIndicator] = field(default_factory=list)
    fraud_type_required: bool = True


@dataclass
class PlannedSighting:
    object_id: str
    version: str
    indicator_id: str
    observed_at: str | None


@dataclass
class ImportOutcome:
    total: int
    successes: list[dict[str, str]]
    failures: list[dict[str, str]]
    alerts: list[Alert]


def _entry(obj: Any, message: str = "") -> dict[str, str]:
    if isinstance(obj, dict):
        entry = {"id": str(obj.get("id", "")), "version": str(obj.get("modified", ""))}
    else:
        entry = {"id": "", "version": ""}
    if not entry["version"]:
        entry.pop("version")
    if message:
        entry["message"] = message
    return entry


def marking_of(obj: dict[str, Any]) -> str:
    refs = obj.get("object_marking_refs") or []
    found = [MARKINGS_BY_ID[ref] for ref in refs if ref in MARKINGS_BY_ID]
    if not found:
        return Marking.AMBER
    return min(found, key=MARKING_ORDER.index)


def _labels(obj: dict[str, Any], prefix: str) -> list[str]:
    return [
        label[len(prefix) :]
        for label in obj.get("labels") or []
        if isinstance(label, str) and label.startswith(prefix)
    ]


def _unquote(value: str) -> str:
    return value.replace("\\'", "'").replace("\\\\", "\\")


def pattern_value(pattern: str) -> tuple[str, str]:
    """``(kind, value)`` of a supported pattern, else ``Failure`` saying why."""
    errors = run_validator(pattern, stix_version="2.1")
    if errors:
        raise Failure(f"pattern: {errors[0]}")
    match = _PATTERN.match(pattern.strip())
    if match is None:
        raise Failure(
            "pattern: only one equality over a value is supported, e.g. "
            "[bank-account:iban = 'NL91ABNA0417164300']"
        )
    observable, prop, value = match.group(1, 2, 3)
    if prop == PSEUDONYM_PROPERTY:
        raise Failure(f"pattern: {PSEUDONYM_PROPERTY} is a pseudonym, not a value to import")
    kind = PATTERN_KINDS.get((observable, prop))
    if kind is None:
        raise Failure(f"pattern: {observable}:{prop} is not an identifier this platform keeps")
    extra = match.group(4, 5, 6)
    if extra[0] is not None and (extra[0] != observable or extra[1] == PSEUDONYM_PROPERTY):
        raise Failure("pattern: a second comparison must be on the same observable")
    value = _unquote(value)
    try:
        canonical = indicators.canonical_of(value, kind)
    except indicators.CanonicalError as error:
        raise Failure(f"pattern value: {error.code}: {error}") from None
    return canonical.kind, value


def _checked(obj: Any) -> dict[str, Any]:
    """The object, parsed by ``stix2`` (required properties, formats), or ``Failure``."""
    if not isinstance(obj, dict):
        raise Failure("expected a STIX object (a JSON object)")
    object_type, object_id = obj.get("type"), obj.get("id")
    if not isinstance(object_type, str) or not isinstance(object_id, str):
        raise Failure("'type' and 'id' are required strings")
    match = _ID.match(object_id)
    if match is None or match.group(1) != object_type:
        raise Failure(f"'id' must be '{object_type}--<UUID>'")
    if object_type not in ACCEPTED_TYPES:
        raise Failure(
            f"type '{object_type}' is not accepted here "
            f"(accepted: {', '.join(sorted(ACCEPTED_TYPES))})"
        )
    if obj.get("spec_version") != "2.1":
        raise Failure("spec_version must be '2.1'")
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except Exception as error:  # stix2 raises many exception types, each with a clear message
        raise Failure(f"invalid STIX: {error}") from None
    return obj


def _refuse_red(marking: str) -> None:
    if marking == Marking.RED:
        raise Failure("TLP:RED goes to named people only; a system cannot post it to a collection")


def _alert_from_report(report: dict[str, Any]) -> PlannedAlert:
    marking = marking_of(report)
    _refuse_red(marking)
    fraud_types = _labels(report, "fraud-type:")
    description = str(report.get("description") or "").strip()
    summary, body = description, ""
    if len(description) > SUMMARY_MAX:
        summary, body = "", description
    return PlannedAlert(
        object_id=report["id"],
        title=" ".join(str(report["name"]).split())[:TITLE_MAX],
        summary=summary,
        body=body,
        fraud_type=fraud_types[0] if fraud_types else None,
        phases=_labels(report, "phase:"),
        channels=_labels(report, "channel:"),
        marking=marking,
        alert_uuid=uuid.UUID(report["id"].split("--", 1)[1]),
    )


def _alert_from_indicator(indicator: dict[str, Any], kind: str) -> PlannedAlert:
    marking = marking_of(indicator)
    _refuse_red(marking)
    fraud_types = _labels(indicator, "fraud-type:")
    name = str(indicator.get("name") or f"{kind} indicator")
    return PlannedAlert(
        object_id=indicator["id"],
        title=" ".join(name.split())[:TITLE_MAX],
        summary=str(indicator.get("description") or "").strip()[:SUMMARY_MAX],
        body="",
        fraud_type=fraud_types[0] if fraud_types else None,
        phases=[],
        channels=[],
        marking=marking,
        alert_uuid=None,
    )


@dataclass
class Plan:
    alerts: list[PlannedAlert] = field(default_factory=list)
    sightings: list[PlannedSighting] = field(default_factory=list)
    context: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)


def plan_import(objects: list[Any], *, may_record_sightings: bool) -> Plan:
    """Check every object and decide what it becomes; failures by index."""
    plan = Plan()
    checked: dict[int, dict[str, Any]] = {}
    for index, obj in enumerate(objects):
        try:
            checked[index] = _checked(obj)
        except Failure as failure:
            plan.failures[index] = failure.message
    indicator_kinds: dict[str, tuple[int, str, str]] = {}
    for index, obj in checked.items():
        if obj["type"] != "indicator":
            continue
        try:
            if obj.get("pattern_type") != "stix":
                raise Failure("pattern_type must be 'stix'")
            kind, value = pattern_value(obj["pattern"])
            _refuse_red(marking_of(obj))
        except Failure as failure:
            plan.failures[index] = failure.message
            continue
        indicator_kinds[obj["id"]] = (index, kind, value)
    claimed: set[str] = set()
    for index, obj in checked.items():
        if obj["type"] != "report":
            continue
        try:
            planned = _alert_from_report(obj)
        except Failure as failure:
            plan.failures[index] = failure.message
            continue
        for ref in obj.get("object_refs") or []:
            if ref in indicator_kinds and ref not in claimed:
                claimed.add(ref)
                planned.indicators.append(_planned_indicator(checked, indicator_kinds[ref]))
                stricter = marking_of(checked[indicator_kinds[ref][0]])
                planned.marking = min(planned.marking, stricter, key=MARKING_ORDER.index)
        plan.alerts.append(planned)
    for object_id, (index, kind, _value) in indicator_kinds.items():
        if object_id in claimed:
            continue
        planned = _alert_from_indicator(checked[index], kind)
        planned.indicators.append(_planned_indicator(checked, indicator_kinds[object_id]))
        plan.alerts.append(planned)
    posted = {obj["id"] for obj in checked.values() if obj["type"] == "indicator"}
    for index, obj in checked.items():
        if obj["type"] == "sighting":
            try:
                plan.sightings.append(
                    _planned_sighting(obj, indicator_kinds, posted, may_record_sightings)
                )
            except Failure as failure:
                plan.failures[index] = failure.message
        elif obj["type"] in CONTEXT_TYPES:
            plan.context.append(obj)
    return plan


def _planned_indicator(
    checked: dict[int, dict[str, Any]], found: tuple[int, str, str]
) -> PlannedIndicator:
    index, kind, value = found
    obj = checked[index]
    return PlannedIndicator(
        object_id=obj["id"],
        version=str(obj.get("modified", "")),
        kind=kind,
        value=value,
        note=str(obj.get("description") or "")[:200],
    )


def _planned_sighting(
    obj: dict[str, Any],
    indicator_kinds: dict[str, tuple[int, str, str]],
    posted: set[str],
    may_record_sightings: bool,
) -> PlannedSighting:
    ref = obj.get("sighting_of_ref")
    if ref in posted and ref not in indicator_kinds:
        raise Failure(f"sighting_of_ref names {ref}, which cannot be imported (see its failure)")
    if ref not in indicator_kinds:
        raise Failure("sighting_of_ref must name an indicator in the same envelope")
    if not may_record_sightings:
        raise Failure("recording sightings needs the token scope identifiers:write")
    observed = obj.get("last_seen") or obj.get("first_seen")
    return PlannedSighting(
        object_id=obj["id"],
        version=str(obj.get("modified", "")),
        indicator_id=str(ref),
        observed_at=str(observed) if observed else None,
    )


class _Rollback(Exception):
    pass


def _write(
    plan: Plan, *, actor: Actor, group: SharingGroup, failures: dict[str, str]
) -> list[Alert]:
    """Create and share the alerts, record the sightings; failures by object id."""
    created: list[Alert] = []
    values: dict[str, tuple[str, str, str | None]] = {}
    for planned in plan.alerts:
        current = planned.object_id
        try:
            with transaction.atomic():
                if planned.fraud_type is None:
                    raise Failure("a label 'fraud-type:<code>' is required to share an alert")
                alert = services.alert_create(
                    actor=actor,
                    group=group,
                    title=planned.title,
                    summary=planned.summary,
                    body=planned.body,
                    fraud_type=planned.fraud_type,
                    phases=planned.phases,
                    channels=planned.channels,
                    marking=planned.marking,
                    alert_uuid=planned.alert_uuid,
                )
                for indicator in planned.indicators:
                    current = indicator.object_id
                    services.alert_indicator_add(
                        actor=actor,
                        alert=alert,
                        value=indicator.value,
                        kind=indicator.kind,
                        note=indicator.note,
                    )
                    values[indicator.object_id] = (
                        indicator.kind,
                        indicator.value,
                        planned.fraud_type,
                    )
                current = planned.object_id
                created.append(services.alert_share(actor=actor, alert=alert))
        except Failure as failure:
            failures[current] = failure.message
        except DomainError as error:
            failures[current] = f"{error.code}: {error}"
    if plan.sightings and not failures:
        _record_sightings(plan.sightings, values, actor=actor, group=group, failures=failures)
    return created


def _record_sightings(
    sightings: list[PlannedSighting],
    values: dict[str, tuple[str, str, str | None]],
    *,
    actor: Actor,
    group: SharingGroup,
    failures: dict[str, str],
) -> None:
    items = []
    for sighting in sightings:
        kind, value, fraud_type = values[sighting.indicator_id]
        item: dict[str, Any] = {
            "value": value,
            "kind": kind,
            "fraud_type": fraud_type,
            "role": SIGHTING_ROLE,
            "sharing_group": group.pk,
        }
        if sighting.observed_at:
            item["observed_at"] = sighting.observed_at
        items.append(item)
    try:
        sightings_ingest(actor=actor, items=items, atomic=True)
    except BatchRejected as rejected:
        for error in rejected.errors:
            failures[sightings[error.index].object_id] = f"{error.code}: {error.detail}"
    except DomainError as error:
        for sighting in sightings:
            failures[sighting.object_id] = f"{error.code}: {error}"


def import_objects(*, actor: Actor, group: SharingGroup, objects: list[Any]) -> ImportOutcome:
    """All objects or none: alerts (shared), their indicators and sightings."""
    if not access.is_member(actor, group.pk):
        raise PermissionDeniedError(
            "Geen lid van de deelgroep van deze collectie. / Not a member of this collection's "
            "sharing group.",
            code="not_a_member",
        )
    plan = plan_import(
        objects, may_record_sightings=access.has_scope(actor, Scope.IDENTIFIERS_WRITE)
    )
    failures_by_id: dict[str, str] = {}
    created: list[Alert] = []
    if not plan.failures:
        try:
            with transaction.atomic():
                created = _write(plan, actor=actor, group=group, failures=failures_by_id)
                if failures_by_id:
                    raise _Rollback
        except _Rollback:
            created = []
    ok = not plan.failures and not failures_by_id
    successes: list[dict[str, str]] = []
    failures: list[dict[str, str]] = []
    for index, obj in enumerate(objects):
        if ok:
            successes.append(_entry(obj))
            continue
        object_id = obj.get("id") if isinstance(obj, dict) else None
        message = plan.failures.get(index) or failures_by_id.get(str(object_id)) or NOTHING_ADDED
        failures.append(_entry(obj, message))
    return ImportOutcome(total=len(objects), successes=successes, failures=failures, alerts=created)
