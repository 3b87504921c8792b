"""Disputes: submission, suspension of the public answer, four eyes, effect, e-mails, files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.delivery.models import Delivery
from ketenwacht.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from ketenwacht.identifiers import disputes, services
from ketenwacht.identifiers.constants import (
    DISPUTE_RETENTION_DAYS,
    EVIDENCE_MAX_BYTES,
    UNDER_REVIEW,
    DisputeAction,
    DisputeStatus,
)
from ketenwacht.identifiers.models import Dispute, DisputeEvidence, RawValue, Sighting
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import (
    IBAN,
    MOBILE,
    OTHER_IBAN,
    PDF_BYTES,
    PNG_BYTES,
    Circle,
    DisputeFactory,
    pseudonym_for,
)
from ketenwacht.partners import access
from ketenwacht.partners.constants import Role
from ketenwacht.partners.tests.factories import OrganisationFactory, actor_with_role

pytestmark = pytest.mark.django_db

CITIZEN = access.Actor(client_address="198.51.100.7")
STATEMENT = "Dit is mijn eigen rekening; ik heb nooit iets verkocht of gekocht online."


def list_value(circle: Circle, value: str = IBAN, members: int = 2) -> None:
    """Two organisations report the value: the public check says ``warning``."""
    role = "caller_number" if value == MOBILE else "beneficiary_account"
    for organisation in circle.members[:members]:
        services.sightings_ingest(
            actor=token_actor(organisation),
            items=[{"value": value, "fraud_type": "purchase", "role": role}],
            atomic=True,
        )


def submit(value: str = "NL91 ABNA 0417 1643 00", **fields: Any) -> Dispute:
    data: dict[str, Any] = {
        "actor": CITIZEN,
        "value": value,
        "name": "Jan Jansen",
        "email": "jan@example.org",
        "statement": STATEMENT,
        **fields,
    }
    return disputes.dispute_submit(**data)


@pytest.fixture
def team(db: None) -> tuple[access.Actor, access.Actor]:
    """Two people of the programme team (one organisation)."""
    organisation = OrganisationFactory.create(sector="programme")
    return (
        actor_with_role(Role.PROGRAMME_TEAM, organisation),
        actor_with_role(Role.PROGRAMME_TEAM, organisation),
    )


# --- submit -----------------------------------------------------------------------------------


def test_submission_records_history_audit_and_acknowledges_by_email(circle: Circle) -> None:
    list_value(circle)
    dispute = submit()
    assert dispute.status == DisputeStatus.OPEN
    assert dispute.pseudonym == pseudonym_for(IBAN) and dispute.kind == "iban"
    assert [e.action for e in dispute.events.all()] == [DisputeAction.SUBMITTED]
    event = AuditEvent.objects.get(action="dispute.submit")
    assert event.actor_label == "anonymous" and event.client_address == "198.51.100.7"
    assert event.details["pseudonym"] == dispute.pseudonym.reference
    # Audit rows never carry the disputer's personal data.
    assert "jan@example.org" not in str(event.details) and "Jansen" not in str(event.details)
    mail = Delivery.objects.get(event_type="identifiers.dispute.received")
    assert mail.channel == "email" and mail.email_to == "jan@example.org"
    assert str(dispute.reference) in mail.payload["body"]
    assert dispute.display_hint in mail.payload["body"]
    assert IBAN not in mail.payload["body"] and IBAN not in mail.subject


def test_a_value_nobody_reported_cannot_be_disputed(circle: Circle) -> None:
    list_value(circle)
    with pytest.raises(NotFoundError) as refused:
        submit(OTHER_IBAN)
    assert refused.value.code == "not_listed" and refused.value.field == "value"
    assert not Dispute.objects.exists()


def test_only_one_open_dispute_per_value(circle: Circle) -> None:
    list_value(circle)
    submit()
    with pytest.raises(ConflictError) as refused:
        submit("nl91abna0417164300", email="iemand@example.org")
    assert refused.value.code == "dispute_open"
    assert Dispute.objects.count() == 1


def test_wildcards_and_partial_values_are_refused(circle: Circle) -> None:
    list_value(circle)
    with pytest.raises(ValidationFailed) as wildcard:
        submit("NL91ABNA04171*")
    assert wildcard.value.code == "wildcard_refused"
    with pytest.raises(ValidationFailed):
        submit("NL91ABNA0417")  # a prefix is no IBAN
    assert not Dispute.objects.exists()


def test_submissions_are_rate_limited_per_client(circle: Circle, settings: Any) -> None:
    settings.KETENWACHT = {**settings.KETENWACHT, "DISPUTE_RATE": "2/hour"}
    list_value(circle)
    for _attempt in range(2):
        with pytest.raises(NotFoundError):
            submit(OTHER_IBAN)  # failed attempts count too: the form is no free oracle
    with pytest.raises(services.RateLimited) as limited:
        submit()
    assert limited.value.status == 429 and limited.value.retry_after > 0
    other_client = access.Actor(client_address="203.0.113.9")
    assert submit(actor=other_client).status == DisputeStatus.OPEN


def test_statement_and_email_are_checked(circle: Circle) -> None:
    list_value(circle)
    with pytest.raises(ValidationFailed) as short:
        submit(statement="Klopt niet.")
    assert short.value.field == "statement"
    with pytest.raises(ValidationFailed) as email:
        submit(email="geen-adres")
    assert email.value.code == "invalid_email"


# --- suspension of the public answer ------------------------------------------------------------


def test_public_answer_is_suspended_while_a_dispute_is_open(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    assert services.public_check(actor=CITIZEN, value=IBAN).level == "warning"
    dispute = submit()

    suspended = services.public_check(actor=CITIZEN, value=IBAN)
    assert suspended.level == UNDER_REVIEW
    assert "bezwaar" in suspended.advice["nl"] and "under review" in suspended.advice["en"]
    assert "Maak geen geld over, deel geen gegevens" not in suspended.advice["nl"]
    last_check = AuditEvent.objects.filter(action="identifiers.public_check").order_by("pk").last()
    assert last_check is not None and last_check.details["level"] == UNDER_REVIEW

    # Partners still see the listing, capped at warning and with the dispute explained.
    partner = services.check_one(actor=token_actor(circle.members[2]), value=IBAN)
    assert partner.score.level == "warning" and partner.score.open_disputes == 1
    assert "bezwaar" in partner.explanation["nl"]

    proposer, approver = team
    disputes.dispute_propose(
        actor=proposer, dispute=dispute, outcome="rejected", reason="Twee banken bevestigen het."
    )
    assert services.public_check(actor=CITIZEN, value=IBAN).level == UNDER_REVIEW
    disputes.dispute_approve(actor=approver, dispute=dispute)
    assert services.public_check(actor=CITIZEN, value=IBAN).level == "warning"


def test_suspension_covers_only_the_disputed_value(circle: Circle) -> None:
    list_value(circle)
    list_value(circle, MOBILE)
    submit()
    assert services.public_check(actor=CITIZEN, value=MOBILE).level == "warning"


# --- four eyes --------------------------------------------------------------------------------


def test_disputes_four_eyes(circle: Circle, team: tuple[access.Actor, access.Actor]) -> None:
    list_value(circle)
    dispute = submit()
    proposer, approver = team
    disputes.dispute_propose(
        actor=proposer,
        dispute=dispute,
        outcome="upheld",
        reason="De rekeninghouder is slachtoffer.",
    )
    with pytest.raises(PermissionDeniedError) as same_person:
        disputes.dispute_approve(actor=proposer, dispute=dispute)
    assert same_person.value.code == "four_eyes"
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN and Sighting.objects.count() == 2

    decided = disputes.dispute_approve(actor=approver, dispute=dispute, note="Akkoord.")
    assert decided.status == DisputeStatus.UPHELD
    assert decided.proposed_by == proposer.user and decided.decided_by == approver.user
    history = [(e.action, e.from_status, e.to_status, e.actor) for e in decided.events.all()]
    assert history == [
        (DisputeAction.SUBMITTED, "", "open", None),
        (DisputeAction.PROPOSED, "open", "open", proposer.user),
        (DisputeAction.DECIDED, "open", "upheld", approver.user),
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="dispute").values_list("action", flat=True)
    )
    assert actions == ["dispute.submit", "dispute.propose", "dispute.decide"]


def test_a_decision_needs_a_proposal_and_an_open_dispute(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    dispute = submit()
    proposer, approver = team
    with pytest.raises(ConflictError) as nothing:
        disputes.dispute_approve(actor=approver, dispute=dispute)
    assert nothing.value.code == "no_proposal"
    disputes.dispute_propose(
        actor=proposer, dispute=dispute, outcome="rejected", reason="Meldingen zijn terecht."
    )
    with pytest.raises(ConflictError) as pending:
        disputes.dispute_propose(
            actor=approver, dispute=dispute, outcome="upheld", reason="Toch toewijzen graag."
        )
    assert pending.value.code == "proposal_pending"
    disputes.dispute_approve(actor=approver, dispute=dispute)
    with pytest.raises(ConflictError) as closed:
        disputes.dispute_propose(
            actor=proposer, dispute=dispute, outcome="upheld", reason="Opnieuw bekijken."
        )
    assert closed.value.code == "dispute_closed"


def test_only_the_programme_team_decides(circle: Circle) -> None:
    list_value(circle)
    dispute = submit()
    analyst = actor_with_role(Role.PARTNER_ANALYST, circle.members[0])
    with pytest.raises(PermissionDeniedError):
        disputes.dispute_propose(
            actor=analyst, dispute=dispute, outcome="upheld", reason="Ik vind het goed zo."
        )
    with pytest.raises(PermissionDeniedError):
        disputes.dispute_propose(
            actor=token_actor(circle.members[0]),
            dispute=dispute,
            outcome="upheld",
            reason="Een token beslist niet.",
        )


def test_a_proposal_sent_back_can_be_proposed_again(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    dispute = submit()
    first, second = team
    disputes.dispute_propose(
        actor=first, dispute=dispute, outcome="upheld", reason="Lijkt een vergissing."
    )
    returned = disputes.dispute_return(actor=second, dispute=dispute, note="Bewijs ontbreekt.")
    assert returned.proposed_outcome == "" and returned.proposed_by is None
    disputes.dispute_propose(
        actor=second, dispute=dispute, outcome="rejected", reason="Het bewijs ontbreekt."
    )
    decided = disputes.dispute_approve(actor=first, dispute=dispute)
    assert decided.status == DisputeStatus.REJECTED
    assert [e.action for e in decided.events.all()] == [
        DisputeAction.SUBMITTED,
        DisputeAction.PROPOSED,
        DisputeAction.RETURNED,
        DisputeAction.PROPOSED,
        DisputeAction.DECIDED,
    ]


# --- effect and outcome -------------------------------------------------------------------------


def test_upheld_dispute_deletes_the_listing_and_tells_the_disputer(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    list_value(circle, MOBILE)
    pseudonym = pseudonym_for(IBAN)
    assert RawValue.objects.filter(pseudonym=pseudonym).exists()  # the agreement keeps values
    dispute = submit()
    proposer, approver = team
    disputes.dispute_propose(
        actor=proposer,
        dispute=dispute,
        outcome="upheld",
        reason="Uw rekening werd door oplichters misbruikt; de meldingen waren onterecht.",
    )
    decided = disputes.dispute_approve(actor=approver, dispute=dispute)

    assert decided.sightings_removed == 2
    assert not Sighting.objects.filter(pseudonym=pseudonym).exists()
    assert not RawValue.objects.filter(pseudonym=pseudonym).exists()
    assert Sighting.objects.filter(kind="phone").count() == 2  # other values untouched
    assert services.public_check(actor=CITIZEN, value=IBAN).level == "none"
    audit = AuditEvent.objects.get(action="dispute.decide")
    assert audit.details["sightings_removed"] == 2
    assert audit.details["organisations"] == sorted(m.pk for m in circle.members[:2])

    mail = Delivery.objects.get(event_type="identifiers.dispute.decided")
    assert mail.email_to == "jan@example.org"
    assert "toegewezen" in mail.payload["body"] and "upheld" in mail.payload["body"]
    assert "door oplichters misbruikt" in mail.payload["body"]
    assert mail.payload["status"] == "upheld"


def test_rejected_dispute_keeps_the_listing_and_tells_the_disputer(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    dispute = submit()
    proposer, approver = team
    disputes.dispute_propose(
        actor=proposer, dispute=dispute, outcome="rejected", reason="Drie aangiftes noemen deze."
    )
    disputes.dispute_approve(actor=approver, dispute=dispute)
    assert Sighting.objects.count() == 2
    mail = Delivery.objects.get(event_type="identifiers.dispute.decided")
    assert "afgewezen" in mail.payload["body"] and "rejected" in mail.payload["body"]


def test_withdrawn_dispute_restores_the_public_answer(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    dispute = submit()
    withdrawn = disputes.dispute_withdraw(
        actor=team[0], dispute=dispute, note="Per e-mail ingetrokken."
    )
    assert withdrawn.status == DisputeStatus.WITHDRAWN
    assert services.public_check(actor=CITIZEN, value=IBAN).level == "warning"
    assert Delivery.objects.filter(event_type="identifiers.dispute.decided").count() == 1


# --- evidence -----------------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_evidence_is_kept_in_the_private_store_under_a_random_name(
    circle: Circle, private_files: Path
) -> None:
    list_value(circle)
    dispute = submit(
        evidence=[upload("bankafschrift.pdf", PDF_BYTES), upload("foto.PNG", PNG_BYTES)]
    )
    stored = list(dispute.evidence.all())
    assert [(e.original_name, e.content_type) for e in stored] == [
        ("bankafschrift.pdf", "application/pdf"),
        ("foto.PNG", "image/png"),
    ]
    for item in stored:
        path = private_files / "dispute-evidence" / item.stored_name
        assert path.is_file() and "bankafschrift" not in item.stored_name
        assert path.stat().st_mode & 0o077 == 0  # readable by the service account only
    assert (private_files / "dispute-evidence" / stored[0].stored_name).read_bytes() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("groot.pdf", b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES, "file_too_large"),
        ("script.exe", b"MZ\x90\x00", "file_type"),
        ("plaatje.gif", b"GIF89a", "file_type"),
        ("nep.pdf", PNG_BYTES, "file_content"),  # a PNG renamed to .pdf
        ("nep.png", b"<html><script>alert(1)</script></html>", "file_content"),
        ("leeg.png", b"", "file_empty"),
    ],
)
def test_evidence_limits(
    circle: Circle, private_files: Path, name: str, content: bytes, code: str
) -> None:
    list_value(circle)
    with pytest.raises(ValidationFailed) as refused:
        submit(evidence=[upload(name, content)])
    assert refused.value.code == code and refused.value.field == "evidence"
    assert not Dispute.objects.exists()
    assert not list((private_files / "dispute-evidence").glob("*"))


def test_at_most_three_files(circle: Circle) -> None:
    list_value(circle)
    with pytest.raises(ValidationFailed) as refused:
        submit(evidence=[upload(f"{n}.png", PNG_BYTES) for n in range(4)])
    assert refused.value.code == "too_many_files"


def test_files_are_removed_when_the_dispute_is_not_recorded(
    circle: Circle, private_files: Path
) -> None:
    list_value(circle)
    submit()
    with pytest.raises(ConflictError):
        submit(evidence=[upload("bewijs.png", PNG_BYTES)])
    assert not list((private_files / "dispute-evidence").glob("*"))


def test_evidence_download_is_audited(
    circle: Circle, team: tuple[access.Actor, access.Actor]
) -> None:
    list_value(circle)
    dispute = submit(evidence=[upload("bewijs.png", PNG_BYTES)])
    evidence = DisputeEvidence.objects.get(dispute=dispute)
    with disputes.dispute_evidence_open(actor=team[0], evidence=evidence) as handle:
        assert handle.read() == PNG_BYTES
    event = AuditEvent.objects.get(action="dispute.evidence_download")
    assert event.details == {"evidence": evidence.pk, "sha256": evidence.sha256}
    with pytest.raises(PermissionDeniedError):
        disputes.dispute_evidence_open(
            actor=actor_with_role(Role.PARTNER_ANALYST, circle.members[0]), evidence=evidence
        )


# --- retention ----------------------------------------------------------------------------------


def test_decided_disputes_and_their_files_are_purged_after_retention(
    circle: Circle, private_files: Path, django_capture_on_commit_callbacks: Any
) -> None:
    list_value(circle)
    dispute = submit(evidence=[upload("bewijs.png", PNG_BYTES)])
    stored = private_files / "dispute-evidence" / dispute.evidence.get().stored_name
    Dispute.objects.filter(pk=dispute.pk).update(
        status=DisputeStatus.REJECTED, decided_at=timezone.now()
    )
    still_open = DisputeFactory.create(
        value=MOBILE, submitted_at=timezone.now() - timedelta(days=900)
    )
    assert disputes.disputes_purge() == 0
    later = timezone.now() + timedelta(days=DISPUTE_RETENTION_DAYS + 1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert disputes.disputes_purge() == 1
    assert list(Dispute.objects.all()) == [still_open]
    assert not stored.exists()
    assert AuditEvent.objects.get(action="dispute.purge").details == {
        "disputes": 1,
        "evidence_files": 1,
    }
