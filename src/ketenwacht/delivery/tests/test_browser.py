"""The delivery pages in Debian Chromium, with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from ketenwacht.browser_testing import assert_accessible, submit_main_form
from ketenwacht.delivery.models import Delivery, WebhookEndpoint
from ketenwacht.delivery.tests.factories import DeliveryFactory, WebhookEndpointFactory
from ketenwacht.partners.constants import Role

pytestmark = pytest.mark.browser


def test_dead_letter_listed_inspected_and_retried(
    browser_page: Page, login_as: Callable[..., Any], closed_port_url: str
) -> None:
    user = login_as(Role.ADMIN)
    endpoint = WebhookEndpointFactory.create(
        organisation=user.memberships.get().organisation, url=closed_port_url
    )
    delivery = DeliveryFactory.create(endpoint=endpoint, dead=True, event_type="alert.published")

    browser_page.goto("/portal/deliveries/?status=dead")
    assert browser_page.locator("table tbody tr").count() == 1
    assert_accessible(browser_page, "deliveries-dead")

    browser_page.locator("table tbody a").first.click()
    browser_page.wait_for_load_state()
    assert browser_page.get_by_role("heading", level=1).inner_text().endswith("alert.published")
    assert_accessible(browser_page, "delivery-detail")

    submit_main_form(browser_page)  # "Retry now": the receiver is still down
    browser_page.wait_for_load_state()
    assert browser_page.locator(".messages").is_visible()
    assert browser_page.locator("table tbody tr").count() == 1  # the new attempt
    assert Delivery.objects.get(pk=delivery.pk).attempts == 9
    assert_accessible(browser_page, "delivery-retried")


def test_endpoint_created_with_secret_shown_once(
    browser_page: Page, login_as: Callable[..., Any]
) -> None:
    login_as(Role.ADMIN)
    browser_page.goto("/portal/deliveries/endpoints/")
    assert_accessible(browser_page, "endpoints-empty")

    browser_page.fill("input[name=name]", "Fraud desk")
    browser_page.fill("input[name=url]", "https://soc.bank.example/hooks")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()

    assert browser_page.locator("code.token").inner_text().startswith("kwwh_")
    assert WebhookEndpoint.objects.filter(name="Fraud desk", is_active=True).exists()
    assert_accessible(browser_page, "endpoints-created")
