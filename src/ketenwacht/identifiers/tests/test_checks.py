"""Checks: levels over shared sightings, agreements, allowlist, audit rows, batch errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from ketenwacht.audit.models import AuditEvent
from ketenwacht.errors import PermissionDeniedError
from ketenwacht.identifiers import pseudonyms, services
from ketenwacht.identifiers.canonical import CanonicalError
from ketenwacht.identifiers.ingest import ItemError
from ketenwacht.identifiers.services import CheckResult
from ketenwacht.identifiers.tests.conftest import token_actor
from ketenwacht.identifiers.tests.factories import (
    IBAN,
    MOBILE,
    OTHER_IBAN,
    AllowlistEntryFactory,
    Circle,
    SightingFactory,
    make_circle,
)
from ketenwacht.partners import access
from ketenwacht.partners.constants import Scope
from ketenwacht.partners.tests.factories import OrganisationFactory, actor_with_role

pytestmark = pytest.mark.django_db


def record(actor: access.Actor, value: str = IBAN, **fields: Any) -> None:
    item = {"value": value, "fraud_type": "purchase", "role": "beneficiary_account", **fields}
    services.sightings_ingest(actor=actor, items=[item], atomic=True)


def check(actor: access.Actor, value: str = IBAN, kind: str | None = None) -> CheckResult:
    return services.check_one(actor=actor, value=value, kind=kind)


def test_two_organisations_make_a_warning_for_a_third(circle: Circle) -> None:
    first, second, third = (token_actor(org) for org in circle.members)
    assert check(third).score.level == "none"
    record(first)
    assert check(third).score.level == "attention"
    record(second, "nl91 abna 0417 1643 00")
    result = check(third, "NL91 ABNA 0417 1643 00")
    assert result.score.level == "warning"
    data = result.as_dict()
    assert data["canonical"] == IBAN and data["kind"] == "iban"
    assert data["organisations"] == 2 and data["counts"]["suspected"] == 2
    assert data["fraud_types"] == ["purchase"]
    assert data["reported_by_you"] is False
    assert data["explanation"]["nl"].startswith("Gemeld door 2 organisaties")


def test_reporters_are_never_named(circle: Circle) -> None:
    for organisation in circle.members[:2]:
        record(token_actor(organisation))
    payload = json.dumps(check(token_actor(circle.members[2])).as_dict())
    for organisation in circle.members:
        assert organisation.name not in payload
        assert organisation.slug not in payload


def test_only_sightings_of_the_checkers_groups_count(circle: Circle) -> None:
    record(token_actor(circle.members[0]))
    outsider = token_actor(OrganisationFactory())
    assert check(outsider).score.level == "none"
    assert check(outsider).score.sightings == 0
    other_circle = make_circle(members=1)
    assert check(token_actor(other_circle.members[0])).score.sightings == 0


def test_a_group_whose_agreement_no_longer_allows_the_kind_does_not_count(circle: Circle) -> None:
    record(token_actor(circle.members[0]))
    circle.agreement.allowed_kinds = ["phone"]
    circle.agreement.save()
    assert check(token_actor(circle.members[1])).score.sightings == 0
    circle.agreement.allowed_kinds = ["iban"]
    circle.agreement.valid_to = timezone.now() - timedelta(seconds=1)
    circle.agreement.save()
    assert check(token_actor(circle.members[1])).score.sightings == 0


def test_expired_sightings_do_not_count(circle: Circle) -> None:
    SightingFactory(circle=circle, expired=True)
    assert check(token_actor(circle.members[1])).score.sightings == 0


def test_agreement_thresholds_decide_the_level(db: None) -> None:
    strict = make_circle(members=3, warning_thresholds={"warning_confirmed": 0})
    SightingFactory(circle=strict, confirmed=True)
    assert check(token_actor(strict.members[1])).score.level == "attention"
    default = make_circle(members=3)
    SightingFactory(circle=default, value=OTHER_IBAN, confirmed=True)
    assert check(token_actor(default.members[1]), OTHER_IBAN).score.level == "warning"


def test_levels_decay_with_frozen_time(circle: Circle) -> None:
    """Phones halve every 30 days: two reports are a warning today, attention in three weeks
    (decayed count ~1.2) and nothing after two half-lives (below 0.5)."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for organisation in circle.members[:2]:
            record(token_actor(organisation), "06 1234 5678", role="caller_number")
        checker = token_actor(circle.members[2])
        assert check(checker, MOBILE).score.level == "warning"
    with time_machine.travel(start + timedelta(days=21), tick=False):
        assert check(checker, MOBILE).score.level == "attention"
    with time_machine.travel(start + timedelta(days=61), tick=False):
        result = check(checker, MOBILE)
        assert result.score.level == "none"
        assert result.score.sightings == 2  # still known, no longer weighty


def test_allowlisted_number_gets_no_verdict_but_a_spoofing_warning(circle: Circle) -> None:
    AllowlistEntryFactory()  # +31 88 722 6767, Rabobank
    for organisation in circle.members:
        record(
            token_actor(organisation), "088 722 67 67", role="caller_number", confidence="confirmed"
        )
    result = check(token_actor(circle.members[0]), "0887226767")
    assert result.score.level == "none"
    assert result.score.sightings == 3
    assert result.as_dict()["allowlisted"] == {
        "owner": "Rabobank",
        "category": "bank",
        "label": "Klantenservice",
    }
    assert "hang op en bel zelf terug" in result.explanation["nl"]


def test_urls_on_an_official_domain_are_covered_unless_it_hosts_user_content(
    circle: Circle,
) -> None:
    AllowlistEntryFactory(domain=True)
    AllowlistEntryFactory(platform=True)
    actor = token_actor(circle.members[0])
    assert check(actor, "https://mijn.rabobank.nl/inloggen").score.allowlisted is not None
    assert check(actor, "https://www.marktplaats.nl/v/fiets/123").score.allowlisted is None
    assert check(actor, "https://rabobank.nl.veilig-inloggen.com/").score.allowlisted is None


def test_single_check_writes_an_audit_row_with_the_pseudonym(circle: Circle) -> None:
    actor = token_actor(circle.members[0])
    check(actor)
    event = AuditEvent.objects.get(action="identifiers.check")
    version, digest = pseudonyms.current_digest("iban", IBAN)
    assert event.object_type == "pseudonym"
    assert event.object_id == f"v{version}:{digest.hex()}"
    assert event.details == {"count": 1, "kind": "iban", "level": "none"}
    assert event.actor_token == actor.token
    assert IBAN not in json.dumps(event.details)


def test_batch_check_answers_good_items_and_reports_bad_ones(circle: Circle) -> None:
    record(token_actor(circle.members[0]))
    actor = token_actor(circle.members[1])
    items: list[Any] = [
        {"value": IBAN},
        {"value": "111222333"},  # a BSN
        {"value": "0612345678", "kind": "phone"},
        {"value": "x", "kind": "nonsense"},
        "not an object",
        {"value": "NL91 ABNA 0417 1643 00"},
    ]
    results = services.check_many(actor=actor, items=items)
    assert [type(r).__name__ for r in results] == [
        "CheckResult",
        "ItemError",
        "CheckResult",
        "ItemError",
        "ItemError",
        "CheckResult",
    ]
    errors = [r for r in results if isinstance(r, ItemError)]
    assert [(e.index, e.code) for e in errors] == [
        (1, "bsn_refused"),
        (3, "unknown_kind"),
        (4, "not_an_object"),
    ]
    good = [r for r in results if isinstance(r, CheckResult)]
    assert [r.score.level for r in good] == ["attention", "none", "attention"]
    event = AuditEvent.objects.get(action="identifiers.check")
    assert event.details == {"count": 6, "failed": 3, "levels": {"attention": 2, "none": 1}}
    assert event.object_id == ""


def test_batch_check_costs_a_constant_number_of_queries(
    circle: Circle, django_assert_max_num_queries: Any
) -> None:
    for organisation in circle.members[:2]:
        record(token_actor(organisation))
    actor = token_actor(circle.members[2])
    items = [{"value": f"+3161{n:07d}"} for n in range(300)] + [{"value": IBAN}]
    with django_assert_max_num_queries(12):
        results = services.check_many(actor=actor, items=items)
    assert isinstance(results[-1], CheckResult) and results[-1].score.level == "warning"


def test_check_needs_the_scope_or_the_permission(circle: Circle) -> None:
    with pytest.raises(PermissionDeniedError):
        check(token_actor(circle.members[0], [Scope.IDENTIFIERS_WRITE]))
    with pytest.raises(PermissionDeniedError):
        check(actor_with_role("admin", circle.members[0]))
    analyst = actor_with_role("partner_analyst", circle.members[0])
    assert check(analyst).score.level == "none"


def test_single_check_refuses_what_is_no_identifier(circle: Circle) -> None:
    with pytest.raises(CanonicalError) as refused:
        check(token_actor(circle.members[0]), "111222333")
    assert refused.value.code == "bsn_refused"
    assert not AuditEvent.objects.filter(action="identifiers.check").exists()


def test_public_check_gives_level_and_advice_only(circle: Circle) -> None:
    for organisation in circle.members[:2]:
        record(token_actor(organisation))
    citizen = access.Actor(client_address="198.51.100.7")
    result = services.public_check(actor=citizen, value="NL91 ABNA 0417 1643 00")
    assert set(result.as_dict()) == {"level", "advice"}
    assert result.level == "warning"
    assert "Maak geen geld over" in result.advice["nl"]
    event = AuditEvent.objects.get(action="identifiers.public_check")
    assert event.actor_label == "anonymous" and event.client_address == "198.51.100.7"
    assert event.object_id.startswith("v1:")
