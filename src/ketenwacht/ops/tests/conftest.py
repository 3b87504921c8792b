from ketenwacht.browser_testing import (  # noqa: F401 - fixtures for test_browser_csp.py
    browser_page,
    chromium,
    login_as,
    make_browser_page,
)
