import base64
import json
import os
import stat
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners.constants import Role, Sector
from ketenwacht.partners.models import (
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)
from ketenwacht.partners.validators import validate_kvk
from ketenwacht.synth import demo
from ketenwacht.synth.demo import CREDENTIALS_FILE_NAME, USERS, demo_load

pytestmark = pytest.mark.django_db
User = get_user_model()


def _counts() -> dict[str, int]:
    models = [
        Organisation,
        User,
        Membership,
        SharingGroup,
        DataSharingAgreement,
        TOTPDevice,
        StaticDevice,
        StaticToken,
        AuditEvent,
    ]
    return {model.__name__: model.objects.count() for model in models}


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _login(client: Client, username: str, password: str, code: str):
    first = client.post("/portal/login/", {"username": username, "password": password})
    assert first.status_code == 302, first.content.decode()[:500]
    assert first["Location"].endswith("/portal/login/verify/")
    return client.post("/portal/login/verify/", {"code": code})


# --- what the demo contains ------------------------------------------------------------------


def test_every_sector_and_every_role_is_present(var_dir: Path) -> None:
    demo_load()
    assert set(Organisation.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)


def test_organisations_are_clearly_demo_with_valid_artificial_kvk_numbers(var_dir: Path) -> None:
    demo_load()
    for organisation in Organisation.objects.all():
        assert "demo" in organisation.name.lower()
        validate_kvk(organisation.kvk_number)
        assert organisation.kvk_number.startswith("0000")
        assert organisation.website.endswith(".demo.example")


def test_sharing_groups_have_members_and_agreement_version_one(var_dir: Path) -> None:
    demo_load()
    names = set(SharingGroup.objects.values_list("name", flat=True))
    assert names == {
        "Banken",
        "Trusted community grote online verkopers",
        "Coalitie bankhelpdeskfraude",
    }
    banks = SharingGroup.objects.get(name="Banken")
    assert set(banks.members.values_list("sector", flat=True)) == {Sector.BANK}
    for group in SharingGroup.objects.all():
        agreement = group.agreements.get()
        assert agreement.version == 1
        assert agreement.valid_to is None
        assert agreement.allowed_kinds and agreement.purpose
    coalition = SharingGroup.objects.get(name="Coalitie bankhelpdeskfraude")
    sectors = set(coalition.members.values_list("sector", flat=True))
    assert {Sector.BANK, Sector.TELECOM, Sector.POLICE} <= sectors


def test_superuser_is_programme_team_staff(var_dir: Path) -> None:
    demo_load()
    superuser = User.objects.get(is_superuser=True)
    assert superuser.is_staff
    assert superuser.memberships.get().role == Role.PROGRAMME_TEAM
    programme = User.objects.get(username="programma.team")
    assert programme.is_staff and not programme.is_superuser
    assert not User.objects.get(username="bank.analist").is_staff


def test_agreements_are_made_by_the_system_with_audit_rows(var_dir: Path) -> None:
    demo_load()
    events = AuditEvent.objects.filter(action="agreement.revise")
    assert events.count() == 3
    assert set(events.values_list("actor_label", flat=True)) == {"system"}
    assert AuditEvent.objects.filter(action="demo.load").count() == 1


# --- credentials -----------------------------------------------------------------------------


def test_credentials_are_generated_into_var_with_mode_0600(var_dir: Path) -> None:
    report = demo_load()
    path = var_dir / CREDENTIALS_FILE_NAME
    assert report.credentials_path == path
    assert report.credentials_created
    assert _mode(path) == 0o600
    stored = json.loads(path.read_text())
    assert set(stored["users"]) == {spec.username for spec in USERS}
    assert len(stored["password"]) >= 12
    for login in report.logins:
        assert login.password == stored["password"]
        assert list(login.backup_codes) == stored["users"][login.username]["backup_codes"]


def test_demo_secrets_are_not_the_same_on_another_machine(var_dir: Path, tmp_path: Path) -> None:
    first = demo.credentials_load_or_create(tmp_path / "a.json", ["x"])[0]
    second = demo.credentials_load_or_create(tmp_path / "b.json", ["x"])[0]
    assert first.password != second.password
    assert first.users["x"].backup_codes != second.users["x"].backup_codes


def test_running_twice_reuses_everything(var_dir: Path) -> None:
    first = demo_load()
    path = var_dir / CREDENTIALS_FILE_NAME
    stored = path.read_text()
    counts = _counts()

    second = demo_load()

    assert _counts() == counts  # no duplicates, not even an audit row
    assert not second.changes
    assert not second.credentials_created
    assert path.read_text() == stored
    assert _mode(path) == 0o600
    assert second.logins == first.logins


def test_a_loosened_credentials_file_is_tightened_again(var_dir: Path) -> None:
    demo_load()
    path = var_dir / CREDENTIALS_FILE_NAME
    os.chmod(path, 0o644)
    demo_load()
    assert _mode(path) == 0o600


def test_used_backup_codes_are_topped_up_and_strays_removed(var_dir: Path) -> None:
    report = demo_load()
    login = report.logins[0]
    device = StaticDevice.objects.get(user__username=login.username)
    device.token_set.filter(token=login.backup_codes[0]).delete()  # as if used
    StaticToken.objects.create(device=device, token="strangecode")

    second = demo_load()

    assert second.changes["backup_refills"] == 1
    assert set(device.token_set.values_list("token", flat=True)) == set(login.backup_codes)


def test_a_changed_password_is_restored(var_dir: Path) -> None:
    report = demo_load()
    user = User.objects.get(username="politie.analist")
    user.set_password("someone changed it")
    user.save()

    second = demo_load()

    assert second.changes["credential_resets"] == 1
    user.refresh_from_db()
    assert user.check_password(report.logins[0].password)


def test_new_demo_users_get_secrets_without_changing_existing_ones(var_dir: Path) -> None:
    path = var_dir / CREDENTIALS_FILE_NAME
    existing = demo.credentials_load_or_create(path, ["bank.analist"])[0]
    completed, created = demo.credentials_load_or_create(path, ["bank.analist", "om.analist"])
    assert not created
    assert completed.password == existing.password
    assert completed.users["bank.analist"] == existing.users["bank.analist"]
    assert "om.analist" in json.loads(path.read_text())["users"]


def test_an_unreadable_credentials_file_is_reported_not_overwritten(var_dir: Path) -> None:
    path = var_dir / CREDENTIALS_FILE_NAME
    var_dir.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(RuntimeError, match="move it away"):
        demo_load()
    assert path.read_text() == "{not json"


def test_otpauth_uri_carries_the_device_key(var_dir: Path) -> None:
    report = demo_load()
    login = report.logins[0]
    uri = urlsplit(login.otpauth_uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    query = parse_qs(uri.query)
    secret = query["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user__username=login.username)
    assert key == device.bin_key
    assert query["issuer"] == ["Ketenwacht (demo)"]


# --- logging in through the real views -------------------------------------------------------


@pytest.mark.parametrize("spec", USERS, ids=[spec.username for spec in USERS])
def test_every_demo_user_logs_in_with_password_and_backup_code(var_dir: Path, spec) -> None:
    report = demo_load()
    login = next(item for item in report.logins if item.username == spec.username)
    client = Client()
    response = _login(client, login.username, login.password, login.backup_codes[0])
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_a_backup_code_works_once_until_demo_load_restores_it(var_dir: Path) -> None:
    report = demo_load()
    login = report.logins[0]
    code = login.backup_codes[1]
    assert _login(Client(), login.username, login.password, code).status_code == 302

    refused = _login(Client(), login.username, login.password, code)
    assert refused.status_code == 200  # the verify form again, with an error

    demo_load()
    assert _login(Client(), login.username, login.password, code).status_code == 302


def test_a_demo_user_logs_in_with_the_totp_secret(var_dir: Path) -> None:
    report = demo_load()
    login = next(item for item in report.logins if item.role == Role.POLICE_ANALYST)
    device = TOTPDevice.objects.get(user__username=login.username)
    code = f"{totp(device.bin_key):06d}"
    response = _login(Client(), login.username, login.password, code)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_the_superuser_reaches_the_admin(var_dir: Path) -> None:
    report = demo_load()
    login = next(item for item in report.logins if item.superuser)
    client = Client()
    _login(client, login.username, login.password, login.backup_codes[0])
    assert client.get("/admin/").status_code == 200


# --- the command -----------------------------------------------------------------------------


def test_command_prints_url_and_every_login(var_dir: Path, settings) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "PUBLIC_BASE_URL": "http://demo.test:8123"}
    out = StringIO()
    call_command("demo_load", stdout=out)
    text = out.getvalue()
    assert "http://demo.test:8123/portal/login/" in text
    stored = json.loads((var_dir / CREDENTIALS_FILE_NAME).read_text())
    assert stored["password"] in text
    for spec in USERS:
        assert spec.username in text
        for code in stored["users"][spec.username]["backup_codes"]:
            assert code in text
    assert text.count("otpauth://totp/") == len(USERS)
    assert "run `manage.py demo_load`" in text

    again = StringIO()
    call_command("demo_load", stdout=again)
    assert "nothing to add" in again.getvalue()
    assert stored["password"] in again.getvalue()


def test_command_accepts_another_credentials_path(var_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "creds.json"
    call_command("demo_load", "--credentials", str(target), stdout=StringIO())
    assert _mode(target) == 0o600
    assert not (var_dir / CREDENTIALS_FILE_NAME).exists()
