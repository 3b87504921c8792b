"""A real Unbound on a loopback port, loading an exported RPZ zone (no network needed).

The warning host's zone is served by Unbound itself (``auth-zone``): otherwise the resolver
would chase the walled-garden CNAME by recursion, which hangs without a network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

UNBOUND = shutil.which("unbound") or (
    "/usr/sbin/unbound" if Path("/usr/sbin/unbound").exists() else None
)
UNBOUND_CHECKCONF = shutil.which("unbound-checkconf") or (
    "/usr/sbin/unbound-checkconf" if Path("/usr/sbin/unbound-checkconf").exists() else None
)
UNBOUND_CONTROL = shutil.which("unbound-control") or (
    "/usr/sbin/unbound-control" if Path("/usr/sbin/unbound-control").exists() else None
)

WARNING_ZONE = "warn.example"
WARNING_HOST = f"www.{WARNING_ZONE}"
WARNING_ADDRESS = "127.0.0.9"
UNLISTED_NAME = "not-blocked.nl"
UNLISTED_ADDRESS = "127.0.0.10"
RPZ_ZONE = "rpz.example"


def free_port() -> int:
    """A port free for both UDP and TCP on loopback (Unbound listens on both)."""
    for _attempt in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


@dataclass
class Answer:
    rcode: str
    cnames: list[str]
    addresses: list[str]


class UnboundServer:
    def __init__(
        self,
        directory: Path,
        zone_file: Path,
        *,
        local_names: dict[str, str] | None = None,
        startup_seconds: float = 15.0,
    ) -> None:
        """``local_names`` are served by Unbound itself (name → address) as if from upstream,
        so that an unblocked name resolves at once instead of by recursion (no network here),
        while the RPZ still applies to them: local-zone data would take precedence over it."""
        self.local_names = {UNLISTED_NAME: UNLISTED_ADDRESS, **(local_names or {})}
        self.directory = directory
        self.zone_file = zone_file
        self.port = free_port()
        self.config = directory / "unbound.conf"
        self.control_socket = directory / "control.sock"
        self.startup_seconds = startup_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "unbound.log"

    def write_config(self) -> None:
        (self.directory / "warn.zone").write_text(
            f"$ORIGIN {WARNING_ZONE}.\n$TTL 300\n"
            f"@ IN SOA localhost. hostmaster.{WARNING_ZONE}. (1 3600 600 86400 300)\n"
            "@ IN NS localhost.\n"
            f"www IN A {WARNING_ADDRESS}\n"
        )
        self.config.write_text(
            "server:\n"
            "  interface: 127.0.0.1\n"
            f"  port: {self.port}\n"
            "  do-daemonize: no\n"
            '  username: ""\n'
            '  chroot: ""\n'
            f'  directory: "{self.directory}"\n'
            f'  pidfile: "{self.directory}/unbound.pid"\n'
            "  use-syslog: no\n"
            f'  logfile: "{self.log}"\n'
            "  verbosity: 1\n"
            "  num-threads: 1\n"
            "  do-ip6: no\n"
            '  module-config: "respip iterator"\n'
            "  access-control: 127.0.0.0/8 allow\n"
            "remote-control:\n"
            "  control-enable: yes\n"
            f'  control-interface: "{self.control_socket}"\n'
            "  control-use-cert: no\n"
            "auth-zone:\n"
            f'  name: "{WARNING_ZONE}."\n'
            f'  zonefile: "{self.directory}/warn.zone"\n'
            "  for-upstream: yes\n"
            "  for-downstream: yes\n"
            "  fallback-enabled: no\n"
            "rpz:\n"
            f"  name: {RPZ_ZONE}\n"
            f'  zonefile: "{self.zone_file}"\n'
            + "".join(
                self._upstream_zone(name, address) for name, address in self.local_names.items()
            )
        )

    def _upstream_zone(self, name: str, address: str) -> str:
        zone_file = self.directory / f"{name}.zone"
        zone_file.write_text(
            f"$ORIGIN {name}.\n$TTL 300\n"
            f"@ IN SOA localhost. hostmaster.{name}. (1 3600 600 86400 300)\n"
            f"@ IN NS localhost.\n@ IN A {address}\n* IN A {address}\n"
        )
        return (
            "auth-zone:\n"
            f'  name: "{name}."\n'
            f'  zonefile: "{zone_file}"\n'
            "  for-upstream: yes\n"
            "  for-downstream: no\n"
            "  fallback-enabled: no\n"
        )

    def check_config(self) -> None:
        if UNBOUND_CHECKCONF:
            # It reads the zone files too: allow as long as a start may take.
            subprocess.run(
                [UNBOUND_CHECKCONF, str(self.config)],
                check=True,
                capture_output=True,
                timeout=max(30.0, self.startup_seconds),
            )

    def start(self) -> None:
        assert UNBOUND is not None
        self.write_config()
        self.check_config()
        self.process = subprocess.Popen(
            [UNBOUND, "-d", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped by pid in teardown
        )
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"unbound exited: {self.log_text()}")
            with contextlib.suppress(Exception):
                if self.query(UNLISTED_NAME, timeout=0.5).addresses:
                    return
            time.sleep(0.1)
        raise TimeoutError(
            f"unbound did not answer within {self.startup_seconds}s: {self.log_text()}"
        )

    def reload(self) -> None:
        """Re-read the RPZ zone file as an operator would (``unbound-control
        auth_zone_reload``), or restart when unbound-control is missing."""
        if UNBOUND_CONTROL:
            result = subprocess.run(
                [UNBOUND_CONTROL, "-c", str(self.config), "auth_zone_reload", RPZ_ZONE],
                capture_output=True,
                timeout=30,
                check=False,
            )
            if result.returncode == 0:
                self.wait_ready()
                return
            raise RuntimeError(f"unbound-control failed: {result.stdout!r} {result.stderr!r}")
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log_text(self) -> str:
        return self.log.read_text()[-2000:] if self.log.exists() else ""

    def query(self, name: str, *, timeout: float = 2.0) -> Answer:
        request = dns.message.make_query(name, dns.rdatatype.A)
        response = dns.query.udp(request, "127.0.0.1", port=self.port, timeout=timeout)
        cnames, addresses = [], []
        for rrset in response.answer:
            for record in rrset:
                if rrset.rdtype == dns.rdatatype.CNAME:
                    cnames.append(record.to_text())
                elif rrset.rdtype == dns.rdatatype.A:
                    addresses.append(record.to_text())
        return Answer(dns.rcode.to_text(response.rcode()), cnames, addresses)
