from ketenwacht.browser_testing import (  # noqa: F401  (pytest fixtures for test_browser)
    browser_page,
    chromium,
    login_as,
    make_browser_page,
)
