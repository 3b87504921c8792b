"""Reads of the identifiers domain, filtered for the actor.

The check hot path (``evidence_for``) costs a constant number of round trips for any batch
size. On PostgreSQL: one per 2,000 digests, carrying the sightings aggregate, the open
disputes of those digests and (in the first) the allowlist match; the agreements in force
come from the API token's cached entry (``partners.authz_cache``) or one query. Elsewhere:
one aggregate query per 2,000 digests and one each for agreements, allowlist and disputes.
Scores are computed in Python.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from ketenwacht import prepared
from ketenwacht.errors import NotFoundError
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import Canonical
from ketenwacht.identifiers.constants import DISPUTE_OPEN_STATUSES
from ketenwacht.identifiers.ingest import LOOKUP_CHUNK
from ketenwacht.identifiers.models import (
    AllowlistEntry,
    Dispute,
    DisputeEvent,
    DisputeEvidence,
    Pseudonym,
    Sighting,
    SightingUpload,
    SightingUploadError,
)
from ketenwacht.identifiers.scoring import (
    AggregateRow,
    AllowlistHit,
    Score,
    merge_thresholds,
    score,
)
from ketenwacht.partners import access, authz_cache
from ketenwacht.partners.access import Actor
from ketenwacht.partners.models import DataSharingAgreement

ValueKey = tuple[str, str]


@dataclass(frozen=True)
class _Found:
    pseudonym_id: int
    row: AggregateRow


def _value_keys(canonicals: Sequence[Canonical]) -> list[ValueKey]:
    return list(dict.fromkeys((c.kind, c.value) for c in canonicals))


def _digest_index(
    keys: Sequence[ValueKey], ring: pseudonyms.KeyRing
) -> dict[tuple[int, bytes], ValueKey]:
    """Every ``(version, digest)`` a value may be stored under, mapped back to the value."""
    index: dict[tuple[int, bytes], ValueKey] = {}
    digest = pseudonyms.digest
    for version, key in ring.pseudonym_keys.items():
        for value_key in keys:
            index[(version, digest(value_key[0], value_key[1], key=key))] = value_key
    return index


def _aggregated_rows(
    index: dict[tuple[int, bytes], ValueKey],
    *,
    group_ids: frozenset[int] | None,
    now: datetime,
    allowlist: tuple[str, list[Any]] | None = None,
) -> _Lookup:
    """Unexpired sightings per value, grouped by organisation, group, confidence, fraud type.

    On PostgreSQL each chunk of digests is one round trip that also counts the open disputes
    of those digests' pseudonyms, and the first one also carries ``allowlist`` (a statement
    and its parameters), whose rows come back in ``allowlist_rows``. Elsewhere the disputes
    are left to ``open_dispute_counts`` (``disputes`` is ``None``).
    """
    lookup = _Lookup(found=defaultdict(list), disputes=None, allowlist_rows=None)
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        lookup.disputes = {}
    digests = [] if group_ids is not None and not group_ids else list({d for _v, d in index})
    chunks = [
        digests[start : start + LOOKUP_CHUNK] for start in range(0, len(digests), LOOKUP_CHUNK)
    ]
    if postgresql and allowlist is not None and not chunks:
        lookup.allowlist_rows = _pg_results([allowlist])[0]
    for number, chunk in enumerate(chunks):
        if postgresql:
            digest_array = _bytea_array(chunk)  # both statements read the same digests
            statements = [
                _aggregate_statement(digest_array, group_ids, now),
                _disputes_statement(digest_array),
            ]
            if number == 0 and allowlist is not None:
                statements.append(allowlist)
            results = _pg_results(statements)
            rows: Iterable[tuple[Any, ...]] = _with_times(results[0])
            assert lookup.disputes is not None
            lookup.disputes.update({pid: n for pid, n in results[1]})
            if number == 0 and allowlist is not None:
                lookup.allowlist_rows = results[2]
        else:
            rows = _aggregate_chunk(chunk, group_ids, now)
        for (
            pseudonym_id,
            version,
            digest,
            org_id,
            group_id,
            confidence,
            fraud_type,
            n,
            first,
            last,
        ) in rows:
            key = index.get((version, bytes(digest)))
            if key is None:
                continue
            lookup.found[key].append(
                _Found(
                    pseudonym_id=pseudonym_id,
                    row=AggregateRow(
                        organisation_id=org_id,
                        sharing_group_id=group_id,
                        confidence=confidence,
                        fraud_type=fraud_type,
                        count=n,
                        first_seen=first,
                        last_seen=last,
                    ),
                )
            )
    return lookup


@dataclass
class _Lookup:
    found: dict[ValueKey, list[_Found]]
    disputes: dict[int, int] | None  # open disputes per pseudonym (PostgreSQL)
    allowlist_rows: list[tuple[Any, ...]] | None  # rows of the allowlist statement


# Lookups run without parallel workers: for a chunk of 2,000 digests the planner picks a
# parallel bitmap scan, whose worker start-up and coordination took 83 ms against 38 ms
# serially on the 2-core machine, with every core already busy serving other requests.
_SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0"


def _pg_results(statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
    """Run several statements in one round trip; the rows of each, in order.

    Where the connection allows it they go as prepared statements in one pipeline, each
    with one generic plan (``ketenwacht.prepared``): re-planning the aggregation for every
    single check was most of the database's work for it. The generic plan probes the digest
    index for an array of any length, as the serial custom plan does up to LOOKUP_CHUNK.
    """
    if not prepared.may_prepare():
        return _pg_results_unprepared(statements)
    return prepared.results_in_one_round_trip(statements)


def _pg_results_unprepared(
    statements: Sequence[tuple[str, Sequence[Any]]],
) -> list[list[tuple[Any, ...]]]:
    """Django's cursors bind parameters client-side, so one ``execute`` may hold several
    statements, sent as one simple-protocol message and run as one (implicit) transaction:
    ``SET LOCAL`` holds for them only (or to the end of the caller's transaction)."""
    sql = "; ".join([_SERIAL, *(statement for statement, _params in statements)])
    params = [param for _statement, values in statements for param in values]
    results: list[list[tuple[Any, ...]]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while cursor.nextset():  # the first result is the SET's
            results.append(cursor.fetchall())
    return results


# The aggregation of ``_aggregate_chunk`` for PostgreSQL: the digests travel as one array
# parameter instead of thousands of placeholders, and no ORM query is compiled on the hot
# path. Chunks stay at LOOKUP_CHUNK digests: up to there the planner probes the unique
# digest index; with far larger arrays it switches to a scan of the whole table.
# First and last seen come as whole microseconds since the epoch: integers load in C,
# while every timestamp would be parsed from text in Python. Table names come from model
# metadata; values always go in as parameters.
_AGGREGATE_SQL = (
    "SELECT s.pseudonym_id, p.key_version, p.digest, s.organisation_id, s.sharing_group_id, "  # noqa: S608
    "s.confidence, s.fraud_type, COUNT(s.id), "
    "(EXTRACT(EPOCH FROM MIN(s.observed_at)) * 1000000)::bigint, "
    "(EXTRACT(EPOCH FROM MAX(s.observed_at)) * 1000000)::bigint "
    f"FROM {Sighting._meta.db_table} s JOIN {Pseudonym._meta.db_table} p "
    "ON p.id = s.pseudonym_id WHERE p.digest = ANY(%s::bytea[]) AND s.expires_at > %s{groups} "
    "GROUP BY s.pseudonym_id, p.key_version, p.digest, s.organisation_id, s.sharing_group_id, "
    "s.confidence, s.fraud_type"
)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _bytea_array(values: Iterable[bytes]) -> str:
    """A PostgreSQL ``bytea[]`` literal of ``values``, cast with ``%s::bytea[]``.

    psycopg adapts a list element by element in Python; for thousands of digests one string
    built here is ten times cheaper, and the database parses it the same way.
    """
    return "{" + ",".join(f'"\\\\x{value.hex()}"' for value in values) + "}"


def _text_array(values: Iterable[str]) -> str:
    """A PostgreSQL ``text[]`` literal (``%s::text[]``): every element quoted, with ``\\``
    and ``"`` escaped, so any text comes through unchanged."""
    quoted = (
        '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if "\\" in value or '"' in value
        else '"' + value + '"'  # the common case: nothing to escape
        for value in values
    )
    return "{" + ",".join(quoted) + "}"


def _aggregate_statement(
    digest_array: str, group_ids: frozenset[int] | None, now: datetime
) -> tuple[str, list[Any]]:
    """PostgreSQL: ``_AGGREGATE_SQL`` for the digests of ``digest_array`` (a
    ``_bytea_array`` literal), and its parameters."""
    params: list[Any] = [digest_array, now]
    groups = ""
    if group_ids is not None:
        groups, params = " AND s.sharing_group_id = ANY(%s)", [*params, list(group_ids)]
    return _AGGREGATE_SQL.format(groups=groups), params


# Open disputes of the pseudonyms of these digests (PostgreSQL), in the lookup's round trip.
_DISPUTES_SQL = (
    f"SELECT d.pseudonym_id, COUNT(*) FROM {Dispute._meta.db_table} d "  # noqa: S608
    f"JOIN {Pseudonym._meta.db_table} p ON p.id = d.pseudonym_id "
    "WHERE p.digest = ANY(%s::bytea[]) AND d.status = ANY(%s::text[]) GROUP BY d.pseudonym_id"
)


def _with_times(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of ``_AGGREGATE_SQL`` with first and last seen as datetimes."""
    return [
        (*row[:8], _EPOCH + timedelta(microseconds=row[8]), _EPOCH + timedelta(microseconds=row[9]))
        for row in rows
    ]


def _disputes_statement(digest_array: str) -> tuple[str, list[Any]]:
    return _DISPUTES_SQL, [digest_array, _OPEN_STATUSES_ARRAY]


_OPEN_STATUSES_ARRAY = _text_array(sorted(DISPUTE_OPEN_STATUSES))


def _aggregate_chunk(
    digests: Sequence[bytes], group_ids: frozenset[int] | None, now: datetime
) -> Iterable[tuple[Any, ...]]:
    """``(pseudonym id, key version, digest, organisation, group, confidence, fraud type,
    count, first seen, last seen)`` of the unexpired sightings of these digests."""
    if connection.vendor == "postgresql":
        statement = _aggregate_statement(_bytea_array(digests), group_ids, now)
        return _with_times(_pg_results([statement])[0])
    query = Sighting.objects.filter(pseudonym__digest__in=digests, expires_at__gt=now)
    if group_ids is not None:
        query = query.filter(sharing_group_id__in=group_ids)
    return (
        query.values_list(
            "pseudonym_id",
            "pseudonym__key_version",
            "pseudonym__digest",
            "organisation_id",
            "sharing_group_id",
            "confidence",
            "fraud_type",
        )
        .annotate(count=Count("id"), first_seen=Min("observed_at"), last_seen=Max("observed_at"))
        .order_by()
    )


def agreements_in_force(
    group_ids: Collection[int],
    *,
    now: datetime,
    known: Iterable[DataSharingAgreement] | None = None,
) -> dict[int, DataSharingAgreement]:
    """The agreement version in force per group (groups without one are left out).

    ``known``: every agreement version of (at least) these groups, ordered by group and
    version (an API token's cached ones, ``partners.authz_cache``); read from the database
    when not given.
    """
    agreements: dict[int, DataSharingAgreement] = {}
    if not group_ids:
        return agreements
    if known is not None:
        for agreement in known:
            if (
                agreement.group_id in group_ids
                and agreement.valid_from <= now
                and not (agreement.valid_to is not None and agreement.valid_to <= now)
            ):
                agreements[agreement.group_id] = agreement
        return agreements
    rows = (
        DataSharingAgreement.objects.filter(group_id__in=list(group_ids), valid_from__lte=now)
        .exclude(valid_to__lte=now)
        .order_by("group_id", "version")
    )
    for agreement in rows:
        agreements[agreement.group_id] = agreement
    return agreements


def open_dispute_counts(pseudonym_ids: Collection[int]) -> dict[int, int]:
    """Open disputes per pseudonym (one query)."""
    if not pseudonym_ids:
        return {}
    rows = (
        Dispute.objects.filter(
            pseudonym_id__in=list(pseudonym_ids), status__in=list(DISPUTE_OPEN_STATUSES)
        )
        .values("pseudonym_id")
        .annotate(open=Count("pk"))
        .order_by()
    )
    return {row["pseudonym_id"]: row["open"] for row in rows}


# Kinds whose registrable domain is also looked up: an official domain covers its addresses
# (and, where the entry says so, its URLs).
_COVERED_BY_DOMAIN = frozenset({"url", "email"})


def _allowlist_candidates(canonical: Canonical) -> list[tuple[str, str, bool]]:
    """``(kind, value, via_url)`` entries that would cover this value."""
    candidates = [(canonical.kind, canonical.value, False)]
    if canonical.kind in _COVERED_BY_DOMAIN:
        registrable = canonical.detail.get("registrable_domain")
        if registrable:
            candidates.append(("domain", str(registrable), canonical.kind == "url"))
    return candidates


class _Listed(NamedTuple):
    owner_name: str
    category: str
    label: str
    note: str
    covers_urls: bool


_LISTED_COLUMNS = ("kind", "value", "owner_name", "category", "label", "note", "covers_urls")
# PostgreSQL: the wanted values as two arrays joined against the (small) allowlist — one
# short statement for a batch of 10,000 instead of an OR of IN lists with 10,000 literals.
_ALLOWLIST_SQL = (
    f"SELECT {', '.join('a.' + c for c in _LISTED_COLUMNS)} "  # noqa: S608
    f"FROM {AllowlistEntry._meta.db_table} a "
    "JOIN unnest(%s::text[], %s::text[]) AS w(kind, value) "
    "ON a.kind = w.kind AND a.value = w.value"
)


def _allowlist_wanted(canonicals: Sequence[Canonical]) -> dict[str, set[str]]:
    """``kind -> values`` of every allowlist entry that could cover one of the values."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for canonical in canonicals:
        # The values themselves: most checked values are numbers and accounts, no domains.
        wanted[canonical.kind].add(canonical.value)
        if canonical.kind in _COVERED_BY_DOMAIN:
            for kind, value, _via_url in _allowlist_candidates(canonical)[1:]:
                wanted[kind].add(value)
    return wanted


def _allowlist_statement(wanted: dict[str, set[str]]) -> tuple[str, list[Any]]:
    """PostgreSQL: ``_ALLOWLIST_SQL`` for the wanted ``kind -> values``, and its parameters."""
    pairs = [(kind, value) for kind, values in wanted.items() for value in values]
    return _ALLOWLIST_SQL, [
        _text_array(kind for kind, _v in pairs),
        _text_array(v for _k, v in pairs),
    ]


def _allowlist_entries(
    wanted: dict[str, set[str]], rows: Iterable[tuple[Any, ...]] | None = None
) -> dict[ValueKey, _Listed]:
    """Allowlist entries among the wanted ``kind -> values``, by ``(kind, value)``.

    ``rows``: the rows of ``_allowlist_statement(wanted)`` when they were already read.
    """
    if rows is None and connection.vendor == "postgresql":
        rows = _pg_results([_allowlist_statement(wanted)])[0]
    elif rows is None:
        condition = Q()
        for kind, values in wanted.items():
            condition |= Q(kind=kind, value__in=sorted(values))
        rows = AllowlistEntry.objects.filter(condition).values_list(*_LISTED_COLUMNS)
    return {(kind, value): _Listed(*listed) for kind, value, *listed in rows}


def allowlist_hits(
    canonicals: Sequence[Canonical],
    *,
    rows: Iterable[tuple[Any, ...]] | None = None,
    wanted: dict[str, set[str]] | None = None,
) -> dict[ValueKey, AllowlistHit]:
    """Official owners of the given values, in one query (none when ``rows`` are given).

    ``wanted``: ``_allowlist_wanted(canonicals)`` when the caller made it already.
    """
    if wanted is None:
        wanted = _allowlist_wanted(canonicals)
    if not wanted:
        return {}
    entries = _allowlist_entries(wanted, rows)
    if not entries:  # the common case: none of the values is official
        return {}
    hits: dict[ValueKey, AllowlistHit] = {}
    for canonical in canonicals:
        for kind, value, via_url in _allowlist_candidates(canonical):
            entry = entries.get((kind, value))
            if entry is None or (via_url and not entry.covers_urls):
                continue
            hits[(canonical.kind, canonical.value)] = AllowlistHit(
                owner_name=entry.owner_name,
                category=entry.category,
                label=entry.label,
                kind=canonical.kind,
                note=entry.note,
            )
            break
    return hits


def evidence_for(
    *,
    actor: Actor,
    canonicals: Sequence[Canonical],
    public: bool = False,
    now: datetime | None = None,
) -> list[Score]:
    """A score per canonical value, in input order.

    Partners count only sightings of sharing groups their organisation belongs to, and only
    while the group has an agreement in force that allows the kind; thresholds are the most
    protective of those agreements. The public check counts every group under the same rules;
    it shows a level and advice only.
    """
    moment = now or timezone.now()
    keys = _value_keys(canonicals)
    index = _digest_index(keys, pseudonyms.keyring())
    group_ids = None if public else access.shared_group_ids(actor)
    wanted = _allowlist_wanted(canonicals)
    postgresql = connection.vendor == "postgresql"
    lookup = _aggregated_rows(
        index,
        group_ids=group_ids,
        now=moment,
        allowlist=_allowlist_statement(wanted) if postgresql and wanted else None,
    )
    found = lookup.found
    involved_groups = {f.row.sharing_group_id for rows in found.values() for f in rows}
    entry = None if public else authz_cache.entry_of(actor.token)
    agreements = agreements_in_force(
        involved_groups, now=moment, known=entry.agreements if entry is not None else None
    )
    found = {
        key: [
            f
            for f in rows
            if f.row.sharing_group_id in agreements
            and key[0] in agreements[f.row.sharing_group_id].allowed_kinds
        ]
        for key, rows in found.items()
    }
    disputes = (
        lookup.disputes
        if lookup.disputes is not None
        else open_dispute_counts({f.pseudonym_id for rows in found.values() for f in rows})
    )
    allowlisted = (
        allowlist_hits(canonicals, rows=lookup.allowlist_rows, wanted=wanted) if wanted else {}
    )
    organisation_id = actor.organisation.pk if actor.organisation is not None else None
    scores: dict[ValueKey, Score] = {}
    thresholds_for: dict[frozenset[int], dict[str, float]] = {}
    # Most checked values are unknown and not official: they share one score, made once.
    nothing_known: Score | None = None
    for key in keys:
        rows = found.get(key, [])
        if not rows and key not in allowlisted:
            if nothing_known is None:
                nothing_known = score([], kind=key[0], now=moment, thresholds={})
            scores[key] = nothing_known
            continue
        groups = frozenset(f.row.sharing_group_id for f in rows)
        if groups not in thresholds_for:
            thresholds_for[groups] = merge_thresholds(
                agreements[g].warning_thresholds for g in groups
            )
        scores[key] = score(
            [f.row for f in rows],
            kind=key[0],
            now=moment,
            thresholds=thresholds_for[groups],
            open_disputes=sum(disputes.get(pid, 0) for pid in {f.pseudonym_id for f in rows}),
            allowlisted=allowlisted.get(key),
            actor_organisation_id=organisation_id,
        )
    return [scores[(c.kind, c.value)] for c in canonicals]


def pseudonym_find(canonical: Canonical) -> Pseudonym | None:
    """The stored pseudonym of a value under any key version, or ``None``."""
    ring = pseudonyms.keyring()
    digests = pseudonyms.digests_by_version(canonical.kind, canonical.value, ring)
    for pseudonym in Pseudonym.objects.filter(digest__in=list(digests.values())):
        if digests.get(pseudonym.key_version) == bytes(pseudonym.digest):
            return pseudonym
    return None


def pseudonym_get(*, actor: Actor, pseudonym_id: int) -> Pseudonym:
    """A pseudonym the actor's organisation has a shared sighting of (system: any)."""
    query = Pseudonym.objects.filter(pk=pseudonym_id)
    group_ids = access.shared_group_ids(actor)
    if group_ids is not None:
        query = query.filter(sightings__sharing_group_id__in=group_ids).distinct()
    pseudonym = query.first()
    if pseudonym is None:
        raise NotFoundError("Onbekend pseudoniem. / Unknown pseudonym.", code="unknown_pseudonym")
    return pseudonym


def sighting_list(*, actor: Actor) -> QuerySet[Sighting]:
    """Sightings the actor's organisation recorded (newest first); the system sees all."""
    query = Sighting.objects.select_related("pseudonym", "sharing_group").order_by(
        "-created_at", "-pk"
    )
    if actor.is_system:
        return query
    if actor.organisation is None:
        return query.none()
    return query.filter(organisation=actor.organisation)


@dataclass(frozen=True)
class SightingFilters:
    """What "our sightings" may be narrowed to; ``None`` leaves a filter off."""

    kind: str | None = None
    fraud_type: str | None = None
    confidence: str | None = None
    observed_from: date | None = None
    observed_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sighting_search(*, actor: Actor, filters: SightingFilters) -> QuerySet[Sighting]:
    """The actor's organisation's sightings narrowed by kind, fraud type, confidence and the
    day observed (both ends inclusive, in the site's time zone); newest first."""
    query = sighting_list(actor=actor)
    if filters.kind:
        query = query.filter(kind=filters.kind)
    if filters.fraud_type:
        query = query.filter(fraud_type=filters.fraud_type)
    if filters.confidence:
        query = query.filter(confidence=filters.confidence)
    if filters.observed_from:
        query = query.filter(observed_at__gte=_day_start(filters.observed_from))
    if filters.observed_to:
        query = query.filter(observed_at__lt=_day_start(filters.observed_to + timedelta(days=1)))
    return query


def allowlist_list(*, actor: Actor) -> QuerySet[AllowlistEntry]:
    """The allowlist holds public contact points; every staff member and token may read it."""
    if actor.is_anonymous:
        return AllowlistEntry.objects.none()
    return AllowlistEntry.objects.all()


@dataclass(frozen=True)
class KeyVersionStatus:
    version: int
    pseudonyms: int
    with_raw_value: int
    key_on_disk: bool
    is_current: bool


def key_version_status() -> list[KeyVersionStatus]:
    """Pseudonyms per key version: what rotation still has to re-key before retiring a key."""
    ring = pseudonyms.keyring()
    totals: dict[int, int] = {}
    with_raw: dict[int, int] = {}
    rows = (
        Pseudonym.objects.values("key_version")
        .annotate(total=Count("pk"), raw=Count("raw_value"))
        .order_by()
    )
    for row in rows:
        totals[row["key_version"]] = row["total"]
        with_raw[row["key_version"]] = row["raw"]
    versions = sorted(set(totals) | set(ring.pseudonym_keys))
    return [
        KeyVersionStatus(
            version=version,
            pseudonyms=totals.get(version, 0),
            with_raw_value=with_raw.get(version, 0),
            key_on_disk=version in ring.pseudonym_keys,
            is_current=version == ring.current_version,
        )
        for version in versions
    ]


# --- disputes (programme team) ----------------------------------------------------------------


def _may_review_disputes(actor: Actor) -> bool:
    return actor.is_system or (
        actor.user is not None and access.can(actor, "identifiers.disputes_review")
    )


def dispute_list(*, actor: Actor, status: str | None = None) -> QuerySet[Dispute]:
    """Disputes for the programme team, oldest first (``status=None``: all)."""
    if not _may_review_disputes(actor):
        return Dispute.objects.none()
    query = Dispute.objects.select_related("proposed_by", "decided_by")
    return query.filter(status=status) if status else query


def dispute_get(*, actor: Actor, pk: int) -> Dispute:
    dispute = (
        dispute_list(actor=actor)
        .select_related("pseudonym")
        .prefetch_related("evidence")
        .filter(pk=pk)
        .first()
    )
    if dispute is None:
        raise NotFoundError("Onbekend bezwaar. / Unknown dispute.", code="unknown_dispute")
    return dispute


def dispute_history(*, actor: Actor, dispute: Dispute) -> QuerySet[DisputeEvent]:
    if not _may_review_disputes(actor):
        return DisputeEvent.objects.none()
    return DisputeEvent.objects.filter(dispute=dispute).select_related("actor")


def dispute_evidence_get(*, actor: Actor, dispute: Dispute, pk: int) -> DisputeEvidence:
    evidence = None
    if _may_review_disputes(actor):
        evidence = DisputeEvidence.objects.filter(dispute=dispute, pk=pk).first()
    if evidence is None:
        raise NotFoundError("Onbekend bestand. / Unknown file.", code="unknown_evidence")
    return evidence


def dispute_open_sightings(*, actor: Actor, dispute: Dispute) -> dict[str, int]:
    """What the listing rests on, for the reviewers: unexpired sightings and organisations."""
    if not _may_review_disputes(actor):
        return {"sightings": 0, "organisations": 0}
    rows = Sighting.objects.filter(pseudonym_id=dispute.pseudonym_id, expires_at__gt=timezone.now())
    return {
        "sightings": rows.count(),
        "organisations": rows.values("organisation_id").distinct().count(),
    }


# --- portal uploads (the uploading organisation) ----------------------------------------------


def upload_list(*, actor: Actor) -> QuerySet[SightingUpload]:
    """The organisation's uploads, newest first; the file bytes are not loaded."""
    if actor.organisation is None or not access.can(actor, "identifiers.record"):
        return SightingUpload.objects.none()
    return SightingUpload.objects.filter(organisation=actor.organisation).defer("content")


def upload_get(
    *, actor: Actor, upload_uuid: uuid.UUID | str, with_content: bool = False
) -> SightingUpload:
    query = upload_list(actor=actor)
    if with_content:
        query = query.defer(None)  # the bytes too, for the preview
    upload = query.filter(uuid=upload_uuid).first()
    if upload is None:
        raise NotFoundError("Onbekende upload. / Unknown upload.", code="unknown_upload")
    return upload


def upload_errors(*, actor: Actor, upload: SightingUpload) -> QuerySet[SightingUploadError]:
    if actor.organisation is None or upload.organisation_id != actor.organisation.pk:
        return SightingUploadError.objects.none()
    return SightingUploadError.objects.filter(upload=upload)
