"""The shared browser fixtures (ketenwacht.browser_testing) for the shield's page tests."""

from ketenwacht.browser_testing import (  # noqa: F401  (pytest fixtures)
    browser_page,
    chromium,
    login_as,
    make_browser_page,
)
