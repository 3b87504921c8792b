"""API access for portal users (session + second factor), for endpoints that need a person.

Reveals are decided by a person's role and agreement (``partners.access.may_see_raw_values``);
tokens never hold roles, so such endpoints authenticate the portal session instead.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from ketenwacht.partners import access
from ketenwacht.partners.otp import needs_second_factor


class StaffSessionAuthentication(SessionAuthentication):
    """Django's session with CSRF enforced; ``WWW-Authenticate`` makes refusals a 401."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="ketenwacht"'


class PortalPermission(permissions.BasePermission):
    """A logged-in user who passed the second factor where required and holds the view's
    ``required_permission`` (a name from ``partners.access.PERMISSIONS``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if needs_second_factor(user) and not getattr(user, "is_verified", lambda: False)():
            return False
        permission = getattr(view, "required_permission", None)
        return permission is not None and access.can(access.actor_from_request(request), permission)


class StaffSessionScheme(SessionScheme):
    """OpenAPI: the portal session cookie (Django's ``sessionid``) of the reveal endpoint."""

    target_class = "ketenwacht.identifiers.api.permissions.StaffSessionAuthentication"
    name = "portalSession"
