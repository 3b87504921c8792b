"""Alert lifecycle: drafts, versions on edit, sharing, withdrawal, quick flag, indicators."""

from __future__ import annotations

import pytest

from ketenwacht.alerts import selectors, services
from ketenwacht.alerts.constants import AlertStatus, Event, SubscriptionChannel
from ketenwacht.alerts.models import AlertTransition, AlertVersion
from ketenwacht.alerts.tests.factories import (
    PHISHING,
    client_for,
    make_alert,
    make_subscription,
    make_world,
    person,
    user_of,
)
from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.models import Delivery
from ketenwacht.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.identifiers.models import Pseudonym
from ketenwacht.partners.constants import Marking, Role

pytestmark = pytest.mark.django_db


def test_create_makes_a_draft_with_version_one() -> None:
    world = make_world()
    alert = make_alert(world, share=False)
    assert alert.status == AlertStatus.DRAFT
    assert alert.version == 1
    assert alert.author_organisation == world.author_org
    version = alert.versions.get()
    assert (version.number, version.title, version.marking) == (1, alert.title, Marking.AMBER)
    assert list(alert.history.values_list("from_status", "to_status")) == [("", "draft")]
    assert AuditEvent.objects.filter(action="alert.create", object_id=str(alert.uuid)).exists()


def test_every_edit_makes_a_version_and_keeps_the_old_content() -> None:
    world = make_world()
    alert = make_alert(world, share=False)
    services.alert_update(actor=world.author, alert=alert, title="Nieuwe titel")
    services.alert_update(
        actor=world.author, alert=alert, body="Meer **details**.", phases=["contact"]
    )
    alert.refresh_from_db()
    assert alert.version == 3
    versions = list(AlertVersion.objects.filter(alert=alert).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].title == "Nepbankmedewerker belt over 'verdachte betaling'"
    assert versions[1].title == "Nieuwe titel"
    assert versions[2].body == "Meer **details**."
    assert versions[2].phases == ["contact"]
    updates = AuditEvent.objects.filter(action="alert.update", object_id=str(alert.uuid))
    assert updates.count() == 2


def test_an_edit_that_changes_nothing_makes_no_version() -> None:
    world = make_world()
    alert = make_alert(world, share=False)
    services.alert_update(actor=world.author, alert=alert, title=alert.title)
    alert.refresh_from_db()
    assert alert.version == 1


def test_only_the_author_organisation_edits() -> None:
    world = make_world()
    alert = make_alert(world)
    with pytest.raises(PermissionDeniedError):
        services.alert_update(actor=world.member, alert=alert, title="Gekaapt")
    with pytest.raises(NotFoundError):
        services.alert_update(actor=world.outsider, alert=alert, title="Gekaapt")
    colleague = person(Role.POLICE_ANALYST, world.author_org)
    services.alert_update(actor=colleague, alert=alert, title="Aangevuld door collega")
    desk = person(Role.DESK_AGENT, world.author_org)
    with pytest.raises(PermissionDeniedError):
        services.alert_update(actor=desk, alert=alert, title="Lezer mag niet schrijven")


def test_share_needs_a_fraud_type_and_tells_the_webhooks() -> None:
    world = make_world()
    hook = make_subscription(world.member_org)
    alert = make_alert(world, share=False, fraud_type=None)
    with pytest.raises(ValidationFailed) as caught:
        services.alert_share(actor=world.author, alert=alert)
    assert caught.value.code == "fraud_type_required"
    services.alert_update(actor=world.author, alert=alert, fraud_type=PHISHING)
    shared = services.alert_share(actor=world.author, alert=alert)
    assert shared.status == AlertStatus.SHARED
    assert shared.first_shared_version == shared.version
    delivery = Delivery.objects.get(event_type=Event.SHARED)
    assert delivery.endpoint == hook.endpoint
    assert delivery.payload["id"] == str(alert.uuid)
    assert delivery.payload["tlp"] == "TLP:AMBER"
    assert AuditEvent.objects.filter(action="alert.share", object_id=str(alert.uuid)).exists()
    forward = AuditEvent.objects.get(action="alert.forward", object_id=str(alert.uuid))
    assert forward.details["organisations"] == [world.member_org.pk]


def test_shared_alert_cannot_be_downgraded_by_edit_but_can_be_raised() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.AMBER)
    with pytest.raises(ValidationFailed) as caught:
        services.alert_update(actor=world.author, alert=alert, marking=Marking.GREEN)
    assert caught.value.code == "downgrade_needs_consent"
    raised = services.alert_update(actor=world.author, alert=alert, marking=Marking.AMBER_STRICT)
    assert raised.marking == Marking.AMBER_STRICT


def test_draft_marking_is_free() -> None:
    world = make_world()
    alert = make_alert(world, share=False, marking=Marking.AMBER)
    changed = services.alert_update(actor=world.author, alert=alert, marking=Marking.CLEAR)
    assert changed.marking == Marking.CLEAR


def test_withdraw_keeps_it_readable_as_withdrawn_and_tells_subscribers() -> None:
    world = make_world()
    make_subscription(world.member_org)
    alert = make_alert(world)
    with pytest.raises(ValidationFailed):
        services.alert_withdraw(actor=world.author, alert=alert, reason=" ")
    withdrawn = services.alert_withdraw(actor=world.author, alert=alert, reason="Onjuist gebleken")
    assert withdrawn.status == AlertStatus.WITHDRAWN
    assert selectors.alert_get(actor=world.member, alert_id=alert.uuid).is_withdrawn
    assert Delivery.objects.filter(event_type=Event.WITHDRAWN).count() == 1
    assert list(
        AlertTransition.objects.filter(alert=alert).values_list("to_status", flat=True)
    ) == ["draft", "shared", "withdrawn"]
    with pytest.raises(ConflictError):
        services.alert_update(actor=world.author, alert=alert, title="Toch niet")


def test_quick_flag_is_shared_at_once_and_notifies_the_group() -> None:
    world = make_world()
    desk_member = person(Role.DESK_AGENT, world.member_org)
    admin_member = person(Role.ADMIN, world.member_org)  # admins do not read alerts
    hook = make_subscription(world.member_org, fraud_types=["romance"])  # filter ignored
    outsider_hook = make_subscription(world.outsider_org)
    alert = services.alert_quick_flag(
        actor=world.author,
        group=world.group,
        title="Nieuwe sms-golf over 'pas verlopen'",
        marking=Marking.AMBER,
    )
    assert alert.is_quick_flag and alert.status == AlertStatus.SHARED
    assert alert.fraud_type is None
    hooks = Delivery.objects.filter(event_type=Event.QUICK_FLAG, channel=Channel.WEBHOOK)
    assert list(hooks.values_list("endpoint", flat=True)) == [hook.endpoint_id]
    assert not hooks.filter(endpoint=outsider_hook.endpoint).exists()
    mails = Delivery.objects.filter(event_type=Event.QUICK_FLAG, channel=Channel.EMAIL)
    recipients = set(mails.values_list("email_to", flat=True))
    assert recipients == {
        user_of(world.author).email,
        user_of(world.member).email,
        user_of(desk_member).email,
    }
    assert user_of(admin_member).email not in recipients
    assert user_of(world.outsider).email not in recipients
    first_mail = mails.first()
    assert first_mail is not None
    assert "Nieuwe sms-golf" in first_mail.subject  # AMBER may travel by e-mail
    assert AuditEvent.objects.filter(action="alert.quick_flag").exists()


def test_quick_flag_with_a_strict_marking_mails_no_content() -> None:
    world = make_world()
    services.alert_quick_flag(
        actor=world.author,
        group=world.group,
        title="Geheime methode",
        summary="Details volgen",
        marking=Marking.AMBER_STRICT,
    )
    mails = Delivery.objects.filter(event_type=Event.QUICK_FLAG, channel=Channel.EMAIL)
    assert mails.count() == 2
    for mail in mails:
        assert "Geheime methode" not in mail.subject
        assert "Geheime methode" not in mail.payload["body"]
        assert "/portal/alerts/" in mail.payload["body"]


def test_quick_flag_refuses_personal_data() -> None:
    world = make_world()
    with pytest.raises(ValidationFailed) as caught:
        services.alert_quick_flag(
            actor=world.author,
            group=world.group,
            title="Geld naar NL91ABNA0417164300 overgemaakt",
        )
    assert caught.value.code == "personal_data_in_text"
    assert not Delivery.objects.exists()


def test_outsider_cannot_author_in_a_group() -> None:
    world = make_world()
    with pytest.raises(ValidationFailed) as caught:
        make_alert(world, author=world.outsider)
    assert caught.value.code == "not_a_member"


def test_red_needs_named_people_and_only_eligible_ones() -> None:
    world = make_world()
    alert = make_alert(world, marking=Marking.RED, share=False)
    with pytest.raises(ValidationFailed) as caught:
        services.alert_share(actor=world.author, alert=alert)
    assert caught.value.code == "red_needs_recipients"
    with pytest.raises(ValidationFailed) as caught:
        services.alert_update(
            actor=world.author, alert=alert, recipients=[user_of(world.outsider).pk]
        )
    assert caught.value.code == "recipient_not_eligible"
    services.alert_update(actor=world.author, alert=alert, recipients=[user_of(world.member).pk])
    assert services.alert_share(actor=world.author, alert=alert).status == AlertStatus.SHARED


def test_red_never_by_token() -> None:
    from ketenwacht.partners.access import actor_for_token
    from ketenwacht.partners.tests.factories import make_token

    world = make_world()
    token, _secret = make_token(world.author_org, ["alerts:write"])
    with pytest.raises(ValidationFailed) as caught:
        services.alert_create(
            actor=actor_for_token(token), group=world.group, title="Rood", marking=Marking.RED
        )
    assert caught.value.code == "red_needs_person"


def test_indicator_is_pseudonymised_and_raw_value_kept_only_if_agreement_allows() -> None:
    world = make_world(raw_value_roles=[Role.POLICE_ANALYST])
    alert = make_alert(world)
    indicator = services.alert_indicator_add(
        actor=world.author, alert=alert, value="NL91 ABNA 0417 1643 00", note="muildier"
    )
    assert indicator.kind == "iban"
    assert indicator.pseudonym.kind == "iban"
    assert "0417" not in indicator.display_hint
    assert indicator.has_raw_value
    assert indicator.raw_ciphertext is not None
    assert b"NL91ABNA0417164300" not in bytes(indicator.raw_ciphertext)
    alert.refresh_from_db()
    assert alert.version == 2
    assert alert.versions.get(number=2).indicators == [
        {"kind": "iban", "display_hint": indicator.display_hint, "note": "muildier"}
    ]
    # The same value in another alert links to the same pseudonym.
    other = make_alert(world, title="Ander geval")
    again = services.alert_indicator_add(
        actor=world.author, alert=other, value="NL91ABNA0417164300"
    )
    assert again.pseudonym_id == indicator.pseudonym_id
    assert Pseudonym.objects.count() == 1


def test_indicator_without_raw_value_roles_is_pseudonym_only() -> None:
    world = make_world(raw_value_roles=[])
    alert = make_alert(world)
    indicator = services.alert_indicator_add(actor=world.author, alert=alert, value="0612345678")
    assert indicator.kind == "phone"
    assert indicator.raw_ciphertext is None
    assert not indicator.has_raw_value


def test_indicator_refuses_bsn_and_disallowed_kinds() -> None:
    world = make_world()
    alert = make_alert(world)
    with pytest.raises(ValidationFailed) as caught:
        services.alert_indicator_add(actor=world.author, alert=alert, value="111222333")
    assert caught.value.code == "bsn_refused"
    with pytest.raises(ValidationFailed) as caught:
        services.alert_indicator_add(
            actor=world.author,
            alert=alert,
            value="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            kind="wallet",
        )
    assert caught.value.code == "kind_not_allowed"


def test_raw_value_reveal_is_audited_and_limited_to_agreement_roles() -> None:
    world = make_world(raw_value_roles=[Role.POLICE_ANALYST])
    alert = make_alert(world)
    indicator = services.alert_indicator_add(actor=world.author, alert=alert, value="0612345678")
    police = person(Role.POLICE_ANALYST, world.member_org)
    revealed = services.alert_raw_value_reveal(
        actor=police, indicator=indicator, reason="Onderzoek 2024-17"
    )
    assert revealed.value == "+31612345678"
    assert AuditEvent.objects.get(action="alert.indicator_reveal").purpose == "Onderzoek 2024-17"
    with pytest.raises(PermissionDeniedError):
        services.alert_raw_value_reveal(
            actor=world.member, indicator=indicator, reason="nieuwsgierig"
        )
    assert AuditEvent.objects.filter(action="alert.indicator_reveal_refused").count() == 1
    outside_police = person(Role.POLICE_ANALYST, world.outsider_org)
    with pytest.raises(NotFoundError):
        services.alert_raw_value_reveal(actor=outside_police, indicator=indicator, reason="buiten")


def test_raw_values_purge_after_retention() -> None:
    from datetime import timedelta

    from django.utils import timezone

    world = make_world()
    alert = make_alert(world)
    indicator = services.alert_indicator_add(actor=world.author, alert=alert, value="0612345678")
    assert services.raw_values_purge() == 0
    assert services.raw_values_purge(now=timezone.now() + timedelta(days=366)) == 1
    indicator.refresh_from_db()
    assert indicator.raw_ciphertext is None
    assert indicator.pseudonym_id is not None


def test_edit_cancels_an_open_release_request() -> None:
    from ketenwacht.release.constants import Status

    world = make_world()
    alert = make_alert(world, marking=Marking.CLEAR)
    request = services.alert_release_request(
        actor=world.author, alert=alert, action="publish", reason="Publiek waarschuwen"
    )
    services.alert_update(actor=world.author, alert=alert, summary="Aangepast")
    request.refresh_from_db()
    assert request.status == Status.CANCELLED


def test_subscription_refuses_markings_the_channel_may_not_carry() -> None:
    world = make_world()
    with pytest.raises(ValidationFailed) as caught:
        services.subscription_create(
            actor=world.author,
            name="Digest",
            channel=SubscriptionChannel.DIGEST,
            email="soc@bank-a.example",
            markings=[Marking.AMBER_STRICT],
        )
    assert caught.value.code == "marking_not_allowed"
    with pytest.raises(ValidationFailed):
        services.subscription_create(
            actor=world.author,
            name="Hook",
            channel=SubscriptionChannel.WEBHOOK,
            endpoint=None,
            markings=[Marking.RED],
        )


def test_edit_page_shows_findings_to_the_author_only() -> None:
    world = make_world()
    alert = make_alert(world, share=False, body="Bel 06-12345678")
    page = client_for(world.author).get(f"/portal/alerts/{alert.uuid}/edit/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Personal data in the text" in text or "Persoonsgegevens" in text
    assert "06-12345678" in text
    assert client_for(world.member).get(f"/portal/alerts/{alert.uuid}/edit/").status_code == 404
