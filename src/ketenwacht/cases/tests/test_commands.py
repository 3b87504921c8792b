"""The management commands ``cases_rebuild`` and ``cases_load_units``, and the rebuild task."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketenwacht.cases import routing, tasks
from ketenwacht.cases.models import Cluster, PostcodeRange, Report, RoutingRule, Unit
from ketenwacht.cases.reference import DEFAULT_POSTCODES, DEFAULT_UNITS, read_ranges, read_units
from ketenwacht.cases.tests.factories import (
    ReportFactory,
    assert_memberships_consistent,
    link_without_linking,
    make_pseudonyms,
    partition,
)

pytestmark = pytest.mark.django_db


def _run(name: str, *args: Any, **options: Any) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, **options)
    return out.getvalue()


# --- cases_rebuild -----------------------------------------------------------------------------


def _unlinked_world() -> list[Report]:
    """Seven reports written behind the linking's back: 0-1-2 share identifiers (a chain),
    3-4 share one, 5 and 6 name identifiers nobody else names."""
    reports = ReportFactory.create_batch(7)
    a, b, c, d, e = make_pseudonyms(5)
    link_without_linking(reports[0:2], [a])
    link_without_linking(reports[1:3], [b])
    link_without_linking(reports[3:5], [c])
    link_without_linking(reports[5:6], [d])
    link_without_linking(reports[6:7], [e])
    return reports


def _expected(reports: list[Report]) -> set[frozenset[int]]:
    ids = [r.pk for r in reports]
    return {frozenset(ids[0:3]), frozenset(ids[3:5]), frozenset({ids[5]}), frozenset({ids[6]})}


def test_cases_rebuild_builds_clusters_from_links_and_prints_its_counts() -> None:
    reports = _unlinked_world()
    assert partition() == {frozenset({r.pk}) for r in reports}  # nothing linked yet
    assert not Cluster.objects.exists()

    result = json.loads(_run("cases_rebuild"))

    assert partition() == _expected(reports)
    assert_memberships_consistent()
    assert {
        k: result[k]
        for k in ("reports", "links", "clusters", "created", "ended", "moved", "hubs_excluded")
    } == {
        "reports": 7,
        "links": 8,
        "clusters": 2,
        "created": 2,
        "ended": 0,
        "moved": 5,
        "hubs_excluded": 0,
    }
    assert result["seconds"] >= 0 and set(result["phases"]) >= {"read reports"}
    sizes = sorted(Cluster.objects.filter(is_active=True).values_list("report_count", flat=True))
    assert sizes == [2, 3]

    # A second run finds everything in place: the same clusters, nothing created or moved.
    before = set(Cluster.objects.filter(is_active=True).values_list("pk", flat=True))
    again = json.loads(_run("cases_rebuild"))
    assert (again["clusters"], again["created"], again["ended"], again["moved"]) == (2, 0, 0, 0)
    assert set(Cluster.objects.filter(is_active=True).values_list("pk", flat=True)) == before


def test_cases_rebuild_takes_no_arguments() -> None:
    with pytest.raises(CommandError, match="unrecognized arguments: everything"):
        call_command("cases_rebuild", "everything", stdout=StringIO())
    with pytest.raises(TypeError, match="Unknown option"):
        call_command("cases_rebuild", force=True, stdout=StringIO())


def test_the_rebuild_task_rebuilds_and_returns_the_counts() -> None:
    reports = _unlinked_world()
    result = tasks.rebuild_clusters.delay().get()  # eager in tests
    assert partition() == _expected(reports)
    assert (result["reports"], result["links"], result["clusters"], result["created"]) == (
        7,
        8,
        2,
        2,
    )
    json.dumps(result)  # a task result goes through the result backend as JSON


# --- cases_load_units --------------------------------------------------------------------------


def _reference_rows() -> tuple[set[tuple[str, str, bool]], set[tuple[int, int, str]]]:
    units = {(u.code, u.name, u.is_national) for u in Unit.objects.all()}
    ranges = set(PostcodeRange.objects.values_list("first", "last", "unit__code"))
    return units, ranges


def test_cases_load_units_loads_the_bundled_units_and_postcode_table() -> None:
    RoutingRule.objects.all().delete()
    PostcodeRange.objects.all().delete()
    Unit.objects.all().delete()

    output = _run("cases_load_units")

    bundled_units = read_units(DEFAULT_UNITS)
    bundled_ranges = read_ranges(DEFAULT_POSTCODES)
    assert output.strip() == (
        f"{len(bundled_units)} units, {len(bundled_ranges)} postcode ranges loaded"
    )
    units, ranges = _reference_rows()
    assert units == {(u["code"], u["name"], bool(u.get("is_national"))) for u in bundled_units}
    assert ranges == set(bundled_ranges)
    assert len(units) == 11 and len(ranges) == len(bundled_ranges) > 0
    assert list(RoutingRule.objects.order_by("position").values_list("method", flat=True)) == [
        "suspect_postcode",
        "victim_majority",
        "fixed_unit",
    ]
    unit = routing.unit_for_postcode("6211")
    assert unit is not None and unit.code == "limburg"
    unit = routing.unit_for_postcode("3511")
    assert unit is not None and unit.code == "midden-nederland"


def test_cases_load_units_twice_changes_nothing() -> None:
    _run("cases_load_units")
    unit_ids = dict(Unit.objects.values_list("code", "pk"))
    rows = _reference_rows()
    rules = list(RoutingRule.objects.values_list("pk", "position", "method", "unit_id"))

    second = _run("cases_load_units")

    assert second.strip() == f"11 units, {len(rows[1])} postcode ranges loaded"
    assert dict(Unit.objects.values_list("code", "pk")) == unit_ids  # updated, not recreated
    assert _reference_rows() == rows
    assert list(RoutingRule.objects.values_list("pk", "position", "method", "unit_id")) == rules


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


UNITS_JSON = json.dumps(
    [
        {"code": "amsterdam", "name": "Eenheid Amsterdam (nieuw)", "is_national": False},
        {"code": "landelijke-eenheid", "name": "Landelijke Eenheid", "is_national": True},
    ]
)


def test_cases_load_units_takes_other_files_and_replaces_the_postcode_table(
    tmp_path: Path,
) -> None:
    units = _write(tmp_path / "units.json", UNITS_JSON)
    postcodes = _write(
        tmp_path / "postcodes.csv",
        "# a test table\nfirst,last,unit\n1000,1099,amsterdam\n9000,9999,landelijke-eenheid\n",
    )
    output = _run("cases_load_units", units=units, postcodes=postcodes)
    assert output.strip() == "2 units, 2 postcode ranges loaded"
    assert set(PostcodeRange.objects.values_list("first", "last", "unit__code")) == {
        (1000, 1099, "amsterdam"),
        (9000, 9999, "landelijke-eenheid"),
    }
    assert Unit.objects.get(code="amsterdam").name == "Eenheid Amsterdam (nieuw)"
    assert routing.unit_for_postcode("6211") is None  # the old table is gone
    # Also through the command line's own spelling of the options.
    _run("cases_load_units", f"--units={units}", f"--postcodes={postcodes}")
    assert PostcodeRange.objects.count() == 2


@pytest.mark.parametrize(
    ("units", "postcodes", "message"),
    [
        (
            json.dumps([{"code": "a", "name": "A"}, {"code": "a", "name": "B", "is_national": 1}]),
            "first,last,unit\n1000,1099,a\n",
            "units need unique codes and exactly one national unit",
        ),
        (
            json.dumps([{"code": "a", "name": "A"}]),  # no national unit
            "first,last,unit\n1000,1099,a\n",
            "units need unique codes and exactly one national unit",
        ),
        (UNITS_JSON, "first,last,unit\n0999,1099,amsterdam\n", "bad postcode range 999-1099"),
        (UNITS_JSON, "first,last,unit\n1100,1099,amsterdam\n", "bad postcode range 1100-1099"),
        (
            UNITS_JSON,
            "first,last,unit\n1000,1100,amsterdam\n1100,1200,amsterdam\n",
            "overlapping postcode ranges at 1100",
        ),
        (
            UNITS_JSON,
            "first,last,unit\n1000,1099,nowhere\n",
            "postcode table names unknown units: ['nowhere']",
        ),
    ],
)
def test_cases_load_units_refuses_bad_files_and_changes_nothing(
    tmp_path: Path, units: str, postcodes: str, message: str
) -> None:
    before = _reference_rows()
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call_command(
            "cases_load_units",
            units=_write(tmp_path / "units.json", units),
            postcodes=_write(tmp_path / "postcodes.csv", postcodes),
            stdout=StringIO(),
        )
    # The unknown unit is found after the units were written: the transaction undoes them.
    assert _reference_rows() == before


def test_cases_load_units_says_so_when_a_file_is_missing(tmp_path: Path) -> None:
    before = _reference_rows()
    with pytest.raises(CommandError, match=r"Nothing loaded: .*No such file"):
        call_command("cases_load_units", units=tmp_path / "absent.json", stdout=StringIO())
    assert _reference_rows() == before
