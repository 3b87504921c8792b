"""Putting one message on the wire: a signed webhook POST or an e-mail. No database here.

Webhooks use ``http.client`` with the connection pinned to an address checked beforehand:
the host is resolved once, every address must be public (unless private targets are
allowed), and the connection goes to that address. This blocks the usual server-side
request forgery routes: internal hosts, DNS answers that change between check and
connect, and redirects (never followed; a 3xx is a failed attempt).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ketenwacht.delivery.constants import MAX_ERROR_LENGTH

ALLOWED_SCHEMES = {"http": 80, "https": 443}
MAX_RESPONSE_BYTES = 64 * 1024


class TransportError(Exception):
    """The message did not arrive. ``permanent`` errors are not retried."""

    def __init__(
        self, message: str, *, permanent: bool = False, http_status: int | None = None
    ) -> None:
        super().__init__(message[:MAX_ERROR_LENGTH])
        self.permanent = permanent
        self.http_status = http_status


class UnsafeTarget(TransportError):
    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def private_targets_allowed() -> bool:
    """Loopback and private addresses only in development or when the operator opts in."""
    return bool(settings.DEBUG or settings.KETENWACHT.get("DELIVERY_ALLOW_PRIVATE_TARGETS"))


def parse_target(url: str) -> Target:
    """Split a webhook URL, refusing what we will not send to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeTarget("Only http and https URLs can receive webhooks.")
    if not parts.hostname:
        raise UnsafeTarget("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeTarget("Credentials in the URL are not supported.")
    try:
        port = parts.port or ALLOWED_SCHEMES[scheme]
    except ValueError:
        raise UnsafeTarget("The URL has an invalid port.") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=parts.hostname, port=port, path=path)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> Target:
    """Validate a URL when an endpoint is registered (addresses are checked again on send)."""
    target = parse_target(url)
    refused = _is_ip_literal(target.host) and not is_public_address(target.host)
    if refused and not private_targets_allowed():
        raise UnsafeTarget("Webhooks to private or local addresses are not allowed.")
    return target


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def resolve_address(target: Target) -> str:
    """The address to connect to; every address the name resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise TransportError(f"Name resolution failed: {error}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TransportError("The host name has no addresses.")
    if not private_targets_allowed() and not all(map(is_public_address, addresses)):
        raise UnsafeTarget("The host resolves to a private or local address.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is still verified for the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post_webhook(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST ``body``; return the 2xx status or raise ``TransportError``."""
    target = parse_target(url)
    address = resolve_address(target)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=address, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException) as error:
        raise TransportError(describe_error(error)) from None
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise TransportError(f"HTTP {response.status}", http_status=response.status)
    return response.status


def send_email(
    *, to: str, subject: str, body: str, headers: dict[str, str], timeout: float
) -> None:
    message = EmailMessage(subject=subject, body=body, to=[to], headers=headers)
    connection = get_connection(fail_silently=False, timeout=timeout)
    try:
        connection.send_messages([message])
    except OSError as error:  # smtplib.SMTPException is an OSError
        raise TransportError(describe_error(error)) from None


def describe_error(error: BaseException) -> str:
    """A short error text for the history; exception messages here carry no secrets."""
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
