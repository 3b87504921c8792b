"""The public oblivious check page in Debian Chromium: the browser checks privately (the value
never leaves it), falls back to the plain check for what it cannot canonicalise; axe-core."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import pytest
from django.core.cache import cache

from ketenwacht.browser_testing import assert_accessible
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.tests.factories import make_circle
from ketenwacht.privatecheck import services as private
from ketenwacht.privatecheck.tests.conftest import WARNING_IBAN, record, token_actor

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

pytestmark = pytest.mark.browser


def _seed() -> None:
    from django.apps import apps

    importlib.import_module("ketenwacht.knowledge.migrations.0002_seed_fraud_types").seed(
        apps, None
    )
    cache.clear()
    circle = make_circle(members=3)
    for organisation in circle.members[:2]:
        record(token_actor(organisation), WARNING_IBAN, role="beneficiary_account")
    private.enrol_canonicals([canonicalise(WARNING_IBAN)])


def test_the_browser_checks_privately_and_falls_back(browser_page: Page) -> None:
    _seed()
    sent: list[str] = []

    def remember(request: Request) -> None:
        sent.append(request.url + " " + (request.post_data or ""))

    browser_page.on("request", remember)
    browser_page.goto("/controleer/prive/")
    browser_page.wait_for_selector("#private-check-form[data-ready='1']")
    assert_accessible(browser_page, "privatecheck-public-check")

    browser_page.fill("input[name=value]", "NL02 ABNA 0123 4567 89")
    browser_page.locator("#private-check-form button[type=submit]").click()
    result = browser_page.locator("#private-result")
    result.wait_for(state="visible")
    assert result.get_attribute("data-level") == "warning"
    assert "alert--error" in (result.get_attribute("class") or "")
    assert browser_page.url.endswith("/controleer/prive/")  # answered in the page
    assert_accessible(browser_page, "privatecheck-public-check-result")
    evaluations = [s for s in sent if "/api/v1/public/private-check/evaluate" in s]
    buckets = [s for s in sent if "/api/v1/public/private-check/buckets/" in s]
    assert len(evaluations) == 1 and len(buckets) >= 1
    for request in sent:  # the value, in any spelling, never left the browser
        for spelling in ("NL02ABNA0123456789", "0123456789", "NL02 ABNA", "NL02%20ABNA"):
            assert spelling not in request, request

    browser_page.fill("input[name=value]", "+31 6 23456789")
    browser_page.locator("#private-check-form button[type=submit]").click()
    from playwright.sync_api import expect

    expect(browser_page.locator("#private-result")).to_have_attribute("data-level", "none")

    # An e-mail address: the browser cannot canonicalise it with certainty, the plain check answers.
    browser_page.fill("input[name=value]", "iemand@example.nl")
    with browser_page.expect_navigation():
        browser_page.locator("#private-check-form button[type=submit]").click()
    assert browser_page.url.endswith("/controleer/")
    assert browser_page.locator("#result-heading").count() == 1
