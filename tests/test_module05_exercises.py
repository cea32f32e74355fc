"""Module 05's exercises, answered through their widgets: right passes, wrong fails without the
answer, badly typed is explained; plus the special judges, the entry-rate tool, and output for people."""

from __future__ import annotations

import re

import pytest

from cyp_dynamics.course import module05
from cyp_dynamics.widgets import ChoiceQuestion, NumberQuestion, PredictQuestion, Reflection

QUESTIONS = list(module05.EXERCISES.questions())
KEYS = [q.key for q in QUESTIONS]



def _fresh(key: str):
    return module05.EXERCISES.build(key)


def _leaked(question, text: str) -> list[str]:
    return [p for p in question.leak_patterns() if re.search(p, text, re.IGNORECASE)]


def test_the_module_has_five_marked_exercises_and_two_reflections():
    assert KEYS == ["05-ex1", "05-ex2", "05-ex3", "05-ex4", "05-ex5"]
    reflections = [k for k in module05.EXERCISES.keys(marked_only=False) if "-reflect" in k]
    assert len(reflections) == 2
    assert all(isinstance(module05.EXERCISES.build(k), Reflection) for k in reflections)
    assert isinstance(_fresh("05-ex1"), PredictQuestion)
    assert isinstance(_fresh("05-ex4"), ChoiceQuestion)


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes(key):
    question = _fresh(key)
    question.fill(question.right_answer())
    assert question.press_check().passed


@pytest.mark.parametrize("key", KEYS)
def test_a_wrong_answer_fails_without_giving_the_answer_away(key):
    question = _fresh(key)
    question.fill(question.wrong_answer())
    assert not question.press_check().passed
    assert "cyp-state-wrong" in question.feedback._dom_classes
    assert _leaked(question, question.feedback.value) == [], question.feedback.value
    question.fill(question.wrong_answer())
    question.press_check()
    assert _leaked(question, question.feedback.value) == []


@pytest.mark.parametrize("key", [q.key for q in QUESTIONS if isinstance(q, NumberQuestion)])
@pytest.mark.parametrize("typed", ["2,28", "twenty", "R", ""])
def test_badly_typed_numbers_are_explained_and_never_raise(key, typed):
    question = _fresh(key)
    question.fill(typed)
    result = question.press_check()
    assert not result.passed
    assert "cyp-state-unreadable" in question.feedback._dom_classes
    assert question.tries == 0  # an unreadable answer is not a try


def test_choosing_nothing_is_explained():
    question = _fresh("05-ex4")
    assert not question.press_check().passed
    assert "cyp-state-unreadable" in question.feedback._dom_classes


# ---- exercise 1: a prediction --------------------------------------------------------------
@pytest.mark.parametrize("guess", ["40", "28%", "about 25", "30.3"])
def test_any_sensible_prediction_is_accepted_then_compared(guess):
    question = _fresh("05-ex1")
    question.fill(guess)
    result = question.press_check()
    assert result.passed and "the model gives" in result.message
    assert "cyp-state-noted" in question.feedback._dom_classes


def test_an_impossible_prediction_is_refused():
    for guess in ("-5", "140%"):
        question = _fresh("05-ex1")
        question.fill(guess)
        assert not question.press_check().passed


def test_the_prediction_truth_comes_from_the_model_and_is_below_the_no_policy_share():
    no_policy = module05.run()["poverty_share_percent[uk_average]"].loc[module05.END_YEAR]
    assert 20 < module05.exits_up_share_2040() < no_policy


# ---- exercise 2: a number of years, not a calendar year --------------------------------------
def test_the_delay_accepts_years_and_explains_a_calendar_year_kindly():
    truth = module05.obesity_delay_years()
    year = module05.POLICY_START_YEAR + truth
    question = _fresh("05-ex2")
    question.fill(f"{year:.0f}")
    result = question.press_check()
    assert not result.passed
    assert "calendar year" in result.message and "how many years" in result.message
    assert "You have" not in result.message and _leaked(question, question.feedback.value) == []
    for typed in (f"{truth:g}", f"{truth:g} years", f"about {truth + 0.5:g}"):
        question.fill(typed)
        assert question.press_check().passed, typed
    question.fill("-2")
    assert "negative" in question.press_check().message
    question.fill(f"{truth + 2:g}")
    assert "too high" in question.press_check().message


# ---- exercise 3: the entry-rate tool and its judge -------------------------------------------
def test_the_tool_starts_at_the_inner_citys_own_rate_and_gives_the_share_for_any_rate():
    tool = module05.entry_rate_tool()
    question = _fresh("05-ex3")
    assert _leaked(question, tool.result.value) == []  # untouched, it does not give the answer
    own = module05.run()["poverty_share_percent[inner_city]"].loc[module05.END_YEAR]
    assert f"{own:.1f}%" in tool.result.value
    tool.slider.value = 0.145
    assert f"{module05.inner_city_share_with_uk_entry_rate():.1f}%" in tool.result.value
    question.fill(re.search(r"<b>([\d.]+%)</b>", tool.result.value).group(1))
    assert question.press_check().passed  # what the tool shows is accepted


def test_the_tool_never_raises(monkeypatch):
    tool = module05.entry_rate_tool()

    def broken(rate):
        raise RuntimeError("model failed")

    # patched where the tool looks it up, in the package's tools.py
    monkeypatch.setattr(module05.tools, "share_with_inner_city_entry_rate", broken)
    tool.slider.value = 0.3
    assert "could not run" in tool.result.value


def test_the_inner_city_judge_names_the_usual_slips_without_the_answer():
    base = module05.run()
    question = _fresh("05-ex3")
    own = base["poverty_share_percent[inner_city]"].loc[module05.END_YEAR]
    uk = base["poverty_share_percent[uk_average]"].loc[module05.END_YEAR]
    for typed, says in ((f"{own:.1f}", "own"), (f"{uk:.1f}", "UK-average place's share"),
                        (f"{module05.inner_city_share_with_uk_entry_rate() / 100:.3f}", "fraction")):
        question.fill(typed)
        result = question.press_check()
        assert not result.passed and says in result.message
        assert _leaked(question, question.feedback.value) == []
    assert "inner_city_poverty_entry_rate" not in question.hint and "0.145" in question.hint


def test_the_inner_city_with_the_uks_entry_rate_stays_above_the_uk_average_place():
    uk = module05.run()["poverty_share_percent[uk_average]"].loc[module05.END_YEAR]
    own = module05.run()["poverty_share_percent[inner_city]"].loc[module05.END_YEAR]
    assert uk < module05.inner_city_share_with_uk_entry_rate() < own


# ---- exercise 4 and 5 ----------------------------------------------------------------------
def test_every_wrong_choice_has_its_own_reason_in_words():
    question = _fresh("05-ex4")
    for letter in "BC":
        question.fill(letter)
        result = question.press_check()
        assert not result.passed and question.reasons[letter] in result.message
        assert "_" not in result.message  # no code-style names


def test_the_shock_legacy_is_read_to_two_decimals_and_never_shown_when_wrong():
    question = _fresh("05-ex5")
    assert question.decimals == 2 and module05.shock_legacy_points() > 0
    question.fill("0.9")
    result = question.press_check()
    assert "too high" in result.message and "about" not in result.message.lower()
    question.fill("0.26%")  # a percentage sign for percentage points is explained
    assert not question.press_check().passed


# ---- output for people --------------------------------------------------------------------
PROGRAMMERS = re.compile(r"\bDmnl\b|\bGBP\b|\bdtype\b|\d\.\d+e[+-]\d+|\b\d{4}\.0\b|\b2,0\d\d\b|\w+_\w+")


@pytest.mark.parametrize("table", [
    module05.inputs_table, module05.outputs_table, module05.delay_table, module05.delays_table,
    module05.shock_table, lambda: module05.place_table(module05.run()),
    lambda: module05.hbai_table(module05.run())], ids=lambda t: getattr(t, "__name__", "table"))
def test_tables_are_for_people(table):
    text = table()._repr_html_()
    assert PROGRAMMERS.search(text) is None, PROGRAMMERS.search(text)
    assert "<th" in text


def test_year_tables_show_calendar_years():
    table = module05.place_table(module05.run()).frame
    assert table["Year"].tolist()[:2] == ["2010", "2015"]
    assert module05.hbai_table(module05.run()).frame["Financial year"].iloc[0] == "2010/11"


def test_the_delays_table_leaves_out_the_answer_to_exercise_2():
    assert "obesity" not in module05.delays_table()._repr_html_().lower()


def test_outputs_and_places_are_named_in_words():
    assert module05.output_title("poverty_share_percent[uk_average]") == \
        "Children in poverty, UK-average place (% of children)"
    assert module05.output_words("persistent_poverty_share_of_band[inner_city,age_5_10]") == \
        "Children in persistent poverty, inner-city borough, ages 5 to 10"
    assert module05.output_words("children_in_poverty[coastal]") == "Children in poverty, coastal district"


def _years_axes(spec: dict) -> list[dict]:
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("title") == "Year" and "field" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def test_charts_have_calendar_years_descriptions_and_lines_told_apart_by_dash():
    base, policy = module05.run(), module05.run(module05.EXITS_UP_A_TENTH)
    charts = [module05.chain_chart(base), module05.place_gap_chart(policy, "t"),
              module05.plot_runs({"a": base, "b": policy}, ["poverty_share_percent[uk_average]"], "t")]
    for chart in charts:
        spec = chart.to_dict()
        assert len(spec.get("description", "")) > 40
        axes = _years_axes(spec)
        assert axes and all(a.get("axis", {}).get("format", a.get("format")) == "d" for a in axes
                            if "axis" in a or "format" in a)
        assert "_" not in str(spec.get("title"))
    gap = charts[1].to_dict()
    assert all("strokeDash" in panel["encoding"] for panel in gap["vconcat"])
    with pytest.raises(ValueError, match="place must be one of"):
        module05.chain_chart(base, "london")
    with pytest.raises(ValueError, match="too many lines"):
        module05.plot_runs({str(i): base for i in range(5)}, ["poverty_share_percent[uk_average]"], "t")


def test_the_explorer_and_picker_speak_in_words_and_calendar_years():
    explorer = module05.explore()
    explorer.sliders["exit_rise_percent"].value = 10
    assert "_" not in explorer.keep()
    spec = explorer.current_spec()
    assert spec["vconcat"][0]["encoding"]["x"]["axis"]["format"] == "d"
    assert "_" not in " ".join(panel["title"] for panel in spec["vconcat"])
    picker = module05.compare_policies(["base", "income_package"], place="coastal")
    spec = picker.current_spec()
    assert spec["vconcat"][0]["encoding"]["x"] == {"axis": {"format": "d"}, "field": "time",
                                                  "title": "Year", "type": "quantitative"}
    assert "description" in spec
    assert "_" not in picker.boxes["income_package"].tooltip
    table = picker.people_value_table().frame
    assert list(table.columns) == ["Scenario", "Year 2026", "Year 2030", "Year 2040"]
    assert table.columns.tolist() and "_" not in picker.output_choice.options[0][0]


def test_the_books_balance_in_words():
    sentences = module05.books_sentences(module05.run())
    assert len(sentences) == 3 and all("millionth of a child" in s for s in sentences)
    assert sentences[0].startswith("Coastal district")


def test_the_model_diagram_comes_in_two_readable_parts():
    chain, health = module05.diagram_part("chain"), module05.diagram_part("health")
    assert "entries_to_poverty" in chain.labels and "year_6_obesity" not in chain.labels
    assert "year_6_obesity" in health.labels and "entries_to_poverty" not in health.labels
    assert len(chain.labels) <= 20 and len(health.labels) <= 20
    assert "_" not in chain.title + health.title
    with pytest.raises(ValueError, match="part must be one of"):
        module05.diagram_part("everything")


def test_sources_name_datasets_in_words():
    assert module05.source_in_words("see datasets/hbai_child_poverty_uk.") == \
        "see the national figures (HBAI) above."
