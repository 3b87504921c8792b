"""Writes of the knowledge domain. Each runs in a transaction and writes its audit row.

- fraud-type taxonomy (programme team);
- barrier model: the programme team edits directly, partners propose (``proposal_submit``)
  and the programme team decides (``proposal_decide``); every change is a ``Revision``;
- collaboration space: action plan, working groups, member library, bottleneck cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from ketenwacht.knowledge.constants import (
    BARRIER_MARKINGS,
    DEFAULT_ACTION_MARKING,
    DEFAULT_BARRIER_MARKING,
    DEFAULT_DOCUMENT_MARKING,
    DEFAULT_ENTRY_MARKING,
    DOCUMENT_MARKINGS,
    EVIDENCE_LINKS_MAX,
    FALLBACK_FRAUD_TYPE,
    FRAUD_TYPE_CODE_RE,
    PROPOSABLE_ITEM_TYPES,
    STAGE_ORDER,
    TAG_MAX,
    TAGS_MAX,
    TEXT_MAX,
    TITLE_MAX,
    ActionStatus,
    BarrierKind,
    BarrierStatus,
    BottleneckStage,
    DocumentKind,
    EntryKind,
    ItemType,
    ProposalStatus,
    TaskStatus,
    Theme,
    WorkingGroupKind,
)
from ketenwacht.knowledge.models import (
    ActionPlan,
    ActionPoint,
    ActionPointUpdate,
    Barrier,
    BottleneckCase,
    BottleneckStageRecord,
    ChangeProposal,
    FraudType,
    JourneyPhase,
    LibraryDocument,
    PrivacyOpinion,
    Revision,
    WorkingGroup,
    WorkingGroupEntry,
    WorkingGroupMember,
    WorkingGroupTask,
)
from ketenwacht.knowledge.selectors import forget_catalogue
from ketenwacht.knowledge.uploads import check_upload
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking, Sector
from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup

EDITABLE_FIELDS = frozenset(
    {"name_nl", "name_en", "description_nl", "description_en", "is_active", "sort_order"}
)


def _after_write() -> None:
    # Clear now and again after commit: a reader between the two may have cached old rows.
    forget_catalogue()
    transaction.on_commit(forget_catalogue)


def fraud_type_check(fraud_type: FraudType) -> None:
    """Validate a fraud type's fields without saving (the admin form uses it too)."""
    if not FRAUD_TYPE_CODE_RE.match(fraud_type.code):
        raise ValidationFailed(
            "Code: kleine letters, cijfers en _, 2–40 tekens. / Code: lower-case letters, digits "
            "and _, 2–40 characters.",
            code="invalid_code",
            field="code",
        )
    if not fraud_type.name_nl.strip() or not fraud_type.name_en.strip():
        raise ValidationFailed(
            "Naam in het Nederlands en Engels is verplicht. / A Dutch and an English name are "
            "required.",
            code="required",
            field="name_nl" if not fraud_type.name_nl.strip() else "name_en",
        )
    if fraud_type.code == FALLBACK_FRAUD_TYPE and not fraud_type.is_active:
        raise ValidationFailed(
            "Het type 'other' blijft actief: meldingen die nergens passen komen daar terecht. / "
            "The type 'other' stays active: reports that fit nowhere else land there.",
            code="fallback_required",
            field="is_active",
        )
    if not 0 <= fraud_type.sort_order <= 32767:
        raise ValidationFailed(
            "Volgorde moet 0–32767 zijn. / Sort order must be 0–32767.",
            code="sort_order_range",
            field="sort_order",
        )


def fraud_type_create(
    *,
    actor: Actor,
    code: str,
    name_nl: str,
    name_en: str,
    description_nl: str = "",
    description_en: str = "",
    is_active: bool = True,
    sort_order: int = 0,
) -> FraudType:
    access.require(actor, "knowledge.manage_fraud_types")
    code = code.strip()
    fraud_type = FraudType(
        code=code,
        name_nl=name_nl.strip(),
        name_en=name_en.strip(),
        description_nl=description_nl.strip(),
        description_en=description_en.strip(),
        is_active=is_active,
        sort_order=sort_order,
    )
    fraud_type_check(fraud_type)
    with transaction.atomic():
        if FraudType.objects.filter(code=code).exists():
            raise ConflictError(
                f"Fraudetype '{code}' bestaat al. / Fraud type '{code}' already exists.",
                code="duplicate_fraud_type",
                details={"field": "code"},
            )
        fraud_type.save(force_insert=True)
        audit_record(
            actor=actor,
            action="fraud_type.create",
            object_type="fraud_type",
            object_id=code,
            details={"name_nl": fraud_type.name_nl, "is_active": is_active},
        )
        _after_write()
    return fraud_type


def fraud_type_update(
    *, actor: Actor, fraud_type: FraudType, changes: Mapping[str, Any]
) -> FraudType:
    """Change names, descriptions, order or active flag. The code never changes: other apps'
    rows refer to it. Retire a type by deactivating it."""
    access.require(actor, "knowledge.manage_fraud_types")
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Niet te wijzigen: {unknown}. / Cannot be changed: {unknown}.",
            code="not_editable",
            field=unknown[0],
        )
    with transaction.atomic():
        locked = FraudType.objects.select_for_update().get(pk=fraud_type.pk)
        changed: dict[str, Any] = {}
        for name, value in changes.items():
            cleaned = value.strip() if isinstance(value, str) else value
            if getattr(locked, name) != cleaned:
                setattr(locked, name, cleaned)
                changed[name] = cleaned
        if not changed:
            return locked
        fraud_type_check(locked)
        locked.save(update_fields=sorted(changed))
        audit_record(
            actor=actor,
            action="fraud_type.update",
            object_type="fraud_type",
            object_id=locked.code,
            details={"changed": sorted(changed)},
        )
        _after_write()
    return locked


# ============================================================================================
# The barrier model, versions and proposals
# ============================================================================================


def _require_manager(actor: Actor) -> None:
    if not actor.is_system and not access.may_manage_knowledge(actor):
        raise PermissionDeniedError(
            "Alleen het programmateam mag dit. / Only the programme team may do this.",
            code="forbidden",
        )


def _require_partner(actor: Actor, permission: str = "knowledge.propose") -> None:
    if actor.is_system:
        return
    if not access.is_knowledge_partner(actor) or not access.can(actor, permission):
        raise PermissionDeniedError(
            "U heeft geen toegang tot deze handeling. / You are not allowed to do this.",
            code="forbidden",
        )


def _text(value: Any, *, field: str, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(
            "Dit veld is verplicht. / This field is required.", code="required", field=field
        )
    if len(text) > limit:
        raise ValidationFailed(
            f"Te lang (max. {limit} tekens). / Too long (at most {limit} characters).",
            code="too_long",
            field=field,
        )
    return text


def _choice(value: Any, allowed: Iterable[str], *, field: str) -> str:
    if value not in set(allowed):
        raise ValidationFailed(
            f"Ongeldige waarde: {value!r}. / Invalid value: {value!r}.",
            code="invalid_choice",
            field=field,
        )
    return str(value)


def _sectors(values: Any) -> list[str]:
    sectors = [str(value) for value in (values or [])]
    if not sectors:
        raise ValidationFailed(
            "Kies minstens één sector. / Choose at least one sector.",
            code="required",
            field="sectors",
        )
    for sector in sectors:
        _choice(sector, Sector.values, field="sectors")
    return sorted(set(sectors), key=sectors.index)


_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


def _links(values: Any) -> list[str]:
    links = [str(value).strip() for value in (values or []) if str(value).strip()]
    if len(links) > EVIDENCE_LINKS_MAX:
        raise ValidationFailed(
            f"Hoogstens {EVIDENCE_LINKS_MAX} links. / At most {EVIDENCE_LINKS_MAX} links.",
            code="too_many",
            field="evidence_links",
        )
    for link in links:
        try:
            _URL_VALIDATOR(link)
        except DjangoValidationError:
            raise ValidationFailed(
                f"Geen geldige http(s)-link: {link}. / Not a valid http(s) link: {link}.",
                code="invalid_link",
                field="evidence_links",
            ) from None
    return links


BARRIER_FIELDS = (
    "phase",
    "title",
    "description",
    "sectors",
    "kind",
    "status",
    "effectiveness",
    "evidence_links",
    "marking",
)
PHASE_FIELDS = ("name_nl", "name_en", "description_nl", "description_en")
ACTION_POINT_FIELDS = ("title", "description", "theme", "owner", "status", "marking")


def barrier_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validated barrier fields (``phase`` as a phase id), as stored and as proposed."""
    try:
        phase_id = int(str(data.get("phase")))
    except ValueError:
        phase_id = 0
    if not JourneyPhase.objects.filter(pk=phase_id).exists():
        raise ValidationFailed(
            "Onbekende fase. / Unknown phase.", code="unknown_phase", field="phase"
        )
    return {
        "phase": phase_id,
        "title": _text(data.get("title"), field="title", required=True, limit=TITLE_MAX),
        "description": _text(data.get("description"), field="description"),
        "sectors": _sectors(data.get("sectors")),
        "kind": _choice(data.get("kind"), BarrierKind.values, field="kind"),
        "status": _choice(data.get("status"), BarrierStatus.values, field="status"),
        "effectiveness": _text(data.get("effectiveness"), field="effectiveness"),
        "evidence_links": _links(data.get("evidence_links")),
        "marking": _choice(
            data.get("marking") or DEFAULT_BARRIER_MARKING, BARRIER_MARKINGS, field="marking"
        ),
    }


def phase_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name_nl": _text(data.get("name_nl"), field="name_nl", required=True, limit=120),
        "name_en": _text(data.get("name_en"), field="name_en", required=True, limit=120),
        "description_nl": _text(data.get("description_nl"), field="description_nl"),
        "description_en": _text(data.get("description_en"), field="description_en"),
    }


def barrier_snapshot(barrier: Barrier) -> dict[str, Any]:
    return {
        "phase": barrier.phase_id,
        "title": barrier.title,
        "description": barrier.description,
        "sectors": list(barrier.sectors),
        "kind": barrier.kind,
        "status": barrier.status,
        "effectiveness": barrier.effectiveness,
        "evidence_links": list(barrier.evidence_links),
        "marking": barrier.marking,
    }


def phase_snapshot(phase: JourneyPhase) -> dict[str, Any]:
    return {name: getattr(phase, name) for name in PHASE_FIELDS}


def action_point_snapshot(point: ActionPoint) -> dict[str, Any]:
    return {
        "title": point.title,
        "description": point.description,
        "theme": point.theme,
        "owner": point.owner_label,
        "status": point.status,
        "marking": point.marking,
    }


def _revision_add(
    *,
    actor: Actor,
    item_type: str,
    item_id: int,
    number: int,
    snapshot: dict[str, Any],
    changed: Iterable[str] = (),
    proposal: ChangeProposal | None = None,
    note: str = "",
) -> Revision:
    return Revision.objects.create(
        item_type=item_type,
        item_id=item_id,
        number=number,
        snapshot=snapshot,
        changed_fields=sorted(changed),
        changed_by=actor.user,
        changed_by_label=actor.label,
        proposal=proposal,
        note=note[:300],
    )


def barrier_create(
    *, actor: Actor, data: Mapping[str, Any], proposal: ChangeProposal | None = None
) -> Barrier:
    _require_manager(actor)
    fields = barrier_clean(data)
    phase_id = fields.pop("phase")
    with transaction.atomic():
        barrier = Barrier.objects.create(phase_id=phase_id, **fields)
        _revision_add(
            actor=actor,
            item_type=ItemType.BARRIER,
            item_id=barrier.pk,
            number=1,
            snapshot=barrier_snapshot(barrier),
            changed=BARRIER_FIELDS,
            proposal=proposal,
        )
        audit_record(
            actor=actor,
            action="barrier.create",
            object_type="barrier",
            object_id=barrier.pk,
            details={"proposal": proposal.pk if proposal else None, "marking": barrier.marking},
        )
    return barrier


def _conflict_if_moved_on(current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise ConflictError(
            f"Het item is intussen gewijzigd (versie {current}, voorstel op versie {expected}). "
            f"/ The item changed meanwhile (version {current}, proposal based on {expected}).",
            code="stale_version",
        )


def barrier_update(
    *,
    actor: Actor,
    barrier: Barrier,
    data: Mapping[str, Any],
    expected_version: int | None = None,
    proposal: ChangeProposal | None = None,
) -> Barrier:
    """Apply changed fields; a new version with who and when. No change: no version."""
    _require_manager(actor)
    with transaction.atomic():
        locked = Barrier.objects.select_for_update().get(pk=barrier.pk)
        _conflict_if_moved_on(locked.version, expected_version)
        before = barrier_snapshot(locked)
        after = barrier_clean({**before, **data})
        changed = [name for name in BARRIER_FIELDS if before[name] != after[name]]
        if not changed:
            return locked
        locked.phase_id = after["phase"]
        for name in BARRIER_FIELDS[1:]:
            setattr(locked, name, after[name])
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save()
        _revision_add(
            actor=actor,
            item_type=ItemType.BARRIER,
            item_id=locked.pk,
            number=locked.version,
            snapshot=barrier_snapshot(locked),
            changed=changed,
            proposal=proposal,
        )
        audit_record(
            actor=actor,
            action="barrier.update",
            object_type="barrier",
            object_id=locked.pk,
            details={"changed": changed, "version": locked.version},
        )
    return locked


def phase_update(
    *,
    actor: Actor,
    phase: JourneyPhase,
    data: Mapping[str, Any],
    expected_version: int | None = None,
    proposal: ChangeProposal | None = None,
) -> JourneyPhase:
    _require_manager(actor)
    with transaction.atomic():
        locked = JourneyPhase.objects.select_for_update().get(pk=phase.pk)
        _conflict_if_moved_on(locked.version, expected_version)
        before = phase_snapshot(locked)
        after = phase_clean({**before, **data})
        changed = [name for name in PHASE_FIELDS if before[name] != after[name]]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, after[name])
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save()
        _revision_add(
            actor=actor,
            item_type=ItemType.PHASE,
            item_id=locked.pk,
            number=locked.version,
            snapshot=phase_snapshot(locked),
            changed=changed,
            proposal=proposal,
        )
        audit_record(
            actor=actor,
            action="phase.update",
            object_type="journey_phase",
            object_id=locked.pk,
            details={"changed": changed, "version": locked.version},
        )
    return locked


def _proposal_target(item_type: str, item_id: int | None) -> Barrier | JourneyPhase | None:
    if item_id is None:
        return None
    model: type[Barrier] | type[JourneyPhase] = (
        Barrier if item_type == ItemType.BARRIER else JourneyPhase
    )
    target = model.objects.filter(pk=item_id).first()
    if target is None:
        raise NotFoundError("Item bestaat niet. / Item does not exist.", code="not_found")
    return target


def proposal_submit(
    *,
    actor: Actor,
    item_type: str,
    data: Mapping[str, Any],
    item_id: int | None = None,
    reason: str = "",
) -> ChangeProposal:
    """A partner proposes a new barrier, or a change to a barrier or phase."""
    _require_partner(actor)
    _choice(item_type, PROPOSABLE_ITEM_TYPES, field="item_type")
    if item_type == ItemType.PHASE and item_id is None:
        raise ValidationFailed(
            "Fasen worden niet voorgesteld, alleen gewijzigd. / Phases are changed, not added.",
            code="invalid",
        )
    target = _proposal_target(item_type, item_id)
    if target is not None and not access.may_read_marked(
        actor,
        target.facts() if isinstance(target, Barrier) else target.journey.facts(),
        route="page",
    ):
        raise NotFoundError("Item bestaat niet. / Item does not exist.", code="not_found")
    if item_type == ItemType.BARRIER:
        base = barrier_snapshot(target) if isinstance(target, Barrier) else {}
        cleaned = barrier_clean({**base, **data})
    else:
        assert isinstance(target, JourneyPhase)
        cleaned = phase_clean({**phase_snapshot(target), **data})
    organisation = actor.organisation
    if organisation is None:
        raise PermissionDeniedError(
            "Voorstellen doet een partnerorganisatie. / Proposals come from a partner.",
            code="forbidden",
        )
    with transaction.atomic():
        proposal = ChangeProposal.objects.create(
            item_type=item_type,
            item_id=item_id,
            base_version=target.version if target is not None else None,
            data=cleaned,
            reason=_text(reason, field="reason", limit=2000),
            proposed_by=actor.user,
            proposed_by_organisation=organisation,
        )
        audit_record(
            actor=actor,
            action="knowledge.proposal.submit",
            object_type="change_proposal",
            object_id=proposal.pk,
            details={"item_type": item_type, "item_id": item_id},
        )
    return proposal


def _apply_proposal(actor: Actor, proposal: ChangeProposal) -> None:
    item_id = proposal.item_id
    if item_id is None:  # only barriers are proposed new (checked on submission)
        barrier = barrier_create(actor=actor, data=proposal.data, proposal=proposal)
        proposal.item_id = barrier.pk
    elif proposal.item_type == ItemType.BARRIER:
        barrier_update(
            actor=actor,
            barrier=Barrier.objects.get(pk=item_id),
            data=proposal.data,
            expected_version=proposal.base_version,
            proposal=proposal,
        )
    else:
        phase_update(
            actor=actor,
            phase=JourneyPhase.objects.get(pk=item_id),
            data=proposal.data,
            expected_version=proposal.base_version,
            proposal=proposal,
        )


def proposal_decide(
    *, actor: Actor, proposal: ChangeProposal, approve: bool, note: str = ""
) -> ChangeProposal:
    """The programme team approves (the change is applied as a new version) or rejects.
    Four eyes: nobody decides on a proposal they made themselves."""
    _require_manager(actor)
    with transaction.atomic():
        locked = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
        if not locked.is_open:
            raise ConflictError(
                "Over dit voorstel is al besloten. / This proposal has been decided already.",
                code="already_decided",
            )
        if actor.user is not None and locked.proposed_by_id == actor.user.pk:
            raise PermissionDeniedError(
                "U kunt niet over uw eigen voorstel beslissen. / You cannot decide on your own "
                "proposal.",
                code="four_eyes",
            )
        if approve:
            _apply_proposal(actor, locked)
        locked.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        locked.decided_by = actor.user
        locked.decided_at = timezone.now()
        locked.decision_note = _text(note, field="note", limit=2000)
        locked.save()
        audit_record(
            actor=actor,
            action="knowledge.proposal.approve" if approve else "knowledge.proposal.reject",
            object_type="change_proposal",
            object_id=locked.pk,
            details={"item_type": locked.item_type, "item_id": locked.item_id},
        )
    return locked


def proposal_withdraw(*, actor: Actor, proposal: ChangeProposal) -> ChangeProposal:
    _require_partner(actor)
    with transaction.atomic():
        locked = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
        if (
            actor.organisation is None
            or locked.proposed_by_organisation_id != actor.organisation.pk
        ):
            raise PermissionDeniedError(
                "Alleen de indienende organisatie. / Only the proposing organisation.",
                code="forbidden",
            )
        if not locked.is_open:
            raise ConflictError(
                "Over dit voorstel is al besloten. / This proposal has been decided already.",
                code="already_decided",
            )
        locked.status = ProposalStatus.WITHDRAWN
        locked.decided_by = actor.user
        locked.decided_at = timezone.now()
        locked.save()
        audit_record(
            actor=actor,
            action="knowledge.proposal.withdraw",
            object_type="change_proposal",
            object_id=locked.pk,
        )
    return locked


# ============================================================================================
# Action plan
# ============================================================================================


def action_plan_create(*, actor: Actor, year: int, introduction: str = "") -> ActionPlan:
    _require_manager(actor)
    if not 2000 <= year <= 2100:
        raise ValidationFailed("Ongeldig jaar. / Invalid year.", code="invalid", field="year")
    with transaction.atomic():
        if ActionPlan.objects.filter(year=year).exists():
            raise ConflictError(
                f"Er is al een actieplan {year}. / There is an action plan {year} already.",
                code="duplicate_plan",
            )
        plan = ActionPlan.objects.create(
            year=year, introduction=_text(introduction, field="introduction")
        )
        audit_record(
            actor=actor, action="action_plan.create", object_type="action_plan", object_id=year
        )
    return plan


def _owner(data: Mapping[str, Any]) -> tuple[Organisation | None, str]:
    organisation = data.get("owner_organisation")
    name = _text(data.get("owner_name"), field="owner_name", limit=200)
    if organisation is None and not name:
        raise ValidationFailed(
            "Geef een eigenaar. / Give an owner.", code="required", field="owner_organisation"
        )
    return organisation, name


def action_point_create(*, actor: Actor, plan: ActionPlan, data: Mapping[str, Any]) -> ActionPoint:
    _require_manager(actor)
    organisation, owner_name = _owner(data)
    with transaction.atomic():
        point = ActionPoint.objects.create(
            plan=plan,
            theme=_choice(data.get("theme"), Theme.values, field="theme"),
            title=_text(data.get("title"), field="title", required=True, limit=TITLE_MAX),
            description=_text(data.get("description"), field="description"),
            owner_organisation=organisation,
            owner_name=owner_name,
            marking=_choice(
                data.get("marking") or DEFAULT_ACTION_MARKING, Marking.values, field="marking"
            ),
            position=plan.points.count() + 1,
        )
        _revision_add(
            actor=actor,
            item_type=ItemType.ACTION_POINT,
            item_id=point.pk,
            number=1,
            snapshot=action_point_snapshot(point),
            changed=ACTION_POINT_FIELDS,
        )
        audit_record(
            actor=actor,
            action="action_point.create",
            object_type="action_point",
            object_id=point.pk,
            details={"year": plan.year, "theme": point.theme},
        )
    return point


def action_point_progress(
    *, actor: Actor, point: ActionPoint, text: str, status: str = ""
) -> ActionPointUpdate:
    """An update on an action point, by the programme team or the owner organisation; a new
    status is part of the update (history) and of a new version of the point."""
    from ketenwacht.knowledge import selectors

    if not actor.is_system and not selectors.may_report_progress(actor=actor, point=point):
        raise PermissionDeniedError(
            "Alleen de eigenaar of het programmateam. / Only the owner or the programme team.",
            code="forbidden",
        )
    body = _text(text, field="text", required=True, limit=5000)
    if status:
        _choice(status, ActionStatus.values, field="status")
    with transaction.atomic():
        locked = ActionPoint.objects.select_for_update().get(pk=point.pk)
        previous = locked.status
        moved = bool(status) and status != previous
        update = ActionPointUpdate.objects.create(
            point=locked,
            text=body,
            from_status=previous if moved else "",
            to_status=status if moved else "",
            author=actor.user,
            author_label=actor.label,
        )
        if moved:
            locked.status = status
            locked.realised_at = timezone.localdate() if status == ActionStatus.REALISED else None
            locked.version += 1
            locked.updated_at = timezone.now()
            locked.save()
            _revision_add(
                actor=actor,
                item_type=ItemType.ACTION_POINT,
                item_id=locked.pk,
                number=locked.version,
                snapshot=action_point_snapshot(locked),
                changed=["status"],
                note=body[:300],
            )
        audit_record(
            actor=actor,
            action="action_point.progress",
            object_type="action_point",
            object_id=locked.pk,
            details={"from": previous, "to": status if moved else previous},
        )
    return update


# ============================================================================================
# Working groups
# ============================================================================================


def _require_member(actor: Actor, group: WorkingGroup) -> None:
    if actor.is_system:
        return
    if (
        not access.is_knowledge_partner(actor)
        or actor.user is None
        or not group.memberships.filter(user_id=actor.user.pk).exists()
    ):
        raise PermissionDeniedError(
            "Alleen leden van deze werkgroep. / Only members of this working group.",
            code="not_a_member",
        )


def working_group_create(
    *,
    actor: Actor,
    name: str,
    slug: str,
    kind: str = WorkingGroupKind.WORKING_GROUP,
    theme: str = "",
    description: str = "",
) -> WorkingGroup:
    _require_manager(actor)
    with transaction.atomic():
        if WorkingGroup.objects.filter(Q(slug=slug) | Q(name=name)).exists():
            raise ConflictError(
                "Deze werkgroep bestaat al. / This working group exists already.",
                code="duplicate_working_group",
            )
        group = WorkingGroup.objects.create(
            name=_text(name, field="name", required=True, limit=200),
            slug=slug,
            kind=_choice(kind, WorkingGroupKind.values, field="kind"),
            theme=_choice(theme, ["", *Theme.values], field="theme"),
            description=_text(description, field="description"),
        )
        audit_record(
            actor=actor,
            action="working_group.create",
            object_type="working_group",
            object_id=group.slug,
        )
    return group


def working_group_add_member(
    *, actor: Actor, group: WorkingGroup, user: Any, is_chair: bool = False
) -> WorkingGroupMember:
    """The programme team seats partner staff at the table (and never itself by default)."""
    _require_manager(actor)
    member_actor = access.actor_for_user(user)
    if not access.is_knowledge_partner(member_actor):
        raise ValidationFailed(
            "Alleen medewerkers van partners. / Only staff of partner organisations.",
            code="not_a_partner",
            field="user",
        )
    with transaction.atomic():
        membership, created = WorkingGroupMember.objects.get_or_create(
            group=group, user=user, defaults={"is_chair": is_chair}
        )
        if created:
            audit_record(
                actor=actor,
                action="working_group.member_add",
                object_type="working_group",
                object_id=group.slug,
                details={"user": user.pk},
            )
    return membership


def working_group_remove_member(*, actor: Actor, group: WorkingGroup, user: Any) -> None:
    _require_manager(actor)
    with transaction.atomic():
        deleted, _rows = WorkingGroupMember.objects.filter(group=group, user=user).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="working_group.member_remove",
                object_type="working_group",
                object_id=group.slug,
                details={"user": user.pk},
            )


def working_group_entry_create(
    *,
    actor: Actor,
    group: WorkingGroup,
    kind: str,
    title: str,
    body: str = "",
    meeting_date: date | None = None,
    marking: str = DEFAULT_ENTRY_MARKING,
) -> WorkingGroupEntry:
    """Notes and decisions are written by members only; the marking says who else reads."""
    _require_member(actor, group)
    with transaction.atomic():
        entry = WorkingGroupEntry.objects.create(
            group=group,
            kind=_choice(kind, EntryKind.values, field="kind"),
            title=_text(title, field="title", required=True, limit=TITLE_MAX),
            body=_text(body, field="body"),
            meeting_date=meeting_date,
            marking=_choice(marking, Marking.values, field="marking"),
            author=actor.user,
        )
        audit_record(
            actor=actor,
            action="working_group.entry_create",
            object_type="working_group_entry",
            object_id=entry.pk,
            details={"group": group.slug, "kind": entry.kind, "marking": entry.marking},
        )
    return entry


def working_group_task_create(
    *,
    actor: Actor,
    group: WorkingGroup,
    title: str,
    assignee: Any = None,
    due_date: date | None = None,
) -> WorkingGroupTask:
    _require_member(actor, group)
    if assignee is not None and not group.memberships.filter(user=assignee).exists():
        raise ValidationFailed(
            "Een taak gaat naar een lid van de werkgroep. / A task goes to a member of the "
            "working group.",
            code="not_a_member",
            field="assignee",
        )
    with transaction.atomic():
        task = WorkingGroupTask.objects.create(
            group=group,
            title=_text(title, field="title", required=True, limit=TITLE_MAX),
            assignee=assignee,
            due_date=due_date,
            created_by=actor.user,
        )
        audit_record(
            actor=actor,
            action="working_group.task_create",
            object_type="working_group_task",
            object_id=task.pk,
        )
    return task


def working_group_task_set_done(
    *, actor: Actor, task: WorkingGroupTask, done: bool
) -> WorkingGroupTask:
    _require_member(actor, task.group)
    with transaction.atomic():
        locked = WorkingGroupTask.objects.select_for_update().get(pk=task.pk)
        locked.status = TaskStatus.DONE if done else TaskStatus.OPEN
        locked.done_at = timezone.now() if done else None
        locked.save(update_fields=["status", "done_at"])
        audit_record(
            actor=actor,
            action="working_group.task_status",
            object_type="working_group_task",
            object_id=locked.pk,
            details={"status": locked.status},
        )
    return locked


# ============================================================================================
# Member library
# ============================================================================================


def _tags(values: Iterable[str]) -> list[str]:
    tags: list[str] = []
    for value in values:
        tag = str(value).strip().lower()
        if tag and tag not in tags:
            tags.append(_text(tag, field="tags", limit=TAG_MAX))
    if len(tags) > TAGS_MAX:
        raise ValidationFailed(
            f"Hoogstens {TAGS_MAX} labels. / At most {TAGS_MAX} tags.",
            code="too_many",
            field="tags",
        )
    return tags


def document_upload(
    *,
    actor: Actor,
    title: str,
    kind: str,
    file: UploadedFile,
    description: str = "",
    tags: Iterable[str] = (),
    year: int | None = None,
    marking: str = DEFAULT_DOCUMENT_MARKING,
    group: SharingGroup | None = None,
) -> LibraryDocument:
    """A study, monitor or factsheet for the members. Type and size are checked on content."""
    _require_partner(actor)
    assert actor.organisation is not None
    marking = _choice(marking, DOCUMENT_MARKINGS, field="marking")
    if group is not None and not access.is_member(actor, group.pk):
        raise ValidationFailed(
            "U kunt alleen delen in uw eigen deelgroepen. / You can only share in your own "
            "sharing groups.",
            code="not_a_member",
            field="group",
        )
    checked = check_upload(file, name=file.name or "", size=file.size or 0)
    document = LibraryDocument(
        title=_text(title, field="title", required=True, limit=TITLE_MAX),
        kind=_choice(kind, DocumentKind.values, field="kind"),
        description=_text(description, field="description", limit=5000),
        tags=_tags(tags),
        year=year,
        marking=marking,
        group=group,
        extension=checked.extension,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        original_name=checked.original_name,
        uploaded_by=actor.user,
        organisation=actor.organisation,
    )
    file.seek(0)
    document.file.save(f"{document.uuid}.{checked.extension}", File(file), save=False)
    try:
        with transaction.atomic():
            document.save()
            audit_record(
                actor=actor,
                action="library.upload",
                object_type="library_document",
                object_id=document.uuid,
                details={
                    "marking": marking,
                    "group": group.pk if group else None,
                    "sha256": checked.sha256,
                    "size": checked.size,
                },
            )
    except Exception:
        document.file.delete(save=False)  # no orphan file when the row is not written
        raise
    return document


def document_record_disclosure(*, actor: Actor, document: LibraryDocument, route: str) -> None:
    """Every download of a marked document is a disclosure: audited."""
    audit_record(
        actor=actor,
        action="library.download",
        object_type="library_document",
        object_id=document.uuid,
        details={"marking": document.marking, "route": route},
    )


def document_remove(*, actor: Actor, document: LibraryDocument) -> None:
    from ketenwacht.knowledge import selectors

    if not actor.is_system and not selectors.may_remove_document(actor=actor, document=document):
        raise PermissionDeniedError(
            "Alleen de uploadende organisatie of het programmateam. / Only the uploading "
            "organisation or the programme team.",
            code="forbidden",
        )
    stored = document.file.name or ""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="library.remove",
            object_type="library_document",
            object_id=document.uuid,
            details={"title": document.title},
        )
        document.delete()
        if stored:
            transaction.on_commit(lambda: default_storage.delete(stored))


# ============================================================================================
# Data-sharing bottlenecks
# ============================================================================================


def bottleneck_open(
    *,
    actor: Actor,
    title: str,
    slug: str,
    description: str = "",
    marking: str = DEFAULT_BARRIER_MARKING,
) -> BottleneckCase:
    _require_manager(actor)
    with transaction.atomic():
        if BottleneckCase.objects.filter(slug=slug).exists():
            raise ConflictError(
                "Deze casus bestaat al. / This case exists already.", code="duplicate_case"
            )
        case = BottleneckCase.objects.create(
            title=_text(title, field="title", required=True, limit=TITLE_MAX),
            slug=slug,
            description=_text(description, field="description"),
            marking=_choice(marking, BARRIER_MARKINGS, field="marking"),
            created_by=actor.user,
        )
        BottleneckStageRecord.objects.create(
            case=case, stage=BottleneckStage.PROBLEM_ANALYSIS, entered_by_label=actor.label
        )
        audit_record(
            actor=actor,
            action="bottleneck.open",
            object_type="bottleneck_case",
            object_id=case.slug,
        )
    return case


def bottleneck_record_findings(
    *,
    actor: Actor,
    case: BottleneckCase,
    findings: str,
    documents: Iterable[LibraryDocument] = (),
) -> BottleneckStageRecord:
    """What the current stage found, and documents from the library that back it."""
    _require_manager(actor)
    with transaction.atomic():
        locked = BottleneckCase.objects.select_for_update().get(pk=case.pk)
        record = locked.stages.get(stage=locked.stage)
        record.findings = _text(findings, field="findings")
        record.save(update_fields=["findings"])
        record.documents.add(*documents)
        audit_record(
            actor=actor,
            action="bottleneck.findings",
            object_type="bottleneck_case",
            object_id=locked.slug,
            details={"stage": locked.stage, "documents": [str(d.uuid) for d in documents]},
        )
    return record


def bottleneck_advance(
    *, actor: Actor, case: BottleneckCase, agreement: DataSharingAgreement | None = None
) -> BottleneckCase:
    """The next stage, in the fixed order. The legal framework is left only with the privacy
    expert group's opinion; implementation names the data-sharing agreement it produced."""
    _require_manager(actor)
    with transaction.atomic():
        locked = BottleneckCase.objects.select_for_update().get(pk=case.pk)
        position = STAGE_ORDER.index(locked.stage)
        if position == len(STAGE_ORDER) - 1:
            raise ConflictError(
                "De casus is al geïmplementeerd. / The case is implemented already.",
                code="final_stage",
            )
        record = locked.stages.get(stage=locked.stage)
        if not record.findings.strip():
            raise ValidationFailed(
                "Leg eerst de bevindingen van deze fase vast. / Record this stage's findings "
                "first.",
                code="findings_required",
                field="findings",
            )
        if (
            locked.stage == BottleneckStage.LEGAL_FRAMEWORK
            and not locked.opinions.filter(stage=BottleneckStage.LEGAL_FRAMEWORK).exists()
        ):
            raise ValidationFailed(
                "Het juridisch kader vraagt extern privacyadvies: eerst een advies van de "
                "privacy-expertgroep. / The legal framework needs external privacy advice: an "
                "opinion of the privacy expert group first.",
                code="privacy_opinion_required",
            )
        following = STAGE_ORDER[position + 1]
        if following == BottleneckStage.IMPLEMENTATION:
            if agreement is None:
                raise ValidationFailed(
                    "Implementatie verwijst naar de gegevensdelingsovereenkomst die eruit "
                    "voortkwam. / Implementation links to the data-sharing agreement it produced.",
                    code="agreement_required",
                    field="agreement",
                )
            locked.agreement = agreement
        now = timezone.now()
        record.completed_at = now
        record.save(update_fields=["completed_at"])
        BottleneckStageRecord.objects.create(
            case=locked, stage=following, entered_at=now, entered_by_label=actor.label
        )
        previous = locked.stage
        locked.stage = following
        locked.save(update_fields=["stage", "agreement"])
        audit_record(
            actor=actor,
            action="bottleneck.advance",
            object_type="bottleneck_case",
            object_id=locked.slug,
            details={
                "from": previous,
                "to": following,
                "agreement": agreement.pk if agreement else None,
            },
        )
    return locked


def privacy_opinion_add(*, actor: Actor, case: BottleneckCase, text: str) -> PrivacyOpinion:
    """Members of the privacy expert group attach an opinion to the case's current stage."""
    from ketenwacht.knowledge import selectors

    if not actor.is_system and not (
        access.is_knowledge_partner(actor) and selectors.is_privacy_expert(actor)
    ):
        raise PermissionDeniedError(
            "Alleen de privacy-expertgroep. / Only the privacy expert group.",
            code="not_a_privacy_expert",
        )
    with transaction.atomic():
        opinion = PrivacyOpinion.objects.create(
            case=case,
            stage=case.stage,
            text=_text(text, field="text", required=True),
            author=actor.user,
            author_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="bottleneck.opinion",
            object_type="bottleneck_case",
            object_id=case.slug,
            details={"stage": case.stage},
        )
    return opinion
