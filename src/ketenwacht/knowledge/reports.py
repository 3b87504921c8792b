"""The year's report ("jaarbericht"): per theme what was realised, from the action plan, with
key figures where a statistics provider has registered them (``integration.key_figures``).

Built for an actor and a route: the public report holds TLP:CLEAR items only; a partner's
copy may hold more, and then carries the most restrictive marking it contains. HTML from a
template; PDF from the same HTML through WeasyPrint (optional dependency: without it the PDF
is refused with a clear error instead of a broken file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from ketenwacht.errors import DomainError
from ketenwacht.knowledge import integration, selectors
from ketenwacht.knowledge.constants import ActionStatus
from ketenwacht.knowledge.models import ActionPlan, ActionPoint
from ketenwacht.knowledge.rendering import render_markdown
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import MARKING_ORDER, Marking


class PdfUnavailable(DomainError):
    status = 503
    code = "pdf_unavailable"


@dataclass(frozen=True)
class ThemeSection:
    code: str
    label: str
    realised: list[ActionPoint]


@dataclass(frozen=True)
class AnnualReport:
    year: int
    plan: ActionPlan
    sections: list[ThemeSection]
    key_figures: list[integration.KeyFigure]
    marking: str
    is_public: bool

    @property
    def realised_count(self) -> int:
        return sum(len(section.realised) for section in self.sections)


def _most_restrictive(markings: set[str]) -> str:
    for marking in MARKING_ORDER:
        if marking in markings:
            return str(marking)
    return str(Marking.CLEAR)


def annual_report(*, actor: Actor, year: int, route: str) -> AnnualReport:
    plan = selectors.action_plan_get(year=year)
    points = selectors.action_point_list(
        actor=actor, year=year, route=route, status=ActionStatus.REALISED
    )
    sections = [
        ThemeSection(code, label, realised)
        for code, label, realised in selectors.action_points_by_theme(points)
    ]
    markings = {point.marking for section in sections for point in section.realised}
    return AnnualReport(
        year=year,
        plan=plan,
        sections=sections,
        key_figures=integration.key_figures(actor=actor, year=year),
        marking=_most_restrictive(markings),
        is_public=route == "public",
    )


def _context(report: AnnualReport) -> dict[str, Any]:
    return {"report": report, "introduction": render_markdown(report.plan.introduction)}


def annual_report_html(report: AnnualReport) -> str:
    """A standalone HTML document (also the source of the PDF)."""
    return render_to_string("knowledge/annual_report_document.html", _context(report))


def annual_report_pdf(report: AnnualReport) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:  # the package, or its Pango libraries, missing
        raise PdfUnavailable(
            "PDF is op deze server niet beschikbaar. / PDF is not available on this server.",
        ) from error
    # The document is self-contained: nothing may be fetched while rendering (no SSRF, no
    # local files), only inline data: URLs.
    fetcher = URLFetcher(allowed_protocols=("data",))
    pdf: bytes = HTML(string=annual_report_html(report), url_fetcher=fetcher).write_pdf()
    return pdf
