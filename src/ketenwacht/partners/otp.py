"""Second factor: TOTP devices and static backup codes (django-otp)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.partners.constants import ROLES_REQUIRING_OTP


def needs_second_factor(user: User | AnonymousUser) -> bool:
    """Staff with a sensitive role must pass a second factor; so must anyone who set one up."""
    if not user.is_authenticated:
        return False
    if user.memberships.filter(role__in=ROLES_REQUIRING_OTP).exists():
        return True
    return has_second_factor_device(user)


def has_second_factor_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def _candidate_devices(user: User, code: str) -> list[Device]:
    """Offer the code only to devices of its kind.

    ``django_otp.match_token`` tries every device, so a backup code counts as a failed TOTP
    attempt (and a wrong TOTP code as a failed backup code), which throttles the other device
    and makes the next correct code fail. TOTP codes are all digits of the device's length;
    anything else can only be a static backup code. The rows are locked so two concurrent
    logins cannot both use the same backup code or replay the same TOTP code.
    """
    if code.isascii() and code.isdigit():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        matching: list[Device] = [device for device in totp if len(code) == device.digits]
        if matching:
            return matching
    return list(StaticDevice.objects.select_for_update().filter(user=user, confirmed=True))


def verify_second_factor(user: User, code: str) -> Device | None:
    """The device that accepts ``code`` (a TOTP code or a one-time static backup code)."""
    code = code.strip().replace(" ", "")
    if not code:
        return None
    # verify_token writes (throttle counters, used backup codes); keep each attempt atomic.
    with transaction.atomic():
        for device in _candidate_devices(user, code):
            if device.verify_token(code):
                return device
    return None
