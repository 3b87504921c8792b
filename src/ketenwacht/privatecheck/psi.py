"""Bulk screening by private set intersection (openmined-psi, ECDH over P-256), over OPRF tags.

The platform keeps no identifier values, only keyed forms, so both sides meet on the OPRF tag
of each value: the partner obtains its tags obliviously (phase 1 evaluates its blinded
elements), the platform computes the tags of its listed identifiers from the stored elements.
openmined-psi then lets the partner learn which of its tags are in the platform's set (the
identifiers at ``warning`` or above under the partner's agreements) while the platform learns
only how many items the partner has. The server setup is built in shards across processes
with one PSI key, and the shards' encrypted elements are merged and sorted.
"""

from __future__ import annotations

import base64
import binascii
import multiprocessing
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import private_set_intersection.python as openmined_psi
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ketenwacht.audit.services import audit_record
from ketenwacht.client import oprf
from ketenwacht.errors import ConflictError, NotFoundError, ValidationFailed
from ketenwacht.identifiers import ratelimit
from ketenwacht.identifiers.models import AllowlistEntry
from ketenwacht.identifiers.services import RateLimited
from ketenwacht.partners.access import Actor
from ketenwacht.privatecheck import keyring, services
from ketenwacht.privatecheck.models import ListedElement, PsiJob, PsiStatus

FPR = 1e-9
LEVELS_AT_OR_ABOVE_WARNING = frozenset({"warning", "high"})
LEVEL_CHUNK = 2000


def _setting(name: str, default: Any) -> Any:
    return settings.KETENWACHT.get(f"PRIVATECHECK_{name}", default)


def max_items() -> int:
    return int(_setting("PSI_MAX_ITEMS", 1_000_000))


def processes() -> int:
    return max(1, int(_setting("PSI_PROCESSES", 2)))


def item_of(tag: bytes) -> str:
    """The PSI item of a tag (both sides use this spelling)."""
    return tag.hex()


# --- sharded server setup --------------------------------------------------------------------


def _encrypt_shard(args: tuple[bytes, int, list[str]]) -> list[bytes]:
    key, client_items, shard = args
    server = openmined_psi.server.CreateFromKey(key, True)
    setup = server.CreateSetupMessage(FPR, client_items, shard, openmined_psi.DataStructure.RAW)
    return list(setup.raw.encrypted_elements)


def server_setup(
    key: bytes, client_items: int, items: Sequence[str], *, workers: int | None = None
) -> openmined_psi.ServerSetup:
    """The openmined-psi RAW setup of ``items`` under ``key``, built by ``workers`` processes."""
    workers = workers or processes()
    items = list(items)
    if workers == 1 or len(items) < 4096:
        encrypted = _encrypt_shard((key, client_items, items))
    else:
        size = -(-len(items) // workers)
        shards = [(key, client_items, items[i : i + size]) for i in range(0, len(items), size)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_encrypt_shard, shards)
        encrypted = [element for part in parts for element in part]
    setup = openmined_psi.ServerSetup()
    setup.raw.encrypted_elements.extend(sorted(encrypted))
    return setup


def _evaluate_part(args: tuple[bytes, bytes]) -> bytes:
    secret, blob = args
    out = bytearray()
    for start in range(0, len(blob), oprf.ELEMENT_SIZE):
        element = oprf.deserialize_element(blob[start : start + oprf.ELEMENT_SIZE])
        out += oprf.blind_evaluate(secret, element)
    return bytes(out)


def evaluate_blob(secret: bytes, blob: bytes, *, workers: int | None = None) -> bytes:
    """BlindEvaluate ``n`` concatenated elements, in ``workers`` processes for large jobs."""
    workers = workers or processes()
    count = len(blob) // oprf.ELEMENT_SIZE
    if workers == 1 or count < 4096:
        return _evaluate_part((secret, blob))
    per = -(-count // workers) * oprf.ELEMENT_SIZE
    parts = [(secret, blob[i : i + per]) for i in range(0, len(blob), per)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return b"".join(pool.map(_evaluate_part, parts))


# --- the platform's set ------------------------------------------------------------------------


def screening_tags(
    actor: Actor, key_version: int, progress: Callable[[int, int], None] | None = None
) -> list[str]:
    """Tags of the listed identifiers at ``warning`` or above for the actor (exactly the
    plain check's levels, via ``services._levels``), excluding allowlisted values."""
    now = timezone.now()
    allowlisted = {
        bytes(element)
        for element in ListedElement.objects.filter(
            key_version=key_version, allowlist_entry__isnull=False
        ).values_list("element", flat=True)
    }
    query = ListedElement.objects.filter(
        key_version=key_version, pseudonym_id__isnull=False
    ).values_list("element", "pseudonym_id")
    total = query.count()
    tags: list[str] = []
    chunk: list[tuple[bytes, int]] = []
    seen = 0

    def flush() -> None:
        levels = services._levels(actor, chunk, public=False, now=now)
        for element, level in levels.items():
            if level in LEVELS_AT_OR_ABOVE_WARNING and element not in allowlisted:
                tags.append(item_of(oprf.tag_of(element)))

    for stored, pid in query.order_by("element").iterator(chunk_size=LEVEL_CHUNK):
        element = bytes(stored)
        assert pid is not None
        # The pseudonyms of one value share an element: keep them in one chunk.
        if len(chunk) >= LEVEL_CHUNK and chunk[-1][0] != element:
            flush()
            seen += len(chunk)
            chunk = []
            if progress is not None:
                progress(seen, total)
        chunk.append((element, pid))
    if chunk:
        flush()
    return sorted(set(tags))


# --- jobs --------------------------------------------------------------------------------------


def _decode_blob(text: Any, field: str) -> bytes:
    try:
        return base64.b64decode(str(text or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("Not valid base64."), code="invalid", field=field) from None


def start(*, actor: Actor, elements_b64: Any) -> PsiJob:
    """Queue a screening of ``n`` blinded elements (``n × 32`` bytes, base64)."""
    services._require_check(actor)
    if actor.organisation is None:
        raise ValidationFailed(
            _("Bulk screening is for partner organisations."), code="no_organisation"
        )
    # Each job evaluates up to a million guesses: jobs are counted per organisation.
    decision = ratelimit.hit(
        "privatecheck-psi",
        f"organisation:{actor.organisation.pk}",
        ratelimit.parse_rate(str(_setting("PSI_RATE", "10/day"))),
    )
    if not decision.allowed:
        raise RateLimited(decision.retry_after)
    blob = _decode_blob(elements_b64, "elements")
    if not blob or len(blob) % oprf.ELEMENT_SIZE:
        raise ValidationFailed(
            _("'elements' must be n blinded elements of 32 bytes."),
            code="invalid_element",
            field="elements",
        )
    count = len(blob) // oprf.ELEMENT_SIZE
    if count > max_items():
        raise ValidationFailed(
            ngettext(
                "At most %(count)d item per screening.",
                "At most %(count)d items per screening.",
                max_items(),
            )
            % {"count": max_items()},
            code="too_many_items",
            status=413,
        )
    with transaction.atomic():
        job = PsiJob.objects.create(
            organisation=actor.organisation,
            token=actor.token,
            created_by=actor.user,
            client_items=count,
            elements=blob,
        )
        audit_record(
            actor=actor,
            action="privatecheck.psi_start",
            object_type="psi_job",
            object_id=job.uuid,
            details={"client_items": count},
        )
        from ketenwacht.privatecheck import tasks

        transaction.on_commit(lambda: tasks.run_psi_job.delay(job.pk), robust=True)
    return job


def _save_progress(job: PsiJob, percent: int) -> None:
    job.progress = max(0, min(100, percent))
    PsiJob.objects.filter(pk=job.pk).update(progress=job.progress)


def run(job_id: int) -> PsiJob:
    """Phase 1: evaluate the partner's elements, build the setup of the platform's set."""
    job = PsiJob.objects.select_related("organisation", "token").get(pk=job_id)
    if job.status in (PsiStatus.DONE, PsiStatus.FAILED):
        return job
    PsiJob.objects.filter(pk=job.pk).update(status=PsiStatus.RUNNING)
    actor = _job_actor(job)
    try:
        keys = keyring.load()
        version = keys.current_version
        evaluated = evaluate_blob(keys.current, bytes(job.elements))
        _save_progress(job, 20)
        tags = screening_tags(
            actor,
            version,
            progress=lambda seen, total: _save_progress(job, 20 + 50 * seen // max(total, 1)),
        )
        _save_progress(job, 70)
        server = openmined_psi.server.CreateWithNewKey(True)
        psi_key = server.GetPrivateKeyBytes()
        setup = server_setup(psi_key, job.client_items, tags)
    except Exception as error:  # the job records the failure; the partner sees a status
        PsiJob.objects.filter(pk=job.pk).update(
            status=PsiStatus.FAILED,
            error_message=type(error).__name__,
            elements=b"",
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        PsiJob.objects.filter(pk=job.pk).update(
            status=PsiStatus.DONE,
            progress=100,
            key_version=version,
            server_items=len(tags),
            elements=b"",
            evaluated=bytes(evaluated),
            setup=setup.SerializeToString(),
            psi_key=psi_key,
            finished_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="privatecheck.psi_setup",
            object_type="psi_job",
            object_id=job.uuid,
            details={"client_items": job.client_items, "server_items": len(tags)},
        )
    job.refresh_from_db()
    return job


def _job_actor(job: PsiJob) -> Actor:
    from ketenwacht.partners import access

    if job.token is not None:
        return access.actor_for_token(job.token)
    if job.created_by is not None:
        return access.actor_for_user(job.created_by)
    return Actor(organisation=job.organisation)


def job_get(*, actor: Actor, job: str | uuid.UUID) -> PsiJob:
    services._require_check(actor)
    found = PsiJob.objects.filter(uuid=job, organisation=actor.organisation).first()
    if found is None or actor.organisation is None:
        raise NotFoundError(_("No such screening job."), code="not_found")
    return found


def answer(*, actor: Actor, job: str | uuid.UUID, request_b64: Any) -> bytes:
    """Phase 2: process the partner's openmined-psi request (its tags under its own key)."""
    found = job_get(actor=actor, job=job)
    if found.status != PsiStatus.DONE or not found.psi_key:
        raise ConflictError(_("The screening job is not ready."), code="job_not_ready")
    message = openmined_psi.Request()
    try:
        message.ParseFromString(_decode_blob(request_b64, "request"))
    except Exception:
        raise ValidationFailed(_("Not an openmined-psi request."), code="invalid_request") from None
    if len(message.encrypted_elements) != found.client_items:
        raise ValidationFailed(
            _("The request must hold as many items as the job."), code="item_count_mismatch"
        )
    server = openmined_psi.server.CreateFromKey(bytes(found.psi_key), True)
    response = server.ProcessRequest(message).SerializeToString()
    with transaction.atomic():
        PsiJob.objects.filter(pk=found.pk).update(
            answered=True, psi_key=b"", evaluated=b"", setup=b""
        )
        audit_record(
            actor=actor,
            action="privatecheck.psi_answer",
            object_type="psi_job",
            object_id=found.uuid,
            details={"client_items": found.client_items, "server_items": found.server_items},
        )
    return response


def job_dict(job: PsiJob, *, with_result: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "job": str(job.uuid),
        "status": job.status,
        "progress": job.progress,
        "key_version": job.key_version or None,
        "client_items": job.client_items,
        "server_items": job.server_items,
        "answered": job.answered,
        "evaluated": None,
        "setup": None,
    }
    data["allowlist"] = None
    if with_result and job.status == PsiStatus.DONE and not job.answered:
        data["evaluated"] = base64.b64encode(bytes(job.evaluated)).decode()
        data["setup"] = base64.b64encode(bytes(job.setup)).decode()
        data["allowlist"] = allowlist()
    return data


def allowlist() -> list[dict[str, Any]]:
    """The allowlist: official contact points of organisations (public, not personal data).
    The client applies it as the plain check does, so a screening hit the plain check would
    call official (a bank's own number, a URL on a bank's domain) is dropped on its side."""
    return [
        {"kind": kind, "value": value, "covers_urls": covers}
        for kind, value, covers in AllowlistEntry.objects.order_by("pk").values_list(
            "kind", "value", "covers_urls"
        )
    ]


def purge(*, older_than_hours: int = 24) -> int:
    """Delete screening jobs older than a day (their blobs with them)."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _by_model = PsiJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted
