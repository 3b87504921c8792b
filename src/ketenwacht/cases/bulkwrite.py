"""Bulk writes for the rebuild: COPY on PostgreSQL, ``executemany`` on SQLite; and plain
one-statement writes for the incremental path (``insert_values``, ``update_one``).

Django's ``bulk_create``/``bulk_update`` build one large statement per batch and manage some
ten thousand rows a second; a rebuild writes up to a million. On PostgreSQL rows go through
``COPY`` (into the table, or into a temporary table followed by one ``UPDATE … FROM``); on
SQLite through prepared ``executemany`` statements. JSON, dates and times are converted as
the ORM converts them (``_converter``); other values pass unchanged.
Table and column names come from model metadata; values are never spliced into SQL.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec
import psycopg
from django.apps import apps
from django.db import connection, models
from psycopg.types.json import set_json_dumps

from ketenwacht.prepared import may_prepare, results_in_one_round_trip, rows_of

BATCH = 5000
SET_ASIDE_FROM = 10_000  # rows from which a write into a table no larger may set its indexes aside


Converter = Callable[[Any], Any] | None


def _converter(field: Any) -> Converter:
    """How one field's Python value becomes a driver value, decided once per column.

    Django's ``get_db_prep_value`` costs tens of microseconds per value here (it looks the
    connection up through a context-local proxy each time); a million rows of a dozen columns
    would spend minutes in it. Integers, text, booleans and bytes pass unchanged; JSON and
    (on SQLite) dates and times get the same conversion the ORM applies.
    """
    internal = field.get_internal_type()
    if internal == "JSONField":
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return Jsonb
        return lambda value: None if value is None else json.dumps(value)
    if connection.vendor == "postgresql":
        return None
    if internal == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value
        return adapt
    if internal == "DateField":
        return lambda value: None if value is None else value.isoformat()
    return None


def _prepare(model: type[models.Model], fields: Sequence[str]) -> list[Any]:
    return [model._meta.get_field(name) for name in fields]


def _converters(prepared: list[Any]) -> list[Converter]:
    return [_converter(field) for field in prepared]


def _prep_row(converters: list[Converter], row: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(
        value if convert is None else convert(value)
        for convert, value in zip(converters, row, strict=True)
    )


def _columns(prepared: list[Any]) -> list[str]:
    return [connection.ops.quote_name(field.column) for field in prepared]


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Reserve ``count`` primary keys (inside the caller's transaction)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock (IMMEDIATE), so max(id) is ours.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


def next_id_statement(model: type[models.Model]) -> Statement:
    """A statement whose one row is a fresh primary key of ``model`` (as ``allocate_ids``), to
    send with others: a row can then be written together with the rows that point at it."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        return "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table]
    # SQLite: the transaction holds the write lock (IMMEDIATE), so max(id) + 1 is ours.
    return f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}", []  # noqa: S608


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    freeze: bool = False,
) -> int:
    """Insert rows of ``fields`` values; returns how many.

    ``freeze`` (PostgreSQL): ``COPY … FREEZE``, rows written frozen and all-visible (index-only
    scans work at once, no vacuum pass later). Only for a table truncated earlier in the
    same (sub)transaction, which PostgreSQL checks."""
    prepared = _prepare(model, fields)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(_columns(prepared))
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_in(cursor, f"{table} ({columns})", prepared, rows, freeze=freeze)
        converters = _converters(prepared)
        marks = ", ".join(["%s"] * len(prepared))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(_prep_row(converters, row))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


# PostgreSQL types whose binary COPY format psycopg writes in C from the values callers pass
# (int, str, bool, float, date, aware datetime, bytes, JSON-able values). Binary COPY of a
# first rebuild's 205,000 cluster rows: 0.6 s of client CPU, against 4.3 s for text COPY
# with a dumper looked up per value and ``json.dumps`` per JSON value.
BINARY_COPY_TYPES = frozenset(
    {
        "int2",
        "int4",
        "int8",
        "bool",
        "varchar",
        "text",
        "jsonb",
        "date",
        "timestamptz",
        "float8",
        "bytea",
    }
)
_encode_json = msgspec.json.Encoder().encode  # jsonb stores the value, not the spelling


def copy_types(fields: Sequence[Any]) -> list[str] | None:
    """The PostgreSQL type of each field's column, for a binary ``COPY``; ``None`` when one
    is not in ``BINARY_COPY_TYPES``."""
    names = []
    for field in fields:
        declared = field.db_type(connection).split("(")[0].strip()  # varchar(16) -> varchar
        info = psycopg.adapters.types.get(declared)
        if info is None or info.name not in BINARY_COPY_TYPES:
            return None
        names.append(info.name)
    return names


def _copy_in(
    cursor: Any,
    target: str,
    fields: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    freeze: bool = False,
) -> int:
    """``COPY`` the rows into ``target`` (``table (columns)``) on PostgreSQL; returns how many.
    Binary with the columns' types set once where ``copy_types`` knows them all (psycopg then
    picks no dumper per value); else text, each value as it comes."""
    types = copy_types(fields)
    count = 0
    if types is None:
        converters = _converters(list(fields))
        options = " WITH (FREEZE)" if freeze else ""
        with cursor.copy(f"COPY {target} FROM STDIN{options}") as copy:
            for row in rows:
                copy.write_row(_prep_row(converters, row))
                count += 1
        return count
    set_json_dumps(_encode_json, cursor.cursor)
    options = ", FREEZE" if freeze else ""
    with cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY{options})") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Set ``fields`` of the rows given as ``(pk, value, …)``; returns how many rows came."""
    prepared = _prepare(model, fields)
    pk_field = model._meta.pk
    assert pk_field is not None
    table = connection.ops.quote_name(model._meta.db_table)
    assert pk_field.column is not None
    pk_column = connection.ops.quote_name(pk_field.column)
    columns = _columns(prepared)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = connection.ops.quote_name(f"stage_{model._meta.db_table}")
            types = ", ".join(
                f"{column} {field.db_type(connection).replace(' PRIMARY KEY', '')}"
                for column, field in zip(["pk", *columns], [pk_field, *prepared], strict=True)
            )
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(f"CREATE TEMP TABLE {stage} ({types}) ON COMMIT DROP")
            count = _copy_in(
                cursor,
                f"{stage} (pk, {', '.join(columns)})",
                [pk_field, *prepared],
                rows,
            )
            assignments = ", ".join(f"{column} = s.{column}" for column in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {stage} s WHERE {table}.{pk_column} = s.pk"  # noqa: S608
            )
            cursor.execute(f"DROP TABLE {stage}")
            return count
        converters = _converters(prepared)
        assignments = ", ".join(f"{column} = %s" for column in columns)
        sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append((*_prep_row(converters, row[1:]), row[0]))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def worth_setting_aside(model: type[models.Model], rows: int) -> bool:
    """Whether writing ``rows`` new rows into ``model``'s table should go through
    :func:`indexes_and_keys_set_aside`: on PostgreSQL, when they are many and at least as many
    as the table holds already (as a first rebuild writes them). Building an index once over
    all rows, and checking a foreign key with one join, then costs less than an index entry
    and a deferred check per row (1.4 million deferred checks took 6 s at the commit of a
    first rebuild of a million reports); for a few rows into a large table it costs more."""
    if connection.vendor != "postgresql" or rows < SET_ASIDE_FROM:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        (held,) = cursor.fetchone()
    return rows >= held  # -1 for a table never analysed: as empty


@contextmanager
def indexes_and_keys_set_aside(
    model: type[models.Model], *, truncate: bool = False
) -> Iterator[None]:
    """Drop ``model``'s secondary indexes and its foreign keys into its own app's tables for
    the writes inside, and build them again after (PostgreSQL; elsewhere nothing changes).

    ``truncate``: empty the table first (transactional: a failure restores it).
    The definitions come back identical (``pg_get_indexdef``, ``pg_get_constraintdef``); each
    key is checked over the whole table when it is added again, so nothing slips through.
    Keys into other apps' tables (the user who decided, say) stay: dropping one locks the
    other table exclusively until the commit, and the users table must stay readable. The
    table and those it points at stay locked until the transaction ends (pages wait); the
    rebuild holds the linking lock anyway. ``test_linking.py::
    test_a_large_rebuild_restores_indexes_and_keys`` checks the round trip."""
    if connection.vendor != "postgresql":
        if truncate:
            model._default_manager.all().delete()
        yield
        return
    table = model._meta.db_table
    own_tables = [m._meta.db_table for m in apps.get_app_config(model._meta.app_label).get_models()]
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        flush_deferred_checks(cursor)
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
            "AND NOT i.indisunique ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' "
            "AND confrelid::regclass::text = ANY(%s) ORDER BY 1",
            [table, own_tables],
        )
        keys = cursor.fetchall()
        for name, _definition in keys:
            cursor.execute(
                f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
            )
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        if truncate:
            cursor.execute(f"TRUNCATE {quoted}")
    yield
    with connection.cursor() as cursor:
        flush_deferred_checks(cursor)  # of the keys that stayed (DDL waits for none pending)
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} "
                f"{definition}"
            )
        # Fresh statistics for the rewritten table: with those of an (almost) empty table the
        # planner picks parallel scans for the incremental path's small lookups (milliseconds
        # each) until autovacuum comes round.
        cursor.execute(f"ANALYZE {quoted}")


def flush_deferred_checks(cursor: Any) -> None:
    """Run pending deferred foreign-key checks now: they forbid DDL on a table they touch."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


SMALL = 200  # below this many rows the ORM's own statements are cheaper than a staging table


def insert_many(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """``insert_rows`` for large sets, ``bulk_create`` for small ones."""
    if not rows:
        return 0
    if len(rows) >= SMALL:
        return insert_rows(model, fields, rows)
    names = [_attname(model, name) for name in fields]
    model._default_manager.bulk_create(
        [model(**dict(zip(names, row, strict=True))) for row in rows]
    )
    return len(rows)


def update_many(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """``update_rows`` for large sets, one ``UPDATE`` per row for small ones."""
    if not rows:
        return 0
    if len(rows) >= SMALL:
        return update_rows(model, fields, rows)
    for row in rows:
        update_one(model, row[0], fields, row[1:])
    return len(rows)


def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.attname


Statement = tuple[str, list[Any]]


def execute_in_order(cursor: Any, statements: Sequence[Statement]) -> None:
    """Run ``statements`` in order, in one round trip on PostgreSQL (see
    :func:`fetch_in_order`); elsewhere one by one."""
    fetch_in_order(cursor, statements)


def send(statements: Sequence[Statement]) -> None:
    """:func:`execute_in_order` on a cursor of its own (nothing sent for no statements)."""
    if statements:
        with connection.cursor() as cursor:
            execute_in_order(cursor, statements)


def fetch_in_order(cursor: Any, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """Run ``statements`` in order; returns each one's rows (an empty list for a statement
    that returns none).

    On PostgreSQL they cost one round trip: prepared in one pipeline where the connection
    allows it (``ketenwacht.prepared``: a report joining a cluster spent more of the
    database's time planning its statements than running them), else as one simple-protocol
    message (Django binds parameters client-side). Elsewhere one by one on ``cursor``."""
    if may_prepare():
        return results_in_one_round_trip(statements)
    results: list[list[tuple[Any, ...]]] = []
    if connection.vendor != "postgresql":
        for statement in statements:
            cursor.execute(*statement)
            results.append(list(cursor.fetchall()) if cursor.description else [])
        return results
    cursor.execute(
        "; ".join(sql for sql, _params in statements),
        [param for _sql, params in statements for param in params],
    )
    raw = cursor.cursor  # psycopg's own: see ``rows_of``
    for index in range(len(statements)):
        if index:
            raw.nextset()
        results.append(rows_of(raw))
    return results


class ModelRows:
    """Read rows of a model with plain SQL and get instances as the ORM would make them.

    The incremental path reads a few hub and cluster rows in the same message as other
    statements (one round trip); a queryset would cost a round trip of its own, and compiling
    it costs more in Python than the statement costs in the database. The values pass through
    the same converters the ORM applies (JSON text, SQLite dates and booleans).
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        self.model = model
        self.names = list(fields)
        self.fields = _prepare(model, fields)
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[list[Any]]] = {}  # per database vendor
        self._select_lists: dict[str, str] = {}

    def insert_statement(self, instance: models.Model) -> Statement:
        """An ``INSERT`` of these fields of ``instance`` (as ``save(force_insert=True)`` with
        its primary key set, without the ORM's per-field work), to send with others."""
        values = [getattr(instance, attname) for attname in self.attnames]
        return insert_values_statement(self.model, self.names, [values])

    def update_statement(self, instance: models.Model) -> Statement:
        """An ``UPDATE`` of these fields of ``instance`` by its primary key (as
        ``save(update_fields=…)``), to send with others."""
        values = [getattr(instance, attname) for attname in self.attnames]
        return update_one_statement(self.model, instance.pk, self.names, values)

    def columns(self, alias: str) -> str:
        """The select list, columns qualified with the table's alias in the statement."""
        key = f"{connection.vendor}:{alias}"
        if key not in self._select_lists:
            self._select_lists[key] = ", ".join(
                f"{alias}.{column}" for column in _columns(self.fields)
            )
        return self._select_lists[key]

    def instances(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = []
            for field in self.fields:
                column = field.get_col(self.model._meta.db_table)
                converters.append(
                    [
                        (convert, column)
                        for convert in connection.ops.get_db_converters(column)
                        + column.get_db_converters(connection)
                    ]
                )
            self._converters[connection.vendor] = converters
        made = []
        for row in rows:
            values = list(row)
            for index, steps in enumerate(converters):
                for convert, column in steps:
                    values[index] = convert(values[index], column, connection)
            made.append(self.model.from_db(connection.alias, self.attnames, values))
        return made


def insert_values(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert a few rows with one multi-row ``INSERT … VALUES`` (the incremental path: the
    ORM's ``bulk_create`` costs more in Python than the statement in the database)."""
    if not rows:
        return
    sql, params = insert_values_statement(model, fields, rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def insert_values_statement(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Statement:
    """The statement of :func:`insert_values` and its parameters, to send with others."""
    head, row_marks, converters = _insert_head(model, tuple(fields), connection.vendor)
    params: list[Any] = []
    for row in rows:
        params.extend(_prep_row(converters, row))
    return f"{head}{', '.join([row_marks] * len(rows))}", params


@functools.cache
def _insert_head(
    model: type[models.Model], fields: tuple[str, ...], vendor: str
) -> tuple[str, str, list[Converter]]:
    """``INSERT INTO … VALUES ``, one row's placeholders and the converters, made once per
    model, fields and database vendor (as ``_update_one_statement``)."""
    prepared = _prepare(model, fields)
    table = connection.ops.quote_name(model._meta.db_table)
    head = f"INSERT INTO {table} ({', '.join(_columns(prepared))}) VALUES "  # noqa: S608
    row_marks = "(" + ", ".join(["%s"] * len(prepared)) + ")"
    return head, row_marks, _converters(prepared)


def update_one(
    model: type[models.Model], pk: Any, fields: Sequence[str], values: Sequence[Any]
) -> None:
    """``UPDATE … SET`` these fields of one row (what ``save(update_fields=…)`` does, without
    the ORM's per-field work on the incremental path)."""
    send([update_one_statement(model, pk, fields, values)])


def update_one_statement(
    model: type[models.Model], pk: Any, fields: Sequence[str], values: Sequence[Any]
) -> Statement:
    """The statement of :func:`update_one` and its parameters, to send with others."""
    sql, converters = _update_one_statement(model, tuple(fields), connection.vendor)
    return sql, [*_prep_row(converters, values), pk]


@functools.cache
def _update_one_statement(
    model: type[models.Model], fields: tuple[str, ...], vendor: str
) -> tuple[str, list[Converter]]:
    """The SQL and value converters of :func:`update_one`, made once per model, fields and
    database vendor (quoting two dozen names on every add cost more than the statement)."""
    prepared = _prepare(model, fields)
    pk_field = model._meta.pk
    assert pk_field is not None and pk_field.column is not None
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in _columns(prepared))
    sql = (
        f"UPDATE {table} SET {assignments} "  # noqa: S608
        f"WHERE {connection.ops.quote_name(pk_field.column)} = %s"
    )
    return sql, _converters(prepared)
