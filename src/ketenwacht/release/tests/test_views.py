"""The consent inbox pages: who sees a request, deciding by form, escaping."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.partners.constants import Role
from ketenwacht.release import services
from ketenwacht.release.constants import Decision, Status
from ketenwacht.release.models import ReleaseRequest
from ketenwacht.release.tests.factories import (
    Circle,
    RecordingHandler,
    colleague_of,
    make_circle,
    user_of,
)

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def _request(circle: Circle, reason: str = "Warn the public") -> ReleaseRequest:
    return services.release_request_open(
        actor=colleague_of(circle.deciders[0]),
        target=circle.group,
        action="publish",
        reason=reason,
    )


def test_party_sees_and_approves(handler: RecordingHandler) -> None:
    circle = make_circle(1)
    request = _request(circle)
    client = client_for(user_of(circle.deciders[0]))
    inbox = client.get("/portal/release/")
    assert inbox.status_code == 200
    assert f"/portal/release/{request.pk}/" in inbox.content.decode()
    detail = client.get(f"/portal/release/{request.pk}/")
    assert detail.status_code == 200
    assert f'action="/portal/release/{request.pk}/decide/"' in detail.content.decode()
    response = client.post(
        f"/portal/release/{request.pk}/decide/", {"decision": Decision.APPROVE, "reason": ""}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.RELEASED


def test_veto_without_reason_is_a_form_error(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _request(circle)
    client = client_for(user_of(circle.deciders[1]))
    response = client.post(f"/portal/release/{request.pk}/decide/", {"decision": Decision.VETO})
    assert response.status_code == 400
    assert not request.decisions.exists()


def test_outsider_gets_404(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    outsiders = make_circle(1)
    request = _request(circle)
    client = client_for(user_of(outsiders.deciders[0]))
    assert client.get(f"/portal/release/{request.pk}/").status_code == 404
    response = client.post(f"/portal/release/{request.pk}/decide/", {"decision": Decision.APPROVE})
    assert response.status_code == 404
    assert f"/portal/release/{request.pk}/" not in client.get("/portal/release/").content.decode()


def test_reason_and_summary_are_escaped(handler: RecordingHandler) -> None:
    circle = make_circle(1)
    circle.group.name = "<script>alert(1)</script>"
    circle.group.save()
    request = _request(circle, reason="<img src=x onerror=alert(2)>")
    html = client_for(user_of(circle.deciders[0])).get(f"/portal/release/{request.pk}/").content
    text = html.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text
    assert "<img src=x" not in text


def test_requesting_organisation_can_cancel(handler: RecordingHandler) -> None:
    circle = make_circle(2)
    request = _request(circle)
    client = client_for(user_of(colleague_of(circle.deciders[0], Role.POLICE_ANALYST)))
    response = client.post(f"/portal/release/{request.pk}/cancel/", {"reason": "outdated"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
