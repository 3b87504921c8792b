"""Staff login: password, second factor by role, backup codes, throttling, safe redirects."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import (
    PASSWORD,
    OrganisationFactory,
    make_user,
    totp_code,
)

pytestmark = pytest.mark.django_db

LOGIN = "/portal/login/"
VERIFY = "/portal/login/verify/"
PORTAL = "/portal/"
OTP_ROLES = [Role.PROGRAMME_TEAM, Role.POLICE_ANALYST, Role.ADMIN]


def password_step(
    client: Client, user: Any, *, password: str = PASSWORD, next_url: str = ""
) -> Any:
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    return client.post(url, {"username": user.username, "password": password})


def code_step(client: Client, code: str) -> Any:
    return client.post(VERIFY, {"code": code})


def logged_in_user_id(client: Client) -> str | None:
    value = client.session.get(SESSION_KEY)
    return str(value) if value is not None else None


def page_errors(response: Any) -> list[str]:
    form = response.context["form"]
    return [str(error) for errors in form.errors.values() for error in errors]


# --- password only -----------------------------------------------------------------------------


def test_login_page_renders_the_form() -> None:
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("role", [Role.PARTNER_ANALYST, Role.DESK_AGENT])
def test_password_suffices_for_roles_without_second_factor(role: str) -> None:
    user = make_user(role, devices=False)
    client = Client()
    response = password_step(client, user)
    assert response.status_code == 302
    assert response["Location"] == PORTAL
    assert logged_in_user_id(client) == str(user.pk)
    assert client.get(PORTAL).status_code == 200


def test_wrong_password_shows_a_message_and_logs_nobody_in() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    client = Client()
    response = password_step(client, user, password="wrong password")
    assert response.status_code == 200
    assert page_errors(response) == ["Username or password is incorrect."]
    assert logged_in_user_id(client) is None


def test_inactive_user_cannot_log_in() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False, is_active=False)
    client = Client()
    response = password_step(client, user)
    assert page_errors(response) == ["Username or password is incorrect."]
    assert logged_in_user_id(client) is None


def test_login_cycles_the_session_key() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["marker"] = "before"
    session.save()
    before = session.session_key
    password_step(client, user)
    assert client.session.session_key != before


# --- memberships -------------------------------------------------------------------------------


def test_user_without_membership_gets_a_message() -> None:
    user = make_user(None, devices=False)
    client = Client()
    response = password_step(client, user)
    assert response.status_code == 200
    assert page_errors(response) == ["Your account is not linked to any organisation yet."]
    assert b"not linked to any organisation" in response.content
    assert logged_in_user_id(client) is None


def test_user_of_an_inactive_organisation_gets_the_same_message() -> None:
    organisation = OrganisationFactory.create(is_active=False)
    user = make_user(Role.PARTNER_ANALYST, organisation, devices=False)
    response = password_step(Client(), user)
    assert page_errors(response) == ["Your account is not linked to any organisation yet."]


# --- second factor -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTP_ROLES)
def test_sensitive_roles_need_the_second_factor(role: str) -> None:
    user = make_user(role)
    client = Client()

    response = password_step(client, user)

    assert response.status_code == 302 and response["Location"] == VERIFY
    assert logged_in_user_id(client) is None
    assert client.get(PORTAL)["Location"].startswith(f"{LOGIN}?next=")

    response = code_step(client, totp_code(user))

    assert response.status_code == 302 and response["Location"] == PORTAL
    assert logged_in_user_id(client) == str(user.pk)
    assert client.get(PORTAL).status_code == 200


def test_partner_analyst_with_a_device_uses_it_too() -> None:
    user = make_user(Role.PARTNER_ANALYST)
    client = Client()
    assert password_step(client, user)["Location"] == VERIFY
    assert code_step(client, totp_code(user))["Location"] == PORTAL


def test_sensitive_role_without_any_device_is_told_so() -> None:
    user = make_user(Role.POLICE_ANALYST, devices=False)
    client = Client()
    response = password_step(client, user)
    assert response.status_code == 200
    assert "requires a second factor" in page_errors(response)[0]
    assert logged_in_user_id(client) is None


def test_wrong_code_is_refused() -> None:
    user = make_user(Role.ADMIN)
    client = Client()
    password_step(client, user)
    wrong = f"{(int(totp_code(user)) + 1) % 1_000_000:06d}"
    response = code_step(client, wrong)
    assert response.status_code == 200
    assert page_errors(response) == ["This code is not correct or has already been used."]
    assert logged_in_user_id(client) is None


def test_a_totp_code_cannot_be_replayed() -> None:
    user = make_user(Role.ADMIN)
    code = totp_code(user)
    first = Client()
    password_step(first, user)
    assert code_step(first, code).status_code == 302

    second = Client()
    password_step(second, user)
    response = code_step(second, code)
    assert response.status_code == 200
    assert logged_in_user_id(second) is None


def test_backup_code_works_once() -> None:
    user = make_user(Role.PROGRAMME_TEAM)
    client = Client()
    password_step(client, user)
    assert code_step(client, "backup01")["Location"] == PORTAL
    assert not StaticToken.objects.filter(device__user=user, token="backup01").exists()

    again = Client()
    password_step(again, user)
    response = code_step(again, "backup01")
    assert response.status_code == 200
    assert page_errors(response) == ["This code is not correct or has already been used."]
    # django-otp delays a device's next attempt by a second after a failure.
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert code_step(again, "backup02")["Location"] == PORTAL


def test_totp_works_right_after_a_backup_code() -> None:
    """A backup code must not count as a failed TOTP attempt (django-otp throttles those)."""
    user = make_user(Role.PROGRAMME_TEAM)
    first = Client()
    password_step(first, user)
    assert code_step(first, "backup01").status_code == 302
    device = TOTPDevice.objects.get(user=user)
    assert device.throttling_failure_count == 0

    second = Client()
    password_step(second, user)
    assert code_step(second, totp_code(user))["Location"] == PORTAL


def test_verify_page_without_a_password_step_goes_back_to_login() -> None:
    response = Client().get(VERIFY)
    assert response.status_code == 302 and response["Location"] == "/portal/login/"


def test_the_password_step_expires() -> None:
    user = make_user(Role.ADMIN)
    client = Client()
    password_step(client, user)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = code_step(client, totp_code(user, at=time.time()))
        assert response.status_code == 302 and response["Location"] == "/portal/login/"
        assert logged_in_user_id(client) is None


def test_pending_login_is_forgotten_after_success() -> None:
    user = make_user(Role.ADMIN)
    client = Client()
    password_step(client, user)
    code_step(client, totp_code(user))
    assert not any(key.startswith("ketenwacht_pending") for key, _value in client.session.items())


# --- throttling --------------------------------------------------------------------------------


def test_throttling_after_repeated_failures() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    client = Client()
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert password_step(client, user, password="wrong").status_code == 200

    response = password_step(client, user)  # even the right password is refused now

    assert response.status_code == 429
    [message] = page_errors(response)
    assert message.startswith("Too many failed attempts.")
    assert "15 minutes" in message
    assert logged_in_user_id(client) is None


def test_throttle_counts_per_username_across_addresses() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    for attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        client = Client(REMOTE_ADDR=f"192.0.2.{attempt + 1}")
        password_step(client, user, password="wrong")
    fresh = Client(REMOTE_ADDR="198.51.100.7")
    assert password_step(fresh, user).status_code == 429


def test_throttle_counts_per_address_across_usernames() -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        client.post(LOGIN, {"username": f"guess{attempt}", "password": "wrong"})
    victim = make_user(Role.PARTNER_ANALYST, devices=False)
    assert password_step(client, victim).status_code == 429
    assert password_step(Client(REMOTE_ADDR="203.0.113.10"), victim).status_code == 302


def test_throttle_ends_after_the_window() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    client = Client()
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        password_step(client, user, password="wrong")
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS + 1)
    ):
        assert password_step(client, user).status_code == 302


def test_second_factor_attempts_are_throttled() -> None:
    user = make_user(Role.ADMIN)
    client = Client()
    password_step(client, user)
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert code_step(client, "000000x").status_code == 200
    response = code_step(client, totp_code(user))
    assert response.status_code == 429
    assert logged_in_user_id(client) is None


def test_success_clears_earlier_failures() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS - 1):
        password_step(Client(), user, password="wrong")
    password_step(Client(), user)
    for _attempt in range(settings.LOGIN_THROTTLE_ATTEMPTS - 1):
        password_step(Client(), user, password="wrong")
    assert password_step(Client(), user).status_code == 302


# --- where to go after login -------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/portal/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
    ],
)
def test_next_may_not_leave_the_site(next_url: str) -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    response = password_step(Client(), user, next_url=next_url)
    assert response["Location"] == PORTAL


def test_next_within_the_site_is_followed() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    response = password_step(Client(), user, next_url="/portal/audit/")
    assert response["Location"] == "/portal/audit/"


@pytest.mark.parametrize(
    ("next_url", "expected"), [("/portal/audit/", "/portal/audit/"), ("//evil.example/", PORTAL)]
)
def test_next_survives_the_second_factor_only_when_safe(next_url: str, expected: str) -> None:
    user = make_user(Role.ADMIN)
    client = Client()
    password_step(client, user, next_url=next_url)
    assert code_step(client, totp_code(user))["Location"] == expected


def test_logout_ends_the_session() -> None:
    user = make_user(Role.PARTNER_ANALYST, devices=False)
    client = Client()
    password_step(client, user)
    response = client.post("/portal/logout/")
    assert response.status_code == 302
    assert logged_in_user_id(client) is None
    assert client.get(PORTAL).status_code == 302
