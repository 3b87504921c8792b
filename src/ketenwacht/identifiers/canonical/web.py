"""URLs and domain names, defanged input accepted (``hxxps://evil[.]example``).

A canonical URL is ``scheme://host[:port]/path[?query]``:

* scheme ``http`` or ``https`` in lower case; ``https`` is assumed when none is given;
* the host as in :mod:`.hosts` (A-label, lower case, no trailing dot); user information
  (``https://bank.nl@evil.example/``) is dropped and flagged ``userinfo``;
* the default port dropped; the path with dot segments removed, ``/`` when empty;
* percent-encoding normalised (unreserved characters decoded, hex in upper case, anything
  else outside the allowed set encoded as UTF-8), backslashes read as slashes like browsers do;
* the fragment dropped: it never reaches the server, and phishing kits put the victim's
  address there.

A canonical domain is the *registrable* domain of the host according to the bundled Public
Suffix List with private suffixes (``login.evil.nl`` → ``evil.nl``; ``x.github.io`` stays
``x.github.io``). The full host stays in ``detail["host"]``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from ketenwacht.identifiers.canonical._text import clean, refang
from ketenwacht.identifiers.canonical.hosts import canonical_host
from ketenwacht.identifiers.canonical.types import Canonical, CanonicalError, new_canonical

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*")
_HEX = frozenset("0123456789abcdefABCDEF")


class UrlParts:
    """The pieces of a URL as written, before canonicalisation (no urllib: it lower-cases
    and unbrackets hosts and reads ``host:port`` without a scheme as a scheme)."""

    __slots__ = ("host", "path", "port", "query", "scheme", "userinfo")

    def __init__(self, text: str, *, kind: str) -> None:
        text = text.replace("\\", "/")
        scheme_match = _SCHEME.match(text)
        if scheme_match and text[scheme_match.end() : scheme_match.end() + 2] == "//":
            self.scheme = scheme_match.group(1).lower()
            rest = text[scheme_match.end() + 2 :]
        elif (
            scheme_match
            and "." not in scheme_match.group(1)
            and not _is_port(text, scheme_match.end())
        ):
            self.scheme = scheme_match.group(1).lower()
            rest = ""
        else:
            self.scheme = "https"
            rest = text[2:] if text.startswith("//") else text
        if self.scheme not in _DEFAULT_PORTS:
            raise CanonicalError.bilingual(
                "url_scheme",
                f"Alleen http- en https-URL's worden aanvaard, niet {self.scheme}:",
                f"only http and https URLs are accepted, not {self.scheme}:",
                kind=kind,
            )
        rest, _, _fragment = rest.partition("#")
        rest, has_query, query = rest.partition("?")
        authority, slash, path = rest.partition("/")
        self.path = slash + path
        self.query = query if has_query else None
        self.userinfo, _, hostport = authority.rpartition("@")
        self.host, self.port = _split_port(hostport, kind=kind)


def _is_port(text: str, colon_end: int) -> bool:
    """``example:8080`` — digits after the colon mean a port, not a scheme."""
    tail = text[colon_end:].split("/", 1)[0]
    return tail.isdigit()


def _split_port(hostport: str, *, kind: str) -> tuple[str, str]:
    if hostport.startswith("["):
        end = hostport.find("]")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise CanonicalError.bilingual(
            "url_port", "Ongeldig poortnummer", "invalid port number", kind=kind
        )
    return host, port.lstrip("0")


def normalise_percent_encoding(text: str, safe: frozenset[str]) -> str:
    """Decode unreserved characters, upper-case the rest of the escapes, encode the unsafe."""
    out = []
    i, length = 0, len(text)
    while i < length:
        char = text[i]
        if char == "%" and _is_hex(text[i + 1 : i + 3]):
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        out.append(char if char in safe else quote(char, safe=""))
        i += 1
    return "".join(out)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: ``/a/./b/../c`` → ``/a/c``."""
    if "." not in path:
        return path
    segments = path.split("/")[1:]
    output: list[str] = []
    for segment in segments:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments and segments[-1] in (".", ".."):
        output.append("")
    return "/" + "/".join(output)


def canonical_url(raw: str) -> Canonical:
    return url_from_clean(clean(raw, kind="url"))


def url_from_clean(text: str) -> Canonical:
    """As :func:`canonical_url`, for text that :func:`.clean` has passed."""
    parts = UrlParts(refang(text), kind="url")
    host = canonical_host(parts.host, kind="url")
    path = parts.path or "/"
    if not _PLAIN_PATH.fullmatch(path) or "%" in path:
        path = normalise_percent_encoding(path, _PATH_SAFE)
    path = remove_dot_segments(path)
    query = ""
    if parts.query:
        query = parts.query
        if not _PLAIN_QUERY.fullmatch(query):
            query = normalise_percent_encoding(query, _QUERY_SAFE)
        query = "?" + query
    port = "" if parts.port in ("", _DEFAULT_PORTS[parts.scheme]) else ":" + parts.port
    detail = host.detail()
    if parts.userinfo:
        detail["flags"] = sorted([*host.flags, "userinfo"])
    tail = f"{port}{path}{query}"
    return new_canonical(
        kind="url",
        value=f"{parts.scheme}://{host.ascii}{tail}",
        display=f"{parts.scheme}://{host.display()}{tail}",
        detail=detail,
    )


def canonical_domain(raw: str) -> Canonical:
    return domain_from_clean(clean(raw, kind="domain"))


def domain_from_clean(text: str) -> Canonical:
    """As :func:`canonical_domain`, for text that :func:`.clean` has passed."""
    text = refang(text)
    if text.startswith("*."):
        text = text[2:]  # wildcard notation in block lists
    if "/" in text or "@" in text or "?" in text or ":" in text:
        text = UrlParts(text, kind="domain").host
    host = canonical_host(text, kind="domain", allow_ip=False)
    registrable = host.registrable_domain
    if not registrable:
        raise CanonicalError.bilingual(
            "domain_public_suffix",
            f"{host.ascii} is een publiek achtervoegsel dat vele eigenaren delen; "
            "geef de volledige domeinnaam",
            f"{host.ascii} is a public suffix shared by many owners; give the full domain name",
            kind="domain",
        )
    display = host.display()
    if display != host.ascii or registrable != host.ascii:
        labels = registrable.count(".") + 1
        display = ".".join(display.split(".")[-labels:])
    return new_canonical(kind="domain", value=registrable, display=display, detail=host.detail())
