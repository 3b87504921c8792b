"""Schemathesis over the committed ``openapi/v1.yaml``: every operation, generated requests
with a token that holds every scope, no server error and no response outside the schema.

The application runs in-process (WSGI) on the test database. ``SECURITY_MAX_EXAMPLES``
(default 30) sets the examples per operation; ``make security`` uses the default.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from ketenwacht.wsgi import application

ROOT = Path(__file__).resolve().parents[2]
schema = schemathesis.openapi.from_path(str(ROOT / "openapi" / "v1.yaml"))
schema.app = application
MAX_EXAMPLES = int(os.environ.get("SECURITY_MAX_EXAMPLES", "30"))
# Statuses seen per operation, so the last test can tell the run was not all refusals.
SEEN: dict[str, Counter[int]] = defaultdict(Counter)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Schemathesis calls the WSGI handler itself, which closes database connections at the
    start and end of each request (``close_old_connections``). Inside the test's transaction
    on PostgreSQL that would close the test's own connection; Django's test client disconnects
    the same signal handlers for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: None) -> str:
    from ketenwacht.identifiers.tests.factories import make_circle
    from ketenwacht.partners.tests.factories import make_token

    # A member of a sharing group in force, so checks and sightings reach the database.
    _token, plaintext = make_token(make_circle(members=2).members[0])
    return plaintext


def test_every_operation_is_in_the_schema() -> None:
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 20
    assert all(op.path.startswith("/api/v1/") for op in operations)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    SEEN[f"{case.method} {case.path}"][response.status_code] += 1
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


def test_the_generated_requests_reached_the_operations() -> None:
    """Runs after the parametrized test (file order): every operation got past authorisation
    (the token with every scope was accepted) and a third answered 2xx at least once, so the
    checks saw real bodies."""
    if not SEEN:
        pytest.skip("run together with test_api_conforms")
    documented = {
        f"{op.method.upper()} {op.path}"
        for op in (result.ok() for result in schema.get_all_operations())  # type: ignore[union-attr]
    }
    seen = {
        op: statuses
        for op, statuses in SEEN.items()
        if op.upper() in {d.upper() for d in documented}
    }
    answered = [op for op, statuses in seen.items() if any(200 <= s < 300 for s in statuses)]
    print(
        f"\n{len(seen)} of {len(documented)} documented operations exercised "
        f"({len(SEEN)} with undocumented methods), {len(answered)} answered 2xx at least once"
    )
    for operation, statuses in sorted(seen.items()):
        print(f"  {operation}: {dict(sorted(statuses.items()))}")
    assert len(seen) == len(documented)
    # Every operation got past authorisation at least once (the token was accepted) …
    refused_only = [op for op, statuses in seen.items() if set(statuses) <= {401, 403}]
    assert not refused_only, refused_only
    # … and a good share answered 2xx. Operations on a path id (404 for generated ids) or with
    # rich bodies rarely do with generated data, so a third is asked, not all.
    assert len(answered) >= len(documented) // 3, {op: dict(st) for op, st in seen.items()}
