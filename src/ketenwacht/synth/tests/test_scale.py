import csv
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.models import (
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)
from ketenwacht.partners.selectors import agreement_current
from ketenwacht.partners.validators import validate_kvk
from ketenwacht.synth.generators import KIND_METHODS, identifiers
from ketenwacht.synth.scale import (
    ORGANISATIONS_PER_UNIT,
    USERS_PER_UNIT,
    synth_grow,
    synthetic_kvk,
    write_identifiers,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_a_unit_is_one_organisation_per_sector_with_users_and_a_group() -> None:
    report = synth_grow(scale=2)
    assert (report.units_before, report.units_after) == (0, 2)
    assert Organisation.objects.count() == 2 * ORGANISATIONS_PER_UNIT == 2 * len(Sector.values)
    assert User.objects.count() == 2 * USERS_PER_UNIT
    assert Membership.objects.count() == 2 * USERS_PER_UNIT
    assert set(Organisation.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    group = SharingGroup.objects.get(slug="synth-keten-00001")
    assert group.members.count() == ORGANISATIONS_PER_UNIT
    assert agreement_current(group=group).version == 1


def test_working_roles_follow_the_sector() -> None:
    synth_grow(scale=1)
    role_of = {
        (m.organisation.sector, m.role)
        for m in Membership.objects.select_related("organisation").exclude(role=Role.ADMIN)
    }
    assert (Sector.POLICE, Role.POLICE_ANALYST) in role_of
    assert (Sector.DESK, Role.DESK_AGENT) in role_of
    assert (Sector.PROGRAMME, Role.PROGRAMME_TEAM) in role_of
    assert (Sector.BANK, Role.PARTNER_ANALYST) in role_of


def test_synthetic_users_cannot_log_in() -> None:
    synth_grow(scale=1)
    assert not any(user.has_usable_password() for user in User.objects.all())


def test_growing_adds_only_missing_units() -> None:
    synth_grow(scale=2)
    again = synth_grow(scale=2)
    assert again.organisations == 0
    assert Organisation.objects.count() == 2 * ORGANISATIONS_PER_UNIT

    more = synth_grow(scale=3)
    assert (more.units_before, more.units_after) == (2, 3)
    assert more.organisations == ORGANISATIONS_PER_UNIT
    assert SharingGroup.objects.count() == DataSharingAgreement.objects.count() == 3


def test_batches_write_one_audit_event_each_and_report_progress() -> None:
    seen = []
    synth_grow(scale=5, batch_units=2, progress=lambda done, todo: seen.append((done, todo)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
    events = AuditEvent.objects.filter(action="synth.grow")
    assert list(events.values_list("object_id", flat=True)) == ["1-2", "3-4", "5-5"]


def test_same_seed_gives_the_same_people() -> None:
    synth_grow(scale=2, seed=7)
    first = list(User.objects.order_by("username").values_list("first_name", "last_name"))
    DataSharingAgreement.objects.all().delete()
    SharingGroup.objects.all().delete()
    Organisation.objects.all().delete()
    User.objects.all().delete()

    synth_grow(scale=2, seed=7)
    second = list(User.objects.order_by("username").values_list("first_name", "last_name"))
    assert second == first
    assert len(set(first)) > 5


def test_synthetic_kvk_numbers_are_valid_unique_and_apart_from_demo_ones() -> None:
    synth_grow(scale=3)
    numbers = list(Organisation.objects.values_list("kvk_number", flat=True))
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        validate_kvk(number)
        assert number >= "00100000"
    assert synthetic_kvk(10**6, 0) == ""  # beyond the range: left blank, not clashing


def test_write_identifiers_writes_csv_rows_of_the_generators() -> None:
    buffer = StringIO()
    written = write_identifiers(buffer, kinds=["iban", "phone"], count=5, seed=3)
    rows = list(csv.reader(StringIO(buffer.getvalue())))
    assert written == 10
    assert rows[0] == ["kind", "value"]
    assert [value for kind, value in rows[1:] if kind == "iban"] == list(
        identifiers("iban", 5, seed=3)
    )


def test_command_grows_and_writes_identifiers_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "ids.csv"
    out = StringIO()
    call_command("synth", "--scale", "1", "--output", str(target), "--count", "4", stdout=out)
    rows = list(csv.reader(target.open()))
    assert len(rows) == 1 + 4 * len(KIND_METHODS)
    assert {row[0] for row in rows[1:]} == set(KIND_METHODS)
    assert Organisation.objects.count() == ORGANISATIONS_PER_UNIT
    assert "Wrote 32 identifiers" in out.getvalue()


def test_command_writes_csv_to_stdout_and_progress_elsewhere(capsys) -> None:
    out = StringIO()
    call_command(
        "synth", "--scale", "12", "--output", "-", "--count", "3", "--kinds", "iban", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "kind,value"
    assert [line.split(",")[1] for line in lines[1:]] == list(identifiers("iban", 3, seed=0))
    progress = capsys.readouterr().err
    assert "units 12/12" in progress


def test_command_seed_changes_the_identifiers(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path, seed in ((first, "1"), (second, "2")):
        call_command(
            "synth", "--scale", "0", "--seed", seed, "--output", str(path), "--count", "5",
            stdout=StringIO(),
        )  # fmt: skip
    assert first.read_text() != second.read_text()


def test_command_refuses_unknown_kinds() -> None:
    with pytest.raises(CommandError, match="bsn"):
        call_command("synth", "--scale", "0", "--output", "-", "--kinds", "iban,bsn")
