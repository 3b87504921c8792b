"""OPRF key versions on disk: ``oprf_v<N>.key`` (hex scalar, mode 0600) in the keys directory.

The highest version is current: evaluations use it and the listed elements are kept under it.
A rotation (``privatecheck_rotate_key``) writes version N+1 and moves every listed element to
it with one scalar multiplication, without the values; ``--retire`` deletes an old version's
key file and elements, after which nothing can be evaluated under it any more.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ketenwacht.client import oprf

KEY_PREFIX = "oprf_v"
_lock = threading.RLock()
_cache: dict[str, tuple[int, OprfKeys]] = {}


@dataclass(frozen=True)
class OprfKeys:
    keys: dict[int, bytes]

    @property
    def current_version(self) -> int:
        return max(self.keys)

    @property
    def current(self) -> bytes:
        return self.keys[self.current_version]


def keys_dir() -> Path:
    return Path(str(settings.KETENWACHT["KEYS_DIR"]))


def key_path(version: int, directory: Path | None = None) -> Path:
    return (directory or keys_dir()) / f"{KEY_PREFIX}{version}.key"


def write_key(version: int, secret: bytes, directory: Path | None = None) -> Path:
    path = key_path(version, directory)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret.hex())
    forget()
    return path


def _read(directory: Path) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for path in directory.glob(f"{KEY_PREFIX}*.key"):
        version = path.name.removeprefix(KEY_PREFIX).removesuffix(".key")
        if version.isdigit():
            found[int(version)] = bytes.fromhex(path.read_text().strip())
    return found


def load() -> OprfKeys:
    """The key versions on disk; version 1 is created on first use."""
    directory = keys_dir()
    stamp = os.stat(directory).st_mtime_ns
    cached = _cache.get(str(directory))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        found = _read(directory)
        if not found:
            # Another process may make it at the same moment.
            with contextlib.suppress(FileExistsError):
                write_key(1, oprf.generate_key(), directory)
            found = _read(directory)
        ring = OprfKeys(keys=found)
        _cache[str(directory)] = (os.stat(directory).st_mtime_ns, ring)
    return ring


def forget() -> None:
    with _lock:
        _cache.clear()
