"""The admin: second factor required, audited changes, read-only agreement versions, tokens."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketenwacht.audit.models import AuditEvent
from ketenwacht.partners.constants import Role
from ketenwacht.partners.models import ApiToken, DataSharingAgreement, Organisation
from ketenwacht.partners.tests.conftest import verified_client
from ketenwacht.partners.tests.factories import (
    PASSWORD,
    OrganisationFactory,
    make_agreement,
    make_token,
    make_user,
)

pytestmark = pytest.mark.django_db


def staff(role: str = Role.PROGRAMME_TEAM, organisation: Organisation | None = None) -> Any:
    """A superuser with a role in an organisation (the admin's permissions plus the role's)."""
    organisation = organisation or OrganisationFactory.create(sector="programme")
    return make_user(role, organisation, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client() -> Client:
    return verified_client(staff())


# --- the admin site itself ---------------------------------------------------------------------


def test_staff_without_second_factor_is_kept_out() -> None:
    client = Client()
    client.force_login(staff())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_login_form_never_logs_in_with_a_password_alone() -> None:
    user = staff()
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert b"/portal/login/?next=/admin/" in response.content
    assert "_auth_user_id" not in client.session


def test_verified_staff_reach_every_changelist(admin_client: Client) -> None:
    for model in ("organisation", "membership", "sharinggroup", "datasharingagreement", "apitoken"):
        response = admin_client.get(reverse(f"admin:partners_{model}_changelist"))
        assert response.status_code == 200, model
    assert admin_client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200


# --- organisations: audited, KvK normalised and validated ---------------------------------------


def test_organisation_added_in_admin_is_normalised_and_audited(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:partners_organisation_add"),
        {
            "name": "Webwinkel Oost",
            "slug": "webwinkel-oost",
            "sector": "webshop",
            "kvk_number": "1234 5678",
            "website": "https://oost.example",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation = Organisation.objects.get(name="Webwinkel Oost")
    assert organisation.kvk_number == "12345678"
    event = AuditEvent.objects.get(action="organisation.create", object_id=str(organisation.pk))
    assert event.details["via"] == "admin"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kvk_number": "1234567"}, "kvk_number"),
        ({"sector": "casino"}, "sector"),
        ({"name": "BANK NOORD"}, "name"),
    ],
)
def test_organisation_admin_refuses_bad_input(
    admin_client: Client, changes: dict[str, str], field: str
) -> None:
    OrganisationFactory.create(name="Bank Noord")
    before = (Organisation.objects.count(), AuditEvent.objects.count())
    data = {"name": "Nieuwe Bank", "slug": "nieuwe-bank", "sector": "bank", **changes}
    response = admin_client.post(reverse("admin:partners_organisation_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == before


def test_organisations_cannot_be_deleted_in_admin(admin_client: Client) -> None:
    organisation = OrganisationFactory.create()
    url = reverse("admin:partners_organisation_delete", args=[organisation.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_membership_admin_refuses_a_second_organisation(admin_client: Client) -> None:
    user = make_user(Role.PARTNER_ANALYST)
    other = OrganisationFactory.create()
    response = admin_client.post(
        reverse("admin:partners_membership_add"),
        {
            "user": user.pk,
            "organisation": other.pk,
            "role": "admin",
            "created_at_0": "",
            "created_at_1": "",
        },
    )
    assert response.status_code == 200
    assert "This user already belongs to another organisation." in str(
        response.context["adminform"].form.errors
    )
    assert user.memberships.count() == 1


# --- agreements: read-only versions, "add" makes the next version -------------------------------


def test_existing_agreement_version_is_read_only(admin_client: Client) -> None:
    agreement = make_agreement()
    url = reverse("admin:partners_datasharingagreement_change", args=[agreement.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert b"New version based on this one" in page.content

    admin_client.post(url, {"purpose": "Iets anders", "legal_basis": "x"})
    agreement.refresh_from_db()
    assert agreement.purpose == "Voorkomen van online fraude"

    delete = reverse("admin:partners_datasharingagreement_delete", args=[agreement.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert DataSharingAgreement.objects.filter(pk=agreement.pk).exists()


def _version_form(agreement: DataSharingAgreement, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "group": agreement.group_id,
        "purpose": agreement.purpose,
        "legal_basis": agreement.legal_basis,
        "allowed_kinds": ["iban", "email"],
        "raw_value_roles": ["police_analyst"],
        "retention_days": '{"iban": 365, "email": 90}',
        "warning_thresholds": '{"warning_organisations": 3}',
        "victim_feedback": "linked",
        "valid_from_0": "",
        "valid_from_1": "",
    }
    data.update(changes)
    return data


def test_adding_an_agreement_makes_the_next_version(admin_client: Client) -> None:
    first = make_agreement()
    response = admin_client.post(
        reverse("admin:partners_datasharingagreement_add"), _version_form(first)
    )
    assert response.status_code == 302
    second = DataSharingAgreement.objects.get(group=first.group, version=2)
    first.refresh_from_db()
    assert first.valid_to == second.valid_from
    assert second.allowed_kinds == ["email", "iban"]
    assert second.warning_thresholds == {"warning_organisations": 3}
    assert second.victim_feedback == "linked"
    assert AuditEvent.objects.filter(action="agreement.revise", object_id=str(second.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"retention_days": '{"wallet": 30}'}, "Retention for a kind the agreement does not allow"),
        ({"retention_days": '{"iban": 0}'}, "must be 1–3650 days"),
        ({"retention_days": "[1, 2]"}, "must be JSON objects"),
        ({"valid_from_0": "2001-01-01", "valid_from_1": "00:00"}, "cannot start in the past"),
        ({"victim_feedback": "everything"}, "Select a valid choice"),
    ],
)
def test_agreement_admin_refuses_bad_terms(
    admin_client: Client, changes: dict[str, str], message: str
) -> None:
    first = make_agreement()
    response = admin_client.post(
        reverse("admin:partners_datasharingagreement_add"), _version_form(first, **changes)
    )
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors)
    assert DataSharingAgreement.objects.count() == 1


def test_new_version_form_starts_from_an_existing_version(admin_client: Client) -> None:
    first = make_agreement(
        allowed_kinds=["iban"], retention_days={"iban": 100}, victim_feedback="unit"
    )
    response = admin_client.get(
        reverse("admin:partners_datasharingagreement_add") + f"?from={first.pk}"
    )
    initial = response.context["adminform"].form.initial
    assert initial["group"] == first.group_id
    assert initial["allowed_kinds"] == ["iban"]
    assert initial["retention_days"] == {"iban": 100}
    assert initial["victim_feedback"] == "unit"


def test_only_the_programme_team_may_add_versions() -> None:
    client = verified_client(staff(Role.ADMIN))
    assert client.get(reverse("admin:partners_datasharingagreement_add")).status_code == 403


# --- tokens: no secret, no add/change/delete, revoke action ---------------------------------------


def test_token_admin_never_shows_the_secret_digest(admin_client: Client) -> None:
    token, _plaintext = make_token()
    for url in (
        reverse("admin:partners_apitoken_changelist"),
        reverse("admin:partners_apitoken_change", args=[token.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert token.key_id.encode() in response.content
        assert token.secret_hash.encode() not in response.content
    assert admin_client.get(reverse("admin:partners_apitoken_add")).status_code == 403


def test_token_admin_revoke_action(admin_client: Client) -> None:
    token, _plaintext = make_token()
    response = admin_client.post(
        reverse("admin:partners_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="token.revoke", object_id=token.key_id).exists()


def test_token_revoke_action_needs_the_programme_team() -> None:
    token, _plaintext = make_token()
    client = verified_client(staff(Role.ADMIN))
    client.post(
        reverse("admin:partners_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()
