"""Reference data of cases: police units, the postcode → unit table and the default rules.

Loaded by the data migration and by ``manage.py cases_load_units``. The bundled postcode
table (``data/postcodes.csv``) is an approximation for demonstration, drawn along province
and city lines; it says so in its header and in docs/cases.md.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_UNITS = DATA_DIR / "units.json"
DEFAULT_POSTCODES = DATA_DIR / "postcodes.csv"
NATIONAL_CODE = "landelijke-eenheid"

# The default ordered rules of the issue: suspect's postcode, victims' majority, national.
DEFAULT_RULES = (
    {"position": 1, "name": "Suspect's postcode (bank)", "method": "suspect_postcode"},
    {"position": 2, "name": "Majority of victims' regions", "method": "victim_majority"},
    {"position": 3, "name": "National unit", "method": "fixed_unit", "unit": NATIONAL_CODE},
)


def read_units(path: Path = DEFAULT_UNITS) -> list[dict[str, Any]]:
    units: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    codes = [unit["code"] for unit in units]
    if len(codes) != len(set(codes)) or sum(1 for u in units if u.get("is_national")) != 1:
        raise ValueError("units need unique codes and exactly one national unit")
    return units


def read_ranges(path: Path = DEFAULT_POSTCODES) -> list[tuple[int, int, str]]:
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    ranges = []
    for row in csv.DictReader(lines):
        first, last = int(row["first"]), int(row["last"])
        if not 1000 <= first <= last <= 9999:
            raise ValueError(f"bad postcode range {first}-{last}")
        ranges.append((first, last, row["unit"].strip()))
    ranges.sort()
    for (_f1, last, _u1), (first, _l2, _u2) in itertools.pairwise(ranges):
        if first <= last:
            raise ValueError(f"overlapping postcode ranges at {first}")
    return ranges


def load_reference(
    units_path: Path = DEFAULT_UNITS,
    postcodes_path: Path = DEFAULT_POSTCODES,
    *,
    unit_model: Any = None,
    range_model: Any = None,
    rule_model: Any = None,
) -> tuple[int, int]:
    """Create or update units; replace the postcode table; add default rules if none exist.

    The models may be passed in (a data migration passes its historical models).
    """
    if unit_model is None or range_model is None or rule_model is None:
        from ketenwacht.cases.models import PostcodeRange, RoutingRule, Unit

        unit_model, range_model, rule_model = Unit, PostcodeRange, RoutingRule
    units = read_units(units_path)
    ranges = read_ranges(postcodes_path)
    with transaction.atomic():
        by_code = {}
        for order, spec in enumerate(units, start=1):
            unit, _created = unit_model.objects.update_or_create(
                code=spec["code"],
                defaults={
                    "name": spec["name"],
                    "is_national": bool(spec.get("is_national")),
                    "sort_order": order,
                },
            )
            by_code[unit.code] = unit
        unknown = sorted({code for _f, _l, code in ranges} - set(by_code))
        if unknown:
            raise ValueError(f"postcode table names unknown units: {unknown}")
        range_model.objects.all().delete()
        range_model.objects.bulk_create(
            [range_model(first=f, last=last, unit=by_code[code]) for f, last, code in ranges]
        )
        if not rule_model.objects.exists():
            for rule in DEFAULT_RULES:
                rule_model.objects.create(
                    position=rule["position"],
                    name=rule["name"],
                    method=rule["method"],
                    unit=by_code.get(str(rule.get("unit", ""))),
                )
    from django.core.cache import cache

    cache.delete("cases:routing-rules:v1")  # routing.RULES_CACHE_KEY (no import: migrations)
    return len(units), len(ranges)
