"""TAXII 2.1 read side: discovery, collections per group, objects with paging, manifest."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.test import Client
from taxii2client.v21 import Collection, Server

from ketenwacht.alerts.exchange import taxii
from ketenwacht.alerts.tests.factories import World, ensure_fraud_types, make_alert, make_world
from ketenwacht.partners.constants import Marking, Scope
from ketenwacht.partners.tests.factories import make_token

ACCEPT = {"Accept": taxii.TAXII_MEDIA_TYPE}


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **ACCEPT}


def objects_url(world: World) -> str:
    return f"/taxii2/api/collections/{taxii.collection_id(world.group)}/objects/"


def get(url: str, secret: str, **params: Any) -> Any:
    return Client().get(url, params, headers=bearer(secret))


@pytest.mark.django_db
def test_collections_are_the_organisations_groups(world: World) -> None:
    _token, member = make_token(world.member_org, [Scope.ALERTS_READ])
    _token, outsider = make_token(world.outsider_org, [Scope.ALERTS_READ])
    response = get("/taxii2/api/collections/", member)
    assert response.status_code == 200
    assert response["Content-Type"] == taxii.TAXII_MEDIA_TYPE
    assert [c["title"] for c in response.json()["collections"]] == ["Kerngroep"]
    assert get("/taxii2/api/collections/", outsider).json() == {"collections": []}
    assert get(objects_url(world), outsider).status_code == 404


@pytest.mark.django_db
def test_objects_page_with_limit_next_added_after_and_headers(world: World) -> None:
    alerts = [make_alert(world, marking=Marking.GREEN, title=f"alert {n}") for n in range(3)]
    make_alert(world, marking=Marking.RED, recipients=[world.member], title="red")
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    first = get(objects_url(world), secret, limit=2)
    body = first.json()
    assert body["more"] is True
    assert body["next"] == "2"
    reports = [o["name"] for o in body["objects"] if o["type"] == "report"]
    assert reports == ["alert 0", "alert 1"]
    assert first["X-TAXII-Date-Added-First"] == taxii.stix.timestamp(alerts[0].updated_at)
    assert first["X-TAXII-Date-Added-Last"] == taxii.stix.timestamp(alerts[1].updated_at)
    second = get(objects_url(world), secret, limit=2, next=body["next"]).json()
    assert second["more"] is False
    assert [o["name"] for o in second["objects"] if o["type"] == "report"] == ["alert 2"]
    after = get(objects_url(world), secret, added_after=taxii.stix.timestamp(alerts[1].updated_at))
    assert [o["name"] for o in after.json()["objects"] if o["type"] == "report"] == ["alert 2"]
    only = get(objects_url(world), secret, **{"match[type]": "report"}).json()
    assert {o["type"] for o in only["objects"]} == {"report"}


@pytest.mark.django_db
def test_manifest_lists_object_versions(world: World) -> None:
    alert = make_alert(world, marking=Marking.AMBER)
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    url = f"/taxii2/api/collections/{taxii.collection_id(world.group)}/manifest/"
    entries = get(url, secret).json()["objects"]
    assert entries[0]["id"] == f"report--{alert.uuid}"
    assert entries[0]["date_added"] == taxii.stix.timestamp(alert.updated_at)


@pytest.mark.django_db
def test_refusals_without_token_or_scope(world: World) -> None:
    _token, unscoped = make_token(world.member_org, [])
    assert Client().get("/taxii2/api/collections/", headers=ACCEPT).status_code in (401, 403)
    assert get("/taxii2/api/collections/", unscoped).status_code == 403


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.secret}"
        return request


@pytest.mark.django_db(transaction=True)
def test_taxii2_client_reads_the_collection(live_server: Any) -> None:
    ensure_fraud_types()
    world = make_world()
    make_alert(world, marking=Marking.AMBER_STRICT, title="for the client")
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    server = Server(f"{live_server.url}/taxii2/", auth=BearerAuth(secret))
    (root,) = server.api_roots
    (collection,) = root.collections
    assert collection.title == "Kerngroep"
    envelope = Collection(collection.url, auth=BearerAuth(secret)).get_objects()
    assert [o["name"] for o in envelope["objects"] if o["type"] == "report"] == ["for the client"]
