"""Per-endpoint webhook secrets, derived from the platform's webhook key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from typing import cast

from django.conf import settings

from ketenwacht import keys
from ketenwacht.delivery.constants import SECRET_PREFIX
from ketenwacht.delivery.models import WebhookEndpoint


def new_secret_salt() -> str:
    return secrets.token_hex(16)


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's signing secret: HMAC-SHA256(webhook key, "webhook-endpoint:" + salt).

    Deriving instead of storing keeps secrets out of the database and its backups; the
    receiver holds the same string and uses its UTF-8 bytes as the HMAC key.
    """
    keys_dir = cast(Path, settings.KETENWACHT["KEYS_DIR"])
    master = keys.read_hex_key(keys_dir, keys.WEBHOOK_KEY_FILE)
    message = f"webhook-endpoint:{endpoint.secret_salt}".encode()
    return SECRET_PREFIX + hmac.new(master, message, hashlib.sha256).hexdigest()
