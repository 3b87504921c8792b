"""Turning submitted sightings into rows: per-item validation, pseudonyms, raw values, writes.

Used by ``services.sightings_ingest``; not imported by other apps. Two write paths share the
preparation: a portable ORM path (SQLite, small batches) and, on PostgreSQL for large
batches, ``COPY`` into a temporary staging table followed by set-based merges.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from psycopg.types.string import BytesBinaryDumper

from ketenwacht.errors import DomainError
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import KINDS, Canonical, CanonicalError, canonicalise
from ketenwacht.identifiers.constants import (
    OBSERVED_AT_CLOCK_SKEW_MINUTES,
    ROLE_KINDS,
    Confidence,
    IdentifierRole,
)
from ketenwacht.identifiers.models import Pseudonym, RawValue, Sighting
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup

ITEM_FIELDS = frozenset(
    {"value", "kind", "fraud_type", "role", "confidence", "observed_at", "sharing_group"}
)
MAX_VALUE_LENGTH = 2048
# Allowed values, built once: ``TextChoices.values`` builds a new list on every access.
_ROLES = frozenset(IdentifierRole.values)
_CONFIDENCES = frozenset(Confidence.values)
_DEFAULT_CONFIDENCE = str(Confidence.SUSPECTED)
# Parameters per ``IN (…)`` query: well below SQLite's and PostgreSQL's limits.
LOOKUP_CHUNK = 2000


class ItemProblem(Exception):
    """One item is refused; the rest of a partial batch goes on."""

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class ItemError:
    index: int
    code: str
    detail: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.field:
            error["field"] = self.field
        return {"index": self.index, "ok": False, "error": error}


@dataclass(slots=True)
class PreparedSighting:
    """A valid item, ready to write."""

    index: int
    canonical: Canonical
    key: tuple[str, str]  # (kind, canonical value): one pseudonym per key
    digests: dict[int, bytes]
    fraud_type: str
    role: str
    confidence: str
    observed_at: datetime
    expires_at: datetime
    group_id: int
    agreement: DataSharingAgreement
    keep_raw: bool
    display_hint: str = ""
    pseudonym_id: int | None = None
    sighting_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Terms:
    """Where an item goes and what the group's agreement says for its kind: the same for
    every item of a batch naming the same group (or none) with the same kind."""

    group_id: int
    agreement: DataSharingAgreement
    retention: timedelta
    keep_raw: bool


@dataclass
class IngestContext:
    """What every item of one batch is checked against, loaded once per batch."""

    organisation: Organisation
    now: datetime
    ring: pseudonyms.KeyRing
    fraud_types: frozenset[str]
    groups: dict[str, SharingGroup]
    agreements: dict[int, DataSharingAgreement] = field(default_factory=dict)
    # kind -> the group its items go to when they name none (or why none), filled lazily.
    default_groups: dict[str, SharingGroup | ItemProblem] = field(default_factory=dict)
    # (named group or None, kind) -> the terms for such items (or why there are none), lazily.
    terms: dict[tuple[str | None, str], _Terms | ItemProblem] = field(default_factory=dict)
    latest_observed_at: datetime = field(init=False)  # now plus the allowed clock skew

    def __post_init__(self) -> None:
        self.latest_observed_at = self.now + timedelta(minutes=OBSERVED_AT_CLOCK_SKEW_MINUTES)

    @classmethod
    def load(cls, organisation: Organisation, *, now: datetime) -> IngestContext:
        groups = list(organisation.sharing_groups.all())
        agreements: dict[int, DataSharingAgreement] = {}
        in_force = (
            DataSharingAgreement.objects.filter(group__in=groups, valid_from__lte=now)
            .exclude(valid_to__lte=now)
            .order_by("group_id", "version")
        )
        for agreement in in_force:
            agreements[agreement.group_id] = agreement  # the highest version wins
        by_name: dict[str, SharingGroup] = {}
        for group in groups:
            by_name[group.slug] = group
            by_name[str(group.pk)] = group
        return cls(
            organisation=organisation,
            now=now,
            ring=pseudonyms.keyring(),
            fraud_types=frozenset(entry["code"] for entry in fraud_type_catalogue()),
            groups=by_name,
            agreements=agreements,
        )


def prepare_items(
    items: Sequence[Any], context: IngestContext
) -> tuple[list[PreparedSighting], list[ItemError]]:
    prepared: list[PreparedSighting] = []
    errors: list[ItemError] = []
    for index, item in enumerate(items):
        try:
            prepared.append(prepare_item(index, item, context))
        except ItemProblem as problem:
            errors.append(ItemError(index, problem.code, problem.detail, problem.field))
        except DomainError as error:
            errors.append(ItemError(index, error.code, str(error.message), error.field))
    return prepared, errors


def prepare_item(index: int, item: Any, context: IngestContext) -> PreparedSighting:
    if not isinstance(item, Mapping):
        raise ItemProblem(
            "not_an_object", "Een item moet een object zijn. / An item must be an object."
        )
    unknown = [] if ITEM_FIELDS.issuperset(item) else sorted(set(item) - ITEM_FIELDS)
    if unknown:
        raise ItemProblem(
            "unknown_field",
            f"Onbekende velden: {unknown}. / Unknown fields: {unknown}.",
            field=str(unknown[0]),
        )
    canonical = _canonical_of(item)
    fraud_type = _choice(item, "fraud_type", context.fraud_types)
    role = _choice(item, "role", _ROLES)
    if canonical.kind not in ROLE_KINDS[role]:
        raise ItemProblem(
            "role_kind_mismatch",
            f"Rol '{role}' past niet bij soort '{canonical.kind}'. / Role '{role}' does not fit "
            f"kind '{canonical.kind}'.",
            field="role",
        )
    confidence = _choice(item, "confidence", _CONFIDENCES, default=_DEFAULT_CONFIDENCE)
    observed_at = _observed_at(item.get("observed_at"), context)
    terms = _terms(item.get("sharing_group"), canonical.kind, context)
    expires_at = observed_at + terms.retention
    if expires_at <= context.now:
        raise ItemProblem(
            "already_expired",
            "Deze waarneming is ouder dan de bewaartermijn. / This sighting is older than the "
            "retention period.",
            field="observed_at",
        )
    return PreparedSighting(
        index=index,
        canonical=canonical,
        key=(canonical.kind, canonical.value),
        digests=pseudonyms.digests_by_version(canonical.kind, canonical.value, context.ring),
        fraud_type=fraud_type,
        role=role,
        confidence=confidence,
        observed_at=observed_at,
        expires_at=expires_at,
        group_id=terms.group_id,
        agreement=terms.agreement,
        keep_raw=terms.keep_raw,
        display_hint=pseudonyms.display_hint(canonical),
    )


def _canonical_of(item: Mapping[str, Any]) -> Canonical:
    value = item.get("value")
    if not isinstance(value, str) or not value.strip():
        raise ItemProblem("required", "Waarde is verplicht. / Value is required.", field="value")
    if len(value) > MAX_VALUE_LENGTH:
        raise ItemProblem("too_long", "Waarde is te lang. / Value is too long.", field="value")
    kind = item.get("kind")
    if kind in (None, ""):
        kind = None
    elif kind not in KINDS:
        raise ItemProblem(
            "unknown_kind", f"Onbekende soort '{kind}'. / Unknown kind '{kind}'.", field="kind"
        )
    try:
        return canonicalise(value, kind)
    except CanonicalError as error:
        raise ItemProblem(error.code, str(error.message), field="value") from None


def _choice(
    item: Mapping[str, Any], name: str, allowed: frozenset[str], default: str | None = None
) -> str:
    value = item.get(name, default)
    if value in allowed:  # the common case first: one set lookup
        return str(value)
    if value in (None, ""):
        raise ItemProblem("required", f"'{name}' is verplicht. / '{name}' is required.", field=name)
    if value not in allowed:
        raise ItemProblem(
            f"unknown_{name}",
            f"Onbekende waarde voor '{name}': {value!r}. / Unknown value for '{name}': {value!r}.",
            field=name,
        )
    return str(value)


def _observed_at(raw: Any, context: IngestContext) -> datetime:
    if raw in (None, ""):
        return context.now
    try:
        moment = (
            raw
            if isinstance(raw, datetime)
            else parse_datetime(raw)
            if isinstance(raw, str)
            else None
        )
    except ValueError:  # well formed but no date ("2026-13-01T00:00"): parse_datetime raises
        moment = None
    if moment is None:
        raise ItemProblem(
            "invalid_datetime",
            "Tijdstip moet ISO 8601 zijn. / The time must be ISO 8601.",
            field="observed_at",
        )
    if moment.utcoffset() is None:  # timezone.is_naive, without the call
        moment = timezone.make_aware(moment)
    if moment > context.latest_observed_at:
        raise ItemProblem(
            "observed_in_future",
            "Tijdstip ligt in de toekomst. / The time lies in the future.",
            field="observed_at",
        )
    return moment


def _group(raw: Any, kind: str, context: IngestContext) -> SharingGroup:
    """The named group, or the one group whose agreement allows this kind."""
    if raw not in (None, ""):
        group = context.groups.get(str(raw))
        if group is None:
            raise ItemProblem(
                "not_a_member",
                f"Uw organisatie zit niet in deelgroep '{raw}'. / Your organisation is not a "
                f"member of sharing group '{raw}'.",
                field="sharing_group",
            )
        _require_allowed(group, kind, context)
        return group
    # The same for every item of a kind in the batch: decided once per kind.
    found = context.default_groups.get(kind)
    if found is None:
        found = context.default_groups[kind] = _default_group(kind, context)
    if isinstance(found, ItemProblem):
        raise ItemProblem(found.code, found.detail, found.field)
    return found


def _default_group(kind: str, context: IngestContext) -> SharingGroup | ItemProblem:
    """The one group whose agreement allows ``kind``, or why there is none."""
    candidates = {
        group.pk: group
        for group in context.groups.values()
        if group.pk in context.agreements and kind in context.agreements[group.pk].allowed_kinds
    }
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    if candidates:
        return ItemProblem(
            "sharing_group_required",
            "Kies een deelgroep (sharing_group). / Choose a sharing group (sharing_group).",
            field="sharing_group",
        )
    if not context.agreements:
        return ItemProblem(
            "no_sharing_group",
            "Uw organisatie zit in geen deelgroep met een geldige overeenkomst. / Your "
            "organisation is in no sharing group with an agreement in force.",
            field="sharing_group",
        )
    return ItemProblem(
        "kind_not_allowed",
        f"Geen deelgroep van uw organisatie staat soort '{kind}' toe. / No sharing group of "
        f"your organisation allows kind '{kind}'.",
        field="kind",
    )


def _require_allowed(group: SharingGroup, kind: str, context: IngestContext) -> None:
    agreement = context.agreements.get(group.pk)
    if agreement is None:
        raise ItemProblem(
            "no_agreement",
            f"Geen geldige overeenkomst voor '{group.slug}'. / No agreement in force for "
            f"'{group.slug}'.",
            field="sharing_group",
        )
    if kind not in agreement.allowed_kinds:
        raise ItemProblem(
            "kind_not_allowed",
            f"De overeenkomst van '{group.slug}' staat soort '{kind}' niet toe. / The agreement "
            f"of '{group.slug}' does not allow kind '{kind}'.",
            field="kind",
        )


def _terms(raw_group: Any, kind: str, context: IngestContext) -> _Terms:
    """The group (named or the default) and its agreement's terms for ``kind``, or why not."""
    named = None if raw_group in (None, "") else str(raw_group)
    found = context.terms.get((named, kind))
    if found is None:
        try:
            group = _group(raw_group, kind, context)
            agreement = context.agreements[group.pk]
            retention = timedelta(days=_retention_days(agreement, kind))
            found = _Terms(group.pk, agreement, retention, bool(agreement.raw_value_roles))
        except ItemProblem as problem:
            found = problem
        context.terms[(named, kind)] = found
    if isinstance(found, ItemProblem):
        raise ItemProblem(found.code, found.detail, found.field)
    return found


def _retention_days(agreement: DataSharingAgreement, kind: str) -> int:
    days = agreement.retention_days.get(kind)
    if not isinstance(days, int) or days < 1:
        raise ItemProblem(
            "no_retention",
            f"De overeenkomst noemt geen bewaartermijn voor '{kind}'. / The agreement sets no "
            f"retention for '{kind}'.",
            field="kind",
        )
    return days


# --- pseudonyms and raw values --------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def find_pseudonyms(digests: Iterable[bytes]) -> dict[tuple[int, bytes], int]:
    """Existing pseudonym ids by ``(key_version, digest)``, in chunked ``IN`` queries."""
    wanted = list(set(digests))
    found: dict[tuple[int, bytes], int] = {}
    for chunk in _chunks(wanted):
        rows = Pseudonym.objects.filter(digest__in=chunk).values_list("pk", "key_version", "digest")
        for pk, version, digest in rows:
            found[(version, bytes(digest))] = pk
    return found


def upgrade_old_versions(prepared: Sequence[PreparedSighting], ring: pseudonyms.KeyRing) -> int:
    """Re-key pseudonyms still under an older key that this batch names (lazy rotation).

    Only possible here because the batch carries the canonical value; rows without a raw
    value cannot be re-keyed any other way. Returns the number of rows moved to the current
    version.
    """
    if len(ring.versions) < 2:
        return 0
    current = ring.current_version
    by_key = {item.key: item for item in prepared}
    old_digests = [
        digest
        for item in by_key.values()
        for version, digest in item.digests.items()
        if version != current
    ]
    found = find_pseudonyms(old_digests + [item.digests[current] for item in by_key.values()])
    upgraded = 0
    for item in by_key.values():
        if (current, item.digests[current]) in found:
            continue
        for version, digest in item.digests.items():
            pk = found.get((version, digest))
            if version != current and pk is not None:
                Pseudonym.objects.filter(pk=pk).update(
                    digest=item.digests[current], key_version=current
                )
                upgraded += 1
                break
    return upgraded


def resolve_pseudonyms(prepared: Sequence[PreparedSighting], ring: pseudonyms.KeyRing) -> None:
    """Set ``pseudonym_id`` on every item, creating the pseudonyms that do not exist yet."""
    current = ring.current_version
    upgrade_old_versions(prepared, ring)
    by_key: dict[tuple[str, str], PreparedSighting] = {}
    for item in prepared:
        by_key.setdefault(item.key, item)
    found = find_pseudonyms(item.digests[current] for item in by_key.values())
    missing = [item for item in by_key.values() if (current, item.digests[current]) not in found]
    if missing:
        Pseudonym.objects.bulk_create(
            [
                Pseudonym(
                    kind=item.canonical.kind,
                    key_version=current,
                    digest=item.digests[current],
                    display_hint=item.display_hint,
                )
                for item in missing
            ],
            batch_size=1000,
            ignore_conflicts=True,  # a concurrent batch may have created the same value
        )
        found.update(find_pseudonyms(item.digests[current] for item in missing))
    for item in prepared:
        item.pseudonym_id = found[(current, item.digests[current])]


def raw_values_to_keep(
    prepared: Sequence[PreparedSighting],
) -> dict[int, tuple[PreparedSighting, datetime]]:
    """Per pseudonym, the item whose agreement keeps the raw value longest."""
    keep: dict[int, tuple[PreparedSighting, datetime]] = {}
    for item in prepared:
        if not item.keep_raw or item.pseudonym_id is None:
            continue
        current = keep.get(item.pseudonym_id)
        if current is None or item.expires_at > current[1]:
            keep[item.pseudonym_id] = (item, item.expires_at)
    return keep


def store_raw_values(prepared: Sequence[PreparedSighting], ring: pseudonyms.KeyRing) -> int:
    """Encrypt and keep raw values (portable path); extend the expiry of kept ones.

    Extensions are set-based: one ``UPDATE … WHERE expires_at < new`` per distinct new expiry
    (a batch observed on one day has one), so they never shorten a concurrent extension.
    """
    keep = raw_values_to_keep(prepared)
    if not keep:
        return 0
    existing: set[int] = set()
    for chunk in _chunks(list(keep)):
        existing.update(
            RawValue.objects.filter(pseudonym_id__in=chunk).values_list("pseudonym_id", flat=True)
        )
    created = []
    extensions: dict[tuple[datetime, int], list[int]] = {}
    for pseudonym_id, (item, expires_at) in keep.items():
        if pseudonym_id in existing:
            extensions.setdefault((expires_at, item.agreement.pk), []).append(pseudonym_id)
            continue
        nonce, ciphertext = pseudonyms.encrypt_raw(item.canonical.kind, item.canonical.value, ring)
        created.append(
            RawValue(
                pseudonym_id=pseudonym_id,
                encryption_key_version=pseudonyms.ENCRYPTION_KEY_VERSION,
                nonce=nonce,
                ciphertext=ciphertext,
                agreement=item.agreement,
                expires_at=expires_at,
            )
        )
    RawValue.objects.bulk_create(created, batch_size=1000, ignore_conflicts=True)
    for (expires_at, agreement_id), ids in extensions.items():
        for chunk in _chunks(ids):
            RawValue.objects.filter(pseudonym_id__in=chunk, expires_at__lt=expires_at).update(
                expires_at=expires_at, agreement_id=agreement_id
            )
    return len(created)


def _sighting(
    item: PreparedSighting, *, organisation: Organisation, source: str, batch_id: uuid.UUID
) -> Sighting:
    if item.pseudonym_id is None:
        raise RuntimeError("resolve_pseudonyms() must run first")
    return Sighting(
        pseudonym_id=item.pseudonym_id,
        organisation=organisation,
        sharing_group_id=item.group_id,
        agreement=item.agreement,
        kind=item.canonical.kind,
        fraud_type=item.fraud_type,
        role=item.role,
        confidence=item.confidence,
        source=source,
        observed_at=item.observed_at,
        expires_at=item.expires_at,
        batch_id=batch_id,
    )


def write_portable(
    prepared: Sequence[PreparedSighting],
    *,
    organisation: Organisation,
    source: str,
    batch_id: uuid.UUID,
    ring: pseudonyms.KeyRing,
) -> None:
    """The ORM path: a few bulk statements, the same on SQLite and PostgreSQL."""
    resolve_pseudonyms(prepared, ring)
    store_raw_values(prepared, ring)
    rows = Sighting.objects.bulk_create(
        [
            _sighting(item, organisation=organisation, source=source, batch_id=batch_id)
            for item in prepared
        ],
        batch_size=1000,
    )
    for item, row in zip(prepared, rows, strict=True):
        item.sighting_id = row.pk


# --- PostgreSQL: COPY into a staging table, then merge ----------------------------------------

_STAGE = "identifiers_sighting_stage"
_STAGE_COLUMNS = (
    ("sighting_id", "bigint", "int8"),
    ("kind", "text", "text"),
    ("key_version", "smallint", "int2"),
    ("digest", "bytea", "bytea"),
    ("display_hint", "text", "text"),
    ("sharing_group_id", "bigint", "int8"),
    ("agreement_id", "bigint", "int8"),
    ("fraud_type", "text", "text"),
    ("role", "text", "text"),
    ("confidence", "text", "text"),
    ("observed_at", "timestamptz", "timestamptz"),
    ("expires_at", "timestamptz", "timestamptz"),
    ("raw_nonce", "bytea", "bytea"),
    ("raw_ciphertext", "bytea", "bytea"),
)


def _allocate_sighting_ids(cursor: Any, count: int) -> list[int]:
    """Reserve ids from the table's sequence so each item learns its sighting id."""
    table = Sighting._meta.db_table
    # The sequence is looked up once: ``nextval(pg_get_serial_sequence(…))`` per row resolves
    # the name for every id (70 ms per 10,000 instead of 7).
    cursor.execute(
        "WITH seq AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS id) "
        "SELECT nextval(seq.id) FROM seq, generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _stage_rows(
    prepared: Sequence[PreparedSighting], ring: pseudonyms.KeyRing
) -> Iterable[tuple[Any, ...]]:
    current = ring.current_version
    encrypt = pseudonyms.raw_encrypter(ring)
    # The item that keeps each value's raw value longest carries its ciphertext.
    sealed = {
        item.index: encrypt(item.canonical.kind, item.canonical.value)
        for item in raw_values_to_keep_by_key(prepared).values()
    }
    no_raw = (None, None)
    for item in prepared:
        nonce, ciphertext = sealed.get(item.index, no_raw)
        yield (
            item.sighting_id,
            item.key[0],
            current,
            item.digests[current],
            item.display_hint,
            item.group_id,
            item.agreement.pk,
            item.fraud_type,
            item.role,
            item.confidence,
            item.observed_at,
            item.expires_at,
            nonce,
            ciphertext,
        )


def raw_values_to_keep_by_key(
    prepared: Sequence[PreparedSighting],
) -> dict[tuple[str, str], PreparedSighting]:
    """Per value, the item whose agreement keeps the raw value longest (before ids exist)."""
    keep: dict[tuple[str, str], PreparedSighting] = {}
    for item in prepared:
        if item.keep_raw and (item.key not in keep or item.expires_at > keep[item.key].expires_at):
            keep[item.key] = item
    return keep


def write_copy(
    prepared: Sequence[PreparedSighting],
    *,
    organisation: Organisation,
    source: str,
    batch_id: uuid.UUID,
    ring: pseudonyms.KeyRing,
) -> None:
    """COPY the batch into a temporary table, then one set-based merge (PostgreSQL)."""
    upgrade_old_versions(prepared, ring)
    now = timezone.now()
    with connection.cursor() as cursor:
        for item, sighting_id in zip(
            prepared, _allocate_sighting_ids(cursor, len(prepared)), strict=True
        ):
            item.sighting_id = sighting_id
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type, _copy in _STAGE_COLUMNS)
        cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
        cursor.execute(f"CREATE TEMP TABLE {_STAGE} ({columns}) ON COMMIT DROP")
        names = ", ".join(name for name, _sql, _copy in _STAGE_COLUMNS)
        # psycopg's DB-API module registers a Python dumper for bytea; the C one for bytes
        # halves the COPY's cost in this process.
        cursor.cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        with cursor.copy(f"COPY {_STAGE} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([copy_type for _name, _sql, copy_type in _STAGE_COLUMNS])
            for row in _stage_rows(prepared, ring):
                copy.write_row(row)
        cursor.execute(
            _merge_statement(),
            {
                "organisation": organisation.pk,
                "source": source,
                "now": now,
                "batch": batch_id,
                "encryption_key_version": pseudonyms.ENCRYPTION_KEY_VERSION,
            },
        )
        # Every item learns its pseudonym from its own sighting row: no second join.
        pseudonym_of = dict(cursor.fetchall())
    if len(pseudonym_of) != len(prepared):
        # Every sighting finds its pseudonym (looked up or created by the same statement);
        # should one not, the service runs the batch once more rather than lose it.
        raise IntegrityError("a sighting of the batch found no pseudonym")
    for item in prepared:
        item.pseudonym_id = pseudonym_of[item.sighting_id]


def _merge_statement() -> str:
    """Pseudonyms, sightings and raw values from the staged rows, in one statement.

    The staged rows are read once, each looking its pseudonym up in the digest index
    (``looked``). Only the values found nowhere are inserted (``created``), with a plain
    insert: its rows were just looked for, and a concurrent batch that inserts the same value
    makes it wait and then fail on the unique index (an ``IntegrityError``; the service runs
    the batch once more and then finds the value). ``ON CONFLICT DO NOTHING`` would probe
    the index a second time per new value for the same outcome. Raw values of new pseudonyms
    are plain inserts (no row can exist for a new id); those of known ones are upserts that
    extend the expiry, and a kept value whose expiry would not move is filtered out before
    the upsert (which would otherwise lock and so rewrite its row). At most one staged row
    per value carries a ciphertext (``_stage_rows``), so no upsert meets the same row twice.
    """
    pseudonym_table = Pseudonym._meta.db_table
    sighting_table = Sighting._meta.db_table
    raw_table = RawValue._meta.db_table
    raw_columns = (
        f"INSERT INTO {raw_table} (pseudonym_id, encryption_key_version, nonce, ciphertext, "
        "agreement_id, expires_at, created_at) "
    )
    raw_values = (
        "%(encryption_key_version)s, l.raw_nonce, l.raw_ciphertext, l.agreement_id, "
        "l.expires_at, %(now)s "
    )
    # Table names come from model metadata; values always go in as parameters (S608).
    return (
        f"WITH looked AS (SELECT s.*, p.id AS pseudonym_id FROM {_STAGE} s "  # noqa: S608
        f"LEFT JOIN {pseudonym_table} p ON p.digest = s.digest AND p.key_version = s.key_version), "
        f"created AS (INSERT INTO {pseudonym_table} "
        "(kind, key_version, digest, display_hint, created_at) "
        "SELECT DISTINCT ON (digest) kind, key_version, digest, display_hint, %(now)s "
        "FROM looked WHERE pseudonym_id IS NULL ORDER BY digest RETURNING id, digest), "
        f"ins AS (INSERT INTO {sighting_table} (id, pseudonym_id, organisation_id, "
        "sharing_group_id, agreement_id, kind, fraud_type, role, confidence, source, "
        "observed_at, expires_at, created_at, batch_id) "
        "SELECT l.sighting_id, coalesce(l.pseudonym_id, c.id), %(organisation)s, "
        "l.sharing_group_id, l.agreement_id, l.kind, l.fraud_type, l.role, l.confidence, "
        "%(source)s, l.observed_at, l.expires_at, %(now)s, %(batch)s "
        "FROM looked l LEFT JOIN created c ON c.digest = l.digest "
        "WHERE l.pseudonym_id IS NOT NULL OR c.id IS NOT NULL "
        "RETURNING id, pseudonym_id), "
        f"raw_new AS ({raw_columns}SELECT c.id, {raw_values}"
        "FROM looked l JOIN created c ON c.digest = l.digest WHERE l.raw_nonce IS NOT NULL), "
        f"raw_known AS ({raw_columns}SELECT l.pseudonym_id, {raw_values}"
        "FROM looked l WHERE l.pseudonym_id IS NOT NULL AND l.raw_nonce IS NOT NULL "
        f"AND NOT EXISTS (SELECT FROM {raw_table} r WHERE r.pseudonym_id = l.pseudonym_id "
        "AND r.expires_at >= l.expires_at) "
        "ON CONFLICT (pseudonym_id) DO UPDATE SET "
        f"agreement_id = EXCLUDED.agreement_id, expires_at = EXCLUDED.expires_at "
        f"WHERE EXCLUDED.expires_at > {raw_table}.expires_at) "
        "SELECT id, pseudonym_id FROM ins"
    )
