"""STIX 2.1 export: valid bundles, TLP 2.0 markings, pseudonymised patterns, who receives what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance

from ketenwacht.alerts import services
from ketenwacht.alerts.exchange import stix
from ketenwacht.alerts.tests.factories import World, make_alert, make_world
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Marking

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"
PHONE = "+31612345678"


@pytest.fixture
def world() -> World:
    return make_world()


def assert_valid(bundle: dict[str, Any]) -> None:
    results = validate_instance(bundle, ValidationOptions(version="2.1"))
    messages = [str(error) for error in results.errors]
    assert results.is_valid, messages


def of_type(bundle: dict[str, Any], object_type: str) -> list[dict[str, Any]]:
    return [obj for obj in bundle["objects"] if obj["type"] == object_type]


def alert_with_indicators(world: World, marking: str = Marking.GREEN, **fields: Any) -> Any:
    recipients = [world.member] if marking == Marking.RED else []
    alert = make_alert(world, marking=marking, recipients=recipients, **fields)
    services.alert_indicator_add(actor=world.author, alert=alert, value=IBAN, note="mule")
    services.alert_indicator_add(actor=world.author, alert=alert, value=PHONE)
    services.alert_indicator_add(actor=world.author, alert=alert, value="helpdesk@bank-veilig.nl")
    services.alert_indicator_add(actor=world.author, alert=alert, value="https://bank-veilig.nl/x")
    return alert


def test_bundle_with_every_object_kind_passes_the_validator(world: World) -> None:
    alert = alert_with_indicators(world)
    bundle = stix.export_bundle(actor=world.member, route="api")
    assert_valid(bundle)
    types = {obj["type"] for obj in bundle["objects"]}
    assert types == {
        "identity",
        "extension-definition",
        "marking-definition",
        "report",
        "indicator",
        "sighting",
    }
    (report,) = of_type(bundle, "report")
    assert report["id"] == f"report--{alert.uuid}"
    assert len(of_type(bundle, "indicator")) == 4
    assert len(of_type(bundle, "sighting")) == 4
    assert set(report["object_refs"]) == {
        obj["id"] for obj in bundle["objects"] if obj["type"] in {"indicator", "sighting"}
    }


@pytest.mark.parametrize("marking", list(Marking.values))
def test_every_marking_is_the_published_tlp2_definition(world: World, marking: str) -> None:
    alert_with_indicators(world, marking=marking)
    bundle = stix.export_bundle(actor=SYSTEM, route="page")
    assert_valid(bundle)
    (definition,) = of_type(bundle, "marking-definition")
    assert definition["id"] == stix.TLP2_MARKING_IDS[marking]
    assert definition["name"] == f"TLP:{marking}"
    extension = definition["extensions"][stix.TLP2_EXTENSION_ID]
    assert extension == {"extension_type": "property-extension", "tlp_2_0": marking.lower()}
    for obj in of_type(bundle, "indicator") + of_type(bundle, "report"):
        assert obj["object_marking_refs"] == [definition["id"]]


def test_published_tlp2_ids_are_the_oasis_ones() -> None:
    assert stix.TLP2_MARKING_IDS[Marking.CLEAR].endswith("94868c89-83c2-464b-929b-a1a8aa3c8487")
    assert stix.TLP2_MARKING_IDS[Marking.RED].endswith("e828b379-4e03-4974-9ac4-e53a884c97c1")
    assert stix.TLP2_EXTENSION_ID.endswith("60a3c5c5-0d10-413e-aab3-9e08dde9e88d")


def test_patterns_carry_pseudonyms_and_never_raw_values(world: World) -> None:
    alert = alert_with_indicators(world)
    bundle = stix.export_bundle(actor=world.member, route="api")
    text = json.dumps(bundle)
    assert IBAN not in text
    assert "612345678" not in text
    patterns = {
        indicator.kind: f"[{stix.KIND_OBSERVABLE[indicator.kind][0]}:x_ketenwacht_pseudonym = "
        f"'{indicator.pseudonym.reference}']"
        for indicator in alert.indicators.select_related("pseudonym")
    }
    exported = {obj["labels"][0]: obj["pattern"] for obj in of_type(bundle, "indicator")}
    assert exported == patterns
    assert patterns["iban"].startswith("[bank-account:")
    assert patterns["phone"].startswith("[phone-number:")


def test_extension_definition_declares_the_fraud_observables(world: World) -> None:
    alert_with_indicators(world)
    bundle = stix.export_bundle(actor=world.member, route="api")
    (extension,) = of_type(bundle, "extension-definition")
    assert extension["extension_types"] == ["new-sco", "toplevel-property-extension"]
    assert extension["extension_properties"] == ["x_ketenwacht_pseudonym"]
    for observable in ("bank-account", "phone-number", "marketplace"):
        assert observable in extension["description"]


def test_sighting_is_by_the_author_organisation(world: World) -> None:
    alert_with_indicators(world)
    bundle = stix.export_bundle(actor=world.member, route="api")
    authors = [obj for obj in of_type(bundle, "identity") if obj["name"] == "Bank A"]
    (author,) = authors
    indicator_ids = {obj["id"] for obj in of_type(bundle, "indicator")}
    for sighting in of_type(bundle, "sighting"):
        assert sighting["where_sighted_refs"] == [author["id"]]
        assert sighting["sighting_of_ref"] in indicator_ids


def test_export_route_carries_clear_and_green_only(world: World) -> None:
    shared = {m: alert_with_indicators(world, marking=m, title=f"alert {m}") for m in Marking}
    exported = {obj["name"] for obj in of_type(stix.export_bundle(actor=world.member), "report")}
    assert exported == {shared[Marking.CLEAR].title, shared[Marking.GREEN].title}


def test_api_route_reaches_up_to_amber_strict_never_red(world: World) -> None:
    for marking in Marking:
        alert_with_indicators(world, marking=marking, title=f"alert {marking}")
    bundle = stix.export_bundle(actor=world.member, route="api")
    names = {obj["name"] for obj in of_type(bundle, "report")}
    assert names == {f"alert {m}" for m in Marking if m != Marking.RED}
    assert_valid(bundle)


def test_outsider_receives_no_alert_by_any_route(world: World) -> None:
    alert_with_indicators(world, marking=Marking.CLEAR)
    for route in ("api", "export"):
        bundle = stix.export_bundle(actor=world.outsider, route=route)
        assert of_type(bundle, "report") == []
        assert of_type(bundle, "indicator") == []


def test_drafts_stay_and_withdrawn_alerts_leave_revoked(world: World) -> None:
    make_alert(world, marking=Marking.GREEN, share=False, title="draft")
    withdrawn = alert_with_indicators(world, title="withdrawn")
    services.alert_withdraw(actor=world.author, alert=withdrawn, reason="wrong number")
    bundle = stix.export_bundle(actor=world.author, route="api")
    (report,) = of_type(bundle, "report")
    assert report["name"] == "withdrawn"
    assert report["revoked"] is True
    assert all(obj["revoked"] for obj in of_type(bundle, "indicator"))
    assert_valid(bundle)


def test_ids_are_stable_across_exports(world: World) -> None:
    alert_with_indicators(world)
    first = stix.export_bundle(actor=world.member, route="api")
    second = stix.export_bundle(actor=world.member, route="api")
    assert [o["id"] for o in first["objects"]] == [o["id"] for o in second["objects"]]
    assert first["id"] != second["id"]


def test_markup_in_text_is_carried_as_data(world: World) -> None:
    alert_with_indicators(world, title="<script>alert(1)</script> fraude")
    bundle = stix.export_bundle(actor=world.member, route="api")
    (report,) = of_type(bundle, "report")
    assert report["name"] == "<script>alert(1)</script> fraude"
    assert_valid(bundle)
