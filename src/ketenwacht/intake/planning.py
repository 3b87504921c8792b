"""From answers to facts, from facts to a referral plan, and the payload each desk may get.

``facts_from_answers`` reads the answers along the walked path only (answers left behind by
going back and choosing differently do not count). ``field_values`` is every intake field
with its value; ``payload_fields`` cuts that down to one desk's field policy: the only way
a referral payload is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ketenwacht.intake.constants import CONTACT_FIELDS, IntakeField, Urgency
from ketenwacht.intake.models import Desk
from ketenwacht.intake.questionnaire import Graph, Text, Walk


@dataclass(frozen=True)
class Contact:
    """Contact details, given only when the victim chooses a warm referral."""

    name: str = ""
    email: str = ""
    phone: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "phone": self.phone}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Contact:
        data = data or {}
        return cls(
            name=str(data.get("name", "")),
            email=str(data.get("email", "")),
            phone=str(data.get("phone", "")),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone)


@dataclass(frozen=True)
class Facts:
    """What the intake established, along the walked path."""

    outcome: str
    fraud_types: tuple[str, ...]
    urgency: str
    victim_type: str = ""
    kvk_number: str = ""
    happened_on: date | None = None
    amount: Decimal | None = None
    payment_method: str = ""
    channel: str = ""
    identifiers: tuple[dict[str, str], ...] = ()
    victim_bank: str = ""
    age_band: str = ""
    postcode: str = ""
    story: str = ""

    @property
    def amount_cents(self) -> int | None:
        return int(self.amount * 100) if self.amount is not None else None


def facts_from_answers(graph: Graph, walk: Walk, answers: Mapping[str, Any]) -> Facts:
    outcome = graph.outcomes[walk.outcome] if walk.outcome else None
    values: dict[str, Any] = {}
    for question_id in walk.path:
        question = graph.question(question_id)
        answer = answers.get(question_id)
        if question.field and answer not in (None, "", []):
            values[question.field] = answer
    happened = values.get(IntakeField.HAPPENED_ON)
    amount = values.get(IntakeField.AMOUNT)
    return Facts(
        outcome=outcome.id if outcome else "",
        fraud_types=outcome.fraud_types if outcome else (),
        urgency=outcome.urgency if outcome else Urgency.NORMAL,
        victim_type=str(values.get(IntakeField.VICTIM_TYPE, "")),
        kvk_number=str(values.get(IntakeField.KVK_NUMBER, "")),
        happened_on=date.fromisoformat(happened) if happened else None,
        amount=Decimal(str(amount)) if amount is not None else None,
        payment_method=str(values.get(IntakeField.PAYMENT_METHOD, "")),
        channel=str(values.get(IntakeField.CHANNEL, "")),
        identifiers=tuple(dict(item) for item in values.get(IntakeField.IDENTIFIERS, [])),
        victim_bank=str(values.get(IntakeField.VICTIM_BANK, "")),
        age_band=str(values.get(IntakeField.AGE_BAND, "")),
        postcode=str(values.get(IntakeField.POSTCODE, "")),
        story=str(values.get(IntakeField.STORY, "")),
    )


def field_values(facts: Facts, contact: Contact | None) -> dict[str, Any]:
    """Every intake field that has a value, as JSON (what a payload is cut from)."""
    contact = contact or Contact()
    values: dict[str, Any] = {
        IntakeField.FRAUD_TYPES: list(facts.fraud_types),
        IntakeField.URGENCY: facts.urgency,
        IntakeField.VICTIM_TYPE: facts.victim_type,
        IntakeField.KVK_NUMBER: facts.kvk_number,
        IntakeField.HAPPENED_ON: facts.happened_on.isoformat() if facts.happened_on else "",
        IntakeField.AMOUNT: (
            {"value": f"{facts.amount:.2f}", "currency": "EUR"} if facts.amount is not None else ""
        ),
        IntakeField.PAYMENT_METHOD: facts.payment_method,
        IntakeField.CHANNEL: facts.channel,
        IntakeField.IDENTIFIERS: [
            {"kind": item["kind"], "value": item["value"], "role": item["role"]}
            for item in facts.identifiers
        ],
        IntakeField.VICTIM_BANK: facts.victim_bank,
        IntakeField.AGE_BAND: facts.age_band,
        IntakeField.POSTCODE: facts.postcode,
        IntakeField.STORY: facts.story,
        IntakeField.CONTACT_NAME: contact.name,
        IntakeField.CONTACT_EMAIL: contact.email,
        IntakeField.CONTACT_PHONE: contact.phone,
    }
    return {name: value for name, value in values.items() if value not in ("", [], None)}


def payload_fields(desk: Desk, values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields the desk's policy names, and only those that have a value."""
    allowed = set(desk.field_policy)
    return {name: value for name, value in values.items() if name in allowed}


def policy_needs_contact(desk: Desk) -> bool:
    return bool(CONTACT_FIELDS & set(desk.field_policy))


# ------------------------------------------------------------------------------------ plan


@dataclass
class PlanStep:
    """One step of the referral plan as the victim sees it."""

    kind: str  # "call_bank", "desk", "advice"
    desk: Desk | None = None
    why: Text | None = None
    advice: Text | None = None
    urgent: bool = False
    # Fields and values this desk would receive (warm-referral desks only).
    fields: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def warm(self) -> bool:
        return self.desk is not None and self.desk.takes_warm_referrals


def desk_serves(desk: Desk, facts: Facts) -> bool:
    if not desk.is_active:
        return False
    if facts.victim_type and desk.audiences and facts.victim_type not in desk.audiences:
        return False
    return bool(set(desk.fraud_types) & set(facts.fraud_types))


def build_plan(
    graph: Graph, facts: Facts, desks: Iterable[Desk], *, contact: Contact | None = None
) -> list[PlanStep]:
    """The outcome's steps in order, each desk only if it is active, serves this kind of
    victim and handles this fraud; "call your bank" first when money may still be stopped."""
    by_slug = {desk.slug: desk for desk in desks}
    outcome = graph.outcomes.get(facts.outcome)
    if outcome is None:
        return []
    values = field_values(facts, contact)
    steps: list[PlanStep] = []
    seen: set[str] = set()
    for step in outcome.steps:
        if step.call_bank:
            bank = by_slug.get(facts.victim_bank)
            bank = bank if bank is not None and bank.is_bank and bank.is_active else None
            steps.append(
                PlanStep(
                    kind="call_bank",
                    desk=bank,
                    urgent=facts.urgency == Urgency.URGENT,
                    fields=_fields_for(bank, values) if bank is not None else [],
                )
            )
            if bank is not None:
                seen.add(bank.slug)
        elif step.desk is not None:
            desk = by_slug.get(step.desk)
            if desk is None or desk.slug in seen or not desk_serves(desk, facts):
                continue
            seen.add(desk.slug)
            steps.append(
                PlanStep(kind="desk", desk=desk, why=step.why, fields=_fields_for(desk, values))
            )
        elif step.advice is not None:
            steps.append(PlanStep(kind="advice", advice=step.advice))
    # Urgent: "call your bank now" opens the plan whatever the order in the data.
    steps.sort(key=lambda s: 0 if (s.kind == "call_bank" and s.urgent) else 1)
    return steps


def _fields_for(desk: Desk | None, values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    if desk is None or not desk.takes_warm_referrals:
        return []
    return list(payload_fields(desk, values).items())


def warm_desks(plan: Iterable[PlanStep]) -> list[Desk]:
    return [step.desk for step in plan if step.desk is not None and step.warm]
