"""The public check, the dispute form and the portal pages in Debian Chromium, with axe-core."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache

from ketenwacht.browser_testing import assert_accessible
from ketenwacht.identifiers import services
from ketenwacht.identifiers.constants import UploadStatus
from ketenwacht.identifiers.models import Dispute, Sighting, SightingUpload
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import (
    IBAN,
    PNG_BYTES,
    Circle,
    DisputeFactory,
    SightingUploadFactory,
    make_circle,
)
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def seeded_circle() -> Circle:
    """A live-server test runs on a transactional database that earlier tests may have
    emptied: put the seeded fraud types back, then two members report the IBAN."""
    from django.apps import apps

    importlib.import_module("ketenwacht.knowledge.migrations.0002_seed_fraud_types").seed(
        apps, None
    )
    cache.clear()
    circle = make_circle(members=3)
    for organisation in circle.members[:2]:
        services.sightings_ingest(
            actor=token_actor(organisation),
            items=[{"value": IBAN, "fraud_type": "purchase", "role": "beneficiary_account"}],
        )
    return circle


def submit(page: Page, selector: str = "main form button[type=submit]") -> None:
    page.locator(selector).first.click()
    page.wait_for_load_state()


def test_public_check_from_the_home_door(browser_page: Page) -> None:
    seeded_circle()
    browser_page.goto("/")
    browser_page.locator(".door a[href='/controleer/']").click()
    browser_page.wait_for_url("**/controleer/")
    assert_accessible(browser_page, "identifiers-public-check")

    browser_page.fill("input[name=value]", "NL91 ABNA 0417 1643 00")
    submit(browser_page)
    assert browser_page.locator("section.alert--error #result-heading").count() == 1
    assert "Maak geen geld over" in browser_page.locator("section.alert p").inner_text()
    assert_accessible(browser_page, "identifiers-public-check-result")

    browser_page.fill("input[name=value]", "NL91 ABNA 0417")
    submit(browser_page)
    assert browser_page.locator("#id_value_error").count() == 1
    assert browser_page.locator("#result-heading").count() == 0
    assert_accessible(browser_page, "identifiers-public-check-error")


def test_public_check_under_review_and_rate_limit(
    make_browser_page: Callable[..., Page], settings: Any
) -> None:
    # A day's window: the limiter's windows are fixed, and two submits a second or two apart
    # fell on both sides of a minute boundary now and then (a flaky failure in CI).
    settings.KETENWACHT = {**settings.KETENWACHT, "PUBLIC_CHECK_RATE": "1/day"}
    seeded_circle()
    DisputeFactory.create(value=IBAN)
    browser_page = make_browser_page(locale="en-GB")
    browser_page.goto("/controleer/")
    browser_page.fill("input[name=value]", IBAN)
    submit(browser_page)
    assert "Under review" in browser_page.locator("#result-heading").inner_text()
    browser_page.fill("input[name=value]", IBAN)
    submit(browser_page)
    assert browser_page.get_by_role("heading", level=1).inner_text() == "Too many requests"
    assert_accessible(browser_page, "identifiers-public-check-429")


def test_dispute_form_errors_and_receipt(browser_page: Page, tmp_path: Path) -> None:
    seeded_circle()
    browser_page.goto("/controleer/bezwaar/")
    assert_accessible(browser_page, "identifiers-dispute")
    submit(browser_page)  # nothing filled in: every required field says so
    assert browser_page.locator(".field-error").count() >= 4
    assert_accessible(browser_page, "identifiers-dispute-errors")

    evidence = tmp_path / "afschrift.png"
    evidence.write_bytes(PNG_BYTES)
    browser_page.fill("input[name=value]", "NL91 ABNA 0417 1643 00")
    browser_page.fill("input[name=name]", "Jan Jansen")
    browser_page.fill("input[name=email]", "jan@example.org")
    browser_page.fill("textarea[name=statement]", "Dit is mijn eigen rekening; ik verkoop niets.")
    browser_page.set_input_files("input[name=evidence]", str(evidence))
    browser_page.check("input[name=declaration]")
    submit(browser_page)
    dispute = Dispute.objects.get()
    assert str(dispute.reference) in browser_page.content()
    assert dispute.evidence.count() == 1
    assert_accessible(browser_page, "identifiers-dispute-received")


def test_portal_check_with_a_pasted_list(browser_page: Page, login_as: Callable[..., Any]) -> None:
    circle = seeded_circle()
    login_as(Role.PARTNER_ANALYST, circle.members[2])
    browser_page.goto("/portal/identifiers/check/")
    assert_accessible(browser_page, "identifiers-portal-check")
    browser_page.fill("textarea[name='list-values']", f"{IBAN}\nnot an identifier\n+31612345678")
    submit(browser_page, "button[value=list]")
    rows = browser_page.locator("table tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).locator(".level--warning").count() == 1
    assert browser_page.locator("table .field-error").count() == 1
    assert_accessible(browser_page, "identifiers-portal-check-results")


def test_portal_upload_preview_and_report(
    browser_page: Page, login_as: Callable[..., Any], tmp_path: Path
) -> None:
    circle = seeded_circle()
    login_as(Role.PARTNER_ANALYST, circle.members[0])
    browser_page.goto("/portal/identifiers/uploads/")
    assert_accessible(browser_page, "identifiers-upload")
    sheet = tmp_path / "waarnemingen.csv"
    sheet.write_text(
        "value;fraud_type;role\n"
        "+31612345678;bankhelpdesk;caller_number\n"
        "NL91ABNA0417164301;purchase;beneficiary_account\n",
        encoding="utf-8",
    )
    browser_page.set_input_files("input[name=file]", str(sheet))
    submit(browser_page)
    assert "NL91ABNA0417164301" in browser_page.locator("table").first.inner_text()
    assert_accessible(browser_page, "identifiers-upload-preview")
    submit(browser_page, "button[value=confirm]")
    assert SightingUpload.objects.get().status == UploadStatus.DONE
    assert Sighting.objects.filter(kind="phone").count() == 1
    assert "IBAN" in browser_page.locator("table").last.inner_text()
    assert_accessible(browser_page, "identifiers-upload-report")

    running = SightingUploadFactory.create(
        organisation=circle.members[0], processing=True, total_rows=5000, processed_rows=2000
    )
    browser_page.goto(f"/portal/identifiers/uploads/{running.uuid}/?refresh=off")
    assert browser_page.locator("progress").get_attribute("value") == "2000"
    assert_accessible(browser_page, "identifiers-upload-progress")


def test_sightings_and_disputes_pages(browser_page: Page, login_as: Callable[..., Any]) -> None:
    circle = seeded_circle()
    dispute = DisputeFactory.create(value=IBAN, statement="<script>alert(1)</script> mijn rekening")
    login_as(Role.PROGRAMME_TEAM, OrganisationFactory.create(sector="programme"))
    browser_page.goto("/portal/identifiers/disputes/")
    assert_accessible(browser_page, "identifiers-disputes")
    browser_page.goto(f"/portal/identifiers/disputes/{dispute.pk}/")
    assert "<script>alert(1)</script>" in browser_page.locator(".statement").inner_text()
    assert_accessible(browser_page, "identifiers-dispute-review")

    browser_page.context.clear_cookies()
    login_as(Role.PARTNER_ANALYST, circle.members[0])
    browser_page.goto("/portal/identifiers/sightings/")
    assert browser_page.locator("table tbody tr").count() == 1
    assert_accessible(browser_page, "identifiers-sightings")
