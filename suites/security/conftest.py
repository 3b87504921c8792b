"""Logged-in clients for the security suite (as ``src/ketenwacht/conftest.py`` makes them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def login_client(db: None) -> Callable[..., Client]:
    """A client logged in as a fresh user with ``role`` who has passed the second factor."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ketenwacht.partners.tests.factories import make_user

    def _login(role: str | None, organisation: Any = None) -> Client:
        user = make_user(role, organisation)
        client = Client()
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
        return client

    return _login
