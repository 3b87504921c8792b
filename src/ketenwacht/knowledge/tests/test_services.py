from typing import Any

import pytest

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import ConflictError, PermissionDeniedError, ValidationFailed
from ketenwacht.knowledge import services
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import actor_with_role

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    values: dict[str, Any] = {
        "code": "qr_code",
        "name_nl": "QR-codefraude",
        "name_en": "QR code fraud",
        "description_nl": "Een nep-QR-code leidt naar een phishingsite.",
        "description_en": "A fake QR code leads to a phishing site.",
        "sort_order": 55,
    }
    values.update(overrides)
    return services.fraud_type_create(actor=actor, **values)


def test_programme_team_adds_a_fraud_type_with_an_audit_row() -> None:
    actor = actor_with_role(Role.PROGRAMME_TEAM)
    fraud_type = _create(actor)
    assert FraudType.objects.get(code="qr_code").name_en == "QR code fraud"
    event = AuditEvent.objects.get(action="fraud_type.create")
    assert event.object_id == fraud_type.code
    assert event.actor_user == actor.user


@pytest.mark.parametrize(
    "role", [Role.PARTNER_ANALYST, Role.DESK_AGENT, Role.POLICE_ANALYST, Role.ADMIN]
)
def test_other_roles_may_not_edit_the_taxonomy(role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        _create(actor_with_role(role))
    assert not FraudType.objects.filter(code="qr_code").exists()


def test_duplicate_code_is_a_conflict() -> None:
    actor = actor_with_role(Role.PROGRAMME_TEAM)
    with pytest.raises(ConflictError) as caught:
        _create(actor, code="phishing")
    assert caught.value.code == "duplicate_fraud_type"


@pytest.mark.parametrize("code", ["Phishing", "x", "with-dash", "9lives", "a b"])
def test_codes_must_be_lower_case_slugs(code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(actor_with_role(Role.PROGRAMME_TEAM), code=code)
    assert caught.value.code == "invalid_code"


def test_both_names_are_required() -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(actor_with_role(Role.PROGRAMME_TEAM), name_en="  ")
    assert caught.value.field == "name_en"


def test_update_changes_fields_and_records_which() -> None:
    actor = actor_with_role(Role.PROGRAMME_TEAM)
    fraud_type = FraudType.objects.get(code="invoice")
    updated = services.fraud_type_update(
        actor=actor,
        fraud_type=fraud_type,
        changes={"name_en": " Invoice and CEO fraud ", "sort_order": 61},
    )
    assert updated.name_en == "Invoice and CEO fraud"
    fraud_type.refresh_from_db()
    assert fraud_type.sort_order == 61
    event = AuditEvent.objects.get(action="fraud_type.update")
    assert event.details == {"changed": ["name_en", "sort_order"]}


def test_update_without_changes_writes_no_audit_row() -> None:
    actor = actor_with_role(Role.PROGRAMME_TEAM)
    fraud_type = FraudType.objects.get(code="invoice")
    services.fraud_type_update(
        actor=actor, fraud_type=fraud_type, changes={"name_nl": fraud_type.name_nl}
    )
    assert not AuditEvent.objects.filter(action="fraud_type.update").exists()


def test_the_code_cannot_be_changed() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.fraud_type_update(
            actor=actor_with_role(Role.PROGRAMME_TEAM),
            fraud_type=FraudType.objects.get(code="invoice"),
            changes={"code": "factuur"},
        )
    assert caught.value.code == "not_editable"


def test_the_fallback_type_other_stays_active() -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.fraud_type_update(
            actor=actor_with_role(Role.PROGRAMME_TEAM),
            fraud_type=FraudType.objects.get(code="other"),
            changes={"is_active": False},
        )
    assert caught.value.code == "fallback_required"
    assert FraudType.objects.get(code="other").is_active


def test_other_types_can_be_retired() -> None:
    services.fraud_type_update(
        actor=actor_with_role(Role.PROGRAMME_TEAM),
        fraud_type=FraudType.objects.get(code="romance"),
        changes={"is_active": False},
    )
    assert not FraudType.objects.get(code="romance").is_active
