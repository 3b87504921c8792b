"""Exchange: building a STIX 2.1 export of 100,000 indicators, against serialising it.

The row times ``stix.indicator_objects`` (indicator + sighting per alert indicator) and the
per-alert report for 100,000 indicators over 1,000 alerts held in memory (unsaved model
instances: the database read is not part of this figure), and compares it with
``json.dumps`` of the same objects, the floor any export pays to put them on the wire.
``ratio`` is ours / raw in objects per second: how many times slower building is than
serialising. Set ``BENCH_EXCHANGE_N`` to change the size. Run alone with
``python -m bench.bench_exchange``.

Not measured yet (not built): a TAXII page of 1,000 indicators and the import of a
10,000-attribute MISP event.
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


def run() -> list[dict[str, Any]]:
    import django

    django.setup()
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
        {
            "name": f"STIX export: build {N:,} indicators (+ sightings), in memory",
            "figure": ours,
            "unit": "indicators/s",
            "raw": raw,
            "ratio": ours / raw,
            "target": "none set in the issue (reported)",
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
