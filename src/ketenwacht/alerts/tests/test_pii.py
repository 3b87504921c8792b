"""The personal-data scan: regex candidates confirmed by the canonical functions."""

from __future__ import annotations

import pytest

from ketenwacht.alerts import pii, services
from ketenwacht.alerts.constants import PiiKind
from ketenwacht.alerts.tests.factories import make_alert, make_world
from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import ValidationFailed


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in pii.scan_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maak over naar NL91 ABNA 0417 1643 00 aub", [(PiiKind.IBAN, "NL91 ABNA 0417 1643 00")]),
        ("IBAN NL91ABNA0417164300.", [(PiiKind.IBAN, "NL91ABNA0417164300")]),
        ("BE68 5390 0754 7034 WANT ook", [(PiiKind.IBAN, "BE68 5390 0754 7034")]),
        ("Bel 06-12345678 terug", [(PiiKind.PHONE, "06-12345678")]),
        ("of +31 (0)20 123 4567!", [(PiiKind.PHONE, "+31 (0)20 123 4567")]),
        ("of 0031 6 1234 5678", [(PiiKind.PHONE, "0031 6 1234 5678")]),
        ("mail naar oplichter@example.com.", [(PiiKind.EMAIL, "oplichter@example.com")]),
        ("BSN 111222333 gevraagd", [(PiiKind.BSN, "111222333")]),
        ("BSN 1112.22.333 gevraagd", [(PiiKind.BSN, "1112.22.333")]),
    ],
)
def test_finds_confirmed_personal_data(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "IBAN met foute controle NL00ABNA0417164300",  # checksum fails
        "ordernummer 123456789 en bedrag 1.234.567 euro",  # fails the 11-proef
        "datum 12-03-2024, 14:30 uur",
        "een e-mailadres als a@b zonder domein",
        "de bank (ABNA) en code NL91",
        "TLP:AMBER+STRICT en versie 2.0.1",
    ],
)
def test_ignores_lookalikes(text: str) -> None:
    assert pii.scan_text(text) == []


def test_scan_fields_reports_field_and_masks() -> None:
    findings = pii.scan_fields(
        {"title": "Bel 06-12345678", "summary": "", "body": "naar NL91ABNA0417164300"}
    )
    assert [(f.field, f.kind) for f in findings] == [("title", "phone"), ("body", "iban")]
    assert "12345678" not in findings[0].masked
    assert "0417" not in findings[1].masked


@pytest.mark.django_db
def test_share_is_refused_until_findings_are_resolved() -> None:
    world = make_world()
    alert = make_alert(
        world,
        share=False,
        summary="Slachtoffer mailde naar helpdesk@nepbank.nl",
        body="Geld ging naar NL91 ABNA 0417 1643 00; de beller gaf BSN 111222333 op.",
    )
    with pytest.raises(ValidationFailed) as caught:
        services.alert_share(actor=world.author, alert=alert)
    assert caught.value.code == "personal_data_in_text"
    found = caught.value.details["findings"]
    assert {item["kind"] for item in found} == {"iban", "bsn", "email"}
    assert all("0417" not in item["hint"] for item in found)

    services.alert_pii_resolve(
        actor=world.author,
        alert=alert,
        field="body",
        text="NL91 ABNA 0417 1643 00",
        action="indicator",
    )
    with pytest.raises(ValidationFailed) as caught:  # BSNs never become indicators
        services.alert_pii_resolve(
            actor=world.author, alert=alert, field="body", text="111222333", action="indicator"
        )
    assert caught.value.code == "bsn_refused"
    services.alert_pii_resolve(
        actor=world.author, alert=alert, field="body", text="111222333", action="redact"
    )
    services.alert_pii_resolve(
        actor=world.author,
        alert=alert,
        field="summary",
        text="helpdesk@nepbank.nl",
        action="indicator",
    )
    alert.refresh_from_db()
    assert "NL91" not in alert.body.replace("NL91 ••••", "")
    assert "111222333" not in alert.body
    assert pii.REDACTED in alert.body
    assert sorted(alert.indicators.values_list("kind", flat=True)) == ["email", "iban"]
    # Earlier versions are scrubbed too: history keeps no value the author had to remove.
    for version in alert.versions.all():
        assert "0417 1643" not in version.body
        assert "111222333" not in version.body
        assert "helpdesk@nepbank.nl" not in version.summary
    assert services.alert_share(actor=world.author, alert=alert).is_shared
    resolutions = AuditEvent.objects.filter(action="alert.pii_resolve", object_id=str(alert.uuid))
    assert resolutions.count() == 3
    assert all("111222333" not in str(event.details) for event in resolutions)


@pytest.mark.django_db
def test_editing_a_shared_alert_cannot_add_personal_data() -> None:
    world = make_world()
    alert = make_alert(world)
    with pytest.raises(ValidationFailed) as caught:
        services.alert_update(actor=world.author, alert=alert, body="Bel 06-12345678")
    assert caught.value.code == "personal_data_in_text"
    alert.refresh_from_db()
    assert "06-12345678" not in alert.body
