"""Deterministic synthetic identifiers: the same seed gives the same values, on every machine.

Everything here is pure Python on one ``random.Random``: no database, no network, no global
state. Benchmarks draw millions of values, so the hot paths use integer arithmetic and lookup
tables rather than string building per digit.

``SyntheticIdentifiers(seed)`` draws values one by one; ``identifiers(kind, count, seed=…)``
streams them. Each kind streams from its own generator (seeded with seed and kind), so adding
a kind or drawing more of one kind never changes the values of another.

Values come out as a partner system would store them: E.164 phone numbers, compact upper-case
IBANs, lower-case domains and e-mail addresses (Gmail ones sometimes with dots and a plus
tag, as fraudsters use them). ``spell(kind, value)`` writes the same identifier the way people
type it (``06-12345678``, ``NL91 ABNA …``, ``j.jansen+shop@GMAIL.com``): a correct
canonicaliser maps both to the same canonical form.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Callable, Iterator, Sequence

import base58

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

# Dutch bank codes (positions 5–8 of an NL IBAN) with a rough weight by market share.
BANK_CODES: tuple[tuple[str, int], ...] = (
    ("INGB", 30),  # ING
    ("RABO", 25),  # Rabobank
    ("ABNA", 20),  # ABN AMRO
    ("SNSB", 6),  # SNS
    ("ASNB", 3),  # ASN Bank
    ("RBRB", 3),  # RegioBank
    ("TRIO", 2),  # Triodos
    ("KNAB", 3),  # Knab
    ("BUNQ", 4),  # bunq
    ("FVLB", 1),  # Van Lanschot
    ("NNBA", 1),  # Nationale-Nederlanden Bank
    ("REVO", 2),  # Revolut (NL IBANs)
)

# Mobile numbers: 06 followed by 8 digits; 061–065 and 068 are mobile ranges (066 is paging,
# 097 machine-to-machine), so only those second digits are drawn.
MOBILE_SECOND_DIGITS = "123458"

# Geographic area codes without the trunk 0. Two-digit codes take a 7-digit subscriber number,
# three-digit codes a 6-digit one; the national significant number is always 9 digits.
AREA_CODES_7: tuple[str, ...] = (
    "10", "13", "15", "20", "23", "24", "26", "30", "33", "35", "36", "38", "40", "43", "45",
    "46", "50", "53", "55", "58", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
)  # fmt: skip
AREA_CODES_6: tuple[str, ...] = (
    "111", "113", "161", "172", "174", "180", "222", "228", "251", "252", "255", "294", "297",
    "313", "314", "317", "318", "320", "321", "341", "342", "343", "344", "345", "411", "412",
    "416", "418", "475", "478", "481", "485", "492", "493", "495", "497", "499", "511", "512",
    "513", "515", "521", "522", "523", "524", "525", "527", "528", "529", "541", "543", "544",
    "545", "546", "547", "548", "561", "566", "570", "571", "572", "573", "575", "577", "591",
    "592", "593", "594", "595", "596", "597", "598", "599",
)  # fmt: skip

FIRST_NAMES: tuple[str, ...] = (
    "anna", "bram", "daan", "emma", "eva", "fleur", "finn", "isa", "jan", "jesse", "julia",
    "lars", "lieke", "lotte", "luuk", "maria", "mila", "noah", "noor", "pieter", "roos", "ruben",
    "sanne", "sem", "sophie", "thijs", "tess", "tim", "wouter", "yara", "zoe", "mohamed",
    "fatima", "ahmet", "elif", "priya", "kevin", "jeroen", "marieke", "henk", "ingrid", "kees",
    "wilma", "gerrit", "annelies", "bas", "dewi", "rachid", "naima", "stefan",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "jansen", "devries", "vandenberg", "bakker", "visser", "smit", "meijer", "deboer", "mulder",
    "degroot", "bos", "vos", "peters", "hendriks", "vanleeuwen", "dekker", "brouwer", "dewit",
    "dijkstra", "smits", "degraaf", "vandermeer", "vanderlinden", "kok", "jacobs", "dehaan",
    "vermeulen", "vandenheuvel", "vanderveen", "vandenbroek", "schouten", "willems", "hoekstra",
    "koster", "prins", "yilmaz", "elamrani", "kaya", "sahin", "postma", "kuipers", "veenstra",
)  # fmt: skip

EMAIL_PROVIDERS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 30),
    ("hotmail.com", 14),
    ("outlook.com", 9),
    ("live.nl", 5),
    ("ziggo.nl", 8),
    ("kpnmail.nl", 6),
    ("icloud.com", 6),
    ("yahoo.com", 4),
    ("proton.me", 3),
    ("xs4all.nl", 2),
    ("planet.nl", 2),
    ("home.nl", 2),
    ("hetnet.nl", 2),
    ("googlemail.com", 1),
)
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

WORDS: tuple[str, ...] = (
    "snel", "goed", "koop", "deal", "shop", "markt", "winkel", "direct", "online", "store",
    "huis", "tuin", "fiets", "mode", "tech", "gadget", "outlet", "korting", "budget", "top",
    "mega", "super", "slim", "groen", "zon", "licht", "klok", "schoen", "tas", "sport",
    "speel", "boek", "beauty", "pet", "baby", "kado", "vintage", "retro", "smart", "home",
)  # fmt: skip
TLDS: tuple[tuple[str, int], ...] = (
    ("nl", 45),
    ("com", 22),
    ("shop", 10),
    ("online", 5),
    ("store", 5),
    ("eu", 3),
    ("site", 3),
    ("xyz", 3),
    ("net", 2),
    ("top", 2),
)

# Brands fraudsters imitate (the registrable label of their real domain).
LOOKALIKE_TARGETS: tuple[str, ...] = (
    "rabobank", "ing", "abnamro", "snsbank", "asnbank", "regiobank", "triodos", "knab", "bunq",
    "marktplaats", "bol", "coolblue", "postnl", "dhl", "belastingdienst", "digid",
    "mijnoverheid", "kpn", "vodafone", "odido", "ziggo", "thuisbezorgd", "tikkie", "ideal",
)  # fmt: skip
LOOKALIKE_AFFIXES: tuple[str, ...] = (
    "veilig", "inloggen", "verificatie", "klantenservice", "support", "beveiliging", "online",
    "betaling", "retour", "pas", "mijn", "secure", "nl", "app", "service", "check",
)  # fmt: skip
LOOKALIKE_TLDS: tuple[str, ...] = ("nl", "com", "shop", "online", "info", "site", "top", "xyz")
HOMOGLYPHS: dict[str, str] = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5"}

URL_PATHS: tuple[str, ...] = (
    "inloggen", "verificatie", "betaalverzoek", "pakket", "retour", "klantenservice",
    "account/bevestigen", "pas-vervangen", "tikkie", "bestelling", "aanbieding", "track",
)  # fmt: skip

MARKETPLACES: tuple[tuple[str, int], ...] = (("marktplaats", 75), ("vinted", 15), ("facebook", 10))

BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _weighted(pairs: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Expand (value, weight) pairs into a table for O(1) weighted draws with ``choice``."""
    return tuple(itertools.chain.from_iterable([value] * weight for value, weight in pairs))


# --------------------------------------------------------------------------------------------
# IBAN arithmetic (ISO 13616 / ISO 7064 mod 97-10)
# --------------------------------------------------------------------------------------------


def _letters_to_digits(text: str) -> str:
    return "".join(str(int(char, 36)) for char in text)


# The check-digit number is BBAN + "NL00" moved to the end, with letters as 10..35:
# bank(8 digits) · account(10 digits) · "232100". Precompute the bank part modulo 97.
_BANK_REMAINDER: dict[str, int] = {
    code: (int(_letters_to_digits(code)) * 10**16) % 97 for code, _weight in BANK_CODES
}
_ACCOUNT_FACTOR = 10**6 % 97
_COUNTRY_REMAINDER = int(_letters_to_digits("NL") + "00") % 97

# Elfproef (the old Dutch mod-11 account check): weights 10..1 over the ten digits. Tables of
# the weighted digit sums of three-digit chunks make the check three lookups.
_ELF_CHUNK_TABLES: tuple[tuple[int, ...], ...] = tuple(
    tuple(
        sum(int(digit) * weight for digit, weight in zip(f"{chunk:03d}", weights, strict=True))
        for chunk in range(1000)
    )
    for weights in ((10, 9, 8), (7, 6, 5), (4, 3, 2))
)


def iban_check_digits(bank_code: str, account: str) -> str:
    """The two check digits of ``NLkk{bank_code}{account}``."""
    remainder = int(_letters_to_digits(bank_code) + account + "232100") % 97
    return f"{98 - remainder:02d}"


def passes_elfproef(account: str) -> bool:
    return sum(int(d) * w for d, w in zip(account, range(10, 0, -1), strict=True)) % 11 == 0


# --------------------------------------------------------------------------------------------
# Bech32 (BIP 173) for native SegWit Bitcoin addresses
# --------------------------------------------------------------------------------------------


def _bech32_polymod(values: Sequence[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for index in range(5):
            checksum ^= generator[index] if (top >> index) & 1 else 0
    return checksum


def _bech32_encode(hrp: str, data: Sequence[int]) -> str:
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _bech32_polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_ALPHABET[d] for d in [*data, *checksum])


def _to_5bit(payload: bytes) -> list[int]:
    accumulator, bits, out = 0, 0, []
    for byte in payload:
        accumulator = (accumulator << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((accumulator >> bits) & 31)
    if bits:
        out.append((accumulator << (5 - bits)) & 31)
    return out


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class SyntheticIdentifiers:
    """Draws realistic Dutch identifiers from one seeded ``random.Random``."""

    _banks = _weighted(BANK_CODES)
    _providers = _weighted(EMAIL_PROVIDERS)
    _tlds = _weighted(TLDS)
    _marketplaces = _weighted(MARKETPLACES)

    def __init__(self, seed: int | str = 0) -> None:
        self.random = random.Random(seed)  # noqa: S311 - synthetic data, not secrets

    # IBAN ----------------------------------------------------------------------------------

    def account_number(self, bank_code: str) -> str:
        """A ten-digit account number as Dutch banks issued them: passing the elfproef, or for
        ING half the time a former Postbank number (up to seven digits, no elfproef)."""
        rng = self.random
        if bank_code == "INGB" and rng.random() < 0.5:
            return f"{rng.randrange(10_000, 10_000_000):010d}"
        tables = _ELF_CHUNK_TABLES
        while True:
            # Nine digits as three chunks; the tenth digit (weight 1) settles the sum mod 11.
            high, middle, low = rng.randrange(10, 1000), rng.randrange(1000), rng.randrange(1000)
            check = -(tables[0][high] + tables[1][middle] + tables[2][low]) % 11
            if check < 10:
                return f"{high:03d}{middle:03d}{low:03d}{check}"

    def iban(self, bank_code: str | None = None) -> str:
        """A compact NL IBAN with valid mod-97 check digits for a real Dutch bank code."""
        bank = bank_code or self.random.choice(self._banks)
        account = self.account_number(bank)
        bank_remainder = _BANK_REMAINDER.get(bank)
        if bank_remainder is None:  # a bank code outside the table, passed by the caller
            bank_remainder = int(_letters_to_digits(bank)) * 10**16 % 97
        remainder = (bank_remainder + int(account) % 97 * _ACCOUNT_FACTOR + _COUNTRY_REMAINDER) % 97
        return f"NL{98 - remainder:02d}{bank}{account}"

    # Phone numbers -------------------------------------------------------------------------

    def mobile(self) -> str:
        """A Dutch mobile number in E.164 (+316…)."""
        rng = self.random
        return f"+316{rng.choice(MOBILE_SECOND_DIGITS)}{rng.randrange(10_000_000):07d}"

    def fixed(self) -> str:
        """A Dutch geographic number in E.164; subscriber numbers never start with 0 or 1."""
        rng = self.random
        if rng.random() < 0.7:
            return f"+31{rng.choice(AREA_CODES_7)}{rng.randrange(2_000_000, 10_000_000)}"
        return f"+31{rng.choice(AREA_CODES_6)}{rng.randrange(200_000, 1_000_000)}"

    def phone(self) -> str:
        """Mostly mobile, as in fraud reports."""
        return self.mobile() if self.random.random() < 0.85 else self.fixed()

    # E-mail --------------------------------------------------------------------------------

    def person(self) -> tuple[str, str]:
        return self.random.choice(FIRST_NAMES), self.random.choice(LAST_NAMES)

    def email(self) -> str:
        """A lower-case address at a Dutch or international mail provider. Gmail addresses
        sometimes carry a plus tag, as fraudsters use them to open many accounts."""
        rng = self.random
        first, last = self.person()
        style = rng.randrange(6)
        if style == 0:
            local = f"{first}.{last}"
        elif style == 1:
            local = f"{first}{last}{rng.randrange(1, 100)}"
        elif style == 2:
            local = f"{first[0]}{last}"
        elif style == 3:
            local = f"{first}_{last}{rng.randrange(60, 100)}"
        elif style == 4:
            local = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(1000)}"
        else:
            local = f"{last}.{first}{rng.randrange(1, 10)}"
        domain = rng.choice(self._providers)
        if domain in GMAIL_DOMAINS and rng.random() < 0.2:
            local = f"{local}+{rng.choice(WORDS)}"
        return f"{local}@{domain}"

    # Domains and URLs ----------------------------------------------------------------------

    def domain(self) -> str:
        """A shop-like registrable domain (``snelkoop-outlet.nl``), sometimes a lookalike."""
        rng = self.random
        if rng.random() < 0.25:
            return self.lookalike_domain()
        first, second = rng.choice(WORDS), rng.choice(WORDS)
        separator = "-" if rng.random() < 0.3 else ""
        suffix = str(rng.randrange(10, 100)) if rng.random() < 0.15 else ""
        return f"{first}{separator}{second}{suffix}.{rng.choice(self._tlds)}"

    def lookalike_domain(self, target: str | None = None) -> str:
        """A domain imitating a brand: ``rab0bank-veilig.nl``, ``mijn-postnl.shop``."""
        rng = self.random
        label = target or rng.choice(LOOKALIKE_TARGETS)
        if rng.random() < 0.5:
            swappable = [i for i, char in enumerate(label) if char in HOMOGLYPHS]
            if swappable:
                index = rng.choice(swappable)
                label = label[:index] + HOMOGLYPHS[label[index]] + label[index + 1 :]
        affix = rng.choice(LOOKALIKE_AFFIXES)
        placement = rng.randrange(3)
        if placement == 0:
            label = f"{label}-{affix}"
        elif placement == 1:
            label = f"{affix}-{label}"
        else:
            label = f"{label}{affix}"
        return f"{label}.{rng.choice(LOOKALIKE_TLDS)}"

    def url(self) -> str:
        rng = self.random
        token = f"{rng.getrandbits(40):010x}"
        path = rng.choice(URL_PATHS)
        if rng.random() < 0.3:
            return f"https://{self.domain()}/{path}?id={token}"
        return f"https://{self.domain()}/{path}/{token}"

    # Accounts, devices, wallets ------------------------------------------------------------

    def account(self) -> str:
        """A marketplace account as ``platform:handle`` (``marktplaats:jansen_koop12``)."""
        rng = self.random
        platform = rng.choice(self._marketplaces)
        first, last = self.person()
        style = rng.randrange(3)
        if style == 0:
            handle = f"{first}{last}{rng.randrange(1, 1000)}"
        elif style == 1:
            handle = f"{last}_{rng.choice(WORDS)}{rng.randrange(1, 100)}"
        else:
            handle = f"{rng.choice(WORDS)}{rng.choice(WORDS)}_{first}"
        return f"{platform}:{handle}"

    def device(self) -> str:
        """A device fingerprint as 64 lower-case hex digits (a SHA-256 digest)."""
        return f"{self.random.getrandbits(256):064x}"

    def btc_address(self) -> str:
        """A Bitcoin address: legacy base58check (P2PKH, ``1…``) or native SegWit (``bc1q…``)."""
        payload = self.random.randbytes(20)
        if self.random.random() < 0.5:
            return base58.b58encode_check(b"\x00" + payload).decode("ascii")
        return _bech32_encode("bc", [0, *_to_5bit(payload)])

    def eth_address(self) -> str:
        """An Ethereum address in lower case (no EIP-55 mixed-case checksum)."""
        return f"0x{self.random.getrandbits(160):040x}"

    def wallet(self) -> str:
        return self.btc_address() if self.random.random() < 0.6 else self.eth_address()

    # Spelling variants ---------------------------------------------------------------------

    def spell(self, kind: str, value: str) -> str:
        """``value`` written as a person might type it: equal to it after canonicalisation."""
        speller = _SPELLERS.get(kind)
        return speller(self.random, value) if speller else value


def _spell_iban(rng: random.Random, iban: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    if style == 1:
        return iban.lower()
    if style == 2:
        return "-".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _spell_phone(rng: random.Random, e164: str) -> str:
    national = e164[3:]  # without +31
    if national.startswith("6"):
        subscriber = national[1:]
        return rng.choice(
            (
                f"06-{subscriber}",
                f"06 {subscriber[:4]} {subscriber[4:]}",
                f"+31 6 {subscriber}",
                f"0031{national}",
                f"+31 (0)6 {subscriber[:2]} {subscriber[2:4]} {subscriber[4:6]} {subscriber[6:]}",
                f"06{subscriber}",
            )
        )
    area_length = 2 if national[:2] in AREA_CODES_7 else 3
    area, subscriber = national[:area_length], national[area_length:]
    return rng.choice(
        (f"0{area}-{subscriber}", f"0{area} {subscriber}", f"+31 {area} {subscriber}", e164)
    )


def _spell_email(rng: random.Random, address: str) -> str:
    local, _at, domain = address.partition("@")
    if domain in GMAIL_DOMAINS:
        # Gmail ignores dots and everything after "+", and googlemail.com is the same service.
        base = local.split("+", 1)[0].replace(".", "")
        style = rng.randrange(3)
        if style == 0 and len(base) > 2:
            cut = rng.randrange(1, len(base))
            local = f"{base[:cut]}.{base[cut:]}"
        elif style == 1:
            local = f"{base}+{rng.choice(WORDS)}"
        domain = rng.choice(("gmail.com", "googlemail.com", "GMail.com"))
    return f"{local}@{domain.upper() if rng.random() < 0.3 else domain}"


def _spell_domain(rng: random.Random, domain: str) -> str:
    # Host names are case-insensitive and a trailing dot names the same (absolute) domain.
    return rng.choice((domain.upper(), f"{domain}.", domain.capitalize()))


def _spell_url(rng: random.Random, url: str) -> str:
    # Scheme and host are case-insensitive (RFC 3986); the path is not, so it is kept.
    scheme, _sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.upper()}://{host.upper() if rng.random() < 0.5 else host}{slash}{path}"


def _spell_account(rng: random.Random, account: str) -> str:
    platform, _colon, handle = account.partition(":")
    return f"{platform.capitalize()}:{handle.upper() if rng.random() < 0.3 else handle}"


_SPELLERS: dict[str, Callable[[random.Random, str], str]] = {
    "iban": _spell_iban,
    "phone": _spell_phone,
    "email": _spell_email,
    "domain": _spell_domain,
    "url": _spell_url,
    "account": _spell_account,
}

# The identifier kinds of the platform (``partners.constants.IDENTIFIER_KINDS``) and the
# method that draws each.
KIND_METHODS: dict[str, Callable[[SyntheticIdentifiers], str]] = {
    "iban": SyntheticIdentifiers.iban,
    "phone": SyntheticIdentifiers.phone,
    "email": SyntheticIdentifiers.email,
    "url": SyntheticIdentifiers.url,
    "domain": SyntheticIdentifiers.domain,
    "account": SyntheticIdentifiers.account,
    "wallet": SyntheticIdentifiers.wallet,
    "device": SyntheticIdentifiers.device,
}


def kind_seed(seed: int | str, kind: str) -> int:
    """A stable per-kind seed (``hash()`` of a string differs per process; SHA-256 does not)."""
    digest = hashlib.sha256(f"{seed}:{kind}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def identifiers(
    kind: str, count: int, *, seed: int | str = 0, spelled: bool = False
) -> Iterator[str]:
    """Stream ``count`` values of ``kind``; with ``spelled``, the same values as typed."""
    if not spelled:
        draw = _draw_method(kind)
        source = SyntheticIdentifiers(kind_seed(seed, kind))
        return (draw(source) for _ in range(count))
    return (typed for _value, typed in identifier_pairs(kind, count, seed=seed))


def identifier_pairs(kind: str, count: int, *, seed: int | str = 0) -> Iterator[tuple[str, str]]:
    """Stream ``(value, typed)`` pairs: ``value`` as ``identifiers`` yields it (same seed, same
    order) and a spelling of it that canonicalises to the same form — test data for
    canonicalisation."""
    draw = _draw_method(kind)
    source = SyntheticIdentifiers(kind_seed(seed, kind))
    # Spelling draws from its own generator so the values match the unspelled stream.
    speller = SyntheticIdentifiers(kind_seed(seed, f"{kind}:spelling"))
    for _ in range(count):
        value = draw(source)
        yield value, speller.spell(kind, value)


def _draw_method(kind: str) -> Callable[[SyntheticIdentifiers], str]:
    try:
        return KIND_METHODS[kind]
    except KeyError:
        raise ValueError(f"unknown identifier kind {kind!r}") from None
