"""``make security``: hostile input against every route, found by walking the URLconf.

Nothing here lists pages by hand: routes are taken from ``ketenwacht.urls`` (with dummy
values for their parameters), forms from the pages those routes render for every role, so
pages added by other capabilities are covered when they land.

* CSRF: every POST to a route that is not CSRF-exempt is refused without a token (403);
  every exempt route (token APIs) gives a logged-in browser no more than an anonymous one;
  every ``<form method="post">`` rendered for any role carries a CSRF token.
* XSS: payloads in every query parameter a page's GET forms name (and common ones) never
  come back unescaped in HTML; payloads stored through the victim's intake (free text and
  contact name) render escaped for the victim and for the desk.
* Enumeration of the public check is stopped by its rate limit.
* Upload limits: bodies larger than any allowed form or API request are refused (400/413),
  never a server error, on every multipart form and every POST API operation.
* Audit tamper detection: a changed audit row makes ``audit_verify`` exit 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from ketenwacht.partners.constants import Role

pytestmark = pytest.mark.django_db

DUMMY = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
POST_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
XSS_PAYLOADS = [
    '<script>alert("kw-xss")</script>',
    '"><img src=x onerror=alert("kw-xss")>',
    "'><svg/onload=alert('kw-xss')>",
    "<a href=javascript:alert('kw-xss')>x</a>",
    '</textarea><script>alert("kw-xss")</script>',
]
COMMON_PARAMETERS = ["q", "value", "kind", "status", "page", "search", "next", "type", "sort"]


def routes() -> Iterator[tuple[str, Any, bool]]:
    """``(path with dummy values, view callback, has parameters)`` of every route pattern."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any, bool]]:
        for pattern in patterns:
            if not isinstance(pattern.pattern, RoutePattern):
                continue  # regex routes (a few in the admin) are left out
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                path = PARAMETER.sub(lambda m: DUMMY.get(m.group(1) or "str", "x"), route)
                yield "/" + path, pattern.callback, bool(PARAMETER.search(route))

    yield from walk(get_resolver().url_patterns, "")


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/taxii2/"))


def test_the_walk_finds_the_routes() -> None:
    paths = {path for path, _view, _params in routes()}
    assert len(paths) > 50
    assert {"/api/v1/public/check", "/melden/", "/portal/login/"} <= paths


def _token_api(path: str, view: Any) -> bool:
    """DRF views authenticate by token (or enforce CSRF themselves for sessions)."""
    from rest_framework.views import APIView

    view_class = getattr(view, "cls", None)
    return _is_api(path) or (isinstance(view_class, type) and issubclass(view_class, APIView))


def test_every_post_route_refuses_a_request_without_csrf_token(
    login_client: Callable[..., Client],
) -> None:
    browser = login_client(Role.ADMIN)
    browser.handler.enforce_csrf_checks = True
    anonymous = Client(enforce_csrf_checks=True)
    apis, checked = 0, 0
    for path, view, _params in routes():
        if _token_api(path, view):
            apis += 1
            # Token APIs: a browser's session cookie must add no authority.
            with_session = browser.post(path, data="{}", content_type="application/json")
            without = anonymous.post(path, data="{}", content_type="application/json")
            assert with_session.status_code < 500, path
            if 200 <= with_session.status_code < 400:
                assert 200 <= without.status_code < 400, (path, "session cookie was honoured")
            continue
        # Pages, whether protected by the middleware or (csrf_exempt) by the view itself.
        response = browser.post(path, {"field": "value"})
        checked += 1
        assert response.status_code == 403, (path, response.status_code)
        assert b"CSRF" in response.content or b"csrf" in response.content, path
    assert checked > 30 and apis > 10


def _pages(login_client: Callable[..., Client]) -> Iterator[tuple[str, Client, Any]]:
    """Every parameterless page as anonymous and as each role, with its HTML response."""
    clients: list[tuple[str, Client]] = [("anonymous", Client())]
    clients += [(role, login_client(role)) for role in Role.values]
    paths = [path for path, _view, params in routes() if not params and not _is_api(path)]
    skip = ("/portal/logout/", "/admin/logout/")
    for who, client in clients:
        for path in paths:
            if path.endswith(skip) or path.startswith(skip):
                continue
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
            yield who, client, (path, response)


def test_every_post_form_carries_a_csrf_token_and_no_reflected_xss(
    login_client: Callable[..., Client],
) -> None:
    forms = 0
    probed = 0
    for who, client, (path, response) in _pages(login_client):
        assert response.status_code < 500, (who, path)
        if "text/html" not in response.get("Content-Type", "") or response.status_code != 200:
            continue
        if response.streaming:
            continue
        html = response.content.decode()
        names = set(COMMON_PARAMETERS)
        for attributes, body in POST_FORM.findall(html):
            if re.search(r'method\s*=\s*"?post', attributes, re.I):
                forms += 1
                assert "csrfmiddlewaretoken" in body, (who, path, attributes)
            else:
                names |= set(re.findall(r'name="([\w-]+)"', body))
        for payload in XSS_PAYLOADS:
            reflected = client.get(f"{path}?{urlencode(dict.fromkeys(names, payload))}")
            probed += 1
            assert reflected.status_code < 500, (who, path, payload)
            if "text/html" in reflected.get("Content-Type", ""):
                assert payload not in reflected.content.decode(), (who, path, payload)
    assert forms > 10 and probed > 100


def test_stored_xss_through_the_intake_renders_escaped(
    login_client: Callable[..., Client],
) -> None:
    from ketenwacht.intake import services
    from ketenwacht.intake.models import Referral
    from ketenwacht.intake.planning import Contact
    from ketenwacht.intake.tests.factories import BANKHELPDESK_URGENT, answered_intake, warm_desk
    from ketenwacht.partners.tests.factories import OrganisationFactory

    organisation = OrganisationFactory.create()
    warm_desk("fraudehelpdesk", organisation=organisation)
    for payload in XSS_PAYLOADS:
        intake, secret = answered_intake({**BANKHELPDESK_URGENT, "story": payload})
        link = {"reference": intake.reference, "secret": secret}
        summary = Client().get(f"/melden/{link['reference']}/{secret}/overzicht/")
        assert summary.status_code == 200
        assert payload not in summary.content.decode()
        assert "kw-xss" in summary.content.decode()  # it is there, escaped
        services.intake_submit(
            actor=services.SYSTEM,
            intake=intake,
            submission=services.Submission(
                consented_desks=["fraudehelpdesk"],
                contact=Contact(name=payload, email="anna@example.nl"),
            ),
        )
        status = Client().get(f"/melden/{link['reference']}/{secret}/status/")
        assert payload not in status.content.decode()
        referral = Referral.objects.get(intake=intake)
        desk = login_client(Role.DESK_AGENT, organisation)
        detail = desk.get(f"/portal/intake/{referral.pk}/")
        assert detail.status_code == 200
        assert payload not in detail.content.decode()
        assert "kw-xss" in detail.content.decode()


def test_enumerating_the_public_check_is_stopped_by_the_rate_limit() -> None:
    from django.core.cache import cache

    cache.clear()
    limit = int(str(settings.KETENWACHT["PUBLIC_CHECK_RATE"]).split("/")[0])
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = []
    for number in range(limit * 3):
        response = client.get("/api/v1/public/check", {"value": f"NL{number:02d}ABNA0417164300"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response["Retry-After"].isdigit()
            assert response["Content-Type"].startswith("application/problem+json")
    answered = sum(1 for status in statuses if status != 429)
    assert answered <= limit, statuses
    assert statuses[-limit:] == [429] * limit  # once limited, it stays limited
    # Another address is not affected (the limit is per client).
    assert Client(REMOTE_ADDR="203.0.113.8").get(
        "/api/v1/public/check", {"value": "NL91ABNA0417164300"}
    ).status_code in (200, 400)


def test_oversized_bodies_are_refused_everywhere(login_client: Callable[..., Client]) -> None:
    """Larger than any allowed file or request: refused, never stored, never a 5xx."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    too_big = b"%PDF-" + b"0" * (25 * 1024 * 1024)  # over every upload limit (20 MB CSV)
    browser = login_client(Role.ADMIN)
    multipart = 0
    for who, client, (path, response) in _pages(login_client):
        if response.status_code != 200 or response.streaming:
            continue
        html = response.content.decode(errors="replace")
        if "multipart/form-data" not in html:
            continue
        multipart += 1
        fields: dict[str, Any] = {
            name: SimpleUploadedFile("big.pdf", too_big, content_type="application/pdf")
            for name in set(re.findall(r'type="file"[^>]*name="([\w-]+)"', html))
        }
        refused = client.post(path, fields, HTTP_ACCEPT_LANGUAGE="en")
        # Refused: 400/403/413, or the form shown again with its errors (some forms answer
        # those with 200); never a redirect to "saved", never a server error.
        assert refused.status_code in (200, 400, 403, 413), (who, path, refused.status_code)
        if refused.status_code == 200:
            assert "error" in refused.content.decode().lower(), (who, path)
    assert multipart >= 2  # the dispute evidence and the sightings upload at least
    from ketenwacht.partners.tests.factories import make_token

    _token, plaintext = make_token()
    api = 0
    for path, view, _params in routes():
        if not (path.startswith("/api/v1/") and hasattr(view, "cls")):
            continue  # DRF operations (the problem-type pages read no body)
        response = browser.post(
            path,
            data=b"{" + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b"}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {plaintext}",
        )
        api += 1
        assert response.status_code < 500, (path, response.status_code)
        assert response.status_code not in (200, 201, 202), path
    assert api > 10


def test_a_tampered_audit_row_makes_audit_verify_exit_1() -> None:
    from ketenwacht.audit.models import AuditEvent
    from ketenwacht.audit.services import audit_record
    from ketenwacht.partners.access import SYSTEM

    events = [
        audit_record(actor=SYSTEM, action="suites.security", details={"n": n}) for n in range(5)
    ]
    call_command("audit_verify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # An attacker with owner rights (on PostgreSQL the append-only trigger is switched off).
    from ketenwacht.audit.tests.conftest import owner_rights

    with owner_rights():
        AuditEvent.objects.filter(pk=events[2].pk).update(details={"n": 99})
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1
    assert str(events[2].pk) in str(failure.value)
