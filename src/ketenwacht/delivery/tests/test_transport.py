"""What the webhook transport refuses to send to, and how it treats answers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ketenwacht.delivery import transport
from ketenwacht.delivery.receiver import signature_header
from ketenwacht.delivery.tests.conftest import WebhookReceiver


@pytest.fixture
def private_targets_refused(delivery_settings: dict[str, Any], settings: Any) -> None:
    delivery_settings["DELIVERY_ALLOW_PRIVATE_TARGETS"] = False
    settings.DEBUG = False


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fc00::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert transport.is_public_address(address) is public


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://receiver.example/hooks", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("gopher://receiver.example/", "Only http and https"),
        ("https:///hooks", "no host"),
        ("https://user:pass@receiver.example/", "Credentials"),
        ("https://receiver.example:99999/", "invalid port"),
        ("http://127.0.0.1:8000/", "private or local"),
        ("http://[::1]/", "private or local"),
        ("http://169.254.169.254/latest/meta-data/", "private or local"),
    ],
)
@pytest.mark.usefixtures("private_targets_refused")
def test_unsafe_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(transport.UnsafeTarget, match=message):
        transport.check_url(url)


@pytest.mark.usefixtures("private_targets_refused")
def test_public_https_url_is_accepted_with_its_path_and_query() -> None:
    target = transport.check_url("https://Soc.Bank.example/hooks/kw?channel=fraud")
    assert target == transport.Target(
        scheme="https", host="soc.bank.example", port=443, path="/hooks/kw?channel=fraud"
    )


@pytest.mark.usefixtures("private_targets_refused")
def test_host_name_resolving_to_loopback_is_refused_at_send_time(
    webhook_receiver: WebhookReceiver,
) -> None:
    url = webhook_receiver.url.replace("127.0.0.1", "localhost")
    with pytest.raises(transport.UnsafeTarget) as raised:
        transport.post_webhook(url, b"{}", {}, timeout=2)
    assert raised.value.permanent
    assert webhook_receiver.received == []


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "X-Ketenwacht-Timestamp": timestamp,
        "X-Ketenwacht-Signature": signature_header(secret, timestamp, body),
    }


def test_redirects_are_not_followed(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.secret = "s"
    webhook_receiver.statuses = [302]
    with pytest.raises(transport.TransportError) as raised:
        transport.post_webhook(webhook_receiver.url, b"{}", signed_headers("s", b"{}"), timeout=2)
    assert raised.value.http_status == 302
    assert not raised.value.permanent
    assert len(webhook_receiver.received) == 1


def test_success_returns_the_status(webhook_receiver: WebhookReceiver) -> None:
    webhook_receiver.secret = "s"
    webhook_receiver.statuses = [204]
    status = transport.post_webhook(
        webhook_receiver.url, b"{}", signed_headers("s", b"{}"), timeout=2
    )
    assert status == 204
    assert webhook_receiver.received[0].signature_valid


def test_unresolvable_host_is_a_temporary_failure() -> None:
    with pytest.raises(transport.TransportError) as raised:
        transport.post_webhook("https://does-not-exist.invalid/", b"{}", {}, timeout=2)
    assert not raised.value.permanent
