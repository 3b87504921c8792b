"""The wizard without JavaScript (plain form posts), errors that keep what was typed, the
status page behind its secret, and the desk inbox with a constant number of queries."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketenwacht.intake import services
from ketenwacht.intake.constants import ReferralStatus
from ketenwacht.intake.models import Intake, Referral
from ketenwacht.intake.planning import Contact
from ketenwacht.intake.tests.factories import (
    BANKHELPDESK_URGENT,
    answered_intake,
    sent_intake,
    warm_desk,
)
from ketenwacht.partners.constants import Role

pytestmark = pytest.mark.django_db


def _start(client: Client) -> str:
    response = client.post(reverse("intake:start"))
    assert response.status_code == 302
    return str(response["Location"])


def test_the_wizard_works_with_plain_form_posts() -> None:
    client = Client()
    url = _start(client)
    assert url.endswith("/vraag/victim_type/")
    page = client.get(url)
    assert "Question 1 of about" in page.content.decode()
    response = client.post(url, {"answer": "person", "action": "next"})
    assert response["Location"].endswith("/vraag/what_happened/")
    response = client.post(response["Location"], {"answer": "friend", "action": "next"})
    response = client.post(response["Location"], {"answer": "recent", "action": "next"})
    assert response["Location"].endswith("/vraag/happened_on/")
    # Back: the earlier question shows the stored answer.
    back = client.get(url.replace("victim_type", "what_happened"))
    assert re.search(r'value="friend"[^>]*checked', back.content.decode())


def test_a_wrong_answer_is_explained_and_what_was_typed_stays() -> None:
    client = Client()
    intake, secret = answered_intake(
        {
            "victim_type": "person",
            "what_happened": "purchase",
            "happened_on": "2025-01-02",
            "lost_money": "yes",
        }
    )
    url = reverse(
        "intake:question",
        kwargs={"reference": intake.reference, "secret": secret, "question_id": "amount"},
    )
    response = client.post(url, {"answer": "twaalf euro", "action": "next"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter an amount in digits" in body
    assert 'value="twaalf euro"' in body
    assert services.intake_answers(Intake.objects.get(pk=intake.pk))["lost_money"] == "yes"


def test_an_invalid_identifier_is_explained_never_dropped() -> None:
    client = Client()
    answers = dict(BANKHELPDESK_URGENT)
    answers.pop("identifiers")
    intake, secret = services.intake_start(actor=services.SYSTEM)
    graph = services.intake_graph(intake)
    walk = graph.walk({})
    while walk.current != "identifiers":
        walk = services.intake_answer(
            intake=intake, question_id=walk.current, value=answers[walk.current]
        )
    url = reverse(
        "intake:question",
        kwargs={"reference": intake.reference, "secret": secret, "question_id": "identifiers"},
    )
    data = {
        "rows": "3",
        "role_0": "beneficiary_account",
        "value_0": "NL91 ABNA 0417 1643 01",
        "role_1": "caller_number",
        "value_1": "06 1234 5678",
        "role_2": "other",
        "value_2": "",
        "action": "next",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "NL91 ABNA 0417 1643 01" in body and "06 1234 5678" in body
    assert 'aria-invalid="true"' in body
    assert "identifiers" not in services.intake_answers(Intake.objects.get(pk=intake.pk))
    data["value_0"] = "NL91 ABNA 0417 1643 00"
    response = client.post(url, data)
    assert response.status_code == 302
    stored = services.intake_answers(Intake.objects.get(pk=intake.pk))["identifiers"]
    assert [(i["kind"], i["value"]) for i in stored] == [
        ("iban", "NL91ABNA0417164300"),
        ("phone", "+31612345678"),
    ]


def test_live_check_explains_an_identifier() -> None:
    client = Client()
    response = client.post(
        reverse("intake:check_identifier"),
        {"field": "value_0", "value_0": "NL91ABNA0417164301", "role_0": "beneficiary_account"},
    )
    assert response.status_code == 200 and "field-error" in response.content.decode()
    response = client.post(
        reverse("intake:check_identifier"),
        {"field": "value_0", "value_0": "NL91ABNA0417164300", "role_0": "beneficiary_account"},
    )
    assert "NL91 ABNA 0417 1643 00" in response.content.decode()


def test_skipping_an_optional_question_and_resuming_by_link() -> None:
    client = Client()
    intake, secret = answered_intake({"victim_type": "business"})
    link = {"reference": intake.reference, "secret": secret}
    response = client.get(reverse("intake:resume", kwargs=link))
    assert response["Location"].endswith("/vraag/business_kvk/")
    response = client.post(response["Location"], {"action": "skip"})
    assert response["Location"].endswith("/vraag/business_what/")
    assert services.intake_answers(Intake.objects.get(pk=intake.pk))["business_kvk"] == ""


def test_summary_plan_and_send_with_consent() -> None:
    warm_desk("fraudehelpdesk")
    client = Client()
    intake, secret = answered_intake(BANKHELPDESK_URGENT)
    link = {"reference": intake.reference, "secret": secret}
    summary = client.get(reverse("intake:summary", kwargs=link)).content.decode()
    assert "Change" in summary and "NL91 ABNA 0417 1643 00" in summary
    plan = client.get(reverse("intake:plan", kwargs=link)).content.decode()
    assert plan.index("Call your bank now") < plan.index("Fraudehelpdesk")
    assert 'name="consent_fraudehelpdesk"' in plan
    assert re.search(r'name="consent_fraudehelpdesk"[^>]*checked', plan) is None  # unticked
    response = client.post(
        reverse("intake:plan", kwargs=link),
        {"consent_fraudehelpdesk": "on", "contact_name": "Anna", "contact_email": "a@example.nl"},
    )
    assert response["Location"] == reverse("intake:status", kwargs=link)
    status = client.get(response["Location"]).content.decode()
    assert intake.reference in status and "Fraudehelpdesk has received your report." in status


def test_consent_without_contact_is_refused_with_a_message() -> None:
    warm_desk("fraudehelpdesk")
    intake, secret = answered_intake(BANKHELPDESK_URGENT)
    link = {"reference": intake.reference, "secret": secret}
    response = Client().post(reverse("intake:plan", kwargs=link), {"consent_fraudehelpdesk": "on"})
    assert response.status_code == 400
    assert "e-mail address or telephone number" in response.content.decode()
    assert not Intake.objects.get(pk=intake.pk).is_submitted


def test_a_wrong_secret_is_not_found_and_guessing_is_rate_limited() -> None:
    intake = sent_intake(BANKHELPDESK_URGENT)
    client = Client()
    wrong = {"reference": intake.reference, "secret": "x" * 43}
    statuses = [client.get(reverse("intake:status", kwargs=wrong)).status_code for _ in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[-1] == 429


def test_victim_withdraws_consent_from_the_status_page() -> None:
    warm_desk("fraudehelpdesk")
    intake, secret = answered_intake(BANKHELPDESK_URGENT)
    services.intake_submit(
        actor=services.SYSTEM,
        intake=intake,
        submission=services.Submission(
            consented_desks=["fraudehelpdesk"], contact=Contact(email="a@example.nl")
        ),
    )
    referral = Referral.objects.get(intake=intake)
    link = {"reference": intake.reference, "secret": secret}
    response = Client().post(
        reverse("intake:withdraw", kwargs={**link, "referral_id": referral.pk})
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN


def test_status_link_is_e_mailed_without_being_stored(mailoutbox: list[Any]) -> None:
    intake, secret = answered_intake(BANKHELPDESK_URGENT)
    services.intake_submit(actor=services.SYSTEM, intake=intake, submission=services.Submission())
    link = {"reference": intake.reference, "secret": secret}
    Client().post(
        reverse("intake:status", kwargs=link), {"action": "email_link", "email": "v@example.nl"}
    )
    assert len(mailoutbox) == 1 and secret in mailoutbox[0].body
    from ketenwacht.delivery.models import Delivery

    assert not any(secret in str(d.payload) for d in Delivery.objects.all())


def test_the_inbox_lists_a_page_in_a_constant_number_of_queries(
    login_client: Callable[..., Client],
) -> None:
    desk = warm_desk("fraudehelpdesk")
    client = login_client(Role.DESK_AGENT, desk.organisation)
    intake = sent_intake(BANKHELPDESK_URGENT)

    def add_referrals(count: int) -> None:
        now = timezone.now()
        for i in range(count):
            Referral.objects.create(
                intake=sent_intake(BANKHELPDESK_URGENT),
                desk=desk,
                organisation=desk.organisation,
                method="portal",
                reference=f"KW-{i:04d}-AAAA",
                fraud_types=["bankhelpdesk"],
                urgency="urgent",
                consented_at=now,
                fields=["fraud_types"],
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("intake:inbox"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    add_referrals(3)
    few = queries()
    add_referrals(60)
    many = queries()
    assert many == few
    assert "63 referrals" in client.get(reverse("intake:inbox")).content.decode()
    assert intake.pk


def test_a_desk_agent_works_a_referral_in_the_inbox(login_client: Callable[..., Client]) -> None:
    desk = warm_desk("fraudehelpdesk")
    client = login_client(Role.DESK_AGENT, desk.organisation)
    intake = sent_intake(
        BANKHELPDESK_URGENT, desks=["fraudehelpdesk"], contact=Contact(email="a@example.nl")
    )
    referral = intake.referrals.get()
    url = reverse("intake:inbox_detail", kwargs={"referral_id": referral.pk})
    page = client.get(url).content.decode()
    assert "NL91ABNA0417164300" in page and "a@example.nl" in page
    client.post(url, {"action": "accept"})
    client.post(url, {"action": "request_info", "message": "Welke bank?"})
    client.post(url, {"action": "status", "status": "done", "note": ""})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DONE
    assert referral.history.count() == 4
    other_desk = login_client(Role.DESK_AGENT, warm_desk("politie").organisation)
    assert other_desk.get(url).status_code == 404
