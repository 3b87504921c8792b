"""The check's hand-written SQL on PostgreSQL answers exactly what the ORM query answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from ketenwacht.identifiers import pseudonyms, selectors
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.models import Sighting
from ketenwacht.identifiers.tests.factories import IBAN, MOBILE, OTHER_IBAN, Circle, SightingFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's; SQLite uses the ORM"
)


def _orm_rows(digests: list[bytes], group_ids: frozenset[int], now: object) -> list[tuple]:
    rows = (
        Sighting.objects.filter(
            pseudonym__digest__in=digests, expires_at__gt=now, sharing_group_id__in=group_ids
        )
        .values_list(
            "pseudonym_id",
            "pseudonym__key_version",
            "pseudonym__digest",
            "organisation_id",
            "sharing_group_id",
            "confidence",
            "fraud_type",
        )
        .annotate(count=Count("id"), first_seen=Min("observed_at"), last_seen=Max("observed_at"))
        .order_by()
    )
    return sorted(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows)


def test_aggregate_sql_matches_the_orm_to_the_microsecond(circle: Circle) -> None:
    moment = timezone.now().replace(microsecond=123457)
    for value, days in ((IBAN, 3), (IBAN, 1), (MOBILE, 2)):
        SightingFactory(circle=circle, value=value, observed_at=moment - timedelta(days=days))
    SightingFactory(circle=circle, value=IBAN, organisation=circle.members[1], observed_at=moment)
    ring = pseudonyms.keyring()
    key = ring.pseudonym_keys[ring.current_version]
    digests = [
        pseudonyms.digest(c.kind, c.value, key=key)
        for c in map(canonicalise, (IBAN, MOBILE, OTHER_IBAN))  # the last one is not listed
    ]
    groups = frozenset({circle.group.pk})
    now = timezone.now()

    ours = sorted(selectors._aggregate_chunk(digests, groups, now))

    assert ours == _orm_rows(digests, groups, now)
    assert {row[2] for row in ours} == set(digests[:2])
    assert {row[3] for row in ours} == {circle.members[0].pk, circle.members[1].pk}
    assert {row[8].microsecond for row in ours} | {row[9].microsecond for row in ours} == {123457}


def test_array_literals_carry_any_text_and_bytes_unchanged(db: None) -> None:
    texts = ['a"b', "c\\d", "e,f", "g{h}", "i'j", "plain", ""]
    blobs = [b"\x00\xff", b"\\x", b'"']
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s::text[], %s::bytea[]",
            [selectors._text_array(texts), selectors._bytea_array(blobs)],
        )
        text_array, bytea_array = cursor.fetchone()
    assert text_array == texts
    assert [bytes(b) for b in bytea_array] == blobs


def _lookup_statements(circle: Circle) -> list[tuple[str, list[object]]]:
    SightingFactory(circle=circle, value=IBAN)
    ring = pseudonyms.keyring()
    key = ring.pseudonym_keys[ring.current_version]
    digest_array = selectors._bytea_array(
        [pseudonyms.digest(c.kind, c.value, key=key) for c in map(canonicalise, (IBAN, MOBILE))]
    )
    return [
        selectors._aggregate_statement(digest_array, frozenset({circle.group.pk}), timezone.now()),
        selectors._disputes_statement(digest_array),
        selectors._allowlist_statement({"iban": {canonicalise(IBAN).value}}),
    ]


def _aggregation_plans() -> tuple[int, int]:
    """(generic, custom) plans of the prepared aggregation on this connection so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0) "
            "FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%GROUP BY s.pseudonym_id%"],
        )
        generic, custom = cursor.fetchone()
    return int(generic), int(custom)


def test_lookups_run_prepared_with_one_generic_plan(circle: Circle) -> None:
    statements = _lookup_statements(circle)
    generic_before, custom_before = _aggregation_plans()
    for _ in range(3):
        selectors._pg_results(statements)
    generic_after, custom_after = _aggregation_plans()
    assert generic_after - generic_before == 3  # executed with the generic plan every time
    assert custom_after == custom_before == 0  # never re-planned for its parameters


def test_prepared_and_unprepared_lookups_answer_the_same(circle: Circle) -> None:
    statements = _lookup_statements(circle)
    prepared = selectors._pg_results(statements)
    assert prepared == selectors._pg_results_unprepared(statements)
    assert len(prepared[0]) == 1  # the listed IBAN; the mobile number is not listed
