"""Accounts on marketplaces and social platforms: ``platform:handle``.

The platforms are data (``platforms.json``): names and aliases (``twitter`` → ``x``), the
domains of their profile URLs, the URL paths that are profiles, and the rules for a handle.
A handle loses a leading ``@`` and is lower-cased; platform rules may drop dots (Facebook)
or read the handle as a phone number (WhatsApp: ``whatsapp:+31612345678``).

Accepted spellings: ``instagram:@Jan.Jansen``, ``Instagram: jan.jansen``,
``https://www.instagram.com/jan.jansen/``, ``wa.me/31612345678``,
``https://www.marktplaats.nl/u/jan/12345678/``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from ketenwacht.identifiers.canonical._text import clean, refang
from ketenwacht.identifiers.canonical.hosts import canonical_host
from ketenwacht.identifiers.canonical.phone import canonical_phone
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError
from ketenwacht.identifiers.canonical.web import UrlParts

KIND = "account"


@dataclass(frozen=True)
class Platform:
    key: str
    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    paths: tuple[re.Pattern[str], ...]
    query: tuple[tuple[re.Pattern[str], str], ...]
    reserved: frozenset[str]
    handle: re.Pattern[str] | None
    handle_hint: str = ""
    handle_kind: str = ""
    ignore_dots: bool = False
    case_sensitive: bool = False
    at_sign: bool = False

    @classmethod
    def from_data(cls, key: str, data: dict[str, Any]) -> Platform:
        return cls(
            key=key,
            name=data["name"],
            aliases=tuple(data.get("aliases", ())),
            domains=tuple(data.get("domains", ())),
            paths=tuple(re.compile(path) for path in data.get("paths", ())),
            query=tuple((re.compile(path), name) for path, name in data.get("query", {}).items()),
            reserved=frozenset(data.get("reserved", ())),
            handle=re.compile(data["handle"]) if "handle" in data else None,
            handle_hint=data.get("handle_hint", ""),
            handle_kind=data.get("handle_kind", ""),
            ignore_dots=data.get("ignore_dots", False),
            case_sensitive=data.get("case_sensitive", False),
            at_sign=data.get("at_sign", False),
        )


@cache
def platforms() -> dict[str, Platform]:
    """Every platform by its key, in the order of the data file."""
    raw = json.loads(resources.files(__package__).joinpath("platforms.json").read_text("utf-8"))
    return {key: Platform.from_data(key, data) for key, data in raw.items() if key[0] != "_"}


@cache
def _platform_names() -> dict[str, Platform]:
    names = {}
    for platform in platforms().values():
        for name in (platform.key, *platform.aliases):
            names[name] = platform
    return names


@cache
def _platform_domains() -> dict[str, Platform]:
    return {domain: platform for platform in platforms().values() for domain in platform.domains}


def platform_named(name: str) -> Platform | None:
    return _platform_names().get(name.strip().lower())


def split_platform_prefix(text: str) -> tuple[Platform, str] | None:
    """``instagram:@jan`` → (Instagram, ``@jan``); None when the prefix is no known platform."""
    name, colon, handle = text.partition(":")
    if not colon or handle.startswith("//") or len(name) > 20:
        return None
    platform = platform_named(name)
    return (platform, handle.strip()) if platform else None


@cache
def _platform_domain_endings() -> tuple[frozenset[str], tuple[str, ...]]:
    domains = _platform_domains()
    return frozenset(domains), tuple("." + domain for domain in domains)


def profile_in_url(text: str) -> tuple[Platform, str] | None:
    """(platform, handle) when ``text`` is a profile URL of a known platform, else None."""
    try:
        parts = UrlParts(text, kind=KIND)
        if parts.host.isascii() and not _may_be_platform_host(parts.host):
            return None
        host = canonical_host(parts.host, kind=KIND, allow_ip=False)
    except CanonicalError:
        return None
    platform = _platform_domains().get(host.registrable_domain)
    if platform is None:
        return None
    handle = _handle_in_path(platform, parts.path or "/", parts.query or "")
    return (platform, handle) if handle else None


def _may_be_platform_host(host: str) -> bool:
    """False when an ASCII host cannot have a platform's domain as its registrable domain.

    The canonical spelling of an ASCII host is the host in lower case without one trailing
    dot, and its registrable domain is a whole-label ending of that spelling; so a host that
    neither is nor ends in ``.`` + a platform domain needs no suffix look-up to rule it out.
    """
    lowered = host.lower()
    if lowered.endswith("."):
        lowered = lowered[:-1]
    names, endings = _platform_domain_endings()
    return lowered in names or lowered.endswith(endings)


def _handle_in_path(platform: Platform, path: str, query: str) -> str:
    for path_pattern, parameter in platform.query:
        if path_pattern.fullmatch(path):
            values = parse_qs(query).get(parameter)
            return values[0] if values else ""
    for pattern in platform.paths:
        match = pattern.fullmatch(path)
        if match and match.group("handle").lower() not in platform.reserved:
            return match.group("handle")
    return ""


def canonical_account(raw: str) -> Canonical:
    return account_from_clean(clean(raw, kind=KIND))


def account_from_clean(text: str) -> Canonical:
    """As :func:`canonical_account`, for text that :func:`.clean` has passed."""
    found = split_platform_prefix(text)
    if found is None:
        found = profile_in_url(refang(text))
    if found is None:
        raise _not_an_account(text)
    platform, handle = found
    return account_for(platform, handle)


def account_for(platform: Platform, handle: str) -> Canonical:
    """The canonical account of ``handle`` on ``platform``."""
    if platform.handle_kind == "phone":
        return _phone_account(platform, handle)
    handle = handle.strip().removeprefix("@")
    if not platform.case_sensitive:
        handle = handle.lower()
    if platform.ignore_dots:
        handle = handle.replace(".", "")
    if not handle or (platform.handle and not platform.handle.fullmatch(handle)):
        hint_nl, _, hint_en = platform.handle_hint.partition(" / ")
        raise CanonicalError.bilingual(
            "account_handle",
            f"Ongeldige naam voor {platform.name}" + (f"; geef {hint_nl}" if hint_nl else ""),
            f"invalid handle for {platform.name}" + (f"; give {hint_en}" if hint_en else ""),
            kind=KIND,
        )
    shown = f"@{handle}" if platform.at_sign else handle
    return Canonical(
        kind=KIND,
        value=f"{platform.key}:{handle}",
        display=f"{platform.name} {shown}",
        detail={"platform": platform.key, "handle": handle},
    )


def _phone_account(platform: Platform, handle: str) -> Canonical:
    digits = handle.strip()
    if digits.isdigit() and len(digits) >= 10 and not digits.startswith("0"):
        digits = "+" + digits  # wa.me links carry the full number without the plus
    try:
        phone = canonical_phone(digits)
    except CanonicalError as error:
        raise CanonicalError.bilingual(
            error.code,
            f"{platform.name}: {error.message_nl}",
            f"{platform.name}: {error.message_en}",
            kind=KIND,
            suggestion=error.details.get("suggestion"),
        ) from None
    return Canonical(
        kind=KIND,
        value=f"{platform.key}:{phone.value}",
        display=f"{platform.name} {phone.display}",
        detail={
            "platform": platform.key,
            "handle": phone.value,
            "phone_type": phone.detail["type"],
        },
    )


def _not_an_account(text: str) -> CanonicalError:
    known = ", ".join(platforms())
    name = text.partition(":")[0].strip().lower() if ":" in text else ""
    if name and name.isalnum() and "//" not in text:
        return CanonicalError.bilingual(
            "account_platform",
            f"Onbekend platform {name}; bekende platforms: {known}",
            f"unknown platform {name}; known platforms: {known}",
            kind=KIND,
        )
    return CanonicalError.bilingual(
        "account_format",
        f"Geef een account als platform:naam (zoals instagram:jan) of als profiel-URL; "
        f"platforms: {known}",
        f"give an account as platform:handle (like instagram:jan) or as a profile URL; "
        f"platforms: {known}",
        kind=KIND,
    )
