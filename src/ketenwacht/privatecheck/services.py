"""The oblivious check: evaluate blinded elements, serve padded buckets, keep the list.

What the platform sees of a check: a blinded element (uniformly random, whatever the value)
and a bucket number of ``prefix_bits`` bits of a tag only the client can compute. Audit rows
carry the caller and counts; never an element, a tag, a bucket number or a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from functools import partial
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ketenwacht.audit.services import audit_record
from ketenwacht.client import oprf
from ketenwacht.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers import pseudonyms, ratelimit
from ketenwacht.identifiers.canonical import Canonical
from ketenwacht.identifiers.models import AllowlistEntry, Pseudonym, RawValue, Sighting
from ketenwacht.identifiers.scoring import AggregateRow, merge_thresholds, score
from ketenwacht.identifiers.selectors import agreements_in_force, open_dispute_counts
from ketenwacht.identifiers.services import RateLimited, public_level
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.partners.constants import Scope
from ketenwacht.privatecheck import keyring
from ketenwacht.privatecheck.models import ListedElement, PendingListing

BUCKET_NUMBER_BITS = 16  # ``ListedElement.bucket`` holds the tag's first 16 bits
MAX_ELEMENTS = 4  # a value and the registrable domain it may be allowlisted under, twice over
ENROL_CHUNK = 2000


class Code(IntEnum):
    """What a bucket record says about its tag (sealed with a byte of the tag material)."""

    ATTENTION = 1
    WARNING = 2
    HIGH = 3
    UNDER_REVIEW = 4
    ALLOWLISTED_COVERS_URLS = 5
    ALLOWLISTED = 6


LEVEL_CODES = {
    "attention": Code.ATTENTION,
    "warning": Code.WARNING,
    "high": Code.HIGH,
    "under_review": Code.UNDER_REVIEW,
}


def _setting(name: str, default: Any) -> Any:
    return settings.KETENWACHT.get(f"PRIVATECHECK_{name}", default)


def bucket_size() -> int:
    """Every bucket answer has this many records (real ones plus dummies), or a power-of-two
    multiple of it in the rare case a bucket holds more."""
    return int(_setting("BUCKET_SIZE", 256))


def bucket_target() -> int:
    """The average number of listed elements per bucket aimed at when choosing prefix bits."""
    return int(_setting("BUCKET_TARGET", 64))


def prefix_bits(key_version: int) -> int:
    """Bits of the tag a client reveals: as few as keep the average bucket at the target."""
    cache_key = f"privatecheck:prefix-bits:{key_version}"
    bits = cache.get(cache_key)
    if bits is None:
        listed = ListedElement.objects.filter(key_version=key_version).count()
        ratio = listed / bucket_target()
        bits = 0 if ratio < 2 else min(BUCKET_NUMBER_BITS, math.floor(math.log2(ratio)))
        cache.set(cache_key, bits, timeout=300)
    return int(bits)


def forget_prefix_bits() -> None:
    for version in keyring.load().keys:
        cache.delete(f"privatecheck:prefix-bits:{version}")


# --- permissions and rate limits ---------------------------------------------------------------


def _require_check(actor: Actor) -> None:
    if actor.is_system:
        return
    allowed = (
        access.has_scope(actor, Scope.IDENTIFIERS_CHECK)
        if actor.token is not None
        else access.can(actor, "identifiers.check")
    )
    if not allowed:
        raise PermissionDeniedError(_("You are not allowed to do this."), code="forbidden")


def _rate(name: str, default: str) -> ratelimit.Rate:
    return ratelimit.parse_rate(str(_setting(name, default)))


def _limits(actor: Actor, *, public: bool, what: str) -> list[tuple[str, str, ratelimit.Rate]]:
    client = actor.client_address or "unknown"
    if public:
        return [(f"privatecheck-public-{what}", client, _rate("PUBLIC_RATE", "20/minute"))]
    limits = [(f"privatecheck-client-{what}", client, _rate("CLIENT_RATE", "600/minute"))]
    if actor.token is not None:
        token = f"token:{actor.token.pk}"
        limits.append((f"privatecheck-token-{what}", token, _rate("TOKEN_RATE", "300/minute")))
    elif actor.user is not None:
        user = f"user:{actor.user.pk}"
        limits.append((f"privatecheck-token-{what}", user, _rate("TOKEN_RATE", "300/minute")))
    return limits


def _count(actor: Actor, *, public: bool, what: str, hits: int) -> None:
    """Count ``hits`` against every limit of the caller; refuse when any is exhausted.

    Evaluations are what a brute force needs (one per guess), so they count per element.
    """
    for scope, client, rate in _limits(actor, public=public, what=what):
        for _hit in range(hits):
            decision = ratelimit.hit(scope, client, rate)
            if not decision.allowed:
                raise RateLimited(decision.retry_after)


# --- evaluate ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    key_version: int
    prefix_bits: int
    bucket_size: int
    evaluated: list[bytes]

    def as_dict(self) -> dict[str, Any]:
        return {
            "suite": "OPRFV1-ristretto255-SHA512",
            "mode": oprf.MODE_OPRF,
            "key_version": self.key_version,
            "prefix_bits": self.prefix_bits,
            "bucket_size": self.bucket_size,
            "evaluated": [base64.b64encode(e).decode() for e in self.evaluated],
        }


def _decode_elements(elements: Any) -> list[bytes]:
    if not isinstance(elements, list) or not elements:
        raise ValidationFailed(
            _("'elements' must be a non-empty list."), code="invalid", field="elements"
        )
    if len(elements) > MAX_ELEMENTS:
        raise ValidationFailed(
            ngettext(
                "At most %(count)d element per request.",
                "At most %(count)d elements per request.",
                MAX_ELEMENTS,
            )
            % {"count": MAX_ELEMENTS},
            code="too_many_elements",
            field="elements",
        )
    decoded = []
    for item in elements:
        try:
            raw = base64.b64decode(str(item), validate=True)
            decoded.append(oprf.deserialize_element(raw))
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                _("Not a blinded ristretto255 element (32 bytes, base64)."),
                code="invalid_element",
                field="elements",
            ) from None
    return decoded


def evaluate(*, actor: Actor, elements: Any, public: bool = False) -> Evaluation:
    """BlindEvaluate each element with the current key; rate-limited per element."""
    if not public:
        _require_check(actor)
    decoded = _decode_elements(elements)
    _count(actor, public=public, what="evaluate", hits=len(decoded))
    keys = keyring.load()
    version = keys.current_version
    evaluated = [oprf.blind_evaluate(keys.current, element) for element in decoded]
    audit_record(
        actor=actor,
        action="privatecheck.public_evaluate" if public else "privatecheck.evaluate",
        object_type="oprf_key",
        object_id=f"v{version}",
        details={"count": len(decoded)},
    )
    return Evaluation(
        key_version=version,
        prefix_bits=prefix_bits(version),
        bucket_size=bucket_size(),
        evaluated=evaluated,
    )


# --- buckets -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    key_version: int
    prefix_bits: int
    bucket: int
    records: list[bytes]  # tag (32 bytes) + sealed code (1 byte), sorted

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_version": self.key_version,
            "prefix_bits": self.prefix_bits,
            "bucket": self.bucket,
            "record_size": oprf.TAG_SIZE + 1,
            "count": len(self.records),
            "records": base64.b64encode(b"".join(self.records)).decode(),
        }


def _levels(
    actor: Actor, listed: Sequence[tuple[bytes, int]], *, public: bool, now: datetime
) -> dict[bytes, str]:
    """The plain check's level for each listed element, over the caller's sharing groups.

    The same rules as ``identifiers.selectors.evidence_for``: unexpired sightings of groups
    with an agreement in force allowing the kind, the most protective thresholds of those
    agreements, open disputes capping the level, and for the public the ``under_review``
    level while a dispute is open. The pseudonyms of one value (several key versions) share
    one element and are scored together. Allowlisting is applied by the client, from the
    allowlist records of the same bucket answer.
    """
    if not listed:
        return {}
    group_ids = None if public else access.shared_group_ids(actor)
    if group_ids is not None and not group_ids:
        return {}
    element_of = {pseudonym_id: element for element, pseudonym_id in listed}
    query = Sighting.objects.filter(pseudonym_id__in=list(element_of), expires_at__gt=now)
    if group_ids is not None:
        query = query.filter(sharing_group_id__in=list(group_ids))
    rows = list(
        query.values(
            "pseudonym_id",
            "kind",
            "organisation_id",
            "sharing_group_id",
            "confidence",
            "fraud_type",
        )
        .annotate(count=Count("id"), first_seen=Min("observed_at"), last_seen=Max("observed_at"))
        .order_by()
    )
    agreements = agreements_in_force({row["sharing_group_id"] for row in rows}, now=now)
    by_element: dict[bytes, list[AggregateRow]] = defaultdict(list)
    kinds: dict[bytes, str] = {}
    pseudonyms_of: dict[bytes, set[int]] = defaultdict(set)
    for row in rows:
        agreement = agreements.get(row["sharing_group_id"])
        if agreement is None or row["kind"] not in agreement.allowed_kinds:
            continue
        element = element_of[row["pseudonym_id"]]
        kinds[element] = row["kind"]
        pseudonyms_of[element].add(row["pseudonym_id"])
        by_element[element].append(
            AggregateRow(
                organisation_id=row["organisation_id"],
                sharing_group_id=row["sharing_group_id"],
                confidence=row["confidence"],
                fraud_type=row["fraud_type"],
                count=row["count"],
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
            )
        )
    disputes = open_dispute_counts({pid for pids in pseudonyms_of.values() for pid in pids})
    levels: dict[bytes, str] = {}
    for element, element_rows in by_element.items():
        groups = {row.sharing_group_id for row in element_rows}
        item_score = score(
            element_rows,
            kind=kinds[element],
            now=now,
            thresholds=merge_thresholds(agreements[g].warning_thresholds for g in groups),
            open_disputes=sum(disputes.get(pid, 0) for pid in pseudonyms_of[element]),
        )
        level = public_level(item_score) if public else item_score.level
        if level in LEVEL_CODES:
            levels[element] = level
    return levels


def _record(element: bytes, code: int) -> bytes:
    material = oprf.tag_material(element)
    return material[: oprf.TAG_SIZE] + bytes([code ^ material[oprf.TAG_SIZE]])


def _dummy(low: int, high: int) -> bytes:
    """A record that looks like any other: a random tag inside the bucket, a random code."""
    head = secrets.randbelow(high - low + 1) + low
    return head.to_bytes(2, "big") + secrets.token_bytes(oprf.TAG_SIZE - 2 + 1)


def padded_size(real: int) -> int:
    size = bucket_size()
    while size < real:
        size *= 2
    return size


def bucket(
    *,
    actor: Actor,
    key_version: int,
    number: int,
    bits: int | None = None,
    public: bool = False,
    now: datetime | None = None,
) -> Bucket:
    """The records of one bucket: every listed element whose tag starts with ``number``
    (``bits`` bits), at the caller's level, padded with dummies to a fixed size."""
    if not public:
        _require_check(actor)
    keys = keyring.load()
    if key_version not in keys.keys:
        raise NotFoundError(
            _("Unknown or retired key version; evaluate again."), code="unknown_key_version"
        )
    current_bits = prefix_bits(key_version)
    bits = current_bits if bits is None else bits
    if bits < current_bits or bits > BUCKET_NUMBER_BITS:
        raise ConflictError(
            _("The bucket prefix length changed; evaluate again."),
            code="prefix_bits_changed",
            details={"prefix_bits": current_bits},
        )
    if not 0 <= number < (1 << bits):
        raise ValidationFailed(_("No such bucket."), code="invalid_bucket", field="bucket")
    _count(actor, public=public, what="bucket", hits=1)
    moment = now or timezone.now()
    shift = BUCKET_NUMBER_BITS - bits
    low, high = number << shift, ((number + 1) << shift) - 1
    rows = list(
        ListedElement.objects.filter(
            key_version=key_version, bucket__range=(low, high)
        ).values_list("element", "pseudonym_id", "allowlist_entry__covers_urls")
    )
    listed = [(bytes(element), pid) for element, pid, _covers in rows if pid is not None]
    levels = _levels(actor, listed, public=public, now=moment)
    records = [_record(element, LEVEL_CODES[level]) for element, level in levels.items()]
    for element, pid, covers_urls in rows:
        if pid is None:
            code = Code.ALLOWLISTED_COVERS_URLS if covers_urls else Code.ALLOWLISTED
            records.append(_record(bytes(element), code))
    size = padded_size(len(records))
    records.extend(_dummy(low, high) for _ in range(size - len(records)))
    records.sort()
    audit_record(
        actor=actor,
        action="privatecheck.public_bucket" if public else "privatecheck.bucket",
        object_type="oprf_key",
        object_id=f"v{key_version}",
        details={"count": 1, "records": size},
    )
    return Bucket(key_version=key_version, prefix_bits=bits, bucket=number, records=records)


# --- the list: enrolment, sync, rotation ---------------------------------------------------------


def _bucket_number(tag: bytes) -> int:
    return int.from_bytes(tag[:2], "big")


def _new_row(version: int, element: bytes, **link: Any) -> ListedElement:
    tag = oprf.tag_of(element)
    return ListedElement(
        key_version=version, element=element, tag=tag, bucket=_bucket_number(tag), **link
    )


def enrol_canonicals(canonicals: Iterable[Canonical]) -> int:
    """List the values among ``canonicals`` that have a pseudonym (so may have sightings):
    their element under every OPRF key version. Callers that hold a value in the clear while
    recording it (ingest, intake, shield) call this; values never recorded are skipped.
    """
    ring = pseudonyms.keyring()
    keys = keyring.load()
    wanted: dict[tuple[int, bytes], tuple[str, str]] = {}
    for canonical in canonicals:
        for version, digest in pseudonyms.digests_by_version(
            canonical.kind, canonical.value, ring
        ).items():
            wanted[(version, digest)] = (canonical.kind, canonical.value)
    created = 0
    items = list(wanted.items())
    for start in range(0, len(items), ENROL_CHUNK):
        chunk = dict(items[start : start + ENROL_CHUNK])
        found = Pseudonym.objects.filter(digest__in=[d for _v, d in chunk]).values_list(
            "pk", "key_version", "digest"
        )
        rows = []
        for pk, version, stored in found:
            value = chunk.get((version, bytes(stored)))
            if value is not None:
                rows.extend(_listing_rows(keys, *value, pseudonym_id=pk))
        created += len(ListedElement.objects.bulk_create(rows, ignore_conflicts=True))
    forget_prefix_bits()
    return created


def _listing_rows(
    keys: keyring.OprfKeys,
    kind: str,
    value: str,
    *,
    pseudonym_id: int,
    skip: Collection[int] = (),
) -> list[ListedElement]:
    """The value's element under every OPRF key version but ``skip``, linked to its
    pseudonym."""
    message = oprf.message_for(kind, value)
    return [
        _new_row(version, oprf.element(secret, message), pseudonym_id=pseudonym_id)
        for version, secret in keys.keys.items()
        if version not in skip
    ]


_PENDING_AD = b"ketenwacht:privatecheck:pending"


def list_recorded(
    sender: object, *, recorded: list[tuple[Canonical, int | None]], **_: object
) -> None:
    """Receiver of ``identifiers.signals.sightings_recorded``, inside the recording
    transaction: seal the batch's values into one ``PendingListing`` row and list them in a
    worker once the transaction commits (``list_pending``)."""
    distinct = {
        (canonical.kind, canonical.value): pk for canonical, pk in recorded if pk is not None
    }
    if not distinct:
        return
    payload = json.dumps([[kind, value, pk] for (kind, value), pk in distinct.items()])
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(pseudonyms.keyring().encryption_key).encrypt(
        nonce, payload.encode(), _PENDING_AD
    )
    pending = PendingListing.objects.create(nonce=nonce, sealed=sealed, count=len(distinct))
    transaction.on_commit(partial(_list_later, pending.pk), robust=True)


def _list_later(pending_id: int) -> None:
    from ketenwacht.privatecheck.tasks import list_pending_batch

    list_pending_batch.delay(pending_id)


def list_pending(pending_id: int) -> int:
    """List one sealed batch: the element of every value whose pseudonym still exists and is
    not listed yet, under every OPRF key version; then delete the batch. Returns the number
    of elements written (0 when another worker took the batch first)."""
    with transaction.atomic():
        pending = (
            PendingListing.objects.select_for_update(skip_locked=True).filter(pk=pending_id).first()
        )
        if pending is None:
            return 0
        values = _unseal(pending)
        created = _list_values(values)
        pending.delete()
    forget_prefix_bits()
    return created


def list_all_pending() -> int:
    """Batches a lost task left behind (run by ``privatecheck_sync``)."""
    ids = list(PendingListing.objects.order_by("pk").values_list("pk", flat=True))
    return sum(list_pending(pk) for pk in ids)


def _unseal(pending: PendingListing) -> list[tuple[str, str, int]]:
    plain = AESGCM(pseudonyms.keyring().encryption_key).decrypt(
        bytes(pending.nonce), bytes(pending.sealed), _PENDING_AD
    )
    return [(kind, value, int(pk)) for kind, value, pk in json.loads(plain)]


def _list_values(values: list[tuple[str, str, int]]) -> int:
    keys = keyring.load()
    created = 0
    for start in range(0, len(values), ENROL_CHUNK):
        chunk = values[start : start + ENROL_CHUNK]
        pks = [pk for _kind, _value, pk in chunk]
        existing = set(Pseudonym.objects.filter(pk__in=pks).values_list("pk", flat=True))
        listed: dict[int | None, set[int]] = defaultdict(set)
        for version, pk in ListedElement.objects.filter(pseudonym_id__in=pks).values_list(
            "key_version", "pseudonym_id"
        ):
            listed[pk].add(version)
        rows = [
            row
            for kind, value, pk in chunk
            if pk in existing
            for row in _listing_rows(keys, kind, value, pseudonym_id=pk, skip=listed.get(pk, ()))
        ]
        created += _insert_elements(rows)
    return created


def _insert_elements(rows: list[ListedElement]) -> int:
    """Insert new elements, skipping any another process listed meanwhile. On PostgreSQL one
    prepared ``INSERT`` per row in a pipeline: ``bulk_create`` compiles and splits a
    statement of every value as a placeholder, which cost twice the elements' arithmetic."""
    if connection.vendor != "postgresql":
        return len(ListedElement.objects.bulk_create(rows, ignore_conflicts=True))
    table = ListedElement._meta.db_table
    values: list[Sequence[Any]] = [
        (r.key_version, r.pseudonym_id, r.element, r.tag, r.bucket, r.created_at) for r in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (key_version, pseudonym_id, element, tag, bucket, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            values,
        )
        return int(cursor.rowcount)  # psycopg sums the rows each INSERT wrote


def enrol_allowlist() -> int:
    """Allowlist entries (public contact points, stored in the clear) as allowlist records."""
    keys = keyring.load()
    rows = []
    for version, secret in keys.keys.items():
        done = set(
            ListedElement.objects.filter(
                key_version=version, allowlist_entry__isnull=False
            ).values_list("allowlist_entry_id", flat=True)
        )
        for entry in AllowlistEntry.objects.exclude(pk__in=done).only("pk", "kind", "value"):
            element = oprf.element(secret, oprf.message_for(entry.kind, entry.value))
            rows.append(_new_row(version, element, allowlist_entry=entry))
    ListedElement.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def enrol_raw_values() -> int:
    """Values whose raw form an agreement lets the platform keep: decrypted, listed."""
    ring = pseudonyms.keyring()
    batch: list[Canonical] = []
    total = 0
    query = RawValue.objects.filter(expires_at__gt=timezone.now()).select_related("pseudonym")
    for raw in query.iterator(chunk_size=ENROL_CHUNK):
        kind = raw.pseudonym.kind
        value = pseudonyms.decrypt_raw(kind, raw.nonce, raw.ciphertext, ring)
        batch.append(Canonical(kind=kind, value=value, display=value))
        if len(batch) >= ENROL_CHUNK:
            total += enrol_canonicals(batch)
            batch = []
    if batch:
        total += enrol_canonicals(batch)
    return total


def prune() -> int:
    """Drop elements whose pseudonym the retention purge has deleted."""
    stale = ListedElement.objects.filter(pseudonym_id__isnull=False).exclude(
        pseudonym_id__in=Pseudonym.objects.values("pk")
    )
    deleted, _by_model = stale.delete()
    return deleted


@dataclass(frozen=True)
class SyncResult:
    allowlist: int
    raw_values: int
    pending: int
    pruned: int

    def as_dict(self) -> dict[str, int]:
        return {
            "allowlist": self.allowlist,
            "raw_values": self.raw_values,
            "pending": self.pending,
            "pruned": self.pruned,
        }


def sync(*, actor: Actor = SYSTEM) -> SyncResult:
    result = SyncResult(
        allowlist=enrol_allowlist(),
        raw_values=enrol_raw_values(),
        pending=list_all_pending(),
        pruned=prune(),
    )
    forget_prefix_bits()
    audit_record(
        actor=actor, action="privatecheck.sync", object_type="oprf_list", details=result.as_dict()
    )
    return result


def rotate_key(*, actor: Actor = SYSTEM) -> tuple[int, int]:
    """Write key version N+1 and move every element of version N to it: ``E' = (k'/k) * E``.

    Returns ``(new_version, elements moved)``. Version N stays usable until retired.
    """
    keys = keyring.load()
    old_version = keys.current_version
    new_version = old_version + 1
    new_secret = oprf.generate_key()
    factor = oprf.scalar_mul(new_secret, oprf.scalar_invert(keys.keys[old_version]))
    keyring.write_key(new_version, new_secret)
    moved = 0
    batch: list[ListedElement] = []
    query = ListedElement.objects.filter(key_version=old_version).values_list(
        "element", "pseudonym_id", "allowlist_entry_id"
    )
    for element, pid, entry_id in query.iterator(chunk_size=ENROL_CHUNK):
        moved_element = oprf.scalar_mult(factor, bytes(element))
        batch.append(
            _new_row(new_version, moved_element, pseudonym_id=pid, allowlist_entry_id=entry_id)
        )
        if len(batch) >= ENROL_CHUNK:
            moved += len(ListedElement.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        moved += len(ListedElement.objects.bulk_create(batch, ignore_conflicts=True))
    forget_prefix_bits()
    audit_record(
        actor=actor,
        action="privatecheck.rotate_key",
        object_type="oprf_key",
        object_id=f"v{new_version}",
        details={"from_version": old_version, "elements": moved},
    )
    return new_version, moved


def retire_key(version: int, *, actor: Actor = SYSTEM) -> int:
    """Delete an old key version's elements and its key file (not the current version)."""
    keys = keyring.load()
    if version not in keys.keys:
        raise NotFoundError(
            _("Unknown or retired key version; evaluate again."), code="unknown_key_version"
        )
    if version == keys.current_version:
        raise ConflictError(_("The current key version cannot be retired."), code="current_key")
    with transaction.atomic():
        deleted, _by_model = ListedElement.objects.filter(key_version=version).delete()
        audit_record(
            actor=actor,
            action="privatecheck.retire_key",
            object_type="oprf_key",
            object_id=f"v{version}",
            details={"elements": deleted},
        )
    keyring.key_path(version).unlink()
    keyring.forget()
    return deleted
