"""Fixtures shared by every app's tests.

The browser fixtures are imported here, and only here: a session-scoped fixture imported into
several conftest files becomes several fixtures, and a second Playwright started in the same
process fails ("Sync API inside the asyncio loop").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenwacht.browser_testing import (  # noqa: F401  (browser fixtures, defined once)
    browser_page,
    chromium,
    login_as,
    make_browser_page,
)
from ketenwacht.partners.tests.factories import make_user


@pytest.fixture(autouse=True)
def _catalogue_of_this_test() -> None:
    """Each test reads the fraud types its own database holds: a rolled-back test's rows
    must not linger in the process's copy of the catalogue (``knowledge.selectors``)."""
    from ketenwacht.knowledge.selectors import forget_catalogue

    forget_catalogue()


@pytest.fixture
def login_client(db: None) -> Callable[..., Client]:
    """A client logged in as a fresh user with ``role`` who has passed the second factor."""

    def _login(role: str | None, organisation: Any = None) -> Client:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = make_user(role, organisation)
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
        client.user = user  # type: ignore[attr-defined]
        return client

    return _login
