"""Django admin: programme team (or superuser), staff flag, verified second factor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.test import Client
from django_otp.admin import OTPAdminSite

from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import PASSWORD, make_user
from ketenwacht.web.admin_site import KetenwachtAdminSite

pytestmark = pytest.mark.django_db


def _staff_client(login_client: Callable[..., Client], role: str | None) -> Client:
    client = login_client(role)
    client.user.is_staff = True  # type: ignore[attr-defined]
    client.user.save()  # type: ignore[attr-defined]
    return client


def _is_sent_to_login(response: object) -> bool:
    return response.status_code == 302 and response["Location"].startswith(  # type: ignore[attr-defined,index]
        "/admin/login/"
    )


def test_default_admin_site_is_the_otp_site() -> None:
    assert isinstance(admin.site, KetenwachtAdminSite)
    assert isinstance(admin.site, OTPAdminSite)
    assert admin.site.name == "admin"  # URL names stay admin:…


def test_anonymous_is_sent_to_the_admin_login(client: Client) -> None:
    assert _is_sent_to_login(client.get("/admin/"))


def test_admin_login_page_is_open(client: Client) -> None:
    assert client.get("/admin/login/").status_code == 200


def test_verified_staff_programme_team_gets_in(login_client: Callable[..., Client]) -> None:
    client = _staff_client(login_client, Role.PROGRAMME_TEAM)
    assert client.get("/admin/").status_code == 200


def test_programme_team_without_second_factor_is_refused(db: None) -> None:
    user = make_user(Role.PROGRAMME_TEAM, is_staff=True)
    client = Client()
    client.force_login(user)  # password only: the session is not OTP-verified
    assert _is_sent_to_login(client.get("/admin/"))


def test_programme_team_without_staff_flag_is_refused(
    login_client: Callable[..., Client],
) -> None:
    client = login_client(Role.PROGRAMME_TEAM)
    assert _is_sent_to_login(client.get("/admin/"))


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.DESK_AGENT, None]
)
def test_staff_outside_the_programme_team_is_refused(
    login_client: Callable[..., Client], role: str | None
) -> None:
    client = _staff_client(login_client, role)
    assert _is_sent_to_login(client.get("/admin/"))


def test_verified_superuser_gets_in(login_client: Callable[..., Client]) -> None:
    client = login_client(None)
    client.user.is_staff = True  # type: ignore[attr-defined]
    client.user.is_superuser = True  # type: ignore[attr-defined]
    client.user.save()  # type: ignore[attr-defined]
    assert client.get("/admin/").status_code == 200


def test_password_alone_never_opens_the_admin(client: Client) -> None:
    user = make_user(Role.PROGRAMME_TEAM, is_staff=True)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200  # the login form again, with an error
    assert _is_sent_to_login(client.get("/admin/"))


def test_partner_login_with_backup_code_opens_the_admin(client: Client) -> None:
    user = make_user(Role.PROGRAMME_TEAM, is_staff=True)
    client.post("/portal/login/?next=/admin/", {"username": user.username, "password": PASSWORD})
    response = client.post("/portal/login/verify/", {"code": "backup01"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
