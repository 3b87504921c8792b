import re
from pathlib import Path
from urllib.parse import urlsplit

import base58
import phonenumbers
import pytest
import tldextract
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum import iban as stdnum_iban

from ketenwacht.partners.constants import IDENTIFIER_KINDS
from ketenwacht.synth import generators
from ketenwacht.synth.generators import (
    BANK_CODES,
    KIND_METHODS,
    LOOKALIKE_TARGETS,
    SyntheticIdentifiers,
    iban_check_digits,
    identifier_pairs,
    identifiers,
    passes_elfproef,
)

BANKS = {code for code, _weight in BANK_CODES}
OFFLINE_PSL = tldextract.TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


# --- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KIND_METHODS))
def test_same_seed_same_values(kind: str) -> None:
    assert list(identifiers(kind, 200, seed=42)) == list(identifiers(kind, 200, seed=42))


@pytest.mark.parametrize("kind", sorted(KIND_METHODS))
def test_other_seed_other_values(kind: str) -> None:
    assert list(identifiers(kind, 50, seed=1)) != list(identifiers(kind, 50, seed=2))


def test_string_and_integer_seeds_are_stable() -> None:
    first = SyntheticIdentifiers("bench-2024")
    second = SyntheticIdentifiers("bench-2024")
    draws = [first.iban(), first.mobile(), first.email(), first.domain(), first.wallet()]
    assert draws == [
        second.iban(),
        second.mobile(),
        second.email(),
        second.domain(),
        second.wallet(),
    ]


def test_known_values_do_not_drift_between_releases() -> None:
    # Benchmarks and fixtures rely on seed 0 giving these exact values.
    assert list(identifiers("iban", 2, seed=0)) == ["NL19KNAB3416189310", "NL51RABO2606782666"]
    assert next(identifiers("phone", 1, seed=0)).startswith("+31")


def test_a_longer_stream_starts_with_the_shorter_one() -> None:
    assert list(identifiers("email", 500, seed=7))[:100] == list(identifiers("email", 100, seed=7))


def test_kinds_are_independent_streams() -> None:
    # Drawing another kind in between does not shift a kind's values.
    ibans = identifiers("iban", 10, seed=3)
    phones = identifiers("phone", 10, seed=3)
    interleaved = [value for pair in zip(ibans, phones, strict=True) for value in pair][::2]
    assert interleaved == list(identifiers("iban", 10, seed=3))


def test_every_platform_kind_has_a_generator() -> None:
    assert set(KIND_METHODS) == set(IDENTIFIER_KINDS)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="bsn"):
        identifiers("bsn", 1)


# --- IBANs ----------------------------------------------------------------------------------


def test_check_digits_of_a_published_example() -> None:
    assert iban_check_digits("ABNA", "0417164300") == "91"
    assert passes_elfproef("0417164300")


def test_ibans_are_valid_for_real_dutch_bank_codes() -> None:
    seen = set()
    for value in identifiers("iban", 3000, seed=11):
        parsed = IBAN(value)
        assert parsed.country_code == "NL"
        assert parsed.bank_code in BANKS
        assert parsed.bank is not None  # schwifty's bank registry knows the code
        assert stdnum_iban.is_valid(value)
        assert re.fullmatch(r"NL\d{2}[A-Z]{4}\d{10}", value)
        seen.add(parsed.bank_code)
    assert seen == BANKS


def test_account_numbers_look_like_dutch_ones() -> None:
    postbank = 0
    for value in identifiers("iban", 2000, seed=5):
        bank, account = value[4:8], value[8:]
        if bank == "INGB" and account.startswith("000"):
            postbank += 1  # former Postbank numbers: up to seven digits, no elfproef
        else:
            assert passes_elfproef(account), value
    assert postbank > 0


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**64), bank=st.sampled_from(sorted(BANKS)))
def test_any_seed_and_bank_give_a_valid_iban(seed: int, bank: str) -> None:
    value = SyntheticIdentifiers(seed).iban(bank)
    assert IBAN(value).bank_code == bank
    assert stdnum_iban.is_valid(value)


def test_spelled_ibans_compact_to_the_value() -> None:
    for value, typed in identifier_pairs("iban", 300, seed=2):
        assert stdnum_iban.compact(typed).upper() == value


# --- phone numbers --------------------------------------------------------------------------


def test_mobile_numbers_are_valid_dutch_mobiles() -> None:
    source = SyntheticIdentifiers(8)
    for _ in range(2000):
        number = source.mobile()
        assert re.fullmatch(r"\+316[1-58]\d{7}", number)
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE


def test_fixed_numbers_are_valid_dutch_geographic_numbers() -> None:
    source = SyntheticIdentifiers(9)
    for _ in range(2000):
        number = source.fixed()
        assert re.fullmatch(r"\+31[1-57]\d{8}", number), number
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE


def test_phone_stream_is_mostly_mobile() -> None:
    numbers = list(identifiers("phone", 1000, seed=4))
    mobile = sum(number.startswith("+316") for number in numbers)
    assert 750 < mobile < 950


def test_spelled_phone_numbers_parse_back_to_the_value() -> None:
    spellings = []
    for value, typed in identifier_pairs("phone", 500, seed=6):
        parsed = phonenumbers.parse(typed, "NL")
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == value
        spellings.append(typed)
    assert any(s.startswith("06-") for s in spellings)
    assert any(s.startswith("0031") for s in spellings)
    assert any(s.startswith("+31 (0)6 ") for s in spellings)
    assert any(re.fullmatch(r"0\d{2,3}-\d{6,7}", s) for s in spellings)  # fixed: 020-1234567


# --- e-mail ---------------------------------------------------------------------------------


def _gmail_mailbox(address: str) -> str:
    local, _at, domain = address.lower().partition("@")
    if domain in {"gmail.com", "googlemail.com"}:
        return local.split("+", 1)[0].replace(".", "") + "@gmail.com"
    return f"{local}@{domain}"


def test_email_addresses_are_well_formed_and_varied() -> None:
    addresses = list(identifiers("email", 3000, seed=12))
    pattern = re.compile(r"^[a-z0-9._+]+@[a-z0-9.-]+\.[a-z]+$")
    assert all(pattern.match(address) for address in addresses)
    domains = {address.split("@")[1] for address in addresses}
    assert {"gmail.com", "hotmail.com", "ziggo.nl", "kpnmail.nl"} <= domains
    gmail = [a for a in addresses if a.endswith("@gmail.com")]
    assert any("+" in a for a in gmail)
    assert any("." in a.split("@")[0] for a in gmail)
    others = [a for a in addresses if a.split("@")[1] not in generators.GMAIL_DOMAINS]
    assert not any("+" in a for a in others)


def test_spelled_addresses_reach_the_same_mailbox() -> None:
    changed = 0
    for value, typed in identifier_pairs("email", 1000, seed=13):
        assert _gmail_mailbox(typed) == _gmail_mailbox(value)
        changed += typed != value
    assert changed > 100


# --- domains and URLs -----------------------------------------------------------------------


def test_domains_are_registrable_names_under_known_suffixes() -> None:
    suffixes = set()
    for domain in identifiers("domain", 2000, seed=14):
        assert all(LABEL.match(label) for label in domain.split("."))
        parts = OFFLINE_PSL(domain)
        assert parts.suffix and parts.domain, domain
        assert parts.top_domain_under_public_suffix == domain
        suffixes.add(parts.suffix)
    assert {"nl", "com", "shop"} <= suffixes


def _disguises(target: str) -> set[str]:
    """The brand itself and every spelling with one character swapped for a look-alike."""
    swaps = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5"}
    return {target} | {
        target[:i] + swaps[c] + target[i + 1 :] for i, c in enumerate(target) if c in swaps
    }


def test_lookalike_domains_imitate_a_brand() -> None:
    source = SyntheticIdentifiers(15)
    for _ in range(500):
        domain = source.lookalike_domain()
        label = domain.rsplit(".", 1)[0]
        assert any(d in label for t in LOOKALIKE_TARGETS for d in _disguises(t)), domain
    shaped = {SyntheticIdentifiers(s).lookalike_domain("rabobank") for s in range(200)}
    assert any(re.fullmatch(r"rab0bank-[a-z]+\.[a-z]+", d) for d in shaped)


def test_urls_are_https_on_generated_domains() -> None:
    for url in identifiers("url", 500, seed=16):
        parts = urlsplit(url)
        assert parts.scheme == "https"
        assert parts.hostname and OFFLINE_PSL(parts.hostname).suffix
        assert parts.path.startswith("/")


def test_spelled_urls_differ_only_in_case_of_scheme_and_host() -> None:
    for value, typed in identifier_pairs("url", 200, seed=17):
        original, spelled = urlsplit(value), urlsplit(typed)
        assert spelled.scheme.lower() == original.scheme
        assert spelled.hostname == original.hostname  # urlsplit lower-cases the host
        assert (spelled.path, spelled.query) == (original.path, original.query)


# --- accounts, devices, wallets -------------------------------------------------------------


def test_marketplace_accounts_name_platform_and_handle() -> None:
    accounts = list(identifiers("account", 1000, seed=18))
    assert all(re.fullmatch(r"(marktplaats|vinted|facebook):[a-z0-9_]+", a) for a in accounts)
    share = sum(a.startswith("marktplaats:") for a in accounts) / len(accounts)
    assert 0.6 < share < 0.9


def test_device_fingerprints_are_sha256_hex() -> None:
    devices = list(identifiers("device", 500, seed=19))
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in devices)
    assert len(set(devices)) == 500


def _bech32_checksum_ok(address: str) -> bool:
    hrp, _one, data = address.rpartition("1")
    values = [generators.BECH32_ALPHABET.index(c) for c in data]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return generators._bech32_polymod(expanded + values) == 1


def test_bech32_matches_the_bip173_test_vector() -> None:
    program = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")
    encoded = generators._bech32_encode("bc", [0, *generators._to_5bit(program)])
    assert encoded == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


def test_wallets_are_checksummed_bitcoin_or_ethereum_addresses() -> None:
    kinds = set()
    for wallet in identifiers("wallet", 600, seed=20):
        if wallet.startswith("0x"):
            assert re.fullmatch(r"0x[0-9a-f]{40}", wallet)
            kinds.add("eth")
        elif wallet.startswith("bc1q"):
            assert len(wallet) == 42 and _bech32_checksum_ok(wallet)
            kinds.add("bech32")
        else:
            assert base58.b58decode_check(wallet)[0] == 0  # P2PKH version byte
            kinds.add("p2pkh")
    assert kinds == {"eth", "bech32", "p2pkh"}


def test_kinds_without_spellings_pass_through() -> None:
    for kind in ("device", "wallet"):
        for value, typed in identifier_pairs(kind, 20, seed=21):
            assert typed == value


def test_generators_run_without_django_settings() -> None:
    # Benchmarks draw identifiers in plain worker processes, without configuring Django.
    import os
    import subprocess
    import sys

    code = (
        "from ketenwacht.synth.generators import identifiers; "
        "print(len(list(identifiers('iban', 1000, seed=1))))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(Path(generators.__file__).parents[2])
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.strip() == "1000"
