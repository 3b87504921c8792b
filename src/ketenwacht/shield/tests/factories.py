"""Messages, hosts and blocks for the shield's tests."""

from __future__ import annotations

import base64
import quopri
from datetime import timedelta
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any, cast

import factory
from django.utils import timezone

from ketenwacht.identifiers.constants import AllowlistCategory
from ketenwacht.identifiers.models import AllowlistEntry
from ketenwacht.partners.models import DataSharingAgreement, Organisation
from ketenwacht.partners.tests.factories import AgreementFactory, OrganisationFactory, UserFactory
from ketenwacht.shield.constants import BlockPolicy, BlockScope, BlockStatus, HostState
from ketenwacht.shield.models import Block, Host

PHISH_TEXT = (
    "Beste klant, uw rekening wordt geblokkeerd. Verifieer binnen 24 uur uw gegevens via "
    "https://rabobank-verificatie.nl/login?id=42 om dit te voorkomen."
)


def plain_eml(
    body: str = PHISH_TEXT,
    *,
    subject: str = "Uw rekening",
    sender: str = "Rabobank <noreply@rabobank-verificatie.nl>",
    charset: str = "utf-8",
) -> bytes:
    message = MIMEText(body, "plain", charset)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = "klant@example.org"
    return message.as_bytes()


def html_eml(html: str, *, subject: str = "Pakket") -> bytes:
    message = MIMEMultipart("alternative")
    message["Subject"] = subject
    message["From"] = "PostNL <info@postnl-bezorging.com>"
    message.attach(MIMEText("Zie de HTML-versie.", "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message.as_bytes()


def forwarded_as_attachment(
    inner: bytes, *, note: str = "Is dit echt? Zie www.mijnbedrijf.nl"
) -> bytes:
    from email import message_from_bytes

    outer = MIMEMultipart()
    outer["Subject"] = "Fwd: Uw rekening"
    outer["From"] = "Melder <melder@example.org>"
    outer["To"] = "meld@ketenwacht.example"
    outer.attach(MIMEText(note, "plain", "utf-8"))
    outer.attach(MIMEMessage(message_from_bytes(inner)))
    return outer.as_bytes()


def with_attachment(body: str, filename: str, data: bytes, subtype: str = "zip") -> bytes:
    message = MIMEMultipart()
    message["Subject"] = "Factuur"
    message["From"] = "x@factuur-online.nl"
    message.attach(MIMEText(body, "plain", "utf-8"))
    attachment = MIMEApplication(data, subtype)
    attachment.add_header("Content-Disposition", "attachment", filename=filename)
    message.attach(attachment)
    return message.as_bytes()


def raw_eml(headers: dict[str, str], body: bytes, *, transfer_encoding: str = "") -> bytes:
    """A message written byte by byte, for encodings and malformations the stdlib would fix."""
    lines = [f"{name}: {value}".encode() for name, value in headers.items()]
    if transfer_encoding:
        lines.append(f"Content-Transfer-Encoding: {transfer_encoding}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def qp(text: str) -> bytes:
    return quopri.encodestring(text.encode("utf-8"))


def b64(text: str) -> bytes:
    return base64.encodebytes(text.encode("utf-8"))


def allowlist(domain: str, owner: str = "Rabobank") -> AllowlistEntry:
    return AllowlistEntry.objects.create(
        kind="domain",
        value=domain,
        display=domain,
        owner_name=owner,
        category=AllowlistCategory.BANK,
    )


class HostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Host

    name = factory.Sequence(lambda n: f"phish{n}.nl")
    display = factory.LazyAttribute(lambda h: h.name)
    registrable_domain = factory.LazyAttribute(lambda h: h.name)
    state = HostState.NEW
    first_report_at = factory.LazyFunction(timezone.now)


class BlockFactory(factory.django.DjangoModelFactory):
    """A listed block by default; ``proposed=True`` for one still waiting for approval."""

    class Meta:
        model = Block

    class Params:
        proposed = factory.Trait(
            status=BlockStatus.PROPOSED, approved_by=None, approved_at=None, expires_at=None
        )
        nxdomain = factory.Trait(policy=BlockPolicy.NXDOMAIN)

    name = factory.Sequence(lambda n: f"blocked{n}.nl")
    scope = BlockScope.HOST
    wildcard = False
    policy = BlockPolicy.WARNING
    reason = "Phishing page imitating a bank login"
    status = BlockStatus.ACTIVE
    duration_days = 30
    proposed_by = factory.SubFactory(UserFactory)
    approved_by = factory.SubFactory(UserFactory)
    approved_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


def make_block(**kwargs: Any) -> Block:
    return cast(Block, BlockFactory(**kwargs))


def make_organisation() -> Organisation:
    return cast(Organisation, OrganisationFactory())


def make_agreement_for(organisation: Organisation) -> DataSharingAgreement:
    """An agreement in force (allowing url and domain) of a group the organisation joins."""
    agreement = cast(DataSharingAgreement, AgreementFactory())
    agreement.group.members.add(organisation)
    return agreement


def block_kwargs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "scope": BlockScope.HOST,
        "wildcard": False,
        "policy": BlockPolicy.WARNING,
        "reason": "Imitates the Rabobank login page",
        "days": 30,
    }
    values.update(overrides)
    return values
