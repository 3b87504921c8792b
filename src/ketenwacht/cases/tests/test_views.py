"""Pages: who sees clusters (role × sector), masking per role, audited reveals, the CSV
export (formula injection neutralised), the workflow forms, hubs and routing pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.cases import selectors, views
from ketenwacht.cases.constants import ClusterState, HubOverride, HubReason
from ketenwacht.cases.models import (
    Cluster,
    ClusterEvent,
    ClusterNote,
    ClusterTransition,
    Hub,
    Report,
    ReportLink,
    RoutingDecision,
    RoutingRule,
    Unit,
)
from ketenwacht.cases.tests.factories import World, cluster_of, import_report, make_pseudonyms
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.tests.factories import OrganisationFactory
from ketenwacht.synth.generators import identifiers

pytestmark = pytest.mark.django_db

IBAN, UNSHARED = identifiers("iban", 2, seed="views")
PHONE = next(identifiers("phone", 1, seed="views"))
NOT_POLICE_NL = (
    "Alleen analisten van de politie en het Openbaar Ministerie zien clusters. "
    "Jouw organisatie is geen van beide."
)
NOT_POLICE_EN = (
    "Only analysts of the police and the public prosecutor see clusters. "
    "Your organisation is neither."
)


def _download(response: Any) -> str:
    """The text of a (streamed) download."""
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


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
    assert NOT_POLICE_EN in listing.content.decode()
    dutch = client.get("/portal/cases/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert NOT_POLICE_NL in dutch
    assert client.get(f"/portal/cases/clusters/{cluster.pk}/").status_code == 404
    assert client.get(f"/portal/cases/clusters/{cluster.pk}/graph.svg").status_code == 404
    export = _download(client.get("/portal/cases/export.csv?state=all"))
    assert cluster.label not in export


def test_the_police_role_in_another_sector_cannot_post_either(
    world: World,
    cluster: Cluster,
    login_client: Callable[..., Client],
    small_hubs: dict[str, Any],
) -> None:
    """The POSTs are refused as the GETs are (404: the cluster or hub does not exist for them),
    and leave no audit row, no state change, no hub decision and no revealed value."""
    address = "klantenservice@marktplein-demo.nl"
    for fraud in ("purchase", "phishing", "sales", "romance"):
        import_report(world.police_token, [address], fraud_type=fraud)
    hub = Hub.objects.get()
    iban_id = ReportLink.objects.filter(
        report__membership__cluster=cluster, pseudonym__kind="iban"
    ).values_list("pseudonym_id", flat=True)[0]
    client = login_client(Role.POLICE_ANALYST, world.bank)
    audit_rows = AuditEvent.objects.count()
    base = f"/portal/cases/clusters/{cluster.pk}"

    reveal = client.post(
        f"{base}/reveal/", {"pseudonym_id": iban_id, "reason": "Vordering: houder opvragen"}
    )
    override = client.post(
        f"/portal/cases/hubs/{hub.pseudonym_id}/", {"decision": "link", "note": "één oplichter"}
    )
    transition = client.post(f"{base}/transition/", {"to_state": "triage", "note": "opgepakt"})

    assert (reveal.status_code, override.status_code, transition.status_code) == (404, 404, 404)
    assert IBAN not in reveal.content.decode().replace(" ", "")
    assert AuditEvent.objects.count() == audit_rows
    cluster.refresh_from_db()
    assert cluster.state == ClusterState.NEW and not cluster.transitions.exists()
    hub.refresh_from_db()
    assert (hub.override, hub.decided_by_id, hub.is_excluded) == (HubOverride.AUTO, None, True)


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
    export = _download(client.get("/portal/cases/export.csv?state=all"))
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
    rows = list(csv.reader(io.StringIO(_download(response))))
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


# --- pages of the lists -------------------------------------------------------------------------


def _shown(html: str, labels: list[str]) -> list[str]:
    """Which of ``labels`` the page shows (as a whole table cell or link text)."""
    return [label for label in labels if f">{label}<" in html]


def test_the_cluster_list_has_a_second_page(
    world: World, login_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    for iban in identifiers("iban", 3, seed="list-pages"):
        import_report(world.police_token, [iban])
        import_report(world.police_token, [iban])
    labels = [c.label for c in Cluster.objects.filter(is_active=True).order_by("-priority", "pk")]
    assert len(labels) == 3
    client = login_client(Role.POLICE_ANALYST, world.police)

    first = client.get("/portal/cases/").content.decode()
    assert _shown(first, labels) == labels[:2]
    assert "Page 1 of 2" in first
    assert 'href="?unit=&amp;state=open&amp;sort=priority&amp;page=2" rel="next"' in first

    second = client.get("/portal/cases/?unit=&state=open&sort=priority&page=2").content.decode()
    assert _shown(second, labels) == labels[2:]
    assert "Page 2 of 2" in second
    assert 'href="?unit=&amp;state=open&amp;sort=priority&amp;page=1" rel="prev"' in second
    assert 'rel="next"' not in second

    # A page number that is not one gives the first page; one past the end the last.
    assert _shown(client.get("/portal/cases/?page=abc").content.decode(), labels) == labels[:2]
    assert _shown(client.get("/portal/cases/?page=99").content.decode(), labels) == labels[2:]


def test_the_hub_list_is_paged_like_the_cluster_list(
    world: World, login_client: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    pids = make_pseudonyms(5)  # hints "+31 •••• 00" … "+31 •••• 04"
    for i, pid in enumerate(pids):
        Hub.objects.create(
            pseudonym_id=pid, report_count=100 + i, is_excluded=True, reason=HubReason.VERY_MANY
        )
    Hub.objects.create(pseudonym_id=make_pseudonyms(1)[0], report_count=999, is_excluded=False)
    labels = [f"+31 •••• {i:02d}" for i in (4, 3, 2, 1, 0)]  # the most reported first
    cells = [f"<code>{label}</code>" for label in labels]
    client = login_client(Role.POLICE_ANALYST, world.police)

    def shown(query: str) -> list[str]:
        html = client.get(f"/portal/cases/hubs/{query}").content.decode()
        return [label for label, cell in zip(labels, cells, strict=True) if cell in html]

    first = client.get("/portal/cases/hubs/").content.decode()
    assert "Identifiers under the hub guard (5)" in first  # the watched one is not counted
    assert "Page 1 of 3" in first
    assert 'href="?show=excluded&amp;page=2" rel="next"' in first
    assert shown("") == labels[:2]
    assert shown("?show=excluded&page=2") == labels[2:4]
    assert shown("?show=excluded&page=3") == labels[4:]
    # A bad page number behaves as on the cluster list: the first page, or the last.
    assert shown("?show=excluded&page=abc") == labels[:2]
    assert shown("?show=excluded&page=99") == labels[4:]
    # The filter is kept: "all" has six rows over three pages, the watched one first.
    everything = client.get("/portal/cases/hubs/?show=all").content.decode()
    assert "+31 •••• 00" in everything and 'href="?show=all&amp;page=2" rel="next"' in everything

    # A decision taken on page 2 leads back to page 2 of the same view.
    response = client.post(
        f"/portal/cases/hubs/{pids[2]}/",
        {"decision": "exclude", "note": "bekend callcenter", "show": "excluded", "page": "2"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/cases/hubs/?show=excluded&page=2"
    assert Hub.objects.get(pseudonym_id=pids[2]).override == HubOverride.EXCLUDE
    odd = client.post(
        f"/portal/cases/hubs/{pids[2]}/",
        {"decision": "auto", "note": "terug naar automatisch", "show": "x", "page": "²"},
    )
    assert odd["Location"] == "/portal/cases/hubs/?show=excluded"


# --- the cluster page: identifiers and timeline ---------------------------------------------


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_the_identifiers_table_is_paged_with_a_notice(
    world: World,
    cluster: Cluster,
    login_client: Callable[..., Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(selectors, "IDENTIFIERS_PAGE_SIZE", 2)
    client = login_client(Role.POLICE_ANALYST, world.police)
    url = f"/portal/cases/clusters/{cluster.pk}/"

    page = client.get(url).content.decode()  # two identifiers: all shown
    assert 'id="identifiers-notice"' not in page and "identifiers_page=" not in page
    assert "Not all identifiers are shown" not in page

    import_report(world.police_token, [IBAN, "meldpunt@voorbeeld-bank.nl"])
    rows = list(selectors.cluster_identifiers(actor=world.analyst, cluster=cluster))
    assert [row.reports for row in rows] == [3, 1, 1]
    first = _section(client.get(url).content.decode(), 'id="identifiers"', 'id="timeline"')
    assert (
        "Not all identifiers are shown: this page shows 1–2 of 3, the most often named first."
        in first
    )
    assert 'aria-describedby="identifiers-notice"' in first
    assert 'href="?identifiers_page=2#identifiers" rel="next"' in first
    assert [row.label in first for row in rows] == [True, True, False]

    second = _section(
        client.get(f"{url}?identifiers_page=2").content.decode(),
        'id="identifiers"',
        'id="timeline"',
    )
    assert "this page shows 3–3 of 3" in second
    assert [row.label in second for row in rows] == [False, False, True]
    dutch = client.get(f"{url}?identifiers_page=2", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Niet alle kenmerken worden getoond: deze pagina toont 3–3 van 3" in dutch


def test_the_timeline_shows_reports_routing_and_state_changes_in_order(
    world: World, cluster: Cluster, login_client: Callable[..., Client]
) -> None:
    client = login_client(Role.POLICE_ANALYST, world.police)
    base = f"/portal/cases/clusters/{cluster.pk}"
    client.post(f"{base}/transition/", {"to_state": "triage", "note": "Eerste beoordeling"})
    decision = RoutingDecision.objects.get(cluster=cluster)
    numbers = list(
        Report.objects.filter(membership__cluster=cluster)
        .order_by("reported_on", "pk")
        .values_list("number", flat=True)
    )

    timeline = _section(client.get(f"{base}/").content.decode(), 'id="timeline"', "</ol>")
    positions = [
        timeline.index(f"Reported: police report {numbers[0]}"),
        timeline.index(f"Reported: police report {numbers[1]}"),
        timeline.index(f"Routed to {decision.unit.name}"),
        timeline.index("State: New → Triage"),
    ]
    assert positions == sorted(positions)
    assert "Eerste beoordeling" in timeline[positions[3] :]
    assert 'id="timeline-notice"' not in timeline


def test_the_timeline_says_when_it_leaves_older_reports_out(
    world: World,
    cluster: Cluster,
    login_client: Callable[..., Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(selectors, "TIMELINE_MAX_PER_KIND", 2)
    client = login_client(Role.POLICE_ANALYST, world.police)
    url = f"/portal/cases/clusters/{cluster.pk}/"
    assert "older report" not in client.get(url).content.decode()  # two reports, two shown

    old = import_report(
        world.police_token,
        [IBAN],
        number="PL-OUD-1",
        reported_on=timezone.localdate() - timedelta(days=20),
    )
    timeline = selectors.cluster_timeline(actor=world.analyst, cluster=cluster)
    assert selectors.TimelineCut("report", 2, 3) in timeline.cuts
    page = client.get(url).content.decode()
    notice = _section(page, 'id="timeline-notice"', "</p>")
    assert "The timeline does not show everything" in notice and "1 older report" in notice
    assert old.report.number not in _section(page, 'id="timeline"', "</ol>")
    dutch = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "1 oudere melding" in _section(dutch, 'id="timeline-notice"', "</p>")


def _add_note(cluster: Cluster, at: datetime, marker: str) -> str:
    ClusterNote.objects.create(cluster=cluster, author_label="A", text=marker, created_at=at)
    return marker


def _add_transition(cluster: Cluster, at: datetime, marker: str) -> str:
    ClusterTransition.objects.create(
        cluster=cluster,
        from_state="new",
        to_state="triage",
        actor_label="A",
        note=marker,
        created_at=at,
    )
    return marker


def _add_routing(cluster: Cluster, at: datetime, marker: str) -> str:
    unit = Unit.objects.get(code="amsterdam")
    RoutingDecision.objects.create(
        cluster=cluster, unit=unit, rule_name="regel", reason=marker, created_at=at
    )
    return marker


def _add_event(cluster: Cluster, at: datetime, marker: str) -> str:
    other = Cluster.objects.create(is_active=False)
    ClusterEvent.objects.create(
        cluster=cluster, kind="absorbed", other=other, report_count=1, created_at=at
    )
    return other.label  # the timeline names the other cluster


@pytest.mark.parametrize(
    ("kind", "add", "phrase_en", "phrase_nl"),
    [
        ("note", _add_note, "1 older note", "1 oudere notitie"),
        ("transition", _add_transition, "1 older state change", "1 oudere statuswijziging"),
        ("routing", _add_routing, "1 older routing decision", "1 oudere routeringsbeslissing"),
        (
            "event",
            _add_event,
            "1 older change of membership",
            "1 oudere wijziging van de samenstelling",
        ),
    ],
)
def test_the_timeline_says_exactly_when_it_leaves_entries_out(
    world: World,
    cluster: Cluster,
    login_client: Callable[..., Client],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    add: Callable[[Cluster, datetime, str], str],
    phrase_en: str,
    phrase_nl: str,
) -> None:
    """Of each kind the newest ``TIMELINE_MAX_PER_KIND``: at the limit nothing is said, one
    over it the notice names what was left out, and the oldest entry is the one left out."""
    existing = {
        "report": cluster.report_count,
        "note": cluster.notes.count(),
        "transition": cluster.transitions.count(),
        "routing": cluster.routing.count(),
        "event": cluster.events.count(),
    }
    limit = max(existing.values()) + 1
    monkeypatch.setattr(selectors, "TIMELINE_MAX_PER_KIND", limit)
    start = timezone.now() - timedelta(days=30)
    markers = [
        add(cluster, start + timedelta(minutes=i + 1), f"Item-{i}")
        for i in range(limit - existing[kind])
    ]
    client = login_client(Role.POLICE_ANALYST, world.police)
    url = f"/portal/cases/clusters/{cluster.pk}/"

    at_limit = client.get(url).content.decode()
    assert selectors.cluster_timeline(actor=world.analyst, cluster=cluster).cuts == []
    assert 'id="timeline-notice"' not in at_limit
    assert all(marker in _section(at_limit, 'id="timeline"', "</ol>") for marker in markers)

    oldest = add(cluster, start, "Oudste-item")  # older than all the others
    timeline = selectors.cluster_timeline(actor=world.analyst, cluster=cluster)
    assert timeline.cuts == [selectors.TimelineCut(kind, limit, limit + 1)]
    page = client.get(url).content.decode()
    notice = _section(page, 'id="timeline-notice"', "</p>")
    assert f"it shows only the newest {limit}. Left out: {phrase_en}." in notice
    shown = _section(page, 'id="timeline"', "</ol>")
    assert oldest not in shown and all(marker in shown for marker in markers)
    dutch = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    notice_nl = _section(dutch, 'id="timeline-notice"', "</p>")
    assert f"alleen de nieuwste {limit}. Weggelaten: {phrase_nl}." in notice_nl


def test_the_export_holds_every_cluster_the_filters_select(
    world: World, login_client: Callable[..., Client]
) -> None:
    """Streamed, not cut off at a limit: each cluster a row, and the audit row counts them."""
    values = list(identifiers("iban", 3, seed="export-all"))
    for value in values:
        import_report(world.police_token, [value])
        import_report(world.police_token, [value])
    client = login_client(Role.POLICE_ANALYST, world.police)
    rows = list(
        csv.reader(io.StringIO(_download(client.get("/portal/cases/export.csv?state=all"))))
    )
    labels = {row[0] for row in rows[1:]}
    assert labels == {c.label for c in Cluster.objects.filter(is_active=True)}
    assert len(rows) - 1 == Cluster.objects.filter(is_active=True).count() >= 3
    (audit,) = AuditEvent.objects.filter(action="cases.export")
    assert audit.details["rows"] == len(rows) - 1
