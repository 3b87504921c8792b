"""Pages of the knowledge space in Debian Chromium, with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from ketenwacht.browser_testing import MOBILE, assert_accessible, submit_main_form
from ketenwacht.knowledge import services
from ketenwacht.knowledge.models import Barrier, ChangeProposal
from ketenwacht.knowledge.tests.factories import (
    BottleneckCaseFactory,
    LibraryDocumentFactory,
    WorkingGroupFactory,
    phase_of,
    seat,
)
from ketenwacht.partners.access import actor_for_user
from ketenwacht.partners.constants import Marking, Role

pytestmark = pytest.mark.browser


def test_journey_matrix_and_gap_analysis(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.PARTNER_ANALYST)
    browser_page.goto("/portal/knowledge/")
    assert_accessible(browser_page, "knowledge-index")
    browser_page.get_by_role("link", name="Bankhelpdeskfraude").click()
    browser_page.wait_for_url("**/journeys/bankhelpdesk/")
    rows = browser_page.locator("table.matrix tbody tr")
    assert rows.count() == 6
    assert "Lagere betaallimieten" in rows.nth(4).inner_text()
    assert browser_page.locator("#gap-phases").inner_text().count(",") == 2
    assert_accessible(browser_page, "knowledge-journey")
    with browser_page.expect_download() as download:
        browser_page.get_by_role("link", name="Download as CSV").or_(
            browser_page.get_by_role("link", name="Download als CSV")
        ).first.click()
    assert download.value.suggested_filename == "barrier-model-bankhelpdesk.csv"


def test_the_matrix_scrolls_inside_its_wrapper_on_a_phone(
    login_as: Callable[..., Any], browser_page: Page
) -> None:
    login_as(Role.PROGRAMME_TEAM)
    browser_page.set_viewport_size(MOBILE)
    browser_page.goto("/portal/knowledge/journeys/purchase/")
    width = browser_page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], "the page scrolls sideways on a phone"
    assert browser_page.locator(".table-wrapper").evaluate("e => e.scrollWidth > e.clientWidth")
    assert_accessible(browser_page, "knowledge-journey-mobile")


def test_a_partner_proposes_a_barrier(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.POLICE_ANALYST)
    phase = phase_of("bankhelpdesk", "cashout")
    browser_page.goto(f"/portal/knowledge/barriers/new/?phase={phase.pk}")
    assert_accessible(browser_page, "knowledge-barrier-propose")
    browser_page.fill("input[name=title]", "Stopgesprek met geldezels")
    browser_page.check("input[name=sectors][value=police]")
    browser_page.select_option("select[name=kind]", "process")
    submit_main_form(browser_page)
    browser_page.wait_for_url("**/proposals/*/")
    assert ChangeProposal.objects.get().data["title"] == "Stopgesprek met geldezels"
    assert_accessible(browser_page, "knowledge-proposal")


def test_programme_team_pages(browser_page: Page, login_as: Callable[..., Any]) -> None:
    team = login_as(Role.PROGRAMME_TEAM)
    group = WorkingGroupFactory.create(slug="zicht-op-fraude", name="Zicht op fraude")
    seat(group, team)
    services.working_group_entry_create(
        actor=actor_for_user(team), group=group, kind="decision", title="Factsheets in 2024"
    )
    BottleneckCaseFactory.create(slug="suspicious-devices", title="Verdachte apparaten")
    LibraryDocumentFactory.create(title="Monitor online fraude", marking=Marking.GREEN)
    barrier = Barrier.objects.get(title="Lagere betaallimieten")
    for path, name in (
        ("/portal/knowledge/plan/2023/", "knowledge-plan"),
        ("/portal/knowledge/groups/", "knowledge-groups"),
        ("/portal/knowledge/groups/zicht-op-fraude/", "knowledge-group"),
        ("/portal/knowledge/groups/zicht-op-fraude/entries/new/", "knowledge-entry-new"),
        ("/portal/knowledge/library/", "knowledge-library"),
        ("/portal/knowledge/library/upload/", "knowledge-upload"),
        ("/portal/knowledge/bottlenecks/", "knowledge-bottlenecks"),
        ("/portal/knowledge/bottlenecks/suspicious-devices/", "knowledge-bottleneck"),
        ("/portal/knowledge/proposals/", "knowledge-proposals"),
        (f"/portal/knowledge/barriers/{barrier.pk}/", "knowledge-barrier"),
        (f"/portal/knowledge/barriers/{barrier.pk}/edit/", "knowledge-barrier-edit"),
        ("/portal/knowledge/report/2023/", "knowledge-annual-report"),
    ):
        response = browser_page.goto(path)
        assert response is not None and response.status == 200, path
        assert_accessible(browser_page, name)


@pytest.mark.parametrize(
    "path",
    ["/kennis/", "/kennis/fraudevormen/bankhelpdesk/", "/kennis/bibliotheek/",
     "/kennis/jaarbericht/2023/"],
)  # fmt: skip
def test_public_pages(browser_page: Page, path: str) -> None:
    response = browser_page.goto(path)
    assert response is not None and response.status == 200
    assert_accessible(browser_page, "public" + path.replace("/", "-"))
