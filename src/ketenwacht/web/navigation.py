"""The main navigation: the public doors for everyone, the portal tasks for staff.

Exactly one item is marked current: the one whose URL is the page itself (``aria-current="page"``)
or, on a deeper page, the item whose URL is the longest prefix of it (``aria-current="true"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ketenwacht.partners.access import Actor
from ketenwacht.web.portal import tiles_for

DOORS: dict[str, str | Promise] = {
    "intake": _("I have been scammed"),
    "check": _("Check before you pay"),
    "shield": _("Forward a suspicious message"),
}


# Each door leads to its service.
DOOR_URLS: dict[str, str] = {
    "intake": "intake:start",
    "check": "identifiers:public_check",
    "shield": "shield:submit",
}


def door_url(door: str) -> str:
    return reverse(DOOR_URLS[door])


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    current: str = ""


def _public_links(actor: Actor) -> list[tuple[str, str]]:
    links = [(reverse("web:home"), str(_("Home")))]
    links += [(door_url(door), str(label)) for door, label in DOORS.items()]
    if actor.user is None:
        links.append((reverse("partners:login"), str(_("Partner login"))))
    return links


def _portal_links(actor: Actor) -> list[tuple[str, str]]:
    links = [(reverse("web:portal"), str(_("Portal")))]
    links += [(tile["url"], tile["title"]) for tile in tiles_for(actor)]
    return links


def _current_url(path: str, urls: list[str]) -> tuple[str, str]:
    """The URL to mark and how: the page itself, else the section it belongs to."""
    if path in urls:
        return path, "page"
    sections = [url for url in urls if url != "/" and path.startswith(url)]
    if sections:
        return max(sections, key=len), "true"
    return "", ""


def main_navigation(path: str, actor: Actor) -> list[NavItem]:
    """Staff see their portal tasks; everyone else sees the public doors."""
    links = _portal_links(actor) if actor.user is not None else _public_links(actor)
    current_url, current = _current_url(path, [url for url, _label in links])
    return [
        NavItem(url=url, label=label, current=current if url == current_url else "")
        for url, label in links
    ]
