"""Public home with the three doors, and the portal home per role."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.decorators import portal_permission, public_page
from ketenwacht.web.navigation import DOORS, door_url
from ketenwacht.web.portal import tiles_for


@public_page
def home_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@public_page
def door_view(request: HttpRequest, door: str) -> HttpResponse:
    """``/start/<door>/`` links (printed on flyers) keep working: on to the service."""
    if door not in DOORS:
        raise Http404
    return redirect(door_url(door))


@portal_permission("portal.view")
def portal_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    role_labels = [Role(role).label for role in sorted(actor.roles)]
    context = {"actor": actor, "tiles": tiles_for(actor), "role_labels": role_labels}
    return render(request, "web/portal.html", context)
