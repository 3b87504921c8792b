"""Alerts as a MISP feed: ``manifest.json``, one ``<event uuid>.json`` per alert, ``hashes.csv``.

A feed leaves the group (MISP synchronises onward), so it is the ``export`` route: CLEAR and
GREEN only. Indicators travel as their pseudonym reference (see ``stix.py`` for why raw values
never leave): MISP attribute type ``text`` in category ``Financial fraud`` (``iban``, ``phone``,
``wallet``, ``account``) or ``Network activity``, with the kind in the comment and a
``ketenwacht:kind=`` tag, so a MISP user cannot mistake a pseudonym for a real IBAN.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from ketenwacht.alerts.exchange.stix import exportable_alerts, stable_uuid
from ketenwacht.alerts.models import Alert, AlertIndicator
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking

MispDict = dict[str, Any]

# MISP distribution: 1 = this community only, 3 = all communities.
DISTRIBUTION: dict[str, str] = {Marking.GREEN: "1", Marking.CLEAR: "3"}
FINANCIAL_KINDS = frozenset({"iban", "phone", "wallet", "account"})
ANALYSIS_COMPLETED = "2"
THREAT_LEVEL_MEDIUM = "2"


def _tags(alert: Alert) -> list[MispDict]:
    names = [f"tlp:{str(alert.marking).lower()}"]
    if alert.fraud_type_id:
        names.append(f"ketenwacht:fraud-type={alert.fraud_type_id}")
    return [{"name": name} for name in names]


def _attribute(alert: Alert, indicator: AlertIndicator) -> MispDict:
    category = "Financial fraud" if indicator.kind in FINANCIAL_KINDS else "Network activity"
    return {
        "uuid": str(_attribute_uuid(alert, indicator)),
        "type": "text",
        "category": category,
        "value": indicator.pseudonym.reference,
        "comment": f"pseudonym of {indicator.kind} {indicator.display_hint}".strip(),
        "to_ids": False,
        "distribution": "5",  # inherit the event's distribution
        "timestamp": str(int(indicator.created_at.timestamp())),
        "Tag": [{"name": f"ketenwacht:kind={indicator.kind}"}],
    }


def _attribute_uuid(alert: Alert, indicator: AlertIndicator) -> str:
    return str(stable_uuid(f"misp-attribute/{alert.uuid}/{indicator.pseudonym.reference}"))


def organisation_of(alert: Alert) -> MispDict:
    """MISP's creator organisation: name and a stable UUID (feeds require both)."""
    organisation = alert.author_organisation
    return {
        "name": organisation.name,
        "uuid": str(stable_uuid(f"organisation/{organisation.slug}")),
    }


def event_of(alert: Alert) -> MispDict:
    """The MISP event JSON (``{"Event": …}``) of one alert."""
    published = alert.shared_at or alert.created_at
    return {
        "Event": {
            "uuid": str(alert.uuid),
            "info": alert.title,
            "date": published.date().isoformat(),
            "timestamp": str(int(alert.updated_at.timestamp())),
            "publish_timestamp": str(int(published.timestamp())),
            "published": True,
            "analysis": ANALYSIS_COMPLETED,
            "threat_level_id": THREAT_LEVEL_MEDIUM,
            "distribution": DISTRIBUTION[alert.marking],
            "Orgc": organisation_of(alert),
            "Tag": _tags(alert),
            "Attribute": [_attribute(alert, i) for i in alert.indicators.all()],
        }
    }


def manifest_entry(event: MispDict) -> MispDict:
    body = event["Event"]
    return {
        key: body[key]
        for key in ("info", "date", "analysis", "threat_level_id", "timestamp", "Orgc", "Tag")
    }


def hashes_lines(event: MispDict) -> list[str]:
    """``md5(value),event uuid`` per attribute, as MISP's feed cache expects."""
    uuid = event["Event"]["uuid"]
    return [
        f"{hashlib.md5(a['value'].encode(), usedforsecurity=False).hexdigest()},{uuid}"
        for a in event["Event"]["Attribute"]
    ]


def feed_files(alerts: Iterable[Alert]) -> dict[str, str]:
    """File name -> content of the whole feed."""
    files: dict[str, str] = {}
    manifest: dict[str, MispDict] = {}
    hashes: list[str] = []
    for alert in alerts:
        event = event_of(alert)
        uuid = event["Event"]["uuid"]
        files[f"{uuid}.json"] = json.dumps(event, ensure_ascii=False)
        manifest[uuid] = manifest_entry(event)
        hashes.extend(hashes_lines(event))
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False)
    files["hashes.csv"] = "".join(f"{line}\n" for line in hashes)
    return files


def export_feed(*, actor: Actor) -> dict[str, str]:
    """The MISP feed of everything the actor may send out of the group (CLEAR and GREEN)."""
    return feed_files(exportable_alerts(actor=actor, route="export"))
