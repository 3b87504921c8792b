"""Writes of the cases domain: reports in (police import, partner incidents, victim intakes),
hub decisions, the workflow (transitions, assignment, notes), reveals, routing rules,
suspects' postcodes from banks, and the rebuild. Each writes its audit row in its transaction.

The intake app calls ``case_report_link_intake`` (and ``case_report_unlink_intake`` when a
victim withdraws consent); its status page reads ``selectors.cluster_feedback_for_intake``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from ketenwacht.audit.services import audit_record
from ketenwacht.cases import hubs, linking, routing, summary
from ketenwacht.cases.config import retention_days
from ketenwacht.cases.constants import (
    MAX_IDENTIFIERS_PER_REPORT,
    NOTE_MAX_LENGTH,
    REPORT_NUMBER_MAX_LENGTH,
    TRANSITIONS,
    AgeBand,
    ClusterState,
    HubOverride,
    ReportSource,
    RoutingMethod,
)
from ketenwacht.cases.models import (
    Cluster,
    ClusterNote,
    ClusterTransition,
    Hub,
    Report,
    ReportLink,
    RoutingDecision,
    RoutingRule,
    SuspectLocation,
    Unit,
)
from ketenwacht.cases.pseudonymise import pseudonym_ids_for
from ketenwacht.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.identifiers.canonical import KINDS, Canonical, canonicalise
from ketenwacht.identifiers.constants import Confidence, IdentifierRole, Source
from ketenwacht.identifiers.models import Pseudonym
from ketenwacht.identifiers.pseudonyms import display_hint
from ketenwacht.identifiers.selectors import agreements_in_force, allowlist_hits
from ketenwacht.identifiers.services import RevealedValue, raw_value_reveal, sightings_ingest
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.constants import Scope, Sector
from ketenwacht.partners.models import Organisation, SharingGroup

POSTCODE4 = re.compile(r"^[1-9][0-9]{3}$")
MAX_DAMAGE_CENTS = 10**13  # €100 billion: anything above is a typing error
FUTURE_SKEW = timedelta(days=1)


def _forbidden() -> PermissionDeniedError:
    return PermissionDeniedError(
        "U heeft geen toegang tot deze handeling. / You are not allowed to do this.",
        code="forbidden",
    )


def _require_token_scope(actor: Actor, scope: str) -> None:
    if actor.is_system:
        return
    if actor.token is None or not access.has_scope(actor, scope):
        raise _forbidden()


def _require_cases(actor: Actor, permission: str) -> None:
    """A police or prosecutor analyst holding ``permission`` (or the system)."""
    if actor.is_system:
        return
    if not access.may_see_clusters(actor) or not access.can(actor, permission):
        raise _forbidden()


# --- input checks ------------------------------------------------------------------------------


def _invalid(message: str, *, code: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field=field)


def _fraud_type(code: str) -> str:
    known = {entry["code"] for entry in fraud_type_catalogue()}
    if code not in known:
        raise _invalid(
            f"Onbekend fraudetype '{code}'. / Unknown fraud type '{code}'.",
            code="unknown_fraud_type",
            field="fraud_type",
        )
    return code


def _damage(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAMAGE_CENTS:
        raise _invalid(
            "Schade in centen, een geheel getal van 0 of meer. / Damage in cents, a whole "
            "number of 0 or more.",
            code="invalid_damage",
            field="damage_cents",
        )
    return value


def _postcode(value: str, *, required: bool, field: str = "postcode4") -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not POSTCODE4.match(value):
        raise _invalid(
            "Een postcode van vier cijfers (1000–9999). / A four-digit postcode (1000–9999).",
            code="invalid_postcode",
            field=field,
        )
    return value


def _age_band(value: str) -> str:
    value = (value or "").strip()
    if value and value not in AgeBand.values:
        raise _invalid(
            f"Onbekende leeftijdsgroep '{value}'. / Unknown age group '{value}'.",
            code="unknown_age_band",
            field="age_band",
        )
    return value


def _date(value: Any, *, field: str, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise _invalid(
                f"'{field}' is verplicht. / '{field}' is required.", code="required", field=field
            )
        return None
    parsed = value if isinstance(value, date) else parse_date(str(value))
    if parsed is None:
        raise _invalid(
            "Datum als JJJJ-MM-DD. / A date as YYYY-MM-DD.", code="invalid_date", field=field
        )
    if parsed > timezone.localdate() + FUTURE_SKEW:
        raise _invalid(
            "Deze datum ligt in de toekomst. / This date lies in the future.",
            code="date_in_future",
            field=field,
        )
    return parsed


def _victim_key(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


# --- after a change: summaries, reopening, routing ------------------------------------------


def clusters_after_change(change: linking.Change, *, now: datetime) -> None:
    """After membership changed: summaries (those not kept up to date by increments), reopen
    closed clusters that grew, route (those the change did not route itself). Runs in the
    caller's transaction."""
    if not change.touched:
        return
    stale = change.touched - set(change.summarised)
    fresh = summary.refresh(stale, now=now) if stale else {}
    # Most changes reopen nothing: no queryset to compile then (it cost more than the add's
    # own statements in Python).
    reopened = (
        Cluster.objects.select_for_update().filter(pk__in=list(change.reopen))
        if change.reopen
        else ()
    )
    for cluster in reopened:
        _record_transition(
            cluster,
            ClusterState.TRIAGE,
            actor=SYSTEM,
            note="reopened: new reports were linked",
            now=now,
        )
        change.summarised.pop(cluster.pk, None)  # its state changed: routing reads it again
        change.known.pop(cluster.pk, None)
    unrouted = change.touched - change.routed
    if not unrouted:
        return
    known = [routing.ClusterRow.of(c) for cid, c in change.summarised.items() if cid in unrouted]
    known += [
        routing.ClusterRow(
            cid,
            *change.known[cid],
            item.fraud_types,
            item.damage_total_cents,
            item.victim_count,
            item.regions,
        )
        for cid, item in fresh.items()
        if cid in change.known
    ]
    if known and len(known) == len(unrouted):
        routing.route(unrouted, now=now, rows=known)
    else:
        routing.route(unrouted, now=now)


# --- reports -------------------------------------------------------------------------------------


@dataclass
class IdentifierOutcome:
    index: int
    ok: bool
    kind: str = ""
    display_hint: str = ""
    error: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "ok": self.ok}
        if self.ok:
            data.update({"kind": self.kind, "display_hint": self.display_hint})
        else:
            data["error"] = self.error
        return data


@dataclass
class ImportResult:
    report: Report
    duplicate: bool
    identifiers: list[IdentifierOutcome] = field(default_factory=list)
    sightings_recorded: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report.pk,
            "number": self.report.number,
            "source": self.report.source,
            "duplicate": self.duplicate,
            "identifiers": [item.as_dict() for item in self.identifiers],
            "sightings_recorded": self.sightings_recorded,
        }


@dataclass(frozen=True)
class _Item:
    index: int
    canonical: Canonical
    role: str


def _canonical_items(raw_items: Any) -> tuple[list[_Item], list[IdentifierOutcome]]:
    if not isinstance(raw_items, Sequence) or isinstance(raw_items, str | bytes):
        raise _invalid(
            "'identifiers' moet een lijst zijn. / 'identifiers' must be a list.",
            code="invalid",
            field="identifiers",
        )
    if len(raw_items) > MAX_IDENTIFIERS_PER_REPORT:
        raise _invalid(
            f"Hoogstens {MAX_IDENTIFIERS_PER_REPORT} kenmerken per melding. / At most "
            f"{MAX_IDENTIFIERS_PER_REPORT} identifiers per report.",
            code="too_many_identifiers",
            field="identifiers",
        )
    items: list[_Item] = []
    outcomes: list[IdentifierOutcome] = []
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(raw_items):
        try:
            item = _canonical_item(index, raw)
        except DomainError as error:
            outcomes.append(
                IdentifierOutcome(
                    index, False, error={"code": error.code, "detail": str(error.message)}
                )
            )
            continue
        key = (item.canonical.kind, item.canonical.value)
        outcomes.append(
            IdentifierOutcome(
                index, True, kind=item.canonical.kind, display_hint=display_hint(item.canonical)
            )
        )
        if key not in seen:
            seen.add(key)
            items.append(item)
    return items, outcomes


def _canonical_item(index: int, raw: Any) -> _Item:
    if not isinstance(raw, Mapping):
        raise ValidationFailed(
            "Een kenmerk moet een object zijn. / An identifier must be an object.",
            code="not_an_object",
        )
    value = raw.get("value")
    if not isinstance(value, str) or not value.strip() or len(value) > 2048:
        raise ValidationFailed(
            "Waarde is verplicht (hoogstens 2048 tekens). / Value is required (at most 2048 "
            "characters).",
            code="required",
            field="value",
        )
    kind = raw.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ValidationFailed(
            f"Onbekende soort '{kind}'. / Unknown kind '{kind}'.", code="unknown_kind"
        )
    role = str(raw.get("role") or "")
    if role and role not in IdentifierRole.values:
        raise ValidationFailed(
            f"Onbekende rol '{role}'. / Unknown role '{role}'.", code="unknown_role"
        )
    return _Item(index, canonicalise(value, kind), role)


def _source_of(organisation: Organisation | None) -> str:
    if organisation is not None and organisation.sector in access.CASE_SECTORS:
        return ReportSource.POLICE
    return ReportSource.PARTNER


def _existing_report(organisation: Organisation | None, source: str, number: str) -> Report | None:
    return Report.objects.filter(organisation=organisation, source=source, number=number).first()


def _store_report(
    *,
    source: str,
    organisation: Organisation | None,
    number: str,
    intake_id: UUID | None,
    fraud_type: str,
    damage_cents: int,
    reported_on: date,
    occurred_on: date | None,
    postcode4: str,
    age_band: str,
    victim_key: str,
    now: datetime,
) -> Report:
    region = routing.unit_for_postcode(postcode4) if postcode4 else None
    return Report.objects.create(
        source=source,
        organisation=organisation,
        number=number,
        intake_id=intake_id,
        fraud_type=fraud_type,
        damage_cents=damage_cents,
        reported_on=reported_on,
        occurred_on=occurred_on,
        seen_on=occurred_on or reported_on,
        postcode4=postcode4,
        region=region,
        age_band=age_band,
        victim_key=victim_key,
        created_at=now,
    )


def _link(
    report: Report,
    items: Sequence[_Item | tuple[Canonical | None, int, str]],
    *,
    now: datetime,
) -> linking.Change:
    """Pseudonymise and link the report's identifiers (items or known pseudonym ids)."""
    canonicals = [item.canonical for item in items if isinstance(item, _Item)]
    ids = pseudonym_ids_for(canonicals) if canonicals else []
    roles: dict[int, str] = {}
    allowlisted_keys = allowlist_hits(canonicals) if canonicals else {}
    allowlisted: set[int] = set()
    for item, pid in zip([i for i in items if isinstance(i, _Item)], ids, strict=True):
        roles[pid] = item.role
        if (item.canonical.kind, item.canonical.value) in allowlisted_keys:
            allowlisted.add(pid)
    known = [item for item in items if not isinstance(item, _Item)]
    for _canonical, pid, role in known:
        roles.setdefault(pid, role)
    all_ids = set(roles)
    allowlisted |= hubs.allowlisted_ids(all_ids)
    change = linking.add_report(report, all_ids, roles=roles, allowlisted=allowlisted, now=now)
    clusters_after_change(change, now=now)
    return change


def _observed_at(day: date) -> datetime:
    noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return min(noon, timezone.now())


def _record_sightings(report: Report, items: Sequence[_Item], *, sharing_group: str | None) -> int:
    """The report's identifiers as sightings of its organisation, where an agreement allows.

    Police reports count as ``police_report`` confidence in every partner's check. Items the
    organisation's agreements do not allow are simply not recorded as sightings; they still
    link the report in cases.
    """
    if not items or report.organisation is None:
        return 0
    confidence = (
        Confidence.POLICE_REPORT if report.source == ReportSource.POLICE else Confidence.SUSPECTED
    )
    rows: list[dict[str, Any]] = []
    for item in items:
        row: dict[str, Any] = {
            "value": item.canonical.value,
            "kind": item.canonical.kind,
            "fraud_type": report.fraud_type,
            "role": item.role or IdentifierRole.OTHER,
            "confidence": confidence,
            "observed_at": _observed_at(report.seen_on),
        }
        if sharing_group:
            row["sharing_group"] = sharing_group
        rows.append(row)
    try:
        result = sightings_ingest(
            actor=SYSTEM, items=rows, source=Source.PARTNER, organisation=report.organisation
        )
    except DomainError:
        return 0
    return result.recorded


def case_report_import(
    *,
    actor: Actor,
    number: str,
    reported_on: date | str,
    fraud_type: str,
    damage_cents: int,
    postcode4: str,
    identifiers: Sequence[Mapping[str, Any]],
    occurred_on: date | str | None = None,
    age_band: str = "",
    victim_reference: str = "",
    sharing_group: str | None = None,
) -> ImportResult:
    """A police report (police or prosecutor token) or a partner's incident report (any other
    partner's token). The same number from the same organisation is idempotent: the stored
    report comes back with ``duplicate=True`` and nothing changes."""
    _require_token_scope(actor, Scope.CASES_REPORT)
    organisation = actor.organisation
    if organisation is None:
        raise ValidationFailed(
            "Geen organisatie. / No organisation.", code="no_organisation", field="number"
        )
    number = (number or "").strip()
    if not number or len(number) > REPORT_NUMBER_MAX_LENGTH or not number.isprintable():
        raise _invalid(
            f"Meldingsnummer: 1–{REPORT_NUMBER_MAX_LENGTH} leesbare tekens. / Report number: "
            f"1–{REPORT_NUMBER_MAX_LENGTH} printable characters.",
            code="invalid_number",
            field="number",
        )
    source = _source_of(organisation)
    existing = _existing_report(organisation, source, number)
    if existing is not None:
        return ImportResult(report=existing, duplicate=True)
    reported = _date(reported_on, field="reported_on", required=True)
    assert reported is not None
    occurred = _date(occurred_on, field="occurred_on", required=False)
    fraud_type = _fraud_type(fraud_type)
    damage = _damage(damage_cents)
    postcode = _postcode(postcode4, required=True)
    age = _age_band(age_band)
    items, outcomes = _canonical_items(identifiers)

    def store_and_link() -> tuple[Report, int]:
        now = timezone.now()
        with transaction.atomic():
            report = _store_report(
                source=source,
                organisation=organisation,
                number=number,
                intake_id=None,
                fraud_type=fraud_type,
                damage_cents=damage,
                reported_on=reported,
                occurred_on=occurred,
                postcode4=postcode,
                age_band=age,
                victim_key=_victim_key(
                    source, organisation.pk, (victim_reference or "").strip() or number
                ),
                now=now,
            )
            change = _link(report, items, now=now)
            recorded = _record_sightings(report, items, sharing_group=sharing_group)
            audit_record(
                actor=actor,
                action="cases.report_import",
                object_type="case_report",
                object_id=report.pk,
                details={
                    "source": source,
                    "organisation": organisation.pk,
                    "identifiers": len(items),
                    "rejected": sum(1 for o in outcomes if not o.ok),
                    "linked": bool(change.touched),
                    "sightings": recorded,
                },
            )
        return report, recorded

    try:
        report, recorded = _once_more_after_a_race(
            store_and_link, stored_already=lambda: _existing_report(organisation, source, number)
        )
    except _Repeat as repeat:
        return ImportResult(report=repeat.report, duplicate=True)
    return ImportResult(
        report=report, duplicate=False, identifiers=outcomes, sightings_recorded=recorded
    )


class _Repeat(Exception):
    """A concurrent request stored the same report first."""

    def __init__(self, report: Report) -> None:
        super().__init__(report.pk)
        self.report = report


_T = TypeVar("_T")


def _once_more_after_a_race(
    write: Callable[[], _T], *, stored_already: Callable[[], Report | None]
) -> _T:
    """Run ``write`` (one transaction); if a concurrent one made it fail, find out why.

    Either the same report was stored by the other request (``_Repeat``), or both reached
    the same single report through different identifiers and the other put it in a cluster
    first (a unique membership); then the write runs once more and sees that cluster.
    """
    for last_try in (False, True):
        try:
            return write()
        except IntegrityError:
            existing = stored_already()
            if existing is not None:
                raise _Repeat(existing) from None
            if last_try:
                raise
    raise AssertionError("unreachable")


IntakeIdentifier = Canonical | tuple[str, int]


def case_report_link_intake(
    *,
    actor: Actor,
    intake_id: UUID,
    fraud_type: str,
    damage_cents: int | None,
    occurred_on: date | None,
    postcode4: str,
    age_band: str,
    identifiers: Sequence[IntakeIdentifier],
    reported_on: date | None = None,
) -> Report:
    """Link a victim's intake as a report (the intake app calls this, as the system, for an
    intake whose victim agreed to share it with the police). Idempotent per intake."""
    if not actor.is_system:
        raise _forbidden()
    existing = Report.objects.filter(intake_id=intake_id).first()
    if existing is not None:
        return existing
    fraud_type = _fraud_type(fraud_type)
    damage = _damage(damage_cents or 0)
    postcode = _postcode(postcode4, required=False)
    age = _age_band(age_band)
    items: list[_Item | tuple[Canonical | None, int, str]] = []
    for index, identifier in enumerate(identifiers):
        if isinstance(identifier, Canonical):
            items.append(_Item(index, identifier, ""))
        else:
            kind, pseudonym_id = identifier
            if not Pseudonym.objects.filter(pk=pseudonym_id, kind=kind).exists():
                raise _invalid(
                    "Onbekend pseudoniem. / Unknown pseudonym.",
                    code="unknown_pseudonym",
                    field="identifiers",
                )
            items.append((None, int(pseudonym_id), ""))

    def store_and_link() -> Report:
        now = timezone.now()
        reported = reported_on or timezone.localdate(now)
        with transaction.atomic():
            report = _store_report(
                source=ReportSource.INTAKE,
                organisation=None,
                number="",
                intake_id=intake_id,
                fraud_type=fraud_type,
                damage_cents=damage,
                reported_on=reported,
                occurred_on=occurred_on if occurred_on and occurred_on <= reported else None,
                postcode4=postcode,
                age_band=age,
                victim_key=_victim_key(ReportSource.INTAKE, intake_id),
                now=now,
            )
            change = _link(report, items, now=now)
            audit_record(
                actor=actor,
                action="cases.intake_link",
                object_type="case_report",
                object_id=report.pk,
                details={"identifiers": len(items), "linked": bool(change.touched)},
            )
        return report

    try:
        return _once_more_after_a_race(
            store_and_link,
            stored_already=lambda: Report.objects.filter(intake_id=intake_id).first(),
        )
    except _Repeat as repeat:
        return repeat.report


def case_report_unlink_intake(*, actor: Actor, intake_id: UUID) -> bool:
    """The victim withdrew consent (or the intake was purged): the report leaves cases."""
    if not actor.is_system:
        raise _forbidden()
    now = timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(intake_id=intake_id).first()
        if report is None:
            return False
        report_id = report.pk
        change = linking.remove_report(report, now=now)
        clusters_after_change(change, now=now)
        audit_record(
            actor=actor,
            action="cases.intake_unlink",
            object_type="case_report",
            object_id=report_id,
        )
    return True


# --- hubs ----------------------------------------------------------------------------------------


def hub_override(*, actor: Actor, pseudonym_id: int, decision: str, note: str) -> Hub:
    """An analyst's decision: always link, never link, or back to the automatic rules."""
    _require_cases(actor, "cases.hubs_manage")
    if decision not in HubOverride.values:
        raise _invalid(
            f"Onbekende beslissing '{decision}'. / Unknown decision '{decision}'.",
            code="unknown_decision",
            field="decision",
        )
    note = (note or "").strip()
    if len(note) < 5:
        raise _invalid(
            "Licht de beslissing toe. / Explain the decision.", code="note_required", field="note"
        )
    now = timezone.now()
    with transaction.atomic():
        linking.lock_for_change([pseudonym_id])
        hub = Hub.objects.select_for_update().filter(pseudonym_id=pseudonym_id).first()
        if hub is None:
            if not ReportLink.objects.filter(pseudonym_id=pseudonym_id).exists():
                raise NotFoundError(
                    "Dit kenmerk komt in geen melding voor. / No report names this identifier.",
                    code="not_found",
                )
            counts = hubs.link_counts([pseudonym_id])[pseudonym_id]
            hub = Hub(
                pseudonym_id=pseudonym_id,
                report_count=sum(counts.values()),
                fraud_types=dict(counts),
                allowlisted=bool(hubs.allowlisted_ids([pseudonym_id])),
            )
            was_excluded = False
        else:
            was_excluded = hub.is_excluded
        hub.override = decision
        hub.note = note[:NOTE_MAX_LENGTH]
        hub.decided_by = actor.user
        hub.decided_at = now
        hub.updated_at = now
        hubs.decide(hub, hubs.hub_limits())
        hub.save()
        if hub.is_excluded != was_excluded:
            seeds = set(
                ReportLink.objects.filter(pseudonym_id=pseudonym_id).values_list(
                    "report_id", flat=True
                )
            )
            clusters_after_change(linking.recompute(seeds, now=now), now=now)
        audit_record(
            actor=actor,
            action="cases.hub_override",
            object_type="pseudonym",
            object_id=pseudonym_id,
            purpose=note[:500],
            details={"decision": decision, "excluded": hub.is_excluded, "reason": hub.reason},
        )
    return hub


# --- workflow ------------------------------------------------------------------------------------


def _locked(cluster: Cluster) -> Cluster:
    locked = Cluster.objects.select_for_update().filter(pk=cluster.pk, is_active=True).first()
    if locked is None:
        raise ConflictError(
            "Deze cluster is samengevoegd of opgeheven. / This cluster was merged or dissolved.",
            code="cluster_inactive",
        )
    return locked


def _record_transition(
    cluster: Cluster, to_state: str, *, actor: Actor, note: str, now: datetime
) -> ClusterTransition:
    transition = ClusterTransition.objects.create(
        cluster=cluster,
        from_state=cluster.state,
        to_state=to_state,
        actor=actor.user,
        actor_label=actor.label,
        note=note,
        created_at=now,
    )
    cluster.state = to_state
    cluster.updated_at = now
    cluster.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=actor,
        action="cases.transition",
        object_type="cluster",
        object_id=cluster.pk,
        details={"from": transition.from_state, "to": to_state},
    )
    return transition


def cluster_transition(
    *, actor: Actor, cluster: Cluster, to_state: str, note: str = ""
) -> ClusterTransition:
    """Move a cluster to another state if the workflow allows it; a history row per move."""
    _require_cases(actor, "cases.work")
    if to_state not in ClusterState.values:
        raise _invalid(
            f"Onbekende status '{to_state}'. / Unknown state '{to_state}'.",
            code="unknown_state",
            field="to_state",
        )
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    with transaction.atomic():
        locked = _locked(cluster)
        if to_state not in TRANSITIONS[locked.state]:
            raise ConflictError(
                f"Van '{locked.state}' naar '{to_state}' mag niet. / Moving from "
                f"'{locked.state}' to '{to_state}' is not allowed.",
                code="transition_not_allowed",
                details={"allowed": sorted(TRANSITIONS[locked.state])},
            )
        if to_state == ClusterState.ASSIGNED and locked.assignee_id is None:
            raise _invalid(
                "Wijs eerst een analist toe. / Assign an analyst first.",
                code="assign_first",
                field="to_state",
            )
        transition = _record_transition(
            locked, to_state, actor=actor, note=note, now=timezone.now()
        )
    cluster.state = to_state
    return transition


def cluster_assign(
    *, actor: Actor, cluster: Cluster, unit: Unit, assignee: User | None, note: str = ""
) -> Cluster:
    """Give a cluster to a unit and (optionally) an analyst; new and triaged clusters become
    assigned when an analyst is named."""
    _require_cases(actor, "cases.work")
    if assignee is not None and not access.may_see_clusters(access.actor_for_user(assignee)):
        raise _invalid(
            "Alleen een analist van politie of OM. / Only an analyst of the police or prosecutor.",
            code="invalid_assignee",
            field="assignee",
        )
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(cluster)
        if unit.pk != locked.unit_id:
            RoutingDecision.objects.create(
                cluster=locked,
                unit=unit,
                previous_unit_id=locked.unit_id,
                rule=None,
                rule_name="assigned by an analyst",
                reason=(note or "assigned by an analyst")[:300],
                applied=True,
                actor=actor.user,
                created_at=now,
            )
        locked.unit = unit
        locked.assignee = assignee
        locked.updated_at = now
        locked.save(update_fields=["unit", "assignee", "updated_at"])
        audit_record(
            actor=actor,
            action="cases.assign",
            object_type="cluster",
            object_id=locked.pk,
            details={"unit": unit.code, "assignee": assignee.pk if assignee else None},
        )
        if assignee is not None and locked.state in (ClusterState.NEW, ClusterState.TRIAGE):
            if locked.state == ClusterState.NEW:
                _record_transition(locked, ClusterState.TRIAGE, actor=actor, note="", now=now)
            _record_transition(locked, ClusterState.ASSIGNED, actor=actor, note=note, now=now)
    return locked


def cluster_note_add(*, actor: Actor, cluster: Cluster, text: str) -> ClusterNote:
    _require_cases(actor, "cases.work")
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX_LENGTH:
        raise _invalid(
            f"Een notitie van 1–{NOTE_MAX_LENGTH} tekens. / A note of 1–{NOTE_MAX_LENGTH} "
            "characters.",
            code="invalid_note",
            field="text",
        )
    with transaction.atomic():
        note = ClusterNote.objects.create(
            cluster=cluster, author=actor.user, author_label=actor.label, text=text
        )
        audit_record(
            actor=actor,
            action="cases.note_add",
            object_type="cluster",
            object_id=cluster.pk,
            details={"note": note.pk},
        )
    return note


def cluster_identifier_reveal(
    *, actor: Actor, cluster: Cluster, pseudonym_id: int, reason: str
) -> RevealedValue:
    """Show one identifier of the cluster in the clear: police analyst, under the agreement
    that kept the value, with a reason. The identifiers app checks the agreement and writes
    its reveal (or refusal) row; this row ties the reveal to the cluster. Refusals are tied
    to the cluster too, asking for an identifier outside it included (probing pseudonym ids
    through a cluster the analyst may see leaves a trace)."""
    _require_cases(actor, "cases.reveal")
    pseudonym = (
        Pseudonym.objects.filter(pk=pseudonym_id, case_links__report__membership__cluster=cluster)
        .distinct()
        .first()
    )
    if pseudonym is None:
        _audit_reveal(actor, cluster, reason, refused="not_in_cluster", pseudonym_id=pseudonym_id)
        raise NotFoundError(
            "Dit kenmerk hoort niet bij deze cluster. / This identifier is not in this cluster.",
            code="not_found",
        )
    asked = {"pseudonym": pseudonym.reference, "kind": pseudonym.kind}
    try:
        revealed = raw_value_reveal(actor=actor, pseudonym=pseudonym, reason=reason)
    except (PermissionDeniedError, NotFoundError) as refusal:  # not allowed; none kept
        _audit_reveal(actor, cluster, reason, refused=refusal.code, **asked)
        raise
    _audit_reveal(actor, cluster, reason, **asked)
    return revealed


def _audit_reveal(
    actor: Actor, cluster: Cluster, reason: str, *, refused: str = "", **details: Any
) -> None:
    """The cluster's row of a reveal (``cases.identifier_reveal``) or of a refusal
    (``cases.identifier_reveal_refused``, with why)."""
    if refused:
        details["refused"] = refused
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="cases.identifier_reveal_refused" if refused else "cases.identifier_reveal",
            object_type="cluster",
            object_id=cluster.pk,
            purpose=(reason or "").strip()[:500],
            details=details,
        )


# --- routing rules -------------------------------------------------------------------------------


def _rule_fields(
    *,
    name: str,
    method: str,
    unit: Unit | None,
    fraud_types: Sequence[str],
    min_damage_cents: int,
    min_victims: int,
    min_share: float,
) -> dict[str, Any]:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise _invalid(
            "Naam: 1–120 tekens. / Name: 1–120 characters.", code="required", field="name"
        )
    if method not in RoutingMethod.values:
        raise _invalid(
            f"Onbekende methode '{method}'. / Unknown method '{method}'.",
            code="unknown_method",
            field="method",
        )
    if method == RoutingMethod.FIXED_UNIT and unit is None:
        raise _invalid("Kies een eenheid. / Choose a unit.", code="unit_required", field="unit")
    for code in fraud_types:
        _fraud_type(code)
    if min_damage_cents < 0 or min_victims < 0:
        raise _invalid(
            "Minima zijn 0 of meer. / Minimums are 0 or more.",
            code="invalid_minimum",
            field="min_damage_cents",
        )
    if not 0 <= min_share < 1:
        raise _invalid(
            "Het aandeel ligt tussen 0 en 1. / The share lies between 0 and 1.",
            code="invalid_share",
            field="min_share",
        )
    return {
        "name": name,
        "method": method,
        "unit": unit if method == RoutingMethod.FIXED_UNIT else None,
        "fraud_types": sorted(set(fraud_types)),
        "min_damage_cents": min_damage_cents,
        "min_victims": min_victims,
        "min_share": min_share,
    }


def _reroute_all_on_commit() -> None:
    from ketenwacht.cases import tasks

    routing.forget_rules()
    transaction.on_commit(routing.forget_rules)
    transaction.on_commit(lambda: tasks.reroute_all.delay())


def routing_rule_save(
    *,
    actor: Actor,
    rule: RoutingRule | None,
    name: str,
    method: str,
    unit: Unit | None = None,
    fraud_types: Sequence[str] = (),
    min_damage_cents: int = 0,
    min_victims: int = 0,
    min_share: float = 0.5,
    is_active: bool = True,
) -> RoutingRule:
    """Create (``rule=None``, placed last) or change a routing rule; open clusters re-route."""
    access.require(actor, "cases.routing_manage")
    values = _rule_fields(
        name=name,
        method=method,
        unit=unit,
        fraud_types=fraud_types,
        min_damage_cents=min_damage_cents,
        min_victims=min_victims,
        min_share=min_share,
    )
    with transaction.atomic():
        if rule is None:
            last = RoutingRule.objects.order_by("-position").values_list("position", flat=True)
            rule = RoutingRule(position=(last.first() or 0) + 1)
        for name_, value in values.items():
            setattr(rule, name_, value)
        rule.is_active = is_active
        rule.updated_by = actor.user
        rule.updated_at = timezone.now()
        rule.save()
        audit_record(
            actor=actor,
            action="cases.routing_rule_save",
            object_type="routing_rule",
            object_id=rule.pk,
            details={**values, "unit": unit.code if unit else None, "active": is_active},
        )
        _reroute_all_on_commit()
    return rule


def routing_rule_move(*, actor: Actor, rule: RoutingRule, direction: int) -> None:
    """Swap the rule with its neighbour above (``-1``) or below (``+1``)."""
    access.require(actor, "cases.routing_manage")
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update().order_by("position", "pk"))
        index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(rules):
            return
        rules[index], rules[other] = rules[other], rules[index]
        for position, item in enumerate(rules, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        audit_record(
            actor=actor,
            action="cases.routing_rule_move",
            object_type="routing_rule",
            object_id=rule.pk,
            details={"order": [r.pk for r in rules]},
        )
        _reroute_all_on_commit()


def reroute_all(*, actor: Actor = SYSTEM) -> int:
    """Route every active cluster again (after the rules changed); returns new decisions."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(Cluster.objects.filter(is_active=True).values_list("pk", flat=True))
        decisions = routing.route(ids, now=now)
        audit_record(
            actor=actor,
            action="cases.reroute",
            object_type="routing",
            details={"clusters": len(ids), "decisions": decisions},
        )
    return decisions


# --- suspects' postcodes from banks -----------------------------------------------------------


def suspect_postcode_supply(
    *, actor: Actor, value: str, postcode4: str, sharing_group: str, kind: str | None = None
) -> SuspectLocation:
    """A bank states the postcode area of the holder of an account, under the agreement of a
    sharing group it shares with the police or prosecutor; used only for routing."""
    _require_token_scope(actor, Scope.CASES_SUSPECT_POSTCODE)
    organisation = actor.organisation
    if organisation is None or organisation.sector != Sector.BANK:
        raise PermissionDeniedError(
            "Alleen banken leveren postcodes van rekeninghouders. / Only banks supply account "
            "holders' postcodes.",
            code="not_a_bank",
        )
    postcode = _postcode(postcode4, required=True)
    canonical = canonicalise(value, kind or None)
    if canonical.kind not in ("iban", "account"):
        raise _invalid(
            "Alleen voor rekeningen. / Only for accounts.", code="not_an_account", field="value"
        )
    group = organisation.sharing_groups.filter(slug=sharing_group).first()
    if group is None:
        raise PermissionDeniedError(
            f"Uw organisatie zit niet in deelgroep '{sharing_group}'. / Your organisation is not "
            f"a member of sharing group '{sharing_group}'.",
            code="not_a_member",
        )
    agreement = _agreement_for_postcodes(group, canonical.kind)
    now = timezone.now()
    with transaction.atomic():
        pseudonym_id = pseudonym_ids_for([canonical])[0]
        unit = routing.unit_for_postcode(postcode)
        location, _created = SuspectLocation.objects.update_or_create(
            pseudonym_id=pseudonym_id,
            organisation=organisation,
            defaults={
                "postcode4": postcode,
                "unit": unit,
                "agreement": agreement,
                "created_at": now,
                "expires_at": now + timedelta(days=int(agreement.retention_days[canonical.kind])),
            },
        )
        routing.forget_suspects()
        transaction.on_commit(routing.forget_suspects)
        clusters = set(
            ReportLink.objects.filter(
                pseudonym_id=pseudonym_id, report__membership__isnull=False
            ).values_list("report__membership__cluster_id", flat=True)
        )
        routing.route(clusters, now=now)
        audit_record(
            actor=actor,
            action="cases.suspect_postcode",
            object_type="pseudonym",
            object_id=pseudonym_id,
            details={
                "group": group.slug,
                "agreement": agreement.pk,
                "unit": getattr(unit, "code", None),
            },
        )
    return location


def _agreement_for_postcodes(group: SharingGroup, kind: str) -> Any:
    agreement = agreements_in_force([group.pk], now=timezone.now()).get(group.pk)
    police_member = group.members.filter(sector__in=list(access.CASE_SECTORS)).exists()
    if agreement is None or kind not in agreement.allowed_kinds or not police_member:
        raise PermissionDeniedError(
            "De overeenkomst van deze deelgroep staat dit niet toe (soort, of geen politie/OM "
            "in de groep). / The agreement of this sharing group does not allow this (kind, or "
            "no police/prosecutor in the group).",
            code="agreement_does_not_allow",
        )
    if not isinstance(agreement.retention_days.get(kind), int):
        raise PermissionDeniedError(
            "De overeenkomst noemt geen bewaartermijn voor deze soort. / The agreement sets no "
            "retention for this kind.",
            code="agreement_does_not_allow",
        )
    return agreement


# --- maintenance -------------------------------------------------------------------------------


def priorities_refresh(*, actor: Actor = SYSTEM) -> int:
    """Recompute summaries (growth and recency move with the calendar) of active clusters,
    5,000 at a time, each chunk in a transaction of its own: a chunk's clusters are locked
    while it is refreshed, and adds to them wait that long, not for the whole run."""
    now = timezone.now()
    ids = list(Cluster.objects.filter(is_active=True).values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        with transaction.atomic():
            chunk = linking.lock_clusters(ids[start : start + 5000])
            summary.refresh(chunk, now=now)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="cases.priorities_refresh",
            object_type="clusters",
            details={"clusters": len(ids)},
        )
    return len(ids)


def suspect_locations_purge(*, actor: Actor = SYSTEM) -> int:
    with transaction.atomic():
        deleted, _ = SuspectLocation.objects.filter(expires_at__lte=timezone.now()).delete()
        transaction.on_commit(routing.forget_suspects)
        audit_record(
            actor=actor,
            action="cases.suspect_locations_purge",
            object_type="retention",
            details={"deleted": deleted},
        )
    return deleted


# --- retention of police and partner reports ----------------------------------------------
#
# Victim intakes are not purged here: their report leaves when the intake app unlinks it.
# Police reports and partners' incident reports stay ``config.retention_days()`` days after
# the day they were reported; a purged report is removed like any removed report (links
# gone, the clusters it held together recomputed), one audit row per chunk.

# Reports removed per transaction: a purge after a long pause neither holds locks for long
# nor loses what it did when it is stopped.
PURGE_CHUNK = 200


def _expired_ids(today: date, terms: Mapping[str, int], limit: int) -> list[int]:
    ids: list[int] = []
    for source, days in terms.items():
        cutoff = today - timedelta(days=days)
        ids += Report.objects.filter(source=source, reported_on__lt=cutoff).values_list(
            "pk", flat=True
        )[: limit - len(ids)]
        if len(ids) >= limit:
            break
    return ids


def reports_purge(*, actor: Actor = SYSTEM) -> int:
    """Remove every police and partner report past its term; returns how many left."""
    terms = retention_days()
    now = timezone.now()
    today = timezone.localdate(now)
    removed = 0
    while ids := _expired_ids(today, terms, PURGE_CHUNK):
        with transaction.atomic():
            chunk = 0
            for report in Report.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
                change = linking.remove_report(report, now=now)
                clusters_after_change(change, now=now)
                chunk += 1
            audit_record(
                actor=actor,
                action="cases.reports_purge",
                object_type="retention",
                details={"removed": chunk, "terms_days": terms},
            )
        removed += chunk
    return removed
