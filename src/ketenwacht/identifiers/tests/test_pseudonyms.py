from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from ketenwacht import keys
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import canonicalise


def test_digest_is_hmac_sha256_of_kind_and_canonical_value() -> None:
    ring = pseudonyms.keyring()
    version, digest = pseudonyms.current_digest("iban", "NL91ABNA0417164300")
    expected = hmac.new(
        ring.pseudonym_keys[version], b"iban:NL91ABNA0417164300", hashlib.sha256
    ).digest()
    assert digest == expected
    assert len(digest) == pseudonyms.DIGEST_SIZE


@pytest.mark.parametrize("key_size", [0, 1, 32, 63, 64, 65, 200])
@pytest.mark.parametrize("value", ["", "+31612345678", "é" * 100, "x" * 1000])
def test_digest_equals_the_standard_library_hmac_for_any_key_length(
    key_size: int, value: str
) -> None:
    # The digest reuses SHA-256 states that absorbed the padded key (RFC 2104): keys longer
    # than a block are hashed first, shorter ones zero-padded, exactly as ``hmac`` does.
    key = bytes(range(key_size))
    expected = hmac.new(key, f"phone:{value}".encode(), hashlib.sha256).digest()
    assert pseudonyms.digest("phone", value, key=key) == expected
    assert pseudonyms.digest("phone", value, key=key) == expected  # states are not consumed


def test_equal_inputs_meet_in_one_pseudonym() -> None:
    spellings = ["NL91 ABNA 0417 1643 00", "nl91abna0417164300", "NL91-ABNA-0417-1643-00"]
    digests = {
        pseudonyms.current_digest("iban", canonicalise(s, "iban").value)[1] for s in spellings
    }
    assert len(digests) == 1


def test_kind_is_part_of_the_pseudonym() -> None:
    assert (
        pseudonyms.current_digest("account", "x")[1] != pseudonyms.current_digest("device", "x")[1]
    )


def test_digest_depends_on_the_key() -> None:
    a = pseudonyms.digest("phone", "+31612345678", key=b"a" * 32)
    b = pseudonyms.digest("phone", "+31612345678", key=b"b" * 32)
    assert a != b
    assert a == pseudonyms.digest("phone", "+31612345678", key=b"a" * 32)


def test_encryption_round_trip_with_fresh_nonces() -> None:
    nonce1, cipher1 = pseudonyms.encrypt_raw("iban", "NL91ABNA0417164300")
    nonce2, cipher2 = pseudonyms.encrypt_raw("iban", "NL91ABNA0417164300")
    assert nonce1 != nonce2 and cipher1 != cipher2
    assert b"NL91" not in cipher1
    assert pseudonyms.decrypt_raw("iban", nonce1, cipher1) == "NL91ABNA0417164300"
    assert pseudonyms.decrypt_raw("iban", memoryview(nonce2), memoryview(cipher2)) == (
        "NL91ABNA0417164300"
    )


def test_ciphertext_is_bound_to_its_kind_and_refuses_tampering() -> None:
    nonce, cipher = pseudonyms.encrypt_raw("phone", "+31612345678")
    with pytest.raises(InvalidTag):
        pseudonyms.decrypt_raw("email", nonce, cipher)
    tampered = bytes([cipher[0] ^ 1]) + cipher[1:]
    with pytest.raises(InvalidTag):
        pseudonyms.decrypt_raw("phone", nonce, tampered)


@pytest.mark.parametrize(
    ("value", "kind", "hint"),
    [
        ("NL91ABNA0417164300", "iban", "NL91 •••• •••• 4300"),
        ("0612345678", "phone", "+31 •••• 78"),
        ("jan.jansen@example.nl", "email", "j•••@example.nl"),
        ("https://evil-bank.com/login?victim=jan", "url", "https://evil-bank.com/…"),
        ("login.evil.nl", "domain", "evil.nl"),
    ],
)
def test_display_hint_masks_the_value(value: str, kind: str, hint: str) -> None:
    assert pseudonyms.display_hint(canonicalise(value, kind)) == hint


def test_keyring_notices_a_new_key_version(own_keys_dir: Path) -> None:
    before = pseudonyms.keyring()
    (own_keys_dir / f"{keys.PSEUDONYM_KEY_PREFIX}2.key").write_text("ab" * 32)
    after = pseudonyms.keyring()
    assert before.current_version == 1
    assert after.current_version == 2
    assert after.versions == (2, 1)
    assert set(pseudonyms.digests_by_version("iban", "NL91ABNA0417164300", after)) == {1, 2}
