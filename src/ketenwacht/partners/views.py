"""Staff login with a second factor, logout, and the organisation's API tokens."""

from __future__ import annotations

import time
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from ketenwacht.errors import DomainError
from ketenwacht.partners import access, selectors, services, throttle
from ketenwacht.partners.decorators import portal_permission, public_page
from ketenwacht.partners.forms import LoginForm, SecondFactorForm, TokenCreateForm
from ketenwacht.partners.otp import (
    has_second_factor_device,
    needs_second_factor,
    verify_second_factor,
)

PENDING_USER_KEY = "ketenwacht_pending_user"
PENDING_NEXT_KEY = "ketenwacht_pending_next"
PENDING_SINCE_KEY = "ketenwacht_pending_since"
# How long a correct password stays good for entering the second factor.
PENDING_SECONDS = 5 * 60


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Only same-host paths: ``next`` must not send a fresh login to another site."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked_response(
    request: HttpRequest, form: LoginForm | SecondFactorForm, template: str
) -> HttpResponse:
    minutes = max(1, -(-settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60))
    form.add_error(
        None,
        ngettext(
            "Too many failed attempts. Wait %(minutes)d minute and try again.",
            "Too many failed attempts. Wait %(minutes)d minutes and try again.",
            minutes,
        )
        % {"minutes": minutes},
    )
    return render(request, template, {"form": form}, status=429)


def _password_step_error(user: User) -> str | None:
    """Why a user with the right password still cannot log in, if anything."""
    has_membership = user.memberships.filter(organisation__is_active=True).exists()
    if not has_membership and not user.is_superuser:
        return _("Your account is not linked to any organisation yet.")
    if needs_second_factor(user) and not has_second_factor_device(user):
        return _(
            "Your role requires a second factor, but none has been set up for your account. "
            "Ask your organisation's administrator to set one up."
        )
    return None


def _start_second_factor(request: HttpRequest, user: User) -> HttpResponse:
    request.session.cycle_key()
    request.session[PENDING_USER_KEY] = user.pk
    request.session[PENDING_NEXT_KEY] = _safe_next(request, request.GET.get("next"))
    request.session[PENDING_SINCE_KEY] = int(time.time())
    return redirect("partners:login_verify")


def _pending_user_id(request: HttpRequest) -> int | None:
    """The user who passed the password step in this session, while that is recent."""
    since = request.session.get(PENDING_SINCE_KEY)
    if since is None or time.time() - since > PENDING_SECONDS:
        _forget_pending(request)
        return None
    user_id = request.session.get(PENDING_USER_KEY)
    return int(user_id) if user_id is not None else None


def _forget_pending(request: HttpRequest) -> str:
    for key in (PENDING_USER_KEY, PENDING_SINCE_KEY):
        request.session.pop(key, None)
    next_url: str = request.session.pop(PENDING_NEXT_KEY, None) or resolve_url(
        settings.LOGIN_REDIRECT_URL
    )
    return next_url


@public_page
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    address = access.client_address(request)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if throttle.is_locked(username, address):
            return _locked_response(request, form, "partners/login.html")
        user = cast(
            "User | None",
            authenticate(request, username=username, password=form.cleaned_data["password"]),
        )
        if user is None:
            throttle.record_failure(username, address)
            form.add_error(None, _("Username or password is incorrect."))
        elif (error := _password_step_error(user)) is not None:
            form.add_error(None, error)
        elif needs_second_factor(user):
            return _start_second_factor(request, user)
        else:
            throttle.clear(username, address)
            login(request, user)
            return redirect(_safe_next(request, request.GET.get("next")))
    return render(request, "partners/login.html", {"form": form})


@public_page
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify_view(request: HttpRequest) -> HttpResponse:
    user_id = _pending_user_id(request)
    if user_id is None:
        return redirect("partners:login")
    user = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    form = SecondFactorForm(request.POST or None)
    address = access.client_address(request)
    if request.method == "POST" and form.is_valid():
        if throttle.is_locked(user.get_username(), address):
            return _locked_response(request, form, "partners/login_verify.html")
        device = verify_second_factor(user, form.cleaned_data["code"])
        if device is None:
            throttle.record_failure(user.get_username(), address)
            form.add_error("code", _("This code is not correct or has already been used."))
        else:
            throttle.clear(user.get_username(), address)
            next_url = _forget_pending(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            return redirect(next_url)
    return render(request, "partners/login_verify.html", {"form": form})


@public_page
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")


@portal_permission("tokens.manage")
@never_cache  # the response that shows a new token's plaintext must not be stored anywhere
@require_http_methods(["GET", "POST"])
def token_list_view(request: HttpRequest) -> HttpResponse:
    actor = access.actor_from_request(request)
    form = TokenCreateForm(request.POST or None)
    plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, plaintext = services.token_create(
                actor=actor,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            form = TokenCreateForm()
    context = {"form": form, "tokens": selectors.token_list(actor=actor), "plaintext": plaintext}
    return render(request, "partners/tokens.html", context)


@portal_permission("tokens.manage")
@require_POST
def token_revoke_view(request: HttpRequest, key_id: str) -> HttpResponse:
    actor = access.actor_from_request(request)
    token = get_object_or_404(selectors.token_list(actor=actor), key_id=key_id)
    try:
        services.token_revoke(actor=actor, token=token)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The token has been revoked."))
    return redirect("partners:tokens")
