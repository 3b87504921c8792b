"""Recording sightings: partial and atomic batches, idempotency, raw values, agreements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.identifiers import pseudonyms, services
from ketenwacht.identifiers.constants import MAX_BATCH_ITEMS, Source
from ketenwacht.identifiers.models import IdempotencyRecord, Pseudonym, RawValue, Sighting
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import (
    IBAN,
    OTHER_IBAN,
    Circle,
    make_circle,
    pseudonym_for,
)
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.tests.factories import AgreementFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def item(value: str = IBAN, **fields: Any) -> dict[str, Any]:
    return {
        "value": value,
        "fraud_type": "bankhelpdesk",
        "role": "beneficiary_account",
        **fields,
    }


BAD_ITEMS = [
    item("NL91ABNA0417164301"),  # IBAN checksum
    item("111222333"),  # a BSN: refused
    item(fraud_type="no_such_type"),
    item(role="caller_number"),  # a phone role for an IBAN
    item(observed_at=(timezone.now() + timedelta(days=2)).isoformat()),
    item(surprise="field"),
    item(observed_at="2026-13-01T08:00:00+00:00"),  # well formed, but no such month
]


def test_partial_batch_records_good_items_and_reports_each_bad_one(
    writer: access.Actor, circle: Circle
) -> None:
    items = [item(), *BAD_ITEMS, item("0612345678", role="caller_number")]
    result = services.sightings_ingest(actor=writer, items=items)

    assert (result.recorded, result.failed) == (2, len(BAD_ITEMS))
    assert [r["index"] for r in result.results] == list(range(len(items)))
    codes = [r["error"]["code"] for r in result.results if not r["ok"]]
    assert codes == [
        "iban_checksum",
        "bsn_refused",
        "unknown_fraud_type",
        "role_kind_mismatch",
        "observed_in_future",
        "unknown_field",
        "invalid_datetime",
    ]
    assert Sighting.objects.count() == 2
    ok = [r for r in result.results if r["ok"]]
    assert {r["kind"] for r in ok} == {"iban", "phone"}
    assert set(Sighting.objects.values_list("pk", flat=True)) == {r["sighting_id"] for r in ok}
    sighting = Sighting.objects.get(kind="iban")
    assert sighting.organisation == circle.members[0]
    assert sighting.agreement == circle.agreement
    assert sighting.source == Source.PARTNER
    assert sighting.confidence == "suspected"
    assert sighting.expires_at - sighting.observed_at == timedelta(days=365)


def test_atomic_batch_with_a_bad_item_records_nothing(writer: access.Actor) -> None:
    with pytest.raises(services.BatchRejected) as rejected:
        services.sightings_ingest(actor=writer, items=[item(), item("111222333")], atomic=True)
    assert [(e.index, e.code) for e in rejected.value.errors] == [(1, "bsn_refused")]
    assert Sighting.objects.count() == 0
    assert Pseudonym.objects.count() == 0


def test_atomic_batch_of_good_items_records_all(writer: access.Actor) -> None:
    result = services.sightings_ingest(actor=writer, items=[item(), item(OTHER_IBAN)], atomic=True)
    assert result.recorded == 2 and result.failed == 0
    assert Sighting.objects.count() == 2


def test_a_failure_while_writing_leaves_nothing_half_written(
    writer: access.Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "audit_record", fail)
    with pytest.raises(RuntimeError):
        services.sightings_ingest(actor=writer, items=[item(), item(OTHER_IBAN)])
    assert Sighting.objects.count() == 0
    assert Pseudonym.objects.count() == 0
    assert RawValue.objects.count() == 0


def test_one_value_one_pseudonym_across_sightings(writer: access.Actor, circle: Circle) -> None:
    other = token_actor(circle.members[1])
    services.sightings_ingest(actor=writer, items=[item("NL91 ABNA 0417 1643 00"), item()])
    services.sightings_ingest(actor=other, items=[item("nl91abna0417164300")])
    assert Sighting.objects.count() == 3
    pseudonym = Pseudonym.objects.get()
    _version, digest = pseudonyms.current_digest("iban", IBAN)
    assert bytes(pseudonym.digest) == digest
    assert pseudonym.display_hint == "NL91 •••• •••• 4300"


def test_raw_value_is_kept_encrypted_only_where_the_agreement_allows(db: None) -> None:
    keeping = make_circle(members=1, raw_value_roles=["police_analyst"])
    not_keeping = make_circle(members=1, raw_value_roles=[])
    services.sightings_ingest(actor=token_actor(keeping.members[0]), items=[item()])
    services.sightings_ingest(actor=token_actor(not_keeping.members[0]), items=[item(OTHER_IBAN)])

    raw = RawValue.objects.get()
    assert raw.pseudonym.sightings.get().organisation == keeping.members[0]
    assert raw.agreement == keeping.agreement
    assert IBAN.encode() not in bytes(raw.ciphertext)
    assert pseudonyms.decrypt_raw("iban", raw.nonce, raw.ciphertext) == IBAN
    assert raw.expires_at == raw.pseudonym.sightings.get().expires_at


def test_raw_value_expiry_follows_the_longest_sighting(writer: access.Actor) -> None:
    old = (timezone.now() - timedelta(days=100)).isoformat()
    services.sightings_ingest(actor=writer, items=[item(observed_at=old)])
    first = RawValue.objects.get().expires_at
    services.sightings_ingest(actor=writer, items=[item()])
    assert RawValue.objects.get().expires_at > first
    assert RawValue.objects.count() == 1


WRITE_PATHS = [
    pytest.param(10**6, id="orm"),
    pytest.param(
        1,
        id="copy",
        marks=pytest.mark.skipif(
            connection.vendor != "postgresql", reason="COPY is PostgreSQL only"
        ),
    ),
]


@pytest.mark.parametrize("copy_threshold", WRITE_PATHS)
def test_raw_values_are_kept_extended_and_never_shortened_on_both_write_paths(
    db: None, monkeypatch: pytest.MonkeyPatch, copy_threshold: int
) -> None:
    monkeypatch.setattr(services, "COPY_THRESHOLD", copy_threshold)
    keeping, also_keeping = make_circle(members=1), make_circle(members=1)
    not_keeping = make_circle(members=1, raw_value_roles=[])
    now = timezone.now()

    def seen(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).isoformat()

    def kept(value: str) -> RawValue:
        return RawValue.objects.get(pseudonym=pseudonym_for(value))

    year = timedelta(days=365)
    services.sightings_ingest(actor=token_actor(not_keeping.members[0]), items=[item(OTHER_IBAN)])
    assert not RawValue.objects.exists()

    # A known value without a raw value gets one; two items of one value keep the later expiry.
    first = [item(OTHER_IBAN, observed_at=seen(10)), item(observed_at=seen(50))]
    first.append(item(observed_at=seen(20)))
    result = services.sightings_ingest(actor=token_actor(keeping.members[0]), items=first)
    assert result.recorded == 3 and Pseudonym.objects.count() == 2
    other, raw = kept(OTHER_IBAN), kept(IBAN)
    assert other.expires_at == now - timedelta(days=10) + year
    assert raw.expires_at == now - timedelta(days=20) + year
    assert raw.agreement == keeping.agreement
    assert pseudonyms.decrypt_raw("iban", raw.nonce, raw.ciphertext) == IBAN

    # An earlier sighting never shortens the expiry; a later one extends it, under its agreement.
    also = token_actor(also_keeping.members[0])
    services.sightings_ingest(actor=also, items=[item(observed_at=seen(30))])
    assert kept(IBAN).expires_at == raw.expires_at and kept(IBAN).agreement == keeping.agreement
    services.sightings_ingest(
        actor=also, items=[item(observed_at=seen(5)), item(OTHER_IBAN, observed_at=seen(0))]
    )
    assert kept(IBAN).expires_at == now - timedelta(days=5) + year
    assert kept(IBAN).agreement == also_keeping.agreement
    assert bytes(kept(IBAN).ciphertext) == bytes(raw.ciphertext)  # extended, not re-encrypted
    assert kept(OTHER_IBAN).expires_at == now + year
    assert RawValue.objects.count() == 2 and Sighting.objects.count() == 7


def test_agreement_rules_apply_per_item(db: None) -> None:
    circle = make_circle(members=1, allowed_kinds=["iban", "phone"], retention_days={"iban": 30})
    actor = token_actor(circle.members[0])
    result = services.sightings_ingest(
        actor=actor,
        items=[
            item("jan@example.nl", role="sender_address"),  # kind not allowed
            item("0612345678", role="caller_number"),  # no retention set for phones
            item(observed_at=(timezone.now() - timedelta(days=31)).isoformat()),  # too old
            item(sharing_group="not-my-group"),
        ],
    )
    codes = [r["error"]["code"] for r in result.results]
    assert codes == ["kind_not_allowed", "no_retention", "already_expired", "not_a_member"]


def test_two_groups_need_a_choice(db: None) -> None:
    first = make_circle(members=1)
    second = make_circle(members=0)
    organisation = first.members[0]
    second.group.members.add(organisation)
    actor = token_actor(organisation)
    result = services.sightings_ingest(
        actor=actor, items=[item(), item(sharing_group=second.group.slug)]
    )
    assert result.results[0]["error"]["code"] == "sharing_group_required"
    assert Sighting.objects.get().sharing_group == second.group


def test_records_under_the_agreement_version_in_force(writer: access.Actor, circle: Circle) -> None:
    now = timezone.now()
    circle.agreement.valid_to = now - timedelta(minutes=1)
    circle.agreement.save()
    newer = AgreementFactory(group=circle.group, version=2, valid_from=now - timedelta(minutes=1))
    services.sightings_ingest(actor=writer, items=[item()])
    assert Sighting.objects.get().agreement == newer


def test_batch_size_limits(writer: access.Actor) -> None:
    with pytest.raises(ValidationFailed) as too_large:
        services.sightings_ingest(actor=writer, items=[item()] * (MAX_BATCH_ITEMS + 1))
    assert too_large.value.status == 413 and too_large.value.code == "batch_too_large"
    with pytest.raises(ValidationFailed) as empty:
        services.sightings_ingest(actor=writer, items=[])
    assert empty.value.code == "empty_batch"


def test_idempotency_key_replays_the_stored_result(writer: access.Actor) -> None:
    first = services.sightings_ingest(actor=writer, items=[item()], idempotency_key="batch-1")
    again = services.sightings_ingest(actor=writer, items=[item()], idempotency_key="batch-1")
    assert again.replayed and not first.replayed
    assert again.as_dict() == first.as_dict()
    assert Sighting.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert IBAN not in str(record.response)  # the stored response holds no raw values

    with pytest.raises(ConflictError) as reused:
        services.sightings_ingest(actor=writer, items=[item(OTHER_IBAN)], idempotency_key="batch-1")
    assert reused.value.status == 422 and reused.value.code == "idempotency_key_reused"


def test_idempotency_keys_are_per_organisation(writer: access.Actor, circle: Circle) -> None:
    other = token_actor(circle.members[1])
    services.sightings_ingest(actor=writer, items=[item()], idempotency_key="same")
    result = services.sightings_ingest(actor=other, items=[item()], idempotency_key="same")
    assert not result.replayed
    assert Sighting.objects.count() == 2


def test_a_rejected_atomic_batch_can_be_retried_with_the_same_key(writer: access.Actor) -> None:
    with pytest.raises(services.BatchRejected):
        services.sightings_ingest(
            actor=writer, items=[item("111222333")], atomic=True, idempotency_key="k"
        )
    result = services.sightings_ingest(
        actor=writer, items=[item()], atomic=True, idempotency_key="k"
    )
    assert result.recorded == 1


def test_ingest_writes_one_audit_row_per_batch(writer: access.Actor) -> None:
    result = services.sightings_ingest(actor=writer, items=[item(), item("111222333")])
    event = AuditEvent.objects.get(action="sightings.ingest")
    assert event.object_id == result.batch_id
    assert event.details["recorded"] == 1 and event.details["failed"] == 1
    assert event.actor_token == writer.token
    assert set(Sighting.objects.values_list("batch_id", flat=True)) == {
        Sighting.objects.get().batch_id
    }


def test_write_permissions(circle: Circle) -> None:
    check_only = token_actor(circle.members[0], [Scope.IDENTIFIERS_CHECK])
    with pytest.raises(PermissionDeniedError):
        services.sightings_ingest(actor=check_only, items=[item()])
    with pytest.raises(PermissionDeniedError):
        services.sightings_ingest(
            actor=token_actor(circle.members[0]), items=[item()], source=Source.SHIELD
        )
    with pytest.raises(PermissionDeniedError):
        services.sightings_ingest(actor=access.Actor(), items=[item()])


def test_the_platform_records_intake_sightings_for_an_organisation(circle: Circle) -> None:
    sighting = services.sighting_record(
        actor=access.SYSTEM,
        value="06 1234 5678",
        fraud_type="friend_in_need",
        role="sender_number",
        source=Source.INTAKE,
        organisation=circle.members[2],
    )
    assert sighting.source == Source.INTAKE
    assert sighting.organisation == circle.members[2]
    assert sighting.kind == "phone"
    with pytest.raises(ValidationFailed) as refused:
        services.sighting_record(
            actor=access.SYSTEM,
            value="111222333",
            fraud_type="other",
            role="other",
            organisation=circle.members[2],
        )
    assert refused.value.code == "bsn_refused"


def test_an_organisation_outside_every_group_cannot_record(db: None) -> None:
    actor = token_actor(OrganisationFactory())
    result = services.sightings_ingest(actor=actor, items=[item()])
    assert result.results[0]["error"]["code"] == "no_sharing_group"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL only")
def test_copy_path_gives_the_same_result_as_the_orm_path(
    writer: access.Actor, circle: Circle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "COPY_THRESHOLD", 2)
    services.sightings_ingest(actor=writer, items=[item()])  # an existing pseudonym to meet
    items = [item(), item(OTHER_IBAN), item(OTHER_IBAN, confidence="confirmed"), item("111")]
    result = services.sightings_ingest(actor=writer, items=items)

    event = AuditEvent.objects.filter(action="sightings.ingest").last()
    assert event is not None and event.details["path"] == "copy"
    assert (result.recorded, result.failed) == (3, 1)
    ids = [r["sighting_id"] for r in result.results if r["ok"]]
    assert set(Sighting.objects.filter(batch_id=result.batch_id).values_list("pk", flat=True)) == (
        set(ids)
    )
    assert Pseudonym.objects.count() == 2
    assert Sighting.objects.count() == 4
    raw = RawValue.objects.get(pseudonym__sightings__pk=ids[1])
    assert pseudonyms.decrypt_raw("iban", raw.nonce, raw.ciphertext) == OTHER_IBAN
    assert RawValue.objects.count() == 2
    confirmed = Sighting.objects.get(pk=ids[2])
    assert confirmed.confidence == "confirmed" and confirmed.organisation == circle.members[0]


def test_a_batch_colliding_with_the_purge_is_written_on_the_second_try(
    writer: access.Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    real = services.write_portable
    calls = []

    def collide_once(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        real(*args, **kwargs)
        if len(calls) == 1:
            raise IntegrityError("pseudonym deleted by the purge")

    monkeypatch.setattr(services, "write_portable", collide_once)
    monkeypatch.setattr(services, "COPY_THRESHOLD", 10**6)
    result = services.sightings_ingest(actor=writer, items=[item(), item(OTHER_IBAN)])
    assert len(calls) == 2 and result.recorded == 2
    assert Sighting.objects.count() == 2
    assert set(Sighting.objects.values_list("pk", flat=True)) == {
        r["sighting_id"] for r in result.results
    }
