"""Page access: every portal view declares the permission it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ketenwacht.partners import access
from ketenwacht.partners.otp import needs_second_factor

View = Callable[..., HttpResponse]


def portal_permission(permission: str) -> Callable[[View], View]:
    """Login (with second factor where the role requires it) and a named permission."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needs_second_factor(user) and not user.is_verified():  # type: ignore[attr-defined]
                return redirect_to_login(request.get_full_path())
            actor = access.actor_from_request(request)
            if not access.can(actor, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public_page(view: View) -> View:
    """Explicitly open to everyone; the permission-matrix test reads this marker."""
    view.required_permission = "public"  # type: ignore[attr-defined]
    return view
