"""The block list for DNS operators and the SMS batches of telecom operators."""

from __future__ import annotations

import pytest
from django.test import Client

from ketenwacht.partners.constants import Scope
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import make_token
from ketenwacht.shield import services
from ketenwacht.shield.constants import MAX_SMS_CHARS, Channel, Verdict
from ketenwacht.shield.models import Host, Report
from ketenwacht.shield.tests.factories import make_block, make_organisation

pytestmark = pytest.mark.django_db
RPZ_URL = "/api/v1/shield/rpz"
SMS_URL = "/api/v1/shield/sms-reports"


def api(scopes: list[str], organisation: Organisation | None = None) -> Client:
    _token, secret = make_token(organisation, scopes=scopes)
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_rpz_download_with_etag_and_conditional_get() -> None:
    make_block(name="bad-bank.nl")
    client = api([Scope.SHIELD_RPZ])
    response = client.get(RPZ_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/dns")
    assert b"bad-bank.nl CNAME" in response.content
    etag = response["ETag"]
    unchanged = client.get(RPZ_URL, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    make_block(name="new-phish.nl")
    services.zone_bump()
    changed = client.get(RPZ_URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert b"new-phish.nl" in changed.content


def test_rpz_other_formats_and_unknown_format() -> None:
    make_block(name="bad-bank.nl")
    client = api([Scope.SHIELD_RPZ])
    hosts = client.get(RPZ_URL, {"kind": "hosts"})
    assert b"0.0.0.0 bad-bank.nl" in hosts.content
    domains = client.get(RPZ_URL, {"kind": "domains"})
    assert b"\nbad-bank.nl\n" in domains.content
    bad = client.get(RPZ_URL, {"kind": "bind"})
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_kind"


def test_rpz_needs_the_scope() -> None:
    assert Client().get(RPZ_URL).status_code == 401
    response = api([Scope.SHIELD_SUBMIT]).get(RPZ_URL)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_sms_batch_triages_good_items_and_reports_bad_ones() -> None:
    organisation = make_organisation()
    client = api([Scope.SHIELD_SUBMIT], organisation)
    payload = {
        "messages": [
            {
                "id": "kpn-1",
                "text": "Uw pakket wacht. Betaal €1,99 via https://postnl-pakket.com/b",
            },
            {"id": "kpn-2", "text": "x" * (MAX_SMS_CHARS + 1)},
            {"id": "kpn-3", "text": "   "},
            {"id": "kpn-4", "text": "Hoi mam, dit is mijn nieuwe nummer. Appen?"},
        ]
    }
    response = client.post(SMS_URL, payload, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2 and body["rejected"] == 2
    assert [e["code"] for e in body["errors"]] == ["sms_too_long", "empty_message"]
    assert [e["index"] for e in body["errors"]] == [1, 2]
    first = body["results"][0]
    assert first["id"] == "kpn-1" and first["urls"] == 1 and not first["duplicate"]
    report = Report.objects.get(reference=first["reference"])
    assert report.channel == Channel.SMS and report.organisation == organisation
    assert Host.objects.filter(name="postnl-pakket.com").exists()
    assert body["results"][1]["verdict"] == Verdict.NO_LINKS


def test_sms_batch_is_idempotent_per_operator_id() -> None:
    organisation = make_organisation()
    client = api([Scope.SHIELD_SUBMIT], organisation)
    payload = {"messages": [{"id": "t-1", "text": "Zie https://phish-een.nl/"}]}
    first = client.post(SMS_URL, payload, content_type="application/json").json()
    again = client.post(SMS_URL, payload, content_type="application/json").json()
    assert again["results"][0]["duplicate"] is True
    assert again["results"][0]["reference"] == first["results"][0]["reference"]
    assert Report.objects.count() == 1
    assert Host.objects.get(name="phish-een.nl").report_count == 1


def test_sms_batch_shape_errors_are_problem_details() -> None:
    client = api([Scope.SHIELD_SUBMIT])
    response = client.post(SMS_URL, {"messages": []}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "messages"


def test_partner_sees_the_verdict_of_its_own_reports_only() -> None:
    mine, other = make_organisation(), make_organisation()
    client = api([Scope.SHIELD_SUBMIT], mine)
    payload = {"messages": [{"id": "a", "text": "Geen link hier"}]}
    reference = client.post(SMS_URL, payload, content_type="application/json").json()["results"][0][
        "reference"
    ]
    response = client.get(f"/api/v1/shield/reports/{reference}")
    assert response.status_code == 200 and response.json()["verdict"] == Verdict.NO_LINKS
    stranger = api([Scope.SHIELD_SUBMIT], other).get(f"/api/v1/shield/reports/{reference}")
    assert stranger.status_code == 404


def test_sms_batch_where_every_item_fails_answers_422() -> None:
    client = api([Scope.SHIELD_SUBMIT])
    payload = {"messages": [{"text": " "}, {"text": "x" * (MAX_SMS_CHARS + 1)}]}
    response = client.post(SMS_URL, payload, content_type="application/json")
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["empty_message", "sms_too_long"]
