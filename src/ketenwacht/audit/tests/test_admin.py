"""Audit events in the admin: viewable, never added, changed or deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ketenwacht.audit.models import AuditEvent
from ketenwacht.audit.services import audit_record
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.conftest import verified_client
from ketenwacht.partners.tests.factories import OrganisationFactory, make_user

pytestmark = pytest.mark.django_db


def test_events_are_read_only_in_the_admin() -> None:
    client = verified_client(make_user(Role.PROGRAMME_TEAM, is_staff=True, is_superuser=True))
    event = audit_record(actor=None, action="system.purge", details={"removed": 2})

    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    change = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete = client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"action": "forged"})
    assert AuditEvent.objects.get(pk=event.pk).action == "system.purge"


def test_staff_without_the_programme_role_are_kept_out() -> None:
    """The admin is the programme team's; an organisation reads its events in the portal."""
    bank = OrganisationFactory.create()
    staff = make_user(Role.ADMIN, bank, is_staff=True)
    staff.user_permissions.add(*_view_permission())
    response = verified_client(staff).get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_programme_team_staff_see_every_event() -> None:
    bank, shop = OrganisationFactory.create(), OrganisationFactory.create()
    for organisation in (bank, shop):
        actor = access.actor_for_user(make_user(Role.PARTNER_ANALYST, organisation))
        audit_record(actor=actor, action="check")
    staff = make_user(Role.PROGRAMME_TEAM, is_staff=True)
    staff.user_permissions.add(*_view_permission())
    response = verified_client(staff).get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == AuditEvent.objects.count() == 2


def _view_permission() -> list[Permission]:
    return list(Permission.objects.filter(codename="view_auditevent"))
