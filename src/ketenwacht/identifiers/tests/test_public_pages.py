"""The public pages: "Controleer voordat je betaalt" and the dispute form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers.constants import EVIDENCE_MAX_BYTES
from ketenwacht.identifiers.models import Dispute
from ketenwacht.identifiers.tests.factories import (
    IBAN,
    OTHER_IBAN,
    PNG_BYTES,
    Circle,
    DisputeFactory,
)
from ketenwacht.identifiers.tests.test_disputes import list_value

pytestmark = pytest.mark.django_db

CHECK_URL = "/controleer/"
DISPUTE_URL = "/controleer/bezwaar/"


def check(client: Client, value: str, **extra: Any) -> Any:
    return client.post(CHECK_URL, {"value": value, "kind": ""}, **extra)


# --- check before you pay -------------------------------------------------------------------


def test_the_page_works_without_javascript(client: Client) -> None:
    response = client.get(CHECK_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<form method="post"' in content and 'action="/controleer/"' in content
    assert 'for="id_value"' in content  # a real label
    assert "<script" not in content


def test_a_listed_value_gets_its_level_and_advice_only(circle: Circle, client: Client) -> None:
    list_value(circle)
    response = check(client, "NL91 ABNA 0417 1643 00", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Maak geen geld over, deel geen gegevens en verbreek het contact." in content
    assert "alert--error" in content
    # Level and advice only: no counts, fraud types, dates or reporters.
    for detail in ("organisaties", "Fraudevorm", "Laatst gezien", circle.members[0].name):
        assert detail not in content


def test_the_answer_follows_the_language(circle: Circle, client: Client) -> None:
    list_value(circle)
    response = check(client, IBAN, HTTP_ACCEPT_LANGUAGE="en")
    assert "This has been reported as fraud." in response.content.decode()
    assert "Maak geen geld over" not in response.content.decode()


def test_under_review_while_a_dispute_is_open(circle: Circle, client: Client) -> None:
    list_value(circle)
    DisputeFactory.create(value=IBAN)
    content = check(client, IBAN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Under review" in content and "no verdict" in content
    assert "This has been reported as fraud." not in content


@pytest.mark.parametrize("value", ["NL91ABNA*", "NL91ABNA%", "NL91 ABNA 0417"])
def test_no_prefix_wildcard_or_partial_queries(circle: Circle, client: Client, value: str) -> None:
    list_value(circle)
    response = check(client, value)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_value_error"' in content
    assert "Maak geen geld over" not in content and "result-heading" not in content


def test_rate_limit_gives_a_429_page_with_a_clear_message(
    circle: Circle, client: Client, settings: Any
) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "PUBLIC_CHECK_RATE": "2/minute"}
    list_value(circle)
    assert check(client, IBAN).status_code == 200
    assert check(client, OTHER_IBAN).status_code == 200
    response = check(client, IBAN, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    content = response.content.decode()
    assert "<h1>Too many requests</h1>" in content
    assert f"Please wait {response['Retry-After']} second" in content
    assert AuditEvent.objects.filter(action="identifiers.public_check").count() == 2


def test_home_door_and_navigation_lead_to_the_check(client: Client) -> None:
    home = client.get("/").content.decode()
    assert 'class="door__link" href="/controleer/"' in home
    assert 'class="main-nav__link" href="/controleer/"' in home


# --- dispute form ---------------------------------------------------------------------------


def dispute_data(**fields: Any) -> dict[str, Any]:
    return {
        "value": "NL91 ABNA 0417 1643 00",
        "kind": "",
        "name": "Jan Jansen",
        "email": "jan@example.org",
        "statement": "Dit is mijn eigen rekening en ik heb nooit iets verkocht.",
        "declaration": "on",
        **fields,
    }


def test_dispute_form_is_multipart_and_accessible(client: Client) -> None:
    content = client.get(DISPUTE_URL).content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file" name="evidence"' in content and "multiple" in content
    assert 'for="id_declaration"' in content


def test_a_dispute_with_evidence_is_received(
    circle: Circle, client: Client, private_files: Path
) -> None:
    list_value(circle)
    evidence = SimpleUploadedFile("afschrift.png", PNG_BYTES, content_type="image/png")
    response = client.post(DISPUTE_URL, dispute_data(evidence=[evidence]))
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    content = response.content.decode()
    assert str(dispute.reference) in content and dispute.display_hint in content
    assert dispute.evidence.get().original_name == "afschrift.png"
    assert (private_files / "dispute-evidence" / dispute.evidence.get().stored_name).exists()


def test_dispute_needs_the_declaration(circle: Circle, client: Client) -> None:
    list_value(circle)
    response = client.post(DISPUTE_URL, dispute_data(declaration=""))
    assert response.status_code == 400
    assert not Dispute.objects.exists()


def test_a_value_nobody_reported_is_explained(circle: Circle, client: Client) -> None:
    list_value(circle)
    response = client.post(DISPUTE_URL, dispute_data(value=OTHER_IBAN), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "there is nothing to dispute" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("groot.png", PNG_BYTES + b"0" * EVIDENCE_MAX_BYTES, "is larger than 5 MB"),
        ("virus.exe", b"MZ\x90\x00" * 10, "only PDF, PNG or JPEG"),
        ("nep.pdf", PNG_BYTES, "is not a PDF file"),
    ],
)
def test_evidence_limits_on_the_form(
    circle: Circle, client: Client, private_files: Path, name: str, content: bytes, message: str
) -> None:
    list_value(circle)
    evidence = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(
        DISPUTE_URL, dispute_data(evidence=[evidence]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Dispute.objects.exists()
    assert not list(private_files.glob("**/*.*"))


def test_a_request_larger_than_any_allowed_form_is_refused_unread(client: Client) -> None:
    response = client.post(
        DISPUTE_URL,
        data=b"x",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(20 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert not Dispute.objects.exists()


def test_dispute_form_checks_csrf(circle: Circle) -> None:
    list_value(circle)
    client = Client(enforce_csrf_checks=True)
    response = client.post(DISPUTE_URL, dispute_data())
    assert response.status_code == 403
    assert not Dispute.objects.exists()


def test_dispute_form_rate_limit_gives_a_429_page(
    circle: Circle, client: Client, settings: Any
) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "DISPUTE_RATE": "1/hour"}
    list_value(circle)
    assert client.post(DISPUTE_URL, dispute_data(value=OTHER_IBAN)).status_code == 400
    response = client.post(DISPUTE_URL, dispute_data())
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not Dispute.objects.exists()


def test_the_public_api_is_suspended_too(circle: Circle, client: Client) -> None:
    list_value(circle)
    DisputeFactory.create(value=IBAN)
    response = client.get("/api/v1/public/check", {"value": IBAN})
    assert response.status_code == 200
    assert response.json()["level"] == "under_review"
    assert set(response.json()) == {"level", "advice"}
