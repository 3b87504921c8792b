"""Browser tests: Debian's Chromium driven by Playwright, axe-core for WCAG 2.1 AA.

Nothing is downloaded: Playwright starts the system browser (``/usr/bin/chromium``, from the
Debian package ``chromium``; CI installs it), and axe-core ships inside
``axe-playwright-python``. Without the browser the tests using these fixtures are skipped with
the reason.

Use in a test module (or an app's ``tests/conftest.py``)::

    from ketenwacht.browser_testing import (  # noqa: F401  (fixtures)
        browser_page, chromium, login_as, make_browser_page,
    )
    from ketenwacht.browser_testing import assert_accessible

    pytestmark = pytest.mark.browser

    def test_home(browser_page):
        browser_page.goto("/")
        assert_accessible(browser_page, "home")

Pages are served by pytest-django's ``live_server`` (transactional database). Playwright's
sync API keeps an event loop running in the test thread, which makes Django refuse ORM calls
there (SynchronousOnlyOperation); the browser fixture therefore sets
``DJANGO_ALLOW_ASYNC_UNSAFE`` while it lives, as is common practice for this combination.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

CHROMIUM = Path(os.environ.get("KETENWACHT_CHROMIUM", "/usr/bin/chromium"))
# As root the sandbox must be off; the rest stops Chromium calling hosts it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEFAULT_TIMEOUT_MS = 10_000
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
MOBILE: ViewportSize = {"width": 375, "height": 740}
# Codes of the static backup device ``partners.tests.factories.make_user`` gives every user.
BACKUP_CODES = ("backup01", "backup02")


def artifacts_dir() -> Path:
    """``test-artifacts/screenshots`` in the checkout (git-ignored); CI can keep it."""
    path = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot of the current state, kept as a test artefact."""
    path = artifacts_dir() / f"{_file_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def format_violations(violations: list[dict[str, Any]]) -> str:
    """One line per rule, then the offending elements: readable in a pytest failure."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = ", ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"       {node.get('html', '')[:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds no WCAG 2.0/2.1 A or AA violation on the page as it is now.

    Saves a screenshot named ``name`` first, so a failure can be looked at.
    """
    from axe_playwright_python.sync_playwright import Axe

    screenshot(page, name)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    violations = results.response["violations"]
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole test session."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run this test")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev lock installs it
        pytest.skip("playwright is not installed (pip install playwright)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def make_browser_page(chromium: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """New pages on the live server, each in its own context (cookies, language).

    ``locale`` sets the browser's Accept-Language, which Django uses until a language is
    chosen with the switch; ``viewport`` defaults to a desktop window.
    """
    contexts = []

    def _make(locale: str = "nl-NL", viewport: ViewportSize | None = None) -> Page:
        context = chromium.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=viewport or DESKTOP,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(make_browser_page: Callable[..., Page]) -> Page:
    """A page on the live server, Dutch (the site's first language), desktop size."""
    return make_browser_page()


def submit_main_form(page: Page) -> None:
    """Press the submit button of the form in <main> (the header has forms of its own)."""
    page.locator("main form button[type=submit]").first.click()


def log_in(page: Page, username: str, password: str, code: str | None = BACKUP_CODES[0]) -> None:
    """Through the real login form and, where asked, the second-factor form."""
    page.goto("/portal/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit_main_form(page)
    page.wait_for_load_state()
    if code is not None and "/login/verify/" in page.url:
        page.fill("input[name=code]", code)
        submit_main_form(page)
        page.wait_for_load_state()


@pytest.fixture
def login_as(browser_page: Page) -> Callable[..., Any]:
    """Log ``browser_page`` in as a fresh user with ``role``; returns the user.

    The user comes from ``partners.tests.factories.make_user`` (password ``PASSWORD``, backup
    codes ``backup01``/``backup02``); the login passes the second factor with a backup code.
    """
    from ketenwacht.partners.tests.factories import PASSWORD, make_user

    def _login(role: str | None, organisation: Any = None, **user_fields: Any) -> Any:
        user = make_user(role, organisation, **user_fields)
        log_in(browser_page, user.get_username(), PASSWORD)
        return user

    return _login
