"""Reads of the cases domain, filtered for the actor: only police and prosecutor analysts
(``partners.access.may_see_clusters``) see clusters, reports, identifiers and hubs.

Identifiers are shown masked (the display hint the identifiers app made, e.g.
``NL91 •••• •••• 4300``); the clear value only through ``services.cluster_identifier_reveal``.

``cluster_feedback_for_intake`` is the intake app's one read: plain words for a victim's
status page, as far as the agreement the intake names allows (``partners.VictimFeedback``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar, overload
from uuid import UUID

from django.db.models import Count, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ketenwacht.cases import hubs
from ketenwacht.cases.constants import (
    GRAPH_MAX_IDENTIFIERS,
    GRAPH_MAX_REPORTS,
    ClusterEventKind,
    ClusterState,
    ReportSource,
)
from ketenwacht.cases.interventions import Suggestion, suggest
from ketenwacht.cases.models import (
    Cluster,
    Hub,
    Report,
    ReportLink,
    RoutingRule,
    SuspectLocation,
    Unit,
)
from ketenwacht.errors import NotFoundError
from ketenwacht.identifiers.models import Pseudonym
from ketenwacht.identifiers.pseudonyms import MASK_CHAR
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import VictimFeedback

# --- bounds of the cluster page (one place) ------------------------------------------------------
# A cluster of a mass scam holds thousands of reports and identifiers; its page never loads
# them all. The identifiers table is paged (IDENTIFIERS_PAGE_SIZE rows a page, the most often
# named first, with a notice saying which rows of how many the page shows). Of each kind of
# timeline entry (reports, membership events, state changes, routing decisions, notes) the
# timeline shows the newest TIMELINE_MAX_PER_KIND and says on the page how many older ones
# it left out (``Timeline.cuts``).
IDENTIFIERS_PAGE_SIZE = 100
TIMELINE_MAX_PER_KIND = 200

SORTS = {
    "priority": ("-priority", "pk"),
    "victims": ("-victim_count", "-priority", "pk"),
    "damage": ("-damage_total_cents", "-priority", "pk"),
    "growth": ("-growth_7d", "-growth_30d", "-priority", "pk"),
    "recent": ("-last_seen", "-priority", "pk"),
}


def _not_found() -> NotFoundError:
    return NotFoundError("Onbekende cluster. / Unknown cluster.", code="not_found")


def masked(actor: Actor, kind: str, hint: str) -> str:
    """What the actor sees of an identifier: the masked hint for cluster readers, the kind
    alone for anyone else (who should not reach a cluster at all)."""
    if access.may_see_clusters(actor) and hint:
        return hint
    return f"{kind} {MASK_CHAR * 4}"


Row = TypeVar("Row")


class LazyRows(Sequence[Row]):
    """Rows made from a query a slice at a time, for a ``Paginator`` to page as it pages a
    query: ``len`` counts in the database (once), a slice reads only its rows and makes (masks,
    decorates) only those. Iterating reads them all: page it instead on a page."""

    def __init__(self, query: QuerySet[Any], make: Callable[[list[Any]], list[Row]]) -> None:
        self._query = query
        self._make = make
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._query.count()
        return self._count

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return self._make(list(self._query[index]))
        position = index + len(self) if index < 0 else index
        rows = self._make(list(self._query[position : position + 1])) if position >= 0 else []
        if not rows:
            raise IndexError(index)
        return rows[0]

    def __iter__(self) -> Iterator[Row]:
        return iter(self._make(list(self._query)))


# --- lists -----------------------------------------------------------------------------------


def units() -> QuerySet[Unit]:
    return Unit.objects.all()


def cluster_list(
    *, actor: Actor, unit: str = "", state: str = "", sort: str = "priority"
) -> QuerySet[Cluster]:
    """Active clusters, sorted (priority by default); one unit and one state if asked."""
    if not access.may_see_clusters(actor):
        return Cluster.objects.none()
    query = Cluster.objects.filter(is_active=True).select_related("unit", "assignee")
    if unit:
        query = query.filter(unit__code=unit)
    if state in ClusterState.values:
        query = query.filter(state=state)
    elif state == "open":
        query = query.exclude(state=ClusterState.CLOSED)
    return query.order_by(*SORTS.get(sort, SORTS["priority"]))


def cluster_get(*, actor: Actor, cluster_id: int) -> Cluster:
    if not access.may_see_clusters(actor):
        raise _not_found()
    cluster = (
        Cluster.objects.select_related("unit", "assignee", "merged_into")
        .filter(pk=cluster_id)
        .first()
    )
    if cluster is None:
        raise _not_found()
    return cluster


def cluster_reports(*, actor: Actor, cluster: Cluster) -> QuerySet[Report]:
    if not access.may_see_clusters(actor):
        return Report.objects.none()
    return (
        Report.objects.filter(membership__cluster=cluster)
        .select_related("region", "organisation")
        .order_by("reported_on", "pk")
    )


@dataclass(frozen=True)
class IdentifierRow:
    pseudonym_id: int
    kind: str
    label: str
    reports: int  # reports of this cluster naming it
    is_hub: bool
    hub_reason: str
    suspect_area: bool


def cluster_identifiers(*, actor: Actor, cluster: Cluster) -> Sequence[IdentifierRow]:
    """The cluster's identifiers with how many of its reports name each, masked, the most often
    named first; lazy (``LazyRows``): page or slice it, a slice reads only its rows."""
    if not access.may_see_clusters(actor):
        return []
    query = (
        ReportLink.objects.filter(report__membership__cluster=cluster)
        .values("pseudonym_id", "pseudonym__kind", "pseudonym__display_hint")
        .annotate(n=Count("report_id"))
        .order_by("-n", "pseudonym_id")
    )

    def make(rows: list[dict[str, Any]]) -> list[IdentifierRow]:
        ids = [row["pseudonym_id"] for row in rows]
        hub_rows = {
            h.pseudonym_id: h for h in Hub.objects.filter(pseudonym_id__in=ids, is_excluded=True)
        }
        suspects = set(
            SuspectLocation.objects.filter(
                pseudonym_id__in=ids, expires_at__gt=timezone.now()
            ).values_list("pseudonym_id", flat=True)
        )
        return [
            IdentifierRow(
                pseudonym_id=row["pseudonym_id"],
                kind=row["pseudonym__kind"],
                label=masked(actor, row["pseudonym__kind"], row["pseudonym__display_hint"]),
                reports=row["n"],
                is_hub=row["pseudonym_id"] in hub_rows,
                hub_reason=hub_rows[row["pseudonym_id"]].get_reason_display()
                if row["pseudonym_id"] in hub_rows
                else "",
                suspect_area=row["pseudonym_id"] in suspects,
            )
            for row in rows
        ]

    return LazyRows(query, make)


def cluster_suggestions(*, actor: Actor, cluster: Cluster) -> list[Suggestion]:
    if not access.may_see_clusters(actor):
        return []
    excluded = hubs.excluded_ids()
    pids = set(
        ReportLink.objects.filter(report__membership__cluster=cluster).values_list(
            "pseudonym_id", flat=True
        )
    )
    suspect_known = SuspectLocation.objects.filter(
        pseudonym_id__in=list(pids - excluded), expires_at__gt=timezone.now()
    ).exists()
    return suggest(cluster, suspect_known=suspect_known)


# --- timeline ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # report, transition, routing, note, event
    text: str
    detail: str = ""


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _reports_phrase(count: int, other: str) -> str:
    phrase = ngettext("%(n)d report", "%(n)d reports", count) % {"n": count}
    return f"{other}: {phrase}" if other else phrase


def _report_label(report: Report) -> str:
    if report.source == ReportSource.INTAKE:
        return _("victim intake")
    if report.source == ReportSource.POLICE:
        return _("police report %(number)s") % {"number": report.number}
    return _("incident report %(number)s") % {"number": report.number}


def _left_out_phrase(kind: str, count: int) -> str:
    """What the timeline's notice says it left out of one kind of entry."""
    if kind == "report":
        return ngettext("%(n)d older report", "%(n)d older reports", count) % {"n": count}
    if kind == "event":
        return ngettext(
            "%(n)d older change of membership", "%(n)d older changes of membership", count
        ) % {"n": count}
    if kind == "transition":
        return ngettext("%(n)d older state change", "%(n)d older state changes", count) % {
            "n": count
        }
    if kind == "routing":
        return ngettext("%(n)d older routing decision", "%(n)d older routing decisions", count) % {
            "n": count
        }
    return ngettext("%(n)d older note", "%(n)d older notes", count) % {"n": count}


@dataclass(frozen=True)
class TimelineCut:
    """Of one kind of entry, the timeline shows the newest ``shown`` of ``total``."""

    kind: str  # report, event, transition, routing, note
    shown: int
    total: int

    @property
    def left_out(self) -> int:
        return self.total - self.shown

    @property
    def phrase(self) -> str:
        return _left_out_phrase(self.kind, self.left_out)


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]  # oldest first
    cuts: list[TimelineCut]  # the kinds of which older entries were left out; empty: all shown
    limit: int  # the newest this many of each kind are shown

    @property
    def left_out(self) -> str:
        """What was left out, for the page's notice: "12 older reports, 3 older notes"."""
        return ", ".join(cut.phrase for cut in self.cuts)


_M = TypeVar("_M", bound=Model)


def _newest(query: QuerySet[_M], limit: int) -> tuple[list[_M], int]:
    """The newest ``limit`` rows of a query ordered oldest first, in the query's order, and how
    many rows the query has: counted only when there are more than ``limit``."""
    rows = list(query.reverse()[: limit + 1])
    total = len(rows) if len(rows) <= limit else query.count()
    rows = rows[:limit]
    rows.reverse()  # oldest first again: entries of the same moment keep the query's order
    return rows, total


def cluster_timeline(*, actor: Actor, cluster: Cluster, limit: int | None = None) -> Timeline:
    """Reports, membership changes, state changes, routing and notes, oldest first: of each
    kind the newest ``limit`` (default ``TIMELINE_MAX_PER_KIND``), with what was left out."""
    limit = TIMELINE_MAX_PER_KIND if limit is None else limit
    if not access.may_see_clusters(actor):
        return Timeline([], [], limit)
    entries: list[TimelineEntry] = []
    totals: dict[str, tuple[int, int]] = {}
    reports, total = _newest(cluster_reports(actor=actor, cluster=cluster), limit)
    totals["report"] = (len(reports), total)
    for report in reports:
        entries.append(
            TimelineEntry(
                _at(report.reported_on),
                "report",
                _("Reported: %(label)s") % {"label": _report_label(report)},
                f"{report.fraud_type} · € {report.damage_cents / 100:,.2f}",
            )
        )
    events, total = _newest(cluster.events.select_related("other"), limit)
    totals["event"] = (len(events), total)
    for event in events:
        other = event.other.label if event.other is not None else ""
        entries.append(
            TimelineEntry(
                event.created_at,
                "event",
                str(ClusterEventKind(event.kind).label),
                _reports_phrase(event.report_count, other),
            )
        )
    transitions, total = _newest(cluster.transitions.all(), limit)
    totals["transition"] = (len(transitions), total)
    for transition in transitions:
        entries.append(
            TimelineEntry(
                transition.created_at,
                "transition",
                _("State: %(from)s → %(to)s")
                % {
                    "from": ClusterState(transition.from_state).label,
                    "to": ClusterState(transition.to_state).label,
                },
                f"{transition.actor_label}: {transition.note}"
                if transition.note
                else transition.actor_label,
            )
        )
    decisions, total = _newest(cluster.routing.select_related("unit"), limit)
    totals["routing"] = (len(decisions), total)
    for decision in decisions:
        text = _("Routed to %(unit)s") if decision.applied else _("Routing advises %(unit)s")
        entries.append(
            TimelineEntry(
                decision.created_at,
                "routing",
                text % {"unit": decision.unit.name},
                f"{decision.rule_name}: {decision.reason}",
            )
        )
    notes, total = _newest(cluster.notes.all(), limit)
    totals["note"] = (len(notes), total)
    for note in notes:
        entries.append(TimelineEntry(note.created_at, "note", note.author_label, note.text))
    entries.sort(key=lambda entry: entry.at)
    cuts = [
        TimelineCut(kind, shown, total) for kind, (shown, total) in totals.items() if total > shown
    ]
    return Timeline(entries, cuts, limit)


# --- graph ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphData:
    reports: list[tuple[int, str]]  # report id, short label
    identifiers: list[tuple[int, str, bool]]  # pseudonym id, masked label, is hub
    edges: list[tuple[int, int]]  # report id, pseudonym id
    hidden_reports: int
    hidden_identifiers: int


def cluster_graph(*, actor: Actor, cluster: Cluster) -> GraphData:
    """Reports and identifiers of the cluster as a bipartite graph (capped, masked)."""
    if not access.may_see_clusters(actor):
        return GraphData([], [], [], 0, 0)
    identifiers = cluster_identifiers(actor=actor, cluster=cluster)
    shown_ids = identifiers[:GRAPH_MAX_IDENTIFIERS]
    shown = {row.pseudonym_id for row in shown_ids}
    links = list(
        ReportLink.objects.filter(report__membership__cluster=cluster, pseudonym_id__in=list(shown))
        .order_by("report_id")
        .values_list("report_id", "pseudonym_id")
    )
    by_report: dict[int, list[int]] = defaultdict(list)
    for report_id, pid in links:
        by_report[report_id].append(pid)
    # Reports naming the most shown identifiers first: they carry the structure.
    order = sorted(by_report, key=lambda rid: (-len(by_report[rid]), rid))[:GRAPH_MAX_REPORTS]
    report_set = set(order)
    sources = dict(Report.objects.filter(pk__in=order).values_list("pk", "source"))
    letter: dict[str, str] = {
        ReportSource.POLICE: "P",
        ReportSource.INTAKE: "V",
        ReportSource.PARTNER: "B",
    }
    reports = [
        (rid, f"{letter.get(sources.get(rid, ''), '?')}{n}") for n, rid in enumerate(order, 1)
    ]
    return GraphData(
        reports=reports,
        identifiers=[(row.pseudonym_id, row.label, row.is_hub) for row in shown_ids],
        edges=[(rid, pid) for rid, pid in links if rid in report_set],
        hidden_reports=max(0, cluster.report_count - len(reports)),
        hidden_identifiers=max(0, len(identifiers) - len(shown_ids)),
    )


# --- hubs and rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HubRow:
    hub: Hub
    label: str
    kind: str


def hub_list(*, actor: Actor, show: str = "excluded") -> Sequence[HubRow]:
    """Hubs (``excluded``), watched identifiers over the limit (``watched``), or ``all``, the
    most reported first; lazy (``LazyRows``): page it, a page reads and masks only its rows."""
    if not access.may_see_clusters(actor):
        return []
    query = Hub.objects.select_related("decided_by").order_by("-report_count", "pk")
    if show == "excluded":
        query = query.filter(is_excluded=True)
    elif show == "watched":
        query = query.filter(is_excluded=False)

    def make(hub_rows: list[Hub]) -> list[HubRow]:
        pseudonyms = {
            p.pk: p for p in Pseudonym.objects.filter(pk__in=[h.pseudonym_id for h in hub_rows])
        }
        rows = []
        for hub in hub_rows:
            pseudonym = pseudonyms.get(hub.pseudonym_id)
            kind = pseudonym.kind if pseudonym is not None else "?"
            hint = pseudonym.display_hint if pseudonym is not None else ""
            rows.append(HubRow(hub, masked(actor, kind, hint), kind))
        return rows

    return LazyRows(query, make)


def routing_rules(*, actor: Actor) -> QuerySet[RoutingRule]:
    access.require(actor, "cases.routing_manage")
    return RoutingRule.objects.select_related("unit", "updated_by").order_by("position", "pk")


def routing_rule_get(*, actor: Actor, rule_id: int) -> RoutingRule:
    rule = routing_rules(actor=actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFoundError("Onbekende regel. / Unknown rule.", code="not_found")
    return rule


# --- CSV export ----------------------------------------------------------------------------------

EXPORT_HEADER = (
    "cluster",
    "state",
    "unit",
    "priority",
    "reports",
    "victims",
    "damage_total_eur",
    "damage_median_eur",
    "fraud_types",
    "first_seen",
    "last_seen",
    "regions",
    "share_65_plus",
    "growth_7d",
    "growth_30d",
)


def export_rows(clusters: Iterable[Cluster]) -> Iterator[list[Any]]:
    """One row per cluster: the summary only, never identifiers."""
    for cluster in clusters:
        yield [
            cluster.label,
            cluster.state,
            cluster.unit.code if cluster.unit else "",
            f"{cluster.priority:.2f}",
            cluster.report_count,
            cluster.victim_count,
            f"{cluster.damage_total_cents / 100:.2f}",
            f"{cluster.damage_median_cents / 100:.2f}",
            " ".join(f"{code}:{n}" for code, n in sorted(cluster.fraud_types.items())),
            cluster.first_seen.isoformat() if cluster.first_seen else "",
            cluster.last_seen.isoformat() if cluster.last_seen else "",
            " ".join(f"{code}:{n}" for code, n in sorted(cluster.regions.items())),
            "" if cluster.share_65_plus is None else f"{cluster.share_65_plus:.2f}",
            cluster.growth_7d,
            cluster.growth_30d,
        ]


# --- feedback to victims -------------------------------------------------------------------------


def _live_cluster(cluster: Cluster | None) -> Cluster | None:
    """Follow merges to the cluster that carries the report now."""
    seen = set()
    while cluster is not None and not cluster.is_active and cluster.merged_into_id is not None:
        if cluster.pk in seen:
            return None
        seen.add(cluster.pk)
        cluster = cluster.merged_into
    return cluster if cluster is not None and cluster.is_active else None


def cluster_feedback_for_intake(intake_id: UUID, *, allowed: str) -> str | None:
    """Plain words for the victim's status page, or ``None`` when there is nothing to say.

    Says how many other reports the victim's report is linked to and what the police do with
    them, as far as ``allowed`` (a ``VictimFeedback``: the term of the agreement under which
    the report reached the police; the intake app reads it) lets it: nothing, the link, or
    the link and the unit's name. Never anything about other victims or identifiers.
    """
    if allowed not in (VictimFeedback.LINKED, VictimFeedback.UNIT):
        return None
    report = (
        Report.objects.select_related("membership__cluster__unit")
        .filter(intake_id=intake_id)
        .first()
    )
    if report is None:
        return None
    cluster = _live_cluster(report.cluster)
    if cluster is None:
        return None
    others = max(0, cluster.report_count - 1)
    linked = ngettext(
        "Your report has been linked to %(n)d other report.",
        "Your report has been linked to %(n)d other reports.",
        others,
    ) % {"n": others}
    unit = cluster.unit.name if cluster.unit is not None and allowed == VictimFeedback.UNIT else ""
    state = cluster.state
    if state in (ClusterState.ASSIGNED, ClusterState.INVESTIGATION):
        follow = (
            _("They are being investigated by %(unit)s.") % {"unit": unit}
            if unit
            else _("The police are investigating them.")
        )
    elif state in (ClusterState.NEW, ClusterState.TRIAGE):
        follow = (
            _("%(unit)s is assessing them.") % {"unit": unit}
            if unit
            else _("The police are assessing them.")
        )
    elif state == ClusterState.CIVIL_ROUTE:
        follow = _(
            "The police advise recovering the damage outside criminal law, for example through "
            "a civil claim."
        )
    elif state == ClusterState.STOP_TALK:
        follow = _("The police are talking to the person behind the account to stop the fraud.")
    else:
        follow = _("The police have finished handling these reports.")
    return f"{linked} {follow}"


def unit_counts(*, actor: Actor) -> dict[str, int]:
    """Open clusters per unit code (for the unit switcher)."""
    if not access.may_see_clusters(actor):
        return {}
    rows = (
        Cluster.objects.filter(is_active=True)
        .exclude(state=ClusterState.CLOSED)
        .values_list("unit__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(Counter({code or "": n for code, n in rows}))
