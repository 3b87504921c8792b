"""Alerts and their indicators as a STIX 2.1 bundle.

What a bundle holds:

- the TLP 2.0 ``marking-definition`` objects exactly as OASIS publishes them (the TLP 2.0
  extension of ``cti-stix-common-objects``; STIX 2.1 itself only predefines TLP 1.0);
- one ``extension-definition`` (``new-sco`` + ``toplevel-property-extension``) for the
  observable types STIX lacks, named as OpenCTI names its custom observables
  (``bank-account``, ``phone-number``, ``cryptocurrency-wallet``), plus the top-level property
  ``x_ketenwacht_pseudonym`` that carries the pseudonym reference;
- an ``identity`` per author organisation and one for the platform (``created_by_ref``);
- per alert a ``report`` (title, summary, body) that refers to its indicators and sightings;
- per indicator an ``indicator`` whose pattern is over the pseudonym, and a ``sighting`` of it
  by the author organisation.

Raw identifier values never leave by this route: only people in roles the agreement names
may see them (``access.may_see_raw_values`` requires a user), and an exchange is read by an
organisation's system. Patterns therefore compare ``x_ketenwacht_pseudonym`` with the keyed
pseudonym reference ``v<key version>:<hex HMAC>``, which a partner with the same platform
can match against its own checks but cannot reverse.

Objects are plain dicts (the ``stix2`` object classes are too slow for 100,000 indicators);
the tests run every bundle through ``stix2-validator``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from ketenwacht.alerts.constants import AlertStatus
from ketenwacht.alerts.models import Alert, AlertIndicator
from ketenwacht.alerts.selectors import alert_list
from ketenwacht.partners import access
from ketenwacht.partners.access import Actor
from ketenwacht.partners.constants import Marking
from ketenwacht.partners.models import Organisation

StixObject = dict[str, Any]

SPEC_VERSION = "2.1"

# Namespace for deterministic ids (uuid5): re-exporting the same alert yields the same ids,
# so a partner's store updates objects instead of duplicating them.
KETENWACHT_NAMESPACE = uuid.UUID("6b1f3c2e-8f0a-5d7e-9a51-4c2d7e0b9a10")

# TLP 2.0 as published by OASIS (cti-stix-common-objects, extension-definition-specifications/
# tlp-2.0). Ids, name and created timestamp are part of the published objects.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_MARKING_IDS: dict[str, str] = {
    Marking.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Marking.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Marking.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Marking.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Marking.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
MARKING_BY_TLP2_ID = {value: key for key, value in TLP2_MARKING_IDS.items()}

PLATFORM_IDENTITY_ID = "identity--1d3a4e4c-6c39-4d0e-9f0a-3f1b2c7d5e61"
OBSERVABLES_EXTENSION_ID = "extension-definition--8c5f2a71-0b6e-4c1d-a3e9-7d4f5b2c9a18"
PSEUDONYM_PROPERTY = "x_ketenwacht_pseudonym"
EPOCH = "2026-01-01T00:00:00.000Z"

# identifier kind -> (STIX cyber-observable type, extra pattern comparisons)
KIND_OBSERVABLE: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "iban": ("bank-account", ()),
    "phone": ("phone-number", ()),
    "email": ("email-addr", ()),
    "url": ("url", ()),
    "domain": ("domain-name", ()),
    # a marketplace or platform account: OpenCTI and STIX both use user-account
    "account": ("user-account", (("account_type", "marketplace"),)),
    "wallet": ("cryptocurrency-wallet", ()),
    "device": ("x-ketenwacht-device", ()),
}
NEW_OBSERVABLE_TYPES = ("bank-account", "phone-number", "cryptocurrency-wallet")
OBSERVABLE_KIND = {observable: kind for kind, (observable, _extra) in KIND_OBSERVABLE.items()}


def timestamp(moment: datetime) -> str:
    """STIX timestamps: UTC, millisecond precision, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def stable_uuid(name: str) -> uuid.UUID:
    """A UUID derived from ``name``, in version-4 form (STIX asks SDO ids to be UUIDv4)."""
    digest = hashlib.sha256(f"{KETENWACHT_NAMESPACE}/{name}".encode()).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def stix_id(object_type: str, *parts: object) -> str:
    name = "/".join(str(part) for part in parts)
    return f"{object_type}--{stable_uuid(f'{object_type}/{name}')}"


def tlp_marking_definition(marking: str) -> StixObject:
    """The OASIS TLP 2.0 marking-definition object for ``marking``."""
    return {
        "type": "marking-definition",
        "spec_version": SPEC_VERSION,
        "id": TLP2_MARKING_IDS[marking],
        "created": TLP2_CREATED,
        "name": f"TLP:{marking}",
        "extensions": {
            TLP2_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": str(marking).lower(),
            }
        },
    }


def platform_identity() -> StixObject:
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": PLATFORM_IDENTITY_ID,
        "created": EPOCH,
        "modified": EPOCH,
        "name": "Ketenwacht",
        "identity_class": "system",
    }


def observables_extension_definition() -> StixObject:
    return {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": OBSERVABLES_EXTENSION_ID,
        "created_by_ref": PLATFORM_IDENTITY_ID,
        "created": EPOCH,
        "modified": EPOCH,
        "name": "Ketenwacht fraud observables",
        "description": (
            "Observable types for fraud warnings, named after OpenCTI's custom observables: "
            "bank-account (iban), phone-number (value), cryptocurrency-wallet (value). "
            f"Every observable may carry the top-level property {PSEUDONYM_PROPERTY}: the keyed "
            "pseudonym reference v<key version>:<hex HMAC-SHA256> of the canonical value. "
            "Marketplace accounts are user-account with account_type 'marketplace'."
        ),
        "schema": "https://ketenwacht.nl/schemas/stix/observables-v1.json",
        "version": "1.0.0",
        "extension_types": ["new-sco", "toplevel-property-extension"],
        "extension_properties": [PSEUDONYM_PROPERTY],
    }


def organisation_identity(organisation: Organisation) -> StixObject:
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": organisation_identity_id(organisation),
        "created_by_ref": PLATFORM_IDENTITY_ID,
        "created": timestamp(organisation.created_at),
        "modified": timestamp(organisation.created_at),
        "name": organisation.name,
        "identity_class": "organization",
        **_sectors(organisation),
    }


# Our sectors in STIX's industry-sector-ov where one fits; others are left out.
SECTOR_VOCABULARY = {
    "bank": "financial-services",
    "payment_provider": "financial-services",
    "bnpl": "financial-services",
    "insurer": "financial-services",
    "telecom": "telecommunications",
    "marketplace": "retail",
    "webshop": "retail",
    "carrier": "transportation",
    "police": "government-public-services",
    "prosecutor": "government-public-services",
    "regulator": "government-regulatory",
    "desk": "government-public-services",
}


def _sectors(organisation: Organisation) -> dict[str, list[str]]:
    sector = SECTOR_VOCABULARY.get(str(organisation.sector))
    return {"sectors": [sector]} if sector else {}


def organisation_identity_id(organisation: Organisation) -> str:
    return stix_id("identity", "organisation", organisation.slug)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def indicator_pattern(indicator: AlertIndicator) -> str:
    observable, extra = KIND_OBSERVABLE.get(indicator.kind, ("x-ketenwacht-identifier", ()))
    comparisons = [f"{observable}:{PSEUDONYM_PROPERTY} = '{_quote(indicator.pseudonym.reference)}'"]
    comparisons += [f"{observable}:{name} = '{_quote(value)}'" for name, value in extra]
    return "[" + " AND ".join(comparisons) + "]"


def _common(alert: Alert, author_id: str) -> StixObject:
    return {
        "spec_version": SPEC_VERSION,
        "created_by_ref": author_id,
        "object_marking_refs": [TLP2_MARKING_IDS[alert.marking]],
    }


def indicator_objects(alert: Alert, indicator: AlertIndicator, author_id: str) -> list[StixObject]:
    """The indicator and its sighting by the author organisation."""
    indicator_id = stix_id("indicator", alert.uuid, indicator.pseudonym.reference)
    seen = timestamp(alert.shared_at or indicator.created_at)
    created = timestamp(indicator.created_at)
    modified = timestamp(max(alert.updated_at, indicator.created_at))
    description = indicator.note or f"{indicator.kind} named in alert {alert.uuid}"
    stix_indicator: StixObject = {
        "type": "indicator",
        "id": indicator_id,
        **_common(alert, author_id),
        "created": created,
        "modified": modified,
        "name": f"{indicator.kind} {indicator.display_hint}".strip(),
        "indicator_types": ["malicious-activity"],
        "pattern": indicator_pattern(indicator),
        "pattern_type": "stix",
        "valid_from": created,
        "description": description,
        "labels": [indicator.kind],
    }
    if alert.is_withdrawn:
        stix_indicator["revoked"] = True
    sighting: StixObject = {
        "type": "sighting",
        "id": stix_id("sighting", alert.uuid, indicator.pseudonym.reference),
        **_common(alert, author_id),
        "created": created,
        "modified": modified,
        "first_seen": seen,
        "last_seen": seen,
        "count": 1,
        "sighting_of_ref": indicator_id,
        "where_sighted_refs": [author_id],
    }
    return [stix_indicator, sighting]


def alert_objects(alert: Alert) -> list[StixObject]:
    """The report for the alert, its indicators and sightings (markings and identities apart)."""
    author_id = organisation_identity_id(alert.author_organisation)
    children: list[StixObject] = []
    for indicator in alert.indicators.all():
        children.extend(indicator_objects(alert, indicator, author_id))
    published = alert.shared_at or alert.created_at
    report: StixObject = {
        "type": "report",
        "id": f"report--{alert.uuid}",
        **_common(alert, author_id),
        "created": timestamp(alert.created_at),
        "modified": timestamp(alert.updated_at),
        "name": alert.title,
        "description": _report_description(alert),
        "report_types": ["threat-report"],
        "published": timestamp(published),
        # a report needs at least one reference; without indicators it names its author
        "object_refs": [child["id"] for child in children] or [author_id],
        "labels": _labels(alert),
    }
    if alert.is_withdrawn:
        report["revoked"] = True
    return [report, *children]


def _report_description(alert: Alert) -> str:
    return "\n\n".join(part for part in (alert.summary, alert.body) if part)


def _labels(alert: Alert) -> list[str]:
    labels = [f"fraud-type:{alert.fraud_type_id}"] if alert.fraud_type_id else []
    labels += [f"phase:{phase}" for phase in alert.phases]
    labels += [f"channel:{channel}" for channel in alert.channels]
    return labels or ["fraud"]


def exportable_alerts(*, actor: Actor, route: str) -> QuerySet[Alert]:
    """Alerts the actor may read whose marking may travel by ``route`` (``api`` or ``export``).

    Drafts never leave; withdrawn alerts do, revoked, so partners retract them too.
    """
    markings = access.markings_allowing(route)
    return (
        alert_list(actor=actor)
        .exclude(status=AlertStatus.DRAFT)
        .filter(marking__in=markings)
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=AlertIndicator.objects.select_related("pseudonym").order_by(
                    "created_at", "id"
                ),
            )
        )
    )


def bundle_objects(alerts: Iterable[Alert]) -> Iterator[StixObject]:
    """Shared objects first (platform, extension, markings, identities), then per alert."""
    alerts = list(alerts)
    yield platform_identity()
    yield observables_extension_definition()
    for marking in sorted({alert.marking for alert in alerts}):
        yield tlp_marking_definition(marking)
    authors = {alert.author_organisation_id: alert.author_organisation for alert in alerts}
    for organisation in authors.values():
        yield organisation_identity(organisation)
    for alert in alerts:
        yield from alert_objects(alert)


def bundle(objects: Iterable[StixObject]) -> StixObject:
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": list(objects),
    }


def export_bundle(*, actor: Actor, route: str = "export") -> StixObject:
    """Everything the actor may receive by ``route`` as one STIX 2.1 bundle."""
    return bundle(bundle_objects(exportable_alerts(actor=actor, route=route)))
