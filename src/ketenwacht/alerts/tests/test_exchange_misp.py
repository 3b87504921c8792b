"""MISP feed export: files PyMISP loads, CLEAR and GREEN only, pseudonyms not raw values."""

from __future__ import annotations

import hashlib
import json

import pytest
from pymisp import MISPEvent

from ketenwacht.alerts import services
from ketenwacht.alerts.exchange import misp
from ketenwacht.alerts.tests.factories import World, make_alert, make_world
from ketenwacht.partners.constants import Marking

pytestmark = pytest.mark.django_db

IBAN = "NL91ABNA0417164300"


@pytest.fixture
def world() -> World:
    return make_world()


def test_feed_loads_in_pymisp_with_tlp_tag_and_distribution(world: World) -> None:
    alert = make_alert(world, marking=Marking.GREEN, title="<b>Valse</b> helpdesk")
    indicator = services.alert_indicator_add(actor=world.author, alert=alert, value=IBAN)
    files = misp.export_feed(actor=world.member)
    assert set(files) == {"manifest.json", "hashes.csv", f"{alert.uuid}.json"}

    event = MISPEvent()
    event.load(files[f"{alert.uuid}.json"])
    assert event.uuid == str(alert.uuid)
    assert event.info == "<b>Valse</b> helpdesk"
    assert event.distribution == 1
    assert "tlp:green" in {tag.name for tag in event.tags}
    (attribute,) = event.attributes
    assert attribute.value == indicator.pseudonym.reference
    assert attribute.category == "Financial fraud"
    assert IBAN not in files[f"{alert.uuid}.json"]

    manifest = json.loads(files["manifest.json"])
    assert manifest[str(alert.uuid)]["info"] == "<b>Valse</b> helpdesk"
    md5 = hashlib.md5(indicator.pseudonym.reference.encode(), usedforsecurity=False).hexdigest()
    assert files["hashes.csv"] == f"{md5},{alert.uuid}\n"


def test_feed_carries_clear_and_green_only(world: World) -> None:
    titles = {}
    for marking in (Marking.CLEAR, Marking.GREEN, Marking.AMBER, Marking.AMBER_STRICT):
        titles[marking] = make_alert(world, marking=marking, title=f"alert {marking}").uuid
    manifest = json.loads(misp.export_feed(actor=world.member)["manifest.json"])
    assert set(manifest) == {str(titles[Marking.CLEAR]), str(titles[Marking.GREEN])}
    clear = MISPEvent()
    clear.load(misp.export_feed(actor=world.member)[f"{titles[Marking.CLEAR]}.json"])
    assert clear.distribution == 3


def test_outsider_feed_is_empty(world: World) -> None:
    make_alert(world, marking=Marking.CLEAR)
    files = misp.export_feed(actor=world.outsider)
    assert files == {"manifest.json": "{}", "hashes.csv": ""}
