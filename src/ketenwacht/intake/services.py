"""Writes of the intake: questionnaire versions, the desk directory, intakes and their
answers, sending with consent, warm referrals through ``delivery``, the desk inbox's status
changes, the victim's additions and withdrawals, and the retention purge."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override

from ketenwacht import crypto
from ketenwacht.audit.services import audit_record
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.services import delivery_enqueue
from ketenwacht.errors import ConflictError, NotFoundError, ValidationFailed
from ketenwacht.intake import security
from ketenwacht.intake.constants import (
    CONTACT_FIELDS,
    DESK_TRANSITIONS,
    DRAFT_RETENTION_DAYS,
    ENCRYPTION_ANSWERS,
    ENCRYPTION_CONTACT,
    ENCRYPTION_MESSAGE,
    ENCRYPTION_PAYLOAD,
    MAX_INFO_LENGTH,
    MAX_QUESTIONNAIRE_BYTES,
    NO_REFERRAL_RETENTION_DAYS,
    DeskChannel,
    DeskKind,
    DeskService,
    HistoryEvent,
    IntakeField,
    IntakeStatus,
    ReferralMethod,
    ReferralStatus,
    VictimType,
)
from ketenwacht.intake.models import Desk, Intake, Questionnaire, Referral, ReferralEvent
from ketenwacht.intake.planning import (
    Contact,
    Facts,
    build_plan,
    facts_from_answers,
    field_values,
    payload_fields,
    policy_needs_contact,
)
from ketenwacht.intake.questionnaire import Graph, QuestionnaireError, Walk, load_yaml, parse
from ketenwacht.knowledge.selectors import fraud_type_catalogue
from ketenwacht.partners import access
from ketenwacht.partners.access import SYSTEM, Actor

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------- questionnaires

_graphs: dict[int, Graph] = {}


def graph_of(questionnaire: Questionnaire) -> Graph:
    """The parsed graph of a stored version (checked when it was loaded; cached by version)."""
    graph = _graphs.get(questionnaire.version)
    if graph is None:
        graph = parse(questionnaire.definition)
        _graphs[questionnaire.version] = graph
    return graph


def _known_fraud_types() -> set[str]:
    return {entry["code"] for entry in fraud_type_catalogue()}


def questionnaire_load(
    *, actor: Actor, source: str, activate: bool = True
) -> tuple[Questionnaire, bool]:
    """Store the YAML as a new version (and make it the active one). Returns (row, created).

    Loading the exact source of an existing version again changes nothing. A different
    questionnaire must carry a higher version number; it must recognise every active fraud
    type of the taxonomy.
    """
    access.require(actor, "intake.manage")
    if len(source.encode()) > MAX_QUESTIONNAIRE_BYTES:
        raise ValidationFailed(
            "De vragenlijst is te groot. / The questionnaire is too large.",
            code="questionnaire_too_large",
            field="source",
        )
    known = _known_fraud_types()
    try:
        graph = load_yaml(source, known_fraud_types=known)
    except QuestionnaireError as error:
        raise ValidationFailed(
            "De vragenlijst klopt niet. / The questionnaire is not valid: "
            + "; ".join(error.problems),
            code="questionnaire_invalid",
            field="source",
            details={"problems": error.problems},
        ) from None
    uncovered = sorted(known - graph.fraud_types())
    if uncovered:
        raise ValidationFailed(
            f"Niet elke fraudevorm wordt herkend: {uncovered}. / Not every fraud type is "
            f"recognised: {uncovered}.",
            code="questionnaire_incomplete",
            field="source",
        )
    with transaction.atomic():
        existing = Questionnaire.objects.select_for_update().filter(version=graph.version).first()
        if existing is not None:
            if existing.source.strip() != source.strip():
                raise ConflictError(
                    f"Versie {graph.version} bestaat al met een andere inhoud; verhoog het "
                    f"versienummer. / Version {graph.version} already exists with different "
                    "content; raise the version number.",
                    code="questionnaire_version_taken",
                )
            if activate and not existing.is_active:
                _activate(existing)
            return existing, False
        latest = Questionnaire.objects.order_by("-version").first()
        if latest is not None and graph.version < latest.version:
            raise ConflictError(
                f"Versie {graph.version} is lager dan de nieuwste ({latest.version}). / "
                f"Version {graph.version} is lower than the latest ({latest.version}).",
                code="questionnaire_version_order",
            )
        questionnaire = Questionnaire.objects.create(
            version=graph.version,
            name=(graph.name.nl if graph.name else f"Vragenlijst v{graph.version}")[:200],
            source=source,
            definition=yaml.safe_load(source),
            created_by=actor.user,
        )
        if activate:
            _activate(questionnaire)
        audit_record(
            actor=actor,
            action="intake.questionnaire_load",
            object_type="questionnaire",
            object_id=questionnaire.version,
            details={"active": activate, "questions": len(graph.questions)},
        )
    return questionnaire, True


def questionnaire_problems(source: str) -> list[str]:
    """Why this YAML could not be loaded now (for the admin form), or an empty list."""
    try:
        graph = load_yaml(source, known_fraud_types=_known_fraud_types())
    except QuestionnaireError as error:
        return error.problems
    problems = []
    uncovered = sorted(_known_fraud_types() - graph.fraud_types())
    if uncovered:
        problems.append(f"fraud types not recognised by any outcome: {uncovered}")
    existing = Questionnaire.objects.filter(version=graph.version).first()
    if existing is not None and existing.source.strip() != source.strip():
        problems.append(f"version {graph.version} exists with other content: raise the version")
    latest = Questionnaire.objects.order_by("-version").first()
    if latest is not None and graph.version < latest.version:
        problems.append(f"version {graph.version} is lower than the latest ({latest.version})")
    return problems


def _activate(questionnaire: Questionnaire) -> None:
    Questionnaire.objects.filter(is_active=True).exclude(pk=questionnaire.pk).update(
        is_active=False
    )
    questionnaire.is_active = True
    questionnaire.save(update_fields=["is_active"])


def active_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(is_active=True).first()
    if questionnaire is None:
        raise NotFoundError(
            "Er is geen actieve vragenlijst. / There is no active questionnaire.",
            code="no_questionnaire",
        )
    return questionnaire


# ----------------------------------------------------------------------- desk directory

DESK_LIST_FIELDS = {
    "fraud_types": None,  # checked against the taxonomy
    "audiences": set(VictimType.values),
    "services": set(DeskService.values),
    "channels": set(DeskChannel.values),
    "field_policy": set(IntakeField.values),
}


def desk_problems(values: Mapping[str, Any], *, known_fraud_types: set[str]) -> list[str]:
    """Why these desk values are not valid (used by the loader and the admin form)."""
    problems = []
    if values.get("kind") not in DeskKind.values:
        problems.append(f"kind {values.get('kind')!r} is unknown")
    if values.get("referral_method", ReferralMethod.NONE) not in ReferralMethod.values:
        problems.append(f"referral_method {values.get('referral_method')!r} is unknown")
    for name, vocabulary in DESK_LIST_FIELDS.items():
        items = values.get(name, [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            problems.append(f"{name} must be a list of codes")
            continue
        allowed = known_fraud_types if vocabulary is None else vocabulary
        unknown = sorted(set(items) - allowed)
        if unknown:
            problems.append(f"{name}: unknown {unknown}")
    return problems


DESK_FIELDS = (
    "name",
    "kind",
    "website",
    "phone",
    "fraud_line",
    "fraud_types",
    "audiences",
    "services",
    "channels",
    "referral_method",
    "field_policy",
    "retention_days",
    "sort_order",
)


def desks_load(*, actor: Actor, source: str) -> int:
    """Add the desks of a directory YAML that are not there yet; edited ones stay as they are."""
    access.require(actor, "intake.manage")
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise ValidationFailed(f"Geen geldige YAML. / Not valid YAML: {error}") from None
    entries = data.get("desks") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ValidationFailed("'desks' moet een lijst zijn. / 'desks' must be a list.")
    known = _known_fraud_types()
    created = 0
    with transaction.atomic():
        for entry in entries:
            if not isinstance(entry, Mapping) or not entry.get("slug"):
                raise ValidationFailed("Elk loket heeft een slug. / Every desk needs a slug.")
            problems = desk_problems(entry, known_fraud_types=known)
            if problems:
                raise ValidationFailed(f"{entry['slug']}: " + "; ".join(problems))
            if Desk.objects.filter(slug=entry["slug"]).exists():
                continue
            description = entry.get("description") or {}
            Desk.objects.create(
                slug=entry["slug"],
                description_nl=description.get("nl", ""),
                description_en=description.get("en", ""),
                **{name: entry[name] for name in DESK_FIELDS if name in entry},
            )
            created += 1
        if created:
            audit_record(
                actor=actor,
                action="intake.desks_load",
                object_type="desk_directory",
                details={"created": created},
            )
    return created


# -------------------------------------------------------------------------------- intakes


def _encrypt_answers(intake: Intake, answers: Mapping[str, Any]) -> bytes:
    return crypto.encrypt_json(dict(answers), purpose=ENCRYPTION_ANSWERS, context=intake.reference)


def intake_answers(intake: Intake) -> dict[str, Any]:
    answers: dict[str, Any] = crypto.decrypt_json(
        intake.answers_encrypted, purpose=ENCRYPTION_ANSWERS, context=intake.reference
    )
    return answers


def intake_contact(intake: Intake) -> Contact:
    if not intake.contact_encrypted:
        return Contact()
    return Contact.from_dict(
        crypto.decrypt_json(
            intake.contact_encrypted, purpose=ENCRYPTION_CONTACT, context=intake.reference
        )
    )


def intake_graph(intake: Intake) -> Graph:
    return graph_of(intake.questionnaire)


def intake_walk(intake: Intake, answers: Mapping[str, Any] | None = None) -> Walk:
    return intake_graph(intake).walk(answers if answers is not None else intake_answers(intake))


def intake_start(
    *, actor: Actor, language: str = "nl", assisted: bool = False
) -> tuple[Intake, str]:
    """A new draft with the active questionnaire; returns it and its link secret (shown once).

    ``assisted``: a desk agent runs the questionnaire for a caller; the intake is marked as
    such and the agent's desk gets the referral when it is sent.
    """
    if assisted:
        access.require(actor, "intake.assisted")
        if assisting_desk(actor) is None:
            raise ValidationFailed(
                "Uw organisatie staat niet als loket in de lokettengids. / Your organisation is "
                "not a desk in the desk directory.",
                code="not_a_desk",
            )
    questionnaire = active_questionnaire()
    secret = security.new_secret()
    now = timezone.now()
    for _attempt in range(5):
        intake = Intake(
            reference=security.new_reference(),
            secret_hash=security.secret_hash(secret),
            questionnaire=questionnaire,
            language="en" if language.startswith("en") else "nl",
            assisted_by=actor.user if assisted else None,
            assisted_organisation=actor.organisation if assisted else None,
            created_at=now,
            updated_at=now,
            purge_after=now + timedelta(days=DRAFT_RETENTION_DAYS),
        )
        intake.answers_encrypted = _encrypt_answers(intake, {})
        try:
            with transaction.atomic():
                intake.save(force_insert=True)
                audit_record(
                    actor=actor,
                    action="intake.start",
                    object_type="intake",
                    object_id=intake.reference,
                    details={"questionnaire": questionnaire.version, "assisted": assisted},
                )
        except IntegrityError:
            continue  # the random reference was taken: draw another
        return intake, secret
    raise ConflictError("Probeer het opnieuw. / Please try again.", code="reference_collision")


def assisting_desk(actor: Actor) -> Desk | None:
    if actor.organisation is None:
        return None
    return Desk.objects.filter(organisation=actor.organisation, is_active=True).first()


def _require_draft(intake: Intake) -> None:
    if intake.status != IntakeStatus.DRAFT:
        raise ConflictError(
            "Deze melding is al verstuurd. / This report has already been sent.",
            code="already_submitted",
        )


def intake_answer(*, intake: Intake, question_id: str, value: Any) -> Walk:
    """Store one (already validated) answer and return where the walk now stands.

    Only the question the walk stopped at, or one on the walked path (going back), can be
    answered; answers further on stay stored and count again if the path returns to them.
    """
    with transaction.atomic():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        _require_draft(locked)
        graph = intake_graph(locked)
        answers = intake_answers(locked)
        walk = graph.walk(answers)
        if question_id not in walk.path and question_id != walk.current:
            raise ValidationFailed(
                "Deze vraag hoort niet bij uw antwoorden tot nu toe. / This question does not "
                "follow from your answers so far.",
                code="question_not_on_path",
            )
        answers[question_id] = value
        now = timezone.now()
        locked.answers_encrypted = _encrypt_answers(locked, answers)
        locked.updated_at = now
        locked.purge_after = now + timedelta(days=DRAFT_RETENTION_DAYS)
        locked.save(update_fields=["answers_encrypted", "updated_at", "purge_after"])
    intake.answers_encrypted = locked.answers_encrypted
    return graph.walk(answers)


def intake_facts(intake: Intake, answers: Mapping[str, Any] | None = None) -> Facts:
    answers = answers if answers is not None else intake_answers(intake)
    graph = intake_graph(intake)
    return facts_from_answers(graph, graph.walk(answers), answers)


@dataclass(frozen=True)
class Submission:
    """What the victim chose on the plan page."""

    consented_desks: Sequence[str] = ()
    contact: Contact | None = None
    sightings_consent: bool = False


def intake_submit(*, actor: Actor, intake: Intake, submission: Submission) -> Intake:
    """Send the intake: keep only the answers on the walked path, fix the facts, create a
    referral for each consented desk (only its allowed fields) and forward them; record the
    identifiers as sightings if the victim agreed."""
    with transaction.atomic():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        _require_draft(locked)
        graph = intake_graph(locked)
        answers = intake_answers(locked)
        walk = graph.walk(answers)
        if not walk.finished or walk.outcome is None:
            raise ValidationFailed(
                "Beantwoord eerst alle vragen. / Please answer all questions first.",
                code="intake_incomplete",
            )
        kept = {question_id: answers[question_id] for question_id in walk.path}
        facts = facts_from_answers(graph, walk, kept)
        desks = _consented_desks(graph, facts, submission.consented_desks, locked)
        contact = submission.contact if desks or locked.is_assisted else None
        _check_contact(desks, contact)
        now = timezone.now()
        _fix_facts(locked, facts, kept, contact, submission.sightings_consent, now)
        referrals = _create_referrals(actor, locked, facts, contact, desks, now)
        locked.purge_after = _purge_after(now, [r.desk for r in referrals])
        locked.save()
        audit_record(
            actor=actor,
            action="intake.submit",
            object_type="intake",
            object_id=locked.reference,
            details={
                "outcome": facts.outcome,
                "urgency": facts.urgency,
                "referrals": [r.desk.slug for r in referrals],
                "assisted": locked.is_assisted,
                "sightings_consent": submission.sightings_consent,
            },
        )
        if submission.sightings_consent and facts.identifiers:
            from ketenwacht.intake.integration import link_intake_to_cases, record_intake_sightings

            intake_id = locked.pk
            transaction.on_commit(lambda: record_intake_sightings(intake_id), robust=True)
            transaction.on_commit(lambda: link_intake_to_cases(intake_id), robust=True)
    return locked


def _consented_desks(
    graph: Graph, facts: Facts, slugs: Sequence[str], intake: Intake
) -> list[Desk]:
    """The desks the victim ticked, each of which must be a warm-referral desk of the plan."""
    plan = build_plan(graph, facts, Desk.objects.all())
    offered = {step.desk.slug: step.desk for step in plan if step.desk and step.warm}
    unknown = sorted(set(slugs) - set(offered))
    if unknown:
        raise ValidationFailed(
            "U kunt alleen toestemming geven voor loketten uit uw plan. / You can only consent "
            "to desks in your plan.",
            code="desk_not_offered",
            field="consent",
        )
    desks = [offered[slug] for slug in dict.fromkeys(slugs)]
    if intake.assisted_organisation_id is not None:
        own = Desk.objects.filter(
            organisation_id=intake.assisted_organisation_id, is_active=True
        ).first()
        if own is not None and own.slug not in {d.slug for d in desks}:
            desks.insert(0, own)
    return desks


def _check_contact(desks: Iterable[Desk], contact: Contact | None) -> None:
    needs = [desk for desk in desks if policy_needs_contact(desk)]
    if needs and (contact is None or not (contact.email or contact.phone)):
        raise ValidationFailed(
            "Geef een e-mailadres of telefoonnummer, zodat het loket u kan bereiken. / Give an "
            "e-mail address or telephone number so the desk can reach you.",
            code="contact_required",
            field="contact_email",
        )


def _fix_facts(
    intake: Intake,
    facts: Facts,
    answers: Mapping[str, Any],
    contact: Contact | None,
    sightings_consent: bool,
    now: datetime,
) -> None:
    intake.status = IntakeStatus.SUBMITTED
    intake.answers_encrypted = _encrypt_answers(intake, answers)
    if contact is not None and not contact.is_empty:
        intake.contact_encrypted = crypto.encrypt_json(
            contact.as_dict(), purpose=ENCRYPTION_CONTACT, context=intake.reference
        )
    intake.outcome = facts.outcome
    intake.fraud_types = list(facts.fraud_types)
    intake.urgency = facts.urgency
    intake.victim_type = facts.victim_type
    intake.happened_on = facts.happened_on
    intake.amount_cents = facts.amount_cents
    intake.payment_method = facts.payment_method
    intake.channel = facts.channel
    intake.victim_bank = facts.victim_bank
    intake.age_band = facts.age_band
    intake.postcode = facts.postcode
    intake.sightings_consent = sightings_consent
    intake.submitted_at = now
    intake.updated_at = now


def _purge_after(now: datetime, desks: Sequence[Desk]) -> datetime:
    """ADR 0003: a year without referral; otherwise the longest retention of its desks."""
    days = max((desk.retention_days for desk in desks), default=NO_REFERRAL_RETENTION_DAYS)
    return now + timedelta(days=days)


def _create_referrals(
    actor: Actor,
    intake: Intake,
    facts: Facts,
    contact: Contact | None,
    desks: Sequence[Desk],
    now: datetime,
) -> list[Referral]:
    values = field_values(facts, contact)
    referrals = []
    for desk in desks:
        assisted = intake.is_assisted and desk.organisation_id == intake.assisted_organisation_id
        fields = payload_fields(desk, values)
        referral = Referral.objects.create(
            intake=intake,
            desk=desk,
            organisation=desk.organisation,
            method=ReferralMethod.PORTAL if assisted else desk.referral_method,
            status=ReferralStatus.IN_PROGRESS if assisted else ReferralStatus.RECEIVED,
            fields=sorted(fields),
            assisted=assisted,
            reference=intake.reference,
            fraud_types=list(facts.fraud_types),
            urgency=facts.urgency,
            consented_at=now,
            created_at=now,
            updated_at=now,
        )
        envelope = referral_envelope(referral, intake, fields)
        referral.payload_encrypted = crypto.encrypt_json(
            envelope, purpose=ENCRYPTION_PAYLOAD, context=str(referral.pk)
        )
        referral.save(update_fields=["payload_encrypted"])
        ReferralEvent.objects.create(
            referral=referral,
            event=HistoryEvent.STATUS,
            status_to=referral.status,
            actor_user=actor.user,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="intake.referral_create",
            object_type="referral",
            object_id=referral.pk,
            purpose="warm referral with the victim's consent",
            details={
                "desk": desk.slug,
                "fields": referral.fields,
                "method": referral.method,
                "assisted": assisted,
            },
        )
        if not assisted:
            _forward(
                actor, referral, "intake.referral.created", envelope, key=f"intake-{referral.pk}"
            )
        referrals.append(referral)
    return referrals


def referral_envelope(
    referral: Referral, intake: Intake, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """What a desk receives: who the referral is, and only its allowed fields."""
    return {
        "referral": str(referral.pk),
        "reference": intake.reference,
        "desk": referral.desk.slug,
        "assisted": referral.assisted,
        "questionnaire_version": intake.questionnaire.version,
        "consented_at": referral.consented_at.isoformat(),
        "fields": dict(fields),
    }


def referral_payload(referral: Referral) -> dict[str, Any] | None:
    """The decrypted envelope, or None once consent was withdrawn (the copy is erased)."""
    if not referral.payload_encrypted:
        return None
    payload: dict[str, Any] = crypto.decrypt_json(
        referral.payload_encrypted, purpose=ENCRYPTION_PAYLOAD, context=str(referral.pk)
    )
    return payload


def _forward(
    actor: Actor, referral: Referral, event_type: str, payload: dict[str, Any], *, key: str
) -> None:
    """Webhook or e-mail through the outbox; the portal inbox needs nothing sent.

    Every forwarding goes through here and re-checks consent on the locked row, so nothing
    is sent for a referral whose consent was withdrawn (withdrawal notices excepted).
    """
    if referral.is_withdrawn and event_type != "intake.referral.withdrawn":
        raise ConflictError(
            "Toestemming is ingetrokken; er wordt niets meer doorgestuurd. / Consent was "
            "withdrawn; nothing more is forwarded.",
            code="consent_withdrawn",
        )
    desk = referral.desk
    if referral.method == ReferralMethod.WEBHOOK and desk.webhook_endpoint is not None:
        delivery_enqueue(
            actor=actor,
            channel=Channel.WEBHOOK,
            endpoint=desk.webhook_endpoint,
            event_type=event_type,
            payload=payload,
            idempotency_key=key,
            organisation=desk.organisation,
        )
    elif referral.method == ReferralMethod.EMAIL and desk.referral_email:
        delivery_enqueue(
            actor=actor,
            channel=Channel.EMAIL,
            event_type=event_type,
            email_to=desk.referral_email,
            subject=_email_subject(event_type, referral),
            payload={"body": _email_body(event_type, payload)},
            idempotency_key=key,
            organisation=desk.organisation,
        )


def _email_subject(event_type: str, referral: Referral) -> str:
    subjects = {
        "intake.referral.created": "Warme doorverwijzing / Warm referral",
        "intake.referral.information": "Aanvullende informatie / Additional information",
        "intake.referral.withdrawn": "Toestemming ingetrokken / Consent withdrawn",
    }
    return f"Ketenwacht {referral.reference}: {subjects.get(event_type, event_type)}"


def _email_body(event_type: str, payload: Mapping[str, Any]) -> str:
    """Plain text: the envelope's ids, then exactly the fields in the payload."""
    with override("nl"):
        lines = [
            f"Referentie / Reference: {payload.get('reference', '')}",
            f"Doorverwijzing / Referral: {payload.get('referral', '')}",
        ]
        if event_type == "intake.referral.withdrawn":
            lines.append(
                "Het slachtoffer heeft de toestemming ingetrokken. Gebruik de eerder ontvangen "
                "gegevens niet verder. / The victim withdrew consent. Do not use the data "
                "received earlier any further."
            )
        for name, value in (payload.get("fields") or {}).items():
            label = IntakeField(name).label if name in IntakeField.values else name
            lines.append(f"{label}: {_plain(value)}")
        if payload.get("information"):
            lines.append(f"Aanvulling / Addition: {payload['information']}")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items())
    return str(value)


# ------------------------------------------------------------------------- desk inbox


def _desk_referral(actor: Actor, referral: Referral) -> Referral:
    """Lock the referral; a desk only ever acts on referrals addressed to it."""
    access.require(actor, "intake.desk_inbox")
    if actor.organisation is None or referral.organisation_id != actor.organisation.pk:
        raise NotFoundError("Onbekende doorverwijzing. / Unknown referral.", code="not_found")
    return Referral.objects.select_for_update().select_related("desk", "intake").get(pk=referral.pk)


def referral_status_change(
    *, actor: Actor, referral: Referral, status: str, note: str = ""
) -> Referral:
    """received → in progress → done / referred on; each change is a new history row."""
    with transaction.atomic():
        locked = _desk_referral(actor, referral)
        if status not in DESK_TRANSITIONS.get(locked.status, frozenset()):
            raise ConflictError(
                f"Van '{locked.status}' kan niet naar '{status}'. / Cannot go from "
                f"'{locked.status}' to '{status}'.",
                code="invalid_transition",
            )
        now = timezone.now()
        ReferralEvent.objects.create(
            referral=locked,
            event=HistoryEvent.STATUS,
            status_from=locked.status,
            status_to=status,
            message_encrypted=_encrypt_message(locked, note) if note.strip() else None,
            actor_user=actor.user,
            created_at=now,
        )
        previous = locked.status
        locked.status = status
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="intake.referral_status",
            object_type="referral",
            object_id=locked.pk,
            details={"from": previous, "to": status},
        )
    return locked


def referral_request_information(*, actor: Actor, referral: Referral, message: str) -> Referral:
    """The desk asks the victim for more; the question shows on the victim's status page."""
    message = _required_text(message, field="message")
    with transaction.atomic():
        locked = _desk_referral(actor, referral)
        if locked.is_withdrawn:
            raise ConflictError(
                "De toestemming is ingetrokken. / Consent was withdrawn.", code="consent_withdrawn"
            )
        ReferralEvent.objects.create(
            referral=locked,
            event=HistoryEvent.INFO_REQUESTED,
            message_encrypted=_encrypt_message(locked, message),
            actor_user=actor.user,
        )
        audit_record(
            actor=actor,
            action="intake.referral_info_request",
            object_type="referral",
            object_id=locked.pk,
        )
    return locked


def _required_text(text: str, *, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            "Vul een tekst in. / Please enter a text.", code="required", field=field
        )
    if len(text) > MAX_INFO_LENGTH:
        raise ValidationFailed(
            f"Hoogstens {MAX_INFO_LENGTH} tekens. / At most {MAX_INFO_LENGTH} characters.",
            code="too_long",
            field=field,
        )
    return text


def _encrypt_message(referral: Referral, text: str) -> bytes:
    return crypto.encrypt(text.encode(), purpose=ENCRYPTION_MESSAGE, context=str(referral.pk))


def event_message(event: ReferralEvent) -> str:
    if not event.message_encrypted:
        return ""
    return crypto.decrypt(
        event.message_encrypted, purpose=ENCRYPTION_MESSAGE, context=str(event.referral_id)
    ).decode()


# ---------------------------------------------------------------------- the victim's side


def intake_add_information(*, actor: Actor, intake: Intake, text: str) -> int:
    """The victim adds information: it reaches every referral with consent (forwarded to
    desks whose policy allows the victim's own words). Returns the referrals reached."""
    text = _required_text(text, field="information")
    reached = 0
    with transaction.atomic():
        referrals = list(
            Referral.objects.select_for_update()
            .select_related("desk", "intake__questionnaire")
            .filter(intake=intake, withdrawn_at__isnull=True)
        )
        for referral in referrals:
            event = ReferralEvent.objects.create(
                referral=referral,
                event=HistoryEvent.INFO_ADDED,
                message_encrypted=_encrypt_message(referral, text),
                by_victim=True,
            )
            if IntakeField.STORY in referral.desk.field_policy:
                payload = referral_envelope(referral, intake, {})
                payload["information"] = text
                _forward(
                    actor,
                    referral,
                    "intake.referral.information",
                    payload,
                    key=f"intake-info-{event.pk}",
                )
            reached += 1
        audit_record(
            actor=actor,
            action="intake.information_add",
            object_type="intake",
            object_id=intake.reference,
            details={"referrals": reached},
        )
    return reached


def referral_withdraw(*, actor: Actor, intake: Intake, referral_id: Any) -> Referral:
    """The victim withdraws consent for one desk: nothing more is sent to it, the desk is
    told, and the platform's copy of what it received is erased."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .select_related("desk", "intake__questionnaire")
            .filter(pk=referral_id, intake=intake)
            .first()
        )
        if referral is None:
            raise NotFoundError("Onbekende doorverwijzing. / Unknown referral.", code="not_found")
        if referral.is_withdrawn:
            return referral
        now = timezone.now()
        ReferralEvent.objects.create(
            referral=referral,
            event=HistoryEvent.STATUS,
            status_from=referral.status,
            status_to=ReferralStatus.WITHDRAWN,
            by_victim=True,
            created_at=now,
        )
        referral.status = ReferralStatus.WITHDRAWN
        referral.withdrawn_at = now
        referral.updated_at = now
        referral.payload_encrypted = None
        referral.save(update_fields=["status", "withdrawn_at", "updated_at", "payload_encrypted"])
        notice = referral_envelope(referral, intake, {})
        notice["withdrawn_at"] = now.isoformat()
        _forward(
            actor,
            referral,
            "intake.referral.withdrawn",
            notice,
            key=f"intake-withdrawn-{referral.pk}",
        )
        audit_record(
            actor=actor,
            action="intake.referral_withdraw",
            object_type="referral",
            object_id=referral.pk,
            details={"desk": referral.desk.slug},
        )
    return referral


def audit_link_emailed(intake: Intake) -> None:
    """The victim had the status link e-mailed (the address itself is not kept)."""
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action="intake.status_link_email",
            object_type="intake",
            object_id=intake.reference,
        )


# ------------------------------------------------------------------------------ retention


@dataclass(frozen=True)
class PurgeResult:
    drafts: int
    intakes: int
    referrals: int


def intakes_purge(*, now: datetime | None = None, batch_size: int = 1000) -> PurgeResult:
    """Delete what ADR 0003 no longer allows keeping: abandoned drafts after 30 days, sent
    intakes (with referrals, history, contact details) once their term has passed."""
    from ketenwacht.intake.integration import unlink_intakes_from_cases

    moment = now or timezone.now()
    drafts = intakes = referrals = 0
    while True:
        with transaction.atomic():
            due = list(
                Intake.objects.filter(purge_after__lte=moment).values_list("pk", "status")[
                    :batch_size
                ]
            )
            if not due:
                break
            ids = [pk for pk, _status in due]
            unlink_intakes_from_cases(
                [pk for pk, status in due if status == IntakeStatus.SUBMITTED]
            )
            referrals += Referral.objects.filter(intake_id__in=ids).count()
            Intake.objects.filter(pk__in=ids).delete()
            drafts += sum(1 for _pk, status in due if status == IntakeStatus.DRAFT)
            intakes += sum(1 for _pk, status in due if status == IntakeStatus.SUBMITTED)
    if drafts or intakes:
        audit_record(
            actor=SYSTEM,
            action="intake.purge",
            object_type="intake",
            details={"drafts": drafts, "intakes": intakes, "referrals": referrals},
        )
    return PurgeResult(drafts=drafts, intakes=intakes, referrals=referrals)


def contact_fields_of(desk: Desk) -> list[str]:
    return [name for name in desk.field_policy if name in CONTACT_FIELDS]
