"""Pages and exports per role: markings enforced on every view and export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.knowledge.constants import ProposalStatus
from ketenwacht.knowledge.models import Barrier, ChangeProposal, LibraryDocument
from ketenwacht.knowledge.tests.factories import (
    PDF_BYTES,
    BarrierFactory,
    LibraryDocumentFactory,
    WorkingGroupFactory,
    pdf_upload,
    phase_of,
    seat,
)
from ketenwacht.partners.constants import Marking, Role

pytestmark = pytest.mark.django_db
LoginClient = Callable[..., Client]


def test_journey_page_shows_matrix_and_gap_analysis(login_client: LoginClient) -> None:
    BarrierFactory.create(title="Geheime barrière", phase=phase_of("bankhelpdesk", "orientation"))
    response = login_client(Role.DESK_AGENT).get("/portal/knowledge/journeys/bankhelpdesk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Geheime barrière" in html
    assert "Blokkeren van gespoofte banknummers" in html
    gap = response.context["phases_without_live"]
    assert [phase.code for phase in gap] == ["orientation", "preparation", "cashout"]


def test_public_journey_shows_clear_barriers_only_and_no_gap_analysis(client: Client) -> None:
    BarrierFactory.create(title="Geheime barrière", phase=phase_of("bankhelpdesk", "orientation"))
    response = client.get("/kennis/fraudevormen/bankhelpdesk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lagere betaallimieten" in html
    assert "Geheime barrière" not in html
    assert "gap" not in html.lower() and "geen live" not in html.lower()


def test_public_pages_need_no_login(client: Client) -> None:
    for path in ("/kennis/", "/kennis/bibliotheek/", "/kennis/jaarbericht/2023/"):
        assert client.get(path).status_code == 200, path


def test_csv_export_follows_the_marking_and_is_audited(login_client: LoginClient) -> None:
    BarrierFactory.create(title="=cmd|' /C calc'!A0", phase=phase_of("bankhelpdesk", "preparation"))
    client = login_client(Role.PARTNER_ANALYST)
    response = client.get("/portal/knowledge/journeys/bankhelpdesk/matrix.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-TLP"] == "TLP:AMBER"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert "'=cmd|' /C calc'!A0" in [row["barrier"] for row in rows]
    assert AuditEvent.objects.filter(action="knowledge.matrix_export").count() == 1


def test_svg_export_is_an_svg_attachment(login_client: LoginClient) -> None:
    response = login_client(Role.POLICE_ANALYST).get(
        "/portal/knowledge/journeys/purchase/matrix.svg"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-TLP"] == "TLP:CLEAR"
    assert b"Waarschuwing op marktplaatsen" in response.content


def test_unknown_journey_is_404(login_client: LoginClient) -> None:
    assert (
        login_client(Role.PARTNER_ANALYST).get("/portal/knowledge/journeys/nope/").status_code
        == 404
    )


def test_a_partner_proposes_through_the_form_and_the_team_approves(
    login_client: LoginClient,
) -> None:
    phase = phase_of("sales", "convincing")
    partner = login_client(Role.PARTNER_ANALYST)
    response = partner.post(
        "/portal/knowledge/barriers/new/",
        {
            "phase": phase.pk,
            "title": "Waarschuwing bij betaallink buiten het platform",
            "sectors": ["marketplace"],
            "kind": "communication",
            "status": "idea",
            "marking": "AMBER",
            "evidence_links": "https://example.org/a\nhttps://example.org/b",
        },
    )
    proposal = ChangeProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/knowledge/proposals/{proposal.pk}/"
    assert proposal.data["evidence_links"] == ["https://example.org/a", "https://example.org/b"]
    assert not Barrier.objects.filter(phase=phase).exists()
    # Partners cannot decide; the programme team can.
    assert partner.post(f"/portal/knowledge/proposals/{proposal.pk}/decide/").status_code == 403
    team = login_client(Role.PROGRAMME_TEAM)
    team.post(f"/portal/knowledge/proposals/{proposal.pk}/decide/", {"decision": "approve"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert Barrier.objects.get(phase=phase).title.startswith("Waarschuwing bij betaallink")


def test_the_programme_team_edits_directly(login_client: LoginClient) -> None:
    barrier = Barrier.objects.get(title="Lagere betaallimieten")
    team = login_client(Role.PROGRAMME_TEAM)
    response = team.post(
        f"/portal/knowledge/barriers/{barrier.pk}/edit/",
        {
            "phase": barrier.phase_id,
            "title": barrier.title,
            "sectors": ["bank"],
            "kind": "technical",
            "status": "live",
            "marking": "CLEAR",
            "effectiveness": "Schade daalt.",
        },
    )
    assert response.status_code == 302
    barrier.refresh_from_db()
    assert barrier.version == 2 and barrier.effectiveness == "Schade daalt."
    page = team.get(f"/portal/knowledge/barriers/{barrier.pk}/").content.decode()
    assert "Schade daalt." in page


def test_working_group_page_hides_notes_from_outsiders(login_client: LoginClient) -> None:
    from ketenwacht.knowledge import services
    from ketenwacht.partners.access import actor_for_user

    group = WorkingGroupFactory.create(slug="mo-uitwisseling")
    member_client = login_client(Role.PARTNER_ANALYST)
    member = member_client.user  # type: ignore[attr-defined]
    seat(group, member)
    entry = services.working_group_entry_create(
        actor=actor_for_user(member), group=group, kind="notes", title="Nieuwe MO bij bank X"
    )
    outsider = login_client(Role.PROGRAMME_TEAM)
    assert (
        "Nieuwe MO bij bank X"
        in member_client.get("/portal/knowledge/groups/mo-uitwisseling/").content.decode()
    )
    assert (
        "Nieuwe MO bij bank X"
        not in outsider.get("/portal/knowledge/groups/mo-uitwisseling/").content.decode()
    )
    url = f"/portal/knowledge/groups/mo-uitwisseling/entries/{entry.pk}/"
    assert member_client.get(url).status_code == 200
    assert outsider.get(url).status_code == 404
    assert outsider.get("/portal/knowledge/groups/mo-uitwisseling/entries/new/").status_code == 404


def test_upload_through_the_page_and_download_is_audited(login_client: LoginClient) -> None:
    client = login_client(Role.PARTNER_ANALYST)
    response = client.post(
        "/portal/knowledge/library/upload/",
        {"title": "Monitor 2023", "kind": "monitor", "marking": "AMBER", "tags": "monitor, 2023",
         "file": pdf_upload()},
    )  # fmt: skip
    document = LibraryDocument.objects.get()
    assert response.status_code == 302
    download = client.get(f"/portal/knowledge/library/{document.uuid}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert download["X-TLP"] == "TLP:AMBER"
    assert download["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="library.download").count() == 1


def test_a_bad_upload_shows_an_error_on_the_form(login_client: LoginClient) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client(Role.PARTNER_ANALYST)
    response = client.post(
        "/portal/knowledge/library/upload/",
        {"title": "X", "kind": "study", "marking": "AMBER",
         "file": SimpleUploadedFile("x.html", b"<script>")},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not LibraryDocument.objects.exists()


@pytest.mark.parametrize(
    ("marking", "public_status"),
    [(Marking.CLEAR, 200), (Marking.GREEN, 404), (Marking.AMBER, 404)],
)
def test_public_library_downloads_clear_documents_only(
    client: Client, marking: str, public_status: int
) -> None:
    document = LibraryDocumentFactory.create(marking=marking)
    response = client.get(f"/kennis/bibliotheek/{document.uuid}/download/")
    assert response.status_code == public_status


def test_annual_report_page_and_pdf(login_client: LoginClient, client: Client) -> None:
    page = client.get("/kennis/jaarbericht/2023/")
    html = page.content.decode()
    assert html.count('<h2 id="theme-') == 6
    assert "Privacy-expertgroep" not in html
    assert "privacy-expertgroep" in html.lower()  # the realised point names it
    pytest.importorskip("weasyprint")
    pdf = client.get("/kennis/jaarbericht/2023/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    staff_pdf = login_client(Role.PARTNER_ANALYST).get("/portal/knowledge/report/2023/pdf/")
    assert staff_pdf["X-TLP"] == "TLP:CLEAR"
    assert AuditEvent.objects.filter(action="knowledge.annual_report_pdf").count() == 1


def test_every_portal_page_renders_for_the_programme_team(
    login_client: LoginClient, settings: Any
) -> None:
    team = login_client(Role.PROGRAMME_TEAM)
    barrier = Barrier.objects.first()
    assert barrier is not None
    for path in (
        "/portal/knowledge/",
        "/portal/knowledge/plan/2023/",
        "/portal/knowledge/groups/",
        "/portal/knowledge/groups/privacy-expertgroep/",
        "/portal/knowledge/library/?q=monitor&tag=x",
        "/portal/knowledge/bottlenecks/",
        "/portal/knowledge/bottlenecks/new/",
        "/portal/knowledge/proposals/",
        f"/portal/knowledge/barriers/{barrier.pk}/",
        f"/portal/knowledge/phases/{barrier.phase_id}/edit/",
        "/portal/knowledge/report/2023/",
    ):
        assert team.get(path).status_code == 200, path


def test_the_programme_team_seats_and_unseats_members(login_client: LoginClient) -> None:
    group = WorkingGroupFactory.create(slug="tafel")
    analyst = login_client(Role.PARTNER_ANALYST).user  # type: ignore[attr-defined]
    team = login_client(Role.PROGRAMME_TEAM)
    page = team.get("/portal/knowledge/groups/tafel/")
    assert analyst in page.context["member_form"].fields["user"].queryset
    team.post("/portal/knowledge/groups/tafel/members/", {"user": analyst.pk})
    assert group.memberships.filter(user=analyst).exists()
    team.post(f"/portal/knowledge/groups/tafel/members/{analyst.pk}/remove/")
    assert not group.memberships.filter(user=analyst).exists()
    partner = login_client(Role.PARTNER_ANALYST)
    assert partner.post("/portal/knowledge/groups/tafel/members/", {"user": 1}).status_code == 403
