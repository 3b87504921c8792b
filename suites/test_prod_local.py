"""``make prod-local`` end to end: two app processes, two workers and beat behind the load
balancer serve the login page, the API with a token and a victim's intake, whose warm
referral a Celery worker delivers to a real webhook receiver; then everything stops cleanly."""

from __future__ import annotations

import json
import random
import re
import signal
import time
from pathlib import Path
from typing import Any

from suites.browser import Browser
from suites.prod_local import Stack, free_port, http
from suites.receiver import Receiver

ANSWERS = {
    "victim_type": "person",
    "what_happened": "bank_caller",
    "bank_moved_money": "recent",
    "lost_money": "yes",
    "amount": "2500.00",
    "payment_method": "bank_transfer",
    "channel": "phone",
    "victim_bank": "ing",
    "story": "Someone called on behalf of the bank.",
}
IDENTIFIER_ROWS = [("beneficiary_account", "NL91 ABNA 0417 1643 00")]


def api(stack: Stack, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    status, _headers, raw = http(method, stack.url + path, body=data, headers=headers)
    return status, json.loads(raw) if raw else None


def walk_intake(browser: Browser, today: str) -> str:
    """Answer the wizard over HTTP like a victim; return the intake's link path."""
    start = browser.get("/melden/")
    assert start.status == 200
    page = browser.post("/melden/", {}, start.csrf)
    assert page.status == 302, page.text[:500]
    location = page.location
    for _ in range(40):
        match = re.search(r"/vraag/([a-z_0-9]+)/$", location)
        if not match:
            break
        question = match.group(1)
        form = browser.get(location)
        assert form.status == 200, (question, form.status)
        data: list[tuple[str, str]]
        if question == "identifiers":
            data = [("rows", str(len(IDENTIFIER_ROWS))), ("action", "next")]
            for index, (role, value) in enumerate(IDENTIFIER_ROWS):
                data += [(f"role_{index}", role), (f"value_{index}", value)]
        elif question == "happened_on":
            data = [("answer", today), ("action", "next")]
        elif question in ANSWERS:
            data = [("answer", ANSWERS[question]), ("action", "next")]
        else:
            data = [("action", "skip")]
        answered = browser.post(location, data, form.csrf)
        assert answered.status == 302, (question, answered.status, answered.text[:800])
        location = answered.location
    link = location.split("/overzicht/")[0].split("/advies/")[0].rstrip("/") + "/"
    return link[link.index("/melden/") :]


def test_prod_local_end_to_end_and_clean_stop(tmp_path: Path) -> None:
    stack = Stack(port=free_port(), database="ketenwacht_prod_local_e2e")
    with Receiver() as receiver, stack:
        world = json.loads(stack.python("suites.seed", "world", "--receiver", receiver.url))
        receiver.secret = world["secret"]
        assert len(stack.app_ports) == 2
        assert {name for name in stack.processes} >= {
            "app0",
            "app1",
            "worker0",
            "worker1",
            "beat",
            "lb",
            "redis",
        }

        # The login page, and a login with username and password (no second factor needed
        # for a partner analyst) that lands in the portal.
        browser = Browser(stack.url)
        login = browser.get("/portal/login/")
        assert login.status == 200 and "csrfmiddlewaretoken" in login.text
        assert "content-security-policy" in login.headers
        done = browser.post(
            "/portal/login/",
            {"username": world["username"], "password": world["password"]},
            login.csrf,
        )
        assert done.status == 302, done.text[:500]
        portal = browser.get(done.location)
        assert portal.status == 200, (done.location, portal.status)

        # The API with a token: record a sighting, then check the identifier (a fresh
        # number per run: the database stays between runs).
        number = f"06{random.randint(1, 5)}{random.randrange(10**7):07d}"
        status, body = api(
            stack,
            world["token"],
            "POST",
            "/api/v1/sightings",
            {
                "kind": "phone",
                "value": number,
                "fraud_type": "bankhelpdesk",
                "role": "caller_number",
                "confidence": "confirmed",
                "observed_at": "2026-11-27T10:00:00+00:00",
            },
        )
        assert status == 201, body
        status, body = api(stack, world["token"], "GET", f"/api/v1/check?value={number}&kind=phone")
        assert status == 200, body
        assert body["sightings"] == 1 and body["reported_by_you"] is True
        status, body = api(stack, "kw_nonsense", "GET", "/api/v1/check?value=0612345678")
        assert status == 401

        # A victim's intake with consent for the webhook desk: a worker delivers it.
        victim = Browser(stack.url)
        link = walk_intake(victim, time.strftime("%Y-%m-%d"))
        plan = victim.get(link + "advies/")
        assert plan.status == 200 and 'name="consent_fraudehelpdesk"' in plan.text
        sent = victim.post(
            link + "advies/",
            {
                "consent_fraudehelpdesk": "on",
                "contact_name": "Anna",
                "contact_email": "anna@example.nl",
            },
            plan.csrf,
        )
        assert sent.status == 302, sent.text[:800]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not receiver.processed:
            time.sleep(0.3)
        events = list(receiver.processed.values())
        assert [event["type"] for event in events] == ["intake.referral.created"]
        assert events[0]["data"]["desk"] == "fraudehelpdesk"
        assert receiver.refused == 0

        # Both app processes served requests through the balancer (JSON access logs).
        for index in range(2):
            log = stack.logs / f"app{index}-access.log"
            lines = [
                json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")
            ]
            assert any(line.get("path", "").startswith("/") for line in lines)

        processes = dict(stack.processes)
    # Clean stop: every process answered SIGTERM and exited by itself.
    codes = {name: process.returncode for name, process in processes.items()}
    assert all(code in (0, -signal.SIGTERM) for code in codes.values()), codes
    assert not stack.processes
