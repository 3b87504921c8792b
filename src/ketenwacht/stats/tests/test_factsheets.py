"""Factsheets: computed with disclosure control, released only by consent of every partner,
reproducible from the stored definitions; nothing unpublished reachable from a public URL."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client

from ketenwacht.errors import ValidationFailed
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import Organisation
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user
from ketenwacht.release.services import release_decide
from ketenwacht.stats import services
from ketenwacht.stats.constants import FactsheetStatus, PeriodKind
from ketenwacht.stats.models import EpsilonSpend, Factsheet
from ketenwacht.stats.tests.attacks import differencing_attack, exposed_by_linear_algebra
from ketenwacht.stats.tests.factories import make_figure, make_intakes

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)
SMALL = 7  # a distinctive small count that must never be published


@pytest.fixture
def programme() -> dict[str, Any]:
    Organisation.objects.all().update(is_active=False)  # only the partners of this test
    team = OrganisationFactory.create(name="Programmateam")
    requester = make_user(Role.PROGRAMME_TEAM, team)
    colleague = make_user(Role.PROGRAMME_TEAM, team)
    bank = OrganisationFactory.create(name="Bank")
    analyst = make_user(Role.PARTNER_ANALYST, bank)
    return {
        "requester": access.actor_for_user(requester),
        "colleague": access.actor_for_user(colleague),
        "analyst": access.actor_for_user(analyst),
    }


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _intakes() -> None:
    make_intakes(40, day=date(2026, 3, 3), fraud_form="purchase", channel="marketplace")
    make_intakes(
        25,
        day=date(2026, 3, 10),
        fraud_form="phishing",
        channel="sms",
        age_band="65_74",
        postcode="1012",
        payment_method="card",
    )
    make_intakes(
        30,
        day=date(2026, 3, 12),
        fraud_form="phishing",
        channel="email",
        age_band="65_74",
        postcode="9711",
        payment_method="card",
    )
    make_intakes(
        SMALL,
        day=date(2026, 3, 20),
        fraud_form="bankhelpdesk",
        channel="phone",
        age_band="75_plus",
        postcode="6211",
        amount_cents=1_234_567,
    )


def _create(actor: access.Actor, **kwargs: Any) -> Factsheet:
    values: dict[str, Any] = {
        "period_kind": PeriodKind.MONTH,
        "year": 2026,
        "number": 3,
        "today": TODAY,
    }
    values.update(kwargs)
    factsheet: Factsheet = services.factsheet_create(actor=actor, **values)
    return factsheet


def test_draft_suppresses_small_cells_and_resists_differencing(programme: dict) -> None:
    _intakes()
    factsheet = _create(programme["requester"])
    tables = {t["slug"]: t for t in factsheet.content["tables"]}
    main = {(c["at"]["fraud_form"], c["at"]["channel"]): c for c in tables["form_channel"]["cells"]}
    assert main[("bankhelpdesk", "phone")]["n"] is None
    assert main[("bankhelpdesk", "phone")]["s"] == "suppressed"
    # Grand total 102 = bankhelpdesk + phishing 55 + purchase 40 would give away the 7: the
    # purchase row is hidden as well; the phishing cells stay.
    assert main[("purchase", "*")]["n"] is None and main[("purchase", "*")]["s"] == "suppressed"
    assert main[("phishing", "*")]["n"] == 55
    assert main[("*", "*")]["n"] == 102
    ages = {c["at"]["age_band"]: c for c in tables["age_band"]["cells"]}
    assert ages["75_plus"]["n"] is None and ages["75_plus"]["v"] is None
    # The intake tables share their grand total; an attacker holding all of them gets nowhere.
    intake_tables = [t for t in factsheet.content["tables"] if t["source"] == "intakes"]
    assert differencing_attack(intake_tables) == {}
    assert exposed_by_linear_algebra(intake_tables) == []
    # Neither the small count nor its damage is stored anywhere in the content.
    from ketenwacht.stats.selectors import content_numbers

    numbers = content_numbers(factsheet)
    assert SMALL not in numbers and 12345.67 * SMALL not in numbers
    assert factsheet.status == FactsheetStatus.DRAFT


def test_unpublished_factsheets_are_not_reachable_publicly(programme: dict) -> None:
    _intakes()
    factsheet = _create(programme["requester"])
    client = Client()
    for path in ("", "pdf/", "csv/"):
        assert client.get(f"/statistieken/{factsheet.pk}/{path}").status_code == 404
    dashboard = client.get("/statistieken/").content.decode()
    assert factsheet.title not in dashboard
    series = client.get("/statistieken/reeksen.csv")
    assert _body(series).count(b"\n") == 1  # header only
    services.factsheet_request_release(
        actor=programme["requester"], factsheet=factsheet, reason="Kwartaalcijfers"
    )
    factsheet.refresh_from_db()
    assert factsheet.status == FactsheetStatus.PENDING
    assert client.get(f"/statistieken/{factsheet.pk}/").status_code == 404


def test_every_partner_must_consent_then_it_is_public(programme: dict) -> None:
    _intakes()
    factsheet = _create(programme["requester"], advice="Bel nooit terug naar een nummer uit sms.")
    request = services.factsheet_request_release(
        actor=programme["requester"], factsheet=factsheet, reason="Maandcijfers"
    )
    assert request.parties.count() == 2
    release_decide(actor=programme["colleague"], request=request, decision="approve")
    factsheet.refresh_from_db()
    assert factsheet.status == FactsheetStatus.PENDING  # the bank has not decided yet
    release_decide(actor=programme["analyst"], request=request, decision="approve")
    factsheet.refresh_from_db()
    assert factsheet.status == FactsheetStatus.PUBLIC and factsheet.published_at

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/statistieken/{factsheet.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bel nooit terug" in html
    assert "data:image/svg+xml;base64," in html
    assert 'alt="Bar chart: Intakes by age band.' in html
    assert "suppressed" in html
    dashboard = client.get("/statistieken/").content.decode()
    assert factsheet.title in dashboard
    pdf = client.get(f"/statistieken/{factsheet.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    download = client.get(f"/statistieken/{factsheet.pk}/csv/")
    rows = list(csv.reader(io.StringIO(_body(download).decode())))
    assert rows[0][:3] == ["factsheet", "period_start", "period_end"]
    small = [r for r in rows if r[4] == "form_channel" and r[6] == "bankhelpdesk/phone"]
    assert small and small[0][7] == "" and small[0][10] == "suppressed"
    assert all(r[7] != str(SMALL) for r in rows[1:])


def test_a_veto_keeps_it_unpublished(programme: dict) -> None:
    _intakes()
    factsheet = _create(programme["requester"])
    request = services.factsheet_request_release(
        actor=programme["requester"], factsheet=factsheet, reason="Maandcijfers"
    )
    release_decide(actor=programme["analyst"], request=request, decision="veto", reason="Nee")
    factsheet.refresh_from_db()
    assert factsheet.status == FactsheetStatus.DRAFT
    assert Client().get(f"/statistieken/{factsheet.pk}/").status_code == 404


def test_numbers_are_reproducible_from_the_stored_definitions(programme: dict) -> None:
    _intakes()
    factsheet = _create(programme["requester"])
    assert services.factsheet_reproduce(factsheet) is True
    make_intakes(1, day=date(2026, 3, 30))  # a late intake changes the numbers
    assert services.factsheet_reproduce(factsheet) is False


def test_overlapping_factsheets_are_refused(programme: dict) -> None:
    """Q1 minus January minus February would be March: overlapping publication is refused."""
    _intakes()
    march = _create(programme["requester"])
    services.factsheet_request_release(
        actor=programme["requester"], factsheet=march, reason="Maart"
    )
    with pytest.raises(ValidationFailed) as error:
        _create(programme["requester"], period_kind=PeriodKind.QUARTER, number=1)
    assert error.value.code == "overlapping_period"
    with pytest.raises(ValidationFailed):
        _create(programme["requester"], fraud_form="phishing")
    # A disjoint month is fine.
    assert _create(programme["requester"], number=2).status == FactsheetStatus.DRAFT


def test_a_draft_overlapping_one_sent_for_consent_later_cannot_be_sent(programme: dict) -> None:
    from ketenwacht.errors import ConflictError

    _intakes()
    march = _create(programme["requester"])
    quarter = _create(programme["requester"], period_kind=PeriodKind.QUARTER, number=1)
    services.factsheet_request_release(actor=programme["requester"], factsheet=march, reason="M")
    with pytest.raises(ConflictError) as error:
        services.factsheet_request_release(
            actor=programme["requester"], factsheet=quarter, reason="Q1"
        )
    assert error.value.code == "overlapping_period"
    quarter.refresh_from_db()
    assert quarter.status == FactsheetStatus.DRAFT


def test_incomplete_period_is_refused(programme: dict) -> None:
    with pytest.raises(ValidationFailed) as error:
        _create(programme["requester"], number=6)
    assert error.value.code == "wrong_period"


def test_noisy_series_spends_the_epsilon_budget(programme: dict) -> None:
    _intakes()
    for _ in range(3):
        factsheet = _create(programme["requester"], noise_epsilon=1.0)
    month = next(t for t in factsheet.content["tables"] if t["slug"] == "month")
    assert month["noise"]["epsilon"] == pytest.approx(1.0)
    assert {c["s"] for c in month["cells"]} == {"noisy"}
    assert sum(EpsilonSpend.objects.values_list("epsilon", flat=True)) == pytest.approx(3.0)
    with pytest.raises(ValidationFailed) as error:
        _create(programme["requester"], noise_epsilon=0.5)
    assert error.value.code == "epsilon_budget"


def test_partner_figures_never_show_a_recognisable_partner(programme: dict) -> None:
    banks = [OrganisationFactory.create() for _ in range(3)]
    make_figure(banks[0], date(2026, 3, 1), "purchase", incidents=500)  # dominates
    make_figure(banks[1], date(2026, 3, 1), "purchase", incidents=20)
    make_figure(banks[2], date(2026, 3, 1), "purchase", incidents=20)
    make_figure(banks[0], date(2026, 3, 1), "phishing", incidents=50)
    make_figure(banks[1], date(2026, 3, 1), "phishing", incidents=50)  # only two partners
    for bank in banks:
        make_figure(bank, date(2026, 3, 1), "invoice", incidents=40)
        make_figure(bank, date(2026, 3, 1), "romance", incidents=35)
    factsheet = _create(programme["requester"])
    table = next(t for t in factsheet.content["tables"] if t["slug"] == "partner_form")
    cells = {c["at"]["fraud_form"]: c for c in table["cells"]}
    # 540 and 100 are far above k: only the dominance rule hides them.
    assert cells["purchase"]["n"] is None and cells["purchase"]["s"] == "suppressed"
    assert cells["phishing"]["n"] is None and cells["phishing"]["s"] == "suppressed"
    statuses = {c["s"] for t in factsheet.content["tables"] for c in t["cells"]}
    assert statuses <= {"published", "suppressed"}  # no reason that narrows a value down
    assert cells["invoice"]["n"] == 120
    assert differencing_attack([table]) == {}


def test_one_scan_aggregation_matches_one_query_per_table() -> None:
    """On PostgreSQL the tables come from one GROUPING SETS scan; they must equal the plain
    GROUP BY of each table (and the overall figures the plain aggregate)."""
    from ketenwacht.stats import sources

    _intakes()
    make_intakes(3, day=date(2026, 3, 5), channel="", postcode="", amount_cents=None)
    tables = [["fraud_form", "channel"], ["age_band"], ["province"], ["month"]]
    start, end = date(2026, 3, 1), date(2026, 4, 1)
    together, overall = sources.aggregate_intake_tables(tables, start=start, end=end)
    for dims, result in zip(tables, together, strict=True):
        alone = sources.aggregate_intakes(dims, medians=len(dims) == 1, start=start, end=end)
        assert {k: (c.count, c.value) for k, c in result.cells.items()} == {
            k: (c.count, c.value) for k, c in alone.cells.items()
        }
        assert result.medians == alone.medians
    if overall is not None:
        from ketenwacht.stats.factsheets import intake_overall

        assert overall == intake_overall(start, end, None)
