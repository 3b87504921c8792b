"""The annual report: per theme what was realised, from the action plan; HTML and PDF."""

from __future__ import annotations

import re
import zlib

import pytest

from ketenwacht.knowledge import integration, reports
from ketenwacht.knowledge.tests.factories import ActionPointFactory
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.partners.tests.factories import actor_with_role

pytestmark = pytest.mark.django_db


def _pdf_text_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (bookmark titles become readable)."""
    inflated = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(inflated)


def test_the_public_2023_report_holds_the_seeded_realised_points_per_theme() -> None:
    report = reports.annual_report(actor=Actor(), year=2023, route="public")
    assert [section.code for section in report.sections] == [
        "insight", "data_sharing", "barriers", "enforcement", "resilience", "victim_support"
    ]  # fmt: skip
    assert [len(section.realised) for section in report.sections] == [4, 4, 3, 3, 5, 4]
    assert report.realised_count == 23
    assert report.marking == Marking.CLEAR
    assert report.sections[2].realised[0].title.startswith("Criminal journey en barrièremodel")


def test_planned_and_marked_points_stay_out_of_the_public_report() -> None:
    ActionPointFactory.create(plan__year=2023, title="Nog bezig", marking="CLEAR")
    ActionPointFactory.create(
        plan__year=2023, title="Vertrouwelijk gerealiseerd", realised=True, marking="AMBER"
    )
    public = reports.annual_report(actor=Actor(), year=2023, route="public")
    titles = {point.title for section in public.sections for point in section.realised}
    assert "Nog bezig" not in titles
    assert "Vertrouwelijk gerealiseerd" not in titles
    partner = reports.annual_report(
        actor=actor_with_role(Role.PARTNER_ANALYST), year=2023, route="download"
    )
    partner_titles = {point.title for section in partner.sections for point in section.realised}
    assert "Vertrouwelijk gerealiseerd" in partner_titles
    assert partner.marking == Marking.AMBER  # the copy carries its most restrictive item


def test_key_figures_come_from_a_registered_provider() -> None:
    def figures(*, actor: Actor, year: int) -> list[integration.KeyFigure]:
        return [integration.KeyFigure("Schadelast bankhelpdeskfraude", "€ 28 mln", "NVB")]

    integration.register_key_figures("test", figures)
    try:
        report = reports.annual_report(actor=Actor(), year=2023, route="public")
        html = reports.annual_report_html(report)
    finally:
        integration.unregister_key_figures("test")
    assert [figure.value for figure in report.key_figures] == ["€ 28 mln"]
    assert "Schadelast bankhelpdeskfraude" in html


def test_the_html_report_lists_each_theme_with_what_was_realised() -> None:
    html = reports.annual_report_html(
        reports.annual_report(actor=Actor(), year=2023, route="public")
    )
    assert html.count('<h2 id="theme-') == 6
    assert html.count("Realised in 2023") == 6 or html.count("Gerealiseerd in 2023") == 6
    assert "50PlusBeurs" in html
    assert "TLP:CLEAR" in html
    assert "<script" not in html


def test_the_annual_report_renders_to_pdf() -> None:
    pytest.importorskip("weasyprint", reason="WeasyPrint renders the PDF (see docs/knowledge.md)")
    report = reports.annual_report(actor=Actor(), year=2023, route="public")
    pdf = reports.annual_report_pdf(report)
    assert pdf.startswith(b"%PDF-")
    objects = _pdf_text_objects(pdf)
    assert objects.count(b"/Type /Page") >= 2  # the tree and at least one page
    # Headings become PDF bookmarks: one per theme, in the language of the request.
    for section in report.sections:
        assert section.label.encode("utf-8") in objects or not section.label.isascii()
    assert f"Annual report {report.year}".encode() in objects or b"Jaarbericht" in objects
