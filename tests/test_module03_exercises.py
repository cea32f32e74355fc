"""Module 03's exercises, tools, charts and tables: answered with widgets alone, feedback that never
gives the answer away, and output written for people (no Dmnl, no code-style names)."""

from __future__ import annotations

import json
import re

import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis.checks import CheckResult
from cyp_dynamics.course import module03
from cyp_dynamics.widgets import ChoiceQuestion, NumberQuestion, Reflection
from cyp_dynamics.widgets import progress

KEYS = module03.EXERCISES.keys()
NUMBER_KEYS = [k for k in KEYS if isinstance(module03.EXERCISES.build(k), NumberQuestion)]
FOR_PROGRAMMERS = re.compile(r"\bDmnl\b|\bGBP\b|\bdtype\b|\d\.\d+e[+-]\d+|\bNaN\b|\bnan\b"
                             r"|\b[a-z]+_[a-z_]+\b")


@pytest.fixture(autouse=True)
def fresh_progress():
    """Each test starts with nothing answered."""
    progress._BOARDS.pop("03", None)
    yield
    progress._BOARDS.pop("03", None)


@pytest.fixture(scope="module")
def model():
    return load_model("camhs_system")


def _state(question) -> str:
    return next(c.removeprefix("cyp-state-") for c in question.feedback._dom_classes
                if c.startswith("cyp-state-"))


def _answer(question, typed) -> CheckResult:
    question.fill(typed)
    return question.press_check()


def _html_text(widget) -> str:
    return re.sub(r"<[^>]+>", " ", widget.value)


# ---- every exercise ---------------------------------------------------------------------------
def test_six_exercises_and_two_reflections():
    assert KEYS == [f"03-ex{n}" for n in range(1, 7)]
    assert [q.key for q in module03.EXERCISES.questions()] == KEYS
    reflections = [k for k in module03.EXERCISES.keys(marked_only=False) if "-reflect" in k]
    assert reflections == ["03-reflect-upstream", "03-reflect-board"]
    assert all(isinstance(module03.EXERCISES.build(k), Reflection) for k in reflections)
    kinds = {k: type(module03.EXERCISES.build(k)) for k in KEYS}
    assert [k for k, kind in kinds.items() if kind is ChoiceQuestion] == ["03-ex1", "03-ex3", "03-ex6"]
    assert NUMBER_KEYS == ["03-ex2", "03-ex4", "03-ex5"]


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes_and_a_wrong_one_does_not(key):
    question = module03.EXERCISES.build(key)
    assert _answer(question, question.right_answer()).passed
    again = module03.EXERCISES.build(key)
    assert not _answer(again, again.wrong_answer()).passed
    assert _state(again) == "wrong"


@pytest.mark.parametrize("key", KEYS)
def test_wrong_answer_feedback_never_gives_the_answer_away(key):
    question = module03.EXERCISES.build(key)
    _answer(question, question.wrong_answer())
    shown = question.feedback.value
    assert shown and "Traceback" not in shown
    leaked = [p for p in question.leak_patterns() if re.search(p, shown, re.IGNORECASE)]
    assert leaked == [], f"{question.key}: {shown}"


@pytest.mark.parametrize("key", KEYS)
def test_every_wrong_choice_or_number_is_answered_without_the_answer(key):
    """Not only the one wrong answer the tests pick: every wrong choice, and numbers either side."""
    question = module03.EXERCISES.build(key)
    if isinstance(question, ChoiceQuestion):
        tries = [letter for letter in question.choices if letter != question.correct]
    else:
        truth = question.truth()
        tries = [question._typed(truth * factor) for factor in (0.3, 0.6, 1.6, 2.5) if truth * factor <= 1
                 or question.kind != "share"]
    for typed in tries:
        fresh = module03.EXERCISES.build(key)
        result = _answer(fresh, typed)
        if result.passed:  # exercise 4 accepts any start below the tipping point
            continue
        leaked = [p for p in fresh.leak_patterns() if re.search(p, fresh.feedback.value, re.IGNORECASE)]
        assert leaked == [], f"{key} {typed}: {fresh.feedback.value}"


@pytest.mark.parametrize("key", NUMBER_KEYS)
@pytest.mark.parametrize("typed", ["2,28", "twenty", "R", ""])
def test_badly_typed_numbers_are_explained_without_raising(key, typed):
    question = module03.EXERCISES.build(key)
    result = _answer(question, typed)
    assert not result.passed and _state(question) == "unreadable"
    assert question.tries == 0


@pytest.mark.parametrize("key", KEYS)
def test_solve_shows_the_worked_answer(key):
    question = module03.EXERCISES.build(key)
    question.solve()
    assert "Worked answer" in question.feedback.value
    patterns = question.leak_patterns()
    assert any(re.search(p, question.feedback.value, re.IGNORECASE) for p in patterns)


def test_two_wrong_tries_offer_the_answer_and_it_counts_as_done():
    board = module03.progress()
    question = module03.exercise_2()
    _answer(question, "100")
    _answer(question, "5,000")
    assert question.reveal_button.layout.display is None
    question.reveal()
    assert "03-ex2" in board.done


# ---- exercise by exercise ------------------------------------------------------------------
def test_ex1_each_wrong_choice_says_why():
    for letter in ("B", "C"):
        question = module03.exercise_1()
        result = _answer(question, letter)
        assert not result.passed and question.reasons[letter] in result.message


def test_ex2_the_page_shows_the_two_totals_the_answer_is_made_from():
    """The table before exercise 2 holds both running totals at month 60, and only those."""
    table = module03.crisis_table()
    assert list(table.frame["Scenario"]) == ["Fund 20 more posts now", "Fund 20 more posts in month 12"]
    shown = [float(v.replace(",", "")) for v in table.frame.iloc[:, 1]]
    assert shown[1] - shown[0] == pytest.approx(module03.late_hiring_extra_crises(), abs=1.5)
    assert _answer(module03.exercise_2(), f"{shown[1] - shown[0]:,.0f}").passed


@pytest.mark.parametrize("typed, words", [("100", "too low"), ("900", "too high")])
def test_ex2_wrong_numbers_say_only_too_high_or_too_low(typed, words):
    question = module03.exercise_2()
    result = _answer(question, typed)
    assert words in result.message
    assert f"{module03.late_hiring_extra_crises():,.0f}" not in question.feedback.value


@pytest.mark.parametrize("typed", ["0.1", "10%", "10 per cent", "0", "5%"])
def test_ex4_a_share_or_a_percentage_below_the_tipping_point_passes(typed):
    assert _answer(module03.exercise_4(), typed).passed


@pytest.mark.parametrize("typed, expected", [("30%", "wrong"), ("25", "unreadable"), ("150%", "wrong")])
def test_ex4_a_start_that_ends_stuck_or_cannot_be_a_share_is_explained(typed, expected):
    question = module03.exercise_4()
    result = _answer(question, typed)
    assert not result.passed
    assert _state(question) == expected


def test_ex5_accepts_within_one_percentage_point_and_says_which_way():
    truth = module03.bistability_threshold().value
    assert _answer(module03.exercise_5(), f"{(truth + 0.008) * 100:.1f}%").passed
    assert _answer(module03.exercise_5(), f"{truth - 0.008:.3f}").passed
    high = module03.exercise_5()
    assert "too high" in _answer(high, f"{(truth + 0.03) * 100:.1f}%").message
    assert "high (stuck) state" in high.feedback.value
    low = module03.exercise_5()
    assert "too low" in _answer(low, f"{(truth - 0.03) * 100:.1f}%").message
    assert "low (good) state" in low.feedback.value


def test_ex5_leak_patterns_find_the_answer_written_either_way():
    truth = module03.bistability_threshold().value
    patterns = module03.exercise_5().leak_patterns()
    for text in (f"about {truth:.0%}", f"{truth:.1%}", f"a tipping point of {truth:.3f}"):
        assert any(re.search(p, text, re.IGNORECASE) for p in patterns), text


def test_ex6_each_wrong_choice_says_why():
    for letter in ("A", "C"):
        question = module03.exercise_6()
        result = _answer(question, letter)
        assert not result.passed and question.reasons[letter] in result.message


# ---- the tipping-point tool ---------------------------------------------------------------------
def test_the_tool_says_in_words_where_a_start_ends():
    tool = module03.tipping_tool()
    assert "Starting with 15% severe, the service ends in the low (good) state after 20 years" \
        in tool.sentence.value
    tool.box.value = "30%"
    tool.run()
    assert "Starting with 30% severe, the service ends in the high (stuck) state" in tool.sentence.value
    assert "15% → low; 30% → high" in tool.tries_text.value


@pytest.mark.parametrize("typed", ["twenty", "2,28", "", "150%", "-5%", "0.1 0.2"])
def test_the_tool_explains_a_bad_entry_and_never_raises(typed):
    tool = module03.tipping_tool()
    before = dict(tool.tries)
    tool.box.value = typed
    tool.run()
    assert "🤔" in tool.sentence.value and "went wrong" not in tool.sentence.value
    assert tool.tries == before and tool.box.value == typed  # what was typed is kept


def test_the_tool_keeps_at_most_four_lines_and_never_states_the_tipping_point():
    tool = module03.tipping_tool()
    for typed in ("5%", "40%", "0.3", "12%", "35%"):
        tool.box.value = typed
        tool.run()
    assert len(tool.runs) == 4
    threshold = module03.bistability_threshold()
    shown = tool.sentence.value + tool.tries_text.value
    for pattern in module03.exercise_5().leak_patterns():
        assert not re.search(pattern, shown), pattern
    assert f"{threshold.low:.1%}" not in shown


def test_the_search_result_appears_only_once_exercise_5_is_done():
    board = module03.progress()
    view = module03.threshold_view()
    assert "once you have answered exercise 5" in view.children[1].value
    assert view.children[0].outputs == ()
    module03.exercise_5().solve()
    assert "03-ex5" in board.done and view.children[1].value == ""


# ---- what a trainee sees ----------------------------------------------------------------------
def test_the_burnout_loop_keeps_its_polarity_until_exercise_1_is_done():
    hidden = module03.loops_people_table(reveal=False).frame
    burnout = hidden[hidden["Loop"] == "Burnout"].iloc[0]
    assert burnout["Polarity"].startswith("?")
    assert "R2" not in hidden.to_string()
    shown = module03.loops_people_table(reveal=True).frame
    assert shown[shown["Loop"] == "Burnout"].iloc[0]["Polarity"] == "reinforcing"
    assert "which kind of loop?" in module03.loop_markdown("R2", reveal=False)
    assert "reinforcing" not in module03.loop_markdown("R2", reveal=False).split("\n")[0]


@pytest.mark.parametrize("code", list(module03.LOOPS))
def test_each_loop_view_shows_only_that_loop_with_its_polarity(code):
    """Sub-views of the model: the loop's own variables, one link each round, signs that multiply
    to the loop's polarity, and no '?' marks."""
    from cyp_dynamics.analysis.loops import find_loops, loop_polarity

    diagram = module03.loop_diagram(code)
    assert set(diagram.labels.values()) == module03.LOOP_VARIABLES[code]
    assert len(diagram.links) == len(diagram.labels)
    assert loop_polarity([k.polarity for k in diagram.links]) == code[0]
    assert len(find_loops(diagram)) == 1
    text = module03.loop_markdown(code)
    assert "flowchart TB" in text and "?" not in text.split("```")[1]


def test_tables_are_for_people(model):
    result = module03.national_calibration()
    tables = [module03.commissioner_headline_table(), module03.first_contact_table(),
              module03.inputs_table(model),
              module03.scenarios_table(module03.load_scenarios("camhs_system", model)),
              module03.crisis_table(), module03.upstream_table(module03.upstream_runs()),
              module03.fit_table(result, model), module03.targets_table(model),
              module03.fitted_table(result, model), module03.fit_error_table(result, model),
              module03.loops_people_table(True)]
    for table in tables:
        text = " ".join(table.frame.columns) + " " + table.frame.to_string()
        assert not FOR_PROGRAMMERS.search(text), FOR_PROGRAMMERS.search(text).group(0)
        assert "<table" in table._repr_html_()


def test_the_inputs_view_gives_every_source_on_request(model):
    view = module03.inputs_view(model)
    choice, details = view.children[2], view.children[3]
    assert len(choice.options) == len(model.parameters)
    choice.value = "deterioration_rate"
    assert model.parameters.loc["deterioration_rate", "source"][:30] in details.value


def test_the_fit_chart_follows_the_house_rules(model):
    chart = module03.fit_chart(module03.national_calibration(), model).to_dict()
    assert len(chart["description"]) > 100 and "Commissioner" in chart["description"]
    panels = chart["vconcat"]
    assert len(panels) == 4
    for panel in panels:
        x = panel["layer"][0]["encoding"]["x"]
        assert x["title"] == "Year" and x["axis"]["format"] == "d"
        words = json.dumps(panel["title"]) + panel["layer"][0]["encoding"]["y"]["title"]
        assert not FOR_PROGRAMMERS.search(words)
        assert len(panel["layer"]) == 2  # one line, one set of points


def test_the_fit_table_gives_the_average_gap_per_series(model):
    result = module03.national_calibration()
    table = module03.fit_table(result, model).frame
    assert list(table["Series"]) == ["Referrals made", "Treatment starts", "Closed or not accepted",
                                     "Waiting list"]
    assert all(v.endswith("%") for v in table.iloc[:, 2])


def test_deep_dive_sentences_are_in_words():
    text = module03.identifiability_demo().data
    assert "hours per mild course and clinical hours per clinician" in text
    assert "+1.00" in text and not FOR_PROGRAMMERS.search(text)
    assert "correlation" in module03.trade_offs_note(module03.national_calibration()).data


def test_closing_note_hides_answers_until_done():
    board = module03.progress()
    note = module03.closing_note()
    assert "once you have answered exercise 5" in note.children[3].children[1].value
    for key in ("03-ex1", "03-ex5"):
        board.mark(key)
    assert note.children[3].children[1].value == ""


def test_sentences_for_people(model):
    assert "one end state, the long list" in module03.todays_service_in_words().data
    assert re.fullmatch(r"A search of the equations finds \d+ loops: \d+ reinforcing and \d+ balancing\.",
                        module03.loop_count_in_words(model).data)


def test_headline_table_shows_a_dash_for_missing_years():
    table = module03.commissioner_headline_table().frame
    assert list(table["Year"])[:2] == ["2017/18", "2018/19"]
    assert "–" in table["Still waiting at year end"].tolist()
