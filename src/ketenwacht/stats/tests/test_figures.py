"""Partners' own figures: schema, per-row errors, nothing lost of good rows, API and CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory, make_token
from ketenwacht.stats.figures import clean_rows, parse_csv
from ketenwacht.stats.models import FigureSubmission, PartnerFigure
from ketenwacht.stats.tests.factories import figures_token

pytestmark = pytest.mark.django_db
FORMS = frozenset({"purchase", "phishing"})
TODAY = date(2026, 5, 15)


def _codes(errors: list) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.code) for e in errors]


def test_clean_rows_refuses_each_bad_row_and_keeps_the_good() -> None:
    rows = [
        {"period": "2026-03", "fraud_form": "purchase", "incidents": "12", "damage_eur": "1.50"},
        {"period": "2026-13", "fraud_form": "purchase", "incidents": "1"},
        {"period": "2026-05", "fraud_form": "purchase", "incidents": "1"},  # not completed
        {"period": "2014-12", "fraud_form": "purchase", "incidents": "1"},
        {"period": "2026-02", "fraud_form": "unicorn", "incidents": "1"},
        {"period": "2026-02", "fraud_form": "phishing", "incidents": "-3"},
        {"period": "2026-02", "fraud_form": "phishing", "incidents": "4", "damage_eur": "-1"},
        {"period": "2026-03", "fraud_form": "purchase", "incidents": "9"},  # duplicate of row 1
        {"period": "2026-04", "fraud_form": "phishing", "incidents": "7", "ads_removed": "3"},
        {"period": "2026-04", "fraud_form": "purchase"},
        {"period": "2026-04", "fraud_form": "purchase", "incidents": "2", "colour": "red"},
        {"period": "2026-01", "fraud_form": "purchase", "incidents": "2", "damage_eur": "1.234"},
    ]
    good, errors = clean_rows(rows, fraud_forms=FORMS, today=TODAY)
    assert [(r.row, r.period, r.fraud_form, r.incidents) for r in good] == [
        (1, date(2026, 3, 1), "purchase", 12),
        (9, date(2026, 4, 1), "phishing", 7),
    ]
    assert good[0].damage_cents == 150
    assert good[1].extra == {"ads_removed": 3}
    assert _codes(errors) == [
        (2, "period", "wrong_period"),
        (3, "period", "wrong_period"),
        (4, "period", "wrong_period"),
        (5, "fraud_form", "unknown_fraud_form"),
        (6, "incidents", "negative"),
        (7, "damage_eur", "negative"),
        (8, "period", "duplicate"),
        (10, "incidents", "required"),
        (11, "colour", "unknown_field"),
        (12, "damage_eur", "too_precise"),
    ]


def test_parse_csv_semicolons_and_missing_columns() -> None:
    rows = parse_csv(b"\xef\xbb\xbfperiod;fraud_form;incidents\n2026-01;purchase;5\n")
    assert rows == [{"period": "2026-01", "fraud_form": "purchase", "incidents": "5"}]
    from ketenwacht.stats.figures import FileError

    with pytest.raises(FileError) as error:
        parse_csv(b"period,incidents\n2026-01,5\n")
    assert error.value.code == "missing_columns"
    with pytest.raises(FileError):
        parse_csv(b"\xff\xfe bad")


def _post(secret: str, body: object) -> Any:
    return Client().post(
        "/api/v1/stats/figures",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_api_stores_good_rows_and_reports_bad_ones() -> None:
    organisation, secret = figures_token()
    response = _post(
        secret,
        {
            "figures": [
                {"period": "2025-01", "fraud_form": "purchase", "incidents": 30, "damage_eur": 99},
                {"period": "2025-01", "fraud_form": "nope", "incidents": 3},
                {"period": "2025-02", "fraud_form": "purchase", "incidents": -1},
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1 and body["rejected"] == 2
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (2, "unknown_fraud_form"),
        (3, "negative"),
    ]
    figure = PartnerFigure.objects.get(organisation=organisation)
    assert (figure.period, figure.incidents, figure.damage_cents) == (date(2025, 1, 1), 30, 9900)
    assert AuditEvent.objects.filter(action="stats.figures_submit").count() == 1

    # The same month again is a duplicate ...
    again = _post(
        secret, {"figures": [{"period": "2025-01", "fraud_form": "purchase", "incidents": 31}]}
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "duplicate"
    assert PartnerFigure.objects.get(organisation=organisation).incidents == 30
    # ... unless it is a correction.
    fixed = _post(
        secret,
        {
            "replace": True,
            "figures": [{"period": "2025-01", "fraud_form": "purchase", "incidents": 31}],
        },
    )
    assert fixed.json()["replaced"] == 1
    assert PartnerFigure.objects.get(organisation=organisation).incidents == 31


def test_api_accepts_csv_body_and_lists_own_figures_only() -> None:
    _organisation, secret = figures_token()
    _other, other_secret = figures_token()
    csv_body = "period,fraud_form,incidents,damage_eur\r\n2025-03,phishing,12,100.50\r\n"
    response = Client().post(
        "/api/v1/stats/figures",
        csv_body,
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    _post(
        other_secret, {"figures": [{"period": "2025-03", "fraud_form": "phishing", "incidents": 5}]}
    )
    listing = Client().get("/api/v1/stats/figures", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert listing.status_code == 200
    results = listing.json()["results"]
    assert results == [
        {
            "period": "2025-03",
            "fraud_form": "phishing",
            "incidents": 12,
            "damage_eur": "100.50",
            "prevented_eur": None,
            "extra": {},
        }
    ]


def test_api_csv_without_required_columns_is_a_problem() -> None:
    _organisation, secret = figures_token()
    response = Client().post(
        "/api/v1/stats/figures",
        "period,incidents\r\n2025-03,1\r\n",
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "missing_columns"
    assert not FigureSubmission.objects.exists()


def test_token_without_scope_is_refused() -> None:
    _token, secret = make_token(OrganisationFactory.create(), scopes=["alerts:read"])
    response = _post(
        secret, {"figures": [{"period": "2025-01", "fraud_form": "purchase", "incidents": 1}]}
    )
    assert response.status_code == 403
    assert not PartnerFigure.objects.exists()


def test_schema_endpoint_declares_the_columns() -> None:
    columns = Client().get("/api/v1/stats/figures/schema").json()
    assert [c["name"] for c in columns if c["required"]] == ["period", "fraud_form", "incidents"]


def test_portal_upload_shows_row_errors(login_client: Callable[..., Client]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client(Role.PARTNER_ANALYST)
    data = b"period,fraud_form,incidents\n2025-01,purchase,10\n2025-02,purchase,-2\n"
    response = client.post(
        "/portal/stats/figures/upload/",
        {"file": SimpleUploadedFile("figures.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Must not be negative" in html
    assert PartnerFigure.objects.get().incidents == 10
