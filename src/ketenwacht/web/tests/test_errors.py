"""Error pages for people; RFC 9457 problem details for the same errors under /api/."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from ketenwacht import urls
from ketenwacht.api.problems import PROBLEM_CONTENT_TYPE
from ketenwacht.partners.constants import Role

pytestmark = pytest.mark.django_db

CRASH_URLS = "ketenwacht.web.tests.crash_urls"


@pytest.fixture
def quiet_client() -> Client:
    """A client that receives the 500 response instead of the exception."""
    return Client(raise_request_exception=False)


def _problem(response: object) -> dict[str, object]:
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE  # type: ignore[index]
    return json.loads(response.content)  # type: ignore[attr-defined]


def test_project_urls_route_errors_to_web_errors() -> None:
    assert urls.handler400 == "ketenwacht.web.errors.bad_request"
    assert urls.handler403 == "ketenwacht.web.errors.permission_denied"
    assert urls.handler404 == "ketenwacht.web.errors.page_not_found"
    assert urls.handler500 == "ketenwacht.web.errors.server_error"


def test_unknown_api_url_is_a_404_problem(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/?x=1")
    assert response.status_code == 404
    assert _problem(response) == {
        "type": "/api/v1/problems/not_found",
        "title": "Niet gevonden / Not found",
        "status": 404,
        "detail": "Deze bron bestaat niet. / This resource does not exist.",
        "code": "not_found",
        "instance": "/api/v1/no-such-thing/?x=1",
    }


def test_unknown_api_version_is_a_problem_too(client: Client) -> None:
    response = client.get("/api/v9/")
    assert response.status_code == 404
    assert _problem(response)["code"] == "not_found"


def test_unknown_page_is_the_404_page(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "404.html" in [t.name for t in response.templates]
    assert b"<h1>Page not found</h1>" in response.content
    assert b'<html lang="en"' in response.content
    # The full layout, so the visitor can find their way (and switch language).
    assert b'href="#main"' in response.content
    assert b'class="language-switch"' in response.content


def test_404_page_follows_the_chosen_language(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="nl"' in response.content


def test_forbidden_page_is_the_403_page(login_client: Callable[..., Client]) -> None:
    client = login_client(Role.PARTNER_ANALYST)
    response = client.get("/portal/tokens/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert b"<h1>No access</h1>" in response.content


@pytest.mark.urls(CRASH_URLS)
def test_crash_under_api_is_a_500_problem(quiet_client: Client) -> None:
    response = quiet_client.get("/api/v1/test/crash/")
    assert response.status_code == 500
    body = _problem(response)
    assert body["code"] == "server_error"
    assert body["type"] == "/api/v1/problems/server_error"
    assert body["title"] == "Serverfout / Server error"
    assert body["instance"] == "/api/v1/test/crash/"
    assert "boom" not in response.content.decode()  # no internals leak


@pytest.mark.urls(CRASH_URLS)
def test_crash_on_a_page_is_the_bilingual_500_page(quiet_client: Client) -> None:
    response = quiet_client.get("/test/crash/")
    assert response.status_code == 500
    content = response.content.decode()
    assert 'lang="nl"' in content and "Er ging iets mis" in content
    assert 'lang="en"' in content and "Something went wrong" in content
    assert "boom" not in content


@pytest.mark.urls(CRASH_URLS)
def test_permission_denied_outside_drf_under_api_is_a_403_problem(client: Client) -> None:
    response = client.get("/api/v1/test/forbidden/")
    assert response.status_code == 403
    assert _problem(response)["code"] == "permission_denied"


@pytest.mark.urls(CRASH_URLS)
def test_suspicious_request_under_api_is_a_400_problem(client: Client) -> None:
    response = client.get("/api/v1/test/suspicious/")
    assert response.status_code == 400
    assert _problem(response)["code"] == "bad_request"


@pytest.mark.urls(CRASH_URLS)
def test_suspicious_request_on_a_page_is_the_bilingual_400_page(client: Client) -> None:
    response = client.get("/test/suspicious/")
    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.content.decode()
    assert "Bad request" in response.content.decode()


def test_problem_type_page_exists_for_the_handlers_codes(client: Client) -> None:
    for code in ("not_found", "server_error", "permission_denied", "bad_request"):
        assert client.get(f"/api/v1/problems/{code}").status_code == 200
