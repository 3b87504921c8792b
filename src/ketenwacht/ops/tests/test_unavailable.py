"""A database that is down answers 503 fast (problem details for the API, a page for
people), and the next request after it is back is served again."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from ketenwacht.ops.unavailable import DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "error", [OperationalError("connection refused"), InterfaceError("closed")]
)
def test_api_answers_503_problem_details_when_the_database_is_down(error: Exception) -> None:
    client = Client()
    with mock.patch("ketenwacht.identifiers.services.public_check", side_effect=error):
        response = client.get("/api/v1/public/check", {"value": "NL91ABNA0417164300"})
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == 503 and body["code"] == "service_unavailable"
    assert "NL91" in body["instance"]
    # Back again: the same process serves the next request.
    assert client.get("/api/v1/public/check", {"value": "NL91ABNA0417164300"}).status_code == 200


def test_pages_answer_a_503_page() -> None:
    request = RequestFactory().get("/melden/")
    middleware = DatabaseUnavailableMiddleware(lambda _request: HttpResponse())
    response = middleware.process_exception(request, OperationalError("connection refused"))
    assert response is not None and response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "Service unavailable" in response.content.decode()
    assert middleware.process_exception(request, ValueError("bug")) is None


def test_other_errors_are_left_alone() -> None:
    client = Client(raise_request_exception=True)
    with (
        mock.patch("ketenwacht.identifiers.services.public_check", side_effect=ValueError("bug")),
        pytest.raises(ValueError),
    ):
        client.get("/api/v1/public/check", {"value": "NL91ABNA0417164300"})
