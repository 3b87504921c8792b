"""Factories for the partners kernel, with traits for each role."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketenwacht.partners import access, tokens
from ketenwacht.partners.constants import Scope, Sector
from ketenwacht.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    SharingGroup,
)

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    slug = factory.Sequence(lambda n: f"organisatie-{n}")
    sector = Sector.BANK
    kvk_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()  # type: ignore[attr-defined]


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "partner_analyst"


class SharingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharingGroup

    name = factory.Sequence(lambda n: f"Deelgroep {n}")
    slug = factory.Sequence(lambda n: f"deelgroep-{n}")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSharingAgreement

    group = factory.SubFactory(SharingGroupFactory)
    version = 1
    purpose = "Voorkomen van online fraude"
    legal_basis = "Gerechtvaardigd belang (AVG art. 6(1)(f))"
    allowed_kinds = ["iban", "phone", "email", "url", "domain"]
    raw_value_roles = ["police_analyst"]
    retention_days = {"iban": 365, "phone": 365, "email": 180, "url": 90, "domain": 90}
    warning_thresholds = {"warning_organisations": 2, "warning_confirmed": 1}
    valid_from = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


BACKUP_CODES = ("backup01", "backup02")


def make_user(
    role: str | None,
    organisation: Organisation | None = None,
    *,
    devices: bool = True,
    **kwargs: Any,
) -> Any:
    """A user with one role (or none), a confirmed TOTP device and backup codes.

    ``devices=False`` makes a user without any second-factor device.
    """
    user = UserFactory(**kwargs)
    if role is not None:
        MembershipFactory(user=user, organisation=organisation or OrganisationFactory(), role=role)
    if devices:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
        for code in BACKUP_CODES:
            StaticToken.objects.create(device=static, token=code)
    return user


def totp_code(user: Any, *, at: float | None = None) -> str:
    """The current code of the user's TOTP device, as an authenticator app would show it."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    moment = time.time() if at is None else at
    counter = int((moment - device.t0) // device.step) + device.drift
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"


def make_agreement(group: SharingGroup | None = None, **kwargs: Any) -> DataSharingAgreement:
    """Version 1 of an agreement in force since yesterday (terms overridable)."""
    agreement: DataSharingAgreement = AgreementFactory.create(
        group=group or SharingGroupFactory.create(), **kwargs
    )
    return agreement


def make_token(
    organisation: Organisation | None = None,
    scopes: list[str] | None = None,
    *,
    expires_in: timedelta = timedelta(days=30),
    revoked: bool = False,
) -> tuple[ApiToken, str]:
    plaintext, key_id, secret_hash = tokens.generate()
    token = ApiToken.objects.create(
        organisation=organisation or OrganisationFactory.create(),
        name="test",
        key_id=key_id,
        secret_hash=secret_hash,
        scopes=scopes if scopes is not None else [s.value for s in Scope],
        expires_at=timezone.now() + expires_in,
        revoked_at=timezone.now() if revoked else None,
    )
    return token, plaintext


def actor_with_role(role: str, organisation: Organisation | None = None) -> access.Actor:
    return access.actor_for_user(make_user(role, organisation))
