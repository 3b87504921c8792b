import pytest
from django.contrib import admin
from django.test import RequestFactory

from ketenwacht.audit.models import AuditEvent
from ketenwacht.knowledge.models import FraudType
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import make_user

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/knowledge/fraudtype/"


def _staff_client(login_client, role: str):
    client = login_client(role)
    client.user.is_staff = True
    client.user.save(update_fields=["is_staff"])
    return client


def test_programme_team_edits_a_fraud_type_in_the_admin(login_client) -> None:
    client = _staff_client(login_client, Role.PROGRAMME_TEAM)
    assert client.get(CHANGELIST).status_code == 200
    romance = FraudType.objects.get(code="romance")
    response = client.post(
        f"{CHANGELIST}romance/change/",
        {
            "name_nl": "Datingfraude",
            "name_en": "Dating fraud",
            "description_nl": romance.description_nl,
            "description_en": romance.description_en,
            "is_active": "on",
            "sort_order": "70",
        },
    )
    assert response.status_code == 302
    assert FraudType.objects.get(code="romance").name_en == "Dating fraud"
    event = AuditEvent.objects.get(action="fraud_type.update")
    assert event.actor_user == client.user
    assert event.details == {"changed": ["name_en"]}


def test_admin_form_refuses_to_retire_other(login_client) -> None:
    client = _staff_client(login_client, Role.PROGRAMME_TEAM)
    other = FraudType.objects.get(code="other")
    response = client.post(
        f"{CHANGELIST}other/change/",
        {
            "name_nl": other.name_nl,
            "name_en": other.name_en,
            "description_nl": other.description_nl,
            "description_en": other.description_en,
            "sort_order": "110",
        },
    )
    assert response.status_code == 200  # form shown again with the error
    assert "The type &#x27;other&#x27; stays active" in response.content.decode()
    assert FraudType.objects.get(code="other").is_active


def test_programme_team_adds_a_fraud_type_in_the_admin(login_client) -> None:
    client = _staff_client(login_client, Role.PROGRAMME_TEAM)
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "code": "qr_code",
            "name_nl": "QR-codefraude",
            "name_en": "QR code fraud",
            "description_nl": "",
            "description_en": "",
            "is_active": "on",
            "sort_order": "55",
        },
    )
    assert response.status_code == 302
    assert FraudType.objects.filter(code="qr_code").exists()
    assert AuditEvent.objects.filter(action="fraud_type.create", object_id="qr_code").exists()


def test_nobody_deletes_fraud_types(login_client) -> None:
    client = _staff_client(login_client, Role.PROGRAMME_TEAM)
    response = client.post(f"{CHANGELIST}purchase/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert FraudType.objects.filter(code="purchase").exists()


def test_staff_of_other_roles_cannot_open_the_taxonomy(login_client) -> None:
    client = _staff_client(login_client, Role.PARTNER_ANALYST)
    response = client.get(CHANGELIST)
    # Refused either by the admin site (back to its login) or by the model admin.
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("role", "superuser", "may_view", "may_change"),
    [
        (Role.PROGRAMME_TEAM, False, True, True),
        (None, True, True, False),  # break-glass superuser: reads, edits only as programme team
        (Role.ADMIN, False, False, False),
        (Role.PARTNER_ANALYST, False, False, False),
    ],
)
def test_model_admin_permissions_by_role(role, superuser, may_view, may_change) -> None:
    user = make_user(role, is_staff=True, is_superuser=superuser)
    request = RequestFactory().get(CHANGELIST)
    request.user = user
    model_admin = admin.site._registry[FraudType]
    assert model_admin.has_module_permission(request) is may_view
    assert model_admin.has_view_permission(request) is may_view
    assert model_admin.has_change_permission(request) is may_change
    assert model_admin.has_add_permission(request) is may_change
    assert model_admin.has_delete_permission(request) is False
