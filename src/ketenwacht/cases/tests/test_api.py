"""POST /api/v1/cases/reports and /api/v1/cases/suspect-postcodes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases.constants import ReportSource
from ketenwacht.cases.models import Cluster, Report, ReportLink, SuspectLocation
from ketenwacht.cases.tests.factories import World
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.constants import Confidence
from ketenwacht.identifiers.models import Sighting
from ketenwacht.partners.constants import Scope, Sector
from ketenwacht.partners.tests.factories import OrganisationFactory, SharingGroupFactory, make_token
from ketenwacht.synth.generators import identifiers

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/reports"
IBAN, OTHER_IBAN = identifiers("iban", 2, seed="api")


def _client(organisation: Any, scopes: list[str]) -> Client:
    _token, secret = make_token(organisation, scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "number": "2024-0001",
        "reported_on": timezone.localdate().isoformat(),
        "fraud_type": "bankhelpdesk",
        "damage_cents": 250_000,
        "victim_postcode": "3511",
        "victim_age_band": "75_plus",
        "identifiers": [{"value": IBAN, "role": "beneficiary_account"}],
    }
    body.update(overrides)
    return body


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def _assert_not_stored(row: Model, values: set[str]) -> None:
    """None of ``values`` appears in any column of ``row`` as stored (read back fresh)."""
    stored = type(row)._default_manager.filter(pk=row.pk).values().get()
    for column, value in stored.items():
        if isinstance(value, memoryview | bytes | bytearray):
            assert all(v.encode() not in bytes(value) for v in values), column
        else:
            assert all(v not in str(value) for v in values), column


def test_a_police_report_is_stored_pseudonymised_and_recorded_as_a_sighting(world: World) -> None:
    client = _client(world.police, [Scope.CASES_REPORT])
    response = _post(client, _body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["duplicate"] is False and data["source"] == ReportSource.POLICE
    assert data["identifiers"] == [
        {
            "index": 0,
            "ok": True,
            "kind": "iban",
            "display_hint": data["identifiers"][0]["display_hint"],
        }
    ]
    assert IBAN not in response.content.decode()  # only the masked hint comes back
    report = Report.objects.get(pk=data["report_id"])
    assert report.region is not None and report.region.code == "midden-nederland"
    link = ReportLink.objects.get(report=report)
    # The stored digest is the platform's own keyed pseudonym of the canonical IBAN.
    canonical = canonicalise(IBAN)
    assert canonical.kind == "iban" and link.pseudonym.kind == "iban"
    assert (link.pseudonym.key_version, bytes(link.pseudonym.digest)) == pseudonyms.current_digest(
        "iban", canonical.value
    )
    # The raw IBAN, as sent or canonical, is in no column of the stored rows.
    for row in (report, link, link.pseudonym):
        _assert_not_stored(row, {IBAN, canonical.value})
    sighting = Sighting.objects.get(pseudonym=link.pseudonym)
    assert sighting.confidence == Confidence.POLICE_REPORT and sighting.organisation == world.police
    assert AuditEvent.objects.filter(
        action="cases.report_import", object_id=str(report.pk)
    ).exists()


def test_the_same_number_again_is_idempotent(world: World) -> None:
    client = _client(world.police, [Scope.CASES_REPORT])
    first = _post(client, _body()).json()
    again = _post(client, _body(damage_cents=1, identifiers=[{"value": OTHER_IBAN}]))
    assert again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["report_id"] == first["report_id"]
    assert Report.objects.count() == 1
    assert Report.objects.get().damage_cents == 250_000  # the repeat changed nothing
    assert ReportLink.objects.count() == 1


def test_the_same_number_from_another_organisation_is_another_report(world: World) -> None:
    _post(_client(world.police, [Scope.CASES_REPORT]), _body())
    response = _post(_client(world.bank, [Scope.CASES_REPORT]), _body())
    assert response.status_code == 201
    assert response.json()["source"] == ReportSource.PARTNER  # a partner's incident report
    assert Report.objects.count() == 2
    # Both name the same IBAN: one cluster.
    assert Cluster.objects.filter(is_active=True).get().report_count == 2


def test_bad_identifiers_get_their_own_error_and_the_rest_still_count(world: World) -> None:
    client = _client(world.police, [Scope.CASES_REPORT])
    body = _body(
        identifiers=[{"value": "111222333"}, {"value": IBAN}, {"value": "no identifier at all"}]
    )
    data = _post(client, body).json()
    outcomes = {item["index"]: item for item in data["identifiers"]}
    assert outcomes[0]["ok"] is False and "bsn" in outcomes[0]["error"]["code"]
    assert outcomes[1]["ok"] is True
    assert outcomes[2]["ok"] is False
    assert ReportLink.objects.filter(report_id=data["report_id"]).count() == 1


def test_a_report_without_usable_identifiers_stays_single(world: World) -> None:
    client = _client(world.police, [Scope.CASES_REPORT])
    _post(client, _body(number="a", identifiers=[{"value": "not an identifier"}]))
    _post(client, _body(number="b", identifiers=[]))
    assert Report.objects.count() == 2
    assert set(Report.objects.values_list("membership__cluster_id", flat=True)) == {None}
    assert not Cluster.objects.exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"victim_postcode": "123A"}, "postcode4"),
        ({"victim_postcode": "0123"}, "postcode4"),
        ({"fraud_type": "alien_abduction"}, "fraud_type"),
        ({"reported_on": "2999-01-01"}, "reported_on"),
        ({"number": "  "}, "number"),
    ],
)
def test_bad_input_is_a_problem_document(
    world: World, override: dict[str, Any], field: str
) -> None:
    response = _post(_client(world.police, [Scope.CASES_REPORT]), _body(**override))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in json.dumps(response.json()["errors"])
    assert not Report.objects.exists()


def test_too_many_identifiers_are_refused(world: World) -> None:
    body = _body(identifiers=[{"value": IBAN}] * 51)
    response = _post(_client(world.police, [Scope.CASES_REPORT]), body)
    assert response.status_code == 400 and not Report.objects.exists()


def test_a_token_without_the_scope_is_refused(world: World) -> None:
    response = _post(_client(world.police, [Scope.IDENTIFIERS_WRITE]), _body())
    assert response.status_code == 403 and not Report.objects.exists()


# --- suspects' postcodes ------------------------------------------------------------------------

POSTCODE_URL = "/api/v1/cases/suspect-postcodes"


def _supply(client: Client, **overrides: Any) -> Any:
    body = {"value": IBAN, "postcode": "6211", "sharing_group": ""}
    body.update(overrides)
    return client.post(POSTCODE_URL, data=json.dumps(body), content_type="application/json")


def test_a_bank_supplies_a_suspects_postcode_under_its_agreement(world: World) -> None:
    client = _client(world.bank, [Scope.CASES_SUSPECT_POSTCODE])
    response = _supply(client, sharing_group=world.group.slug)
    assert response.status_code == 200, response.content
    location = SuspectLocation.objects.get()
    assert location.unit is not None and location.unit.code == "limburg"
    assert location.agreement == world.agreement
    assert (location.expires_at - timezone.now()).days in (364, 365)  # the agreement's IBAN term
    assert AuditEvent.objects.filter(action="cases.suspect_postcode").exists()


def test_only_banks_supply_postcodes_and_only_in_a_group_with_the_police(world: World) -> None:
    police = _supply(
        _client(world.police, [Scope.CASES_SUSPECT_POSTCODE]), sharing_group=world.group.slug
    )
    assert police.status_code == 403
    other_bank = OrganisationFactory.create(sector=Sector.BANK)
    banks_only = SharingGroupFactory.create()
    banks_only.members.set([world.bank, other_bank])
    from ketenwacht.partners.tests.factories import AgreementFactory

    AgreementFactory.create(group=banks_only)
    response = _supply(
        _client(world.bank, [Scope.CASES_SUSPECT_POSTCODE]), sharing_group=banks_only.slug
    )
    assert response.status_code == 403
    assert response.json()["code"] == "agreement_does_not_allow"
    assert not SuspectLocation.objects.exists()
