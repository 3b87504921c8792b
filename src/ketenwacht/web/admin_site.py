"""Django admin for the programme team only, behind a verified second factor.

``WebConfig.ready`` turns the default ``admin.site`` into this class, so every ModelAdmin
registered anywhere lands behind the same checks:

1. Django's own: an active user with the staff flag;
2. django-otp's ``OTPAdminSite``: the session passed a second factor (TOTP or a backup code);
3. ours: the user holds the programme-team role in an active organisation, or is a superuser
   (the operators' break-glass account, which needs a confirmed device as well).

How staff get a verified session: the partner login (``/portal/login/``) asks for the second
factor and is throttled. ``partners.admin`` closes the admin's own login form for that reason
(``PortalOnlyAdminLoginForm``); when the login form is django-otp's, it asks for the code
itself. A superuser made with ``createsuperuser`` needs a device first, e.g.
``manage.py addstatictoken <username>`` (django-otp) prints a backup code.
"""

from __future__ import annotations

import contextlib

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite
from django_otp.forms import OTPAuthenticationFormMixin

from ketenwacht.partners import access

ADMIN_PERMISSION = "organisation.manage_all"
OTP_LOGIN_TEMPLATE = OTPAdminSite.login_template
DJANGO_LOGIN_TEMPLATE = "admin/login.html"


def is_programme_team(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or access.can(access.actor_for_user(user), ADMIN_PERMISSION)


class KetenwachtAdminSite(OTPAdminSite):
    site_header = _("Ketenwacht administration")
    site_title = _("Ketenwacht administration")
    index_title = _("Programme team")
    site_url = "/portal/"

    @property
    def login_template(self) -> str:
        """django-otp's template only fits its own form (it renders the code field)."""
        form = self.login_form
        if form is not None and issubclass(form, OTPAuthenticationFormMixin):
            return OTP_LOGIN_TEMPLATE
        return DJANGO_LOGIN_TEMPLATE

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and is_programme_team(request.user)


def install_on_default_site() -> None:
    """Swap the class of the existing ``admin.site``: registrations made on it are kept.

    A ``has_permission`` set on the instance (``partners.admin`` sets django-otp's rule:
    active staff, verified) would hide the class's rule, which includes it and adds the
    programme-team check; so the instance attribute goes.
    """
    from django.contrib import admin

    admin.site.__class__ = KetenwachtAdminSite
    with contextlib.suppress(AttributeError):  # nothing set on the instance
        del admin.site.has_permission
