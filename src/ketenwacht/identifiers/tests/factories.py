"""Factories for the identifiers domain, with traits for confidence and age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from ketenwacht.identifiers import pseudonyms
from ketenwacht.identifiers.canonical import canonicalise
from ketenwacht.identifiers.constants import (
    AllowlistCategory,
    Confidence,
    DisputeStatus,
    IdentifierRole,
    Source,
    UploadStatus,
)
from ketenwacht.identifiers.models import (
    AllowlistEntry,
    Dispute,
    Pseudonym,
    RawValue,
    Sighting,
    SightingUpload,
)
from ketenwacht.partners.models import DataSharingAgreement, Organisation, SharingGroup
from ketenwacht.partners.tests.factories import (
    AgreementFactory,
    OrganisationFactory,
    SharingGroupFactory,
)

IBAN = "NL91ABNA0417164300"
OTHER_IBAN = "NL02ABNA0123456789"
MOBILE = "+31612345678"


@dataclass
class Circle:
    """A sharing group in force with its agreement and member organisations."""

    group: SharingGroup
    agreement: DataSharingAgreement
    members: list[Organisation]


def make_circle(members: int = 2, **terms: Any) -> Circle:
    """A sharing group with ``members`` organisations and version 1 of its agreement."""
    group: SharingGroup = SharingGroupFactory.create()
    organisations: list[Organisation] = [OrganisationFactory.create() for _ in range(members)]
    group.members.set(organisations)
    agreement: DataSharingAgreement = AgreementFactory.create(group=group, **terms)
    return Circle(group=group, agreement=agreement, members=organisations)


def pseudonym_for(value: str, kind: str | None = None, *, version: int | None = None) -> Pseudonym:
    """The stored pseudonym of a value (created under the current or a given key version)."""
    canonical = canonicalise(value, kind)
    ring = pseudonyms.keyring()
    key_version = version or ring.current_version
    digest = pseudonyms.digest(
        canonical.kind, canonical.value, key=ring.pseudonym_keys[key_version]
    )
    pseudonym, _created = Pseudonym.objects.get_or_create(
        key_version=key_version,
        digest=digest,
        defaults={"kind": canonical.kind, "display_hint": pseudonyms.display_hint(canonical)},
    )
    return pseudonym


def keep_raw(pseudonym: Pseudonym, value: str, agreement: DataSharingAgreement) -> RawValue:
    canonical = canonicalise(value, pseudonym.kind)
    nonce, ciphertext = pseudonyms.encrypt_raw(canonical.kind, canonical.value)
    return RawValue.objects.create(
        pseudonym=pseudonym,
        nonce=nonce,
        ciphertext=ciphertext,
        agreement=agreement,
        expires_at=timezone.now() + timedelta(days=365),
    )


class SightingFactory(factory.django.DjangoModelFactory):
    """A sighting written directly (bypassing the service), for selectors and scoring tests.

    Pass ``circle`` (a ``Circle``) and optionally ``organisation``; ``value`` picks the
    identifier (an IBAN by default).
    """

    class Meta:
        model = Sighting
        exclude = ("circle", "value")

    class Params:
        confirmed = factory.Trait(confidence=Confidence.CONFIRMED)
        police_report = factory.Trait(confidence=Confidence.POLICE_REPORT)
        expired = factory.Trait(
            observed_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=400)),
            expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=35)),
        )
        weeks_old = factory.Trait(
            observed_at=factory.LazyFunction(lambda: timezone.now() - timedelta(weeks=8))
        )

    circle: Any = None
    value = IBAN
    pseudonym = factory.LazyAttribute(lambda o: pseudonym_for(o.value))
    organisation = factory.LazyAttribute(lambda o: o.circle.members[0])
    sharing_group = factory.LazyAttribute(lambda o: o.circle.group)
    agreement = factory.LazyAttribute(lambda o: o.circle.agreement)
    kind = factory.LazyAttribute(lambda o: o.pseudonym.kind)
    fraud_type = "bankhelpdesk"
    role = IdentifierRole.BENEFICIARY_ACCOUNT
    confidence = Confidence.SUSPECTED
    source = Source.PARTNER
    observed_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.observed_at + timedelta(days=365))


class AllowlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllowlistEntry

    class Params:
        domain = factory.Trait(kind="domain", value="rabobank.nl", display="rabobank.nl")
        platform = factory.Trait(
            kind="domain",
            value="marktplaats.nl",
            display="marktplaats.nl",
            owner_name="Marktplaats",
            category=AllowlistCategory.PLATFORM,
            covers_urls=False,
        )

    kind = "phone"
    value = "+31887226767"
    display = "+31 88 722 6767"
    owner_name = "Rabobank"
    category = AllowlistCategory.BANK
    label = "Klantenservice"


# Smallest files that carry each format's signature (the checks look at the first bytes).
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class DisputeFactory(factory.django.DjangoModelFactory):
    """An open dispute about ``value`` (an IBAN by default); ``decided`` closes it."""

    class Meta:
        model = Dispute
        exclude = ("value",)

    class Params:
        decided = factory.Trait(
            status=DisputeStatus.REJECTED,
            decided_at=factory.LazyFunction(timezone.now),
            decision_reason="De meldingen zijn terecht.",
        )

    value = IBAN
    pseudonym = factory.LazyAttribute(lambda o: pseudonym_for(o.value))
    kind = factory.LazyAttribute(lambda o: o.pseudonym.kind)
    display_hint = factory.LazyAttribute(lambda o: o.pseudonym.display_hint)
    name = "Jan Jansen"
    email = "jan@example.org"
    statement = "Deze rekening is van mij en is nooit voor fraude gebruikt."


class SightingUploadFactory(factory.django.DjangoModelFactory):
    """A kept upload of ``rows`` CSV text (header included), waiting for confirmation."""

    class Meta:
        model = SightingUpload
        exclude = ("rows",)

    class Params:
        processing = factory.Trait(
            status=UploadStatus.PROCESSING, started_at=factory.LazyFunction(timezone.now)
        )

    rows = "value,fraud_type,role\nNL91ABNA0417164300,purchase,beneficiary_account\n"
    organisation = factory.SubFactory(OrganisationFactory)
    file_name = "sightings.csv"
    content = factory.LazyAttribute(lambda o: o.rows.encode())
    size = factory.LazyAttribute(lambda o: len(o.content))
    columns = factory.LazyAttribute(lambda o: o.rows.split("\n", 1)[0].split(","))
    total_rows = factory.LazyAttribute(lambda o: len([r for r in o.rows.split("\n")[1:] if r]))
