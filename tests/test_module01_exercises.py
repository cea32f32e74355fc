"""Module 01's exercises as a trainee meets them: drop-downs and choices, a Check button, feedback
that never gives the answer away, and the extended diagram only once exercise 3 is answered."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cyp_dynamics.course import module01
from cyp_dynamics.widgets import ChoiceQuestion, MatchQuestion, Reflection

ROOT = Path(__file__).resolve().parents[1]
TRAINEE = ROOT / "modules" / "01-thinking-in-systems" / "01-thinking-in-systems.ipynb"
SOLUTION = ROOT / "solutions" / "01-thinking-in-systems" / "01-thinking-in-systems.ipynb"
KEYS = module01.EXERCISES.keys()


def _state(question) -> str:
    return next(c for c in question.feedback._dom_classes if c.startswith("cyp-state-"))


def _text(path: Path, kind: str) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == kind)



def test_five_marked_exercises_answered_with_widgets_and_a_reflection():
    assert KEYS == ["01-ex1", "01-ex2", "01-ex3", "01-ex4", "01-ex5"]
    kinds = [type(module01.EXERCISES.build(k)) for k in KEYS]
    assert kinds == [MatchQuestion, ChoiceQuestion, MatchQuestion, MatchQuestion, MatchQuestion]
    assert isinstance(module01.reflect_loops(), Reflection)
    assert "01-reflect-loops" in module01.EXERCISES.keys(marked_only=False)


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes(key):
    question = module01.EXERCISES.build(key)
    question.fill(question.right_answer())
    assert question.press_check().passed
    assert _state(question) == "cyp-state-right"


@pytest.mark.parametrize("key", KEYS)
def test_a_wrong_answer_fails_without_giving_the_answer_away(key):
    question = module01.EXERCISES.build(key)
    patterns = question.leak_patterns()
    assert patterns, "without leak patterns the leak test could not check this exercise"
    for _ in range(2):  # the second wrong try offers the answer, but does not show it
        question.fill(question.wrong_answer())
        assert not question.press_check().passed
        assert _state(question) == "cyp-state-wrong" and "Hint:" in question.feedback.value
        for pattern in patterns:
            assert not re.search(pattern, question.feedback.value, flags=re.IGNORECASE), pattern


@pytest.mark.parametrize("key", KEYS)
def test_the_leak_patterns_find_the_worked_answer(key):
    """The leak test is only as good as its patterns: they must find the answer when it is shown."""
    question = module01.EXERCISES.build(key)
    question.solve()
    assert any(re.search(p, question.feedback.value, flags=re.IGNORECASE)
               for p in question.leak_patterns())


@pytest.mark.parametrize("key", KEYS)
def test_pressing_check_with_nothing_chosen_asks_for_an_answer_and_never_raises(key):
    question = module01.EXERCISES.build(key)
    result = question.press_check()
    assert not result.passed and _state(question) == "cyp-state-unreadable"
    assert question.tries == 0, "an empty answer does not use up a try"


def test_a_half_answered_match_says_how_many_are_still_to_choose():
    question = module01.exercise_1()
    question.fill({"A": "event"})
    result = question.press_check()
    assert not result.passed and "4 still to choose" in result.message


def test_the_answer_is_offered_after_two_wrong_tries_and_then_shown():
    question = module01.exercise_5()
    for wrong in (question.wrong_answer(), {**question.right_answer(), "A": "limits to growth"}):
        question.fill(wrong)
        question.press_check()
    assert question.reveal_button.layout.display is None
    question.reveal()
    assert "Graph A → success to the successful" in question.feedback.value


def test_exercise_2_explains_each_wrong_choice():
    question = module01.exercise_2()
    assert question.correct == "A"  # the loop finder says reinforcing
    for choice in ("B", "C"):
        question.fill(choice)
        result = question.press_check()
        assert not result.passed and question.reasons[choice] in result.message
    assert "delay" in question.reasons["C"]


def _drawn(question) -> bool:
    view = question.box.children[-1]
    return any("```mermaid" in str(o.get("data", {})) for o in view.outputs)


def test_the_extended_diagram_appears_only_once_exercise_3_is_answered():
    question = module01.exercise_3()
    assert not _drawn(question)
    assert "appears here once you have answered" in question.box.children[-2].value
    question.fill(question.wrong_answer())
    question.press_check()
    assert not _drawn(question), "a wrong answer must not show the diagram (it names the loops)"
    question.fill(question.right_answer())
    question.press_check()
    assert _drawn(question)
    assert question.box.children[-2].layout.display == "none"


def test_the_extended_diagram_also_appears_when_the_answer_is_shown():
    question = module01.exercise_3()
    question.reveal()
    assert _drawn(question)


def test_exercise_4_offers_the_counts_from_the_model():
    question = module01.exercise_4()
    counts = module01.camhs_loop_counts()
    assert question.right_answer() == {k: str(n) for k, n in counts.items()}
    assert all(str(n) in question.options for n in counts.values())


def test_exercise_5_offers_the_archetypes_in_teaching_order_not_the_graph_order():
    question = module01.exercise_5()
    assert question.options == list(module01.ARCHETYPES)
    assert question.options != [module01.MYSTERY_LETTERS[k] for k in "ABCDE"]


def test_the_trainee_notebook_asks_for_no_code():
    markdown = _text(TRAINEE, "markdown")
    for code_words in ("replace each `...`", "`...`", "with the quotes", "triple quotes", "`\"R\"`",
                       "find_loops", "bid_advantage", "assert_correct"):
        assert code_words not in markdown, code_words
    code = _text(TRAINEE, "code")
    assert "= ..." not in code and "check_" not in code and "print(" not in code
    for key in KEYS:
        number = key.split("ex")[1]
        assert f"module01.exercise_{number}()" in code


def test_the_solution_notebook_solves_every_exercise():
    code = _text(SOLUTION, "code")
    for number in range(1, 6):
        assert f"module01.exercise_{number}().solve(" in code


def test_glossary_terms_are_linked_at_first_use():
    markdown = _text(TRAINEE, "markdown")
    for anchor in ("Stock", "Flow", "Feedback-loop", "Reinforcing-loop", "Balancing-loop", "Delay",
                   "Causal-loop-diagram", "Polarity", "Archetype"):
        assert f"glossary.ipynb#{anchor})" in markdown, anchor
