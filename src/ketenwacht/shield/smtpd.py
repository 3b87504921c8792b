"""The SMTP listener for forwarded suspicious mail (aiosmtpd).

It accepts mail only for the configured recipient domains (no relaying), refuses messages
over the size limit at the protocol level (``SIZE`` and ``552``), and hands each message to
the same intake service as the web form. The database work runs in a worker thread, because
Django's ORM is synchronous.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connections

from ketenwacht.errors import DomainError
from ketenwacht.partners.access import Actor
from ketenwacht.shield import conf, services
from ketenwacht.shield.constants import MAX_MESSAGE_BYTES, Channel
from ketenwacht.shield.parsing import first_address

logger = logging.getLogger(__name__)


def recipient_accepted(address: str, domains: frozenset[str]) -> bool:
    local, at, domain = address.strip().strip("<>").rpartition("@")
    return bool(at and local) and domain.lower().rstrip(".") in domains


class ShieldHandler:
    def __init__(self, domains: frozenset[str] | None = None) -> None:
        self.domains = domains if domains is not None else conf.smtp_domains()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not recipient_accepted(address, self.domains):
            return "550 5.7.1 Relaying denied: we accept reports only for our own addresses"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
        if len(data) > MAX_MESSAGE_BYTES:
            return "552 5.3.4 Message too big"
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "")
        sender = first_address(str(envelope.mail_from or ""))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, _store, data, sender, str(peer))


def _store(data: bytes, sender: str, peer: str) -> str:
    close_old_connections()
    try:
        report = services.report_receive(
            actor=Actor(client_address=peer[:64]),
            channel=Channel.SMTP,
            raw=data,
            reporter_email=sender,
        )
    except DomainError as error:
        # A clear permanent refusal: the sender's server bounces it with our reason.
        reason = str(error.message).replace("\r", " ").replace("\n", " ")
        return f"554 5.6.0 {reason}"
    except Exception:
        logger.exception("shield smtpd: storing a message failed")
        return "451 4.3.0 Temporary failure, please try again later"
    finally:
        # This executor thread may sit idle for long: do not keep its connection open.
        connections.close_all()
    return f"250 2.0.0 Received, reference {report.reference}"


def start_listener(host: str, port: int, **kwargs: Any) -> Controller:
    """Start listening in a background thread; ``controller.stop()`` ends it."""
    controller = Controller(
        ShieldHandler(),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        ready_timeout=10,
        **kwargs,
    )
    controller.start()
    return controller
