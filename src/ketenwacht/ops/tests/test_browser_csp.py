"""The Content-Security-Policy does not break pages: Chromium reports no violation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse

from ketenwacht.partners.constants import Role

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "web:home",
    "partners:login",
    "intake:start",
    "identifiers:public_check",
    "warnings:list",
    "knowledge_public:index",
    "shield:submit",
]
PORTAL_PAGES = ["web:portal", "knowledge:index", "alerts:list", "audit:events"]


def _collect_csp_violations(page: Page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def _visit(page: Page, live_server: Any, names: list[str]) -> dict[str, list[str]]:
    violations = _collect_csp_violations(page)
    found: dict[str, list[str]] = {}
    for name in names:
        violations.clear()
        response = page.goto(live_server.url + reverse(name))
        assert response is not None and response.status < 400, (name, response)
        page.wait_for_load_state("networkidle")
        if violations:
            found[name] = list(violations)
    return found


@pytest.mark.django_db(transaction=True)
def test_public_pages_run_under_the_policy(browser_page: Page, live_server: Any) -> None:
    assert _visit(browser_page, live_server, PUBLIC_PAGES) == {}


@pytest.mark.django_db(transaction=True)
def test_portal_pages_run_under_the_policy(
    browser_page: Page, live_server: Any, login_as: Callable[..., Any]
) -> None:
    login_as(Role.PROGRAMME_TEAM)
    assert _visit(browser_page, live_server, PORTAL_PAGES) == {}


@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_under_its_relaxed_policy(browser_page: Page, live_server: Any) -> None:
    violations = _collect_csp_violations(browser_page)
    browser_page.goto(live_server.url + reverse("api-docs"))
    browser_page.locator(".swagger-ui .info").wait_for()
    assert violations == []
