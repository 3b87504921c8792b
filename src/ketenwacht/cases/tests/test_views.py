"""Pages: who sees clusters (role × sector), masking per role, audited reveals, the CSV
export (formula injection neutralised), the workflow forms, hubs and routing pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases.constants import ClusterState
from ketenwacht.cases.models import Cluster, Report, ReportLink, RoutingRule, Unit
from ketenwacht.cases.tests.factories import World, cluster_of, import_report
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.tests.factories import OrganisationFactory
from ketenwacht.synth.generators import identifiers

pytestmark = pytest.mark.django_db

IBAN, UNSHARED = identifiers("iban", 2, seed="views")
PHONE = next(identifiers("phone", 1, seed="views"))


@pytest.fixture
def cluster(world: World) -> Cluster:
    first = import_report(world.police_token, [IBAN, PHONE], postcode4="1012")
    import_report(world.police_token, [IBAN], postcode4="1013", age_band="75_plus")
    return cluster_of(first.report.pk)


def test_police_and_prosecutor_analysts_see_clusters(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    for organisation in (world.police, world.prosecutor):
        client = login_client(Role.POLICE_ANALYST, organisation)
        listing = client.get("/portal/cases/")
        assert listing.status_code == 200 and cluster.label in listing.content.decode()
        assert client.get(f"/portal/cases/clusters/{cluster.pk}/").status_code == 200


def test_the_police_role_in_another_sector_sees_nothing(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    client = login_client(Role.POLICE_ANALYST, world.bank)
    listing = client.get("/portal/cases/")
    assert listing.status_code == 200 and cluster.label not in listing.content.decode()
    assert "Only analysts of the police" in listing.content.decode() or "politie" in (
        listing.content.decode().lower()
    )
    assert client.get(f"/portal/cases/clusters/{cluster.pk}/").status_code == 404
    assert client.get(f"/portal/cases/clusters/{cluster.pk}/graph.svg").status_code == 404
    export = client.get("/portal/cases/export.csv?state=all").content.decode()
    assert cluster.label not in export


@pytest.mark.parametrize(
    "role", [Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.PROGRAMME_TEAM, Role.ADMIN]
)
def test_other_roles_are_refused(
    world: World, cluster: Cluster, login_client: Callable[..., Client], role: str
) -> None:
    police_sector = OrganisationFactory.create(sector=Sector.POLICE)
    client = login_client(role, police_sector)
    assert client.get("/portal/cases/").status_code == 403
    assert client.get(f"/portal/cases/clusters/{cluster.pk}/").status_code == 403


def test_identifiers_are_masked_on_the_page_in_the_graph_and_in_the_export(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    client = login_client(Role.POLICE_ANALYST, world.police)
    page = client.get(f"/portal/cases/clusters/{cluster.pk}/").content.decode()
    svg = client.get(f"/portal/cases/clusters/{cluster.pk}/graph.svg")
    export = client.get("/portal/cases/export.csv?state=all").content.decode()
    hint = f"{IBAN[:4]} •••• •••• {IBAN[-4:]}"
    assert hint in page and hint in svg.content.decode()
    assert svg["Content-Type"].startswith("image/svg+xml")
    for text in (page, svg.content.decode(), export):
        assert IBAN not in text and PHONE not in text and PHONE[3:] not in text
    assert "<svg" in page and 'role="img"' in page


def test_a_reveal_needs_a_reason_and_is_audited(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    client = login_client(Role.POLICE_ANALYST, world.police)
    pid = ReportLink.objects.filter(
        report__membership__cluster=cluster, pseudonym__kind="iban"
    ).values_list("pseudonym_id", flat=True)[0]
    url = f"/portal/cases/clusters/{cluster.pk}/reveal/"
    short = client.post(url, {"pseudonym_id": pid, "reason": "why"})
    assert (
        short.status_code == 302
        and not AuditEvent.objects.filter(action="identifiers.reveal").exists()
    )
    reason = "Vordering bank: rekeninghouder opvragen"
    page = client.post(url, {"pseudonym_id": pid, "reason": reason})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert IBAN in page.content.decode().replace(" ", "")  # shown grouped by four
    reveal = AuditEvent.objects.get(action="identifiers.reveal")
    in_case = AuditEvent.objects.get(action="cases.identifier_reveal")
    assert reveal.purpose == reason and in_case.object_id == str(cluster.pk)
    assert reveal.actor_user_id == in_case.actor_user_id


def test_a_reveal_the_agreement_does_not_allow_is_refused_and_audited(
    world: World, login_client: Callable[..., Client]
) -> None:
    # The bank's incident reports: sightings of the bank under an agreement naming only
    # the police analysts of member organisations; an analyst outside the group is refused.
    outsider_police = OrganisationFactory.create(sector=Sector.POLICE)
    first = import_report(world.bank_token, [UNSHARED])
    import_report(world.bank_token, [UNSHARED])
    cluster_id = Report.objects.get(pk=first.report.pk).cluster_id
    pid = ReportLink.objects.get(report=first.report).pseudonym_id
    client = login_client(Role.POLICE_ANALYST, outsider_police)
    response = client.post(
        f"/portal/cases/clusters/{cluster_id}/reveal/",
        {"pseudonym_id": pid, "reason": "Onderzoek naar geldezel"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="identifiers.reveal_refused").exists()
    assert not AuditEvent.objects.filter(action="identifiers.reveal").exists()


def test_a_reveal_of_an_identifier_outside_the_cluster_is_refused(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    other = import_report(world.police_token, [UNSHARED])
    pid = ReportLink.objects.get(report=other.report).pseudonym_id
    client = login_client(Role.POLICE_ANALYST, world.police)
    client.post(
        f"/portal/cases/clusters/{cluster.pk}/reveal/",
        {"pseudonym_id": pid, "reason": "Just curious about this"},
    )
    assert not AuditEvent.objects.filter(action__startswith="identifiers.reveal").exists()


def test_the_export_neutralises_formula_injection(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    evil = Unit.objects.create(code="=HYPERLINK(x)", name="evil", sort_order=99)
    Cluster.objects.filter(pk=cluster.pk).update(
        unit=evil, fraud_types={"+cmd|' /C calc'!A0": 2, "@SUM(1)": 1}
    )
    client = login_client(Role.POLICE_ANALYST, world.police)
    response = client.get("/portal/cases/export.csv?state=all")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    assert cells["unit"] == "'=HYPERLINK(x)"
    assert cells["fraud_types"].startswith("'+cmd")
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
    assert AuditEvent.objects.filter(action="cases.export").exists()


def test_the_workflow_forms(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    client = login_client(Role.POLICE_ANALYST, world.police)
    base = f"/portal/cases/clusters/{cluster.pk}"
    assert client.post(f"{base}/transition/", {"to_state": "triage"}).status_code == 302
    refused = client.post(f"{base}/transition/", {"to_state": "new"})
    assert refused.status_code == 400
    unit = Unit.objects.get(code="amsterdam")
    assigned = client.post(
        f"{base}/assign/",
        {"unit": unit.pk, "assignee": client.user.pk},  # type: ignore[attr-defined]
    )
    assert assigned.status_code == 302
    assert client.post(f"{base}/notes/", {"text": "Bank gebeld"}).status_code == 302
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.ASSIGNED and cluster.notes.count() == 1
    page = client.get(f"{base}/").content.decode()
    assert "Bank gebeld" in page


def test_the_hub_page_and_override(
    world: World, login_client: Callable[..., Client], small_hubs: dict[str, Any]
) -> None:
    address = "klantenservice@marktplein-demo.nl"
    for fraud in ("purchase", "phishing", "sales", "romance"):
        import_report(world.police_token, [address], fraud_type=fraud)
    client = login_client(Role.POLICE_ANALYST, world.police)
    page = client.get("/portal/cases/hubs/").content.decode()
    assert "k•••@marktplein-demo.nl" in page and address not in page
    pid = ReportLink.objects.values_list("pseudonym_id", flat=True).first()
    response = client.post(
        f"/portal/cases/hubs/{pid}/", {"decision": "link", "note": "one fraudster"}
    )
    assert response.status_code == 302
    assert Cluster.objects.filter(is_active=True).count() == 1


def test_the_programme_team_edits_routing_rules(
    world: World, login_client: Callable[..., Client]
) -> None:
    client = login_client(Role.PROGRAMME_TEAM, world.police)
    assert client.get("/portal/cases/routing/").status_code == 200
    response = client.post(
        "/portal/cases/routing/new/",
        {
            "name": "Romance to national",
            "method": "fixed_unit",
            "unit": Unit.objects.get(code="landelijke-eenheid").pk,
            "fraud_types": ["romance"],
            "min_damage_euros": "0",
            "min_victims": "0",
            "min_share": "0.5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert RoutingRule.objects.filter(name="Romance to national", fraud_types=["romance"]).exists()
    bad = client.post("/portal/cases/routing/new/", {"name": "x", "method": "fixed_unit"})
    assert bad.status_code == 400
