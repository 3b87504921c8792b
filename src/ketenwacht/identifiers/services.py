"""Writes of the identifiers domain: sightings, checks (they write audit rows), reveals,
the allowlist and the retention purge. Key rotation lives in ``identifiers.rotation``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.gcpause import gc_paused
from ketenwacht.identifiers import explain, pseudonyms, ratelimit, signals
from ketenwacht.identifiers.canonical import KINDS, Canonical, CanonicalError, canonicalise
from ketenwacht.identifiers.constants import (
    COPY_THRESHOLD,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_TTL_HOURS,
    MAX_BATCH_ITEMS,
    REVEAL_REASON_MIN_LENGTH,
    UNDER_REVIEW,
    AllowlistCategory,
    Source,
)
from ketenwacht.identifiers.ingest import (
    IngestContext,
    ItemError,
    PreparedSighting,
    prepare_items,
    write_copy,
    write_portable,
)
from ketenwacht.identifiers.models import (
    AllowlistEntry,
    IdempotencyRecord,
    Pseudonym,
    RawValue,
    Sighting,
)
from ketenwacht.identifiers.scoring import Score
from ketenwacht.identifiers.selectors import agreements_in_force, allowlist_hits, evidence_for
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import Organisation

# --- errors -----------------------------------------------------------------------------------


class BatchRejected(ValidationFailed):
    """An atomic batch with bad items: nothing was recorded. ``errors`` lists every bad item."""

    code = "batch_rejected"

    def __init__(self, errors: Sequence[ItemError]) -> None:
        super().__init__(
            f"{len(errors)} item(s) ongeldig; niets vastgelegd. / {len(errors)} invalid "
            "item(s); nothing was recorded.",
        )
        self.errors = list(errors)


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Te veel verzoeken; probeer het over {retry_after} seconden opnieuw. / Too many "
            f"requests; try again in {retry_after} seconds.",
            details={"retry_after": retry_after},
        )
        self.retry_after = retry_after


def _require(actor: Actor, *, scope: str, permission: str) -> None:
    """System, a token with ``scope``, or a user holding ``permission``."""
    if actor.is_system:
        return
    allowed = (
        access.has_scope(actor, scope) if actor.token is not None else access.can(actor, permission)
    )
    if not allowed:
        raise PermissionDeniedError(
            "U heeft geen toegang tot deze handeling. / You are not allowed to do this.",
            code="forbidden",
        )


def _check_batch_size(items: Sequence[Any]) -> None:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise ValidationFailed(
            "'items' moet een lijst zijn. / 'items' must be a list.", code="invalid", field="items"
        )
    if not items:
        raise ValidationFailed(
            "De lijst is leeg. / The list is empty.", code="empty_batch", field="items"
        )
    if len(items) > MAX_BATCH_ITEMS:
        raise ValidationFailed(
            f"Hoogstens {MAX_BATCH_ITEMS} items per verzoek. / At most {MAX_BATCH_ITEMS} items "
            "per request.",
            code="batch_too_large",
            status=413,
        )


# --- sightings --------------------------------------------------------------------------------


@dataclass
class IngestResult:
    """The outcome of one batch: a result per item, in input order."""

    batch_id: str | None
    recorded: int
    failed: int
    results: list[dict[str, Any]]
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "recorded": self.recorded,
            "failed": self.failed,
            "results": self.results,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, replayed: bool) -> IngestResult:
        return cls(
            batch_id=data["batch_id"],
            recorded=data["recorded"],
            failed=data["failed"],
            results=list(data["results"]),
            replayed=replayed,
        )


class _KeyTaken(Exception):
    """Another request holds the same idempotency key."""


def _ingest_organisation(
    actor: Actor, organisation: Organisation | None, source: str
) -> Organisation:
    if source not in Source.values:
        raise ValidationFailed(
            f"Onbekende bron '{source}'. / Unknown source '{source}'.", code="unknown_source"
        )
    if not actor.is_system:
        if source != Source.PARTNER:
            raise PermissionDeniedError(
                "Alleen het platform legt waarnemingen uit intake of schild vast. / Only the "
                "platform records sightings from intake or the shield.",
                code="forbidden",
            )
        if organisation is not None and organisation != actor.organisation:
            raise PermissionDeniedError(
                "Alleen voor de eigen organisatie. / Only for your own organisation.",
                code="wrong_organisation",
            )
        organisation = actor.organisation
    if organisation is None:
        raise ValidationFailed(
            "Geen organisatie om de waarneming aan toe te schrijven. / No organisation to "
            "attribute the sighting to.",
            code="no_organisation",
        )
    return organisation


def _request_hash(items: Sequence[Any], *, atomic: bool, source: str) -> str:
    body = json.dumps(
        {"items": list(items), "atomic": atomic, "source": source},
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _validate_idempotency_key(key: str) -> None:
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key moet 1–{IDEMPOTENCY_KEY_MAX_LENGTH} leesbare tekens zijn. / "
            f"Idempotency-Key must be 1–{IDEMPOTENCY_KEY_MAX_LENGTH} printable characters.",
            code="invalid_idempotency_key",
        )


def _replay(
    organisation: Organisation, key: str, request_hash: str, now: datetime
) -> IngestResult | None:
    record = IdempotencyRecord.objects.filter(
        organisation=organisation,
        key=key,
        created_at__gt=now - timedelta(hours=IDEMPOTENCY_TTL_HOURS),
    ).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise ConflictError(
            "Deze Idempotency-Key is al gebruikt voor een ander verzoek. / This "
            "Idempotency-Key was already used for a different request.",
            code="idempotency_key_reused",
            status=422,
        )
    return IngestResult.from_dict(record.response, replayed=True)


def _claim_key(
    organisation: Organisation, key: str, request_hash: str, now: datetime
) -> IdempotencyRecord:
    IdempotencyRecord.objects.filter(
        organisation=organisation,
        key=key,
        created_at__lte=now - timedelta(hours=IDEMPOTENCY_TTL_HOURS),
    ).delete()
    try:
        with transaction.atomic():  # a savepoint: the conflict must not poison the batch
            return IdempotencyRecord.objects.create(
                organisation=organisation, key=key, request_hash=request_hash
            )
    except IntegrityError:
        raise _KeyTaken from None


def _item_results(
    prepared: Sequence[PreparedSighting], errors: Sequence[ItemError]
) -> list[dict[str, Any]]:
    hits = allowlist_hits([item.canonical for item in prepared])
    results: list[dict[str, Any]] = [error.as_dict() for error in errors]
    for item in prepared:
        results.append(
            {
                "index": item.index,
                "ok": True,
                "sighting_id": item.sighting_id,
                "kind": item.canonical.kind,
                "display_hint": item.display_hint,
                "expires_at": item.expires_at.isoformat(),
                "allowlisted": item.key in hits,
            }
        )
    if errors:  # both lists are in input order: without errors there is nothing to merge
        results.sort(key=lambda result: int(result["index"]))
    return results


def _write_batch(
    *,
    actor: Actor,
    organisation: Organisation,
    prepared: list[PreparedSighting],
    errors: list[ItemError],
    atomic: bool,
    source: str,
    ring: pseudonyms.KeyRing,
    idempotency: tuple[str, str] | None,
    now: datetime,
) -> IngestResult:
    batch_id = uuid.uuid4()
    use_copy = connection.vendor == "postgresql" and len(prepared) >= COPY_THRESHOLD
    with transaction.atomic():
        record = _claim_key(organisation, *idempotency, now) if idempotency else None
        if prepared:
            writer = write_copy if use_copy else write_portable
            writer(prepared, organisation=organisation, source=source, batch_id=batch_id, ring=ring)
            _announce_recorded([(item.canonical, item.pseudonym_id) for item in prepared])
        result = IngestResult(
            batch_id=str(batch_id),
            recorded=len(prepared),
            failed=len(errors),
            results=_item_results(prepared, errors),
        )
        audit_record(
            actor=actor,
            action="sightings.ingest",
            object_type="sighting_batch",
            object_id=batch_id,
            details={
                "organisation": organisation.pk,
                "recorded": len(prepared),
                "failed": len(errors),
                "atomic": atomic,
                "source": source,
                "path": "copy" if use_copy else "orm",
            },
        )
        if record is not None:
            record.response = result.as_dict()
            record.save(update_fields=["response"])
    return result


def _announce_recorded(recorded: list[tuple[Canonical, int | None]]) -> None:
    signals.sightings_recorded.send(sender=Sighting, recorded=recorded)


def sightings_ingest(
    *,
    actor: Actor,
    items: Sequence[Mapping[str, Any]],
    atomic: bool = False,
    source: str = Source.PARTNER,
    organisation: Organisation | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Record a batch of sightings (1–10,000 items).

    Each item: ``value`` (required), ``kind``, ``fraud_type``, ``role``, ``confidence``
    (default ``suspected``), ``observed_at`` (ISO 8601 or datetime, default now),
    ``sharing_group`` (slug or id; optional when one group of the organisation allows the
    kind). Partial mode records the good items and returns an error per bad one; atomic mode
    raises ``BatchRejected`` unless every item is good. Either way the write is one
    transaction: nothing is ever half-written. With ``idempotency_key`` a repeated request
    returns the stored result instead of recording again.
    """
    _require(actor, scope=Scope.IDENTIFIERS_WRITE, permission="identifiers.record")
    organisation = _ingest_organisation(actor, organisation, source)
    _check_batch_size(items)
    with gc_paused():
        return _ingest(
            actor=actor,
            items=items,
            atomic=atomic,
            source=source,
            organisation=organisation,
            idempotency_key=idempotency_key,
            now=now,
        )


def _ingest(
    *,
    actor: Actor,
    items: Sequence[Mapping[str, Any]],
    atomic: bool,
    source: str,
    organisation: Organisation,
    idempotency_key: str | None,
    now: datetime | None,
) -> IngestResult:
    moment = now or timezone.now()
    idempotency = None
    if idempotency_key is not None:
        _validate_idempotency_key(idempotency_key)
        idempotency = (idempotency_key, _request_hash(items, atomic=atomic, source=source))
        replay = _replay(organisation, *idempotency, moment)
        if replay is not None:
            return replay
    context = IngestContext.load(organisation, now=moment)
    prepared, errors = prepare_items(items, context)
    if atomic and errors:
        raise BatchRejected(errors)
    write = partial(
        _write_batch,
        actor=actor,
        organisation=organisation,
        prepared=prepared,
        errors=errors,
        atomic=atomic,
        source=source,
        ring=context.ring,
        idempotency=idempotency,
        now=moment,
    )
    try:
        try:
            return write()
        except IntegrityError:
            # The retention purge may delete a pseudonym nothing used any more at the moment
            # this batch names it (PostgreSQL checks the foreign key at commit): once more.
            return write()
    except _KeyTaken:
        assert idempotency is not None
        replay = _replay(organisation, *idempotency, moment)
        if replay is not None:
            return replay
        raise ConflictError(
            "Een verzoek met deze Idempotency-Key loopt nog. / A request with this "
            "Idempotency-Key is still in progress.",
            code="idempotency_in_progress",
        ) from None


def sighting_record(
    *,
    actor: Actor,
    value: str,
    fraud_type: str,
    role: str,
    kind: str | None = None,
    confidence: str | None = None,
    observed_at: datetime | str | None = None,
    sharing_group: str | int | None = None,
    source: str = Source.PARTNER,
    organisation: Organisation | None = None,
) -> Sighting:
    """Record one sighting or raise the item's error (intake, shield and portal use this)."""
    item: dict[str, Any] = {"value": value, "fraud_type": fraud_type, "role": role}
    optional = {
        "kind": kind,
        "confidence": confidence,
        "observed_at": observed_at,
        "sharing_group": sharing_group,
    }
    item.update(
        {name: field_value for name, field_value in optional.items() if field_value is not None}
    )
    try:
        result = sightings_ingest(
            actor=actor, items=[item], atomic=True, source=source, organisation=organisation
        )
    except BatchRejected as rejected:
        error = rejected.errors[0]
        raise ValidationFailed(error.detail, code=error.code, field=error.field) from None
    return Sighting.objects.get(pk=result.results[0]["sighting_id"])


# --- checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    canonical: Canonical
    score: Score
    explanation: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        score = self.score
        allowlisted = score.allowlisted
        return {
            "kind": self.canonical.kind,
            "canonical": self.canonical.value,
            "display": self.canonical.display,
            "level": score.level,
            "organisations": score.organisations,
            "sightings": score.sightings,
            "counts": dict(score.counts),
            "fraud_types": list(score.fraud_types),
            "first_seen": score.first_seen.isoformat() if score.first_seen else None,
            "last_seen": score.last_seen.isoformat() if score.last_seen else None,
            "open_disputes": score.open_disputes,
            "reported_by_you": score.reported_by_actor,
            "allowlisted": None
            if allowlisted is None
            else {
                "owner": allowlisted.owner_name,
                "category": allowlisted.category,
                "label": allowlisted.label,
            },
            "explanation": dict(self.explanation),
        }


@dataclass(frozen=True)
class PublicCheckResult:
    level: str
    advice: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "advice": dict(self.advice)}


def _fraud_type_names() -> dict[str, tuple[str, str]]:
    return {entry["code"]: (entry["name_nl"], entry["name_en"]) for entry in fraud_type_catalogue()}


def _reference(canonical: Canonical) -> str:
    """The pseudonym of a checked value for the audit row (current key version)."""
    version, digest = pseudonyms.current_digest(canonical.kind, canonical.value)
    return f"v{version}:{digest.hex()}"


def _parse_kind(kind: str | None) -> str | None:
    if kind in (None, ""):
        return None
    if kind not in KINDS:
        raise ValidationFailed(
            f"Onbekende soort '{kind}'. / Unknown kind '{kind}'.", code="unknown_kind", field="kind"
        )
    return kind


def _canonical_item(item: Any) -> Canonical:
    if not isinstance(item, Mapping):
        raise ValidationFailed(
            "Een item moet een object zijn. / An item must be an object.", code="not_an_object"
        )
    value = item.get("value")
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(
            "Waarde is verplicht. / Value is required.", code="required", field="value"
        )
    kind = item.get("kind")
    return canonicalise(value, _parse_kind(kind if isinstance(kind, str) or kind is None else "?"))


def check_many(
    *, actor: Actor, items: Sequence[Mapping[str, Any]]
) -> list[CheckResult | ItemError]:
    """Check up to 10,000 values (``{"value", "kind"?}``); a bad item gets its own error.

    One audit row for the whole request (actor and counts; no values).
    """
    with gc_paused():
        return _check_many(actor=actor, items=items)


def _check_many(
    *, actor: Actor, items: Sequence[Mapping[str, Any]]
) -> list[CheckResult | ItemError]:
    _require(actor, scope=Scope.IDENTIFIERS_CHECK, permission="identifiers.check")
    _check_batch_size(items)
    canonicals: list[tuple[int, Canonical]] = []
    errors: list[ItemError] = []
    for index, item in enumerate(items):
        try:
            canonicals.append((index, _canonical_item(item)))
        except DomainError as error:
            errors.append(ItemError(index, error.code, str(error.message), error.field))
    scores = evidence_for(actor=actor, canonicals=[c for _i, c in canonicals])
    names = _fraud_type_names() if any(s.fraud_types for s in scores) else {}
    results: dict[int, CheckResult | ItemError] = {error.index: error for error in errors}
    # Values nobody reported share one score object (see ``evidence_for``): explain it once
    # per kind. The scores list keeps every score alive, so ids are not reused meanwhile.
    explanations: dict[tuple[int, str], dict[str, str]] = {}
    for (index, canonical), item_score in zip(canonicals, scores, strict=True):
        memo = (id(item_score), canonical.kind)
        explanation = explanations.get(memo)
        if explanation is None:
            explanation = explanations[memo] = explain.explanation(
                item_score, kind=canonical.kind, fraud_type_names=names
            )
        results[index] = CheckResult(canonical, item_score, explanation)
    levels = Counter(s.level for s in scores)
    audit_record(
        actor=actor,
        action="identifiers.check",
        object_type="check_batch",
        details={
            "count": len(items),
            "failed": len(errors),
            "levels": dict(sorted(levels.items())),
        },
    )
    return [results[index] for index in range(len(items))]


def check_one(*, actor: Actor, value: str, kind: str | None = None) -> CheckResult:
    """Check one value (raises ``CanonicalError`` for input that is no identifier)."""
    _require(actor, scope=Scope.IDENTIFIERS_CHECK, permission="identifiers.check")
    canonical = canonicalise(value, _parse_kind(kind))
    item_score = evidence_for(actor=actor, canonicals=[canonical])[0]
    audit_record(
        actor=actor,
        action="identifiers.check",
        object_type="pseudonym",
        object_id=_reference(canonical),
        details={"count": 1, "kind": canonical.kind, "level": item_score.level},
    )
    return CheckResult(
        canonical,
        item_score,
        explain.explanation(
            item_score,
            kind=canonical.kind,
            # The names are only read for fraud types; most checked values have none.
            fraud_type_names=_fraud_type_names() if item_score.fraud_types else {},
        ),
    )


def public_check_rate() -> ratelimit.Rate:
    return ratelimit.parse_rate(str(settings.KETENWACHT.get("PUBLIC_CHECK_RATE", "20/minute")))


def public_check(*, actor: Actor, value: str, kind: str | None = None) -> PublicCheckResult:
    """The citizen's check: level and advice only, rate-limited per client address.

    Only whole identifiers are answered: the value must canonicalise, and the lookup is an
    exact pseudonym match, so prefixes, wildcards and ranges cannot be asked. While a dispute
    about the value is open the level is ``under_review`` with a neutral message.
    """
    decision = ratelimit.hit("public-check", actor.client_address or "unknown", public_check_rate())
    if not decision.allowed:
        raise RateLimited(decision.retry_after)
    canonical = canonicalise(value, _parse_kind(kind))
    item_score = evidence_for(actor=actor, canonicals=[canonical], public=True)[0]
    level = public_level(item_score)
    audit_record(
        actor=actor,
        action="identifiers.public_check",
        object_type="pseudonym",
        object_id=_reference(canonical),
        details={"count": 1, "kind": canonical.kind, "level": level},
    )
    return PublicCheckResult(
        level=level, advice=explain.public_advice(level, item_score.allowlisted)
    )


def public_level(item_score: Score) -> str:
    """The citizen's level: suspended ("under review") while a dispute about the value is open.

    An official (allowlisted) value keeps its spoofing warning: that is no verdict to suspend.
    """
    if item_score.open_disputes and item_score.allowlisted is None:
        return UNDER_REVIEW
    return item_score.level


# --- reveal -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevealedValue:
    pseudonym_id: int
    kind: str
    value: str
    display: str


def _reveal_allowed(actor: Actor, pseudonym: Pseudonym, now: datetime) -> bool:
    """Allowed when a group with an unexpired sighting of the value has an agreement in force
    naming the actor's role for raw values, and the actor's organisation is a member."""
    group_ids = set(
        Sighting.objects.filter(pseudonym=pseudonym, expires_at__gt=now).values_list(
            "sharing_group_id", flat=True
        )
    )
    agreements = agreements_in_force(group_ids, now=now)
    return any(access.may_see_raw_values(actor, agreement) for agreement in agreements.values())


def raw_value_reveal(*, actor: Actor, pseudonym: Pseudonym, reason: str) -> RevealedValue:
    """Decrypt a kept raw value for a police analyst whose agreement allows it; audited,
    refusals included."""
    access.require(actor, "identifiers.reveal")
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        raise ValidationFailed(
            f"Geef een reden van minstens {REVEAL_REASON_MIN_LENGTH} tekens. / Give a reason of "
            f"at least {REVEAL_REASON_MIN_LENGTH} characters.",
            code="reason_required",
            field="reason",
        )
    now = timezone.now()
    if not _reveal_allowed(actor, pseudonym, now):
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="identifiers.reveal_refused",
                object_type="pseudonym",
                object_id=pseudonym.reference,
                purpose=reason[:500],
            )
        raise PermissionDeniedError(
            "De overeenkomst staat u niet toe deze waarde te zien. / The agreement does not "
            "allow you to see this value.",
            code="reveal_not_allowed",
        )
    raw = RawValue.objects.filter(pseudonym=pseudonym, expires_at__gt=now).first()
    if raw is None:
        raise NotFoundError(
            "Van deze waarde is geen leesbare vorm bewaard. / No raw form of this value is kept.",
            code="no_raw_value",
        )
    value = pseudonyms.decrypt_raw(pseudonym.kind, raw.nonce, raw.ciphertext)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="identifiers.reveal",
            object_type="pseudonym",
            object_id=pseudonym.reference,
            purpose=reason[:500],
            details={"kind": pseudonym.kind, "agreement": raw.agreement_id},
        )
    try:
        display = canonicalise(value, pseudonym.kind).display
    except CanonicalError:  # rules may have tightened since; the stored form is still the fact
        display = value
    return RevealedValue(
        pseudonym_id=pseudonym.pk, kind=pseudonym.kind, value=value, display=display
    )


# --- allowlist --------------------------------------------------------------------------------


def allowlist_add(
    *,
    actor: Actor,
    value: str,
    owner_name: str,
    category: str,
    kind: str | None = None,
    label: str = "",
    note: str = "",
    covers_urls: bool = True,
) -> AllowlistEntry:
    """List an official number, domain or address. Listed values never get a fraud verdict."""
    access.require(actor, "identifiers.allowlist_manage")
    if category not in AllowlistCategory.values:
        raise ValidationFailed(
            f"Onbekende categorie '{category}'. / Unknown category '{category}'.",
            code="unknown_category",
            field="category",
        )
    if not owner_name.strip():
        raise ValidationFailed(
            "Eigenaar is verplicht. / Owner is required.", code="required", field="owner_name"
        )
    canonical = canonicalise(value, _parse_kind(kind))
    with transaction.atomic():
        if AllowlistEntry.objects.filter(kind=canonical.kind, value=canonical.value).exists():
            raise ConflictError(
                "Deze waarde staat al op de lijst. / This value is already listed.",
                code="already_listed",
            )
        entry = AllowlistEntry.objects.create(
            kind=canonical.kind,
            value=canonical.value,
            display=canonical.display,
            owner_name=owner_name.strip(),
            category=category,
            label=label.strip(),
            note=note.strip(),
            covers_urls=covers_urls,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="allowlist.add",
            object_type="allowlist_entry",
            object_id=entry.pk,
            details={"kind": entry.kind, "value": entry.value, "owner": entry.owner_name},
        )
    return entry


def allowlist_remove(*, actor: Actor, entry: AllowlistEntry) -> None:
    access.require(actor, "identifiers.allowlist_manage")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="allowlist.remove",
            object_type="allowlist_entry",
            object_id=entry.pk,
            details={"kind": entry.kind, "value": entry.value, "owner": entry.owner_name},
        )
        entry.delete()


# --- retention --------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    sightings: int = 0
    raw_values: int = 0
    pseudonyms: int = 0
    idempotency_records: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "sightings": self.sightings,
            "raw_values": self.raw_values,
            "pseudonyms": self.pseudonyms,
            "idempotency_records": self.idempotency_records,
        }


def _delete_in_batches(query: Any, batch_size: int) -> int:
    """Delete rows matching ``query`` a batch at a time (short transactions, no long locks)."""
    total = 0
    model = query.model
    while True:
        ids = list(dict.fromkeys(query.values_list("pk", flat=True)[:batch_size]))
        if not ids:
            return total
        with transaction.atomic():
            model.objects.filter(pk__in=ids).delete()
        total += len(ids)


def _orphan_pseudonyms() -> Any:
    """Pseudonyms nothing refers to any more: no sightings, raw value, or rows of other apps."""
    query = Pseudonym.objects.all()
    for relation in Pseudonym._meta.related_objects:
        query = query.filter(**{f"{relation.name}__isnull": True})
    return query


def sightings_purge(
    *, actor: Actor = SYSTEM, now: datetime | None = None, batch_size: int = 5000
) -> PurgeResult:
    """Delete expired sightings, their encrypted raw values and pseudonyms left without use.

    Raw values go when they expire or when no sighting of the value is left.
    """
    moment = now or timezone.now()
    result = PurgeResult()
    result.sightings = _delete_in_batches(
        Sighting.objects.filter(expires_at__lte=moment), batch_size
    )
    result.raw_values = _delete_in_batches(
        RawValue.objects.filter(Q(expires_at__lte=moment) | Q(pseudonym__sightings__isnull=True)),
        batch_size,
    )
    # A batch naming one of these values at the same moment wins; the next run takes the rest.
    with contextlib.suppress(IntegrityError, ProtectedError):
        result.pseudonyms = _delete_in_batches(_orphan_pseudonyms(), batch_size)
    result.idempotency_records = _delete_in_batches(
        IdempotencyRecord.objects.filter(
            created_at__lte=moment - timedelta(hours=IDEMPOTENCY_TTL_HOURS)
        ),
        batch_size,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="identifiers.purge",
            object_type="retention",
            details=result.as_dict(),
        )
    return result
