from __future__ import annotations

import re

import pytest
from django.test import Client

from ketenwacht.partners.constants import Scope
from ketenwacht.partners.tests.factories import make_token

pytest.importorskip("prometheus_client")


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


def _scrape(client: Client, secret: str) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


@pytest.mark.django_db
def test_metrics_count_requests_by_url_name_and_status(client: Client) -> None:
    _token, secret = make_token(scopes=[Scope.OPS_METRICS])
    before = _scrape(client, secret)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page-at-all/")
    after = _scrape(client, secret)

    ok = {"view": "ops:healthz", "method": "GET", "status": "200"}
    missing = {"view": "<unmatched>", "method": "GET", "status": "404"}
    total = "ketenwacht_http_requests_total"
    assert _sample(after, total, **ok) - _sample(before, total, **ok) == 2
    assert _sample(after, total, **missing) - _sample(before, total, **missing) == 1
    count = "ketenwacht_http_request_duration_seconds_count"
    assert _sample(after, count, view="ops:healthz") >= 2
    assert "/no-such-page-at-all/" not in after  # paths never become labels


@pytest.mark.django_db
def test_metrics_refuse_anonymous_and_tokens_without_the_scope(client: Client) -> None:
    assert client.get("/metrics").status_code in (401, 403)
    _token, secret = make_token(scopes=[Scope.ORGANISATION_READ])
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_metrics_answer_a_prometheus_accept_header(client: Client) -> None:
    _token, secret = make_token(scopes=[Scope.OPS_METRICS])
    response = client.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT="application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    )
    assert response.status_code == 200
