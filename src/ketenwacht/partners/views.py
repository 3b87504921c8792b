"""Staff login with a second factor, logout, and the organisation's API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from ketenwacht.errors import DomainError
from ketenwacht.partners import access, selectors, services, throttle
from ketenwacht.partners.decorators import portal_permission, public_page
from ketenwacht.partners.forms import LoginForm, SecondFactorForm, TokenCreateForm
from ketenwacht.partners.otp import needs_second_factor, verify_second_factor

PENDING_USER_KEY = "ketenwacht_pending_user"
PENDING_NEXT_KEY = "ketenwacht_pending_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/portal/"


def _locked_response(
    request: HttpRequest, form: LoginForm | SecondFactorForm, template: str
) -> HttpResponse:
    form.add_error(
        None,
        _("Too many failed attempts. Wait fifteen minutes and try again."),
    )
    return render(request, template, {"form": form}, status=429)


@public_page
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    address = access.client_address(request)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if throttle.is_locked(username, address):
            return _locked_response(request, form, "partners/login.html")
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            throttle.record_failure(username, address)
            form.add_error(None, _("Username or password is incorrect."))
        elif not user.memberships.exists() and not user.is_superuser:
            form.add_error(None, _("Your account is not linked to any organisation yet."))
        elif needs_second_factor(user):
            request.session.cycle_key()
            request.session[PENDING_USER_KEY] = user.pk
            request.session[PENDING_NEXT_KEY] = _safe_next(request, request.GET.get("next"))
            return redirect("partners:login_verify")
        else:
            throttle.clear(username, address)
            login(request, user)
            return redirect(_safe_next(request, request.GET.get("next")))
    return render(request, "partners/login.html", {"form": form})


@public_page
@require_http_methods(["GET", "POST"])
def login_verify_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_USER_KEY)
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
            next_url = request.session.get(PENDING_NEXT_KEY, "/portal/")
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
    services.token_revoke(actor=actor, token=token)
    messages.success(request, _("The token has been revoked."))
    return redirect("partners:tokens")
