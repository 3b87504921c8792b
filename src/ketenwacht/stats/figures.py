"""Partners' own figures: the declared schema, row validation and CSV parsing.

One row is one month × fraud form of one partner. Every row is checked on its own; a bad row
gets errors (row number, field, code, message) and the good rows are stored all the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from ketenwacht.stats.constants import MONEY_MEASURES, Measure

EARLIEST_PERIOD = date(2015, 1, 1)
MAX_ROWS = 10_000
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_INTEGER = 10**12
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "period" | "code" | "integer" | "money"
    required: bool
    description: str


# The declared schema (docs/stats.md repeats it; the API and CSV upload share it).
SCHEMA: tuple[Column, ...] = (
    Column("period", "period", True, "Month as YYYY-MM; only completed months"),
    Column("fraud_form", "code", True, "A code of the fraud taxonomy (e.g. purchase)"),
    Column(Measure.INCIDENTS, "integer", True, "Number of incidents, ≥ 0"),
    Column(Measure.DAMAGE, "money", False, "Damage in euro (up to 2 decimals), ≥ 0"),
    Column(Measure.PREVENTED, "money", False, "Prevented damage in euro, ≥ 0"),
    Column(Measure.ACCOUNTS_BLOCKED, "integer", False, "Banks: accounts blocked, ≥ 0"),
    Column(Measure.ADS_REMOVED, "integer", False, "Marketplaces: advertisements removed, ≥ 0"),
    Column(Measure.NUMBERS_BLOCKED, "integer", False, "Telecom: numbers blocked, ≥ 0"),
    Column(Measure.PARCELS_STOPPED, "integer", False, "Carriers: parcels stopped, ≥ 0"),
    Column(Measure.PAYMENTS_STOPPED, "integer", False, "Payment providers: payments stopped"),
)
COLUMNS = {column.name: column for column in SCHEMA}
EXTRA_MEASURES = tuple(
    c.name for c in SCHEMA if c.kind == "integer" and c.name != Measure.INCIDENTS
)


@dataclass
class RowError:
    row: int
    field: str
    code: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "detail": self.detail}


@dataclass
class CleanRow:
    row: int
    period: date
    fraud_form: str
    incidents: int
    damage_cents: int | None
    prevented_cents: int | None
    extra: dict[str, int] = field(default_factory=dict)


class FileError(Exception):
    """The file as a whole cannot be read (no row can be judged)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _period(value: str, today: date) -> date:
    match = PERIOD_RE.match(value.strip())
    if not match:
        raise ValueError(
            "wrong_period",
            "Periode moet JJJJ-MM zijn. / Period must be YYYY-MM.",
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError("wrong_period", "Maand bestaat niet. / No such month.")
    start = date(year, month, 1)
    if start < EARLIEST_PERIOD:
        raise ValueError(
            "wrong_period",
            "Periode vóór 2015 wordt niet aangenomen. / Periods before 2015 are not accepted.",
        )
    if start >= today.replace(day=1):
        raise ValueError(
            "wrong_period",
            "Alleen afgesloten maanden. / Only completed months are accepted.",
        )
    return start


def _integer(value: str) -> int:
    text = value.strip().replace("_", "")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("not_a_number", "Geen geheel getal. / Not a whole number.")
    number = int(text)
    if number < 0:
        raise ValueError("negative", "Mag niet negatief zijn. / Must not be negative.")
    if number > MAX_INTEGER:
        raise ValueError("too_large", "Getal te groot. / Number too large.")
    return number


def _money_cents(value: str) -> int:
    text = value.strip().replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("not_a_number", "Geen bedrag. / Not an amount.") from None
    if not amount.is_finite():
        raise ValueError("not_a_number", "Geen bedrag. / Not an amount.")
    if amount < 0:
        raise ValueError("negative", "Mag niet negatief zijn. / Must not be negative.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("too_precise", "Hooguit 2 decimalen. / At most 2 decimals.")
    if amount > MAX_INTEGER:
        raise ValueError("too_large", "Bedrag te groot. / Amount too large.")
    return int(amount * 100)


def clean_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    fraud_forms: frozenset[str],
    today: date | None = None,
) -> tuple[list[CleanRow], list[RowError]]:
    """Validate each row against ``SCHEMA``; duplicates within the batch are refused."""
    today = today or timezone.localdate()
    good: list[CleanRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[date, str], int] = {}
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, Mapping):
            errors.append(RowError(number, "", "not_an_object", "Geen rij. / Not a row."))
            continue
        row_errors: list[RowError] = []
        values: dict[str, Any] = {}
        unknown = sorted(str(key) for key in raw if key not in COLUMNS)
        for name in unknown:
            row_errors.append(
                RowError(number, name, "unknown_field", "Onbekend veld. / Unknown field.")
            )
        for column in SCHEMA:
            value = raw.get(column.name)
            text = "" if value is None else str(value).strip()
            if not text:
                if column.required:
                    row_errors.append(
                        RowError(number, column.name, "required", "Verplicht. / Required.")
                    )
                continue
            try:
                if column.kind == "period":
                    values[column.name] = _period(text, today)
                elif column.kind == "code":
                    if text not in fraud_forms:
                        raise ValueError(
                            "unknown_fraud_form",
                            f"Onbekende fraudevorm '{text[:40]}'. / Unknown fraud form "
                            f"'{text[:40]}'.",
                        )
                    values[column.name] = text
                elif column.kind == "money":
                    values[column.name] = _money_cents(text)
                else:
                    values[column.name] = _integer(text)
            except ValueError as error:
                code, detail = error.args
                row_errors.append(RowError(number, column.name, code, detail))
        if not row_errors:
            key = (values["period"], values["fraud_form"])
            if key in seen:
                row_errors.append(
                    RowError(
                        number,
                        "period",
                        "duplicate",
                        f"Zelfde maand en fraudevorm als rij {seen[key]}. / Same month and fraud "
                        f"form as row {seen[key]}.",
                    )
                )
            else:
                seen[key] = number
        if row_errors:
            errors.extend(row_errors)
            continue
        good.append(
            CleanRow(
                row=number,
                period=values["period"],
                fraud_form=values["fraud_form"],
                incidents=values[Measure.INCIDENTS],
                damage_cents=values.get(Measure.DAMAGE),
                prevented_cents=values.get(Measure.PREVENTED),
                extra={name: values[name] for name in EXTRA_MEASURES if name in values},
            )
        )
    if len(good) + len({e.row for e in errors}) > MAX_ROWS:
        raise FileError("too_many_rows", f"Hooguit {MAX_ROWS} rijen. / At most {MAX_ROWS} rows.")
    return good, errors


def parse_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a CSV file (UTF-8, comma or semicolon) keyed by the header."""
    if len(data) > MAX_CSV_BYTES:
        raise FileError("too_large", "Bestand te groot (max. 2 MB). / File too large (2 MB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError("encoding", "Bestand is geen UTF-8. / File is not UTF-8.") from None
    if not text.strip():
        raise FileError("empty", "Bestand is leeg. / File is empty.")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c.name for c in SCHEMA if c.required and c.name not in header]
    if missing:
        raise FileError(
            "missing_columns",
            f"Kolommen ontbreken: {', '.join(missing)}. / Missing columns: {', '.join(missing)}.",
        )
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    for row in reader:
        rows.append({key: value for key, value in row.items() if key is not None and value})
        if len(rows) > MAX_ROWS:
            raise FileError(
                "too_many_rows", f"Hooguit {MAX_ROWS} rijen. / At most {MAX_ROWS} rows."
            )
    return rows


def template_csv() -> str:
    return ",".join(c.name for c in SCHEMA) + "\r\n"


__all__ = ["MONEY_MEASURES", "SCHEMA", "clean_rows", "parse_csv"]
