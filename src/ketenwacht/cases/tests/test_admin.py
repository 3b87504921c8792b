"""The cases' tables in the admin: to look at, never to add, change or delete. Units and the
postcode table come from data, routing rules from the programme team's audited page (which
re-routes open clusters), clusters and hubs from the linking and the workflow."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.urls import reverse

from ketenwacht.cases.models import Cluster, Hub, PostcodeRange, RoutingRule, Unit
from ketenwacht.cases.reference import load_reference
from ketenwacht.cases.tests.factories import add, cluster_of, make_pseudonyms
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.conftest import verified_client
from ketenwacht.partners.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _one_of_each() -> list[Model]:
    load_reference()  # idempotent: the migration loaded them already
    iban, hub = make_pseudonyms(2)
    first = add([iban])
    add([iban])
    Hub.objects.create(pseudonym_id=hub, report_count=60)
    return [
        Unit.objects.all()[0],
        PostcodeRange.objects.all()[0],
        RoutingRule.objects.all()[0],
        cluster_of(first.pk),
        Hub.objects.get(pseudonym_id=hub),
    ]


def test_every_cases_table_is_read_only_in_the_admin() -> None:
    client = verified_client(make_user(Role.PROGRAMME_TEAM, is_staff=True, is_superuser=True))
    for row in _one_of_each():
        meta = type(row)._meta
        name = f"admin:{meta.app_label}_{meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200
        change = client.get(reverse(f"{name}_change", args=[row.pk]))
        assert change.status_code == 200 and change.context["has_change_permission"] is False
        assert client.get(reverse(f"{name}_add")).status_code == 403
        deleted = client.post(reverse(f"{name}_delete", args=[row.pk]), {"post": "yes"})
        assert deleted.status_code == 403
        before = {f.attname: getattr(row, f.attname) for f in meta.concrete_fields}
        client.post(reverse(f"{name}_change", args=[row.pk]), {"name": "changed", "state": "x"})
        row.refresh_from_db()
        assert {f.attname: getattr(row, f.attname) for f in meta.concrete_fields} == before
    assert Cluster.objects.count() == 1
