"""Receive forwarded suspicious mail: ``manage.py shield_smtpd [--address HOST:PORT]``."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketenwacht.shield import conf
from ketenwacht.shield.smtpd import start_listener


class Command(BaseCommand):
    help = "Run the SMTP listener that turns forwarded suspicious mail into shield reports."

    def add_arguments(self, parser: CommandParser) -> None:
        host, port = conf.smtp_address()
        parser.add_argument("--address", default=f"{host}:{port}", help="HOST:PORT to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        host, _, port = str(options["address"]).rpartition(":")
        controller = start_listener(host or "127.0.0.1", int(port))
        self.stdout.write(f"Shield SMTP listener on {host}:{port} (Ctrl-C to stop)")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
