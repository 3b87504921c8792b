"""Pseudonym key rotation: lookups across versions, re-keying, lazy re-keying, retiring."""

from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ketenwacht.audit.models import AuditEvent
from ketenwacht.identifiers import pseudonyms, rotation, selectors, services
from ketenwacht.identifiers.models import Pseudonym, RawValue, Sighting
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import IBAN, OTHER_IBAN, Circle, make_circle

pytestmark = pytest.mark.django_db


def record(circle: Circle, value: str, member: int = 0) -> None:
    services.sightings_ingest(
        actor=token_actor(circle.members[member]),
        items=[{"value": value, "fraud_type": "purchase", "role": "beneficiary_account"}],
    )


def level(circle: Circle, value: str) -> str:
    return services.check_one(actor=token_actor(circle.members[2]), value=value).score.level


def test_generate_writes_a_private_key_file(own_keys_dir: Path) -> None:
    version = rotation.pseudonym_key_generate()
    path = own_keys_dir / "pseudonym_v2.key"
    assert version == 2 and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text())) == 32
    assert pseudonyms.keyring().current_version == 2
    assert AuditEvent.objects.filter(action="keys.pseudonym_generate").exists()


def test_rotation_keeps_every_value_findable(own_keys_dir: Path) -> None:
    keeping = make_circle(members=3, raw_value_roles=["police_analyst"])
    not_keeping = make_circle(members=3, raw_value_roles=[])
    record(keeping, IBAN)
    record(keeping, IBAN, member=1)
    record(not_keeping, OTHER_IBAN)
    record(not_keeping, OTHER_IBAN, member=1)
    assert set(Pseudonym.objects.values_list("key_version", flat=True)) == {1}

    rotation.pseudonym_key_generate()
    # Between generating and re-keying: old rows are found through their v1 digests.
    assert level(keeping, IBAN) == "warning"
    assert level(not_keeping, OTHER_IBAN) == "warning"

    result = rotation.pseudonyms_rekey(batch_size=1)
    assert (result.rekeyed, result.merged, result.current_version) == (1, 0, 2)
    assert result.remaining == {1: 1}  # the value without a raw value stays on v1
    with_raw = Pseudonym.objects.get(raw_value__isnull=False)
    assert with_raw.key_version == 2
    assert bytes(with_raw.digest) == pseudonyms.current_digest("iban", IBAN)[1]
    assert with_raw.sightings.count() == 2  # sightings follow the row
    assert level(keeping, IBAN) == "warning"
    assert level(not_keeping, OTHER_IBAN) == "warning"

    # Seen again: the v1 row is re-keyed by the write that names the value.
    record(not_keeping, OTHER_IBAN, member=2)
    assert set(Pseudonym.objects.values_list("key_version", flat=True)) == {2}
    assert Pseudonym.objects.count() == 2
    assert Sighting.objects.filter(pseudonym__key_version=2).count() == 5
    assert level(not_keeping, OTHER_IBAN) == "high"


def test_retire_keeps_a_key_still_in_use_and_deletes_it_when_unused(own_keys_dir: Path) -> None:
    circle = make_circle(members=3, raw_value_roles=[])
    record(circle, IBAN)
    rotation.pseudonym_key_generate()
    rotation.pseudonyms_rekey()
    retired, in_use = rotation.pseudonym_keys_retire()
    assert retired == [] and in_use == {1: 1}
    assert (own_keys_dir / "pseudonym_v1.key").exists()

    Sighting.objects.all().delete()
    services.sightings_purge()
    retired, in_use = rotation.pseudonym_keys_retire()
    assert retired == [1] and in_use == {}
    assert not (own_keys_dir / "pseudonym_v1.key").exists()
    assert pseudonyms.keyring().versions == (2,)


def test_rekey_merges_a_duplicate_left_by_an_interrupted_rotation(own_keys_dir: Path) -> None:
    circle = make_circle(members=3)
    record(circle, IBAN)
    old = Pseudonym.objects.get()
    rotation.pseudonym_key_generate()
    # A v2 row for the same value appears (as if written by a process that missed the v1 row).
    duplicate = Pseudonym.objects.create(
        kind="iban",
        key_version=2,
        digest=pseudonyms.current_digest("iban", IBAN)[1],
        display_hint=old.display_hint,
    )
    result = rotation.pseudonyms_rekey()
    assert result.merged == 1
    assert list(Pseudonym.objects.all()) == [duplicate]
    assert Sighting.objects.get().pseudonym == duplicate
    raw = RawValue.objects.get()
    assert raw.pseudonym == duplicate
    assert pseudonyms.decrypt_raw("iban", raw.nonce, raw.ciphertext) == IBAN


def test_rotate_command(own_keys_dir: Path) -> None:
    circle = make_circle(members=3)
    record(circle, IBAN)
    out = StringIO()
    call_command("identifiers_rotate_key", "--grace-seconds", "0", stdout=out)
    text = out.getvalue()
    assert "generated pseudonym key version 2" in text
    assert "re-keyed 1 pseudonyms to version 2" in text
    assert "version 2: 1 pseudonyms (1 with raw value) [current]" in text
    status = {s.version: s for s in selectors.key_version_status()}
    assert status[1].pseudonyms == 0 and status[2].pseudonyms == 1

    out = StringIO()
    call_command("identifiers_rotate_key", "--retire", stdout=out)
    assert "retired key versions: [1]" in out.getvalue()
