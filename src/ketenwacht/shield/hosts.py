"""What a found URL points at: host, registrable domain, and what is odd about it.

``analyse_url`` never raises: a string that is no usable web URL gives ``None`` (and the
caller counts it as skipped). The canonical URL value is the identifiers app's canonical form,
so that shield URLs and sightings meet on one spelling.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import idna
import tldextract
from confusable_homoglyphs import confusables

from ketenwacht.identifiers.canonical import CanonicalError, canonicalise
from ketenwacht.shield.constants import MAX_URL_LENGTH, URL_SHORTENERS

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}

# The bundled Public Suffix List snapshot; never fetched at run time.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


@dataclass(frozen=True)
class UrlFacts:
    url: str
    display: str
    host: str
    host_display: str
    registrable_domain: str
    flags: frozenset[str]


@dataclass(frozen=True)
class HostFacts:
    host: str
    display: str
    registrable_domain: str
    flags: frozenset[str]


def analyse_url(raw: str) -> UrlFacts | None:
    raw = raw.strip()
    if not raw or len(raw) > MAX_URL_LENGTH:
        return None
    candidate = raw if "://" in raw[:10] else "http://" + raw.removeprefix("//")
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = analyse_host(parts.hostname, bare="://" not in raw[:10])
    if host is None:
        return None
    flags = set(host.flags)
    if parts.username is not None or parts.password is not None:
        flags.add("credentials")
    if port is not None and port != DEFAULT_PORTS[parts.scheme.lower()]:
        flags.add("odd_port")
    value, display = _canonical_url(raw, candidate, host)
    return UrlFacts(
        url=value,
        display=display,
        host=host.host,
        host_display=host.display,
        registrable_domain=host.registrable_domain,
        flags=frozenset(flags),
    )


def _canonical_url(raw: str, candidate: str, host: HostFacts) -> tuple[str, str]:
    try:
        canonical = canonicalise(raw, kind="url")
    except CanonicalError:
        # The identifiers canonicaliser refuses some URLs the shield must still triage
        # (e.g. credentials in the URL); keep our own spelling for those.
        return _own_canonical(candidate, host), candidate
    return canonical.value, canonical.display


def _own_canonical(candidate: str, host: HostFacts) -> str:
    parts = urlsplit(candidate)
    netloc = host.host
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(parts.scheme.lower()):
        netloc = f"{netloc}:{parts.port}"
    if parts.username is not None:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{netloc}{path}{query}"


@lru_cache(maxsize=65536)
def analyse_host(hostname: str, bare: bool = False) -> HostFacts | None:
    """A host name in A-label form with its registrable domain and flags.

    ``bare`` hosts come from plain text without a scheme: they count only when their ending
    is a known public suffix, so "file.txt" in a sentence is not taken for a site.
    """
    name = hostname.strip().rstrip(".").lower()
    if not name or len(name) > 253:
        return None
    flags: set[str] = set()
    address = _ip_address(name)
    if address is not None:
        if bare:
            return None
        return HostFacts(
            host=address, display=address, registrable_domain=address, flags=frozenset({"ip_host"})
        )
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
        display = idna.decode(ascii_name)
    except (idna.IDNAError, UnicodeError):
        return None
    if "xn--" in ascii_name:
        flags.add("idn")
        flags.update(_script_flags(display))
    extracted = _EXTRACT(ascii_name)
    if not extracted.suffix or not extracted.domain:
        return None
    registrable = f"{extracted.domain}.{extracted.suffix}"
    if registrable in URL_SHORTENERS or ascii_name in URL_SHORTENERS:
        flags.add("shortener")
    return HostFacts(
        host=ascii_name, display=display, registrable_domain=registrable, flags=frozenset(flags)
    )


def _ip_address(name: str) -> str | None:
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return None


def _script_flags(display: str) -> set[str]:
    flags = set()
    for label in display.split("."):
        if confusables.is_mixed_script(label):
            flags.add("mixed_script")
        if confusables.is_dangerous(label):
            flags.add("confusable")
    return flags


def is_public_suffix(name: str) -> bool:
    extracted = _EXTRACT(name.strip().rstrip(".").lower())
    return bool(extracted.suffix) and not extracted.domain


def registrable_domain(name: str) -> str:
    facts = analyse_host(name)
    return facts.registrable_domain if facts else ""
