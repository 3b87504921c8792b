"""TAXII 2.1: discovery, collections per group, objects with paging and filters, object by id,
versions, manifest, adding objects with a status resource; taxii2-client as the other side."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests
from django.test import Client
from taxii2client.v21 import Collection, Server, Status, as_pages

from ketenwacht.alerts import services
from ketenwacht.alerts.exchange import stix, taxii
from ketenwacht.alerts.models import Alert, ExchangeStatus
from ketenwacht.alerts.tests.factories import (
    BANKHELPDESK,
    World,
    ensure_fraud_types,
    make_alert,
    make_world,
)
from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers.models import Sighting
from ketenwacht.partners.constants import Marking, Scope
from ketenwacht.partners.tests.factories import make_token

ACCEPT = {"Accept": taxii.TAXII_MEDIA_TYPE}
IBAN = "NL91ABNA0417164300"
GREEN = stix.TLP2_MARKING_IDS[Marking.GREEN]


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **ACCEPT}


def collection_url(world: World) -> str:
    return f"/taxii2/api/collections/{taxii.collection_id(world.group)}/"


def objects_url(world: World) -> str:
    return f"{collection_url(world)}objects/"


def get(url: str, secret: str, **params: Any) -> Any:
    return Client().get(url, params, headers=bearer(secret))


def post(url: str, secret: str, envelope: Any, content_type: str = taxii.TAXII_MEDIA_TYPE) -> Any:
    return Client().post(
        url, json.dumps(envelope), content_type=content_type, headers=bearer(secret)
    )


def alert_with_indicator(world: World, title: str, value: str = IBAN) -> Alert:
    alert = make_alert(world, marking=Marking.GREEN, share=False, title=title)
    services.alert_indicator_add(actor=world.author, alert=alert, value=value)
    return services.alert_share(actor=world.author, alert=alert)


@pytest.mark.django_db
def test_collections_are_the_organisations_groups(world: World) -> None:
    _token, member = make_token(world.member_org, [Scope.ALERTS_READ])
    _token, writer = make_token(world.member_org, [Scope.ALERTS_WRITE])
    _token, outsider = make_token(world.outsider_org, [Scope.ALERTS_READ])
    response = get("/taxii2/api/collections/", member)
    assert response.status_code == 200
    assert response["Content-Type"] == taxii.TAXII_MEDIA_TYPE
    (collection,) = response.json()["collections"]
    assert collection["title"] == "Kerngroep"
    assert collection["can_write"] is False
    assert collection["media_types"] == [taxii.STIX_MEDIA_TYPE]
    assert get(collection_url(world), writer).json()["can_write"] is True
    assert get("/taxii2/api/collections/", outsider).json() == {"collections": []}
    missing = get(objects_url(world), outsider)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_pages_count_objects_and_walk_the_whole_collection(world: World) -> None:
    alerts = [alert_with_indicator(world, f"alert {n}") for n in range(3)]
    make_alert(world, marking=Marking.RED, recipients=[world.member], title="red")
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    whole = get(objects_url(world), secret, limit=1000).json()
    assert whole["more"] is False
    # context: platform, extension, TLP:GREEN, the author; per alert report+indicator+sighting
    assert len(whole["objects"]) == 4 + 3 * 3
    assert "red" not in [o.get("name") for o in whole["objects"]]

    seen: list[str] = []
    cursor: str | None = "0"
    while cursor is not None:
        page = get(objects_url(world), secret, limit=2, next=cursor)
        body = page.json()
        assert len(body["objects"]) <= 2
        seen += [o["id"] for o in body["objects"]]
        assert page["X-TAXII-Date-Added-Last"] >= page["X-TAXII-Date-Added-First"]
        cursor = body.get("next")
        assert body["more"] is (cursor is not None)
    assert seen == [o["id"] for o in whole["objects"]]

    last = get(objects_url(world), secret, limit=3, next=10)
    assert last["X-TAXII-Date-Added-First"] == stix.timestamp(alerts[2].updated_at)
    after = get(objects_url(world), secret, added_after=stix.timestamp(alerts[1].updated_at))
    names = [o["name"] for o in after.json()["objects"] if o["type"] == "report"]
    assert names == ["alert 2"]
    assert {o["type"] for o in after.json()["objects"]} == {"report", "indicator", "sighting"}


@pytest.mark.django_db
def test_match_filters_type_id_version_spec_version(world: World) -> None:
    alert = alert_with_indicator(world, "filtered")
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    objects = get(objects_url(world), secret).json()["objects"]
    indicator = next(o for o in objects if o["type"] == "indicator")

    def ids(**params: Any) -> list[str]:
        return [
            o["id"] for o in get(objects_url(world), secret, **params).json().get("objects", [])
        ]

    assert ids(**{"match[type]": "report"}) == [f"report--{alert.uuid}"]
    assert ids(**{"match[type]": "report,indicator"}) == [f"report--{alert.uuid}", indicator["id"]]
    assert ids(**{"match[id]": indicator["id"]}) == [indicator["id"]]
    assert ids(**{"match[id]": indicator["id"], "match[version]": "first"}) == [indicator["id"]]
    assert ids(**{"match[id]": indicator["id"], "match[version]": indicator["modified"]}) == [
        indicator["id"]
    ]
    assert ids(**{"match[id]": indicator["id"], "match[version]": "2020-01-01T00:00:00.000Z"}) == []
    assert ids(**{"match[type]": "report", "match[spec_version]": "2.0"}) == []
    bad = get(objects_url(world), secret, added_after="yesterday")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_object_by_id_versions_and_manifest(world: World) -> None:
    alert = alert_with_indicator(world, "by id")
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    report_id = f"report--{alert.uuid}"
    one = get(f"{objects_url(world)}{report_id}/", secret).json()
    assert [o["id"] for o in one["objects"]] == [report_id]
    versions = get(f"{objects_url(world)}{report_id}/versions/", secret).json()
    assert versions == {"more": False, "versions": [stix.timestamp(alert.updated_at)]}
    unknown = get(f"{objects_url(world)}report--{uuid.uuid4()}/", secret)
    assert unknown.status_code == 404
    manifest = get(f"{collection_url(world)}manifest/", secret, **{"match[type]": "report"})
    (entry,) = manifest.json()["objects"]
    assert entry == {
        "id": report_id,
        "date_added": stix.timestamp(alert.updated_at),
        "version": stix.timestamp(alert.updated_at),
        "media_type": taxii.STIX_MEDIA_TYPE,
    }
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"alert.taxii_read", "alert.taxii_manifest"} <= actions


@pytest.mark.django_db
def test_refusals_without_token_or_scope(world: World) -> None:
    _token, unscoped = make_token(world.member_org, [])
    _token, reader = make_token(world.member_org, [Scope.ALERTS_READ])
    assert Client().get("/taxii2/api/collections/", headers=ACCEPT).status_code in (401, 403)
    assert get("/taxii2/api/collections/", unscoped).status_code == 403
    assert post(objects_url(world), reader, {"objects": [{}]}).status_code == 403


def partner_envelope(report_uuid: uuid.UUID, **report: Any) -> dict[str, Any]:
    indicator_id = f"indicator--{uuid.uuid4()}"
    when = "2026-11-01T10:00:00.000Z"
    common = {"spec_version": "2.1", "created": when, "modified": when}
    return {
        "objects": [
            {
                "type": "identity",
                "id": "identity--0b4f9c52-6a2d-4d7e-8d3c-2a1f0e9b8c7d",
                "name": "Partner SOC",
                "identity_class": "organization",
                **common,
            },
            stix.tlp_marking_definition(Marking.GREEN),
            {
                "type": "report",
                "id": f"report--{report_uuid}",
                "name": "Valse helpdesk belt klanten",
                "description": "Bellers vragen om een 'veilige rekening'.",
                "published": when,
                "report_types": ["threat-report"],
                "object_refs": [indicator_id],
                "labels": [f"fraud-type:{BANKHELPDESK}", "phase:contact"],
                "object_marking_refs": [GREEN],
                **common,
                **report,
            },
            {
                "type": "indicator",
                "id": indicator_id,
                "pattern": f"[bank-account:iban = '{IBAN}']",
                "pattern_type": "stix",
                "valid_from": when,
                "object_marking_refs": [GREEN],
                **common,
            },
            {
                "type": "sighting",
                "id": f"sighting--{uuid.uuid4()}",
                "sighting_of_ref": indicator_id,
                "first_seen": when,
                "last_seen": when,
                **common,
            },
        ]
    }


@pytest.mark.django_db
def test_post_creates_a_shared_alert_indicator_and_sighting(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE, Scope.IDENTIFIERS_WRITE])
    report_uuid = uuid.uuid4()
    envelope = partner_envelope(report_uuid)
    response = post(objects_url(world), secret, envelope)
    assert response.status_code == 202
    assert response["Content-Type"] == taxii.TAXII_MEDIA_TYPE
    status = response.json()
    assert status["status"] == "complete"
    assert (status["total_count"], status["success_count"], status["failure_count"]) == (5, 5, 0)
    alert = Alert.objects.get(uuid=report_uuid)
    assert alert.is_shared
    assert alert.marking == Marking.GREEN
    assert alert.author_organisation == world.member_org
    assert alert.fraud_type_id == BANKHELPDESK
    assert list(alert.indicators.values_list("kind", flat=True)) == ["iban"]
    sighting = Sighting.objects.get()
    assert sighting.organisation == world.member_org
    assert sighting.sharing_group == world.group
    again = get(f"/taxii2/api/status/{status['id']}/", secret).json()
    assert again == status
    _token, other = make_token(world.author_org, [Scope.ALERTS_WRITE])
    assert get(f"/taxii2/api/status/{status['id']}/", other).status_code == 404
    # the author organisation of the group reads it back under the same id
    _token, reader = make_token(world.author_org, [Scope.ALERTS_READ])
    found = get(f"{objects_url(world)}report--{report_uuid}/", reader).json()
    assert found["objects"][0]["name"] == "Valse helpdesk belt klanten"
    assert AuditEvent.objects.filter(action="alert.taxii_add").count() == 1


@pytest.mark.django_db
def test_post_with_bad_objects_reports_each_and_adds_nothing(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE])
    envelope = partner_envelope(uuid.uuid4())
    objects = envelope["objects"]
    objects[3]["pattern"] = "[bank-account:iban = 'NL00ABNA0000000000']"
    objects.append({"type": "malware", "id": f"malware--{uuid.uuid4()}", "spec_version": "2.1"})
    objects.append({"type": "indicator", "id": "indicator--nope", "spec_version": "2.1"})
    objects.append("not an object")
    red = dict(objects[2], id=f"report--{uuid.uuid4()}")
    red["object_marking_refs"] = [stix.TLP2_MARKING_IDS[Marking.RED]]
    objects.append(red)
    status = post(objects_url(world), secret, envelope).json()
    assert status["success_count"] == 0
    assert status["failure_count"] == len(objects)
    messages = {f["id"]: f["message"] for f in status["failures"]}
    assert "pattern value" in messages[objects[3]["id"]]
    assert "not accepted" in messages[objects[5]["id"]]
    assert "'id' must be" in messages["indicator--nope"]
    assert "expected a STIX object" in messages[""]
    assert "TLP:RED" in messages[red["id"]]
    assert "cannot be imported" in messages[objects[4]["id"]]
    assert "nothing was added" in messages[objects[0]["id"]]
    assert Alert.objects.count() == 0
    assert ExchangeStatus.objects.count() == 1


@pytest.mark.django_db
def test_post_refused_by_the_services_rolls_everything_back(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE, Scope.IDENTIFIERS_WRITE])
    good = partner_envelope(uuid.uuid4())["objects"]
    leaky = partner_envelope(uuid.uuid4(), description="Bel 06-12345678 voor info")["objects"]
    status = post(objects_url(world), secret, {"objects": good + leaky}).json()
    messages = {f["id"]: f["message"] for f in status["failures"]}
    assert "personal_data" in messages[leaky[2]["id"]] or "pii" in messages[leaky[2]["id"]]
    assert status["success_count"] == 0
    assert Alert.objects.count() == 0
    assert Sighting.objects.count() == 0


@pytest.mark.django_db
def test_post_checks_envelope_media_type_and_membership(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE])
    _token, outsider = make_token(world.outsider_org, [Scope.ALERTS_WRITE])
    assert post(objects_url(world), secret, {"objects": []}).status_code == 400
    json_only = Client().get(
        objects_url(world), headers={"Authorization": f"Bearer {secret}", "Accept": "text/html"}
    )
    assert json_only.status_code == 406
    wrong = post(objects_url(world), secret, {"objects": [{}]}, content_type="application/json")
    assert wrong.status_code == 415
    assert post(objects_url(world), outsider, partner_envelope(uuid.uuid4())).status_code == 404
    # sightings need identifiers:write, which this token lacks
    status = post(objects_url(world), secret, partner_envelope(uuid.uuid4())).json()
    (sighting,) = [f for f in status["failures"] if f["id"].startswith("sighting--")]
    assert "identifiers:write" in sighting["message"]
    assert Alert.objects.count() == 0


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.secret}"
        return request


@pytest.mark.django_db(transaction=True)
def test_taxii2_client_reads_pages_and_adds_objects(live_server: Any) -> None:
    ensure_fraud_types()
    world = make_world()
    for n in range(3):
        alert_with_indicator(world, f"for the client {n}")
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE, Scope.IDENTIFIERS_WRITE])
    auth = BearerAuth(secret)
    server = Server(f"{live_server.url}/taxii2/", auth=auth)
    (root,) = server.api_roots
    (collection,) = root.collections
    assert collection.title == "Kerngroep"
    assert collection.can_write is True
    client = Collection(collection.url, auth=auth)
    pages = list(as_pages(client.get_objects, per_request=4))
    assert len(pages) == 4  # 13 objects, 4 per page
    names = [o["name"] for page in pages for o in page.get("objects", []) if o["type"] == "report"]
    assert names == [f"for the client {n}" for n in range(3)]
    manifest = client.get_manifest(type="report")
    assert len(manifest["objects"]) == 3

    report_uuid = uuid.uuid4()
    status = client.add_objects(partner_envelope(report_uuid), wait_for_completion=False)
    assert status.status == "complete"
    assert status.success_count == 5
    polled = Status(f"{root.url}status/{status.id}/", auth=auth)
    assert polled.success_count == 5
    status.refresh()  # the client's own status URL
    assert (status.status, status.failure_count) == ("complete", 0)
    found = client.get_object(f"report--{report_uuid}")
    assert found["objects"][0]["id"] == f"report--{report_uuid}"
    versions = client.object_versions(f"report--{report_uuid}")
    assert versions["versions"] == [found["objects"][0]["modified"]]


@pytest.mark.django_db
def test_markup_posted_by_a_partner_renders_escaped(world: World) -> None:
    from ketenwacht.alerts.tests.factories import client_for

    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE])
    report_uuid = uuid.uuid4()
    envelope = partner_envelope(
        report_uuid,
        name="<script>alert(1)</script> Nep-helpdesk",
        description="<img src=x onerror=alert(2)> [klik](javascript:alert(3))",
    )
    envelope["objects"] = [o for o in envelope["objects"] if o["type"] != "sighting"]
    assert post(objects_url(world), secret, envelope).json()["success_count"] == 4
    page = client_for(world.author).get(f"/portal/alerts/{report_uuid}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nep-helpdesk" in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page


@pytest.mark.django_db
def test_long_description_becomes_the_sanitised_markdown_body(world: World) -> None:
    from ketenwacht.alerts.tests.factories import client_for

    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE])
    report_uuid = uuid.uuid4()
    long_text = "[klik](javascript:alert(3)) <script>alert(4)</script> " + "Bellers. " * 80
    envelope = partner_envelope(report_uuid, description=long_text)
    envelope["objects"] = [o for o in envelope["objects"] if o["type"] != "sighting"]
    assert post(objects_url(world), secret, envelope).json()["success_count"] == 4
    alert = Alert.objects.get(uuid=report_uuid)
    assert (alert.summary, alert.body) == ("", long_text.strip())
    page = client_for(world.author).get(f"/portal/alerts/{report_uuid}/").content.decode()
    assert 'href="javascript:' not in page
    assert "<script>alert(4)</script>" not in page


@pytest.mark.django_db
def test_import_objects_refuses_a_non_member(world: World) -> None:
    from ketenwacht.alerts.exchange import stix_import
    from ketenwacht.errors import PermissionDeniedError
    from ketenwacht.partners.access import actor_for_token

    token, _secret = make_token(world.outsider_org, [Scope.ALERTS_WRITE])
    with pytest.raises(PermissionDeniedError):
        stix_import.import_objects(
            actor=actor_for_token(token),
            group=world.group,
            objects=partner_envelope(uuid.uuid4())["objects"],
        )
    assert Alert.objects.count() == 0
