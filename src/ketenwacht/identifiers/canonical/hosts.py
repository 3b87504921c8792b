"""Host names: IDNA (UTS 46, non-transitional), the bundled Public Suffix List, look-alikes.

Shared by the ``url``, ``domain``, ``email`` and ``account`` kinds. The canonical host is the
A-label spelling in lower case without a trailing dot (``faß.de`` → ``xn--fa-hia.de``).

* ASCII hosts skip the idna package (it costs ~35 µs a call): a label pattern and ``lower()``
  give the same result. Underscores are allowed in ASCII labels — browsers resolve them and
  phishing hosts use them — but not in the public suffix. ``xn--`` labels are decoded to check
  that they are valid IDNA.
* The Public Suffix List is tldextract's snapshot bundled with the package, *never fetched*:
  ``suffix_list_urls=()`` and no cache directory. Private suffixes are on, so ``x.github.io``
  is its own registrable domain instead of collapsing into ``github.io``.
* Internationalised labels are checked for mixed scripts and for look-alikes of ASCII
  (confusable-homoglyphs); ``looks_like`` gives the ASCII host they imitate.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from functools import cache, lru_cache
from typing import NamedTuple

import idna
import tldextract
from confusable_homoglyphs import confusables

from ketenwacht.identifiers.canonical.types import CanonicalError

_ASCII_HOST = re.compile(
    r"(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)",
)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


class Host(NamedTuple):
    """A canonical host and what the Public Suffix List and script checks say about it.

    (A named tuple: it is built once per identifier on the hot path, and builds faster than
    a frozen dataclass.)
    """

    ascii: str
    unicode: str
    is_ip: bool = False
    public_suffix: str = ""
    registrable_domain: str = ""
    private_suffix: bool = False
    flags: tuple[str, ...] = ()
    looks_like: str = ""

    def display(self) -> str:
        """Unicode for people, except where the Unicode spelling is the deception."""
        if "confusable" in self.flags or "mixed_script" in self.flags:
            return self.ascii
        return self.unicode

    def detail(self) -> dict[str, object]:
        """The facts worth keeping in ``Canonical.detail``."""
        detail: dict[str, object] = {
            "host": self.ascii,
            "registrable_domain": self.registrable_domain,
            "public_suffix": self.public_suffix,
            "flags": list(self.flags),
        }
        if self.private_suffix:
            detail["private_suffix"] = True
        if self.unicode != self.ascii:
            detail["unicode"] = self.unicode
        if self.looks_like:
            detail["looks_like"] = self.looks_like
        return detail


@cache
def suffix_extractor() -> tldextract.TLDExtract:
    """One extractor per process, on the bundled snapshot only (no network, no disk cache)."""
    return tldextract.TLDExtract(
        suffix_list_urls=(), include_psl_private_domains=True, cache_dir=None
    )


# Hosts recur (mail providers, a phishing domain reported many times, the URL that
# autodetection looks at and the URL canonicaliser then reads again): successful hosts are
# kept, up to this many. A Host is an immutable tuple, so callers may share one.
HOST_CACHE_SIZE = 8192


class _HostRefusal(Exception):
    """A refusal without the caller's kind, so one cached computation serves every kind."""


def canonical_host(raw: str, *, kind: str, allow_ip: bool = True) -> Host:
    """Canonicalise a host name or IP address; refuse what cannot be a host on the Internet."""
    try:
        return _cached_host(raw, allow_ip)
    except _HostRefusal as refusal:
        code, nl, en = refusal.args
        raise _refusal(kind, code, nl, en) from None


def clear_caches() -> None:
    """Forget cached hosts (tests that load a fresh suffix list)."""
    _cached_host.cache_clear()


@lru_cache(maxsize=HOST_CACHE_SIZE)
def _cached_host(raw: str, allow_ip: bool) -> Host:
    host = raw[:-1] if raw.endswith(".") else raw
    if not host:
        raise _HostRefusal("host_missing", "Geen hostnaam gevonden", "no host name found")
    if host.startswith("[") or _IPV4.fullmatch(host):
        if not allow_ip:
            raise _HostRefusal(
                "domain_ip",
                "Een IP-adres wordt hier niet als domeinnaam aanvaard (wel in een URL)",
                "an IP address is not accepted as a domain name here (it is in a URL)",
            )
        return _ip_host(host)
    ascii_host, unicode_host = _idna(host)
    if len(ascii_host) > 253:
        raise _HostRefusal("host_too_long", "Hostnaam is te lang", "host name is too long")
    suffix, registrable, private = public_suffix_facts(ascii_host)
    if not suffix or "_" in suffix:
        raise _HostRefusal(
            "host_suffix",
            "Onbekend topleveldomein (niet in de Public Suffix List)",
            "unknown top-level domain (not in the Public Suffix List)",
        )
    flags: tuple[str, ...] = ()
    looks_like = ""
    if unicode_host != ascii_host:
        flags, looks_like = script_flags(unicode_host)
    return Host(
        ascii=ascii_host,
        unicode=unicode_host,
        public_suffix=suffix,
        registrable_domain=registrable,
        private_suffix=private,
        flags=flags,
        looks_like=looks_like,
    )


def public_suffix_facts(host: str) -> tuple[str, str, bool]:
    """(public suffix, registrable domain, private suffix?) of an A-label host.

    The same answer as ``suffix_extractor().extract_str(host)`` (``suffix``,
    ``top_domain_under_public_suffix``, ``is_private``) for a host without scheme, port or
    brackets, from the same suffix trie, without the URL handling around it (which costs
    more than the look-up). ``test_public_suffix_facts_agree_with_tldextract`` holds the two
    together over every rule of the list.
    """
    # tldextract's own trie of the bundled list, private suffixes included (no public API
    # exposes it; the test above fails if a new tldextract changes its shape).
    node = suffix_extractor()._get_tld_extractor().tlds_incl_private_trie
    labels = host.split(".")
    count = len(labels)
    suffix_index = label_index = count
    suffix_node = node
    wildcard = False
    for label in reversed(labels):
        key = label.lower()
        if key.startswith("xn--"):
            with contextlib.suppress(UnicodeError, IndexError):  # as tldextract: keep as is
                key = idna.decode(key)
        matches = node.matches
        if key in matches:
            label_index -= 1
            node = matches[key]
            if node.end:
                suffix_index = label_index
                suffix_node = node
            continue
        if "*" in matches:  # a wildcard rule (*.ck), unless an exception (!www.ck) says no
            suffix_index = label_index if "!" + key in matches else label_index - 1
            suffix_node = matches["*"]
            wildcard = True
        break
    if suffix_index == count and not wildcard:
        return "", "", False
    suffix = ".".join(labels[suffix_index:])
    domain = labels[suffix_index - 1] if suffix_index > 0 else ""
    registrable = f"{domain}.{suffix}" if domain and suffix else ""
    return suffix, registrable, suffix_node.is_private


def _idna(host: str) -> tuple[str, str]:
    """The A-label and U-label spellings of ``host``."""
    if host.isascii():
        lowered = host.lower()
        if not _ASCII_HOST.fullmatch(lowered):
            raise _invalid_host()
        if "xn--" not in lowered:
            return lowered, lowered
        try:
            unicode_host = ".".join(
                idna.decode(label) if label.startswith("xn--") else label
                for label in lowered.split(".")
            )
        except idna.IDNAError as error:
            raise _invalid_host(str(error)) from None
        return lowered, unicode_host
    try:
        ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        unicode_host = idna.decode(ascii_host)
    except idna.IDNAError as error:
        raise _invalid_host(str(error)) from None
    return ascii_host.rstrip("."), unicode_host.rstrip(".")


def _ip_host(host: str) -> Host:
    try:
        if host.startswith("["):
            if not host.endswith("]"):
                raise ValueError(host)
            text = f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        else:
            text = str(ipaddress.IPv4Address(host))
    except ValueError:
        raise _HostRefusal("host_ip", "Ongeldig IP-adres", "invalid IP address") from None
    return Host(ascii=text, unicode=text, is_ip=True, flags=("ip_address",))


def script_flags(unicode_host: str) -> tuple[tuple[str, ...], str]:
    """Flags ``mixed_script`` and ``confusable`` for an internationalised host.

    A label is confusable when replacing its look-alike characters by the ASCII letters they
    imitate leaves a pure ASCII label (``rаbobank`` with a Cyrillic ``а``, or the all-Cyrillic
    ``аррӏе``); ``looks_like`` is the host spelled that way. Latin letters with diacritics
    (``münchen``) are not look-alikes of anything.
    """
    flags: set[str] = set()
    skeleton_labels = []
    for label in unicode_host.split("."):
        if label.isascii():
            skeleton_labels.append(label)
            continue
        if confusables.is_mixed_script(label):
            flags.add("mixed_script")
        found = confusables.is_confusable(label, greedy=True, preferred_aliases=["latin"]) or []
        ascii_lookalike = {}
        for entry in found:
            glyph = next((h["c"] for h in entry["homoglyphs"] if h["c"].isascii()), None)
            if glyph:
                ascii_lookalike[entry["character"]] = glyph
        skeleton = "".join(ascii_lookalike.get(char, char) for char in label)
        if ascii_lookalike and skeleton.isascii():
            flags.add("confusable")
        skeleton_labels.append(skeleton.lower())
    looks_like = ".".join(skeleton_labels) if "confusable" in flags else ""
    return tuple(sorted(flags)), looks_like


def _invalid_host(reason: str = "") -> _HostRefusal:
    why = f" ({reason})" if reason else ""
    return _HostRefusal(
        "host_invalid",
        "Ongeldige hostnaam",
        f"invalid host name{why}",
    )


def _refusal(kind: str, code: str, nl: str, en: str) -> CanonicalError:
    return CanonicalError.bilingual(code, nl, en, kind=kind)
