"""A real webhook receiver on loopback, verifying signatures with the receivers' helper."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ketenwacht.delivery.receiver import InvalidSignature, verify_signature


@dataclass(frozen=True)
class Received:
    idempotency_key: str
    event_type: str
    body: bytes
    signature_valid: bool

    @property
    def envelope(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class WebhookReceiver:
    """Records every request; answers with the queued statuses, then 200."""

    url: str
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [item.idempotency_key for item in self.received]

    def handle(self, headers: Any, body: bytes) -> int:
        try:
            verify_signature(
                self.secret,
                headers.get("X-Ketenwacht-Timestamp", ""),
                body,
                headers.get("X-Ketenwacht-Signature", ""),
                tolerance=300,
            )
            valid = True
        except InvalidSignature:
            valid = False
        self.received.append(
            Received(
                idempotency_key=headers.get("Idempotency-Key", ""),
                event_type=headers.get("X-Ketenwacht-Event", ""),
                body=body,
                signature_valid=valid,
            )
        )
        if not valid:
            return 401
        return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(self.headers, body)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks?src=kw")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nobody listens on: the receiver is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture(autouse=True)
def delivery_settings(settings: Any) -> dict[str, Any]:
    """Loopback receivers allowed; small, fast numbers for retries."""
    settings.KETENWACHT = {
        **settings.KETENWACHT,
        "DELIVERY_ALLOW_PRIVATE_TARGETS": True,
        "DELIVERY_MAX_ATTEMPTS": 3,
        "DELIVERY_BACKOFF_SECONDS": 30,
        "DELIVERY_TIMEOUT_SECONDS": 5,
    }
    config: dict[str, Any] = settings.KETENWACHT
    return config
