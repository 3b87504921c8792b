"""The alert, consent and public-warning pages in Debian Chromium, with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.tests.factories import BANKHELPDESK, make_alert, make_endpoint, make_world
from ketenwacht.browser_testing import assert_accessible, submit_main_form
from ketenwacht.partners.constants import Marking, Role
from ketenwacht.release.models import ReleaseRequest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_write_scan_resolve_and_share(browser_page: Page, login_as: Callable[..., Any]) -> None:
    world = make_world()
    login_as(Role.PARTNER_ANALYST, world.author_org)
    browser_page.goto("/portal/alerts/")
    assert_accessible(browser_page, "alerts-empty")

    browser_page.goto("/portal/alerts/new/")
    assert_accessible(browser_page, "alert-new")
    browser_page.select_option("select[name=group]", str(world.group.pk))
    browser_page.fill("input[name=title]", "Nepbank belt over <verdachte> betaling")
    browser_page.fill("textarea[name=body]", "Geld ging naar NL91 ABNA 0417 1643 00.")
    browser_page.select_option("select[name=fraud_type]", BANKHELPDESK)
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    assert "/edit/" in browser_page.url
    assert browser_page.locator("#findings-title").is_visible()
    assert_accessible(browser_page, "alert-edit-findings")

    browser_page.locator("button[name=action][value=indicator]").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator("#findings-title").count() == 0
    browser_page.locator("form[action$='/share/'] button").click()
    browser_page.wait_for_load_state()
    alert = Alert.objects.get()
    assert alert.is_shared and alert.indicators.count() == 1
    assert browser_page.get_by_role("heading", level=1).inner_text() == alert.title
    assert_accessible(browser_page, "alert-detail-author")

    browser_page.goto(f"/portal/alerts/{alert.uuid}/versions/")
    assert_accessible(browser_page, "alert-versions")


def test_quick_flag_and_subscriptions(browser_page: Page, login_as: Callable[..., Any]) -> None:
    world = make_world()
    login_as(Role.PARTNER_ANALYST, world.member_org)
    make_endpoint(world.member_org)
    browser_page.goto("/portal/alerts/quick-flag/")
    assert_accessible(browser_page, "alert-quick-flag")
    browser_page.select_option("select[name=group]", str(world.group.pk))
    browser_page.fill("input[name=title]", "Nieuwe sms over een 'verlopen pas'")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    assert Alert.objects.get().is_quick_flag
    assert_accessible(browser_page, "alert-detail-quick-flag")

    browser_page.goto("/portal/alerts/subscriptions/")
    assert_accessible(browser_page, "alert-subscriptions")


def test_consent_inbox_and_public_warning(browser_page: Page, login_as: Callable[..., Any]) -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.CLEAR, title="Let op: nep-pakketbezorger")
    from ketenwacht.alerts import services

    services.alert_release_request(
        actor=world.author, alert=alert, action="publish", reason="Voor bibliotheken"
    )
    login_as(Role.PARTNER_ANALYST, world.member_org)
    browser_page.goto("/portal/release/")
    assert_accessible(browser_page, "release-inbox")
    browser_page.locator("main ul a").first.click()
    browser_page.wait_for_load_state()
    assert_accessible(browser_page, "release-detail")
    browser_page.select_option("select[name=decision]", "approve")
    browser_page.locator("form[action$='/decide/'] button").click()
    browser_page.wait_for_load_state()
    request = ReleaseRequest.objects.get()
    assert request.decisions.count() == 1

    browser_page.goto(f"/portal/alerts/{alert.uuid}/")
    assert_accessible(browser_page, "alert-detail-member")

    Alert.objects.filter(pk=alert.pk).update(is_public=True)
    browser_page.goto("/warnings/")
    assert browser_page.get_by_role("link", name="Let op: nep-pakketbezorger").is_visible()
    assert_accessible(browser_page, "warnings-list")
    browser_page.goto(f"/warnings/{alert.uuid}/")
    assert_accessible(browser_page, "warnings-detail")


def test_release_request_page(browser_page: Page, login_as: Callable[..., Any]) -> None:
    world = make_world()
    user = login_as(Role.PARTNER_ANALYST, world.author_org)
    from ketenwacht.partners.access import actor_for_user

    alert = make_alert(world, author=actor_for_user(user), marking=Marking.GREEN)
    browser_page.goto(f"/portal/alerts/{alert.uuid}/release/")
    assert_accessible(browser_page, "alert-release-request")
