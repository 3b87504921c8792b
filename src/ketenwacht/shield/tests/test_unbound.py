"""The exported zone in a real Unbound: blocked names are rewritten, others are not, and an
unblock followed by a re-export takes the rewrite away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import make_user
from ketenwacht.shield import exports, services
from ketenwacht.shield.models import Block
from ketenwacht.shield.tests.factories import block_kwargs, make_organisation
from ketenwacht.shield.tests.unbound import (
    RPZ_ZONE,
    UNBOUND,
    UNLISTED_ADDRESS,
    UNLISTED_NAME,
    WARNING_ADDRESS,
    WARNING_HOST,
    UnboundServer,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        UNBOUND is None, reason="unbound is not installed (apt-get install unbound)"
    ),
]

REAL_ADDRESS = "127.0.0.11"  # what bad-bank.nl resolves to without the shield
SHIELD_SETTINGS = {
    "SHIELD_WARNING_HOST": WARNING_HOST,
    "SHIELD_RPZ_ZONE": RPZ_ZONE,
    "PUBLIC_BASE_URL": "http://testserver",
}


@pytest.fixture
def zone_file(tmp_path: Path) -> Path:
    return tmp_path / "shield.rpz"


@pytest.fixture
def unbound(tmp_path: Path, zone_file: Path) -> Iterator[UnboundServer]:
    server = UnboundServer(tmp_path, zone_file, local_names={"bad-bank.nl": REAL_ADDRESS})
    yield server
    server.stop()


@override_settings(KETENWACHT=SHIELD_SETTINGS)
def test_unbound_rewrites_blocked_names_and_forgets_them_after_unblock(
    unbound: UnboundServer, zone_file: Path
) -> None:
    organisation = make_organisation()
    proposer = access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))
    approver = access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))

    def listed(name: str, **overrides: object) -> Block:
        block = services.block_propose(actor=proposer, name=name, **block_kwargs(**overrides))
        return services.block_approve(actor=approver, block=block)

    walled = listed("bad-bank.nl", wildcard=True)
    listed("nx-phish.nl", policy="nxdomain")
    exports.write(zone_file)
    unbound.start()

    blocked = unbound.query("bad-bank.nl")
    assert blocked.rcode == "NOERROR"
    assert blocked.cnames == [f"{WARNING_HOST}."]
    assert blocked.addresses == [WARNING_ADDRESS]
    assert unbound.query("login.bad-bank.nl").cnames == [f"{WARNING_HOST}."]  # wildcard
    assert unbound.query("nx-phish.nl").rcode == "NXDOMAIN"
    unlisted = unbound.query(UNLISTED_NAME)
    assert unlisted.cnames == [] and unlisted.addresses == [UNLISTED_ADDRESS]

    services.block_lift(actor=proposer, block=walled, note="Owner proved it is legitimate")
    exports.write(zone_file)
    unbound.reload()

    after = unbound.query("bad-bank.nl")
    assert after.cnames == [] and after.addresses == [REAL_ADDRESS]
    assert unbound.query("login.bad-bank.nl").cnames == []
    assert unbound.query("nx-phish.nl").rcode == "NXDOMAIN"  # the other block stays
