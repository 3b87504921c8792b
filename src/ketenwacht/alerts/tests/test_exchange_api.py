"""/api/v1/alerts/exchange: STIX bundle, MISP feed (read by PyMISP), MISP import (PyMISP in)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pymisp import MISPAttribute, MISPEvent, MISPOrganisation
from pymisp.tools import feed_meta_generator
from stix2validator import ValidationOptions, validate_instance

from ketenwacht.alerts import services
from ketenwacht.alerts.models import Alert, AlertIndicator
from ketenwacht.alerts.tests.factories import BANKHELPDESK, World, make_alert, make_world
from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers.models import Sighting
from ketenwacht.partners.constants import Marking, Scope
from ketenwacht.partners.tests.factories import make_token

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"
BASE = "/api/v1/alerts/exchange"
SEEN = int(time.time()) - 86_400  # a day ago, inside any retention


@pytest.fixture
def world() -> World:
    return make_world()


def headers(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def get(path: str, secret: str, **params: Any) -> Any:
    return Client().get(f"{BASE}/{path}", params, headers=headers(secret))


def one_per_marking(world: World) -> dict[str, Alert]:
    alerts: dict[str, Alert] = {}
    for marking in (Marking.CLEAR, Marking.GREEN, Marking.AMBER, Marking.AMBER_STRICT):
        alert = make_alert(world, marking=marking, share=False, title=f"alert {marking}")
        services.alert_indicator_add(actor=world.author, alert=alert, value=IBAN)
        alerts[marking] = services.alert_share(actor=world.author, alert=alert)
    alerts[Marking.RED] = make_alert(
        world, marking=Marking.RED, recipients=[world.member], title="alert RED"
    )
    return alerts


def report_names(bundle: dict[str, Any]) -> set[str]:
    return {o["name"] for o in bundle["objects"] if o["type"] == "report"}


def test_stix_bundle_by_audience_is_valid_and_audited(world: World) -> None:
    one_per_marking(world)
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    response = get("stix", secret)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    community = response.json()
    assert report_names(community) == {"alert CLEAR", "alert GREEN"}
    assert IBAN not in response.content.decode()
    options = ValidationOptions(version="2.1", strict=False)
    assert validate_instance(community, options).is_valid
    organisation = get("stix", secret, audience="organisation").json()
    assert report_names(organisation) == {
        "alert CLEAR",
        "alert GREEN",
        "alert AMBER",
        "alert AMBER+STRICT",
    }
    assert validate_instance(organisation, options).is_valid
    assert get("stix", secret, audience="everyone").status_code == 400
    later = get("stix", secret, updated_after="2999-01-01T00:00:00Z").json()
    assert report_names(later) == set()
    exports = AuditEvent.objects.filter(action="alert.export")
    assert exports.count() == 2
    assert all(e.details["format"] == "stix" for e in exports)


def test_stix_bundle_of_an_outsider_is_empty(world: World) -> None:
    one_per_marking(world)
    _token, outsider = make_token(world.outsider_org, [Scope.ALERTS_READ])
    assert report_names(get("stix", outsider, audience="organisation").json()) == set()
    assert get("misp/manifest.json", outsider).json() == {}


def test_misp_feed_as_pymisp_builds_it(world: World, tmp_path: Path) -> None:
    alerts = one_per_marking(world)
    _token, secret = make_token(world.member_org, [Scope.ALERTS_READ])
    manifest = get("misp/manifest.json", secret).json()
    shared = {str(alerts[Marking.CLEAR].uuid), str(alerts[Marking.GREEN].uuid)}
    assert set(manifest) == shared
    for event_uuid in manifest:
        response = get(f"misp/{event_uuid}.json", secret)
        assert response.status_code == 200
        (tmp_path / f"{event_uuid}.json").write_bytes(response.content)
        event = MISPEvent()
        event.load(response.content.decode())
        assert event.uuid == event_uuid
        assert event.info == manifest[event_uuid]["info"]
    # PyMISP's own feed generator over our event files gives our hashes.csv and manifest keys
    feed_meta_generator(tmp_path)
    ours = get("misp/hashes.csv", secret)
    assert ours["Content-Type"] == "text/csv"
    theirs = (tmp_path / "hashes.csv").read_text()
    assert sorted(ours.content.decode().splitlines()) == sorted(theirs.splitlines())
    assert set(json.loads((tmp_path / "manifest.json").read_text())) == set(manifest)
    amber = get(f"misp/{alerts[Marking.AMBER].uuid}.json", secret)
    assert amber.status_code == 404
    assert amber["Content-Type"] == "application/problem+json"
    formats = set(
        AuditEvent.objects.filter(action="alert.export").values_list("details__format", flat=True)
    )
    assert formats == {"misp-manifest", "misp-event", "misp-hashes"}


def pymisp_event(**extra: Any) -> MISPEvent:
    event = MISPEvent()
    event.info = "<img src=x onerror=alert(1)> Nep-marktplaatskoper"
    event.distribution = 1
    event.add_tag("tlp:amber")
    event.add_tag(f"ketenwacht:fraud-type={BANKHELPDESK}")
    iban = event.add_attribute("iban", IBAN)
    assert isinstance(iban, MISPAttribute)
    iban.add_sighting({"type": "0", "date_sighting": str(SEEN)})
    event.add_attribute("phone-number", "+31612345678")
    event.add_attribute("domain", "marktplaats-betaling.nl")
    for key, value in extra.items():
        setattr(event, key, value)
    return event


def post_import(secret: str, body: str, **params: Any) -> Any:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return Client().post(
        f"{BASE}/misp/import?{query}",
        body,
        content_type="application/json",
        headers=headers(secret),
    )


def test_misp_import_from_pymisp_makes_a_draft_with_indicators_and_sightings(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE, Scope.IDENTIFIERS_WRITE])
    response = post_import(secret, pymisp_event().to_json(), group=world.group.pk)
    assert response.status_code == 201, response.json().get("errors")
    body = response.json()
    assert body["status"] == "draft"
    assert body["marking"] == Marking.AMBER
    assert body["fraud_type"] == BANKHELPDESK
    assert body["title"] == "<img src=x onerror=alert(1)> Nep-marktplaatskoper"
    assert sorted(i["kind"] for i in body["indicators"]) == ["domain", "iban", "phone"]
    sighting = Sighting.objects.get()
    assert sighting.organisation == world.member_org
    assert sighting.kind == "iban"
    assert int(sighting.observed_at.timestamp()) == SEEN
    # the feed form ({"Event": …}) imports too
    partner = MISPOrganisation()
    partner.from_dict(name="Partner CERT", uuid=str(uuid.uuid4()))
    feed_form = json.dumps(pymisp_event(Orgc=partner).to_feed())
    assert post_import(secret, feed_form, group=world.group.pk).status_code == 201


def test_misp_import_reports_every_bad_attribute_and_imports_nothing(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE])
    event = pymisp_event()
    event.add_attribute("iban", "NL00ABNA0000000000")
    event.add_attribute("ip-src", "192.0.2.1")
    response = post_import(secret, event.to_json(), group=world.group.pk)
    assert response.status_code == 400
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert problem["code"] == "misp_invalid"
    fields = [error["field"] for error in problem["errors"]]
    assert fields == ["Event.Attribute[3].value", "Event.Attribute[4].type"]
    assert Alert.objects.count() == 0


def test_misp_import_sightings_need_identifiers_write(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE])
    response = post_import(secret, pymisp_event().to_json(), group=world.group.pk)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "Event.Attribute[0].Sighting"
    assert "identifiers:write" in error["detail"]
    assert Alert.objects.count() == 0
    assert Sighting.objects.count() == 0


def test_misp_import_kind_the_agreement_refuses_is_an_item_error(world: World) -> None:
    _token, secret = make_token(world.member_org, [Scope.ALERTS_WRITE, Scope.IDENTIFIERS_WRITE])
    event = pymisp_event()
    event.add_attribute("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
    response = post_import(secret, event.to_json(), group=world.group.pk)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "Event.Attribute[3].value"
    assert "kind_not_allowed" in error["detail"]
    assert Alert.objects.count() == 0


def test_misp_import_refusals(world: World) -> None:
    _token, reader = make_token(world.member_org, [Scope.ALERTS_READ])
    _token, outsider = make_token(world.outsider_org, [Scope.ALERTS_WRITE])
    _token, writer = make_token(world.member_org, [Scope.ALERTS_WRITE])
    body = pymisp_event().to_json()
    assert post_import(reader, body, group=world.group.pk).status_code == 403
    assert post_import(outsider, body, group=world.group.pk).status_code == 404
    assert post_import(writer, body).status_code == 400
    assert post_import(writer, "[1, 2]", group=world.group.pk).status_code == 400
    assert Alert.objects.count() == 0


def test_bulk_import_merges_repeated_values(world: World) -> None:
    alert = make_alert(world, share=False)
    items = [("iban", IBAN), ("iban", "NL91 ABNA 0417 1643 00"), ("phone", "+31612345678")]
    added = services.alert_indicators_import(actor=world.author, alert=alert, items=items)
    assert added == 2
    assert services.alert_indicators_import(actor=world.author, alert=alert, items=items) == 0
    assert alert.indicators.count() == 2


def test_bulk_import_keeps_raw_values_and_pseudonyms_like_the_single_path(world: World) -> None:
    from ketenwacht.alerts.tests.factories import person
    from ketenwacht.partners.constants import Role

    single = make_alert(world, share=False, title="single")
    one = services.alert_indicator_add(actor=world.author, alert=single, value=IBAN)
    bulk = make_alert(world, share=False, title="bulk")
    services.alert_indicators_import(
        actor=world.author, alert=bulk, items=[("iban", IBAN), ("phone", "+31612345678")]
    )
    by_kind = {i.kind: i for i in bulk.indicators.select_related("pseudonym")}
    assert by_kind["iban"].pseudonym_id == one.pseudonym_id  # the same pseudonym, not a copy
    assert by_kind["iban"].display_hint == one.display_hint
    assert by_kind["iban"].has_raw_value  # the agreement keeps IBANs for a year
    services.alert_share(actor=world.author, alert=bulk)
    police = person(Role.POLICE_ANALYST, world.member_org)
    indicator = AlertIndicator.objects.get(pk=by_kind["iban"].pk)  # with the shared alert
    revealed = services.alert_raw_value_reveal(
        actor=police, indicator=indicator, reason="onderzoek 2026-123"
    )
    assert revealed.value == IBAN
    assert AuditEvent.objects.filter(action="alert.indicators_import").count() == 1
