"""The main navigation marks exactly one item current."""

from __future__ import annotations

import pytest

from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import actor_with_role
from ketenwacht.web.navigation import DOORS, door_url, main_navigation


def _current(path: str, actor: Actor) -> list[tuple[str, str]]:
    return [(item.url, item.current) for item in main_navigation(path, actor) if item.current]


def test_public_navigation_lists_home_doors_and_login() -> None:
    urls = [item.url for item in main_navigation("/", Actor())]
    assert urls == ["/", *(door_url(door) for door in DOORS), "/portal/login/"]
    assert door_url("check") == "/controleer/"  # a door whose service has opened


def test_the_page_itself_is_current() -> None:
    assert _current("/controleer/", Actor()) == [("/controleer/", "page")]


def test_home_is_never_a_section_of_other_pages() -> None:
    assert _current("/somewhere/else/", Actor()) == []


@pytest.mark.django_db
def test_deeper_page_marks_its_section_only() -> None:
    actor = actor_with_role(Role.ADMIN)
    # /portal/ and /portal/tokens/ are both prefixes; only the longest one is marked.
    assert _current("/portal/tokens/kw123/revoke/", actor) == [("/portal/tokens/", "true")]


@pytest.mark.django_db
def test_staff_navigation_starts_with_the_portal_and_has_no_public_login() -> None:
    actor = actor_with_role(Role.PARTNER_ANALYST)
    items = main_navigation("/portal/", actor)
    assert items[0].url == "/portal/"
    assert "/portal/login/" not in [item.url for item in items]
