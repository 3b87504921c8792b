"""Template context shared by every page: the actor and the main navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ketenwacht.partners import access
from ketenwacht.web.navigation import main_navigation


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    actor = access.actor_from_request(request)
    return {
        # Templates test ``{% if actor %}`` to tell staff from the public.
        "actor": actor if user is not None and user.is_authenticated else None,
        "main_navigation": main_navigation(request.path, actor),
    }
