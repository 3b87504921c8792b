"""The RPZ zone, domain list and hosts file; checked by BIND's named-checkzone."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ketenwacht.shield import exports, selectors, services
from ketenwacht.shield.constants import BlockStatus
from ketenwacht.shield.tests.factories import make_block

pytestmark = pytest.mark.django_db
NAMED_CHECKZONE = shutil.which("named-checkzone")
ZONE = "rpz.ketenwacht.example"


def zone_records(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith((";", "$", "@"))]


def test_rpz_lists_active_blocks_with_their_policy_and_wildcards() -> None:
    make_block(name="bad-bank.nl")
    make_block(name="phish-pakket.com", wildcard=True)
    make_block(name="nx-only.nl", nxdomain=True)
    make_block(name="proposed.nl", proposed=True)
    make_block(name="lifted.nl", status=BlockStatus.LIFTED)
    text, _etag = exports.render("rpz")
    assert zone_records(text) == [
        "bad-bank.nl CNAME waarschuwing.ketenwacht.example.",
        "nx-only.nl CNAME .",
        "phish-pakket.com CNAME waarschuwing.ketenwacht.example.",
        "*.phish-pakket.com CNAME waarschuwing.ketenwacht.example.",
    ]
    assert f"$ORIGIN {ZONE}." in text


def test_soa_serial_in_the_zone_is_the_current_serial() -> None:
    make_block(name="bad-bank.nl")
    serial = services.zone_bump()
    text, _etag = exports.render("rpz")
    assert f"({serial} " in text


def test_export_expires_due_blocks_first() -> None:
    make_block(name="old.nl", expires_at=timezone.now() - timedelta(minutes=1))
    before = selectors.zone_serial()
    text, _etag = exports.render("rpz")
    assert "old.nl" not in text
    assert selectors.zone_serial() > before


def test_domain_list_and_hosts_file() -> None:
    make_block(name="bad-bank.nl", wildcard=True)
    domains, _ = exports.render("domains")
    hosts, _ = exports.render("hosts")
    assert zone_records(domains)[-2:] == ["bad-bank.nl", "*.bad-bank.nl"]
    assert "0.0.0.0 bad-bank.nl" in hosts.splitlines()
    assert "*" not in hosts


def test_etag_changes_with_the_content() -> None:
    _text, first = exports.render("rpz")
    make_block(name="bad-bank.nl")
    services.zone_bump()
    _text, second = exports.render("rpz")
    assert first != second
    assert exports.render("rpz")[1] == second


@override_settings(
    KETENWACHT={
        "SHIELD_WARNING_HOST": "stop.isp.example.",
        "SHIELD_RPZ_ZONE": "rpz.isp.example",
        "PUBLIC_BASE_URL": "http://testserver",
    }
)
def test_zone_name_and_warning_host_come_from_settings() -> None:
    make_block(name="bad-bank.nl")
    text, _ = exports.render("rpz")
    assert "$ORIGIN rpz.isp.example." in text
    assert "bad-bank.nl CNAME stop.isp.example." in text


def test_idn_block_is_written_as_a_labels() -> None:
    make_block(name="xn--rbobank-2fg.nl")
    text, _ = exports.render("rpz")
    assert "xn--rbobank-2fg.nl CNAME" in text
    text.encode("ascii")  # a zone file is ASCII


def test_management_command_writes_the_file_atomically(tmp_path: Path) -> None:
    make_block(name="bad-bank.nl")
    target = tmp_path / "zones" / "shield.rpz"
    call_command("shield_export_rpz", str(target))
    assert "bad-bank.nl CNAME" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["shield.rpz"]  # no temporary left


@pytest.mark.skipif(
    NAMED_CHECKZONE is None, reason="named-checkzone (bind9-utils) is not installed"
)
def test_named_checkzone_accepts_the_exported_zone(tmp_path: Path) -> None:
    make_block(name="bad-bank.nl")
    make_block(name="phish-pakket.com", wildcard=True)
    make_block(name="nx-only.nl", nxdomain=True)
    make_block(name="xn--rbobank-2fg.nl")
    services.zone_bump()
    path = tmp_path / "shield.rpz"
    exports.write(path)
    assert NAMED_CHECKZONE is not None
    result = subprocess.run(
        [NAMED_CHECKZONE, ZONE, str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"serial {selectors.zone_serial()}" in result.stdout
    assert result.stdout.strip().endswith("OK")


@pytest.mark.skipif(
    NAMED_CHECKZONE is None, reason="named-checkzone (bind9-utils) is not installed"
)
def test_named_checkzone_accepts_an_empty_zone(tmp_path: Path) -> None:
    path = tmp_path / "empty.rpz"
    exports.write(path)
    assert NAMED_CHECKZONE is not None
    result = subprocess.run(
        [NAMED_CHECKZONE, ZONE, str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
