"""Canonical forms: identifiers per second per kind, against the raw library call they replace.

Each row times ``canonicalise`` over synthetic inputs (100,000 per row by default; set
``BENCH_CANONICAL_N`` to change it) in varied spellings, and the library call that is the
natural floor or ceiling for that kind over the same inputs, in the same run:

* Dutch phone numbers — the regex fast path — against ``phonenumbers.parse`` alone (parsing
  only: no validation, type or formatting, which the canonical form adds);
* foreign phone numbers, which do go through phonenumbers (parse + validate + type + format);
* IBANs against ``schwifty.IBAN`` (structure and check digits);
* e-mail, URLs and domains against one ``tldextract`` call on the same input;
* internationalised domains against ``idna.encode(..., uts46=True)``;
* Bitcoin base58 addresses against ``base58.b58decode_check``;
* accounts and a realistic mix under autodetection, without a library to compare with;
* the typed mix of the identifiers benchmarks (``bench._identifiers``: phone 40 %, IBAN 30 %,
  e-mail 17 %, URL 10 %, domain 3 %, values as people type them), with the kind given and
  autodetected, in µs per identifier (the batch check and ingest budget is per identifier),
  host cache emptied before each, so only hosts that recur within the run are cached.

``ratio`` is ours / raw: above 1 means faster than the raw call. Time is the CPU time of the
benchmarking thread (``time.thread_time``), so the figures are per core and other load on a
shared machine does not count; ours and raw are timed in alternating chunks. Run it alone
with ``python -m bench.bench_canonical``.
"""

from __future__ import annotations

import os
import random
import string
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import base58
import idna
import phonenumbers
import schwifty

from ketenwacht.identifiers.canonical import CanonicalError, canonicalise
from ketenwacht.identifiers.canonical.hosts import clear_caches, suffix_extractor

N = int(os.environ.get("BENCH_CANONICAL_N", "100000"))
SEED = 20231
CHUNK = 2000
_NUMERIFY = str.maketrans({c: str(10 + i) for i, c in enumerate(string.ascii_uppercase)})


# -- synthetic inputs ---------------------------------------------------------------------


def dutch_phones(rng: random.Random, n: int) -> list[str]:
    spellings: list[Callable[[str], str]] = [
        lambda nsn: "0" + nsn,
        lambda nsn: f"0{nsn[0]}-{nsn[1:]}",
        lambda nsn: f"+31 {nsn[0]} {nsn[1:5]} {nsn[5:]}",
        lambda nsn: "0031" + nsn,
        lambda nsn: f"+31 (0){nsn[0]} {nsn[1:]}",
    ]
    areas = ["10", "20", "30", "40", "50", "70", "313", "318", "495", "575"]
    out = []
    for _ in range(n):
        if rng.random() < 0.8:
            nsn = "6" + rng.choice("123458") + "".join(rng.choices(string.digits, k=7))
        else:
            area = rng.choice(areas)
            nsn = area + "".join(rng.choices(string.digits, k=9 - len(area)))
        out.append(rng.choice(spellings)(nsn))
    return out


def foreign_phones(rng: random.Random, n: int) -> list[str]:
    regions = ["BE", "DE", "GB", "FR", "ES", "PL", "TR", "MA", "SR", "NG", "US", "CN"]
    numbers = []
    for region in regions:
        for number_type in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE,
        ):
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is not None:
                numbers.append(
                    phonenumbers.format_number(
                        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                    )
                )
    return [rng.choice(numbers) for _ in range(n)]


def ibans(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        bban = "".join(rng.choices(string.ascii_uppercase, k=4)) + "".join(
            rng.choices(string.digits, k=10)
        )
        check = 98 - int((bban + "NL00").translate(_NUMERIFY)) % 97
        iban = f"NL{check:02d}{bban}"
        spelled = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        out.append(spelled.lower() if rng.random() < 0.3 else spelled)
    return out


def _label(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase + string.digits, k=rng.randint(4, 12)))


_SUFFIXES = ["nl", "com", "be", "co.uk", "github.io", "net", "org", "shop"]


def emails(rng: random.Random, n: int) -> list[str]:
    domains = ["gmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "hotmail.com"]
    return [
        f"{_label(rng)}.{_label(rng)}@"
        + (rng.choice(domains) if rng.random() < 0.7 else _label(rng) + ".nl")
        for _ in range(n)
    ]


def urls(rng: random.Random, n: int) -> list[str]:
    return [
        f"https://{_label(rng)}.{rng.choice(_SUFFIXES)}/{_label(rng)}/{_label(rng)}"
        f"?id={rng.randint(1, 9999)}"
        for _ in range(n)
    ]


def domains(rng: random.Random, n: int) -> list[str]:
    return [
        f"{rng.choice(['www.', 'login.', ''])}{_label(rng)}.{rng.choice(_SUFFIXES)}"
        for _ in range(n)
    ]


def idn_domains(rng: random.Random, n: int) -> list[str]:
    words = ["münchen", "faß", "rаbobank", "ing-bänk", "пример", "café", "zürich"]
    return [
        f"{rng.choice(words)}{rng.randint(1, 999)}.{rng.choice(['de', 'nl', 'com'])}"
        for _ in range(n)
    ]


def bitcoin_addresses(rng: random.Random, n: int) -> list[str]:
    return [
        base58.b58encode_check(bytes([rng.choice([0x00, 0x05])]) + rng.randbytes(20)).decode()
        for _ in range(n)
    ]


def accounts(rng: random.Random, n: int) -> list[str]:
    forms = [
        lambda h: f"instagram:@{h}",
        lambda h: f"https://www.instagram.com/{h}/",
        lambda h: f"twitter:{h[:15]}",
        lambda h: f"https://t.me/{h}",
        lambda h: f"tiktok:@{h}",
    ]
    return [rng.choice(forms)("u" + _label(rng)) for _ in range(n)]


def mix(rng: random.Random, n: int) -> list[str]:
    per = n // 6 + 1
    items = (
        dutch_phones(rng, per * 2)
        + ibans(rng, per)
        + emails(rng, per)
        + urls(rng, per // 2)
        + domains(rng, per // 2)
        + accounts(rng, per // 2)
        + bitcoin_addresses(rng, per // 2)
    )
    rng.shuffle(items)
    return items[:n]


# -- timing -------------------------------------------------------------------------------


def rates(
    ours: Callable[[str], Any], raw: Callable[[str], Any] | None, inputs: Sequence[str]
) -> tuple[float, float | None, int]:
    """Items per second of ``ours`` and ``raw`` over ``inputs``, and how many ours refused.

    The two are timed in alternating chunks, so a change in machine load during the run
    (other processes, frequency scaling) weighs on both alike and the ratio stays fair.
    """
    for item in inputs[:1000]:  # warm caches and lazy initialisation
        _call(ours, item)
        if raw is not None:
            _call(raw, item)
    ours_time = raw_time = 0.0
    refused = 0
    for start in range(0, len(inputs), CHUNK):
        chunk = inputs[start : start + CHUNK]
        began = time.thread_time()
        for item in chunk:
            refused += _call(ours, item)
        ours_time += time.thread_time() - began
        if raw is not None:
            began = time.thread_time()
            for item in chunk:
                _call(raw, item)
            raw_time += time.thread_time() - began
    return len(inputs) / ours_time, (len(inputs) / raw_time if raw is not None else None), refused


def _call(function: Callable[[str], Any], item: str) -> int:
    try:
        function(item)
    except (CanonicalError, ValueError, phonenumbers.NumberParseException, idna.IDNAError):
        return 1
    return 0


def _tldextract(text: str) -> Any:
    return suffix_extractor()(text)


def _email_domain_tldextract(text: str) -> Any:
    return suffix_extractor()(text.rpartition("@")[2])


def _kind(kind: str | None) -> Callable[[str], Any]:
    return lambda value: canonicalise(value, kind)


class Case(NamedTuple):
    name: str
    inputs: Callable[[random.Random, int], list[str]]
    kind: str | None
    raw_name: str = ""
    raw: Callable[[str], Any] | None = None
    target: str = "informational"


def _parse_nl(value: str) -> Any:
    return phonenumbers.parse(value, "NL")


def _idna_uts46(value: str) -> Any:
    return idna.encode(value, uts46=True)


PHONE_TARGET = "≥ 5× phonenumbers.parse"
# Autodetection adds the shape checks before the same fast path.
PHONE_DETECT_TARGET = "≥ 4× phonenumbers.parse"
CASES = [
    Case(
        "phone NL, kind given", dutch_phones, "phone", "phonenumbers.parse", _parse_nl, PHONE_TARGET
    ),
    Case(
        "phone NL, autodetected",
        dutch_phones,
        None,
        "phonenumbers.parse",
        _parse_nl,
        PHONE_DETECT_TARGET,
    ),
    Case("phone foreign", foreign_phones, "phone", "phonenumbers.parse", _parse_nl),
    Case("iban NL, kind given", ibans, "iban", "schwifty.IBAN", schwifty.IBAN, "≥ 1× schwifty"),
    Case("iban NL, autodetected", ibans, None, "schwifty.IBAN", schwifty.IBAN, "≥ 1× schwifty"),
    Case("email", emails, "email", "tldextract on the domain", _email_domain_tldextract),
    Case("url", urls, "url", "tldextract", _tldextract),
    Case("domain", domains, "domain", "tldextract", _tldextract),
    Case("domain IDN", idn_domains, "domain", "idna.encode uts46", _idna_uts46),
    Case("wallet base58", bitcoin_addresses, "wallet", "base58 check", base58.b58decode_check),
    Case("account", accounts, "account"),
    Case("mix, autodetected", mix, None),
]


# The budget per identifier on the typed mix (issue 3: batch check and ingest).
TYPED_MIX_TARGET = "≤ 8 µs/id"


def typed_mix(count: int) -> list[tuple[str, str]]:
    """``(value as typed, kind)`` in the identifiers benchmarks' kind mix, shuffled."""
    from bench._identifiers import fresh_typed, kind_counts

    items = [
        (typed, kind)
        for kind, n in kind_counts(count).items()
        for typed in fresh_typed(kind, n, seed=f"bench-canonical-{SEED}")
    ]
    random.Random(SEED).shuffle(items)
    return items


def typed_mix_rows() -> list[dict[str, Any]]:
    items = typed_mix(N)
    rows = []
    for given in (True, False):
        for value, kind in items[:1000]:  # lazy initialisation, as in rates()
            _call(_kind(kind if given else None), value)
        clear_caches()
        refused = 0
        spent = 0.0
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            began = time.thread_time()
            for value, kind in chunk:
                try:
                    canonicalise(value, kind if given else None)
                except CanonicalError:
                    refused += 1
            spent += time.thread_time() - began
        rows.append(
            {
                "name": "canonicalise: typed mix (phone 40/IBAN 30/e-mail 17/URL 10/domain 3), "
                + ("kind given" if given else "autodetected"),
                "figure": spent / len(items) * 1e6,
                "unit": "µs/id per core",
                "target": TYPED_MIX_TARGET,
                "refused": refused,
                "n": len(items),
            }
        )
    return rows


def run() -> list[dict[str, Any]]:
    rows = []
    for name, make_inputs, kind, raw_name, raw_call, target in CASES:
        inputs = make_inputs(random.Random(SEED), N)
        ours, raw, refused = rates(_kind(kind), raw_call, inputs)
        row: dict[str, Any] = {
            "name": f"canonicalise: {name}" + (f" (raw: {raw_name})" if raw_name else ""),
            "figure": ours,
            "unit": "ids/s per core",
            "target": target,
            "refused": refused,
            "n": len(inputs),
        }
        if raw is not None:
            row.update(raw=raw, ratio=ours / raw, raw_unit="ids/s per core")
        rows.append(row)
    return rows + typed_mix_rows()


def main() -> int:
    for row in run():
        raw = f"{row['raw']:>12,.0f}" if "raw" in row else ""
        ratio = f"{row['ratio']:6.2f}×" if "ratio" in row else ""
        figure = (
            f"{row['figure']:,.2f}" if row["unit"].startswith("µs") else f"{row['figure']:,.0f}"
        )
        print(
            f"{row['name']:<72} {figure:>12} {raw:>12} {ratio:>8}  "
            f"refused {row['refused']}/{row['n']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
