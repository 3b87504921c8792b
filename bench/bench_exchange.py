"""Exchange (alerts): STIX export, a TAXII page, a MISP import, each against a raw limit.

Rows:

* **STIX export** — building 100,000 indicators. The row times ``stix.indicator_objects``
  (indicator + sighting per alert indicator) and the per-alert report for 100,000 indicators
  over 1,000 alerts held in memory (unsaved model instances: the database read is not part of
  this figure), and compares it with ``json.dumps`` of the same objects, the floor any export
  pays to put them on the wire. ``ratio`` is ours / raw in objects per second: how many times
  slower building is than serialising. Set ``BENCH_EXCHANGE_N`` to change the size.
* **STIX export from the database** — ``GET /api/v1/alerts/exchange/stix`` (token, GREEN
  alerts, community audience) of ``BENCH_EXCHANGE_DB_N`` (100,000) indicators in alerts of
  10,000: the read of alerts, indicators and pseudonyms, the objects, the JSON response and
  the audit row. The raw limit is ``json.dumps`` of the same bundle.
* **TAXII page** — ``GET /taxii2/api/collections/<id>/objects/?limit=1000`` through Django's
  test client with a token (authentication, scope, the collection's alerts read from the
  database, STIX objects built, rendered), median of ``PAGE_REQUESTS`` requests, for the first
  page and for a page deep in the collection (``next=4000``: whole alerts are skipped by their
  object count). The collection holds 25 alerts × 200 indicators (10,025 objects). The raw
  limit is ``json.dumps`` of the same 1,000-object envelope.
* **MISP import** — ``misp_import.misp_event_import`` of one event of 10,000 attributes (phone
  numbers, e-mail addresses, domains and URLs, all new values): JSON parsing, canonical forms,
  keyed pseudonyms, one bulk insert, the version and audit rows, in one transaction. The raw
  limit is PyMISP parsing the same JSON into a ``MISPEvent`` (what a MISP client does before
  it does anything with the event). For scale, MISP's own reported restSearch of 45,640
  attributes took 19 minutes (40 attributes/s).

The database is a fresh test database (SQLite in memory unless ``DATABASE_URL`` points at
PostgreSQL). Run alone with ``python -m bench exchange``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenwacht.conf.test")

N = int(os.environ.get("BENCH_EXCHANGE_N", "100000"))
PER_ALERT = 100
TAXII_ALERTS = 25
TAXII_INDICATORS = 200
PAGE_REQUESTS = int(os.environ.get("BENCH_EXCHANGE_PAGES", "10"))
MISP_ATTRIBUTES = int(os.environ.get("BENCH_EXCHANGE_MISP", "10000"))
DB_N = int(os.environ.get("BENCH_EXCHANGE_DB_N", "100000"))
DB_PER_ALERT = 10_000
MISP_REPORTED = 45_640 / (19 * 60)  # attributes/s of MISP's reported restSearch


def _instances(count: int) -> tuple[Any, list[tuple[Any, list[Any]]]]:
    """Unsaved alerts with their indicators (what the export query would load)."""
    import hashlib
    import uuid

    from django.utils import timezone

    from ketenwacht.alerts.models import Alert, AlertIndicator
    from ketenwacht.identifiers.models import Pseudonym
    from ketenwacht.partners.constants import Marking
    from ketenwacht.partners.models import Organisation

    now = timezone.now()
    organisation = Organisation(name="Bank A", slug="bank-a", sector="bank", created_at=now)
    alerts: list[tuple[Alert, list[AlertIndicator]]] = []
    for start in range(0, count, PER_ALERT):
        alert = Alert(
            uuid=uuid.uuid4(),
            title=f"alert {start}",
            marking=Marking.GREEN,
            author_organisation=organisation,
            created_at=now,
            updated_at=now,
            shared_at=now,
        )
        indicators = []
        for number in range(start, min(start + PER_ALERT, count)):
            digest = hashlib.sha256(str(number).encode()).digest()
            indicators.append(
                AlertIndicator(
                    kind="iban",
                    pseudonym=Pseudonym(kind="iban", key_version=1, digest=digest),
                    display_hint="NL** **** 4300",
                    created_at=now,
                )
            )
        alerts.append((alert, indicators))
    return organisation, alerts


def _objects(organisation: Any, alerts: list[tuple[Any, list[Any]]]) -> list[dict[str, Any]]:
    from ketenwacht.alerts.exchange import stix

    author_id = stix.organisation_identity_id(organisation)
    objects: list[dict[str, Any]] = [stix.platform_identity()]
    for alert, indicators in alerts:
        refs = []
        for indicator in indicators:
            children = stix.indicator_objects(alert, indicator, author_id)
            refs.extend(child["id"] for child in children)
            objects.extend(children)
        objects.append({"type": "report", "id": f"report--{alert.uuid}", "object_refs": refs})
    return objects


def _setup_django() -> None:
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def _value(number: int) -> tuple[str, str, str]:
    """``(MISP type, kind, value)``: distinct, valid phone numbers, addresses, domains, URLs."""
    choice = number % 4
    if choice == 0:
        return "phone-number", "phone", f"+316{10_000_000 + number:08d}"
    if choice == 1:
        return "email-src", "email", f"helpdesk{number}@bank-veilig{number % 97}.nl"
    if choice == 2:
        return "domain", "domain", f"bank-veilig-{number}.nl"
    return "url", "url", f"https://bank-veilig-{number}.nl/login"


def _world() -> dict[str, Any]:
    from ketenwacht.knowledge.tests.factories import FraudTypeFactory
    from ketenwacht.partners.access import actor_for_user
    from ketenwacht.partners.constants import Role
    from ketenwacht.partners.tests.factories import (
        OrganisationFactory,
        SharingGroupFactory,
        make_agreement,
        make_user,
    )

    FraudTypeFactory.create(code="phishing", name_nl="Phishing", name_en="Phishing")
    author_org = OrganisationFactory.create(name="Bank A")
    member_org = OrganisationFactory.create(name="Marktplaats B")
    group = SharingGroupFactory.create(name="Kerngroep")
    group.members.set([author_org, member_org])
    make_agreement(group, allowed_kinds=["iban", "phone", "email", "url", "domain"])
    author = actor_for_user(make_user(Role.PARTNER_ANALYST, author_org))
    return {"group": group, "author": author, "member_org": member_org}


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def _median(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[len(samples) // 2]


def _taxii_rows(world: dict[str, Any]) -> list[dict[str, Any]]:
    from django.test import Client

    from ketenwacht.alerts import services
    from ketenwacht.alerts.exchange import taxii
    from ketenwacht.partners.constants import Marking, Scope
    from ketenwacht.partners.tests.factories import make_token

    number = 0
    for index in range(TAXII_ALERTS):
        alert = services.alert_create(
            actor=world["author"],
            group=world["group"],
            title=f"alert {index}",
            fraud_type="phishing",
            marking=Marking.GREEN,
        )
        items = []
        for _ in range(TAXII_INDICATORS):
            _type, kind, value = _value(number)
            items.append((kind, value))
            number += 1
        services.alert_indicators_import(actor=world["author"], alert=alert, items=items)
        services.alert_share(actor=world["author"], alert=alert)
    _token, secret = make_token(world["member_org"], [Scope.ALERTS_READ])
    client = Client()
    url = f"/taxii2/api/collections/{taxii.collection_id(world['group'])}/objects/"
    headers = {"Authorization": f"Bearer {secret}", "Accept": taxii.TAXII_MEDIA_TYPE}
    client.get(url, {"limit": 10}, headers=headers)  # warm up: first request imports modules
    rows = []
    for label, offset in (("first page", 0), ("page at next=4000", 4000)):
        samples = []
        response = None
        for _ in range(PAGE_REQUESTS):
            start = time.perf_counter()
            response = client.get(url, {"limit": 1000, "next": offset}, headers=headers)
            samples.append(time.perf_counter() - start)
        assert response is not None and response.status_code == 200, response
        envelope = response.json()
        assert len(envelope["objects"]) == 1000 and envelope["more"], len(envelope["objects"])
        raw_samples = []
        for _ in range(PAGE_REQUESTS):
            start = time.perf_counter()
            json.dumps(envelope)
            raw_samples.append(time.perf_counter() - start)
        ours = 1000 / _median(samples)
        raw = 1000 / _median(raw_samples)
        rows.append(
            {
                "name": f"TAXII page of 1,000 objects, {label} (median of {PAGE_REQUESTS}, "
                f"{_vendor()})",
                "figure": ours,
                "unit": "objects/s",
                "raw": raw,
                "ratio": ours / raw,
                "target": f"none set; {_median(samples) * 1000:,.0f} ms per page",
            }
        )
    return rows


def _misp_row(world: dict[str, Any]) -> dict[str, Any]:
    from pymisp import MISPEvent

    from ketenwacht.alerts.exchange import misp_import

    event = MISPEvent()
    event.info = "Bench: 10,000 attributes"
    event.add_tag("tlp:green")
    for number in range(1_000_000, 1_000_000 + MISP_ATTRIBUTES):
        misp_type, _kind, value = _value(number)
        event.add_attribute(misp_type, value)
    payload = event.to_json()
    start = time.perf_counter()
    alert = misp_import.misp_event_import(
        actor=world["author"], group=world["group"], payload=payload
    )
    ours_seconds = time.perf_counter() - start
    assert alert.indicators.count() == MISP_ATTRIBUTES
    start = time.perf_counter()
    parsed = MISPEvent()
    parsed.load(payload)
    raw_seconds = time.perf_counter() - start
    assert len(parsed.attributes) == MISP_ATTRIBUTES
    ours = MISP_ATTRIBUTES / ours_seconds
    raw = MISP_ATTRIBUTES / raw_seconds
    return {
        "name": f"MISP import of one {MISP_ATTRIBUTES:,}-attribute event ({_vendor()})",
        "figure": ours,
        "unit": "attributes/s",
        "raw": raw,
        "ratio": ours / raw,
        "target": (
            f"none set; {ours_seconds:,.1f} s in all; MISP's reported restSearch "
            f"{MISP_REPORTED:,.0f} attributes/s"
        ),
    }


def _stix_api_row(world: dict[str, Any]) -> dict[str, Any]:
    """The bundle of ``DB_N`` indicators through the API, read from the database."""
    from django.test import Client

    from ketenwacht.alerts import services
    from ketenwacht.alerts.models import Alert
    from ketenwacht.partners.constants import Marking, Scope
    from ketenwacht.partners.tests.factories import make_token

    Alert.objects.all().delete()  # only this row's alerts in the bundle
    number = 2_000_000
    for start in range(0, DB_N, DB_PER_ALERT):
        alert = services.alert_create(
            actor=world["author"],
            group=world["group"],
            title=f"export {start}",
            fraud_type="phishing",
            marking=Marking.GREEN,
        )
        items = [_value(n)[1:] for n in range(number, number + min(DB_PER_ALERT, DB_N - start))]
        number += len(items)
        services.alert_indicators_import(actor=world["author"], alert=alert, items=items)
        services.alert_share(actor=world["author"], alert=alert)
    _token, secret = make_token(world["member_org"], [Scope.ALERTS_READ])
    start_time = time.perf_counter()
    response = Client().get(
        "/api/v1/alerts/exchange/stix", headers={"Authorization": f"Bearer {secret}"}
    )
    seconds = time.perf_counter() - start_time
    assert response.status_code == 200, response.status_code
    bundle = json.loads(response.content)
    indicators = sum(1 for obj in bundle["objects"] if obj["type"] == "indicator")
    assert indicators == DB_N, indicators
    start_time = time.perf_counter()
    json.dumps(bundle, ensure_ascii=False)
    raw_seconds = time.perf_counter() - start_time
    ours = DB_N / seconds
    raw = DB_N / raw_seconds
    return {
        "name": f"STIX export: GET /api/v1/alerts/exchange/stix of {DB_N:,} indicators "
        f"(+ sightings) from the database ({_vendor()})",
        "figure": ours,
        "unit": "indicators/s",
        "raw": raw,
        "ratio": ours / raw,
        "target": f"none set; {seconds:,.1f} s for the bundle",
    }


def run() -> list[dict[str, Any]]:
    _setup_django()
    world = _world()
    rows = _taxii_rows(world)
    rows.append(_misp_row(world))
    rows.append(_stix_api_row(world))
    organisation, alerts = _instances(N)
    start = time.perf_counter()
    objects = _objects(organisation, alerts)
    built = time.perf_counter() - start
    start = time.perf_counter()
    json.dumps({"type": "bundle", "id": "bundle--x", "objects": objects})
    dumped = time.perf_counter() - start
    ours = N / built
    raw = N / dumped
    return [
        *rows,
        {
            "name": f"STIX export: build {N:,} indicators (+ sightings), in memory",
            "figure": ours,
            "unit": "indicators/s",
            "raw": raw,
            "ratio": ours / raw,
            "target": "none set in the issue (reported)",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
