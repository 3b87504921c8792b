"""Permission-matrix rows of alerts' exchange routes added after the central table.

The older alerts and TAXII rows stay in ``ketenwacht/tests/test_permission_matrix.py``; the
marking × role × membership dimension is in ``test_access_matrix.py`` and the exchange tests.
"""

from __future__ import annotations

from ketenwacht.partners.constants import Scope
from ketenwacht.tests.matrix import Api, Page

ROWS: dict[str, Page | Api] = {
    # TAXII 2.1: reading needs alerts:read (or alerts:write); POST objects needs alerts:write
    "taxii-object": Api(Scope.ALERTS_READ),
    "taxii-object-versions": Api(Scope.ALERTS_READ),
    "taxii-status": Api(Scope.ALERTS_READ),
    # STIX bundle and MISP feed (CLEAR/GREEN by default), MISP event import
    "api-alerts-stix": Api(Scope.ALERTS_READ),
    "api-alerts-misp-manifest": Api(Scope.ALERTS_READ),
    "api-alerts-misp-hashes": Api(Scope.ALERTS_READ),
    "api-alerts-misp-event": Api(Scope.ALERTS_READ),
    "api-alerts-misp-import": Api(Scope.ALERTS_WRITE),
}
