"""Statistics pages in Debian Chromium with axe-core: public dashboard and factsheet, portal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ketenwacht.browser_testing import assert_accessible
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user
from ketenwacht.stats import services
from ketenwacht.stats.constants import FactsheetStatus, PeriodKind
from ketenwacht.stats.tests.factories import make_intakes

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _public_factsheet() -> Any:
    make_intakes(40, day=date(2025, 3, 3))
    make_intakes(25, day=date(2025, 3, 10), fraud_form="phishing", channel="sms")
    make_intakes(4, day=date(2025, 3, 12), fraud_form="romance", channel="dating_site")
    actor = access.actor_for_user(make_user(Role.PROGRAMME_TEAM, OrganisationFactory.create()))
    factsheet = services.factsheet_create(
        actor=actor, period_kind=PeriodKind.MONTH, year=2025, number=3, advice="Bel zelf terug."
    )
    factsheet.status = FactsheetStatus.PUBLIC
    factsheet.save(update_fields=["status"])
    return factsheet


def test_public_dashboard_and_factsheet(browser_page: Page) -> None:
    factsheet = _public_factsheet()
    browser_page.goto("/statistieken/")
    assert factsheet.title in browser_page.content()
    assert browser_page.locator("img.chart").count() >= 5
    assert_accessible(browser_page, "stats-public-dashboard")
    browser_page.goto(f"/statistieken/{factsheet.pk}/")
    assert "Bel zelf terug." in browser_page.content()
    assert_accessible(browser_page, "stats-public-factsheet")


def test_portal_pages(browser_page: Page, login_as: Callable[..., Any]) -> None:
    factsheet = _public_factsheet()
    login_as(Role.PROGRAMME_TEAM)
    for path, name in [
        ("/portal/stats/", "stats-dashboard"),
        ("/portal/stats/factsheets/", "stats-factsheets"),
        ("/portal/stats/factsheets/new/", "stats-factsheet-new"),
        (f"/portal/stats/factsheets/{factsheet.pk}/", "stats-factsheet"),
        ("/portal/stats/spikes/", "stats-spikes"),
    ]:
        browser_page.goto(path)
        assert browser_page.get_by_role("heading", level=1).count() == 1
        assert_accessible(browser_page, name)


def test_upload_page(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.PARTNER_ANALYST)
    browser_page.goto("/portal/stats/figures/upload/")
    assert "fraud_form" in browser_page.content()
    assert_accessible(browser_page, "stats-upload")
