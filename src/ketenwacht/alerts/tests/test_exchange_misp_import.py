"""MISP event import: an alert with indicators, marking from tags or distribution, atomic."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ketenwacht.alerts.exchange import misp_import
from ketenwacht.alerts.models import Alert
from ketenwacht.alerts.tests.factories import World, make_world
from ketenwacht.errors import ValidationFailed
from ketenwacht.partners.constants import Marking

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def event(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "info": "<script>alert(1)</script> Valse bankmedewerker",
        "distribution": "1",
        "Tag": [{"name": "tlp:green"}],
        "Attribute": [
            {"type": "iban", "value": "NL91ABNA0417164300"},
            {"type": "phone-number", "value": "+31612345678"},
            {"type": "email-src", "value": "helpdesk@bank-veilig.nl"},
            {"type": "url", "value": "https://bank-veilig.nl/login"},
            {"type": "domain", "value": "bank-veilig.nl"},
        ],
        **fields,
    }
    return {"Event": body}


def test_event_becomes_an_alert_with_indicators(world: World) -> None:
    alert = misp_import.misp_event_import(
        actor=world.author, group=world.group, payload=json.dumps(event())
    )
    assert alert.title == "<script>alert(1)</script> Valse bankmedewerker"
    assert alert.marking == Marking.GREEN
    assert alert.group == world.group
    assert alert.author_organisation == world.author_org
    kinds = sorted(alert.indicators.values_list("kind", flat=True))
    assert kinds == ["domain", "email", "iban", "phone", "url"]


@pytest.mark.parametrize(
    ("tags", "distribution", "marking"),
    [
        ([], "0", Marking.AMBER_STRICT),
        ([], "1", Marking.AMBER),
        ([], "3", Marking.GREEN),
        ([{"name": "tlp:white"}], "3", Marking.CLEAR),
        ([{"name": "tlp:clear"}, {"name": "TLP:AMBER+STRICT"}], "3", Marking.AMBER_STRICT),
    ],
)
def test_marking_from_tlp_tag_else_distribution(
    world: World, tags: list[dict[str, str]], distribution: str, marking: str
) -> None:
    payload = event(Tag=tags, distribution=distribution, Attribute=[])
    alert = misp_import.misp_event_import(actor=world.author, group=world.group, payload=payload)
    assert alert.marking == marking


def test_malformed_event_reports_each_problem_and_imports_nothing(world: World) -> None:
    payload = event(
        Attribute=[
            {"type": "iban", "value": "NL91ABNA0417164300"},
            {"type": "iban", "value": "NL00ABNA0000000000"},
            {"type": "ip-src", "value": "192.0.2.1"},
            {"type": "url"},
            "not an object",
        ]
    )
    with pytest.raises(misp_import.MispImportError) as caught:
        misp_import.misp_event_import(actor=world.author, group=world.group, payload=payload)
    paths = [error["path"] for error in caught.value.details["errors"]]
    assert paths == [
        "Event.Attribute[1].value",
        "Event.Attribute[2].type",
        "Event.Attribute[3].value",
        "Event.Attribute[4]",
    ]
    assert Alert.objects.count() == 0


def test_not_json_is_refused(world: World) -> None:
    with pytest.raises(misp_import.MispImportError):
        misp_import.misp_event_import(actor=world.author, group=world.group, payload="{nope")
    assert Alert.objects.count() == 0


def test_outsider_cannot_import_into_a_group(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        misp_import.misp_event_import(actor=world.outsider, group=world.group, payload=event())
    assert caught.value.code == "not_a_member"
    assert Alert.objects.count() == 0
