"""Pages for police and prosecutor analysts: the priority list per unit, the cluster page
(summary, SVG graph, identifiers with reveal, timeline, workflow), the CSV export and the hub
list; for the programme team, the routing rules. Views validate, call one service, render."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ketenwacht.audit.services import audit_record
from ketenwacht.cases import graph, selectors, services
from ketenwacht.cases.constants import LIST_PAGE_SIZE, ClusterState, HubOverride
from ketenwacht.cases.forms import (
    AssignForm,
    HubOverrideForm,
    NoteForm,
    RevealForm,
    RoutingRuleForm,
    TransitionForm,
)
from ketenwacht.cases.models import Cluster
from ketenwacht.errors import DomainError, NotFoundError
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.decorators import portal_permission
from ketenwacht.web.csv import csv_response


def _actor(request: HttpRequest) -> Actor:
    return access.actor_from_request(request)


def _cluster(request: HttpRequest, cluster_id: int) -> Cluster:
    try:
        return selectors.cluster_get(actor=_actor(request), cluster_id=cluster_id)
    except NotFoundError:
        raise Http404 from None


def _form_error(form: Form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _filters(request: HttpRequest) -> dict[str, str]:
    return {
        "unit": request.GET.get("unit", "")[:40],
        "state": request.GET.get("state", "open")[:20],
        "sort": request.GET.get("sort", "priority")[:20],
    }


def _page(
    request: HttpRequest,
    rows: QuerySet[Any] | Sequence[Any],
    *,
    per_page: int,
    param: str = "page",
) -> Page:
    """One page of ``rows`` (a query, or ``selectors.LazyRows``); a page number that is not a
    number gives the first page, one past the end the last (``Paginator.get_page``)."""
    return Paginator(rows, per_page).get_page(request.GET.get(param))


# --- the priority list and its export ---------------------------------------------------------


@portal_permission("cases.view")
def list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = _filters(request)
    clusters = selectors.cluster_list(actor=actor, **filters)
    context = {
        "page": _page(request, clusters, per_page=LIST_PAGE_SIZE),
        "page_query": urlencode(filters),  # the filters the page links keep
        "filters": filters,
        "units": selectors.units(),
        "unit_counts": selectors.unit_counts(actor=actor),
        "states": ClusterState.choices,
        "sorts": [
            ("priority", _("Priority")),
            ("victims", _("Victims")),
            ("damage", _("Damage")),
            ("growth", _("Growth")),
            ("recent", _("Last seen")),
        ],
        "may_see": access.may_see_clusters(actor),
        "query": request.GET.urlencode(),
    }
    return render(request, "cases/list.html", context)


@portal_permission("cases.view")
def export_view(request: HttpRequest) -> HttpResponse:
    """The list as CSV: cluster summaries only (no identifiers); every cell formula-safe. All
    the rows the filters select, streamed (an export cut off at a limit without a word would
    lose clusters silently)."""
    actor = _actor(request)
    filters = _filters(request)
    clusters = selectors.cluster_list(actor=actor, **filters)
    audit_record(
        actor=actor,
        action="cases.export",
        object_type="clusters",
        purpose="CSV export of the priority list",
        details={**filters, "rows": clusters.count()},  # as selected when the export began
    )
    rows = selectors.export_rows(clusters.iterator(chunk_size=2000))
    stamp = timezone.localdate().isoformat()
    # The page decorators name HttpResponse; Django serves a streaming response all the same.
    return cast(
        HttpResponse,
        csv_response(f"ketenwacht-clusters-{stamp}.csv", selectors.EXPORT_HEADER, rows),
    )


# --- the cluster page ---------------------------------------------------------------------------


def _detail_context(request: HttpRequest, cluster: Cluster, **forms: object) -> dict[str, object]:
    actor = _actor(request)
    data = selectors.cluster_graph(actor=actor, cluster=cluster)
    context: dict[str, object] = {
        "cluster": cluster,
        "svg": graph.render_svg(cluster, data),
        "identifiers": _page(
            request,
            selectors.cluster_identifiers(actor=actor, cluster=cluster),
            per_page=selectors.IDENTIFIERS_PAGE_SIZE,
            param="identifiers_page",
        ),
        "timeline": selectors.cluster_timeline(actor=actor, cluster=cluster),
        "suggestions": selectors.cluster_suggestions(actor=actor, cluster=cluster),
        "transition_form": TransitionForm(current=cluster.state),
        "assign_form": AssignForm(
            initial={"unit": cluster.unit_id, "assignee": cluster.assignee_id}
        ),
        "note_form": NoteForm(),
        "reveal_form": RevealForm(),
        "may_work": access.can(actor, "cases.work"),
        "may_reveal": access.can(actor, "cases.reveal"),
        "fraud_types": sorted(cluster.fraud_types.items(), key=lambda item: -item[1]),
        "regions": _unit_names(cluster.regions),
    }
    context.update(forms)
    return context


def _unit_names(counts: dict[str, int]) -> list[tuple[str, int]]:
    names = dict(selectors.units().values_list("code", "name"))
    return [(names.get(code, code), n) for code, n in sorted(counts.items(), key=lambda i: -i[1])]


@portal_permission("cases.view")
def detail_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id)
    return render(request, "cases/detail.html", _detail_context(request, cluster))


@portal_permission("cases.view")
def graph_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """The graph picture as a file (masked as on the page)."""
    actor = _actor(request)
    cluster = _cluster(request, cluster_id)
    data = selectors.cluster_graph(actor=actor, cluster=cluster)
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + graph.render_svg(cluster, data, standalone=True),
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{cluster.label}.svg"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _rerender(request: HttpRequest, cluster: Cluster, **forms: object) -> HttpResponse:
    return render(
        request, "cases/detail.html", _detail_context(request, cluster, **forms), status=400
    )


@portal_permission("cases.work")
@require_POST
def transition_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id)
    form = TransitionForm(request.POST, current=cluster.state)
    if form.is_valid():
        try:
            services.cluster_transition(
                actor=_actor(request),
                cluster=cluster,
                to_state=form.cleaned_data["to_state"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The state has been changed."))
            return redirect("cases:detail", cluster_id=cluster.pk)
    return _rerender(request, cluster, transition_form=form)


@portal_permission("cases.work")
@require_POST
def assign_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.cluster_assign(
                actor=_actor(request),
                cluster=cluster,
                unit=form.cleaned_data["unit"],
                assignee=form.cleaned_data["assignee"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The cluster has been assigned."))
            return redirect("cases:detail", cluster_id=cluster.pk)
    return _rerender(request, cluster, assign_form=form)


@portal_permission("cases.work")
@require_POST
def note_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    cluster = _cluster(request, cluster_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.cluster_note_add(
                actor=_actor(request), cluster=cluster, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The note has been added."))
            return redirect("cases:detail", cluster_id=cluster.pk)
    return _rerender(request, cluster, note_form=form)


@portal_permission("cases.reveal")
@require_POST
def reveal_view(request: HttpRequest, cluster_id: int) -> HttpResponse:
    """Show one identifier in the clear on a page of its own (not kept, not cached)."""
    cluster = _cluster(request, cluster_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason of at least ten characters."))
        return redirect("cases:detail", cluster_id=cluster.pk)
    try:
        revealed = services.cluster_identifier_reveal(
            actor=_actor(request),
            cluster=cluster,
            pseudonym_id=form.cleaned_data["pseudonym_id"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("cases:detail", cluster_id=cluster.pk)
    response = render(request, "cases/revealed.html", {"cluster": cluster, "revealed": revealed})
    response["Cache-Control"] = "no-store"
    return response


# --- hubs -----------------------------------------------------------------------------------------


def _hub_show(value: str | None) -> str:
    return value if value in ("excluded", "watched", "all") else "excluded"


def _hubs_url(request: HttpRequest) -> str:
    """Back to the hub list as the analyst left it: the same view and page (both checked)."""
    params = {"show": _hub_show(request.POST.get("show"))}
    page = request.POST.get("page", "")
    if page.isascii() and page.isdigit() and len(page) < 10:
        params["page"] = page
    return f"{reverse('cases:hubs')}?{urlencode(params)}"


@portal_permission("cases.hubs_manage")
def hubs_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    show = _hub_show(request.GET.get("show"))
    context = {
        "page": _page(request, selectors.hub_list(actor=actor, show=show), per_page=LIST_PAGE_SIZE),
        "page_query": urlencode({"show": show}),
        "show": show,
        "form": HubOverrideForm(),
        "may_see": access.may_see_clusters(actor),
        "decisions": HubOverride.choices,
    }
    return render(request, "cases/hubs.html", context)


@portal_permission("cases.hubs_manage")
@require_POST
def hub_override_view(request: HttpRequest, pseudonym_id: int) -> HttpResponse:
    actor = _actor(request)
    if not access.may_see_clusters(actor):
        raise Http404
    form = HubOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.hub_override(
                actor=actor,
                pseudonym_id=pseudonym_id,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except NotFoundError:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The decision has been recorded; clusters were updated."))
    else:
        messages.error(request, _("Choose a decision and explain it (at least five characters)."))
    return redirect(_hubs_url(request))


# --- routing rules (programme team) ------------------------------------------------------------


@portal_permission("cases.routing_manage")
def rules_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    context = {
        "rules": selectors.routing_rules(actor=actor),
        "units": selectors.units().prefetch_related("postcode_ranges"),
    }
    return render(request, "cases/rules.html", context)


@portal_permission("cases.routing_manage")
@require_http_methods(["GET", "POST"])
def rule_edit_view(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    actor = _actor(request)
    rule = None
    if rule_id is not None:
        try:
            rule = selectors.routing_rule_get(actor=actor, rule_id=rule_id)
        except NotFoundError:
            raise Http404 from None
    form = RoutingRuleForm(request.POST if request.method == "POST" else None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.routing_rule_save(actor=actor, rule=rule, **form.service_arguments())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The rule has been saved; open clusters are re-routed."))
            return redirect("cases:rules")
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/rule_edit.html", {"form": form, "rule": rule}, status=status)


@portal_permission("cases.routing_manage")
@require_POST
def rule_move_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        rule = selectors.routing_rule_get(actor=actor, rule_id=rule_id)
    except NotFoundError:
        raise Http404 from None
    direction = -1 if request.POST.get("direction") == "up" else 1
    services.routing_rule_move(actor=actor, rule=rule, direction=direction)
    return redirect("cases:rules")
