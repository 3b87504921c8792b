"""Portal pages of the knowledge and collaboration space.

Thin: each view validates input, calls one selector or service and renders. Visibility comes
from the selectors (``partners.access``); a page that the actor may not read is a 404, so its
existence is not disclosed either.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ketenwacht.audit.services import audit_record
from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.knowledge import integration, matrix, reports, selectors, services
from ketenwacht.knowledge.constants import (
    STAGE_ORDER,
    BottleneckStage,
    ItemType,
    ProposalStatus,
    TaskStatus,
)
from ketenwacht.knowledge.forms import (
    ActionPointForm,
    AdvanceForm,
    BarrierForm,
    BottleneckForm,
    DecisionForm,
    DocumentForm,
    EntryForm,
    FindingsForm,
    LibrarySearchForm,
    MemberForm,
    OpinionForm,
    PhaseForm,
    ProgressForm,
    TaskForm,
)
from ketenwacht.knowledge.models import Barrier, JourneyPhase, LibraryDocument
from ketenwacht.knowledge.rendering import render_markdown
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Sector
from ketenwacht.partners.decorators import portal_permission
from ketenwacht.partners.models import SharingGroup

PAGE_SIZE = 25
T = TypeVar("T")


def _actor(request: HttpRequest) -> Actor:
    return access.actor_from_request(request)


def _found(read: Callable[..., T], **kwargs: Any) -> T:
    try:
        return read(**kwargs)
    except NotFoundError:
        raise Http404 from None


def _form_error(form: Any, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _marking_header(response: HttpResponse, marking: str) -> HttpResponse:
    # Files carry their marking outside the content too (TLP 2.0: label what you share).
    response["X-TLP"] = f"TLP:{marking}"
    response["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------------------- overview


@portal_permission("knowledge.view")
def index_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "journeys": selectors.journey_list(actor=actor),
        "years": selectors.action_plan_years(),
        "may_manage": access.may_manage_knowledge(actor),
        "open_proposals": selectors.proposal_list(
            actor=actor, status=ProposalStatus.PROPOSED
        ).count(),
    }
    return render(request, "knowledge/index.html", context)


# ----------------------------------------------------------------- journeys and the matrix


@portal_permission("knowledge.view")
def journey_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    built = _found(matrix.barrier_matrix, actor=actor, fraud_type=code)
    context = {
        "matrix": built,
        "journey": built.journey,
        "sector_labels": [built.sector_label(sector) for sector in built.sectors],
        "phases_without_live": [row.phase for row in built.rows if not row.has_live],
        "sectors_without_live": [built.sector_label(s) for s in built.gaps.sectors_without_live],
        "sectors_without_barrier": [
            built.sector_label(s) for s in built.gaps.sectors_without_barrier
        ],
        "may_propose": access.can(actor, "knowledge.propose"),
        "counts_available": integration.has_phase_counters(),
    }
    return render(request, "knowledge/journey.html", context)


def _export(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    actor = _actor(request)
    built = _found(matrix.barrier_matrix, actor=actor, fraud_type=code, route="download")
    audit_record(
        actor=actor,
        action="knowledge.matrix_export",
        object_type="criminal_journey",
        object_id=code,
        details={"format": kind, "marking": built.marking},
    )
    if kind == "csv":
        response = HttpResponse(matrix.matrix_csv(built), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(matrix.matrix_svg(built), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="barrier-model-{code}.{kind}"'
    return _marking_header(response, built.marking)


@portal_permission("knowledge.view")
def matrix_csv_view(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "csv")


@portal_permission("knowledge.view")
def matrix_svg_view(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, code, "svg")


# ------------------------------------------------------------------------------- barriers


@portal_permission("knowledge.view")
def barrier_view(request: HttpRequest, barrier_id: int) -> HttpResponse:
    actor = _actor(request)
    barrier = _found(selectors.barrier_get, actor=actor, barrier_id=barrier_id)
    context = {
        "barrier": barrier,
        "sector_labels": [str(Sector(sector).label) for sector in barrier.sectors],
        "description_html": render_markdown(barrier.description),
        "effectiveness_html": render_markdown(barrier.effectiveness),
        "revisions": selectors.revision_list(item_type=ItemType.BARRIER, item_id=barrier.pk),
        "may_propose": access.can(actor, "knowledge.propose"),
    }
    return render(request, "knowledge/barrier.html", context)


def _phases(actor: Actor) -> Any:
    journeys = selectors.journey_list(actor=actor).values("pk")
    return JourneyPhase.objects.filter(journey__in=journeys).select_related("journey__fraud_type")


def _barrier_initial(barrier: Barrier) -> dict[str, Any]:
    snapshot = services.barrier_snapshot(barrier)
    snapshot["evidence_links"] = "\n".join(snapshot["evidence_links"])
    return snapshot


def _save_or_propose(
    request: HttpRequest, *, item_type: str, data: dict[str, Any], item: Any, reason: str
) -> str:
    """The programme team changes directly; partners propose. Returns where to go next."""
    actor = _actor(request)
    if access.may_manage_knowledge(actor):
        if item_type == ItemType.BARRIER and item is None:
            item = services.barrier_create(actor=actor, data=data)
        elif item_type == ItemType.BARRIER:
            item = services.barrier_update(actor=actor, barrier=item, data=data)
        else:
            services.phase_update(actor=actor, phase=item, data=data)
            return reverse("knowledge:journey", args=[item.journey.fraud_type_id])
        messages.success(request, _("Saved as a new version."))
        return reverse("knowledge:barrier", args=[item.pk])
    proposal = services.proposal_submit(
        actor=actor,
        item_type=item_type,
        item_id=item.pk if item is not None else None,
        data=data,
        reason=reason,
    )
    messages.success(request, _("Your proposal was sent to the programme team."))
    return reverse("knowledge:proposal", args=[proposal.pk])


@portal_permission("knowledge.propose")
@require_http_methods(["GET", "POST"])
def barrier_new_view(request: HttpRequest) -> HttpResponse:
    return _barrier_form(request, None)


@portal_permission("knowledge.propose")
@require_http_methods(["GET", "POST"])
def barrier_edit_view(request: HttpRequest, barrier_id: int) -> HttpResponse:
    barrier = _found(selectors.barrier_get, actor=_actor(request), barrier_id=barrier_id)
    return _barrier_form(request, barrier)


def _barrier_form(request: HttpRequest, barrier: Barrier | None) -> HttpResponse:
    actor = _actor(request)
    initial = _barrier_initial(barrier) if barrier is not None else {}
    if barrier is None and request.GET.get("phase", "").isdigit():
        initial["phase"] = int(request.GET["phase"])
    form = BarrierForm(request.POST or None, initial=initial, phases=_phases(actor))
    if request.method == "POST" and form.is_valid():
        try:
            target = _save_or_propose(
                request,
                item_type=ItemType.BARRIER,
                data=form.service_data(),
                item=barrier,
                reason=form.cleaned_data["reason"],
            )
            return redirect(target)
        except DomainError as error:
            _form_error(form, error)
    context = {
        "form": form,
        "barrier": barrier,
        "direct": access.may_manage_knowledge(actor),
    }
    return render(request, "knowledge/barrier_form.html", context)


@portal_permission("knowledge.propose")
@require_http_methods(["GET", "POST"])
def phase_edit_view(request: HttpRequest, phase_id: int) -> HttpResponse:
    actor = _actor(request)
    phase = _found(selectors.phase_get, actor=actor, phase_id=phase_id)
    form = PhaseForm(request.POST or None, initial=services.phase_snapshot(phase))
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "reason"}
        try:
            return redirect(
                _save_or_propose(
                    request,
                    item_type=ItemType.PHASE,
                    data=data,
                    item=phase,
                    reason=form.cleaned_data["reason"],
                )
            )
        except DomainError as error:
            _form_error(form, error)
    context = {
        "form": form,
        "phase": phase,
        "direct": access.may_manage_knowledge(actor),
        "revisions": selectors.revision_list(item_type=ItemType.PHASE, item_id=phase.pk),
    }
    return render(request, "knowledge/phase_form.html", context)


# ------------------------------------------------------------------------------ proposals


@portal_permission("knowledge.propose")
def proposals_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", ProposalStatus.PROPOSED)
    if status not in ProposalStatus.values:
        status = ProposalStatus.PROPOSED
    proposals = selectors.proposal_list(actor=actor, status=status)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": ProposalStatus.choices}
    return render(request, "knowledge/proposals.html", context)


def _proposal_current(proposal: Any) -> dict[str, Any]:
    if proposal.item_id is None:
        return {}
    if proposal.item_type == ItemType.BARRIER:
        barrier = Barrier.objects.filter(pk=proposal.item_id).first()
        return services.barrier_snapshot(barrier) if barrier else {}
    phase = JourneyPhase.objects.filter(pk=proposal.item_id).first()
    return services.phase_snapshot(phase) if phase else {}


@portal_permission("knowledge.propose")
def proposal_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = _actor(request)
    proposal = _found(selectors.proposal_get, actor=actor, proposal_id=proposal_id)
    current = _proposal_current(proposal)
    changes = [
        {"field": name, "current": current.get(name, ""), "proposed": value}
        for name, value in proposal.data.items()
        if current.get(name) != value
    ]
    context = {
        "proposal": proposal,
        "changes": changes,
        "may_decide": access.may_manage_knowledge(actor)
        and proposal.is_open
        and proposal.proposed_by_id != getattr(actor.user, "pk", None),
        "may_withdraw": proposal.is_open
        and actor.organisation is not None
        and proposal.proposed_by_organisation_id == actor.organisation.pk,
        "decision_form": DecisionForm(),
    }
    return render(request, "knowledge/proposal.html", context)


@portal_permission("knowledge.manage")
@require_POST
def proposal_decide_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = _actor(request)
    proposal = _found(selectors.proposal_get, actor=actor, proposal_id=proposal_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_decide(
                actor=actor,
                proposal=proposal,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Decision recorded."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Choose approve or reject."))
    return redirect("knowledge:proposal", proposal_id=proposal.pk)


@portal_permission("knowledge.propose")
@require_POST
def proposal_withdraw_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = _actor(request)
    proposal = _found(selectors.proposal_get, actor=actor, proposal_id=proposal_id)
    try:
        services.proposal_withdraw(actor=actor, proposal=proposal)
        messages.success(request, _("Proposal withdrawn."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("knowledge:proposal", proposal_id=proposal.pk)


# ---------------------------------------------------------------------------- action plan


@portal_permission("knowledge.view")
def plan_current_view(request: HttpRequest) -> HttpResponse:
    years = selectors.action_plan_years()
    if not years:
        raise Http404
    return redirect("knowledge:plan", year=years[0])


@portal_permission("knowledge.view")
def plan_view(request: HttpRequest, year: int) -> HttpResponse:
    actor = _actor(request)
    plan = _found(selectors.action_plan_get, year=year)
    points = selectors.action_point_list(actor=actor, year=year)
    context = {
        "plan": plan,
        "introduction": render_markdown(plan.introduction),
        "themes": selectors.action_points_by_theme(points),
        "years": selectors.action_plan_years(),
        "may_manage": access.may_manage_knowledge(actor),
    }
    return render(request, "knowledge/plan.html", context)


@portal_permission("knowledge.manage")
@require_http_methods(["GET", "POST"])
def action_point_new_view(request: HttpRequest, year: int) -> HttpResponse:
    actor = _actor(request)
    plan = _found(selectors.action_plan_get, year=year)
    form = ActionPointForm(request.POST or None, initial={"theme": request.GET.get("theme")})
    if request.method == "POST" and form.is_valid():
        try:
            point = services.action_point_create(actor=actor, plan=plan, data=form.cleaned_data)
            return redirect("knowledge:action_point", point_id=point.pk)
        except DomainError as error:
            _form_error(form, error)
    return render(request, "knowledge/action_point_form.html", {"form": form, "plan": plan})


@portal_permission("knowledge.view")
def action_point_view(request: HttpRequest, point_id: int) -> HttpResponse:
    actor = _actor(request)
    point = _found(selectors.action_point_get, actor=actor, point_id=point_id)
    context = {
        "point": point,
        "description_html": render_markdown(point.description),
        "updates": point.updates.all(),
        "revisions": selectors.revision_list(item_type=ItemType.ACTION_POINT, item_id=point.pk),
        "may_report": selectors.may_report_progress(actor=actor, point=point),
        "form": ProgressForm(),
    }
    return render(request, "knowledge/action_point.html", context)


@portal_permission("knowledge.propose")
@require_POST
def action_point_progress_view(request: HttpRequest, point_id: int) -> HttpResponse:
    actor = _actor(request)
    point = _found(selectors.action_point_get, actor=actor, point_id=point_id)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.action_point_progress(
                actor=actor,
                point=point,
                text=form.cleaned_data["text"],
                status=form.cleaned_data["status"],
            )
            messages.success(request, _("Update added."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Write an update."))
    return redirect("knowledge:action_point", point_id=point.pk)


# -------------------------------------------------------------------------- working groups


@portal_permission("knowledge.view")
def working_groups_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    groups = selectors.working_group_list(actor=actor)
    mine = set()
    if actor.user is not None:
        mine = set(groups.filter(memberships__user=actor.user).values_list("pk", flat=True))
    return render(request, "knowledge/working_groups.html", {"groups": groups, "mine": mine})


def _group(request: HttpRequest, slug: str) -> Any:
    return _found(selectors.working_group_get, actor=_actor(request), slug=slug)


@portal_permission("knowledge.view")
@never_cache
def working_group_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    is_member = selectors.is_working_group_member(actor=actor, group=group)
    members = selectors.working_group_members(actor=actor, group=group)
    context = {
        "group": group,
        "is_member": is_member,
        "members": members,
        "entries": selectors.working_group_entries(actor=actor, group=group),
        "tasks": selectors.working_group_tasks(actor=actor, group=group),
        "task_form": TaskForm(members=group.members.all()) if is_member else None,
        "member_form": MemberForm(candidates=selectors.working_group_candidates(group=group))
        if access.may_manage_knowledge(actor)
        else None,
        "done": TaskStatus.DONE,
    }
    return render(request, "knowledge/working_group.html", context)


@portal_permission("knowledge.manage")
@require_POST
def member_add_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    form = MemberForm(request.POST, candidates=selectors.working_group_candidates(group=group))
    if form.is_valid():
        try:
            services.working_group_add_member(
                actor=actor,
                group=group,
                user=form.cleaned_data["user"],
                is_chair=form.cleaned_data["is_chair"],
            )
            messages.success(request, _("Member added."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Choose a person."))
    return redirect("knowledge:working_group", slug=group.slug)


@portal_permission("knowledge.manage")
@require_POST
def member_remove_view(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    membership = group.memberships.filter(user_id=user_id).select_related("user").first()
    if membership is None:
        raise Http404
    services.working_group_remove_member(actor=actor, group=group, user=membership.user)
    messages.success(request, _("Member removed."))
    return redirect("knowledge:working_group", slug=group.slug)


@portal_permission("knowledge.view")
@require_http_methods(["GET", "POST"])
def entry_new_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    if not selectors.is_working_group_member(actor=actor, group=group):
        raise Http404  # the room is closed: not even its forms show to non-members
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.working_group_entry_create(
                actor=actor, group=group, **form.cleaned_data
            )
            return redirect("knowledge:entry", slug=group.slug, entry_id=entry.pk)
        except DomainError as error:
            _form_error(form, error)
    return render(request, "knowledge/entry_form.html", {"form": form, "group": group})


@portal_permission("knowledge.view")
@never_cache
def entry_view(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    entry = _found(selectors.working_group_entry_get, actor=actor, group=group, entry_id=entry_id)
    context = {"group": group, "entry": entry, "body_html": render_markdown(entry.body)}
    return render(request, "knowledge/entry.html", context)


@portal_permission("knowledge.view")
@require_POST
def task_new_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    if not selectors.is_working_group_member(actor=actor, group=group):
        raise Http404
    form = TaskForm(request.POST, members=group.members.all())
    if form.is_valid():
        try:
            services.working_group_task_create(actor=actor, group=group, **form.cleaned_data)
            messages.success(request, _("Task added."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("The task was not added: check the fields."))
    return redirect("knowledge:working_group", slug=group.slug)


@portal_permission("knowledge.view")
@require_POST
def task_status_view(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    actor = _actor(request)
    group = _group(request, slug)
    task = selectors.working_group_tasks(actor=actor, group=group).filter(pk=task_id).first()
    if task is None:
        raise Http404
    services.working_group_task_set_done(
        actor=actor, task=task, done=request.POST.get("done") == "1"
    )
    return redirect("knowledge:working_group", slug=group.slug)


# -------------------------------------------------------------------------------- library


@portal_permission("knowledge.view")
def library_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    search = LibrarySearchForm(request.GET or None)
    criteria = {"search": "", "tag": "", "kind": ""}
    if search.is_valid():
        data = search.cleaned_data
        criteria = {"search": data["q"], "tag": data["tag"], "kind": data["kind"]}
    documents = selectors.document_list(actor=actor, **criteria)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "tags": selectors.document_tags(actor=actor),
        "may_upload": access.can(actor, "knowledge.propose"),
    }
    return render(request, "knowledge/library.html", context)


def _groups_of(actor: Actor) -> Any:
    if actor.organisation is None:
        return SharingGroup.objects.none()
    return actor.organisation.sharing_groups.all()


@portal_permission("knowledge.propose")
@require_http_methods(["GET", "POST"])
def document_upload_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = DocumentForm(request.POST or None, request.FILES or None, groups=_groups_of(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_upload(
                actor=actor,
                title=data["title"],
                kind=data["kind"],
                file=data["file"],
                description=data["description"],
                tags=form.tag_list(),
                year=data["year"],
                marking=data["marking"],
                group=data["group"],
            )
            messages.success(request, _("Document added to the library."))
            return redirect("knowledge:document", document_id=document.uuid)
        except DomainError as error:
            _form_error(form, error)
    return render(request, "knowledge/document_form.html", {"form": form})


@portal_permission("knowledge.view")
def document_view(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    document = _found(selectors.document_get, actor=actor, document_id=document_id)
    context = {
        "document": document,
        "may_download": access.may_read_marked(actor, document.facts(), route="download"),
        "may_remove": selectors.may_remove_document(actor=actor, document=document),
    }
    return render(request, "knowledge/document.html", context)


def document_file_response(document: LibraryDocument) -> HttpResponse:
    """The file as an attachment, never rendered inline; labelled with its marking."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name or f"{document.uuid}.{document.extension}",
        content_type=document.content_type,
    )
    response["X-TLP"] = f"TLP:{document.marking}"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # The page decorators name HttpResponse; Django serves a streaming response all the same.
    return cast(HttpResponse, response)


@portal_permission("knowledge.view")
def document_download_view(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    document = _found(
        selectors.document_get, actor=actor, document_id=document_id, route="download"
    )
    services.document_record_disclosure(actor=actor, document=document, route="download")
    return document_file_response(document)


@portal_permission("knowledge.propose")
@require_POST
def document_remove_view(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    document = _found(selectors.document_get, actor=actor, document_id=document_id)
    try:
        services.document_remove(actor=actor, document=document)
        messages.success(request, _("Document removed from the library."))
        return redirect("knowledge:library")
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("knowledge:document", document_id=document.uuid)


# ---------------------------------------------------------------- data-sharing bottlenecks


@portal_permission("knowledge.view")
def bottlenecks_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "cases": selectors.bottleneck_list(actor=actor),
        "stages": BottleneckStage.choices,
        "may_manage": access.may_manage_knowledge(actor),
    }
    return render(request, "knowledge/bottlenecks.html", context)


@portal_permission("knowledge.manage")
@require_http_methods(["GET", "POST"])
def bottleneck_new_view(request: HttpRequest) -> HttpResponse:
    form = BottleneckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.bottleneck_open(actor=_actor(request), **form.cleaned_data)
            return redirect("knowledge:bottleneck", slug=case.slug)
        except DomainError as error:
            _form_error(form, error)
    return render(request, "knowledge/bottleneck_form.html", {"form": form})


def _case(request: HttpRequest, slug: str) -> Any:
    return _found(selectors.bottleneck_get, actor=_actor(request), slug=slug)


@portal_permission("knowledge.view")
def bottleneck_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    case = _case(request, slug)
    records = {record.stage: record for record in case.stages.all()}
    opinions = list(case.opinions.all())
    route = []
    for position, (stage, label) in enumerate(BottleneckStage.choices):
        record = records.get(stage)
        route.append(
            {
                "stage": stage,
                "label": label,
                "number": position + 1,
                "record": record,
                "findings_html": render_markdown(record.findings) if record else "",
                "documents": selectors.bottleneck_documents(actor=actor, record=record)
                if record
                else [],
                "opinions": [
                    (opinion, render_markdown(opinion.text))
                    for opinion in opinions
                    if opinion.stage == stage
                ],
                "current": stage == case.stage,
            }
        )
    may_manage = access.may_manage_knowledge(actor)
    current = records[case.stage]
    next_stage = (
        STAGE_ORDER[STAGE_ORDER.index(case.stage) + 1] if case.stage != STAGE_ORDER[-1] else None
    )
    context = {
        "case": case,
        "description_html": render_markdown(case.description),
        "route": route,
        "may_manage": may_manage,
        "findings_form": FindingsForm(
            initial={"findings": current.findings},
            documents=selectors.document_list(actor=actor),
        )
        if may_manage
        else None,
        "advance_form": AdvanceForm() if may_manage and next_stage else None,
        "next_stage": BottleneckStage(next_stage).label if next_stage else None,
        "needs_agreement": next_stage == BottleneckStage.IMPLEMENTATION,
        "opinion_form": OpinionForm() if selectors.is_privacy_expert(actor) else None,
    }
    return render(request, "knowledge/bottleneck.html", context)


@portal_permission("knowledge.manage")
@require_POST
def bottleneck_findings_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    case = _case(request, slug)
    form = FindingsForm(request.POST, documents=selectors.document_list(actor=actor))
    if form.is_valid():
        try:
            services.bottleneck_record_findings(
                actor=actor,
                case=case,
                findings=form.cleaned_data["findings"],
                documents=form.cleaned_data["documents"],
            )
            messages.success(request, _("Findings saved."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Write the findings of this stage."))
    return redirect("knowledge:bottleneck", slug=case.slug)


@portal_permission("knowledge.manage")
@require_POST
def bottleneck_advance_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    case = _case(request, slug)
    form = AdvanceForm(request.POST)
    agreement = form.cleaned_data["agreement"] if form.is_valid() else None
    try:
        services.bottleneck_advance(actor=actor, case=case, agreement=agreement)
        messages.success(request, _("The case moved to the next stage."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("knowledge:bottleneck", slug=case.slug)


@portal_permission("knowledge.view")
@require_POST
def bottleneck_opinion_view(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    case = _case(request, slug)
    form = OpinionForm(request.POST)
    if form.is_valid():
        try:
            services.privacy_opinion_add(actor=actor, case=case, text=form.cleaned_data["text"])
            messages.success(request, _("Opinion attached."))
        except DomainError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("Write the opinion."))
    return redirect("knowledge:bottleneck", slug=case.slug)


# -------------------------------------------------------------------------- annual report


def annual_report_response(
    request: HttpRequest, *, actor: Actor, year: int, route: str, pdf: bool
) -> HttpResponse:
    report = _found(reports.annual_report, actor=actor, year=year, route=route)
    if not pdf:
        return render(
            request,
            "knowledge/annual_report.html",
            {
                "report": report,
                "introduction": render_markdown(report.plan.introduction),
                "pdf_url": reverse(
                    "knowledge_public:annual_report_pdf"
                    if route == "public"
                    else "knowledge:annual_report_pdf",
                    args=[year],
                ),
            },
        )
    try:
        content = reports.annual_report_pdf(report)
    except reports.PdfUnavailable as error:
        return HttpResponse(str(error.message), status=error.status, content_type="text/plain")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="jaarbericht-{year}.pdf"'
    return _marking_header(response, report.marking)


@portal_permission("knowledge.view")
def annual_report_view(request: HttpRequest, year: int) -> HttpResponse:
    return annual_report_response(
        request, actor=_actor(request), year=year, route="page", pdf=False
    )


@portal_permission("knowledge.view")
def annual_report_pdf_view(request: HttpRequest, year: int) -> HttpResponse:
    actor = _actor(request)
    response = annual_report_response(request, actor=actor, year=year, route="download", pdf=True)
    if response.status_code == 200:
        audit_record(
            actor=actor,
            action="knowledge.annual_report_pdf",
            object_type="action_plan",
            object_id=year,
            details={"marking": response["X-TLP"]},
        )
    return response
