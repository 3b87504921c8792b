"""The shield's public pages and the analysts' queue in Debian Chromium, with axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from ketenwacht.browser_testing import assert_accessible, submit_main_form
from ketenwacht.partners.constants import Role
from ketenwacht.shield.models import Report
from ketenwacht.shield.tests.factories import PHISH_TEXT, make_block

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_submit_form_then_status_page(browser_page: Page) -> None:
    browser_page.goto("/shield/report/")
    assert_accessible(browser_page, "shield-submit")
    submit_main_form(browser_page)  # nothing filled in: the error is explained
    browser_page.wait_for_load_state()
    assert browser_page.locator(".error-summary").count() == 1
    assert_accessible(browser_page, "shield-submit-error")

    browser_page.fill("textarea[name=text]", PHISH_TEXT)
    browser_page.fill("input[name=email]", "melder@example.org")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    report = Report.objects.get()
    assert browser_page.url.endswith(f"/shield/status/{report.reference}/")
    assert str(report.reference) in browser_page.content()
    assert_accessible(browser_page, "shield-status")


def test_warning_page_in_both_languages(make_browser_page: Callable[..., Page]) -> None:
    page = make_browser_page(locale="en-GB")
    page.goto("/shield/warning/?domain=bad-bank.nl")
    assert page.locator("section[lang=nl] h1").inner_text() == "Deze website is geblokkeerd"
    assert page.locator("section[lang=en] h2").first.inner_text() == (
        "This website has been blocked"
    )
    assert_accessible(page, "shield-warning")


def test_appeal_form_and_confirmation(browser_page: Page) -> None:
    make_block(name="bloemen-shop.nl")
    browser_page.goto("/shield/appeal/?domain=bloemen-shop.nl")
    assert_accessible(browser_page, "shield-appeal")
    browser_page.fill("input[name=name]", "Eigenaar")
    browser_page.fill("input[name=email]", "owner@example.org")
    browser_page.fill("textarea[name=statement]", "Dit is al tien jaar mijn bloemenwinkel.")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    assert browser_page.get_by_role("heading", level=1).count() == 1
    assert "bloemen-shop.nl" in browser_page.content()
    assert_accessible(browser_page, "shield-appeal-received")


def test_analyst_queue_and_host_page(browser_page: Page, login_as: Callable[..., Any]) -> None:
    from ketenwacht.partners.access import Actor
    from ketenwacht.shield import services
    from ketenwacht.shield.constants import Channel
    from ketenwacht.shield.models import Host

    services.report_receive(actor=Actor(), channel=Channel.WEB, text=PHISH_TEXT)
    login_as(Role.PARTNER_ANALYST)
    browser_page.goto("/portal/shield/")
    assert "rabobank-verificatie.nl" in browser_page.content()
    assert_accessible(browser_page, "shield-queue")
    browser_page.goto(f"/portal/shield/hosts/{Host.objects.get().pk}/")
    assert_accessible(browser_page, "shield-host")
