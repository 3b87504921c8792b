"""The SMTP listener, running, with Python's smtplib as the sending side."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from ketenwacht.partners.access import SYSTEM
from ketenwacht.shield import selectors
from ketenwacht.shield.constants import MAX_MESSAGE_BYTES, Channel
from ketenwacht.shield.models import Report
from ketenwacht.shield.smtpd import recipient_accepted, start_listener
from ketenwacht.shield.tests.factories import forwarded_as_attachment, plain_eml
from ketenwacht.shield.tests.unbound import free_port

# The listener stores from its own thread, so the data must really be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener() -> Iterator[tuple[str, int]]:
    port = free_port()
    controller = start_listener("127.0.0.1", port)
    yield "127.0.0.1", port
    controller.stop()


def send(
    address: tuple[str, int],
    data: bytes,
    *,
    to: str = "meld@ketenwacht.example",
    sender: str = "melder@example.org",
) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP(*address, timeout=30) as client:
        return client.sendmail(sender, [to], data)


def test_forwarded_mail_ends_up_in_the_triage_queue(listener: tuple[str, int]) -> None:
    send(listener, forwarded_as_attachment(plain_eml()))
    report = Report.objects.get()
    assert report.channel == Channel.SMTP
    assert report.reporter_email == "melder@example.org"
    assert report.subject == "Uw rekening"
    queue = list(selectors.triage_queue(actor=SYSTEM))
    assert [host.name for host in queue] == ["rabobank-verificatie.nl"]


def test_inline_forward_is_parsed_too(listener: tuple[str, int]) -> None:
    body = (
        "Kijk eens.\n\n---------- Forwarded message ---------\nFrom: ING <x@ing-melding.com>\n"
        "Subject: Uw pas verloopt\n\nVerleng via https://ing-melding.com/pas\n"
    )
    send(listener, plain_eml(body, subject="Fwd: Uw pas verloopt"))
    report = Report.objects.get()
    assert report.subject == "Uw pas verloopt"
    assert report.original_sender == "x@ing-melding.com"


def test_relaying_is_refused(listener: tuple[str, int]) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send(listener, plain_eml(), to="someone@elsewhere.example.org")
    code, message = caught.value.recipients["someone@elsewhere.example.org"]
    assert code == 550 and b"Relaying denied" in message
    assert not Report.objects.exists()


def test_oversized_message_is_refused(listener: tuple[str, int]) -> None:
    data = plain_eml("x" * (MAX_MESSAGE_BYTES + 1024))
    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as caught:
        send(listener, data)
    assert caught.value.smtp_code == 552
    assert not Report.objects.exists()


def test_unreadable_message_gets_a_clear_permanent_refusal(listener: tuple[str, int]) -> None:
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\n{i}\r\n" for i in range(400))
    data = (
        'From: a@b.nl\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + parts
        + "--b--\r\n"
    ).encode()
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(listener, data)
    assert caught.value.smtp_code == 554
    assert b"parts" in caught.value.smtp_error
    assert not Report.objects.exists()


def test_recipient_domains() -> None:
    domains = frozenset({"ketenwacht.example"})
    assert recipient_accepted("meld@ketenwacht.example", domains)
    assert recipient_accepted("<MELD@Ketenwacht.Example>", domains)
    assert not recipient_accepted("meld@ketenwacht.example.evil.nl", domains)
    assert not recipient_accepted("@ketenwacht.example", domains)
