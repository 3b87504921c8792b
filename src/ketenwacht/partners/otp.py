"""Second factor: TOTP devices and static backup codes (django-otp)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django_otp import devices_for_user, match_token
from django_otp.models import Device

from ketenwacht.partners.constants import ROLES_REQUIRING_OTP


def needs_second_factor(user: User | AnonymousUser) -> bool:
    """Staff with a sensitive role must pass a second factor; so must anyone who set one up."""
    if not user.is_authenticated:
        return False
    if user.memberships.filter(role__in=ROLES_REQUIRING_OTP).exists():
        return True
    return any(True for _ in devices_for_user(user, confirmed=True))


def verify_second_factor(user: User, code: str) -> Device | None:
    """The device that accepts ``code`` (a TOTP code or a one-time static backup code)."""
    code = code.strip().replace(" ", "")
    if not code:
        return None
    return match_token(user, code)
