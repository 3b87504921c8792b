"""A cluster as a server-rendered SVG picture: identifiers on an inner ring, reports on an
outer ring, a line where a report names an identifier.

Deterministic layout (no physics, no JavaScript): identifiers are spaced evenly by their
order (most-named first), and each report sits at the mean angle of the identifiers it
names, spread so no two overlap. Labels are the masked identifiers the actor may see; the
picture carries a title and a description for screen readers.
"""

from __future__ import annotations

import math
from collections import defaultdict

from django.utils.html import escape
from django.utils.translation import gettext as _

from ketenwacht.cases.models import Cluster
from ketenwacht.cases.selectors import GraphData

WIDTH = HEIGHT = 720
CENTRE = WIDTH / 2
INNER = 180
OUTER = 300
INK = "#1a1a1a"
REPORT_FILL = "#0b4d8c"
HUB_FILL = "#8c1b0b"
IDENTIFIER_FILL = "#ffffff"
EDGE = "#7a7a7a"


def _point(angle: float, radius: float) -> tuple[float, float]:
    return CENTRE + radius * math.cos(angle), CENTRE + radius * math.sin(angle)


def _angles(count: int) -> list[float]:
    return [-math.pi / 2 + 2 * math.pi * i / max(count, 1) for i in range(count)]


def _report_angles(data: GraphData, identifier_angle: dict[int, float]) -> dict[int, float]:
    """Mean angle of each report's identifiers, then spread evenly in that order."""
    names: dict[int, list[int]] = defaultdict(list)
    for report_id, pid in data.edges:
        names[report_id].append(pid)

    def mean_angle(report_id: int) -> float:
        angles = [identifier_angle[p] for p in names.get(report_id, []) if p in identifier_angle]
        if not angles:
            return 0.0
        x = sum(math.cos(a) for a in angles)
        y = sum(math.sin(a) for a in angles)
        return math.atan2(y, x)

    order = sorted((r for r, _label in data.reports), key=lambda r: (mean_angle(r), r))
    spread = _angles(len(order))
    start = mean_angle(order[0]) if order else 0.0
    return {r: start + (spread[i] + math.pi / 2) for i, r in enumerate(order)}


def render_svg(cluster: Cluster, data: GraphData, *, standalone: bool = False) -> str:
    """The SVG markup (inline in a page, or a standalone file with the XML namespace)."""
    identifier_angle = dict(
        zip([pid for pid, _l, _h in data.identifiers], _angles(len(data.identifiers)), strict=True)
    )
    report_angle = _report_angles(data, identifier_angle)
    title = _("Cluster %(label)s: reports and the identifiers that link them") % {
        "label": cluster.label
    }
    description = _(
        "%(reports)d reports (outer ring) and %(identifiers)d identifiers (inner ring, masked); "
        "a line means the report names the identifier. Red identifiers are hubs and link "
        "nothing."
    ) % {"reports": len(data.reports), "identifiers": len(data.identifiers)}
    if data.hidden_reports or data.hidden_identifiers:
        description += " " + _("Not shown: %(r)d reports and %(i)d identifiers.") % {
            "r": data.hidden_reports,
            "i": data.hidden_identifiers,
        }
    uid = f"cluster-graph-{cluster.pk}"
    namespace = 'xmlns="http://www.w3.org/2000/svg" ' if standalone else ""
    parts = [
        f'<svg {namespace}viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" class="cluster-graph">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<g stroke="{EDGE}" stroke-width="1" fill="none">',
    ]
    for report_id, pid in data.edges:
        if report_id not in report_angle or pid not in identifier_angle:
            continue
        x1, y1 = _point(report_angle[report_id], OUTER)
        x2, y2 = _point(identifier_angle[pid], INNER)
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>')
    parts.append("</g>")
    for report_id, label in data.reports:
        x, y = _point(report_angle[report_id], OUTER)
        parts.append(
            f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="13" fill="{REPORT_FILL}"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="10" '
            f'fill="#ffffff">{escape(label)}</text></g>'
        )
    for pid, label, is_hub in data.identifiers:
        angle = identifier_angle[pid]
        x, y = _point(angle, INNER)
        fill = HUB_FILL if is_hub else IDENTIFIER_FILL
        lx, ly = _point(angle, INNER - 26)
        anchor = (
            "middle" if abs(math.cos(angle)) < 0.3 else ("end" if math.cos(angle) > 0 else "start")
        )
        parts.append(
            f'<g><rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="{fill}" '
            f'stroke="{INK}" stroke-width="2"/>'
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" font-size="11" '
            f'fill="{INK}">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
