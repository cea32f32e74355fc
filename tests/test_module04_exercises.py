"""Module 04's exercises, tools, charts and tables: answered with widgets alone, feedback that never
gives the answer away, and output written for people (money in £ million, no GBP, no 1.2e+07)."""

from __future__ import annotations

import json
import re

import pytest

from cyp_dynamics.analysis.checks import CheckResult
from cyp_dynamics.course import module04
from cyp_dynamics.widgets import MatchQuestion, NumberQuestion, Reflection
from cyp_dynamics.widgets import progress

KEYS = module04.EXERCISES.keys()
NUMBER_KEYS = [k for k in KEYS if isinstance(module04.EXERCISES.build(k), NumberQuestion)]
FOR_PROGRAMMERS = re.compile(r"\bDmnl\b|\bGBP\b|\bdtype\b|\d\.\d+e[+-]\d+|\bNaN\b|\bnan\b")


@pytest.fixture(autouse=True)
def fresh_progress():
    """Each test starts with nothing answered."""
    progress._BOARDS.pop("04", None)
    yield
    progress._BOARDS.pop("04", None)


def _state(question) -> str:
    return next(c.removeprefix("cyp-state-") for c in question.feedback._dom_classes
                if c.startswith("cyp-state-"))


def _answer(question, typed) -> CheckResult:
    question.fill(typed)
    return question.press_check()


# ---- every exercise ---------------------------------------------------------------------------
def _build(key):
    return module04.EXERCISES.build(key)


def test_seven_exercises_and_two_reflections():
    assert KEYS == [f"04-ex{n}" for n in range(1, 8)]
    assert [q.key for q in module04.EXERCISES.questions()] == KEYS
    reflections = [k for k in module04.EXERCISES.keys(marked_only=False) if "-reflect" in k]
    assert reflections == ["04-reflect-payback", "04-reflect-for-whom"]
    assert all(isinstance(module04.EXERCISES.build(k), Reflection) for k in reflections)


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes_and_a_wrong_one_does_not(key):
    question = _build(key)
    assert _answer(question, question.right_answer()).passed
    again = module04.EXERCISES.build(question.key)
    assert not _answer(again, again.wrong_answer()).passed


@pytest.mark.parametrize("key", KEYS)
def test_wrong_answer_feedback_never_gives_the_answer_away(key):
    question = _build(key)
    _answer(question, question.wrong_answer())
    shown = question.feedback.value
    assert shown and "Traceback" not in shown
    leaked = [p for p in question.leak_patterns() if re.search(p, shown, re.IGNORECASE)]
    assert leaked == [], f"{question.key}: {shown}"


@pytest.mark.parametrize("key", NUMBER_KEYS)
@pytest.mark.parametrize("typed", ["2,28", "twenty", "R", ""])
def test_badly_typed_numbers_are_explained_without_raising(key, typed):
    question = _build(key)
    result = _answer(question, typed)
    assert not result.passed and _state(question) == "unreadable"
    assert question.tries == 0


@pytest.mark.parametrize("key", KEYS)
def test_solve_shows_the_worked_answer(key):
    question = _build(key)
    question.solve()
    assert "Worked answer" in question.feedback.value
    patterns = question.leak_patterns()
    if patterns:  # the solution notebook shows the answer the leak test looks for
        assert any(re.search(p, question.feedback.value, re.IGNORECASE) for p in patterns)


# ---- exercise by exercise ------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["74%", "74", "74.4", "about 74", "74 per cent", "75"])
def test_ex1_the_share_is_read_as_a_percentage(typed):
    assert _answer(module04.exercise_1(), typed).passed


def test_ex1_a_fraction_is_caught_and_a_wrong_share_is_too_low():
    question = module04.exercise_1()
    assert "percentage" in _answer(question, "0.74").message
    assert "too low" in _answer(question, "60%").message


def test_ex1_truth_comes_from_the_cited_figures():
    assert module04.late_share_of_total_2015_16() == pytest.approx(100 * 6.1 / (2.1 + 6.1))


@pytest.mark.parametrize("build, letter", [(module04.exercise_2, "A"), (module04.exercise_2, "C"),
                                            (module04.exercise_7, "A"), (module04.exercise_7, "B")])
def test_ex2_and_ex7_each_wrong_choice_says_why(build, letter):
    question = build()
    result = _answer(question, letter)
    assert not result.passed and question.reasons[letter] in result.message


@pytest.mark.parametrize("guess", ["0", "50", "204", "5,000"])
def test_ex3_any_sensible_prediction_is_accepted_and_compared(guess):
    question = module04.exercise_3()
    result = _answer(question, guess)
    assert result.passed and "the model gives" in result.message and _state(question) == "noted"


def test_ex3_truth_matches_the_experiment_with_need_not_growing():
    model = module04.load_model(module04.MODEL)
    steady = {"need_growth_percent_per_year": 0}
    cut = model.run({**steady, "budget_change_percent": -5, "budget_change_year": 1})
    extra = cut.children_in_late_intervention.loc[10] - model.run(steady).children_in_late_intervention.loc[10]
    assert module04.extra_late_children_after_cut() == pytest.approx(extra)
    assert 100 < extra < 400


def test_ex4_the_break_even_year_is_read_from_the_gap():
    year = module04.fund_break_even_year()
    gap = module04.fund_gap()["gap_gbp_m"]
    assert gap.loc[year - 1] > 0 and (gap.loc[year:] <= 1e-9).all()
    for typed in (f"{year}", f"year {year}"):
        assert _answer(module04.exercise_4(), typed).passed
    assert "too low" in _answer(module04.exercise_4(), f"{year - 1}").message
    assert "too high" in _answer(module04.exercise_4(), f"{year + 1}").message


def test_ex4_leak_patterns_catch_the_year_written_out():
    patterns = module04.exercise_4().leak_patterns()
    year = module04.fund_break_even_year()
    for text in (f"breaks even in year {year}", f"Year {year}", f"the {year}th year"):
        assert any(re.search(p, text, re.IGNORECASE) for p in patterns), text
    for text in ("over 30 years", "after 30 years", "within 30 years", "for each of the 30 years"):
        assert not any(re.search(p, text, re.IGNORECASE) for p in patterns), text


@pytest.mark.parametrize("typed", ["£{n}m", "{n} million", "{n}", "£{n},000,000", "£{n} million"])
def test_ex5_the_smallest_fund_is_read_in_millions(typed):
    smallest = module04.smallest_escaping_fund()
    assert _answer(module04.exercise_5(), typed.format(n=smallest)).passed


def test_ex5_too_small_too_big_and_out_of_range_say_which():
    smallest = module04.smallest_escaping_fund()
    assert "still wins" in _answer(module04.exercise_5(), f"{smallest - 1}").message
    assert "smaller fund" in _answer(module04.exercise_5(), f"{smallest + 6}").message
    assert "from £0 to £100 million" in _answer(module04.exercise_5(), "150").message
    assert "whole millions" in _answer(module04.exercise_5(), f"{smallest + 0.5}").message


def test_ex6_is_answered_with_drop_downs_and_judged_by_the_model():
    question = module04.exercise_6()
    assert isinstance(question, MatchQuestion)
    assert set(question.options) == {f"{p}%" for p in range(0, 101, 10)}
    assert _answer(question, {"A": "10%", "B": "30%", "C": "60%"}).passed
    assert _answer(module04.exercise_6(), {"A": "0%", "B": "40%", "C": "60%"}).passed  # another mix


@pytest.mark.parametrize("shares, says", [
    ({"A": "30%", "B": "20%", "C": "50%"}, "no fewer children escalate"),  # today's mix
    ({"A": "100%", "B": "0%", "C": "0%"}, "Not better than today's mix"),
    ({"A": "10%", "B": "30%", "C": "50%"}, "add up to 90%"),
    ({"A": "10%", "B": "choose…", "C": "60%"}, "Choose a share"),
])
def test_ex6_mixes_that_do_not_beat_todays_say_why(shares, says):
    result = _answer(module04.exercise_6(), shares)
    assert not result.passed and says in result.message


def test_ex6_worked_mix_comes_from_the_scenario_file():
    assert module04.worked_portfolio() == {"A": "10%", "B": "30%", "C": "60%"}
    assert module04.shares_to_weights(module04.worked_portfolio()) == pytest.approx(
        {"community_prevention_weight": 0.1, "school_support_weight": 0.3, "family_early_help_weight": 0.6})


# ---- tools -----------------------------------------------------------------------------------
def test_policy_explorer_works_in_pounds_millions_and_labels_runs_in_words():
    explorer = module04.explore_policies()
    explorer.sliders["transition_fund"].value = 15
    assert explorer.params["transition_fund"] == pytest.approx(15e6)
    for _ in range(5):
        explorer.keep()
    assert len(explorer.kept) == 3  # with 'Now', four lines at most
    label = list(explorer.kept)[-1]
    assert "fund £15 million" in label and "_" not in label
    explorer.reset()
    assert explorer.params["transition_fund"] == 0 and explorer.label() == "defaults"


def test_fund_tool_says_what_a_fund_leaves_without_naming_the_smallest():
    tool = module04.fund_tool()
    leaks = module04.exercise_5().leak_patterns()
    assert "£10 million" in tool.sentence.value and "still wins" in tool.sentence.value
    assert not any(re.search(p, tool.sentence.value, re.IGNORECASE) for p in leaks)
    tool.slider.value = 40
    assert "escaped" in tool.sentence.value


def test_policy_picker_never_draws_more_than_four_policies():
    picker = module04.compare_policies()
    assert len(picker.chosen) == 4
    spare = next(box for box in picker.boxes.values() if not box.value)
    spare.value = True
    assert not spare.value and len(picker.chosen) == 4 and "At most 4" in picker.status.value
    for box in picker.boxes.values():
        box.value = False
    assert picker.chosen == {}


def test_the_break_even_column_appears_only_after_exercise_4():
    view = module04.policies_side_by_side()
    assert "Break-even" not in module04.side_by_side_table(False)._repr_html_()
    assert "exercise 4" in view.children[1].value
    module04.progress()
    module04.exercise_4().solve()
    assert view.children[1].value == ""
    assert "Break-even year" in module04.side_by_side_table(True)._repr_html_()


# ---- charts and tables for people -----------------------------------------------------------
def _chart_text(chart) -> str:
    """The chart's spec without its data: the words and formats a reader sees."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("data", "datasets", "values")}
        return [strip(item) for item in node] if isinstance(node, list) else node

    return json.dumps(strip(chart.to_dict()))


def test_charts_have_descriptions_at_most_four_lines_a_panel_and_no_programmer_words():
    runs = module04.policy_runs()
    charts = [module04.break_even_chart(), module04.fund_gap_chart(),
              module04.spend_chart(runs["Today's path"], "Today's path"),
              module04.policy_chart(dict(list(runs.items())[:4]), "Four policies")]
    year_leaks = module04.exercise_4().leak_patterns()
    for chart in charts:
        spec = chart.to_dict()
        assert len(spec.get("description", "")) > 40
        text = _chart_text(chart)
        assert not FOR_PROGRAMMERS.search(text), text[:200]
        assert not any(re.search(p, text, re.IGNORECASE) for p in year_leaks)
    assert all(len(panel) <= 3 for panel in module04.BREAK_EVEN_PANELS.values())
    with pytest.raises(ValueError, match="too many lines"):
        module04.policy_chart(runs, "All seven")


def test_the_fund_and_the_fund_with_a_ring_fence_are_in_different_panels():
    panels = list(module04.BREAK_EVEN_PANELS.values())
    assert not any("transition_fund" in p and "fund_and_ring_fence" in p for p in panels)


@pytest.mark.parametrize("table", ["spending_table", "inputs_table", "policy_list_table"])
def test_tables_are_written_for_people(table):
    shown = getattr(module04, table)()._repr_html_()
    assert not FOR_PROGRAMMERS.search(shown)
    assert "datasets/" not in shown and "GBP" not in shown


def test_ledger_and_side_by_side_tables_are_in_pounds_million():
    today = module04.policy_runs()["Today's path"]
    for shown in (module04.ledger_table(today), module04.ledger_table(today, deep=True),
                  module04.side_by_side_table(True)):
        html = shown._repr_html_()
        assert "£ million" in html and not FOR_PROGRAMMERS.search(html)
    assert "Discount factor" in module04.ledger_table(today, deep=True)._repr_html_()


def test_the_rebalanced_mix_is_not_spelled_out_before_exercise_6():
    shown = module04.policy_list_table()._repr_html_()
    assert "Rebalance towards school and family help" in shown and "60%" not in shown


def test_money_in_titles_and_sources_is_written_with_pound_signs():
    assert module04.with_pound_signs("GBP 15m transition fund") == "£15m transition fund"
    assert module04.with_pound_signs("about GBP 33,600 a year") == "about £33,600 a year"
    assert all("GBP" not in title for title in module04.policy_runs())


def test_books_balance_sentence():
    sentence = module04.books_balance(module04.policy_runs())
    assert sentence.startswith("The books balance for all 7 policies")
    assert module04.discounting_sentence().startswith("£1 million spent 10 years from now counts as £0.71")
