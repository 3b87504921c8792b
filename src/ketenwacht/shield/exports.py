"""The listed blocks as a DNS Response Policy Zone, a plain domain list and a hosts file.

RPZ (draft-vixie-dnsop-dns-rpz): each trigger is the blocked name written relative to the
policy zone's origin; the action is a ``CNAME``: to the warning host (a walled garden) or to
the root (``CNAME .``), which makes the resolver answer NXDOMAIN. A wildcard block adds a
``*.name`` trigger for every name below it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ketenwacht.shield import conf, selectors, services
from ketenwacht.shield.constants import BlockPolicy
from ketenwacht.shield.selectors import ZoneEntry, ZoneSnapshot

FORMATS = ("rpz", "domains", "hosts")
SOA_TIMERS = "3600 600 604800 300"  # refresh, retry, expire, negative-cache TTL


def rpz_header(serial: int, *, zone: str, ttl: int) -> str:
    return (
        f"$ORIGIN {zone}.\n"
        f"$TTL {ttl}\n"
        f"@ IN SOA localhost. hostmaster.{zone}. ({serial} {SOA_TIMERS})\n"
        "@ IN NS localhost.\n"
        f"; Ketenwacht anti-phishing shield, serial {serial}\n"
    )


def rpz_lines(entries: Iterable[ZoneEntry], *, warning_host: str) -> Iterator[str]:
    walled_garden = f"CNAME {warning_host}."
    for entry in entries:
        action = walled_garden if entry.policy == BlockPolicy.WARNING else "CNAME ."
        yield f"{entry.name} {action}\n"
        if entry.wildcard:
            yield f"*.{entry.name} {action}\n"


def domain_lines(entries: Iterable[ZoneEntry]) -> Iterator[str]:
    for entry in entries:
        yield f"{entry.name}\n"
        if entry.wildcard:
            yield f"*.{entry.name}\n"


def hosts_lines(entries: Iterable[ZoneEntry]) -> Iterator[str]:
    """A hosts file cannot say "and everything below": wildcard blocks list the name only."""
    for entry in entries:
        yield f"0.0.0.0 {entry.name}\n"


def render_lines(snapshot: ZoneSnapshot, fmt: str) -> Iterator[str]:
    if fmt == "rpz":
        yield rpz_header(
            snapshot.serial, zone=conf.rpz_zone(), ttl=int(conf.shield_setting("SHIELD_RPZ_TTL"))
        )
        yield from rpz_lines(snapshot.entries, warning_host=conf.warning_host())
    elif fmt == "domains":
        yield f"# Ketenwacht anti-phishing shield, serial {snapshot.serial}\n"
        yield from domain_lines(snapshot.entries)
    elif fmt == "hosts":
        yield f"# Ketenwacht anti-phishing shield, serial {snapshot.serial}\n"
        yield from hosts_lines(snapshot.entries)
    else:
        raise ValueError(fmt)


def current_snapshot() -> ZoneSnapshot:
    """Expire what is due first, so an export never lists an expired block under a serial
    that does not know about the expiry."""
    services.blocks_expire_due()
    return selectors.zone_snapshot()


def render(fmt: str = "rpz") -> tuple[str, str]:
    """The export as text, and a strong ETag over exactly that text."""
    text = "".join(render_lines(current_snapshot(), fmt))
    return text, etag_for(text)


def etag_for(text: str) -> str:
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


def write(path: Path, fmt: str = "rpz", *, lines: Callable[[], Iterable[str]] | None = None) -> int:
    """Write atomically (a temporary file renamed into place); returns the number of bytes.

    A resolver reloading the zone never sees half a file.
    """
    produced = lines() if lines is not None else render_lines(current_snapshot(), fmt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    size = 0
    try:
        with os.fdopen(handle, "w", encoding="ascii", buffering=1024 * 1024) as stream:
            for chunk in _batched(produced):
                stream.write(chunk)
                size += len(chunk)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size


def _batched(lines: Iterable[str], size: int = 10000) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)
