"""Every URL × every principal, compared with a declared expectation table.

A URL pattern without an entry in ``EXPECTED`` fails the test: a new endpoint must state who
may use it. Pages are tried as anonymous and as a user with each role (second factor passed);
API endpoints as anonymous, as a token without the endpoint's scope and as a token with every
scope. "Allowed" means the request got past authorisation (any status but 401/403 or a
redirect to the login page); the table also says exactly who must be refused.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, UUIDConverter

from ketenwacht.partners.constants import Role, Scope
from ketenwacht.partners.tests.factories import make_token
from ketenwacht.tests.matrix import PUBLIC_PAGE, ROLES, STAFF, Api, Page, app_rows, page

ALERT_READERS = page(
    Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM
)
ALERT_WRITERS = page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM)
KNOWLEDGE_READERS = page(
    Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM
)


EXPECTED: dict[str, Page | Api] = {
    # web
    "web:home": PUBLIC_PAGE,
    "web:door": PUBLIC_PAGE,
    "web:portal": Page(STAFF),
    "set_language": PUBLIC_PAGE,
    "admin:login": PUBLIC_PAGE,
    "admin:logout": PUBLIC_PAGE,
    # partners
    "partners:login": PUBLIC_PAGE,
    "partners:login_verify": PUBLIC_PAGE,
    "partners:logout": PUBLIC_PAGE,
    "partners:tokens": page(Role.ADMIN),
    "partners:token_revoke": page(Role.ADMIN),
    # audit
    "audit:events": Page(STAFF),
    # delivery
    "delivery:list": page(Role.PROGRAMME_TEAM, Role.ADMIN),
    "delivery:detail": page(Role.PROGRAMME_TEAM, Role.ADMIN),
    "delivery:retry": page(Role.PROGRAMME_TEAM, Role.ADMIN),
    "delivery:endpoints": page(Role.ADMIN),
    "delivery:endpoint_deactivate": page(Role.ADMIN),
    # release by consent
    "release:inbox": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM),
    "release:detail": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM),
    "release:decide": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM),
    "release:cancel": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM),
    # alerts (the marking × role × membership dimension: alerts/tests/test_access_matrix.py)
    "alerts:list": ALERT_READERS,
    "alerts:detail": ALERT_READERS,
    "alerts:versions": ALERT_READERS,
    "alerts:indicator_reveal": ALERT_READERS,
    "alerts:create": ALERT_WRITERS,
    "alerts:quick_flag": ALERT_WRITERS,
    "alerts:edit": ALERT_WRITERS,
    "alerts:pii_resolve": ALERT_WRITERS,
    "alerts:indicator_add": ALERT_WRITERS,
    "alerts:indicator_remove": ALERT_WRITERS,
    "alerts:share": ALERT_WRITERS,
    "alerts:withdraw": ALERT_WRITERS,
    "alerts:release": ALERT_WRITERS,
    "alerts:subscriptions": page(
        Role.ADMIN, Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM
    ),
    "alerts:subscription_deactivate": page(
        Role.ADMIN, Role.PARTNER_ANALYST, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM
    ),
    "warnings:list": PUBLIC_PAGE,
    "warnings:detail": PUBLIC_PAGE,
    "warnings:feed": PUBLIC_PAGE,
    "api-alerts": Api(Scope.ALERTS_READ),
    "api-alert-detail": Api(Scope.ALERTS_READ),
    "api-alert-share": Api(Scope.ALERTS_WRITE),
    "api-alert-withdraw": Api(Scope.ALERTS_WRITE),
    "taxii-discovery": Api(Scope.ALERTS_READ),
    "taxii-api-root": Api(Scope.ALERTS_READ),
    "taxii-collections": Api(Scope.ALERTS_READ),
    "taxii-collection": Api(Scope.ALERTS_READ),
    "taxii-objects": Api(Scope.ALERTS_READ),
    "taxii-manifest": Api(Scope.ALERTS_READ),
    # anti-phishing shield
    "shield:submit": PUBLIC_PAGE,
    "shield:status": PUBLIC_PAGE,
    "shield:warning": PUBLIC_PAGE,
    "shield:appeal": PUBLIC_PAGE,
    "shield:queue": page(Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM),
    "shield:host": page(Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM),
    "shield:blocks": page(Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM),
    "shield:block": page(Role.PARTNER_ANALYST, Role.PROGRAMME_TEAM),
    "shield:appeals": page(Role.PROGRAMME_TEAM),
    "shield:appeal_review": page(Role.PROGRAMME_TEAM),
    "api-shield-rpz": Api(Scope.SHIELD_RPZ),
    "api-shield-sms-reports": Api(Scope.SHIELD_SUBMIT),
    "api-shield-report": Api(Scope.SHIELD_SUBMIT),
    # knowledge and collaboration space (markings per role: knowledge/tests/test_access.py)
    "knowledge:index": KNOWLEDGE_READERS,
    "knowledge:journey": KNOWLEDGE_READERS,
    "knowledge:matrix_csv": KNOWLEDGE_READERS,
    "knowledge:matrix_svg": KNOWLEDGE_READERS,
    "knowledge:phase_edit": KNOWLEDGE_READERS,
    "knowledge:barrier_new": KNOWLEDGE_READERS,
    "knowledge:barrier": KNOWLEDGE_READERS,
    "knowledge:barrier_edit": KNOWLEDGE_READERS,
    "knowledge:proposals": KNOWLEDGE_READERS,
    "knowledge:proposal": KNOWLEDGE_READERS,
    "knowledge:proposal_decide": page(Role.PROGRAMME_TEAM),
    "knowledge:proposal_withdraw": KNOWLEDGE_READERS,
    "knowledge:plan_current": KNOWLEDGE_READERS,
    "knowledge:plan": KNOWLEDGE_READERS,
    "knowledge:action_point_new": page(Role.PROGRAMME_TEAM),
    "knowledge:action_point": KNOWLEDGE_READERS,
    "knowledge:action_point_progress": KNOWLEDGE_READERS,
    "knowledge:working_groups": KNOWLEDGE_READERS,
    "knowledge:working_group": KNOWLEDGE_READERS,
    "knowledge:member_add": page(Role.PROGRAMME_TEAM),
    "knowledge:member_remove": page(Role.PROGRAMME_TEAM),
    "knowledge:entry_new": KNOWLEDGE_READERS,
    "knowledge:entry": KNOWLEDGE_READERS,
    "knowledge:task_new": KNOWLEDGE_READERS,
    "knowledge:task_status": KNOWLEDGE_READERS,
    "knowledge:library": KNOWLEDGE_READERS,
    "knowledge:document_upload": KNOWLEDGE_READERS,
    "knowledge:document": KNOWLEDGE_READERS,
    "knowledge:document_download": KNOWLEDGE_READERS,
    "knowledge:document_remove": KNOWLEDGE_READERS,
    "knowledge:bottlenecks": KNOWLEDGE_READERS,
    "knowledge:bottleneck_new": page(Role.PROGRAMME_TEAM),
    "knowledge:bottleneck": KNOWLEDGE_READERS,
    "knowledge:bottleneck_findings": page(Role.PROGRAMME_TEAM),
    "knowledge:bottleneck_advance": page(Role.PROGRAMME_TEAM),
    "knowledge:bottleneck_opinion": KNOWLEDGE_READERS,
    "knowledge:annual_report": KNOWLEDGE_READERS,
    "knowledge:annual_report_pdf": KNOWLEDGE_READERS,
    "knowledge_public:index": PUBLIC_PAGE,
    "knowledge_public:journey": PUBLIC_PAGE,
    "knowledge_public:library": PUBLIC_PAGE,
    "knowledge_public:document_download": PUBLIC_PAGE,
    "knowledge_public:annual_report": PUBLIC_PAGE,
    "knowledge_public:annual_report_pdf": PUBLIC_PAGE,
    # victim intake (public pages behind a reference and link secret; the desk inbox)
    "intake:start": PUBLIC_PAGE,
    "intake:check_identifier": PUBLIC_PAGE,
    "intake:resume": PUBLIC_PAGE,
    "intake:question": PUBLIC_PAGE,
    "intake:summary": PUBLIC_PAGE,
    "intake:plan": PUBLIC_PAGE,
    "intake:status": PUBLIC_PAGE,
    "intake:withdraw": PUBLIC_PAGE,
    "intake:inbox": page(Role.DESK_AGENT),
    "intake:inbox_detail": page(Role.DESK_AGENT),
    "intake:assisted": page(Role.DESK_AGENT),
    "api-intake-desks": Api(None),
    "api-intake-questionnaire": Api(None),
    # operations: probes are public, metrics need a scraper token
    "ops:healthz": Api(None),
    "ops:readyz": Api(None),
    "ops:metrics": Api(Scope.OPS_METRICS),
    # API
    "api-problem-type": Api(None),
    "api-schema": Api(None),
    "api-docs": Api(None),
    "api-redoc": Api(None),
    "api-fraud-types": Api(None),
    "api-audit-events": Api(Scope.AUDIT_READ),
    "api-organisation": Api(Scope.ORGANISATION_READ),
    "api-sharing-groups": Api(Scope.ORGANISATION_READ),
    # identifiers (reveal: a portal session of a police analyst, never a token)
    "api-sightings": Api(Scope.IDENTIFIERS_WRITE),
    "api-check": Api(Scope.IDENTIFIERS_CHECK),
    "api-checks": Api(Scope.IDENTIFIERS_CHECK),
    "api-public-check": Api(None),
    "api-pseudonym-reveal": page(Role.POLICE_ANALYST),
    # identifiers pages: public check and dispute form; portal check, sightings, uploads, disputes
    "identifiers:public_check": PUBLIC_PAGE,
    "identifiers:dispute_submit": PUBLIC_PAGE,
    "identifiers:check": page(
        Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.PROGRAMME_TEAM
    ),
    "identifiers:sightings": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST),
    "identifiers:sightings_csv": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST),
    "identifiers:upload_new": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST),
    "identifiers:upload": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST),
    "identifiers:upload_errors_csv": page(Role.PARTNER_ANALYST, Role.POLICE_ANALYST),
    "identifiers:disputes": page(Role.PROGRAMME_TEAM),
    "identifiers:dispute": page(Role.PROGRAMME_TEAM),
    "identifiers:dispute_evidence": page(Role.PROGRAMME_TEAM),
}

_DECLARED_TWICE = set(EXPECTED) & set(app_rows())
assert not _DECLARED_TWICE, f"declared twice in the permission matrix: {sorted(_DECLARED_TWICE)}"
EXPECTED.update(app_rows())

# Patterns outside our control that need no entry (static files in DEBUG only).
IGNORED_PREFIXES = ("static/",)


@dataclass(frozen=True)
class Route:
    name: str
    path: str


def _sample(converter: object) -> str:
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, UUIDConverter):
        return str(uuid.uuid4())
    return "sample"


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + _fill(entry.pattern), ns)
        else:
            full = prefix + _fill(entry.pattern)
            name = f"{namespace}{entry.name}" if entry.name else full
            yield Route(name=name, path="/" + full)


def _fill(pattern: object) -> str:
    """The pattern's route with each converter replaced by a sample value."""
    route = str(pattern)
    converters = getattr(pattern, "converters", {})
    if route.startswith("^"):  # regex patterns (admin): fill named groups with samples
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", "sample", route)
        return route.replace("\\", "")
    for name, converter in converters.items():
        route = re.sub(rf"<(?:\w+:)?{name}>", _sample(converter), route)
    return route


def all_routes() -> list[Route]:
    routes = list(_walk(get_resolver().url_patterns))
    return [r for r in routes if not r.path.lstrip("/").startswith(IGNORED_PREFIXES)]


def is_admin(route: Route) -> bool:
    """Django admin's own views; its login and logout pages are public and listed in EXPECTED."""
    return route.path.startswith("/admin/") and route.name not in EXPECTED


def test_every_url_has_an_expectation() -> None:
    missing = sorted({r.name for r in all_routes() if not is_admin(r)} - set(EXPECTED))
    assert not missing, f"URLs without an entry in the permission matrix: {missing}"


def test_expectation_table_has_no_stale_entries() -> None:
    names = {r.name for r in all_routes()}
    assert set(EXPECTED) <= names, sorted(set(EXPECTED) - names)


def _refused(response: object) -> bool:
    """401/403, or a redirect to a login page asking to come back (``?next=``)."""
    status = response.status_code  # type: ignore[attr-defined]
    if status in (401, 403):
        return True
    location = response.get("Location", "") if status in (301, 302) else ""  # type: ignore[attr-defined]
    return "/login/?next=" in location


ROUTES = all_routes()
PAGE_ROUTES = [r for r in ROUTES if isinstance(EXPECTED.get(r.name), Page)]
API_ROUTES = [r for r in ROUTES if isinstance(EXPECTED.get(r.name), Api)]
ADMIN_ROUTES = [r for r in ROUTES if is_admin(r)]


@pytest.mark.django_db
@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.name)
def test_pages_by_role(route: Route, login_client: Callable[..., Client]) -> None:
    expected = EXPECTED[route.name]
    assert isinstance(expected, Page)
    mismatches = []
    for role in ROLES:
        client = login_client(role) if role is not None else Client()
        for method in ("get", "post"):
            response = getattr(client, method)(route.path)
            allowed = not _refused(response)
            if allowed != (role in expected.roles):
                mismatches.append((role or "anonymous", method, response.status_code))
    assert not mismatches, f"{route.path}: {mismatches}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_api_by_principal(route: Route) -> None:
    expected = EXPECTED[route.name]
    assert isinstance(expected, Api)
    _token, all_scopes = make_token()
    _token, no_scopes = make_token(scopes=[])
    principals = {
        "anonymous": None,
        "token without scope": no_scopes,
        "token with scope": all_scopes,
    }
    mismatches = []
    for label, secret in principals.items():
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        should_pass = expected.scope is None or label == "token with scope"
        for method in ("get", "post"):
            response = getattr(Client(), method)(route.path, **headers)
            if (not _refused(response)) != should_pass:
                mismatches.append((label, method, response.status_code))
    assert not mismatches, f"{route.path}: {mismatches}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.name)
def test_admin_only_for_staff(route: Route, login_client: Callable[..., Client]) -> None:
    """Our role users are not Django staff: every admin view sends them to the admin login."""
    for role in ROLES:
        client = login_client(role) if role is not None else Client()
        response = client.get(route.path)
        assert _refused(response), (route.path, role, response.status_code)
