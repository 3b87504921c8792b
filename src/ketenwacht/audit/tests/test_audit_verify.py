"""`manage.py audit_verify`: exit 0 on an intact chain, 1 naming the first bad row.

Tampering is done with raw SQL, as an attacker with database access would; on PostgreSQL the
append-only trigger is disabled first (an attacker who owns the table could do the same).
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.services import audit_record
from ketenwacht.audit.tests.conftest import TABLE, owner_rights


def verify(*args: str) -> str:
    """Run the command; return its output or raise its CommandError."""
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def refused_at(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        verify(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


@pytest.mark.django_db
def test_empty_chain_is_intact() -> None:
    assert verify().strip() == "audit chain intact (0 events)"


def test_intact_chain_exits_zero_and_prints_the_head(chain: list[AuditEvent]) -> None:
    head = chain[-1]
    assert verify().strip() == f"audit chain intact (5 events; head {head.pk}:{head.hash})"


def test_exit_codes_from_the_command_line(
    chain: list[AuditEvent], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # run_from_argv closes all connections at the end, which would end the test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    execute_from_command_line(["manage.py", "audit_verify"])  # no SystemExit: exit status 0
    assert "audit chain intact" in capsys.readouterr().out

    with owner_rights() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["x", chain[1].pk])
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "audit_verify"])
    assert exited.value.code == 1
    assert f"audit chain broken at event {chain[1].pk}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "identifier.check"),
        ("purpose", "Iets onschuldigs"),
        ("details", '{"removed": 0}'),
        ("object_id", "999"),
        ("client_address", "10.0.0.1"),
        ("actor_label", "user:someone-else"),
        ("time", "2001-01-01 00:00:00+00:00"),
    ],
)
def test_changed_row_is_named(chain: list[AuditEvent], column: str, value: str) -> None:
    target = chain[1]
    with owner_rights() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, target.pk])
    message = refused_at()
    assert f"event {target.pk}:" in message
    assert "content does not match its hash" in message


def test_changed_and_rehashed_row_is_caught_at_the_next_row(chain: list[AuditEvent]) -> None:
    """An attacker who also rewrites the row's hash breaks the next row's link."""
    from ketenwacht.audit.chain import event_hash
    from ketenwacht.audit.services import event_content

    target = AuditEvent.objects.get(pk=chain[2].pk)
    target.action = "nothing.happened"
    forged = event_hash(target.prev_hash, event_content(target))
    with owner_rights() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET action = %s, hash = %s WHERE id = %s",
            [target.action, forged, target.pk],
        )
    assert f"event {chain[3].pk}:" in refused_at()


def test_deleted_row_is_named_by_its_successor(chain: list[AuditEvent]) -> None:
    with owner_rights() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [chain[2].pk])
    message = refused_at()
    assert f"event {chain[3].pk}:" in message
    assert "prev_hash does not match the previous event" in message


def test_deleted_first_row_is_detected(chain: list[AuditEvent]) -> None:
    with owner_rights() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [chain[0].pk])
    assert f"event {chain[1].pk}:" in refused_at()


def test_reordered_rows_are_detected(chain: list[AuditEvent]) -> None:
    """Swap the ids of two events, so they appear in the other order."""
    first, second = chain[1].pk, chain[2].pk
    with owner_rights() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [-1, first])
        cursor.execute(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [first, second])
        cursor.execute(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [second, -1])
    assert AuditEvent.objects.get(pk=first).action == chain[2].action
    message = refused_at()
    assert f"event {first}:" in message


def test_deleting_the_newest_rows_needs_an_anchor(chain: list[AuditEvent]) -> None:
    """Cutting off the end leaves a consistent chain; a recorded head catches it."""
    head = chain[-1]
    anchor = f"{head.pk}:{head.hash}"
    assert "intact" in verify("--anchor", anchor)
    with owner_rights() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id >= %s", [chain[3].pk])

    assert "intact" in verify()  # the limit of a chain without an outside anchor
    message = refused_at("--anchor", anchor)
    assert f"event {head.pk}: the anchored event is missing" in message


def test_anchor_of_a_changed_event_fails(chain: list[AuditEvent]) -> None:
    anchor = f"{chain[0].pk}:{'0' * 64}"
    assert f"event {chain[0].pk}: the anchored event is different" in refused_at("--anchor", anchor)


def test_chain_continues_correctly_after_verification(chain: list[AuditEvent]) -> None:
    event = audit_record(actor=None, action="after.verify")
    assert event.prev_hash == chain[-1].hash
    assert "6 events" in verify()


@pytest.mark.django_db
@pytest.mark.parametrize("anchor", ["12", "x:" + "0" * 64, "1:abc"])
def test_malformed_anchor_is_a_usage_error(anchor: str) -> None:
    with pytest.raises(CommandError) as caught:
        verify("--anchor", anchor)
    assert "ID:HASH" in str(caught.value)
