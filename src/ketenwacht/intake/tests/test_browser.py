"""The wizard in Debian Chromium: five fraud forms from start to status page, axe-core on
every step (WCAG 2.1 AA), screenshots kept; one run on a phone-sized screen, one in English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from ketenwacht.browser_testing import MOBILE, assert_accessible, submit_main_form
from ketenwacht.intake.constants import ReferralStatus
from ketenwacht.intake.models import Desk, Intake
from ketenwacht.intake.tests.factories import ensure_seed, warm_desk
from ketenwacht.partners.constants import Role

pytestmark = pytest.mark.browser

COMMON = {
    "happened_on": "2025-11-20",
    "channel": "phone",
    "story": "",
    "age_band": "",
    "postcode": "",
}
SCENARIOS: dict[str, dict[str, Any]] = {
    "bankhelpdesk": {
        **COMMON,
        "victim_type": "person",
        "what_happened": "bank_caller",
        "bank_moved_money": "recent",
        "lost_money": "yes",
        "amount": "2.500,00",
        "payment_method": "bank_transfer",
        "identifiers": [
            ("beneficiary_account", "NL91 ABNA 0417 1643 00"),
            ("caller_number", "06 1234 5678"),
        ],
        "victim_bank": "ing",
        "age_band": "65_74",
        "postcode": "3511",
    },
    "purchase": {
        **COMMON,
        "victim_type": "person",
        "what_happened": "purchase",
        "lost_money": "yes",
        "amount": "120",
        "payment_method": "payment_request",
        "channel": "marketplace",
        "identifiers": [("seller_account", "instagram:fietsverkoper_nl")],
        "victim_bank": "",
        "story": "Fiets betaald, nooit ontvangen.",
    },
    "friend_in_need": {
        **COMMON,
        "victim_type": "person",
        "what_happened": "friend",
        "friend_paid": "recent",
        "lost_money": "yes",
        "amount": "950",
        "payment_method": "bank_transfer",
        "channel": "whatsapp",
        "identifiers": [("sender_number", "+31 6 87654321")],
        "victim_bank": "rabobank",
    },
    "phishing": {
        **COMMON,
        "victim_type": "person",
        "what_happened": "phishing",
        "phishing_what": "other_details",
        "lost_money": "no",
        "channel": "sms",
        "identifiers": [("phishing_url", "https://mijn-pakket-bezorging.nl/login")],
        "victim_bank": "",
    },
    "invoice": {
        **COMMON,
        "victim_type": "business",
        "business_kvk": "12345678",
        "business_what": "fake_invoice",
        "business_paid_recent": "recent",
        "lost_money": "yes",
        "amount": "18000",
        "payment_method": "bank_transfer",
        "channel": "email",
        "identifiers": [("beneficiary_account", "NL91ABNA0417164300")],
        "victim_bank": "abn-amro",
        "story": "Factuur van leverancier met gewijzigd rekeningnummer.",
    },
}
CONSENT = {
    "bankhelpdesk": ["fraudehelpdesk", "politie"],
    "purchase": ["fraudehelpdesk"],
    "friend_in_need": ["fraudehelpdesk"],
    "phishing": [],
    "invoice": ["politie"],
}


def _question_id(page: Page) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def _answer(page: Page, question_id: str, value: Any) -> None:
    if value in ("", []):
        page.locator("button[name=action][value=skip]").click()
        return
    if question_id == "identifiers":
        for index, (role, text) in enumerate(value):
            page.select_option(f"select[name=role_{index}]", role)
            page.fill(f"input[name=value_{index}]", text)
        page.locator("button[name=action][value=next]").click()
        return
    radio = page.locator(f"input[name=answer][value='{value}']")
    if radio.count():
        radio.check()
    else:
        page.fill("[name=answer]", str(value))
    page.locator("button[name=action][value=next]").click()


def _complete(page: Page, name: str, *, consent: list[str]) -> Intake:
    answers = SCENARIOS[name]
    page.goto("/melden/")
    assert_accessible(page, f"intake-{name}-00-start")
    submit_main_form(page)
    page.wait_for_load_state()
    step = 0
    while "/vraag/" in page.url:
        step += 1
        question_id = _question_id(page)
        assert page.locator("progress").count() == 1
        assert_accessible(page, f"intake-{name}-{step:02d}-{question_id}")
        _answer(page, question_id, answers[question_id])
        page.wait_for_load_state()
    assert "/overzicht/" in page.url, page.url
    assert_accessible(page, f"intake-{name}-summary")
    page.locator("a.button-link").click()
    page.wait_for_load_state()
    assert "/advies/" in page.url
    assert_accessible(page, f"intake-{name}-plan")
    for slug in consent:
        page.check(f"input[name=consent_{slug}]")
    if consent:
        page.fill("input[name=contact_name]", "Anna de Vries")
        page.fill("input[name=contact_email]", "anna@example.nl")
    page.locator("main form.plan-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/status/" in page.url, page.url
    assert_accessible(page, f"intake-{name}-status")
    reference = page.locator("dl.facts code").inner_text()
    return Intake.objects.get(reference=reference)


@pytest.fixture
def warm_desks(live_server: Any) -> None:
    ensure_seed()
    for slug in ("fraudehelpdesk", "politie", "slachtofferhulp"):
        warm_desk(slug)
    Desk.objects.filter(slug="ing").update(fraud_line="+31 20 000 00 00")  # test data only


def test_bank_helpdesk_fraud_opens_with_call_your_bank(
    browser_page: Page, warm_desks: None
) -> None:
    intake = _complete(browser_page, "bankhelpdesk", consent=CONSENT["bankhelpdesk"])
    assert intake.fraud_types == ["bankhelpdesk"] and intake.urgency == "urgent"
    assert sorted(r.desk.slug for r in intake.referrals.all()) == ["fraudehelpdesk", "politie"]
    assert browser_page.locator(".urgent").is_visible()
    assert "+31 20 000 00 00" in browser_page.locator(".urgent").inner_text()


def test_purchase_fraud(browser_page: Page, warm_desks: None) -> None:
    intake = _complete(browser_page, "purchase", consent=CONSENT["purchase"])
    assert intake.fraud_types == ["purchase"] and intake.urgency == "normal"
    assert intake.channel == "marketplace" and intake.amount_cents == 12000


def test_friend_in_need_fraud_on_a_phone(
    make_browser_page: Callable[..., Page], warm_desks: None
) -> None:
    page = make_browser_page(viewport=MOBILE)
    intake = _complete(page, "friend_in_need", consent=CONSENT["friend_in_need"])
    assert intake.fraud_types == ["friend_in_need"] and intake.urgency == "urgent"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"]  # no sideways scrolling on a phone


def test_phishing_in_english_without_referral(
    make_browser_page: Callable[..., Page], warm_desks: None
) -> None:
    page = make_browser_page(locale="en-GB")
    intake = _complete(page, "phishing", consent=CONSENT["phishing"])
    assert intake.fraud_types == ["phishing"] and not intake.referrals.exists()
    assert page.locator("html").get_attribute("lang") == "en"


def test_business_invoice_fraud(browser_page: Page, warm_desks: None) -> None:
    intake = _complete(browser_page, "invoice", consent=CONSENT["invoice"])
    assert intake.victim_type == "business" and intake.fraud_types == ["invoice"]
    assert intake.referrals.get().desk.slug == "politie"


def test_a_wrong_identifier_is_explained_live_and_on_submit(
    browser_page: Page, warm_desks: None
) -> None:
    browser_page.goto("/melden/")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    for question_id in ("victim_type", "what_happened", "happened_on", "lost_money", "channel"):
        _answer(
            browser_page,
            question_id,
            SCENARIOS["phishing"][question_id] if question_id != "what_happened" else "romance",
        )
        browser_page.wait_for_load_state()
    assert _question_id(browser_page) == "identifiers"
    browser_page.select_option("select[name=role_0]", "beneficiary_account")
    browser_page.fill("input[name=value_0]", "NL91 ABNA 0417 1643 01")
    browser_page.locator("#check-value_0 .field-error").wait_for()  # htmx, while typing
    browser_page.locator("button[name=action][value=next]").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator(".error-summary").is_visible()
    assert browser_page.input_value("input[name=value_0]") == "NL91 ABNA 0417 1643 01"
    assert_accessible(browser_page, "intake-identifier-error")


def test_desk_agent_inbox_and_assisted_intake(
    browser_page: Page, login_as: Callable[..., Any], warm_desks: None
) -> None:
    desk = Desk.objects.get(slug="fraudehelpdesk")
    login_as(Role.DESK_AGENT, desk.organisation)
    browser_page.goto("/portal/intake/")
    assert_accessible(browser_page, "intake-inbox-empty")
    browser_page.goto("/portal/intake/telefoon/")
    assert_accessible(browser_page, "intake-assisted-start")
    submit_main_form(browser_page)
    browser_page.wait_for_load_state()
    answers = SCENARIOS["purchase"]
    while "/vraag/" in browser_page.url:
        _answer(browser_page, _question_id(browser_page), answers[_question_id(browser_page)])
        browser_page.wait_for_load_state()
    browser_page.locator("a.button-link").click()
    browser_page.wait_for_load_state()
    browser_page.fill("input[name=contact_phone]", "06 11122233")
    browser_page.locator("main form.plan-form button[type=submit]").click()
    browser_page.wait_for_load_state()
    browser_page.goto("/portal/intake/")
    assert browser_page.locator("table tbody tr").count() == 1
    assert_accessible(browser_page, "intake-inbox")
    browser_page.locator("table tbody a").first.click()
    browser_page.wait_for_load_state()
    assert_accessible(browser_page, "intake-inbox-detail")
    browser_page.select_option("select[name=status]", ReferralStatus.DONE)
    browser_page.locator("form:has(input[value=status]) button[type=submit]").click()
    browser_page.wait_for_load_state()
    assert browser_page.locator(".messages .alert").is_visible()
