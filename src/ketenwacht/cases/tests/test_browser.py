"""The cases pages in Debian Chromium, with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache

from ketenwacht.browser_testing import assert_accessible
from ketenwacht.cases.models import Unit
from ketenwacht.cases.reference import load_reference
from ketenwacht.cases.tests.factories import cluster_of, import_report, make_world
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners.constants import Role
from ketenwacht.synth.generators import identifiers

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(transactional_db: None) -> Any:
    """Units, rules and a world with one cluster (transactional tests flush migration data)."""
    if not Unit.objects.exists():
        load_reference()
    for code in ("purchase", "bankhelpdesk"):
        FraudType.objects.get_or_create(code=code, defaults={"name_nl": code, "name_en": code})
    cache.clear()  # the fraud-type catalogue is cached
    world = make_world()
    iban, phone = (
        next(identifiers("iban", 1, seed="browser")),
        next(identifiers("phone", 1, seed="browser")),
    )
    first = import_report(world.police_token, [iban, phone], postcode4="1012")
    import_report(world.police_token, [iban], postcode4="1013", age_band="75_plus")
    import_report(world.police_token, [phone], postcode4="2511", fraud_type="bankhelpdesk")
    cluster = cluster_of(first.report.pk)
    return world, cluster


def test_priority_list_cluster_page_and_hubs_for_a_police_analyst(
    browser_page: Page, login_as: Callable[..., Any], seeded: Any
) -> None:
    world, cluster = seeded
    login_as(Role.POLICE_ANALYST, world.police)
    browser_page.goto("/portal/cases/")
    assert browser_page.get_by_role("link", name=cluster.label).is_visible()
    assert_accessible(browser_page, "cases-list")

    browser_page.get_by_role("link", name=cluster.label).click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("svg.cluster-graph").count() == 1
    assert browser_page.locator("svg.cluster-graph line").count() == 4
    assert_accessible(browser_page, "cases-detail")

    browser_page.select_option("#id_to_state", "triage")
    browser_page.locator("form[action$='/transition/'] button[type=submit]").click()
    browser_page.wait_for_load_state()
    cluster.refresh_from_db()
    assert cluster.state == "triage"
    assert_accessible(browser_page, "cases-detail-after-transition")

    browser_page.goto("/portal/cases/hubs/?show=all")
    assert_accessible(browser_page, "cases-hubs")


def test_routing_rules_for_the_programme_team(
    browser_page: Page, login_as: Callable[..., Any], seeded: Any
) -> None:
    login_as(Role.PROGRAMME_TEAM)
    browser_page.goto("/portal/cases/routing/")
    assert browser_page.locator("table").first.locator("tbody tr").count() == 3
    assert_accessible(browser_page, "cases-routing")
    browser_page.goto("/portal/cases/routing/new/")
    assert_accessible(browser_page, "cases-routing-new")


def test_paged_lists_and_the_cut_timeline_are_accessible(
    browser_page: Page,
    login_as: Callable[..., Any],
    seeded: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page links and the notices that say what a page leaves out, as users meet them
    on a large cluster (sizes made small here)."""
    from ketenwacht.cases import selectors, views

    world, cluster = seeded
    second = next(identifiers("iban", 1, seed="browser-second"))
    import_report(world.police_token, [second], postcode4="3011")
    import_report(world.police_token, [second], postcode4="3012")
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 1)
    monkeypatch.setattr(selectors, "IDENTIFIERS_PAGE_SIZE", 1)
    monkeypatch.setattr(selectors, "TIMELINE_MAX_PER_KIND", 1)
    login_as(Role.POLICE_ANALYST, world.police)

    browser_page.goto("/portal/cases/?state=all")
    browser_page.locator("a[rel=next]").click()
    browser_page.wait_for_load_state()
    assert "page=2" in browser_page.url
    assert_accessible(browser_page, "cases-list-page-2")

    browser_page.goto(f"/portal/cases/clusters/{cluster.pk}/")
    assert browser_page.locator("#timeline-notice").is_visible()
    assert browser_page.locator("#identifiers-notice").is_visible()
    assert_accessible(browser_page, "cases-detail-cut")
    browser_page.locator("a[rel=next][href*=identifiers_page]").click()
    browser_page.wait_for_load_state()
    assert "identifiers_page=2" in browser_page.url
    assert_accessible(browser_page, "cases-detail-identifiers-page-2")
