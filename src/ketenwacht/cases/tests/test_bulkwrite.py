"""The rebuild's bulk writes: every kind of value comes back as written, on both databases
(binary ``COPY`` on PostgreSQL, ``executemany`` on SQLite)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection, models

from ketenwacht.cases import bulkwrite
from ketenwacht.cases.constants import ClusterState
from ketenwacht.cases.models import Cluster, Hub
from ketenwacht.cases.tests.factories import make_pseudonyms

pytestmark = pytest.mark.django_db

FIELDS = [
    "id",
    "state",
    "is_active",
    "report_count",
    "damage_total_cents",
    "fraud_types",
    "regions",
    "first_seen",
    "last_seen",
    "share_65_plus",
    "priority",
    "created_at",
    "updated_at",
    "victim_count",
    "damage_median_cents",
    "aged_victims",
    "aged_65_plus",
    "growth_7d",
    "growth_30d",
]
COUNTS = (1, 2, 3, 4, 5, 6)
MOMENT = datetime(2026, 11, 29, 2, 30, 15, 123456, tzinfo=UTC)


def _rows(ids: list[int]) -> list[tuple[object, ...]]:
    tricky = {'aankoop\t"x"\n\\': 3, "é—中": 2**40, "nested": {"a": [1, 2.5, None, True]}}
    return [
        (
            ids[0],
            ClusterState.NEW,
            True,
            2,
            9_000_000_000,
            tricky,
            {},
            date(2025, 1, 31),
            None,
            0.25,
            12,
            MOMENT,
            MOMENT,
            *COUNTS,
        ),
        (
            ids[1],
            "triage",
            False,
            0,
            0,
            {},
            {"RE-MN": 1},
            None,
            date(2024, 2, 29),
            None,
            99.5,
            MOMENT,
            MOMENT,
            *COUNTS,
        ),
    ]


def _stored(ids: list[int]) -> list[tuple[object, ...]]:
    return list(Cluster.objects.filter(pk__in=ids).order_by("pk").values_list(*FIELDS))


def test_inserted_rows_read_back_as_written() -> None:
    ids = bulkwrite.allocate_ids(Cluster, 2)
    assert bulkwrite.insert_rows(Cluster, FIELDS, iter(_rows(ids))) == 2
    expected = [(*row[:10], float(row[10]), *row[11:]) for row in _rows(ids)]  # type: ignore[arg-type]
    assert _stored(ids) == expected


def test_updated_rows_read_back_as_written() -> None:
    ids = bulkwrite.allocate_ids(Cluster, 2)
    bulkwrite.insert_rows(Cluster, FIELDS, _rows(ids))
    changed = [
        (ids[0], "closed", False, {"x": 1}, None, 1.5),
        (ids[1], "assigned", True, {}, date(2026, 1, 1), 0),
    ]
    fields = ["state", "is_active", "fraud_types", "first_seen", "priority"]
    assert bulkwrite.update_rows(Cluster, fields, changed) == 2
    stored = list(Cluster.objects.filter(pk__in=ids).order_by("pk").values_list("pk", *fields))
    assert stored == [(*row[:5], float(row[5])) for row in changed]


def test_rows_keyed_by_another_table_update_too() -> None:
    """The hub's key is the pseudonym's: the staging table takes its type."""
    (pid,) = make_pseudonyms(1)
    fields = ["pseudonym", "report_count", "fraud_types", "allowlisted", "reason", "override"]
    fields += ["is_excluded", "note", "created_at", "updated_at"]
    bulkwrite.insert_rows(
        Hub, fields, [(pid, 3, {"a": 3}, False, "", "auto", False, "", MOMENT, MOMENT)]
    )
    bulkwrite.update_rows(Hub, ["report_count", "fraud_types"], [(pid, 4, {"a": 4})])
    assert Hub.objects.values_list("report_count", "fraud_types").get(pk=pid) == (4, {"a": 4})


def test_binary_copy_only_for_types_it_knows() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL only")
    types = bulkwrite.copy_types([Cluster._meta.get_field(name) for name in FIELDS])
    assert types == [
        "int8", "varchar", "bool", "int4", "int8", "jsonb", "jsonb", "date", "date", "float8",
        "float8", "timestamptz", "timestamptz", "int4", "int8", "int4", "int4", "int4", "int4",
    ]  # fmt: skip
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    assert bulkwrite.copy_types([Cluster._meta.get_field("id"), amount]) is None
