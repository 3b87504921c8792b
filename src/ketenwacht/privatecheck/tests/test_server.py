"""Server side of the oblivious check: no trace of checked values, rate limits, audit rows,
padding, key rotation, errors as problem details, and the sharded PSI setup."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import private_set_intersection.python as openmined_psi
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketenwacht.audit.models import AuditEvent
from ketenwacht.client import TransportError, oprf
from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.privatecheck import keyring, psi
from ketenwacht.privatecheck import services as private
from ketenwacht.privatecheck.models import ListedElement
from ketenwacht.privatecheck.tests.conftest import (
    HIGH_PHONE,
    UNLISTED_PHONE,
    WARNING_IBAN,
    World,
    client_for,
    public_client,
)

pytestmark = pytest.mark.django_db


def _database_dump() -> tuple[str, bytes]:
    """Every row of every table, as text and as the concatenation of its binary fields."""
    text: list[str] = []
    binary: list[bytes] = []
    for model in apps.get_models():
        for row in model._default_manager.all().values_list():
            for field in row:
                if isinstance(field, bytes | memoryview):
                    binary.append(bytes(field))
                else:
                    text.append(json.dumps(field, default=str, ensure_ascii=False))
    return "\n".join(text), b"\x00".join(binary)


def _traces(value: str) -> tuple[list[str], list[bytes]]:
    """What would give the value away: its spellings, its pseudonyms, its OPRF element and tag."""
    canonical = canonicalise(value)
    digests = pseudonyms.digests_by_version(canonical.kind, canonical.value)
    message = oprf.message_for(canonical.kind, canonical.value)
    elements = [oprf.element(secret, message) for secret in keyring.load().keys.values()]
    tags = [oprf.tag_of(element) for element in elements]
    binary = [*digests.values(), *elements, *tags]
    text = [
        value,
        canonical.value,
        canonical.display,
        canonical.value[-8:],
        *(b.hex() for b in binary),
        *(base64.b64encode(b).decode() for b in binary),
    ]
    return text, binary


@pytest.mark.parametrize("value", [UNLISTED_PHONE, WARNING_IBAN])
def test_logs_and_database_hold_no_trace_of_the_checked_value(
    world: World, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(world.checker)
    before_text, before_binary = _database_dump()
    events_before = AuditEvent.objects.count()
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        answer = client.check_private(value)
    assert answer.level == ("warning" if value == WARNING_IBAN else "none")
    after_text, after_binary = _database_dump()
    text_needles, binary_needles = _traces(value)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    sql = "\n".join(str(query["sql"]) for query in queries.captured_queries)
    new_text = (
        after_text.replace(before_text, "") if after_text.startswith(before_text) else after_text
    )
    for needle in text_needles:
        assert needle not in logged, needle
        assert needle not in sql, needle
        if needle not in before_text:  # an unlisted value was never stored at all
            assert needle not in after_text, needle
        assert needle not in new_text or needle in before_text, needle
    for blob in binary_needles:
        if blob not in before_binary:
            assert blob not in after_binary, blob.hex()
    # The new rows are the audit rows, with counts only.
    new_events = list(AuditEvent.objects.order_by("pk")[events_before:])
    assert [event.action for event in new_events] == [
        "privatecheck.evaluate",
        "privatecheck.bucket",
    ]
    for event in new_events:
        assert set(event.details) <= {"count", "records"}
        assert event.actor_token_id is not None
        assert event.object_id.startswith("v")


def test_audit_rows_of_a_public_check_name_no_value(world: World) -> None:
    public_client().check_private(HIGH_PHONE, public=True)
    events = AuditEvent.objects.filter(action__startswith="privatecheck.public_")
    assert sorted(e.action for e in events) == [
        "privatecheck.public_bucket",
        "privatecheck.public_evaluate",
    ]
    assert all(e.details["count"] >= 1 and e.actor_token_id is None for e in events)


def test_public_evaluations_are_rate_limited_per_client(world: World, settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "PRIVATECHECK_PUBLIC_RATE": "4/minute"}
    client = public_client("192.0.2.40")
    client.check_private(HIGH_PHONE, public=True)  # two elements
    client.check_private(HIGH_PHONE, public=True)  # four
    with pytest.raises(TransportError) as refused:
        client.check_private(HIGH_PHONE, public=True)
    assert refused.value.status == 429
    assert refused.value.body["code"] == "rate_limited"
    # Another client address has its own budget.
    assert public_client("192.0.2.41").check_private(HIGH_PHONE, public=True).level == "high"


def test_partner_evaluations_are_rate_limited_per_token_and_per_client(
    world: World, settings: Any
) -> None:
    settings.KETENWACHT = {
        **settings.KETENWACHT,
        "PRIVATECHECK_TOKEN_RATE": "4/minute",
        "PRIVATECHECK_CLIENT_RATE": "6/minute",
    }
    first = client_for(world.checker, address="192.0.2.50")
    first.check_private(WARNING_IBAN)
    first.check_private(WARNING_IBAN)
    with pytest.raises(TransportError) as per_token:
        first.check_private(WARNING_IBAN)
    assert per_token.value.status == 429
    # A second token from the same address: its own token budget, but the address's is shared.
    second = client_for(world.checker, address="192.0.2.50")
    with pytest.raises(TransportError) as per_client:
        second.check_private(WARNING_IBAN)
    assert per_client.value.status == 429
    third = client_for(world.checker, address="192.0.2.51")
    assert third.check_private(WARNING_IBAN).level == "warning"


def _token_http(world: World) -> Client:
    from ketenwacht.partners.constants import Scope
    from ketenwacht.partners.tests.factories import make_token

    _token, secret = make_token(world.checker, [Scope.IDENTIFIERS_CHECK.value])
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_bad_elements_are_problem_details(world: World) -> None:
    http = _token_http(world)
    for elements in (
        [],
        ["not base64!"],
        [base64.b64encode(bytes(32)).decode()],
        [base64.b64encode(b"\x01" * 31).decode()],
        [base64.b64encode(oprf.blind(b"x").blinded_element).decode()] * 5,
    ):
        response = http.post(
            "/api/v1/private-check/evaluate",
            data=json.dumps({"elements": elements}),
            content_type="application/json",
        )
        assert response.status_code == 400, elements
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] in {"invalid", "invalid_element", "too_many_elements"}


def test_scope_is_needed(world: World) -> None:
    from ketenwacht.partners.constants import Scope
    from ketenwacht.partners.tests.factories import make_token

    _token, secret = make_token(world.checker, [Scope.IDENTIFIERS_WRITE.value])
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(
        "/api/v1/private-check/buckets/0?key_version=1"
    )
    assert response.status_code == 403
    assert Client().get("/api/v1/private-check/buckets/0?key_version=1").status_code in (401, 403)


def test_every_bucket_answer_has_the_same_size(world: World, settings: Any) -> None:
    settings.KETENWACHT = {
        **settings.KETENWACHT,
        "PRIVATECHECK_BUCKET_SIZE": 32,
        "PRIVATECHECK_BUCKET_TARGET": 2,
    }
    private.forget_prefix_bits()
    version = keyring.load().current_version
    bits = private.prefix_bits(version)
    assert bits >= 1  # 15 or so elements, 2 per bucket aimed at
    http = _token_http(world)
    sizes = set()
    for number in range(1 << bits):
        response = http.get(
            f"/api/v1/private-check/buckets/{number}?key_version={version}&prefix_bits={bits}"
        )
        assert response.status_code == 200
        body = response.json()
        sizes.add(body["count"])
        records = base64.b64decode(body["records"])
        assert len(records) == body["count"] * 33
        # Every record, real or dummy, carries a tag inside the bucket.
        for start in range(0, len(records), 33):
            head = int.from_bytes(records[start : start + 2], "big")
            assert head >> (16 - bits) == number
    assert sizes == {32}
    # The answers stay equal to the plain check with several buckets.
    client = client_for(world.checker)
    assert client.check_private(WARNING_IBAN).level == "warning"
    assert client.check_private(HIGH_PHONE).level == "high"
    # Fewer bits than the server's (a larger, older bucket): refused with the current bits.
    response = http.get(f"/api/v1/private-check/buckets/0?key_version={version}&prefix_bits=0")
    assert response.status_code == 409
    assert response.json()["prefix_bits"] == bits


def test_rotation_keeps_answers_and_retirement_ends_the_old_key(world: World) -> None:
    client = client_for(world.checker)
    old = keyring.load().current_version
    listed = ListedElement.objects.filter(key_version=old).count()
    call_command("privatecheck_rotate_key")
    new = keyring.load().current_version
    assert new == old + 1
    assert ListedElement.objects.filter(key_version=new).count() == listed
    # Elements moved without the values equal freshly computed ones.
    message = oprf.message_for("phone", HIGH_PHONE)
    assert ListedElement.objects.filter(
        key_version=new, element=oprf.element(keyring.load().keys[new], message)
    ).exists()
    assert client.check_private(WARNING_IBAN).level == "warning"
    assert client.check_private(HIGH_PHONE).level == "high"
    call_command("privatecheck_rotate_key", retire=old)
    assert not ListedElement.objects.filter(key_version=old).exists()
    assert old not in keyring.load().keys
    response = _token_http(world).get(f"/api/v1/private-check/buckets/0?key_version={old}")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="privatecheck.rotate_key").exists()
    assert AuditEvent.objects.filter(action="privatecheck.retire_key").exists()


def test_sync_lists_kept_raw_values_and_prunes_purged_pseudonyms(world: World) -> None:
    from ketenwacht.identifiers.models import Pseudonym, RawValue
    from ketenwacht.identifiers.tests.factories import keep_raw, pseudonym_for

    ListedElement.objects.all().delete()
    pseudonym = pseudonym_for(WARNING_IBAN)
    if not RawValue.objects.filter(pseudonym=pseudonym).exists():
        keep_raw(pseudonym, WARNING_IBAN, world.circle.agreement)
    call_command("privatecheck_sync")
    assert ListedElement.objects.filter(pseudonym_id=pseudonym.pk).exists()
    assert ListedElement.objects.filter(allowlist_entry__isnull=False).count() == 3
    assert client_for(world.checker).check_private(WARNING_IBAN).level == "warning"
    ListedElement.objects.create(
        key_version=1,
        pseudonym_id=Pseudonym.objects.order_by("-pk").first().pk + 1000,  # type: ignore[union-attr]
        element=b"x" * 32,
        tag=b"y" * 32,
        bucket=0,
    )
    assert private.prune() == 1


def test_sharded_psi_setup_equals_a_single_process_setup() -> None:
    server = openmined_psi.server.CreateWithNewKey(True)
    key = server.GetPrivateKeyBytes()
    items = [f"{i:064x}" for i in range(6000)]
    sharded = psi.server_setup(key, 100, items, workers=2)
    single = psi.server_setup(key, 100, items, workers=1)
    assert list(sharded.raw.encrypted_elements) == list(single.raw.encrypted_elements)
    client = openmined_psi.client.CreateWithNewKey(True)
    wanted = [items[5], items[5999], "ff" * 32]
    request = client.CreateRequest(wanted)
    response = openmined_psi.server.CreateFromKey(key, True).ProcessRequest(request)
    assert sorted(client.GetIntersection(sharded, response)) == [0, 1]


def test_psi_jobs_report_progress_and_audit_counts(world: World) -> None:
    client = client_for(world.checker)
    client.screen([WARNING_IBAN, HIGH_PHONE, UNLISTED_PHONE])
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="privatecheck.psi")}
    assert set(events) == {
        "privatecheck.psi_start",
        "privatecheck.psi_setup",
        "privatecheck.psi_answer",
    }
    assert events["privatecheck.psi_start"].details == {"client_items": 3}
    assert events["privatecheck.psi_setup"].details["server_items"] >= 2
    from ketenwacht.privatecheck.models import PsiJob

    job = PsiJob.objects.get()
    assert job.progress == 100 and job.answered
    assert bytes(job.setup) == b"" and bytes(job.psi_key) == b"" and bytes(job.elements) == b""


def test_another_organisation_cannot_read_a_job(world: World) -> None:
    from ketenwacht.privatecheck.models import PsiJob

    client_for(world.checker).screen([WARNING_IBAN])
    job = PsiJob.objects.get()
    outsider = _token_http(World(world.circle, world.other, world.other.members[0], []))
    assert outsider.get(f"/api/v1/private-check/psi/{job.uuid}").status_code == 404


def test_the_page_falls_back_to_the_plain_check(world: World) -> None:
    response = Client().get("/controleer/prive/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'action="/controleer/"' in html  # without JavaScript: the plain public check
    assert "privatecheck/oblivious.bundle.js" in html
    assert 'data-evaluate-url="/api/v1/public/private-check/evaluate"' in html


def test_psi_jobs_are_rate_limited_per_organisation(world: World, settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "PRIVATECHECK_PSI_RATE": "1/day"}
    client = client_for(world.checker)
    client.screen([WARNING_IBAN])
    with pytest.raises(TransportError) as refused:
        client_for(world.checker).screen([WARNING_IBAN])  # another token, same organisation
    assert refused.value.status == 429


def test_the_client_asks_again_when_the_buckets_get_finer(world: World, settings: Any) -> None:
    """Between evaluate and bucket the list grew past a power of two: 409, then a retry."""
    from ketenwacht.client import KetenwachtClient

    inner = client_for(world.checker).transport
    calls: list[int] = []

    class Growing:
        def request(self, method: str, path: str, *, body: Any = None) -> Any:
            if "/buckets/" in path and not calls:
                settings.KETENWACHT = {**settings.KETENWACHT, "PRIVATECHECK_BUCKET_TARGET": 2}
                private.forget_prefix_bits()
            if "/buckets/" in path:
                try:
                    return inner.request(method, path, body=body)
                except TransportError as error:
                    calls.append(error.status)
                    raise
            return inner.request(method, path, body=body)

    client = KetenwachtClient(transport=Growing())
    assert client.check_private(WARNING_IBAN).level == "warning"
    assert calls == [409]
