"""The questionnaire as data: a versioned graph of questions, edges by answer, and outcomes.

A questionnaire is YAML (``intake/questionnaires/*.yaml``), loaded into a ``Questionnaire``
row as a new version; an intake keeps the version it was made with. This module parses and
checks the graph and walks it; it knows nothing about the database.

Shape::

    version: 1
    start: victim_type
    questions:
      - id: victim_type
        kind: choice            # choice, amount, date, identifiers, text, kvk, postcode, bank
        field: victim_type      # the intake field the answer fills (optional for choices)
        required: true          # false: the victim may skip it
        text: {nl: "...", en: "..."}
        help: {nl: "...", en: "..."}
        options:                # choices only; each with its own edge
          - {value: person, label: {nl: ..., en: ...}, next: what_happened}
        next: end               # other kinds: the one edge (a question id or "end")
        outcome: purchase       # an edge may set the outcome (on an option or the question)
    outcomes:
      - id: purchase
        fraud_types: [purchase]
        urgency: normal         # urgent: the result opens with "call your bank now"
        title: {nl: ..., en: ...}
        steps:                  # the referral plan, in order
          - call_bank: true
          - desk: politie
          - advice: {nl: ..., en: ...}

Rules checked by ``parse``: ids unique, every edge leads somewhere, no cycles, every question
and outcome reachable, every path from the start sets exactly one outcome before it ends,
and field-bound choices only use that field's vocabulary.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from ketenwacht.intake.constants import (
    FIELD_END,
    AgeBand,
    FraudChannel,
    IntakeField,
    PaymentMethod,
    QuestionKind,
    Urgency,
    VictimType,
)

LANGUAGES = ("nl", "en")

# The kind of answer each intake field takes, and the vocabulary of field-bound choices.
FIELD_KINDS: dict[str, frozenset[str]] = {
    IntakeField.VICTIM_TYPE: frozenset({QuestionKind.CHOICE}),
    IntakeField.KVK_NUMBER: frozenset({QuestionKind.KVK}),
    IntakeField.HAPPENED_ON: frozenset({QuestionKind.DATE}),
    IntakeField.AMOUNT: frozenset({QuestionKind.AMOUNT}),
    IntakeField.PAYMENT_METHOD: frozenset({QuestionKind.CHOICE}),
    IntakeField.CHANNEL: frozenset({QuestionKind.CHOICE}),
    IntakeField.IDENTIFIERS: frozenset({QuestionKind.IDENTIFIERS}),
    IntakeField.VICTIM_BANK: frozenset({QuestionKind.BANK}),
    IntakeField.AGE_BAND: frozenset({QuestionKind.CHOICE}),
    IntakeField.POSTCODE: frozenset({QuestionKind.POSTCODE}),
    IntakeField.STORY: frozenset({QuestionKind.TEXT}),
}
CHOICE_VOCABULARIES: dict[str, frozenset[str]] = {
    IntakeField.VICTIM_TYPE: frozenset(VictimType.values),
    IntakeField.PAYMENT_METHOD: frozenset(PaymentMethod.values),
    IntakeField.CHANNEL: frozenset(FraudChannel.values),
    IntakeField.AGE_BAND: frozenset(AgeBand.values),
}


class QuestionnaireError(ValueError):
    """The YAML is not a valid questionnaire; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Text:
    nl: str
    en: str

    def __str__(self) -> str:
        return self.localised()

    def localised(self, language: str | None = None) -> str:
        language = (language or get_language() or "nl").lower()
        return self.en if language.startswith("en") and self.en else self.nl


@dataclass(frozen=True)
class Edge:
    next: str
    outcome: str | None = None


@dataclass(frozen=True)
class Option:
    value: str
    label: Text
    edge: Edge


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: Text
    help: Text | None
    field: str | None
    required: bool
    options: tuple[Option, ...] = ()
    edge: Edge | None = None

    def edges(self) -> list[Edge]:
        edges = [option.edge for option in self.options] if self.kind == QuestionKind.CHOICE else []
        if self.edge is not None:
            edges.append(self.edge)  # other kinds' one edge; a choice's skip edge
        return edges

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)

    def edge_for(self, answer: Any) -> Edge | None:
        """The edge an answer takes; None if the answer is not a valid one for this question."""
        if self.kind == QuestionKind.CHOICE:
            if answer in (None, "") and not self.required:
                return self.edge
            option = self.option(str(answer)) if answer is not None else None
            return option.edge if option is not None else None
        return self.edge


@dataclass(frozen=True)
class Step:
    """One step of a referral plan: call the bank, a desk, or a piece of advice."""

    call_bank: bool = False
    desk: str | None = None
    why: Text | None = None
    advice: Text | None = None


@dataclass(frozen=True)
class Outcome:
    id: str
    fraud_types: tuple[str, ...]
    urgency: str
    title: Text
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Graph:
    version: int
    start: str
    questions: dict[str, Question]
    outcomes: dict[str, Outcome]
    name: Text | None = None
    order: tuple[str, ...] = field(default=())

    def question(self, question_id: str) -> Question:
        return self.questions[question_id]

    def fraud_types(self) -> frozenset[str]:
        return frozenset(code for o in self.outcomes.values() for code in o.fraud_types)

    def walk(self, answers: Mapping[str, Any]) -> Walk:
        """Follow the answers from the start: the questions answered on the way, where the
        walk stopped (a question without a valid answer, or ``end``) and the outcome set."""
        path: list[str] = []
        outcome: str | None = None
        current = self.start
        while current != FIELD_END:
            question = self.questions[current]
            if current not in answers:
                break
            edge = question.edge_for(answers[current])
            if edge is None:
                break
            path.append(current)
            if edge.outcome is not None:
                outcome = edge.outcome
            current = edge.next
        return Walk(path=tuple(path), current=current, outcome=outcome)

    def distance_to_end(self, question_id: str) -> int:
        """The fewest questions still to answer from ``question_id`` (itself included)."""
        return self._distances()[question_id]

    def _distances(self) -> dict[str, int]:
        cached: dict[str, int] | None = getattr(self, "_distance_cache", None)
        if cached is not None:
            return cached
        distances: dict[str, int] = {FIELD_END: 0}
        for question_id in reversed(_topological_order(self)):
            question = self.questions[question_id]
            distances[question_id] = 1 + min(distances[e.next] for e in question.edges())
        object.__setattr__(self, "_distance_cache", distances)
        return distances


@dataclass(frozen=True)
class Walk:
    path: tuple[str, ...]
    current: str
    outcome: str | None

    @property
    def finished(self) -> bool:
        return self.current == FIELD_END


# ----------------------------------------------------------------------------------- parsing


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(message)


def _text(raw: Any, where: str, problems: _Problems, *, optional: bool = False) -> Text | None:
    if raw is None and optional:
        return None
    if not isinstance(raw, Mapping):
        problems.add(f"{where}: needs a text in nl and en")
        return None
    values = {language: raw.get(language) for language in LANGUAGES}
    missing = [lang for lang, value in values.items() if not isinstance(value, str) or not value]
    if missing:
        problems.add(f"{where}: text missing for {', '.join(missing)}")
        return None
    return Text(nl=str(values["nl"]).strip(), en=str(values["en"]).strip())


def _edge(raw: Mapping[str, Any], where: str, problems: _Problems) -> Edge | None:
    target = raw.get("next")
    if not isinstance(target, str) or not target:
        problems.add(f"{where}: has no 'next' (a dead end)")
        return None
    outcome = raw.get("outcome")
    if outcome is not None and not isinstance(outcome, str):
        problems.add(f"{where}: 'outcome' must be an outcome id")
        return None
    return Edge(next=target, outcome=outcome)


def _option(raw: Any, where: str, problems: _Problems) -> Option | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("value"), str):
        problems.add(f"{where}: an option needs a 'value'")
        return None
    label = _text(raw.get("label"), f"{where} label", problems)
    edge = _edge(raw, where, problems)
    if label is None or edge is None:
        return None
    return Option(value=str(raw["value"]), label=label, edge=edge)


def _question(raw: Any, index: int, problems: _Problems) -> Question | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        problems.add(f"question #{index + 1}: needs an 'id'")
        return None
    question_id = str(raw["id"])
    where = f"question {question_id}"
    kind = raw.get("kind")
    if kind not in QuestionKind.values:
        problems.add(f"{where}: unknown kind {kind!r}")
        return None
    field_name = raw.get("field")
    if field_name is not None and field_name not in FIELD_KINDS:
        problems.add(f"{where}: unknown field {field_name!r}")
        return None
    if field_name is not None and kind not in FIELD_KINDS[field_name]:
        problems.add(f"{where}: field {field_name} cannot take a {kind} answer")
    text = _text(raw.get("text"), f"{where} text", problems)
    help_text = _text(raw.get("help"), f"{where} help", problems, optional=True)
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.add(f"{where}: 'required' must be true or false")
        required = True
    options: list[Option] = []
    edge = None
    if kind == QuestionKind.CHOICE:
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            problems.add(f"{where}: a choice needs at least two options")
            raw_options = []
        for number, raw_option in enumerate(raw_options, start=1):
            option = _option(raw_option, f"{where} option {number}", problems)
            if option is not None:
                options.append(option)
        values = [option.value for option in options]
        if len(values) != len(set(values)):
            problems.add(f"{where}: option values repeat")
        vocabulary = CHOICE_VOCABULARIES.get(str(field_name)) if field_name else None
        if vocabulary is not None:
            unknown = sorted(set(values) - vocabulary)
            if unknown:
                problems.add(f"{where}: values {unknown} are not in the {field_name} vocabulary")
        if not required:
            # A choice the victim may skip needs an edge for "skipped".
            edge = _edge(raw, f"{where} (skipped)", problems)
        elif "next" in raw:
            problems.add(f"{where}: a required choice has its edges on its options")
    else:
        if "options" in raw:
            problems.add(f"{where}: only a choice has options")
        edge = _edge(raw, where, problems)
    if text is None:
        return None
    return Question(
        id=question_id,
        kind=str(kind),
        text=text,
        help=help_text,
        field=str(field_name) if field_name else None,
        required=bool(required),
        options=tuple(options),
        edge=edge,
    )


def _step(raw: Any, where: str, problems: _Problems) -> Step | None:
    if not isinstance(raw, Mapping):
        problems.add(f"{where}: a step is call_bank, desk or advice")
        return None
    if raw.get("call_bank") is True:
        return Step(call_bank=True)
    if isinstance(raw.get("desk"), str):
        why = _text(raw.get("why"), f"{where} why", problems, optional=True)
        return Step(desk=str(raw["desk"]), why=why)
    if "advice" in raw:
        advice = _text(raw.get("advice"), f"{where} advice", problems)
        return Step(advice=advice) if advice is not None else None
    problems.add(f"{where}: a step is call_bank, desk or advice")
    return None


def _outcome(raw: Any, index: int, problems: _Problems) -> Outcome | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        problems.add(f"outcome #{index + 1}: needs an 'id'")
        return None
    where = f"outcome {raw['id']}"
    fraud_types = raw.get("fraud_types")
    if (
        not isinstance(fraud_types, list)
        or not fraud_types
        or not all(isinstance(code, str) for code in fraud_types)
    ):
        problems.add(f"{where}: needs a list of fraud_types")
        fraud_types = []
    urgency = raw.get("urgency", Urgency.NORMAL)
    if urgency not in Urgency.values:
        problems.add(f"{where}: urgency must be one of {Urgency.values}")
    title = _text(raw.get("title"), f"{where} title", problems)
    raw_steps = raw.get("steps", [])
    if not isinstance(raw_steps, list):
        problems.add(f"{where}: steps must be a list")
        raw_steps = []
    steps = [_step(item, f"{where} step {n}", problems) for n, item in enumerate(raw_steps, 1)]
    if title is None:
        return None
    return Outcome(
        id=str(raw["id"]),
        fraud_types=tuple(str(code) for code in fraud_types),
        urgency=str(urgency),
        title=title,
        steps=tuple(step for step in steps if step is not None),
    )


def _unique(items: Iterable[Any], label: str, problems: _Problems) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        if item is None:
            continue
        if item.id in found or item.id == FIELD_END:
            problems.add(f"{label} id {item.id!r} is used twice or reserved")
        found[item.id] = item
    return found


def parse(data: Any, *, known_fraud_types: Iterable[str] | None = None) -> Graph:
    """A checked graph from parsed YAML, or ``QuestionnaireError`` with every problem."""
    problems = _Problems()
    if not isinstance(data, Mapping):
        raise QuestionnaireError(["the questionnaire must be a mapping"])
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.add("'version' must be a positive whole number")
        version = 0
    raw_questions = data.get("questions")
    raw_outcomes = data.get("outcomes")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise QuestionnaireError([*problems.items, "'questions' must be a non-empty list"])
    if not isinstance(raw_outcomes, list) or not raw_outcomes:
        raise QuestionnaireError([*problems.items, "'outcomes' must be a non-empty list"])
    questions = _unique(
        (_question(raw, i, problems) for i, raw in enumerate(raw_questions)), "question", problems
    )
    outcomes = _unique(
        (_outcome(raw, i, problems) for i, raw in enumerate(raw_outcomes)), "outcome", problems
    )
    name = _text(data.get("name"), "name", problems, optional=True)
    start = data.get("start")
    if start not in questions:
        problems.add(f"start {start!r} is not a question")
    if known_fraud_types is not None:
        known = set(known_fraud_types)
        for outcome in outcomes.values():
            unknown = sorted(set(outcome.fraud_types) - known)
            if unknown:
                problems.add(f"outcome {outcome.id}: unknown fraud types {unknown}")
    if problems.items:
        raise QuestionnaireError(problems.items)
    graph = Graph(
        version=int(version),
        start=str(start),
        questions=questions,
        outcomes=outcomes,
        name=name,
        order=tuple(questions),
    )
    check_structure(graph)
    return graph


def check_structure(graph: Graph) -> None:
    """Edges, cycles, reachability and the one-outcome-per-path rule."""
    problems: list[str] = []
    for question in graph.questions.values():
        for edge in question.edges():
            if edge.next != FIELD_END and edge.next not in graph.questions:
                problems.append(f"question {question.id}: edge to unknown {edge.next!r}")
            if edge.outcome is not None and edge.outcome not in graph.outcomes:
                problems.append(f"question {question.id}: unknown outcome {edge.outcome!r}")
    if problems:
        raise QuestionnaireError(problems)
    _topological_order(graph)  # raises on a cycle
    problems.extend(_path_problems(graph))
    if problems:
        raise QuestionnaireError(problems)


def _topological_order(graph: Graph) -> list[str]:
    incoming = {question_id: 0 for question_id in graph.questions}
    for question in graph.questions.values():
        for edge in question.edges():
            if edge.next != FIELD_END:
                incoming[edge.next] += 1
    ready = deque(sorted(q for q, count in incoming.items() if count == 0))
    order: list[str] = []
    while ready:
        current = ready.popleft()
        order.append(current)
        for edge in graph.questions[current].edges():
            if edge.next != FIELD_END:
                incoming[edge.next] -= 1
                if incoming[edge.next] == 0:
                    ready.append(edge.next)
    if len(order) != len(graph.questions):
        looped = sorted(set(graph.questions) - set(order))
        raise QuestionnaireError([f"the questions {looped} form a cycle"])
    return order


def _path_problems(graph: Graph) -> list[str]:
    """Explore (question, outcome already set?) states from the start: polynomial, exact."""
    problems: list[str] = []
    seen: set[tuple[str, bool]] = set()
    reached_outcomes: set[str] = set()
    stack: list[tuple[str, bool]] = [(graph.start, False)]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        node, has_outcome = state
        if node == FIELD_END:
            if not has_outcome:
                problems.append("a path reaches the end without an outcome")
            continue
        for edge in graph.questions[node].edges():
            if edge.outcome is not None:
                if has_outcome:
                    problems.append(f"question {node}: sets a second outcome on a path")
                    continue
                reached_outcomes.add(edge.outcome)
            stack.append((edge.next, has_outcome or edge.outcome is not None))
    reached = {node for node, _has in seen}
    unreachable = sorted(set(graph.questions) - reached)
    if unreachable:
        problems.append(f"questions never reached: {unreachable}")
    unused = sorted(set(graph.outcomes) - reached_outcomes)
    if unused:
        problems.append(f"outcomes never reached: {unused}")
    return sorted(set(problems))


def load_yaml(text: str, *, known_fraud_types: Iterable[str] | None = None) -> Graph:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise QuestionnaireError([f"not valid YAML: {error}"]) from None
    return parse(data, known_fraud_types=known_fraud_types)
