"""Template context shared by every page: the actor's portal navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ketenwacht.partners import access


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"actor": None}
    return {"actor": access.actor_from_request(request)}
