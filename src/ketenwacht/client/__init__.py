"""A Python client for Ketenwacht's privacy-preserving checks.

``check_private(value)`` asks whether an identifier is listed without telling the platform
which identifier: the value is canonicalised and blinded here, the platform evaluates the
blinded element with its OPRF key (RFC 9497), this client unblinds it, fetches the bucket of
listed tags that share a short prefix with the value's tag, and matches locally.

``screen(values)`` screens many values at once by private set intersection (openmined-psi)
over the same OPRF tags; the platform learns only how many values were screened.

    client = KetenwachtClient("https://ketenwacht.example", token="kw_…")
    answer = client.check_private("NL91 ABNA 0417 1643 00")
    answer.level  # "none", "attention", "warning", "high" (public: also "under_review")
"""

from __future__ import annotations

from ketenwacht.client.private import (
    HttpTransport,
    KetenwachtClient,
    PrivateAnswer,
    ScreenResult,
    Transport,
    TransportError,
)

__all__ = [
    "HttpTransport",
    "KetenwachtClient",
    "PrivateAnswer",
    "ScreenResult",
    "Transport",
    "TransportError",
]
