"""Victim intake: the server time of sending an intake, and the desk inbox at 100,000 referrals.

Rows, each against a raw limit measured in the same run:

* **submit p95** — the plan page's POST that sends an intake (consent for two desks, contact
  details encrypted, two referrals with their payloads, outbox rows for an e-mail desk, audit
  rows), through Django's test client on one process. The raw limit is the p95 of a GET of
  the intake start page on the same client (routing, middleware, a template: the floor any
  page pays). Target: p95 ≤ 250 ms.
* **inbox page** — a desk agent's inbox listing one page of 50 while the desk holds
  ``BENCH_INTAKE_REFERRALS`` (100,000) referrals, through the client; the query count is
  printed (the test ``test_the_inbox_lists_a_page_in_a_constant_number_of_queries`` asserts
  it is constant). The raw limit is the same page's rows fetched as tuples by one query.
  Target: p95 ≤ 200 ms.

Run it alone with ``python -m bench intake``. The database is a fresh test database (SQLite
in memory unless ``DATABASE_URL`` points at PostgreSQL).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenwacht.conf.test")

SUBMITS = int(os.environ.get("BENCH_INTAKE_SUBMITS", "200"))
REFERRALS = int(os.environ.get("BENCH_INTAKE_REFERRALS", "100000"))
PAGE_REQUESTS = 30


def _setup_django() -> Any:
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] * 1000


def _timed(action: Callable[[], Any], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def _answers() -> dict[str, Any]:
    from django.utils import timezone

    return {
        "victim_type": "person",
        "what_happened": "bank_caller",
        "bank_moved_money": "recent",
        "happened_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "lost_money": "yes",
        "amount": "2500.00",
        "payment_method": "bank_transfer",
        "channel": "phone",
        "identifiers": [
            {
                "role": "beneficiary_account",
                "kind": "iban",
                "value": "NL91ABNA0417164300",
                "display": "NL91 ABNA 0417 1643 00",
            }
        ],
        "victim_bank": "ing",
        "story": "Iemand belde namens de bank.",
        "age_band": "65_74",
        "postcode": "3511",
    }


def bench_submit() -> list[dict[str, Any]]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from ketenwacht.intake.constants import ReferralMethod
    from ketenwacht.intake.tests.factories import answered_intake, warm_desk

    warm_desk("fraudehelpdesk")
    warm_desk("politie", method=ReferralMethod.EMAIL, email="intake@politie.example")
    drafts = [answered_intake(_answers()) for _ in range(SUBMITS)]
    client = Client()
    data = {
        "consent_fraudehelpdesk": "on",
        "consent_politie": "on",
        "contact_name": "Anna de Vries",
        "contact_email": "anna@example.nl",
    }
    samples = []
    for intake, secret in drafts:
        url = reverse("intake:plan", kwargs={"reference": intake.reference, "secret": secret})
        cache.clear()  # the per-address page limit is not what is measured here
        start = time.perf_counter()
        response = client.post(url, data)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
    raw = _timed(lambda: client.get(reverse("intake:start")), SUBMITS)
    figure, floor = _p95(samples), _p95(raw)
    return [
        {
            "name": f"intake: send an intake with two referrals (p95 of {SUBMITS})",
            "figure": figure,
            "unit": "ms",
            "raw": floor,
            "ratio": figure / floor,
            "target": "p95 ≤ 250 ms",
        }
    ]


def _fill_inbox(count: int) -> Any:
    from django.utils import timezone

    from ketenwacht import crypto
    from ketenwacht.intake.models import Intake, Questionnaire, Referral
    from ketenwacht.intake.tests.factories import warm_desk

    desk = warm_desk("slachtofferhulp")
    questionnaire = Questionnaire.objects.get(is_active=True)
    now = timezone.now()
    blob = crypto.encrypt_json({}, purpose="bench")
    batch = 5000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        intakes = Intake.objects.bulk_create(
            Intake(
                reference=f"KW-{index:04X}-{index // 65536:04X}"[:12],
                secret_hash="0" * 64,
                questionnaire=questionnaire,
                status="submitted",
                answers_encrypted=blob,
                fraud_types=["bankhelpdesk"],
                urgency="normal",
                purge_after=now + timedelta(days=365),
            )
            for index in range(start, start + size)
        )
        Referral.objects.bulk_create(
            Referral(
                intake=intake,
                desk=desk,
                organisation=desk.organisation,
                method="portal",
                status="received",
                reference=intake.reference,
                fraud_types=["bankhelpdesk"],
                urgency="normal",
                consented_at=now - timedelta(seconds=start + offset),
                created_at=now - timedelta(seconds=start + offset),
                fields=["fraud_types"],
            )
            for offset, intake in enumerate(intakes)
        )
    return desk


def bench_inbox() -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from ketenwacht.intake.models import Referral
    from ketenwacht.partners.constants import Role
    from ketenwacht.partners.tests.factories import make_user

    started = time.perf_counter()
    desk = _fill_inbox(REFERRALS)
    print(f"  {REFERRALS:,} referrals written in {time.perf_counter() - started:.1f} s")
    user = make_user(Role.DESK_AGENT, desk.organisation, devices=False)
    client = Client()
    client.force_login(user)
    url = reverse("intake:inbox")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    print(f"  inbox page: {len(captured.captured_queries)} queries")
    samples = _timed(lambda: client.get(url + "?page=2"), PAGE_REQUESTS)

    def raw_page() -> None:
        list(
            Referral.objects.filter(organisation=desk.organisation)
            .order_by("-created_at", "-pk")
            .values_list("pk", "reference", "created_at", "status", "urgency")[50:100]
        )

    raw = _timed(raw_page, PAGE_REQUESTS)
    figure, floor = _p95(samples), _p95(raw)
    return [
        {
            "name": f"intake: desk inbox page of 50 with {REFERRALS:,} referrals (p95)",
            "figure": figure,
            "unit": "ms",
            "raw": floor,
            "ratio": figure / floor,
            "target": "p95 ≤ 200 ms",
        }
    ]


def run() -> list[dict[str, Any]]:
    _setup_django()
    from django.core.cache import cache

    rows = bench_submit()
    cache.clear()
    rows += bench_inbox()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
