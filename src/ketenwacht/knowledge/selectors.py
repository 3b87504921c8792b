"""Reads of the knowledge domain.

The fraud-type taxonomy is public knowledge (no actor filtering). Everything else takes the
actor and a route (``page``, ``download``, ``public``) and filters by what
``partners.access.may_read_marked`` allows (``marked_filter`` is the same rule as a query).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any, TypedDict

from django.core.cache import cache
from django.db.models import Q, QuerySet

from ketenwacht.errors import NotFoundError
from ketenwacht.knowledge.constants import (
    FRAUD_TYPES_CACHE_KEY,
    FRAUD_TYPES_CACHE_SECONDS,
    THEME_ORDER,
    Theme,
    WorkingGroupKind,
)
from ketenwacht.knowledge.models import (
    ActionPlan,
    ActionPoint,
    Barrier,
    BottleneckCase,
    BottleneckStageRecord,
    ChangeProposal,
    CriminalJourney,
    FraudType,
    JourneyPhase,
    LibraryDocument,
    Revision,
    WorkingGroup,
    WorkingGroupEntry,
    WorkingGroupMember,
    WorkingGroupTask,
)
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor, MarkedReach
from ketenwacht.partners.constants import Marking


class FraudTypeEntry(TypedDict):
    """A fraud type as plain data, in both languages (what the cache and the API hold)."""

    code: str
    name_nl: str
    name_en: str
    description_nl: str
    description_en: str
    sort_order: int


def fraud_type_list(*, include_inactive: bool = False) -> QuerySet[FraudType]:
    """Fraud types in display order; inactive ones only when asked (e.g. for old records)."""
    fraud_types = FraudType.objects.all()
    return fraud_types if include_inactive else fraud_types.filter(is_active=True)


def fraud_type_get(code: str) -> FraudType:
    """One fraud type by code, active or not (records made earlier keep their code)."""
    try:
        return FraudType.objects.get(code=code)
    except FraudType.DoesNotExist:
        raise NotFoundError(
            f"Onbekend fraudetype '{code}'. / Unknown fraud type '{code}'.",
            code="unknown_fraud_type",
        ) from None


# The catalogue is also held in each process for a few seconds: a check that found fraud
# types names them, and asking the shared cache for every such check cost a round trip to
# Redis. Writes clear this process's copy at once (``forget_catalogue``); other processes
# see an edit at most FRAUD_TYPES_LOCAL_SECONDS later.
FRAUD_TYPES_LOCAL_SECONDS = 10.0
_local_catalogue: tuple[float, list[FraudTypeEntry]] | None = None


def forget_catalogue() -> None:
    """Drop the cached catalogue, shared and in this process (after every write)."""
    global _local_catalogue
    _local_catalogue = None
    cache.delete(FRAUD_TYPES_CACHE_KEY)


def fraud_type_catalogue() -> list[FraudTypeEntry]:
    """The active fraud types as plain data, cached; every write through the services clears
    the cache, so the time-out only bounds staleness after edits made outside them."""
    global _local_catalogue
    local = _local_catalogue
    if local is not None and time.monotonic() - local[0] < FRAUD_TYPES_LOCAL_SECONDS:
        return local[1]
    cached: list[FraudTypeEntry] | None = cache.get(FRAUD_TYPES_CACHE_KEY)
    if cached is not None:
        _local_catalogue = (time.monotonic(), cached)
        return cached
    entries = [
        FraudTypeEntry(
            code=fraud_type.code,
            name_nl=fraud_type.name_nl,
            name_en=fraud_type.name_en,
            description_nl=fraud_type.description_nl,
            description_en=fraud_type.description_en,
            sort_order=fraud_type.sort_order,
        )
        for fraud_type in fraud_type_list()
    ]
    cache.set(FRAUD_TYPES_CACHE_KEY, entries, FRAUD_TYPES_CACHE_SECONDS)
    _local_catalogue = (time.monotonic(), entries)
    return entries


# --- Marked items: every read of the knowledge space asks partners.access ------------------


def _nothing() -> Q:
    return Q(pk__in=[])


def _group_allows(reach: MarkedReach, group_field: str | None, *, without_group: Q) -> Q:
    """Items of a sharing group reach its members; items without one, ``without_group``."""
    if group_field is None:
        return without_group
    no_group = Q(**{f"{group_field}__isnull": True})
    if without_group:  # an empty Q() means "no further condition"
        no_group &= without_group
    return no_group | Q(**{f"{group_field}__in": reach.group_ids})


def marked_filter(
    reach: MarkedReach, *, group_field: str | None = None, owner_field: str | None = None
) -> Q:
    """``partners.access.may_read_marked`` as a query, for models with a ``marking`` field and
    (optionally) a sharing group and an owner organisation."""
    if reach.everything:
        return Q()
    allowed = reach.markings
    query = Q(marking=Marking.CLEAR) if Marking.CLEAR in allowed else _nothing()
    if not reach.is_partner:
        return query
    if Marking.GREEN in allowed:
        query |= Q(marking=Marking.GREEN)
    if Marking.AMBER in allowed:
        query |= Q(marking=Marking.AMBER) & _group_allows(reach, group_field, without_group=Q())
    if Marking.AMBER_STRICT in allowed:
        owned = Q(**{owner_field: reach.organisation_id}) if owner_field else _nothing()
        query |= Q(marking=Marking.AMBER_STRICT) & _group_allows(
            reach, group_field, without_group=owned
        )
    return query


def _readable(actor: Actor, item: Any, *, route: str) -> None:
    if not access.may_read_marked(actor, item.facts(), route=route):
        raise _not_found()


def _not_found() -> NotFoundError:
    return NotFoundError("Niet gevonden. / Not found.", code="not_found")


# --- Journeys and barriers ------------------------------------------------------------------


def journey_list(*, actor: Actor, route: str = "page") -> QuerySet[CriminalJourney]:
    reach = access.marked_reach(actor, route=route)
    return (
        CriminalJourney.objects.filter(marked_filter(reach), fraud_type__is_active=True)
        .select_related("fraud_type")
        .prefetch_related("phases")
    )


def journey_get(*, actor: Actor, fraud_type: str, route: str = "page") -> CriminalJourney:
    journey = journey_list(actor=actor, route=route).filter(fraud_type__code=fraud_type).first()
    if journey is None:
        raise _not_found()
    return journey


def phase_get(*, actor: Actor, phase_id: int, route: str = "page") -> JourneyPhase:
    phase = JourneyPhase.objects.select_related("journey__fraud_type").filter(pk=phase_id).first()
    if phase is None:
        raise _not_found()
    _readable(actor, phase.journey, route=route)
    return phase


def barrier_list(
    *, actor: Actor, route: str = "page", fraud_type: str = "", status: str = ""
) -> QuerySet[Barrier]:
    reach = access.marked_reach(actor, route=route)
    barriers = Barrier.objects.filter(marked_filter(reach)).select_related(
        "phase__journey__fraud_type"
    )
    # A barrier is only as visible as its journey.
    barriers = barriers.filter(
        phase__journey__in=journey_list(actor=actor, route=route).values("pk")
    )
    if fraud_type:
        barriers = barriers.filter(phase__journey__fraud_type__code=fraud_type)
    if status:
        barriers = barriers.filter(status=status)
    return barriers


def barrier_get(*, actor: Actor, barrier_id: int, route: str = "page") -> Barrier:
    barrier = barrier_list(actor=actor, route=route).filter(pk=barrier_id).first()
    if barrier is None:
        raise _not_found()
    return barrier


def revision_list(*, item_type: str, item_id: int) -> QuerySet[Revision]:
    """Versions of an item the caller has already found readable."""
    return Revision.objects.filter(item_type=item_type, item_id=item_id).select_related(
        "changed_by"
    )


# --- Proposals ------------------------------------------------------------------------------


def proposal_list(*, actor: Actor, status: str = "") -> QuerySet[ChangeProposal]:
    """The programme team sees every proposal; others their own organisation's."""
    proposals = ChangeProposal.objects.select_related(
        "proposed_by", "proposed_by_organisation", "decided_by"
    )
    if not actor.is_system and not access.may_manage_knowledge(actor):
        if not access.is_knowledge_partner(actor) or actor.organisation is None:
            return proposals.none()
        proposals = proposals.filter(proposed_by_organisation=actor.organisation)
    return proposals.filter(status=status) if status else proposals


def proposal_get(*, actor: Actor, proposal_id: int) -> ChangeProposal:
    proposal = proposal_list(actor=actor).filter(pk=proposal_id).first()
    if proposal is None:
        raise _not_found()
    return proposal


# --- Action plan ----------------------------------------------------------------------------


def action_plan_years() -> list[int]:
    return list(ActionPlan.objects.order_by("-year").values_list("year", flat=True))


def action_plan_get(*, year: int) -> ActionPlan:
    plan = ActionPlan.objects.filter(year=year).first()
    if plan is None:
        raise _not_found()
    return plan


def action_point_list(
    *, actor: Actor, year: int, route: str = "page", status: str = ""
) -> QuerySet[ActionPoint]:
    reach = access.marked_reach(actor, route=route)
    points = ActionPoint.objects.filter(marked_filter(reach), plan__year=year).select_related(
        "owner_organisation", "plan"
    )
    return points.filter(status=status) if status else points


def action_point_get(*, actor: Actor, point_id: int, route: str = "page") -> ActionPoint:
    reach = access.marked_reach(actor, route=route)
    point = (
        ActionPoint.objects.filter(marked_filter(reach), pk=point_id)
        .select_related("owner_organisation", "plan")
        .first()
    )
    if point is None:
        raise _not_found()
    return point


def action_points_by_theme(points: Iterable[ActionPoint]) -> list[tuple[str, str, list[Any]]]:
    """``(theme code, theme label, points)`` for all six themes, in the report's order."""
    grouped: dict[str, list[ActionPoint]] = {theme: [] for theme in THEME_ORDER}
    for point in points:
        grouped.setdefault(point.theme, []).append(point)
    return [(theme, str(Theme(theme).label), grouped[theme]) for theme in THEME_ORDER]


def may_report_progress(*, actor: Actor, point: ActionPoint) -> bool:
    """The programme team, or a partner of the owner organisation."""
    if access.may_manage_knowledge(actor):
        return True
    return (
        access.is_knowledge_partner(actor)
        and access.can(actor, "knowledge.propose")
        and actor.organisation is not None
        and point.owner_organisation_id == actor.organisation.pk
    )


# --- Working groups -------------------------------------------------------------------------


def working_group_list(*, actor: Actor) -> QuerySet[WorkingGroup]:
    """Which groups exist is no secret to partners; what they write is (see entries)."""
    if not actor.is_system and not access.is_knowledge_partner(actor):
        return WorkingGroup.objects.none()
    return WorkingGroup.objects.all()


def working_group_get(*, actor: Actor, slug: str) -> WorkingGroup:
    group = working_group_list(actor=actor).filter(slug=slug).first()
    if group is None:
        raise _not_found()
    return group


def is_working_group_member(*, actor: Actor, group: WorkingGroup) -> bool:
    return actor.user is not None and group.memberships.filter(user_id=actor.user.pk).exists()


def working_group_entries(
    *, actor: Actor, group: WorkingGroup, route: str = "page"
) -> QuerySet[WorkingGroupEntry]:
    """Closed-door notes and decisions: members only, unless marked GREEN or CLEAR."""
    reach = access.marked_reach(actor, route=route)
    entries = group.entries.select_related("author")
    if reach.everything:
        return entries
    open_markings = reach.markings & {Marking.CLEAR.value, Marking.GREEN.value}
    if not reach.is_partner:
        open_markings &= {Marking.CLEAR.value}
    query = Q(marking__in=open_markings)
    if reach.is_partner and is_working_group_member(actor=actor, group=group):
        query |= Q(marking__in=reach.markings - open_markings)
    return entries.filter(query)


def working_group_entry_get(
    *, actor: Actor, group: WorkingGroup, entry_id: int, route: str = "page"
) -> WorkingGroupEntry:
    entry = working_group_entries(actor=actor, group=group, route=route).filter(pk=entry_id).first()
    if entry is None:
        raise _not_found()
    return entry


def working_group_tasks(*, actor: Actor, group: WorkingGroup) -> QuerySet[WorkingGroupTask]:
    """Tasks are working notes: members only."""
    if actor.is_system or is_working_group_member(actor=actor, group=group):
        return group.tasks.select_related("assignee")
    return group.tasks.none()


def working_group_members(*, actor: Actor, group: WorkingGroup) -> QuerySet[WorkingGroupMember]:
    """Who sits at the table: its members and the programme team (who seats them)."""
    if (
        actor.is_system
        or access.may_manage_knowledge(actor)
        or is_working_group_member(actor=actor, group=group)
    ):
        return group.memberships.select_related("user").order_by("user__username")
    return group.memberships.none()


def working_group_candidates(*, group: WorkingGroup) -> QuerySet[Any]:
    """Staff of active partner organisations with a knowledge role, not yet seated."""
    from django.contrib.auth import get_user_model

    roles = access.PERMISSIONS["knowledge.view"]
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role__in=roles,
            memberships__organisation__is_active=True,
        )
        .exclude(working_group_memberships__group=group)
        .distinct()
        .order_by("username")
    )


def is_privacy_expert(actor: Actor) -> bool:
    return (
        actor.user is not None
        and WorkingGroupMember.objects.filter(
            user_id=actor.user.pk, group__kind=WorkingGroupKind.PRIVACY_EXPERTS
        ).exists()
    )


# --- Member library -------------------------------------------------------------------------


def document_list(
    *, actor: Actor, route: str = "page", search: str = "", tag: str = "", kind: str = ""
) -> QuerySet[LibraryDocument]:
    reach = access.marked_reach(actor, route=route)
    documents = LibraryDocument.objects.filter(
        marked_filter(reach, group_field="group", owner_field="organisation")
    ).select_related("organisation", "group")
    if search:
        documents = documents.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if kind:
        documents = documents.filter(kind=kind)
    if tag:
        # Tags are stored lower-case; a JSON "contains" differs per database, so compare in
        # Python on the (already filtered, small) candidate set.
        wanted = tag.strip().lower()
        ids = [pk for pk, tags in documents.values_list("pk", "tags") if wanted in tags]
        documents = documents.filter(pk__in=ids)
    return documents


def document_get(*, actor: Actor, document_id: uuid.UUID | str, route: str = "page") -> Any:
    try:
        key = uuid.UUID(str(document_id))
    except ValueError:
        raise _not_found() from None
    document = document_list(actor=actor, route=route).filter(uuid=key).first()
    if document is None:
        raise _not_found()
    return document


def document_tags(*, actor: Actor, route: str = "page") -> list[str]:
    tags: set[str] = set()
    for doc_tags in document_list(actor=actor, route=route).values_list("tags", flat=True):
        tags.update(doc_tags)
    return sorted(tags)


def may_remove_document(*, actor: Actor, document: LibraryDocument) -> bool:
    return access.may_manage_knowledge(actor) or (
        access.is_knowledge_partner(actor)
        and actor.organisation is not None
        and document.organisation_id == actor.organisation.pk
    )


# --- Data-sharing bottlenecks ---------------------------------------------------------------


def bottleneck_list(*, actor: Actor, route: str = "page") -> QuerySet[BottleneckCase]:
    reach = access.marked_reach(actor, route=route)
    if not reach.everything and not reach.is_partner:
        return BottleneckCase.objects.none()  # a workspace of partners, not a public page
    return BottleneckCase.objects.filter(marked_filter(reach)).select_related("agreement__group")


def bottleneck_get(*, actor: Actor, slug: str, route: str = "page") -> BottleneckCase:
    case = bottleneck_list(actor=actor, route=route).filter(slug=slug).first()
    if case is None:
        raise _not_found()
    return case


def bottleneck_documents(
    *, actor: Actor, record: BottleneckStageRecord
) -> QuerySet[LibraryDocument]:
    """A stage's documents, as far as the actor may read them in the library."""
    ids = record.documents.values("pk")
    return document_list(actor=actor).filter(pk__in=ids)
