"""Module 06's exercises, answered through their widgets: right passes, wrong fails without the
answer, badly typed is explained; plus the answers' links to the runs, the posts tool, the views
that wait for an exercise, and output for people."""

from __future__ import annotations

import re

import pytest

from cyp_dynamics.course import module06
from cyp_dynamics.widgets import ChoiceQuestion, NumberQuestion, PredictQuestion, Reflection

QUESTIONS = list(module06.EXERCISES.questions())
KEYS = [q.key for q in QUESTIONS]
FOR_PROGRAMMERS = re.compile(r"\bDmnl\b|\bGBP\b|\bdtype\b|\d\.\d+e[+-]\d+|\bNaN\b|_per_|_rate\b")


def _fresh(key: str):
    return module06.EXERCISES.build(key)


def _leaked(question, text: str) -> list[str]:
    return [p for p in question.leak_patterns() if re.search(p, text, re.IGNORECASE)]


def test_the_module_has_seven_marked_exercises_and_two_reflections():
    assert KEYS == [f"06-ex{k}" for k in range(1, 8)]
    reflections = [k for k in module06.EXERCISES.keys(marked_only=False) if "-reflect" in k]
    assert len(reflections) == 2
    assert all(isinstance(module06.EXERCISES.build(k), Reflection) for k in reflections)
    kinds = {q.key: type(q) for q in QUESTIONS}
    assert kinds["06-ex1"] is ChoiceQuestion and kinds["06-ex5"] is PredictQuestion
    assert kinds["06-ex2"] is NumberQuestion and kinds["06-ex7"] is NumberQuestion


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes(key):
    question = _fresh(key)
    question.fill(question.right_answer())
    assert question.press_check().passed


@pytest.mark.parametrize("key", [k for k in KEYS if k != "06-ex5"])
def test_a_wrong_answer_fails_without_giving_the_answer_away(key):
    question = _fresh(key)
    for _ in range(2):  # the second try also shows the reveal button, still without the answer
        question.fill(question.wrong_answer())
        assert not question.press_check().passed
        assert "cyp-state-wrong" in question.feedback._dom_classes
        assert _leaked(question, question.feedback.value) == [], question.feedback.value


def test_an_impossible_prediction_is_refused_without_the_answer():
    question = _fresh("06-ex5")
    for typed in ("-5", "120%"):
        question.fill(typed)
        assert not question.press_check().passed
        assert _leaked(question, question.feedback.value) == []


@pytest.mark.parametrize("key", [q.key for q in QUESTIONS if isinstance(q, NumberQuestion)])
@pytest.mark.parametrize("typed", ["2,28", "twenty", "R", ""])
def test_badly_typed_numbers_are_explained_and_never_raise(key, typed):
    question = _fresh(key)
    question.fill(typed)
    assert not question.press_check().passed
    assert "cyp-state-unreadable" in question.feedback._dom_classes
    assert question.tries == 0


@pytest.mark.parametrize("key", [q.key for q in QUESTIONS if isinstance(q, ChoiceQuestion)])
def test_choosing_nothing_is_explained(key):
    question = _fresh(key)
    assert not question.press_check().passed
    assert "cyp-state-unreadable" in question.feedback._dom_classes


# ---- the answers follow the runs ---------------------------------------------------------------
def test_the_band_answer_is_the_95th_percentile_of_the_runs_in_april_2027():
    end = module06.camhs_ensemble()["waiting_list"].unstack(level=0).iloc[-1]
    assert module06.high_end_of_band() == pytest.approx(end.quantile(0.95))
    assert module06.camhs_ensemble().index.get_level_values(1).max() == module06.CAMHS_MONTHS
    question = _fresh("06-ex2")
    question.fill(f"{module06.high_end_of_band() * 1.03:,.0f}")  # within 5%
    assert question.press_check().passed


def test_the_predicted_input_is_the_offered_one_with_the_largest_sobol_total():
    totals = module06.sobol_table()["total"]
    letter = module06.most_influential_letter()
    chosen = module06.exercises.INFLUENCE_CANDIDATES["ABCD".index(letter)]
    offered = [n for n in module06.exercises.INFLUENCE_CANDIDATES if n in totals.index]
    assert chosen in totals.index and totals[chosen] == max(totals[n] for n in offered)


def test_the_share_for_the_board_is_the_top_three_first_order_indices():
    table = module06.sobol_table()
    assert module06.top_three_share_percent() == pytest.approx(
        100 * table["first_order"].iloc[:3].clip(lower=0).sum())
    question = _fresh("06-ex4")
    question.fill(f"{module06.top_three_share_percent() + 2.5:.1f}%")  # within 3 points
    assert question.press_check().passed
    question.fill("0.5")
    assert "fraction" in question.press_check().message


def test_the_robust_choice_is_the_policy_with_the_smallest_largest_regret():
    table = module06.robustness_table()
    assert module06.robust_policy() == table["max_regret"].idxmin()
    assert module06.policy_title(module06.robust_policy()) in module06.robust_choices()["B"]


def test_the_prediction_compares_with_the_chance_the_ring_fence_beats_today():
    children = module06.policy_results()[0]
    share = (children[module06.PREDICT_POLICY] < children["base"]).mean() * 100
    assert module06.predicted_policy_chance() == pytest.approx(share, abs=1e-9)
    question = _fresh("06-ex5")
    question.fill("50%")
    assert "the model gives" in question.press_check().message


def test_the_fewest_posts_reach_nine_worlds_in_ten_and_one_fewer_does_not():
    posts = module06.posts_for_target()
    assert module06.good_state_share(posts) >= 0.9 > module06.good_state_share(posts - 1)
    question = _fresh("06-ex7")
    question.fill(str(posts + 5))
    result = question.press_check()
    assert not result.passed and "fewer" in result.message
    question.fill("150.5")
    assert "whole" in question.press_check().message


def test_figures_repeat_run_after_run():
    """Seeded samples: a second draw of the worlds equals the first."""
    first = module06.camhs_worlds.__wrapped__(module06.CAMHS_WORLDS)
    second = module06.camhs_worlds.__wrapped__(module06.CAMHS_WORLDS)
    assert first.equals(second)
    assert module06.prevention_worlds.__wrapped__(50).equals(module06.prevention_worlds.__wrapped__(50))


def test_every_range_says_where_it_comes_from_and_lies_inside_the_model():
    for inputs, model_name in ((module06.camhs_inputs(), module06.CAMHS),
                               (module06.prevention_inputs(), module06.PREVENTION)):
        table = module06.load_model(model_name).parameters
        for u in inputs:
            assert u.kind in ("calibration", "loose", "cited", "assumption")
            assert u.low < u.high
            assert table.loc[u.name, "min"] <= u.low and u.high <= table.loc[u.name, "max"]


# ---- the tool and the waiting views ------------------------------------------------------------
def test_the_posts_tool_says_the_share_and_never_raises():
    tool = module06.posts_tool()
    assert "worlds" in tool.sentence.value and str(module06.todays_posts()) in tool.sentence.value
    tool.slider.value = module06.todays_posts() + 10
    assert "Your tries so far" in tool.tries_text.value
    tool.slider.value = tool.slider.max
    assert "went wrong" not in tool.sentence.value


def test_the_sensitivity_charts_wait_for_exercise_3():
    view = module06.sensitivity_view()
    assert "exercise 3" in view.children[1].value  # the waiting note
    assert not view.children[0].outputs


# ---- output for people --------------------------------------------------------------------------
@pytest.mark.parametrize("make", ["camhs_fan_chart", "prevention_fan_chart", "morris_chart",
                                  "sobol_chart", "cost_band_chart", "tipping_chart"])
def test_every_chart_has_a_title_and_a_description_in_words(make):
    spec = getattr(module06, make)().to_dict()
    assert spec.get("description") and spec.get("title")
    assert spec.get("datasets") and all(len(rows) > 0 for rows in spec["datasets"].values()), \
        "a chart with no data draws only its axes"
    assert not FOR_PROGRAMMERS.search(spec["description"])


@pytest.mark.parametrize("make", ["inputs_table", "sobol_people_table", "robustness_people_table"])
def test_tables_are_for_people(make):
    table = getattr(module06, make)()
    text = table._repr_html_()
    assert not FOR_PROGRAMMERS.search(text), text


def test_sentences_are_for_people():
    for make in ("trade_off_sentence", "end_of_fan_sentence", "screening_sentence",
                 "policy_worlds_sentence", "robust_versus_default", "posts_in_words"):
        text = getattr(module06, make)().data
        assert not FOR_PROGRAMMERS.search(text), text
