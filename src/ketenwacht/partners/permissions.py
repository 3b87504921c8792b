"""DRF permission classes. Every API view declares one explicitly; the default denies."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from ketenwacht.partners import access


class DenyAll(permissions.BasePermission):
    """The default: a view that forgets to declare its permission is closed."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class PublicEndpoint(permissions.BasePermission):
    """Explicitly open to everyone (rate limits apply per view)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return True


class TokenHasScope(permissions.BasePermission):
    """An organisation token carrying the view's ``required_scope``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        actor = access.actor_from_request(request)
        if actor.token is None:
            return False
        scope = getattr(view, "required_scope", None)
        if scope is None or scope not in actor.scopes:
            raise exceptions.PermissionDenied(
                f"Deze token mist de scope '{scope}'. / This token lacks the scope '{scope}'.",
                code="scope_missing",
            )
        return True
