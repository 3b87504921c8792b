"""Key material on disk: the Django secret key, pseudonym keys and the encryption key.

Keys live in one directory (``var/keys/`` in the embedded default), one file per key, mode
0600. They are generated on first run and never committed. This module does not import
Django so that settings can use it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "django_secret_key"
ENCRYPTION_KEY_FILE = "encryption_v1.key"
PSEUDONYM_KEY_PREFIX = "pseudonym_v"
WEBHOOK_KEY_FILE = "webhook_signing.key"


def _write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 without ever exposing it with wider permissions."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_keys(keys_dir: Path) -> list[str]:
    """Generate every missing key file; return the names of the files created."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    wanted = {
        SECRET_KEY_FILE: secrets.token_urlsafe(50).encode(),
        f"{PSEUDONYM_KEY_PREFIX}1.key": secrets.token_bytes(32).hex().encode(),
        ENCRYPTION_KEY_FILE: secrets.token_bytes(32).hex().encode(),
        WEBHOOK_KEY_FILE: secrets.token_bytes(32).hex().encode(),
    }
    created = []
    for name, value in wanted.items():
        path = keys_dir / name
        if not path.exists():
            _write_private(path, value)
            created.append(name)
    return created


def read_text(keys_dir: Path, name: str) -> str:
    return (keys_dir / name).read_text().strip()


def read_hex_key(keys_dir: Path, name: str) -> bytes:
    return bytes.fromhex(read_text(keys_dir, name))


def pseudonym_keys(keys_dir: Path) -> dict[int, bytes]:
    """All pseudonym key versions on disk, by version number."""
    found = {}
    for path in keys_dir.glob(f"{PSEUDONYM_KEY_PREFIX}*.key"):
        version = path.name.removeprefix(PSEUDONYM_KEY_PREFIX).removesuffix(".key")
        if version.isdigit():
            found[int(version)] = bytes.fromhex(path.read_text().strip())
    return found


if __name__ == "__main__":  # pragma: no cover - used by `make run`
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "var/keys")
    for created_name in ensure_keys(target):
        print(f"generated {target / created_name}")
