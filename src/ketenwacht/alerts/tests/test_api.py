"""/api/v1/alerts: list, create, read, edit, share, withdraw; problem details on errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketenwacht.alerts.constants import AlertStatus
from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.tests.factories import PHISHING, make_alert, make_world
from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners.constants import Marking, Scope
from ketenwacht.partners.tests.factories import make_token

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, organisation: Any, scopes: list[str]) -> None:
        _token, secret = make_token(organisation, scopes)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}")

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", data or {}, content_type="application/json")

    def patch(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.patch(f"/api/v1{path}", data, content_type="application/json")


def test_create_edit_share_withdraw_round_trip() -> None:
    world = make_world()
    api = Api(world.author_org, [Scope.ALERTS_WRITE])
    created = api.post(
        "/alerts",
        {
            "group": world.group.pk,
            "title": "Valse Tikkie",
            "body": "Bel *niet* terug naar 06-12345678.",
            "fraud_type": PHISHING,
            "channels": ["payment_request"],
            "marking": Marking.GREEN,
        },
    )
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["status"] == AlertStatus.DRAFT and data["version"] == 1
    assert data["body_html"] == "<p>Bel <em>niet</em> terug naar 06-12345678.</p>"
    assert data["personal_data_findings"][0]["kind"] == "phone"
    alert_id = data["id"]

    refused = api.post(f"/alerts/{alert_id}/share")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "personal_data_in_text"

    edited = api.patch(f"/alerts/{alert_id}", {"body": "Bel *niet* terug."})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    shared = api.post(f"/alerts/{alert_id}/share")
    assert shared.status_code == 200 and shared.json()["status"] == AlertStatus.SHARED
    withdrawn = api.post(f"/alerts/{alert_id}/withdraw", {"reason": "Dubbel"})
    assert withdrawn.json()["status"] == AlertStatus.WITHDRAWN


def test_read_scope_cannot_write_and_list_is_paginated() -> None:
    world = make_world()
    for number in range(3):
        make_alert(world, title=f"Melding {number}")
    reader = Api(world.member_org, [Scope.ALERTS_READ])
    page = reader.get("/alerts?page_size=2")
    assert page.status_code == 200
    body = page.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert reader.post("/alerts", {"group": world.group.pk, "title": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action="alert.list").exists()


def test_member_cannot_change_another_organisations_alert() -> None:
    world = make_world()
    alert = make_alert(world)
    writer = Api(world.member_org, [Scope.ALERTS_WRITE])
    response = writer.patch(f"/alerts/{alert.uuid}", {"title": "Overgenomen"})
    assert response.status_code == 403
    assert response.json()["code"] == "not_author"
    assert writer.post(f"/alerts/{alert.uuid}/withdraw", {"reason": "x"}).status_code == 403
    alert.refresh_from_db()
    assert alert.title != "Overgenomen" and alert.is_shared


def test_outsider_gets_404_everywhere() -> None:
    world = make_world()
    alert = make_alert(world)
    outsider = Api(world.outsider_org, [Scope.ALERTS_READ, Scope.ALERTS_WRITE])
    assert outsider.get(f"/alerts/{alert.uuid}").status_code == 404
    assert outsider.get("/alerts").json()["count"] == 0
    assert outsider.post(f"/alerts/{alert.uuid}/share").status_code == 404
    response = outsider.post("/alerts", {"group": world.group.pk, "title": "Inbraak"})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_group"
    assert not Alert.objects.filter(title="Inbraak").exists()


def test_api_refuses_red() -> None:
    world = make_world()
    api = Api(world.author_org, [Scope.ALERTS_WRITE])
    response = api.post("/alerts", {"group": world.group.pk, "title": "R", "marking": "RED"})
    assert response.status_code == 400


def test_detail_read_is_audited_as_a_disclosure() -> None:
    world = make_world()
    alert = make_alert(world)
    reader = Api(world.member_org, [Scope.ALERTS_READ])
    response = reader.get(f"/alerts/{alert.uuid}")
    assert response.status_code == 200
    assert response.json()["personal_data_findings"] == []
    event = AuditEvent.objects.get(action="alert.view", object_id=str(alert.uuid))
    assert event.details["route"] == "api"
    assert event.actor_organisation == world.member_org
