"""Disputes: a listed party objects to a listing; two people of the programme team decide.

Writes of the disputes work (the reads are in ``selectors``):

* ``dispute_submit`` — the public form. The value must be listed (an unexpired sighting);
  evidence files are checked on content and kept in the private store. From then on the
  public check answers "under review" for the value (``services.public_check``).
* ``dispute_propose`` → ``dispute_approve`` — four eyes: one person of the programme team
  proposes upheld or rejected with a reason for the disputer, another approves. ``upheld``
  deletes every sighting of the value (and its kept raw value): the listing was wrong, so
  the data about it goes. ``dispute_return`` sends a proposal back.
* ``dispute_withdraw`` — the disputer withdrew (for instance by e-mail).
* ``disputes_purge`` — decided disputes, their history and evidence go after
  ``DISPUTE_RETENTION_DAYS``.

Every status change is a ``DisputeEvent`` row and an audit row in the same transaction; the
disputer hears the receipt and the outcome by e-mail through the delivery outbox. Audit rows
carry the pseudonym reference and counts, never the disputer's name, address or statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.services import delivery_enqueue
from ketenwacht.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.identifiers import files, ratelimit
from ketenwacht.identifiers.canonical import KINDS, Canonical, canonicalise
from ketenwacht.identifiers.constants import (
    DISPUTE_DEFAULT_RATE,
    DISPUTE_OUTCOMES,
    DISPUTE_REASON_MAX_CHARS,
    DISPUTE_REASON_MIN_CHARS,
    DISPUTE_RETENTION_DAYS,
    DISPUTE_STATEMENT_MAX_CHARS,
    DISPUTE_STATEMENT_MIN_CHARS,
    EVIDENCE_MAX_FILES,
    WILDCARD_CHARACTERS,
    DisputeAction,
    DisputeStatus,
)
from ketenwacht.identifiers.models import (
    Dispute,
    DisputeEvent,
    DisputeEvidence,
    Pseudonym,
    RawValue,
    Sighting,
)
from ketenwacht.identifiers.selectors import pseudonym_find
from ketenwacht.identifiers.services import RateLimited
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor

REVIEW_PERMISSION = "identifiers.disputes_review"


# --- helpers ----------------------------------------------------------------------------------


def dispute_rate() -> ratelimit.Rate:
    return ratelimit.parse_rate(str(settings.KETENWACHT.get("DISPUTE_RATE", DISPUTE_DEFAULT_RATE)))


def refuse_wildcards(value: str) -> None:
    """Only whole identifiers: a wildcard would ask for a range of values."""
    if WILDCARD_CHARACTERS & set(value):
        raise ValidationFailed(
            "Alleen volledige waarden, geen jokertekens. / Whole values only, no wildcards.",
            code="wildcard_refused",
            field="value",
        )


def _text(value: str, *, field: str, minimum: int, maximum: int, label: tuple[str, str]) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        raise ValidationFailed(
            f"{label[0]}: minstens {minimum} tekens. / {label[1]}: at least {minimum} characters.",
            code="too_short" if text else "required",
            field=field,
        )
    if len(text) > maximum:
        raise ValidationFailed(
            f"{label[0]}: hoogstens {maximum} tekens. / {label[1]}: at most {maximum} characters.",
            code="too_long",
            field=field,
        )
    return text


def _valid_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            "Ongeldig e-mailadres. / Invalid e-mail address.", code="invalid_email", field="email"
        ) from None
    return email


def _parse_kind(kind: str | None) -> str | None:
    if kind in (None, ""):
        return None
    if kind not in KINDS:
        raise ValidationFailed(
            f"Onbekende soort '{kind}'. / Unknown kind '{kind}'.", code="unknown_kind", field="kind"
        )
    return kind


def _is_listed(pseudonym: Pseudonym | None, now: datetime) -> bool:
    return (
        pseudonym is not None
        and Sighting.objects.filter(pseudonym=pseudonym, expires_at__gt=now).exists()
    )


def _event(
    dispute: Dispute,
    action: str,
    actor: Actor,
    *,
    from_status: str,
    outcome: str = "",
    note: str = "",
) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        action=action,
        from_status=from_status,
        to_status=dispute.status,
        outcome=outcome,
        actor=actor.user,
        actor_label=actor.label[:100],
        note=note,
    )


def _audit(actor: Actor, action: str, dispute: Dispute, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=f"dispute.{action}",
        object_type="dispute",
        object_id=dispute.pk,
        details={"pseudonym": dispute.pseudonym.reference, "kind": dispute.kind, **details},
    )


def _require_reviewer(actor: Actor) -> None:
    access.require(actor, REVIEW_PERMISSION)
    if actor.user is None and not actor.is_system:
        raise PermissionDeniedError(
            "Alleen medewerkers van het programmateam. / Programme team staff only.",
            code="forbidden",
        )


def _locked_open(dispute: Dispute) -> Dispute:
    locked = Dispute.objects.select_for_update().select_related("pseudonym").get(pk=dispute.pk)
    if locked.status != DisputeStatus.OPEN:
        raise ConflictError(
            "Over dit bezwaar is al beslist. / This dispute has already been closed.",
            code="dispute_closed",
        )
    return locked


# --- e-mails to the disputer ------------------------------------------------------------------

_SUBJECT = "Uw bezwaar / Your dispute — Ketenwacht"

_OUTCOME_TEXT: dict[str, tuple[str, str]] = {
    DisputeStatus.UPHELD: (
        "Uw bezwaar is toegewezen. De meldingen over dit gegeven zijn verwijderd; de openbare "
        "controle geeft er geen waarschuwing meer voor.",
        "Your dispute has been upheld. The reports about this identifier have been deleted; "
        "the public check no longer gives a warning for it.",
    ),
    DisputeStatus.REJECTED: (
        "Uw bezwaar is afgewezen. De meldingen over dit gegeven blijven staan.",
        "Your dispute has been rejected. The reports about this identifier remain.",
    ),
    DisputeStatus.WITHDRAWN: (
        "Uw bezwaar is ingetrokken. De openbare controle geeft weer het gewone antwoord.",
        "Your dispute has been withdrawn. The public check gives its usual answer again.",
    ),
}


def _tell(dispute: Dispute, *, actor: Actor, event: str, dutch: str, english: str) -> None:
    """One bilingual e-mail through the outbox, written in the caller's transaction."""
    body = (
        f"{dutch}\nGegeven: {dispute.display_hint}\nKenmerk: {dispute.reference}\n\n"
        f"{english}\nIdentifier: {dispute.display_hint}\nReference: {dispute.reference}\n"
    )
    delivery_enqueue(
        actor=actor,
        channel=Channel.EMAIL,
        event_type=f"identifiers.dispute.{event}",
        payload={"body": body, "dispute": str(dispute.reference), "status": dispute.status},
        email_to=dispute.email,
        subject=_SUBJECT,
        idempotency_key=f"dispute-{event}-{dispute.reference}",
    )


def _acknowledge(dispute: Dispute, actor: Actor) -> None:
    _tell(
        dispute,
        actor=actor,
        event="received",
        dutch=(
            "We hebben uw bezwaar ontvangen. Zolang we het beoordelen, geeft de openbare "
            "controle voor dit gegeven geen oordeel. Twee medewerkers van het programmateam "
            "beslissen; u hoort de uitkomst per e-mail."
        ),
        english=(
            "We have received your dispute. While we review it, the public check gives no "
            "verdict for this identifier. Two members of the programme team decide; you will "
            "hear the outcome by e-mail."
        ),
    )


def _tell_outcome(dispute: Dispute, actor: Actor, reason: str) -> None:
    dutch, english = _OUTCOME_TEXT[dispute.status]
    if reason:
        dutch, english = f"{dutch}\nToelichting: {reason}", f"{english}\nExplanation: {reason}"
    _tell(dispute, actor=actor, event="decided", dutch=dutch, english=english)


# --- submit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    checked: files.CheckedEvidence
    stored_name: str


def _check_files(
    evidence: Sequence[UploadedFile],
) -> list[tuple[UploadedFile, files.CheckedEvidence]]:
    if len(evidence) > EVIDENCE_MAX_FILES:
        raise ValidationFailed(
            f"Hoogstens {EVIDENCE_MAX_FILES} bestanden. / At most {EVIDENCE_MAX_FILES} files.",
            code="too_many_files",
            field="evidence",
        )
    return [
        (upload, files.check_evidence(upload, name=upload.name or "", size=upload.size or 0))
        for upload in evidence
    ]


def _canonical_of(value: str, kind: str | None) -> Canonical:
    refuse_wildcards(value or "")
    return canonicalise(value, _parse_kind(kind))


def dispute_submit(
    *,
    actor: Actor,
    value: str,
    name: str,
    email: str,
    statement: str,
    kind: str | None = None,
    evidence: Sequence[UploadedFile] = (),
) -> Dispute:
    """Record a listed party's dispute (public form; rate-limited per client address).

    Raises ``RateLimited``, ``ValidationFailed`` (fields and files), ``CanonicalError`` (no
    identifier), ``NotFoundError`` (``not_listed``: nothing to dispute) or ``ConflictError``
    (``dispute_open``: a dispute about the value is already under review).
    """
    decision = ratelimit.hit("dispute-submit", actor.client_address or "unknown", dispute_rate())
    if not decision.allowed:
        raise RateLimited(decision.retry_after)
    name = _text(name, field="name", minimum=1, maximum=200, label=("Naam", "Name"))
    email = _valid_email(email)
    statement = _text(
        statement,
        field="statement",
        minimum=DISPUTE_STATEMENT_MIN_CHARS,
        maximum=DISPUTE_STATEMENT_MAX_CHARS,
        label=("Toelichting", "Statement"),
    )
    checked_files = _check_files(evidence)
    canonical = _canonical_of(value, kind)
    now = timezone.now()
    pseudonym = pseudonym_find(canonical)
    if pseudonym is None or not _is_listed(pseudonym, now):
        raise NotFoundError(
            "Over dit gegeven zijn bij ons geen meldingen bekend; er is niets om bezwaar tegen "
            "te maken. / We know of no reports about this identifier; there is nothing to "
            "dispute.",
            code="not_listed",
            field="value",
        )
    stored: list[_Stored] = []
    try:
        for upload, checked in checked_files:
            stored.append(_Stored(checked, files.store_evidence(upload, checked)))
        return _create_dispute(actor, pseudonym, name, email, statement, stored)
    except BaseException:
        files.delete_evidence([item.stored_name for item in stored])  # no orphan files
        raise


def _open_dispute_conflict() -> ConflictError:
    return ConflictError(
        "Over dit gegeven loopt al een bezwaar; u hoort de uitkomst. / A dispute about this "
        "identifier is already under review.",
        code="dispute_open",
        details={"field": "value"},
    )


def _create_dispute(
    actor: Actor,
    pseudonym: Pseudonym,
    name: str,
    email: str,
    statement: str,
    stored: list[_Stored],
) -> Dispute:
    with transaction.atomic():
        if Dispute.objects.filter(pseudonym=pseudonym, status=DisputeStatus.OPEN).exists():
            raise _open_dispute_conflict()
        try:
            with transaction.atomic():  # a concurrent submission may win the unique constraint
                dispute = Dispute.objects.create(
                    pseudonym=pseudonym,
                    kind=pseudonym.kind,
                    display_hint=pseudonym.display_hint,
                    name=name,
                    email=email,
                    statement=statement,
                )
        except IntegrityError:
            raise _open_dispute_conflict() from None
        DisputeEvidence.objects.bulk_create(
            [
                DisputeEvidence(
                    dispute=dispute,
                    stored_name=item.stored_name,
                    original_name=item.checked.original_name,
                    extension=item.checked.extension,
                    content_type=item.checked.content_type,
                    size=item.checked.size,
                    sha256=item.checked.sha256,
                )
                for item in stored
            ]
        )
        _event(dispute, DisputeAction.SUBMITTED, actor, from_status="")
        _audit(actor, "submit", dispute, evidence=len(stored))
        _acknowledge(dispute, actor)
    return dispute


# --- four eyes --------------------------------------------------------------------------------


def dispute_propose(
    *, actor: Actor, dispute: Dispute, outcome: str, reason: str, note: str = ""
) -> Dispute:
    """First pair of eyes: propose upheld or rejected, with the reason the disputer will read."""
    _require_reviewer(actor)
    if outcome not in DISPUTE_OUTCOMES:
        raise ValidationFailed(
            "Kies toewijzen of afwijzen. / Choose upheld or rejected.",
            code="invalid_outcome",
            field="outcome",
        )
    reason = _text(
        reason,
        field="reason",
        minimum=DISPUTE_REASON_MIN_CHARS,
        maximum=DISPUTE_REASON_MAX_CHARS,
        label=("Toelichting", "Reason"),
    )
    with transaction.atomic():
        locked = _locked_open(dispute)
        if locked.has_pending_proposal:
            raise ConflictError(
                "Er ligt al een voorstel; keur het goed of stuur het terug. / A proposal is "
                "already pending; approve it or send it back.",
                code="proposal_pending",
            )
        locked.proposed_outcome = outcome
        locked.proposed_reason = reason
        locked.proposed_by = actor.user
        locked.proposed_at = timezone.now()
        locked.save(
            update_fields=["proposed_outcome", "proposed_reason", "proposed_by", "proposed_at"]
        )
        _event(
            locked,
            DisputeAction.PROPOSED,
            actor,
            from_status=locked.status,
            outcome=outcome,
            note=note.strip(),
        )
        _audit(actor, "propose", locked, outcome=outcome)
    return locked


def _remove_listing(dispute: Dispute) -> tuple[int, list[int]]:
    """Delete every sighting of the disputed value and its kept raw value."""
    sightings = Sighting.objects.filter(pseudonym_id=dispute.pseudonym_id)
    organisations = sorted(set(sightings.values_list("organisation_id", flat=True)))
    removed, _per_model = sightings.delete()
    RawValue.objects.filter(pseudonym_id=dispute.pseudonym_id).delete()
    return removed, organisations


def dispute_approve(*, actor: Actor, dispute: Dispute, note: str = "") -> Dispute:
    """Second pair of eyes: a different person approves the pending proposal.

    ``upheld`` deletes every sighting of the value; either way the disputer is told.
    """
    _require_reviewer(actor)
    with transaction.atomic():
        locked = _locked_open(dispute)
        if not locked.has_pending_proposal:
            raise ConflictError(
                "Er is nog geen voorstel om goed te keuren. / There is no proposal to approve.",
                code="no_proposal",
            )
        if actor.user is None or actor.user.pk == locked.proposed_by_id:
            raise PermissionDeniedError(
                "Een ander lid van het programmateam moet het voorstel goedkeuren "
                "(vierogenprincipe). / A different member of the programme team must approve "
                "the proposal (four eyes).",
                code="four_eyes",
            )
        outcome = locked.proposed_outcome
        removed, organisations = (
            _remove_listing(locked) if outcome == DisputeStatus.UPHELD else (0, [])
        )
        locked.status = outcome
        locked.decided_by = actor.user
        locked.decided_at = timezone.now()
        locked.decision_reason = locked.proposed_reason
        locked.sightings_removed = removed
        locked.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_at",
                "decision_reason",
                "sightings_removed",
            ]
        )
        _event(
            locked,
            DisputeAction.DECIDED,
            actor,
            from_status=DisputeStatus.OPEN,
            outcome=outcome,
            note=note.strip(),
        )
        _audit(
            actor,
            "decide",
            locked,
            outcome=outcome,
            proposed_by=locked.proposed_by_id,
            sightings_removed=removed,
            organisations=organisations,
        )
        _tell_outcome(locked, actor, locked.decision_reason)
    return locked


def dispute_return(*, actor: Actor, dispute: Dispute, note: str) -> Dispute:
    """Send a pending proposal back (the second person disagrees, or the proposer retracts)."""
    _require_reviewer(actor)
    note = _text(
        note, field="note", minimum=1, maximum=DISPUTE_REASON_MAX_CHARS, label=("Notitie", "Note")
    )
    with transaction.atomic():
        locked = _locked_open(dispute)
        if not locked.has_pending_proposal:
            raise ConflictError(
                "Er is geen voorstel om terug te sturen. / There is no proposal to send back.",
                code="no_proposal",
            )
        outcome = locked.proposed_outcome
        locked.proposed_outcome = ""
        locked.proposed_reason = ""
        locked.proposed_by = None
        locked.proposed_at = None
        locked.save(
            update_fields=["proposed_outcome", "proposed_reason", "proposed_by", "proposed_at"]
        )
        _event(
            locked,
            DisputeAction.RETURNED,
            actor,
            from_status=locked.status,
            outcome=outcome,
            note=note,
        )
        _audit(actor, "return", locked, outcome=outcome)
    return locked


def dispute_withdraw(*, actor: Actor, dispute: Dispute, note: str) -> Dispute:
    """The disputer withdrew (told us by e-mail or phone): the public answer returns."""
    _require_reviewer(actor)
    note = _text(
        note, field="note", minimum=1, maximum=DISPUTE_REASON_MAX_CHARS, label=("Notitie", "Note")
    )
    with transaction.atomic():
        locked = _locked_open(dispute)
        locked.status = DisputeStatus.WITHDRAWN
        locked.decided_by = actor.user
        locked.decided_at = timezone.now()
        locked.proposed_outcome = ""
        locked.save(update_fields=["status", "decided_by", "decided_at", "proposed_outcome"])
        _event(locked, DisputeAction.WITHDRAWN, actor, from_status=DisputeStatus.OPEN, note=note)
        _audit(actor, "withdraw", locked)
        _tell_outcome(locked, actor, "")
    return locked


# --- evidence and retention -------------------------------------------------------------------


def dispute_evidence_open(*, actor: Actor, evidence: DisputeEvidence) -> IO[bytes]:
    """Open an evidence file for download by the programme team (audited disclosure)."""
    _require_reviewer(actor)
    handle = files.open_evidence(evidence.stored_name)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="dispute.evidence_download",
            object_type="dispute",
            object_id=evidence.dispute_id,
            details={"evidence": evidence.pk, "sha256": evidence.sha256},
        )
    return handle


def disputes_purge(*, actor: Actor = SYSTEM, now: datetime | None = None) -> int:
    """Delete decided disputes (history and evidence files too) after the retention period.

    Open disputes are never purged. Returns the number of disputes deleted.
    """
    moment = now or timezone.now()
    due = Dispute.objects.exclude(status=DisputeStatus.OPEN).filter(
        decided_at__lte=moment - timedelta(days=DISPUTE_RETENTION_DAYS)
    )
    ids = list(due.values_list("pk", flat=True)[:5000])
    if not ids:
        return 0
    names = list(
        DisputeEvidence.objects.filter(dispute_id__in=ids).values_list("stored_name", flat=True)
    )
    with transaction.atomic():
        Dispute.objects.filter(pk__in=ids).delete()
        audit_record(
            actor=actor,
            action="dispute.purge",
            object_type="retention",
            details={"disputes": len(ids), "evidence_files": len(names)},
        )
        transaction.on_commit(lambda: files.delete_evidence(names))
    return len(ids)
