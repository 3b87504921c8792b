"""The shield's settings, read from ``settings.KETENWACHT`` with defaults for the embedded run."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # The host the RPZ ``CNAME`` sends blocked names to: it serves the warning page.
    "SHIELD_WARNING_HOST": "waarschuwing.ketenwacht.example",
    "SHIELD_RPZ_ZONE": "rpz.ketenwacht.example",
    "SHIELD_RPZ_TTL": 300,
    "SHIELD_SMTP_ADDRESS": "127.0.0.1:2525",
    # Recipient domains the SMTP listener accepts mail for; anything else is relaying.
    "SHIELD_SMTP_DOMAINS": ("ketenwacht.example", "localhost"),
}


def shield_setting(name: str) -> Any:
    return getattr(settings, "KETENWACHT", {}).get(name, DEFAULTS[name])


def warning_host() -> str:
    return str(shield_setting("SHIELD_WARNING_HOST")).strip().rstrip(".").lower()


def rpz_zone() -> str:
    return str(shield_setting("SHIELD_RPZ_ZONE")).strip().rstrip(".").lower()


def smtp_address() -> tuple[str, int]:
    host, _, port = str(shield_setting("SHIELD_SMTP_ADDRESS")).rpartition(":")
    return host or "127.0.0.1", int(port or 2525)


def smtp_domains() -> frozenset[str]:
    value = shield_setting("SHIELD_SMTP_DOMAINS")
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(str(item).strip().lower() for item in items if str(item).strip())
