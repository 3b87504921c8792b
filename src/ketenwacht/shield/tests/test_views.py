"""The pages: public intake, status, warning and appeal; the analysts' four-eyes flow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ketenwacht.partners.constants import Role
from ketenwacht.shield.constants import AppealStatus, BlockStatus, HostState, Verdict
from ketenwacht.shield.models import Appeal, Block, Host, Report
from ketenwacht.shield.tests.cfb import msg_file
from ketenwacht.shield.tests.factories import PHISH_TEXT, make_block, make_organisation, plain_eml

pytestmark = pytest.mark.django_db


def test_submit_pasted_text_redirects_to_the_status_page() -> None:
    response = Client().post(
        "/shield/report/", {"text": PHISH_TEXT, "email": "melder@example.org"}, follow=True
    )
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == f"/shield/status/{report.reference}/"
    assert report.reporter_email == "melder@example.org"
    assert str(report.reference) in response.content.decode()


def test_submit_eml_upload() -> None:
    upload = SimpleUploadedFile("bericht.eml", plain_eml(), content_type="message/rfc822")
    response = Client().post("/shield/report/", {"message_file": upload})
    assert response.status_code == 302
    assert Report.objects.get().channel == "upload"
    assert Host.objects.filter(name="rabobank-verificatie.nl").exists()


def test_submit_msg_upload() -> None:
    data = msg_file(subject="Pakket", body="Betaal via https://postnl-douane.com/b")
    upload = SimpleUploadedFile("bericht.msg", data, content_type="application/vnd.ms-outlook")
    assert Client().post("/shield/report/", {"message_file": upload}).status_code == 302
    assert Host.objects.filter(name="postnl-douane.com").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste the message or upload a file"),
        ({"message_file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")}, "Upload an .eml or .msg file"),
        ({"message_file": SimpleUploadedFile("x.eml", b"\x89PNG....")}, "not an e-mail message"),
    ],
)
def test_submit_refusals_are_explained(data: dict[str, object], message: str) -> None:
    response = Client().post("/shield/report/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_status_page_shows_the_verdict_and_no_content() -> None:
    Client().post("/shield/report/", {"text": "Geen links in dit bericht, bel 088-1234567"})
    report = Report.objects.get()
    page = Client().get(f"/shield/status/{report.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    assert report.verdict == Verdict.NO_LINKS
    assert "No links found" in page.content.decode()
    assert "088-1234567" not in page.content.decode()
    missing = Client().get("/shield/status/00000000-0000-4000-8000-000000000000/")
    assert missing.status_code == 404


def test_warning_page_is_bilingual_and_links_to_the_appeal() -> None:
    page = Client().get("/shield/warning/", {"domain": "bad-bank.nl"}).content.decode()
    assert "Deze website is geblokkeerd" in page and "This website has been blocked" in page
    assert "Wat moet u nu doen?" in page and "What should you do now?" in page
    assert "/shield/appeal/?domain=bad-bank.nl" in page
    assert 'lang="en"' in page


def test_warning_page_ignores_a_domain_that_is_no_host_name() -> None:
    page = Client().get("/shield/warning/", {"domain": "<script>x</script>"}).content.decode()
    assert "<script>x" not in page


def test_appeal_form_accepts_an_appeal_for_a_blocked_domain() -> None:
    make_block(name="bloemen-shop.nl")
    response = Client().post(
        "/shield/appeal/",
        {
            "domain": "bloemen-shop.nl",
            "name": "Eigenaar",
            "email": "owner@example.org",
            "statement": "Dit is al tien jaar mijn winkel.",
        },
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert str(appeal.reference) in response.content.decode()


def test_appeal_form_refuses_an_unblocked_domain() -> None:
    response = Client().post(
        "/shield/appeal/",
        {"domain": "vrij.nl", "name": "X", "email": "x@example.org", "statement": "Waarom dan?!"},
    )
    assert response.status_code == 400 and not Appeal.objects.exists()


def test_four_eyes_flow_through_the_pages(login_client: Callable[..., Client]) -> None:
    organisation = make_organisation()
    first = login_client(Role.PARTNER_ANALYST, organisation)
    second = login_client(Role.PARTNER_ANALYST, organisation)
    Client().post("/shield/report/", {"text": PHISH_TEXT})
    host = Host.objects.get(name="rabobank-verificatie.nl")
    queue = first.get("/portal/shield/").content.decode()
    assert "rabobank-verificatie.nl" in queue

    proposed = first.post(
        f"/portal/shield/hosts/{host.pk}/",
        {
            "action": "propose",
            "scope": "host",
            "policy": "warning",
            "days": 30,
            "reason": "Imitates the Rabobank login",
        },
    )
    block = Block.objects.get()
    assert proposed["Location"] == f"/portal/shield/blocks/{block.pk}/"

    refused = first.post(f"/portal/shield/blocks/{block.pk}/", {"action": "approve", "note": ""})
    assert refused.status_code == 400
    assert Block.objects.get().status == BlockStatus.PROPOSED

    approved = second.post(
        f"/portal/shield/blocks/{block.pk}/", {"action": "approve", "note": "ok"}
    )
    assert approved.status_code == 302
    assert Block.objects.get().status == BlockStatus.ACTIVE
    assert Host.objects.get(pk=host.pk).state == HostState.BLOCKED
    history = second.get(f"/portal/shield/blocks/{block.pk}/").content.decode()
    assert "propose" in history and "approve" in history


def test_dismiss_through_the_host_page(login_client: Callable[..., Client]) -> None:
    analyst = login_client(Role.PARTNER_ANALYST)
    Client().post(
        "/shield/report/", {"text": "Kijk op https://gewone-site.nl/", "email": "m@example.org"}
    )
    host = Host.objects.get()
    response = analyst.post(
        f"/portal/shield/hosts/{host.pk}/", {"action": "dismiss", "dismiss-note": "ok"}
    )
    assert response.status_code == 302
    assert Host.objects.get().state == HostState.DISMISSED
    assert Report.objects.get().verdict == Verdict.NOT_BLOCKED


def test_programme_team_decides_an_appeal(login_client: Callable[..., Client]) -> None:
    programme = login_client(Role.PROGRAMME_TEAM)
    make_block(name="bloemen-shop.nl")
    Client().post(
        "/shield/appeal/",
        {
            "domain": "bloemen-shop.nl",
            "name": "E",
            "email": "o@example.org",
            "statement": "Legitieme winkel sinds 2015.",
        },
    )
    appeal = Appeal.objects.get()
    assert "bloemen-shop.nl" in programme.get("/portal/shield/appeals/").content.decode()
    response = programme.post(
        f"/portal/shield/appeals/{appeal.pk}/", {"outcome": "uphold", "note": "Owner verified"}
    )
    assert response.status_code == 302
    assert Appeal.objects.get().status == AppealStatus.UPHELD
    assert Block.objects.get().status == BlockStatus.LIFTED
