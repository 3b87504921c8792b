"""Public home, door pages, portal home per role, base layout and the language switch."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import make_token
from ketenwacht.web.navigation import door_url

pytestmark = pytest.mark.django_db

DOORS = ["intake", "check", "shield"]


def _html_lang(content: bytes) -> str:
    match = re.search(rb'<html lang="([a-z-]+)"', content)
    assert match, "no lang attribute on <html>"
    return match.group(1).decode()


def _current_links(content: bytes) -> list[tuple[str, str]]:
    return [
        (href.decode(), value.decode())
        for href, value in re.findall(rb'href="([^"]+)" aria-current="([a-z]+)"', content)
    ]


def test_home_shows_the_three_doors(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    for door in DOORS:
        assert f'href="{door_url(door)}"'.encode() in response.content
    assert response.content.count(b'class="door"') == 3


def test_skip_link_is_the_first_link_and_targets_main(client: Client) -> None:
    content = client.get("/").content.decode()
    body = content[content.index("<body>") :]
    first_link = re.search(r"<a [^>]*>", body)
    assert first_link is not None
    assert 'href="#main"' in first_link.group(0)
    assert "nl-skip-link" in first_link.group(0)
    assert '<main id="main"' in body


@pytest.fixture
def site_default_dutch(settings: Any) -> None:
    """The site's own default (base.py); the test settings default to English msgids."""
    settings.LANGUAGE_CODE = "nl"


def test_dutch_is_the_default_language(client: Client, site_default_dutch: None) -> None:
    assert _html_lang(client.get("/").content) == "nl"


def test_language_switch_form_posts_to_set_language_and_comes_back(
    client: Client, site_default_dutch: None
) -> None:
    content = client.get("/controleer/").content.decode()
    form = re.search(r'<form class="language-switch" action="([^"]+)" method="post"', content)
    assert form is not None and form.group(1) == "/i18n/setlang/"
    assert '<input name="next" type="hidden" value="/controleer/">' in content
    assert 'name="language" value="en" lang="en"' in content

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/controleer/"})

    assert response.status_code == 302
    assert response["Location"] == "/controleer/"
    assert _html_lang(client.get("/controleer/").content) == "en"
    # Now the switch offers Dutch.
    assert 'name="language" value="nl" lang="nl"' in client.get("/").content.decode()


def test_language_switch_does_not_redirect_off_site(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://phish.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_english_browser_gets_english_until_switched(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert _html_lang(response.content) == "en"


@pytest.mark.parametrize(
    ("door", "service"),
    [("intake", "/melden/"), ("check", "/controleer/"), ("shield", "/shield/report/")],
)
def test_door_links_send_visitors_on_to_the_service(
    client: Client, door: str, service: str
) -> None:
    response = client.get(f"/start/{door}/")
    assert response.status_code == 302
    assert response["Location"] == door_url(door) == service


def test_unknown_door_is_404(client: Client) -> None:
    response = client.get("/start/elsewhere/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_home_marks_home_as_current_page(client: Client) -> None:
    assert _current_links(client.get("/").content) == [("/", "page")]


def test_public_navigation_offers_login_not_logout(client: Client) -> None:
    content = client.get("/").content
    assert b'href="/portal/login/"' in content
    assert b'action="/portal/logout/"' not in content


def test_messages_region_is_a_status_live_region(login_client: Callable[..., Client]) -> None:
    client = login_client(Role.ADMIN)
    organisation = client.user.memberships.get().organisation  # type: ignore[attr-defined]
    token, _secret = make_token(organisation=organisation)
    response = client.post(f"/portal/tokens/{token.key_id}/revoke/", follow=True)
    content = response.content.decode()
    region = re.search(r'<div class="messages" role="status">(.*?)</div>', content, re.S)
    assert region is not None
    assert "alert--success" in region.group(1)


@pytest.mark.parametrize(
    ("role", "must_show", "must_hide"),
    [
        (Role.PARTNER_ANALYST, ["/portal/audit/"], ["/portal/tokens/", "/admin/"]),
        (Role.DESK_AGENT, ["/portal/audit/"], ["/portal/tokens/", "/admin/"]),
        (Role.POLICE_ANALYST, ["/portal/audit/"], ["/portal/tokens/", "/admin/"]),
        (Role.ADMIN, ["/portal/audit/", "/portal/tokens/"], ["/admin/"]),
        (Role.PROGRAMME_TEAM, ["/portal/audit/", "/admin/"], ["/portal/tokens/"]),
    ],
)
def test_portal_home_tiles_per_role(
    login_client: Callable[..., Client], role: str, must_show: list[str], must_hide: list[str]
) -> None:
    client = login_client(role)
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    tiles = re.findall(rb'class="tile__link" href="([^"]+)"', response.content)
    tile_urls = [url.decode() for url in tiles]
    assert set(must_show) <= set(tile_urls)
    assert not set(must_hide) & set(tile_urls)
    # Staff navigation: the portal and the same tasks; the logout button; no login link.
    nav = response.content.split(b'class="main-nav"')[1].split(b"</nav>")[0]
    for url in tile_urls:
        assert f'href="{url}"'.encode() in nav
    assert _current_links(response.content) == [("/portal/", "page")]
    assert b'action="/portal/logout/"' in response.content
    assert b'href="/portal/login/"' not in response.content


def test_portal_home_needs_login(client: Client) -> None:
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/?next=")
