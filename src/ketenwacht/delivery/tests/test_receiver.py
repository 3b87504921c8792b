"""The receivers' helper: what it accepts and what it refuses."""

from __future__ import annotations

import pytest

from ketenwacht.delivery.receiver import InvalidSignature, signature_header, verify_signature

SECRET = "kwwh_example"
TIMESTAMP = "1700000000"
BODY = b'{"data":{"hello":"world"},"id":"3f1c","type":"test.event"}'
# Computed with: printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac kwwh_example
OPENSSL_HEX = "ae6bf0c85a31099565852d1a9bf68f3951a1361dbfb55aee5d3aaccbbcae4954"


def test_signature_matches_the_openssl_recipe_in_the_docs() -> None:
    assert signature_header(SECRET, TIMESTAMP, BODY) == f"v1={OPENSSL_HEX}"


def test_valid_signature_within_the_window_is_accepted() -> None:
    verify_signature(SECRET, TIMESTAMP, BODY, f"v1={OPENSSL_HEX}", 300, now=1700000299)


def test_one_valid_signature_among_several_is_enough() -> None:
    header = f"v1={'0' * 64}, v0=abc, v1={OPENSSL_HEX}"
    verify_signature(SECRET, TIMESTAMP, BODY, header, 300, now=1700000000)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "header", "now", "reason"),
    [
        ("other", TIMESTAMP, BODY, f"v1={OPENSSL_HEX}", 1700000000, "No valid v1"),
        (SECRET, TIMESTAMP, BODY + b" ", f"v1={OPENSSL_HEX}", 1700000000, "No valid v1"),
        (SECRET, "1700000001", BODY, f"v1={OPENSSL_HEX}", 1700000000, "No valid v1"),
        (SECRET, TIMESTAMP, BODY, OPENSSL_HEX, 1700000000, "No valid v1"),
        (SECRET, TIMESTAMP, BODY, f"v2={OPENSSL_HEX}", 1700000000, "No valid v1"),
        (SECRET, TIMESTAMP, BODY, "v1=ünïcode", 1700000000, "No valid v1"),
        (SECRET, TIMESTAMP, BODY, f"v1={OPENSSL_HEX}", 1700000301, "replay window"),
        (SECRET, TIMESTAMP, BODY, f"v1={OPENSSL_HEX}", 1699999699, "replay window"),
        (SECRET, "", BODY, f"v1={OPENSSL_HEX}", 1700000000, "not a number"),
        (SECRET, "17e8", BODY, f"v1={OPENSSL_HEX}", 1700000000, "not a number"),
    ],
    ids=[
        "wrong-secret",
        "changed-body",
        "changed-timestamp",
        "no-scheme",
        "unknown-scheme",
        "non-ascii-header",
        "too-old",
        "too-far-ahead",
        "missing-timestamp",
        "non-numeric-timestamp",
    ],
)
def test_invalid_requests_are_refused_with_a_reason(
    secret: str, timestamp: str, body: bytes, header: str, now: int, reason: str
) -> None:
    with pytest.raises(InvalidSignature, match=reason):
        verify_signature(secret, timestamp, body, header, 300, now=now)


def test_bytes_secret_is_accepted() -> None:
    header = signature_header(SECRET.encode(), TIMESTAMP, BODY)
    verify_signature(SECRET.encode(), TIMESTAMP, BODY, header, 300, now=1700000000)
