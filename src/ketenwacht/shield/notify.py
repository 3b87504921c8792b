"""E-mails to reporters and domain owners, through the delivery outbox.

Each is written in the caller's transaction (the outbox row commits with the decision it
reports) and sent after commit with retries. The texts are bilingual: the recipient's
language is unknown. Nothing a reporter sent is copied into a header: the subject lines are
fixed texts with our own reference.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from ketenwacht.delivery.constants import Channel
from ketenwacht.delivery.services import delivery_enqueue
from ketenwacht.partners.access import SYSTEM, Actor
from ketenwacht.shield.constants import Verdict
from ketenwacht.shield.models import Appeal, Report

_VERDICT_TEXT = {
    Verdict.PHISHING: (
        "Het bericht was phishing. De website is geblokkeerd bij aangesloten internetproviders.",
        "The message was phishing. The website has been blocked at participating providers.",
    ),
    Verdict.NOT_BLOCKED: (
        "We hebben de links gecontroleerd en geen website geblokkeerd. Blijf voorzichtig: "
        "klik niet op links in onverwachte berichten.",
        "We checked the links and did not block any website. Stay careful: do not click links "
        "in unexpected messages.",
    ),
    Verdict.NO_LINKS: (
        "We vonden geen links in het bericht. Bel bij twijfel de organisatie zelf, via het "
        "nummer op haar eigen website.",
        "We found no links in the message. When in doubt, call the organisation yourself, on "
        "the number on its own website.",
    ),
}


def _absolute(path: str) -> str:
    return str(settings.KETENWACHT["PUBLIC_BASE_URL"]).rstrip("/") + path


def status_url(report: Report) -> str:
    return _absolute(reverse("shield:status", args=[report.reference]))


def acknowledge(report: Report, *, actor: Actor = SYSTEM) -> None:
    if not report.reporter_email:
        return
    body = (
        "Bedankt voor het doorsturen. We controleren het bericht en laten u de uitkomst weten.\n"
        f"Kenmerk: {report.reference}\nStatus: {status_url(report)}\n\n"
        "Thank you for forwarding this message. We are checking it and will tell you the "
        f"outcome.\nReference: {report.reference}\nStatus: {status_url(report)}\n"
    )
    delivery_enqueue(
        actor=actor,
        channel=Channel.EMAIL,
        event_type="shield.report.acknowledged",
        payload={"body": body, "report": str(report.reference)},
        email_to=report.reporter_email,
        subject="Ontvangen / Received — Ketenwacht",
        idempotency_key=f"shield-ack-{report.reference}",
    )


def tell_verdict(report: Report, *, actor: Actor = SYSTEM) -> None:
    if not report.reporter_email or report.verdict not in _VERDICT_TEXT:
        return
    dutch, english = _VERDICT_TEXT[Verdict(report.verdict)]
    body = (
        f"{dutch}\nKenmerk: {report.reference}\nStatus: {status_url(report)}\n\n"
        f"{english}\nReference: {report.reference}\nStatus: {status_url(report)}\n"
    )
    delivery_enqueue(
        actor=actor,
        channel=Channel.EMAIL,
        event_type="shield.report.verdict",
        payload={"body": body, "report": str(report.reference), "verdict": report.verdict},
        email_to=report.reporter_email,
        subject="Uitkomst / Outcome — Ketenwacht",
        idempotency_key=f"shield-verdict-{report.reference}",
    )


def acknowledge_appeal(appeal: Appeal, *, actor: Actor = SYSTEM) -> None:
    body = (
        f"We hebben uw bezwaar over {appeal.domain} ontvangen en beoordelen het.\n"
        f"Kenmerk: {appeal.reference}\n\n"
        f"We received your appeal about {appeal.domain} and are reviewing it.\n"
        f"Reference: {appeal.reference}\n"
    )
    delivery_enqueue(
        actor=actor,
        channel=Channel.EMAIL,
        event_type="shield.appeal.received",
        payload={"body": body, "appeal": str(appeal.reference)},
        email_to=appeal.email,
        subject="Bezwaar ontvangen / Appeal received — Ketenwacht",
        idempotency_key=f"shield-appeal-ack-{appeal.reference}",
    )


def tell_appeal_outcome(appeal: Appeal, *, actor: Actor) -> None:
    if appeal.status == "upheld":
        dutch = f"Uw bezwaar is toegekend: de blokkade van {appeal.domain} is opgeheven."
        english = f"Your appeal was upheld: the block on {appeal.domain} has been lifted."
    else:
        dutch = f"Uw bezwaar is afgewezen: de blokkade van {appeal.domain} blijft."
        english = f"Your appeal was rejected: the block on {appeal.domain} stays."
    note = f"\n{appeal.decision_note}\n" if appeal.decision_note else "\n"
    body = (
        f"{dutch}{note}Kenmerk: {appeal.reference}\n\n"
        f"{english}{note}Reference: {appeal.reference}\n"
    )
    delivery_enqueue(
        actor=actor,
        channel=Channel.EMAIL,
        event_type="shield.appeal.decided",
        payload={"body": body, "appeal": str(appeal.reference), "outcome": appeal.status},
        email_to=appeal.email,
        subject="Besluit op bezwaar / Appeal decision — Ketenwacht",
        idempotency_key=f"shield-appeal-decision-{appeal.reference}",
    )
