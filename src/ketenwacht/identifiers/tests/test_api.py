"""The HTTP surface: status codes, problem details, idempotency header, public rate limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.renderers import JSONRenderer

from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers.constants import MAX_BATCH_ITEMS
from ketenwacht.identifiers.models import Sighting
from ketenwacht.identifiers.tests.conftest import api_client
from ketenwacht.identifiers.tests.factories import IBAN, OTHER_IBAN, Circle

pytestmark = pytest.mark.django_db

SIGHTINGS = "/api/v1/sightings"


def item(value: str = IBAN, **fields: Any) -> dict[str, Any]:
    return {"value": value, "fraud_type": "purchase", "role": "beneficiary_account", **fields}


def post(client: Client, url: str, body: Any, **headers: Any) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def test_single_sighting_is_created(circle: Circle) -> None:
    response = post(api_client(circle.members[0]), SIGHTINGS, item())
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "iban" and body["display_hint"] == "NL91 •••• •••• 4300"
    assert Sighting.objects.get().pk == body["sighting_id"]


def test_single_bad_sighting_is_a_problem(circle: Circle) -> None:
    response = post(api_client(circle.members[0]), SIGHTINGS, item("111222333"))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "bsn_refused"
    assert problem["errors"][0]["index"] == 0


def test_partial_batch_answers_per_item(circle: Circle) -> None:
    body = {"items": [item(), item("NL91ABNA0417164301"), item(OTHER_IBAN)]}
    response = post(api_client(circle.members[0]), SIGHTINGS, body)
    assert response.status_code == 200
    data = response.json()
    assert (data["recorded"], data["failed"]) == (2, 1)
    assert data["results"][1] == {
        "index": 1,
        "ok": False,
        "error": {
            "code": "iban_checksum",
            "detail": data["results"][1]["error"]["detail"],
            "field": "value",
        },
    }
    assert Sighting.objects.count() == 2


@pytest.mark.parametrize("how", ["body", "query"])
def test_atomic_batch_is_rejected_whole(circle: Circle, how: str) -> None:
    body: dict[str, Any] = {"items": [item(), item("111222333")]}
    url = SIGHTINGS
    if how == "body":
        body["atomic"] = True
    else:
        url += "?atomic=true"
    response = post(api_client(circle.members[0]), url, body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "batch_rejected"
    assert [(e["index"], e["code"]) for e in problem["errors"]] == [(1, "bsn_refused")]
    assert Sighting.objects.count() == 0


def test_too_many_items_is_413(circle: Circle) -> None:
    body = {"items": [{"value": IBAN}] * (MAX_BATCH_ITEMS + 1)}
    response = post(api_client(circle.members[0]), SIGHTINGS, body)
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    response = post(api_client(circle.members[0]), "/api/v1/checks", body)
    assert response.status_code == 413


def test_idempotency_key_header(circle: Circle) -> None:
    client = api_client(circle.members[0])
    body = {"items": [item()]}
    first = post(client, SIGHTINGS, body, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = post(client, SIGHTINGS, body, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Sighting.objects.count() == 1
    changed = post(client, SIGHTINGS, {"items": [item(OTHER_IBAN)]}, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_reused"


def test_malformed_batch_body(circle: Circle) -> None:
    response = post(api_client(circle.members[0]), SIGHTINGS, [item()])
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_check_endpoints(circle: Circle) -> None:
    post(api_client(circle.members[0]), SIGHTINGS, item(confidence="confirmed"))
    client = api_client(circle.members[1])
    single = client.get("/api/v1/check", {"value": "NL91 ABNA 0417 1643 00"})
    assert single.status_code == 200
    assert single.json()["level"] == "warning"
    assert single.json()["counts"] == {"suspected": 0, "confirmed": 1, "police_report": 0}

    bad = client.get("/api/v1/check", {"value": "111222333"})
    assert bad.status_code == 400 and bad.json()["code"] == "bsn_refused"

    batch = post(client, "/api/v1/checks", {"items": [{"value": IBAN}, {"value": "111222333"}]})
    assert batch.status_code == 200
    # Rendered by msgspec (ketenwacht.api.renderers): the bytes DRF would have written.
    assert batch.content == JSONRenderer().render(batch.json())
    results = batch.json()["results"]
    assert results[0]["ok"] and results[0]["level"] == "warning" and results[0]["index"] == 0
    assert results[1] == {
        "index": 1,
        "ok": False,
        "error": {"code": "bsn_refused", "detail": results[1]["error"]["detail"]},
    }


PUBLIC = "/api/v1/public/check"


def test_public_check_answers_level_and_advice(circle: Circle) -> None:
    response = Client().get(PUBLIC, {"value": IBAN})
    assert response.status_code == 200
    assert set(response.json()) == {"level", "advice"}
    assert set(response.json()["advice"]) == {"nl", "en"}


def test_public_check_refuses_wildcards_and_partial_values(circle: Circle) -> None:
    for value in ("NL91ABNA04171643*", "NL91ABNA", "0612"):
        response = Client().get(PUBLIC, {"value": value})
        assert response.status_code == 400, value


def test_public_check_ignores_credentials(circle: Circle) -> None:
    response = Client(HTTP_AUTHORIZATION="Bearer nonsense").get(PUBLIC, {"value": IBAN})
    assert response.status_code == 200


def test_public_rate_limit_per_client(circle: Circle, settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "PUBLIC_CHECK_RATE": "3/minute"}
    client = Client(REMOTE_ADDR="203.0.113.5")
    statuses = [client.get(PUBLIC, {"value": IBAN}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(PUBLIC, {"value": IBAN})
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    other = Client(REMOTE_ADDR="203.0.113.6").get(PUBLIC, {"value": IBAN})
    assert other.status_code == 200
    assert AuditEvent.objects.filter(action="identifiers.public_check").count() == 4


def test_public_rate_limit_survives_a_broken_cache(
    circle: Circle, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "PUBLIC_CHECK_RATE": "2/minute"}

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", broken)
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.get(PUBLIC, {"value": IBAN}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
