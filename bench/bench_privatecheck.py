"""The oblivious check and PSI bulk screening.

Rows, each against a raw limit measured in the same run:

* **oblivious check p50 / p99** — ``KetenwachtClient.check_private`` end to end in one process
  (canonicalise, blind two elements, the evaluate request, unblind, the bucket request,
  match), through Django's test client against ``BENCH_PRIVATECHECK_LISTED`` listed
  identifiers (default 20,000; SQLite in memory unless ``DATABASE_URL`` is set). Raw limit:
  the plain check (``GET /api/v1/check``) of the same values, same client, same run; the
  ratio is the cost of obliviousness.
* **PSI server setup** — items/s of ``privatecheck.psi.server_setup`` sharded over 2
  processes (``BENCH_PSI_SETUP_ITEMS``, default 200,000 tags). Raw limit: one bare
  openmined-psi ``CreateSetupMessage`` over the same items in this process. Target
  ≥ 12,000 items/s on 2 cores.
* **PSI round trip** — a 10,000-item client against a 1,000,000-item set
  (``BENCH_PSI_CLIENT`` / ``BENCH_PSI_SET``), after the setup: the client blinds one element
  per item, the platform evaluates them, the client unblinds (each side in 2 processes),
  builds its openmined-psi request, the platform processes it, the client intersects. The
  protocol functions the job and the client run, in one process (the 1,000,000 listed
  elements are not loaded into a database).
  Raw limit: the bare openmined-psi round trip over the same items. Target ≤ 5 s.

Run it alone with ``python -m bench privatecheck``.
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

LISTED = int(os.environ.get("BENCH_PRIVATECHECK_LISTED", "20000"))
CHECKS = int(os.environ.get("BENCH_PRIVATECHECK_CHECKS", "400"))
SETUP_ITEMS = int(os.environ.get("BENCH_PSI_SETUP_ITEMS", "200000"))
PSI_CLIENT = int(os.environ.get("BENCH_PSI_CLIENT", "10000"))
PSI_SET = int(os.environ.get("BENCH_PSI_SET", "1000000"))


def _setup_django() -> Any:
    import django
    from django.db import connection
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return connection


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class _Transport:
    def __init__(self, client: Any) -> None:
        self.client = client

    def request(self, method: str, path: str, *, body: dict[str, Any] | None = None) -> Any:
        if method == "POST":
            response = self.client.post(
                path, data=json.dumps(body), content_type="application/json"
            )
        else:
            response = self.client.get(path)
        assert response.status_code == 200, response.content[:300]
        return response.json()


def bench_checks() -> list[dict[str, Any]]:
    from django.conf import settings
    from django.test import Client

    from ketenwacht.client import KetenwachtClient
    from ketenwacht.identifiers import services
    from ketenwacht.identifiers.canonical import canonicalise
    from ketenwacht.identifiers.tests.factories import make_circle
    from ketenwacht.partners import access
    from ketenwacht.partners.constants import Scope
    from ketenwacht.partners.tests.factories import make_token
    from ketenwacht.privatecheck import services as private
    from ketenwacht.synth.generators import identifiers

    settings.KETENWACHT = {
        **settings.KETENWACHT,
        "PRIVATECHECK_TOKEN_RATE": "1000000/minute",
        "PRIVATECHECK_CLIENT_RATE": "1000000/minute",
    }
    circle = make_circle(members=3)
    writers = [
        access.actor_for_token(make_token(org, [Scope.IDENTIFIERS_WRITE.value])[0])
        for org in circle.members[:2]
    ]
    values = list(identifiers("iban", LISTED, seed="bench-privatecheck"))
    started = time.perf_counter()
    for start in range(0, len(values), 5000):
        chunk = values[start : start + 5000]
        items = [
            {"value": v, "fraud_type": "purchase", "role": "beneficiary_account"} for v in chunk
        ]
        services.sightings_ingest(actor=writers[0], items=items)
        services.sightings_ingest(actor=writers[1], items=items[: len(items) // 2])
    ingested = time.perf_counter() - started
    started = time.perf_counter()
    private.enrol_canonicals(canonicalise(v, "iban") for v in values)
    enrolled = time.perf_counter() - started
    print(
        f"  {LISTED:,} listed IBANs: ingested in {ingested:.1f} s, enrolled in {enrolled:.1f} s "
        f"({LISTED / enrolled:,.0f}/s)",
        flush=True,
    )
    _token, secret = make_token(circle.members[2], [Scope.IDENTIFIERS_CHECK.value])
    http = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client = KetenwachtClient(transport=_Transport(http))
    unlisted = list(identifiers("iban", CHECKS, seed="bench-privatecheck-unlisted"))
    asked = [v for pair in zip(values[:CHECKS], unlisted, strict=False) for v in pair][:CHECKS]
    for value in asked[:20]:  # warm up both paths
        client.check_private(value)
        http.get("/api/v1/check", {"value": value})
    oblivious: list[float] = []
    plain: list[float] = []
    levels = {}
    for value in asked:
        started = time.perf_counter()
        answer = client.check_private(value)
        oblivious.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        response = http.get("/api/v1/check", {"value": value})
        plain.append((time.perf_counter() - started) * 1000)
        levels[value] = (answer.level, response.json()["level"])
    assert all(a == b for a, b in levels.values()), "oblivious and plain levels differ"
    p50, p99 = _percentile(oblivious, 0.5), _percentile(oblivious, 0.99)
    raw50, raw99 = _percentile(plain, 0.5), _percentile(plain, 0.99)
    print(f"  oblivious p50 {p50:.2f} ms p99 {p99:.2f} ms; plain p50 {raw50:.2f} p99 {raw99:.2f}")
    return [
        {
            "name": "privatecheck: oblivious check p50 (in-process, vs plain check)",
            "figure": p50,
            "unit": "ms",
            "raw": raw50,
            "ratio": p50 / raw50,
            "target": "ratio reported",
        },
        {
            "name": "privatecheck: oblivious check p99 (in-process, vs plain check)",
            "figure": p99,
            "unit": "ms",
            "raw": raw99,
            "ratio": p99 / raw99,
            "target": "ratio reported",
        },
    ]


def _tags(count: int, seed: str) -> list[str]:
    import hashlib

    return [hashlib.sha256(f"{seed}:{i}".encode()).hexdigest() for i in range(count)]


def bench_psi_setup() -> list[dict[str, Any]]:
    import private_set_intersection.python as openmined_psi

    from ketenwacht.privatecheck import psi

    items = _tags(SETUP_ITEMS, "setup")
    server = openmined_psi.server.CreateWithNewKey(True)
    key = server.GetPrivateKeyBytes()
    started = time.perf_counter()
    server.CreateSetupMessage(psi.FPR, PSI_CLIENT, items, openmined_psi.DataStructure.RAW)
    raw = SETUP_ITEMS / (time.perf_counter() - started)
    started = time.perf_counter()
    psi.server_setup(key, PSI_CLIENT, items, workers=2)
    ours = SETUP_ITEMS / (time.perf_counter() - started)
    print(f"  PSI setup: sharded {ours:,.0f} items/s, bare single process {raw:,.0f} items/s")
    return [
        {
            "name": "privatecheck: PSI server setup, 2 processes (vs bare 1-process setup)",
            "figure": ours,
            "unit": "items/s",
            "raw": raw,
            "ratio": ours / raw,
            "target": "≥ 12,000 items/s",
        }
    ]


def bench_psi_round_trip() -> list[dict[str, Any]]:
    import private_set_intersection.python as openmined_psi

    from ketenwacht.client import oprf
    from ketenwacht.client.private import _blind_chunk, _in_processes, _tag_chunk
    from ketenwacht.privatecheck import psi

    key = oprf.generate_key()
    client_values = [f"iban:NL{i:016d}".encode() for i in range(PSI_CLIENT)]
    listed_share = client_values[: PSI_CLIENT // 10]
    # The platform's set: tags of 1,000,000 elements, a tenth of the client's among them.
    started = time.perf_counter()
    server_tags = [psi.item_of(oprf.tag_of(oprf.element(key, m))) for m in listed_share]
    server_tags += _tags(PSI_SET - len(server_tags), "set")
    psi_server = openmined_psi.server.CreateWithNewKey(True)
    psi_key = psi_server.GetPrivateKeyBytes()
    setup = psi.server_setup(psi_key, PSI_CLIENT, server_tags, workers=2)
    setup_seconds = time.perf_counter() - started
    print(f"  {PSI_SET:,}-item set built in {setup_seconds:.1f} s", flush=True)

    started = time.perf_counter()
    # The client's part (ketenwacht.client: blinding and unblinding in 2 processes).
    blinded = _in_processes(_blind_chunk, client_values, 2)
    # The platform's part of the job: evaluate the blinded elements in 2 processes.
    evaluated_blob = psi.evaluate_blob(key, b"".join(e for _b, e in blinded), workers=2)
    pairs = [
        (blind, evaluated_blob[i * 32 : (i + 1) * 32]) for i, (blind, _e) in enumerate(blinded)
    ]
    tags = _in_processes(_tag_chunk, pairs, 2)
    client = openmined_psi.client.CreateWithNewKey(True)
    request = client.CreateRequest(tags)
    response = openmined_psi.server.CreateFromKey(psi_key, True).ProcessRequest(request)  # platform
    found = client.GetIntersection(setup, response)
    ours = time.perf_counter() - started
    assert len(found) == len(listed_share), (len(found), len(listed_share))

    started = time.perf_counter()
    bare_client = openmined_psi.client.CreateWithNewKey(True)
    bare_request = bare_client.CreateRequest(tags)
    bare_response = openmined_psi.server.CreateFromKey(psi_key, True).ProcessRequest(bare_request)
    bare_client.GetIntersection(setup, bare_response)
    raw = time.perf_counter() - started
    print(f"  round trip {ours:.2f} s (bare openmined-psi {raw:.2f} s)")
    return [
        {
            "name": f"privatecheck: PSI round trip {PSI_CLIENT:,} vs {PSI_SET:,} (vs bare PSI)",
            "figure": ours,
            "unit": "s",
            "raw": raw,
            "ratio": ours / raw,
            "target": "≤ 5 s",
        }
    ]


def run() -> list[dict[str, Any]]:
    _setup_django()
    rows = bench_checks()
    rows += bench_psi_setup()
    rows += bench_psi_round_trip()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
