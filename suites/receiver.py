"""A real webhook receiver on loopback for the suites: verifies signatures, counts by key.

It does what ``docs/delivery.md`` asks of receivers: checks the signature over the raw body,
answers 2xx, and processes each ``Idempotency-Key`` once. ``posts`` counts every request
per key (duplicates included), ``processed`` the keys handled (each at most once).
``delay`` holds every answer back, so a worker can be killed while it waits.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ketenwacht.delivery.receiver import InvalidSignature, verify_signature


class Receiver:
    def __init__(self, secret: str = "", delay: float = 0.0) -> None:
        self.secret = secret
        self.delay = delay
        self.lock = threading.Lock()
        self.posts: Counter[str] = Counter()
        self.processed: dict[str, dict[str, Any]] = {}
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    verify_signature(
                        receiver.secret,
                        self.headers.get("X-Ketenwacht-Timestamp", ""),
                        body,
                        self.headers.get("X-Ketenwacht-Signature", ""),
                        tolerance=300,
                    )
                except InvalidSignature:
                    with receiver.lock:
                        receiver.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                key = self.headers.get("Idempotency-Key", "")
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.posts[key] += 1
                    if key not in receiver.processed:
                        receiver.processed[key] = json.loads(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, keys: set[str], seconds: float) -> set[str]:
        """Wait until every key was processed; return the keys still missing."""
        deadline = time.monotonic() + seconds
        while True:
            with self.lock:
                missing = keys - set(self.processed)
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(0.5)
