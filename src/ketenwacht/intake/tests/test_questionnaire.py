"""The questionnaire graph: the seeded one is complete; broken ones are refused."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ketenwacht.errors import ConflictError, ValidationFailed
from ketenwacht.intake import services
from ketenwacht.intake.constants import FIELD_END, QuestionKind
from ketenwacht.intake.models import Questionnaire
from ketenwacht.intake.questionnaire import Graph, QuestionnaireError, load_yaml, parse
from ketenwacht.knowledge.constants import SEEDED_FRAUD_TYPE_CODES
from ketenwacht.partners.access import SYSTEM

SEED = Path(__file__).resolve().parents[1] / "questionnaires" / "default.yaml"


@pytest.fixture(scope="module")
def seed_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SEED.read_text())
    return data


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_yaml(SEED.read_text(), known_fraud_types=SEEDED_FRAUD_TYPE_CODES)


def test_every_fraud_form_of_the_taxonomy_is_recognised(graph: Graph) -> None:
    assert graph.fraud_types() == set(SEEDED_FRAUD_TYPE_CODES)


def test_every_outcome_is_reachable_from_the_start(graph: Graph) -> None:
    reached: set[str] = set()
    stack, seen = [graph.start], set()
    while stack:
        node = stack.pop()
        if node == FIELD_END or node in seen:
            continue
        seen.add(node)
        for edge in graph.question(node).edges():
            if edge.outcome:
                reached.add(edge.outcome)
            stack.append(edge.next)
    assert reached == set(graph.outcomes)
    assert seen == set(graph.questions)


def test_no_dead_ends_every_question_leads_to_the_end(graph: Graph) -> None:
    for question_id, question in graph.questions.items():
        assert question.edges(), question_id
        assert graph.distance_to_end(question_id) >= 1


def test_each_outcome_is_reached_by_a_real_walk(graph: Graph) -> None:
    """For every outcome: answers that walk there, and on to the end."""
    for outcome_id in graph.outcomes:
        answers = _answers_to(graph, outcome_id)
        walk = graph.walk(answers)
        assert walk.finished and walk.outcome == outcome_id, outcome_id


def _answers_to(graph: Graph, outcome_id: str) -> dict[str, Any]:
    """Depth-first search for answers that set ``outcome_id``, then the first option onward."""

    def search(node: str, answers: dict[str, Any], found: bool) -> dict[str, Any] | None:
        if node == FIELD_END:
            return answers if found else None
        question = graph.question(node)
        candidates: list[tuple[str, Any]]
        if question.kind == QuestionKind.CHOICE:
            candidates = [(o.value, o.edge) for o in question.options]
        else:
            candidates = [("x", question.edge)]
        for value, edge in candidates:
            assert edge is not None
            if edge.outcome and (found or edge.outcome != outcome_id):
                continue
            result = search(
                edge.next, {**answers, node: value}, found or edge.outcome == outcome_id
            )
            if result is not None:
                return result
        return None

    answers = search(graph.start, {}, False)
    assert answers is not None, outcome_id
    return answers


def test_texts_exist_in_dutch_and_english(graph: Graph) -> None:
    for question in graph.questions.values():
        assert question.text.nl and question.text.en
        for option in question.options:
            assert option.label.nl and option.label.en
    for outcome in graph.outcomes.values():
        assert outcome.title.nl and outcome.title.en


def test_business_invoice_and_ceo_fraud_are_business_routes(graph: Graph) -> None:
    walk = graph.walk({"victim_type": "business", "business_kvk": "", "business_what": "ceo"})
    assert walk.current == "business_paid_recent"
    walk = graph.walk(
        {
            **dict.fromkeys(walk.path, ""),
            "victim_type": "business",
            "business_what": "ceo",
            "business_paid_recent": "recent",
        }
    )
    assert graph.outcomes[str(walk.outcome)].fraud_types == ("invoice",)
    assert graph.outcomes[str(walk.outcome)].urgency == "urgent"


def test_going_back_and_choosing_otherwise_leaves_old_answers_out(graph: Graph) -> None:
    answers = {"victim_type": "person", "what_happened": "friend", "friend_paid": "recent"}
    assert graph.walk(answers).outcome == "friend_in_need_urgent"
    answers["what_happened"] = "romance"  # friend_paid stays stored but is off the path
    walk = graph.walk(answers)
    assert walk.outcome == "romance"
    assert "friend_paid" not in walk.path


def _broken(seed_data: dict[str, Any], change: Any) -> list[str]:
    data = copy.deepcopy(seed_data)
    change(data)
    with pytest.raises(QuestionnaireError) as refused:
        parse(data)
    return refused.value.problems


def _question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == question_id)


def test_a_cycle_is_refused(seed_data: dict[str, Any]) -> None:
    def loop(data: dict[str, Any]) -> None:
        _question(data, "postcode")["next"] = "happened_on"

    assert any("cycle" in p for p in _broken(seed_data, loop))


def test_a_dead_end_is_refused(seed_data: dict[str, Any]) -> None:
    def dead(data: dict[str, Any]) -> None:
        del _question(data, "story")["next"]

    assert any("dead end" in p for p in _broken(seed_data, dead))


def test_an_edge_to_nowhere_is_refused(seed_data: dict[str, Any]) -> None:
    def nowhere(data: dict[str, Any]) -> None:
        _question(data, "story")["next"] = "no_such_question"

    assert any("no_such_question" in p for p in _broken(seed_data, nowhere))


def test_a_path_without_outcome_is_refused(seed_data: dict[str, Any]) -> None:
    def no_outcome(data: dict[str, Any]) -> None:
        option = _question(data, "what_happened")["options"][-1]
        del option["outcome"]

    problems = _broken(seed_data, no_outcome)
    assert any("without an outcome" in p for p in problems)


def test_an_unreachable_outcome_is_refused(seed_data: dict[str, Any]) -> None:
    def orphan(data: dict[str, Any]) -> None:
        data["outcomes"].append({**data["outcomes"][0], "id": "orphan"})

    assert any("never reached" in p and "orphan" in p for p in _broken(seed_data, orphan))


def test_a_second_outcome_on_a_path_is_refused(seed_data: dict[str, Any]) -> None:
    def twice(data: dict[str, Any]) -> None:
        _question(data, "story")["outcome"] = "other"

    assert any("second outcome" in p for p in _broken(seed_data, twice))


def test_a_field_bound_choice_keeps_to_its_vocabulary(seed_data: dict[str, Any]) -> None:
    def carrier_pigeon(data: dict[str, Any]) -> None:
        _question(data, "channel")["options"][0]["value"] = "pigeon"

    assert any("pigeon" in p for p in _broken(seed_data, carrier_pigeon))


def test_a_missing_translation_is_refused(seed_data: dict[str, Any]) -> None:
    def untranslated(data: dict[str, Any]) -> None:
        _question(data, "amount")["text"] = {"nl": "Hoeveel?"}

    assert any("missing for en" in p for p in _broken(seed_data, untranslated))


# --- stored versions ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seed_is_the_active_version_after_migrating() -> None:
    active = Questionnaire.objects.get(is_active=True)
    assert active.version == 1
    assert services.graph_of(active).fraud_types() == set(SEEDED_FRAUD_TYPE_CODES)


@pytest.mark.django_db
def test_a_new_version_becomes_active_and_old_intakes_keep_theirs(
    seed_data: dict[str, Any],
) -> None:
    old_intake, _secret = services.intake_start(actor=SYSTEM)
    data = copy.deepcopy(seed_data)
    data["version"] = 2
    _question(data, "story")["text"] = {"nl": "Vertel het ons.", "en": "Tell us."}
    source = yaml.safe_dump(data, allow_unicode=True)
    questionnaire, created = services.questionnaire_load(actor=SYSTEM, source=source)
    assert created and questionnaire.is_active
    assert Questionnaire.objects.filter(is_active=True).count() == 1
    new_intake, _secret = services.intake_start(actor=SYSTEM)
    assert new_intake.questionnaire.version == 2
    old_intake.refresh_from_db()
    assert old_intake.questionnaire.version == 1
    assert services.intake_graph(old_intake).question("story").text.en != "Tell us."
    # The same source again changes nothing; other content under a taken version is refused.
    assert services.questionnaire_load(actor=SYSTEM, source=source)[1] is False
    with pytest.raises(ConflictError):
        services.questionnaire_load(actor=SYSTEM, source=source.replace("Tell us.", "Go on."))


@pytest.mark.django_db
def test_a_questionnaire_missing_a_fraud_form_is_refused(seed_data: dict[str, Any]) -> None:
    data = copy.deepcopy(seed_data)
    data["version"] = 3
    romance = _question(data, "what_happened")["options"]
    for option in romance:
        if option.get("outcome") == "romance":
            option["outcome"] = "other"
    data["outcomes"] = [o for o in data["outcomes"] if o["id"] != "romance"]
    with pytest.raises(ValidationFailed) as refused:
        services.questionnaire_load(actor=SYSTEM, source=yaml.safe_dump(data))
    assert refused.value.code == "questionnaire_incomplete"
    assert "romance" in str(refused.value.message)


@pytest.mark.django_db
def test_only_the_programme_team_loads_questionnaires() -> None:
    from ketenwacht.errors import PermissionDeniedError
    from ketenwacht.partners.constants import Role
    from ketenwacht.partners.tests.factories import actor_with_role

    with pytest.raises(PermissionDeniedError):
        services.questionnaire_load(actor=actor_with_role(Role.DESK_AGENT), source=SEED.read_text())
