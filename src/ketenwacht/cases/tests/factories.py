"""Factories for cases: a world of organisations and actors, reports, pseudonyms."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone

from ketenwacht.cases import linking, services
from ketenwacht.cases.constants import ReportSource
from ketenwacht.cases.models import Cluster, Membership, Report, ReportLink
from ketenwacht.identifiers.models import Pseudonym
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role, Scope, Sector
from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup
from ketenwacht.partners.tests.factories import (
    AgreementFactory,
    OrganisationFactory,
    SharingGroupFactory,
    make_token,
    make_user,
)

_numbers = itertools.count(1)


@dataclass
class World:
    police: Organisation
    prosecutor: Organisation
    bank: Organisation
    group: SharingGroup
    agreement: DataSharingAgreement
    police_user: Any
    analyst: access.Actor  # police analyst of the police
    prosecutor_analyst: access.Actor
    bank_police_role: access.Actor  # police_analyst role, but in a bank: sees nothing
    partner_analyst: access.Actor
    programme: access.Actor
    police_token: access.Actor
    bank_token: access.Actor


def _token_actor(organisation: Organisation, scopes: list[str]) -> access.Actor:
    token, _secret = make_token(organisation, scopes)
    return access.actor_for_token(token, address="192.0.2.7")


def make_world() -> World:
    police = OrganisationFactory.create(sector=Sector.POLICE, name="Politie (test)")
    prosecutor = OrganisationFactory.create(sector=Sector.PROSECUTOR, name="OM (test)")
    bank = OrganisationFactory.create(sector=Sector.BANK, name="Bank (test)")
    group = SharingGroupFactory.create()
    group.members.set([police, prosecutor, bank])
    agreement = AgreementFactory.create(
        group=group,
        allowed_kinds=["iban", "phone", "email", "url", "domain", "account"],
        raw_value_roles=[Role.POLICE_ANALYST],
        retention_days={
            "iban": 365,
            "phone": 365,
            "email": 180,
            "url": 90,
            "domain": 90,
            "account": 365,
        },
    )
    police_user = make_user(Role.POLICE_ANALYST, police, first_name="Pieter", last_name="Smit")
    return World(
        police=police,
        prosecutor=prosecutor,
        bank=bank,
        group=group,
        agreement=agreement,
        police_user=police_user,
        analyst=access.actor_for_user(police_user),
        prosecutor_analyst=access.actor_for_user(make_user(Role.POLICE_ANALYST, prosecutor)),
        bank_police_role=access.actor_for_user(make_user(Role.POLICE_ANALYST, bank)),
        partner_analyst=access.actor_for_user(make_user(Role.PARTNER_ANALYST, bank)),
        programme=access.actor_for_user(
            make_user(Role.PROGRAMME_TEAM, OrganisationFactory.create(sector=Sector.PROGRAMME))
        ),
        police_token=_token_actor(police, [Scope.CASES_REPORT.value]),
        bank_token=_token_actor(
            bank, [Scope.CASES_REPORT.value, Scope.CASES_SUSPECT_POSTCODE.value]
        ),
    )


def import_report(
    actor: access.Actor,
    identifiers: Sequence[str | dict[str, Any]],
    *,
    number: str | None = None,
    fraud_type: str = "purchase",
    damage_cents: int = 10_000,
    postcode4: str = "1012",
    reported_on: date | None = None,
    **extra: Any,
) -> services.ImportResult:
    """A report through the import service (as the API would)."""
    items = [{"value": i} if isinstance(i, str) else i for i in identifiers]
    return services.case_report_import(
        actor=actor,
        number=number or f"PL-{next(_numbers):06d}",
        reported_on=reported_on or timezone.localdate(),
        fraud_type=fraud_type,
        damage_cents=damage_cents,
        postcode4=postcode4,
        identifiers=items,
        **extra,
    )


class ReportFactory(factory.django.DjangoModelFactory):
    """A bare report row (no links): for the linking engine's own tests."""

    class Meta:
        model = Report

    source = ReportSource.POLICE
    number = factory.Sequence(lambda n: f"R-{n:07d}")
    fraud_type = "purchase"
    damage_cents = 5_000
    reported_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    seen_on = factory.LazyAttribute(lambda r: r.reported_on)
    postcode4 = "3511"
    victim_key = factory.Sequence(lambda n: f"victim-{n}")


def link_without_linking(reports: Sequence[Report], pool: Sequence[int]) -> None:
    """Each report names the next identifier of ``pool`` in turn, written behind the
    linking's back: all reports stay single until a rebuild."""
    for i, report in enumerate(reports):
        ReportLink.objects.create(report=report, pseudonym_id=pool[i % len(pool)])


def make_pseudonyms(count: int, kind: str = "phone") -> list[int]:
    """Pseudonym rows with random digests (the linking only needs ids)."""
    rows = Pseudonym.objects.bulk_create(
        [
            Pseudonym(
                kind=kind, key_version=1, digest=os.urandom(32), display_hint=f"+31 •••• {i:02d}"
            )
            for i in range(count)
        ]
    )
    return [row.pk for row in rows]


def add(pseudonym_ids: Sequence[int], **fields: Any) -> Report:
    """A report linked incrementally through these pseudonyms (engine only, no services)."""
    report: Report = ReportFactory.create(**fields)
    change = linking.add_report(report, pseudonym_ids)
    services.clusters_after_change(change, now=timezone.now())
    report.refresh_from_db()
    return report


def remove(report: Report) -> None:
    """Take a report out again (as when a victim withdraws consent)."""
    change = linking.remove_report(Report.objects.get(pk=report.pk))
    services.clusters_after_change(change, now=timezone.now())


def partition() -> set[frozenset[int]]:
    """The current clusters as sets of report ids, singles as sets of one."""
    groups: dict[object, set[int]] = {}
    for report_id, cluster_id in Report.objects.values_list("pk", "membership__cluster_id"):
        key = cluster_id if cluster_id is not None else ("single", report_id)
        groups.setdefault(key, set()).add(report_id)
    return {frozenset(g) for g in groups.values()}


def cluster_of(report_id: int | None) -> Cluster:
    """The cluster a report belongs to now (fails when it is single)."""
    assert report_id is not None
    cluster_id = Report.objects.get(pk=report_id).cluster_id
    assert cluster_id is not None, f"report {report_id} is single"
    return Cluster.objects.select_related("unit").get(pk=cluster_id)


def assert_memberships_consistent() -> None:
    """Memberships agree with the reports and clusters: the copied damage is the report's,
    every membership names an active cluster, and each active cluster counts its members."""
    from django.db.models import Count, F

    assert not Membership.objects.exclude(damage_cents=F("report__damage_cents")).exists()
    assert not Membership.objects.filter(cluster__is_active=False).exists()
    counted = dict(Membership.objects.values_list("cluster_id").annotate(n=Count("pk")).order_by())
    stored = dict(Cluster.objects.filter(is_active=True).values_list("pk", "report_count"))
    assert counted == stored
