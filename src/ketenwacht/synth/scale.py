"""Synthetic data at scale, for benchmarks: ``manage.py synth --scale N``.

One *unit* is a chain in miniature: an organisation of every sector, two users each (the
sector's working role and an organisation administrator) and a sharing group of the whole
unit with agreement version 1. ``synth_grow(scale=N)`` makes sure units 1..N exist: it only
adds what is missing, so the data grows with N and a repeated run adds nothing.

Rows go in with ``bulk_create`` per batch of units, not through the per-item services: a
million rows through services that each write an audit event would take hours. Each batch
writes one ``synth.grow`` audit event instead. Synthetic users have unusable passwords and
no second factor: they exist to be counted and filtered, not to log in.

Identifiers (IBANs, phone numbers …) are streamed by ``write_identifiers`` from
``synth.generators``; later issues feed them into sightings.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from ketenwacht.audit.services import audit_record
from ketenwacht.partners.access import SYSTEM
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.models import (
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)
from ketenwacht.synth.demo import AGREEMENT_START
from ketenwacht.synth.generators import FIRST_NAMES, LAST_NAMES, identifiers, kind_seed

GROUP_SLUG_PREFIX = "synth-keten-"
EMAIL_DOMAIN = "synth.example"
# Synthetic KvK numbers: "00" + six digits from 100000 (demo ones stay below 00010000).
KVK_BASE = 100_000
KVK_LIMIT = 1_000_000

_WORKING_ROLE: dict[str, str] = {
    Sector.POLICE: Role.POLICE_ANALYST,
    Sector.PROSECUTOR: Role.POLICE_ANALYST,
    Sector.DESK: Role.DESK_AGENT,
    Sector.VICTIM_SUPPORT: Role.DESK_AGENT,
    Sector.PROGRAMME: Role.PROGRAMME_TEAM,
}
SECTORS: tuple[str, ...] = tuple(Sector.values)
ORGANISATIONS_PER_UNIT = len(SECTORS)
USERS_PER_UNIT = 2 * ORGANISATIONS_PER_UNIT

SYNTH_AGREEMENT = {
    "purpose": "Synthetische gegevens voor benchmarks en tests. / Synthetic data for benchmarks "
    "and tests.",
    "legal_basis": "Geen persoonsgegevens (synthetisch). / No personal data (synthetic).",
    "allowed_kinds": ["account", "device", "domain", "email", "iban", "phone", "url", "wallet"],
    "raw_value_roles": [Role.POLICE_ANALYST.value],
    "retention_days": {"iban": 365, "phone": 365, "email": 365, "url": 90, "domain": 90},
    "warning_thresholds": {"warning_organisations": 2, "warning_confirmed": 1},
}


def working_role(sector: str) -> str:
    return _WORKING_ROLE.get(sector, Role.PARTNER_ANALYST)


def unit_label(index: int) -> str:
    return f"{index:05d}"


def organisation_slug(index: int, sector: str) -> str:
    return f"synth-{unit_label(index)}-{sector.replace('_', '-')}"


def synthetic_kvk(index: int, sector_position: int) -> str:
    number = KVK_BASE + (index - 1) * ORGANISATIONS_PER_UNIT + sector_position
    return f"{number:08d}" if number < KVK_LIMIT else ""


@dataclass
class GrowthReport:
    units_before: int
    units_after: int
    organisations: int = 0
    users: int = 0
    memberships: int = 0
    sharing_groups: int = 0
    agreements: int = 0


def existing_units() -> set[int]:
    """Units whose sharing group exists; a unit's group is written last, in its batch."""
    slugs = SharingGroup.objects.filter(slug__startswith=GROUP_SLUG_PREFIX).values_list(
        "slug", flat=True
    )
    return {int(slug.removeprefix(GROUP_SLUG_PREFIX)) for slug in slugs}


def _batches(indices: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start : start + size]


def _create_batch(units: list[int], seed: int | str, report: GrowthReport) -> None:
    user_model = get_user_model()
    with transaction.atomic():
        organisations = [
            Organisation(
                name=f"Synth {unit_label(index)} {sector}",
                slug=organisation_slug(index, sector),
                sector=sector,
                kvk_number=synthetic_kvk(index, position),
                website=f"https://{organisation_slug(index, sector)}.{EMAIL_DOMAIN}",
            )
            for index in units
            for position, sector in enumerate(SECTORS)
        ]
        Organisation.objects.bulk_create(organisations)
        by_slug = dict(
            Organisation.objects.filter(
                slug__in=[organisation.slug for organisation in organisations]
            ).values_list("slug", "pk")
        )
        users, roles = [], []
        for index in units:
            rng = random.Random(kind_seed(seed, f"unit:{index}"))  # noqa: S311 - synthetic
            for sector in SECTORS:
                for role in (working_role(sector), Role.ADMIN):
                    username = f"synth.{unit_label(index)}.{sector}.{role}"
                    users.append(
                        user_model(
                            username=username,
                            first_name=rng.choice(FIRST_NAMES).capitalize(),
                            last_name=rng.choice(LAST_NAMES).capitalize(),
                            email=f"{username}@{EMAIL_DOMAIN}",
                            password=make_password(None),
                        )
                    )
                    roles.append((username, by_slug[organisation_slug(index, sector)], role))
        user_model.objects.bulk_create(users)
        user_ids = dict(
            user_model.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        Membership.objects.bulk_create(
            Membership(user_id=user_ids[username], organisation_id=organisation_id, role=role)
            for username, organisation_id, role in roles
        )
        groups = [
            SharingGroup(
                name=f"Synth keten {unit_label(index)}",
                slug=f"{GROUP_SLUG_PREFIX}{unit_label(index)}",
                description="Synthetische keten voor benchmarks. / Synthetic chain for benchmarks.",
            )
            for index in units
        ]
        SharingGroup.objects.bulk_create(groups)
        group_ids = dict(
            SharingGroup.objects.filter(slug__in=[g.slug for g in groups]).values_list("slug", "pk")
        )
        through = SharingGroup.members.through
        through.objects.bulk_create(
            through(
                sharinggroup_id=group_ids[f"{GROUP_SLUG_PREFIX}{unit_label(index)}"],
                organisation_id=by_slug[organisation_slug(index, sector)],
            )
            for index in units
            for sector in SECTORS
        )
        DataSharingAgreement.objects.bulk_create(
            DataSharingAgreement(
                group_id=group_id, version=1, valid_from=AGREEMENT_START, **SYNTH_AGREEMENT
            )
            for group_id in group_ids.values()
        )
        audit_record(
            actor=SYSTEM,
            action="synth.grow",
            object_type="synth_unit",
            object_id=f"{units[0]}-{units[-1]}",
            details={"units": len(units), "organisations": len(organisations)},
        )
    report.organisations += len(organisations)
    report.users += len(users)
    report.memberships += len(roles)
    report.sharing_groups += len(groups)
    report.agreements += len(groups)


def synth_grow(
    *,
    scale: int,
    seed: int | str = 0,
    batch_units: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> GrowthReport:
    """Make sure synthetic units 1..scale exist; ``progress(done, todo)`` after each batch."""
    if scale < 0:
        raise ValueError("scale must be zero or more")
    present = existing_units()
    missing = [index for index in range(1, scale + 1) if index not in present]
    report = GrowthReport(units_before=len(present), units_after=len(present) + len(missing))
    done = 0
    for batch in _batches(missing, max(1, batch_units)):
        _create_batch(batch, seed, report)
        done += len(batch)
        if progress is not None:
            progress(done, len(missing))
    return report


class TextSink(Protocol):
    def write(self, text: str, /) -> object: ...


def write_identifiers(
    stream: TextSink,
    *,
    kinds: Iterable[str],
    count: int,
    seed: int | str = 0,
    spelled: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Write ``count`` synthetic identifiers per kind as CSV rows ``kind,value``."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["kind", "value"])
    written = 0
    for kind in kinds:
        values = identifiers(kind, count, seed=seed, spelled=spelled)
        writer.writerows((kind, value) for value in values)
        written += count
        if progress is not None:
            progress(kind, count)
    return written
