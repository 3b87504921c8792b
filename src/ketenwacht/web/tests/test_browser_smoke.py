"""Every page of the web kernel in Debian Chromium, with axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.template.loader import render_to_string

from ketenwacht.browser_testing import (
    MOBILE,
    assert_accessible,
    log_in,
    screenshot,
    submit_main_form,
)
from ketenwacht.partners.access import actor_for_user
from ketenwacht.partners.constants import Role, Scope
from ketenwacht.partners.tests.factories import PASSWORD, make_user
from ketenwacht.web.navigation import DOORS, door_url
from ketenwacht.web.portal import tiles_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _lang(page: Page) -> str | None:
    return page.locator("html").get_attribute("lang")


def _current_nav_label(page: Page) -> str:
    return page.locator(".main-nav [aria-current]").inner_text().strip()


def test_home_in_dutch_then_switched_to_english(browser_page: Page, live_server: Any) -> None:
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    browser_page.goto("/")
    assert _lang(browser_page) == "nl"
    assert browser_page.locator(".door").count() == 3
    assert_accessible(browser_page, "home-nl")

    browser_page.locator("form.language-switch button[value=en]").click()
    browser_page.wait_for_load_state()

    assert _lang(browser_page) == "en"
    assert browser_page.url.endswith("/")
    assert browser_page.get_by_role("heading", level=1).inner_text() == (
        "Together against online fraud"
    )
    assert_accessible(browser_page, "home-en")
    # Stylesheets and fonts came from our own server: nothing from a CDN.
    assert any(url.endswith(".woff2") for url in requested)
    assert [url for url in requested if not url.startswith(live_server.url)] == []


def test_home_follows_an_english_browser_and_switches_back_to_dutch(
    make_browser_page: Callable[..., Page],
) -> None:
    page = make_browser_page(locale="en-GB")
    page.goto("/controleer/")
    assert _lang(page) == "en"

    page.locator("form.language-switch button[value=nl]").click()
    page.wait_for_load_state()

    assert _lang(page) == "nl"
    assert page.url.endswith("/controleer/")  # back on the page where the switch was used


def test_home_on_a_phone(make_browser_page: Callable[..., Page]) -> None:
    page = make_browser_page(viewport=MOBILE)
    page.goto("/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], "the page scrolls sideways on a phone"
    assert_accessible(page, "home-mobile")


def test_accessibility_check_reports_violations(browser_page: Page) -> None:
    """The checker itself: a page with known WCAG failures must not pass."""
    browser_page.goto("/")
    # No inline style here: the Content-Security-Policy (style-src 'self') would drop it.
    browser_page.set_content('<html><body><img src="/static/x.png"><input></body></html>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(browser_page, "known-bad")
    report = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "label"):
        assert rule in report


def test_portal_tables_fit_a_phone(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.ADMIN)
    browser_page.set_viewport_size(MOBILE)
    browser_page.goto("/portal/tokens/")
    browser_page.fill("input[name=name]", "Phone check")
    browser_page.check(f"input[name=scopes][value='{Scope.ORGANISATION_READ.value}']")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    for path, name in (("/portal/tokens/", "tokens-mobile"), ("/portal/audit/", "audit-mobile")):
        browser_page.goto(path)
        width = browser_page.evaluate("document.documentElement.scrollWidth")
        assert width <= MOBILE["width"], f"{path} scrolls sideways on a phone ({width}px)"
        assert_accessible(browser_page, name)


def test_skip_link_is_first_and_moves_focus_to_main(browser_page: Page) -> None:
    browser_page.goto("/")
    browser_page.keyboard.press("Tab")
    focused = browser_page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert browser_page.locator(".nl-skip-link").is_visible()
    screenshot(browser_page, "skip-link-focused")
    browser_page.keyboard.press("Enter")
    assert browser_page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("door", list(DOORS))
def test_each_door_opens_its_service(browser_page: Page, door: str) -> None:
    browser_page.goto("/")
    browser_page.locator(f".door a[href='{door_url(door)}']").click()
    browser_page.wait_for_url(f"**{door_url(door)}")
    assert browser_page.get_by_role("heading", level=1).count() == 1
    assert_accessible(browser_page, f"door-{door}")


def test_login_page_and_its_errors(browser_page: Page) -> None:
    browser_page.goto("/portal/login/")
    assert_accessible(browser_page, "login")
    browser_page.fill("input[name=username]", "nobody")
    browser_page.fill("input[name=password]", "wrong password")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    assert browser_page.locator(".error-summary[role=alert]").is_visible()
    assert_accessible(browser_page, "login-error")


def test_second_factor_page(browser_page: Page) -> None:
    user = make_user(Role.POLICE_ANALYST)
    log_in(browser_page, user.username, PASSWORD, code=None)
    assert browser_page.url.endswith("/portal/login/verify/")
    assert_accessible(browser_page, "login-verify")
    browser_page.fill("input[name=code]", "000000")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    assert browser_page.locator(".field-error").is_visible()
    assert_accessible(browser_page, "login-verify-error")


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.PARTNER_ANALYST, ["/portal/audit/"], ["/portal/tokens/", "/admin/"]),
        (Role.ADMIN, ["/portal/audit/", "/portal/tokens/"], ["/admin/"]),
        (Role.PROGRAMME_TEAM, ["/portal/audit/", "/admin/"], ["/portal/tokens/"]),
    ],
)
def test_portal_home_per_role(
    browser_page: Page,
    login_as: Callable[..., Any],
    role: str,
    shown: list[str],
    hidden: list[str],
) -> None:
    user = login_as(role)
    assert browser_page.url.endswith("/portal/")
    links = browser_page.locator(".tile a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    # Exactly the tiles web.portal grants the role (capabilities add theirs there) ...
    assert links == [tile["url"] for tile in tiles_for(actor_for_user(user))]
    # ... which include and leave out what this role must and must not do.
    assert set(shown) <= set(links)
    assert not set(hidden) & set(links)
    assert _current_nav_label(browser_page) in {"Portal", "Portaal"}
    assert_accessible(browser_page, f"portal-{role}")


def test_tokens_page_create_and_revoke(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.ADMIN)
    browser_page.goto("/portal/tokens/")
    assert_accessible(browser_page, "tokens-empty")
    browser_page.fill("input[name=name]", "Fraud desk feed")
    browser_page.check(f"input[name=scopes][value='{Scope.ORGANISATION_READ.value}']")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    assert browser_page.locator("code.token").inner_text().startswith("kw")
    assert_accessible(browser_page, "tokens-created")
    browser_page.locator("table form button[type=submit]").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator(".messages .alert--success").is_visible()
    assert_accessible(browser_page, "tokens-revoked")


def test_audit_page(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.ADMIN)
    browser_page.goto("/portal/tokens/")
    browser_page.fill("input[name=name]", "Audit me")
    browser_page.check(f"input[name=scopes][value='{Scope.AUDIT_READ.value}']")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    browser_page.goto("/portal/audit/")
    assert browser_page.locator("table tbody tr").count() >= 1
    assert _current_nav_label(browser_page) in {"Audit log", "Auditlog"}
    assert_accessible(browser_page, "audit")


def test_404_page(browser_page: Page) -> None:
    response = browser_page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    assert browser_page.locator("main h1").is_visible()
    assert_accessible(browser_page, "404")


def test_403_page(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.PARTNER_ANALYST)
    response = browser_page.goto("/portal/tokens/")
    assert response is not None and response.status == 403
    assert_accessible(browser_page, "403")


@pytest.mark.parametrize("template", ["400.html", "500.html"])
def test_standalone_error_pages(browser_page: Page, template: str) -> None:
    """Rendered as Django does (no request); loaded on the live server so the CSS resolves."""
    browser_page.goto("/")
    browser_page.set_content(render_to_string(template))
    assert browser_page.locator("[lang=en] h2").is_visible()
    assert_accessible(browser_page, template.replace(".html", ""))


def test_admin_for_programme_team(browser_page: Page, login_as: Callable[..., Any]) -> None:
    login_as(Role.PROGRAMME_TEAM, is_staff=True)
    response = browser_page.goto("/admin/")
    assert response is not None and response.status == 200
    assert "/admin/login/" not in browser_page.url
    assert_accessible(browser_page, "admin-index")
