"""The welcome page's practice exercises, and the page itself: a trainee's first ten minutes."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from cyp_dynamics.course import module00
from cyp_dynamics.widgets import ChoiceQuestion, NumberQuestion, Reflection
from cyp_dynamics.widgets.progress import read_notes

ROOT = Path(__file__).resolve().parents[1]
START_HERE = ROOT / "course" / "START_HERE.ipynb"
KEYS = module00.EXERCISES.keys()
BADLY_TYPED = ["2,28", "twenty", "R", ""]


def _cells(kind: str | None = None) -> list[dict]:
    cells = json.loads(START_HERE.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if kind is None or c["cell_type"] == kind]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def _state(question) -> str:
    return next(c for c in question.feedback._dom_classes if c.startswith("cyp-state-"))



def test_the_page_has_two_marked_practice_exercises_and_a_reflection():
    assert KEYS == ["00-ex1", "00-ex2"]
    assert isinstance(module00.exercise_1(), NumberQuestion)
    assert isinstance(module00.exercise_2(), ChoiceQuestion)
    assert "00-reflect-question" in module00.EXERCISES.keys(marked_only=False)


@pytest.mark.parametrize("key", KEYS)
def test_the_right_answer_passes(key):
    question = module00.EXERCISES.build(key)
    question.fill(question.right_answer())
    assert question.press_check().passed
    assert _state(question) == "cyp-state-right"


@pytest.mark.parametrize("key", KEYS)
def test_a_wrong_answer_fails_without_giving_the_answer_away(key):
    question = module00.EXERCISES.build(key)
    question.fill(question.wrong_answer())
    assert not question.press_check().passed
    assert _state(question) == "cyp-state-wrong"
    assert "Hint:" in question.feedback.value
    patterns = question.leak_patterns()
    assert patterns, "without leak patterns the leak test could not check this exercise"
    for pattern in patterns:
        assert not re.search(pattern, question.feedback.value, flags=re.IGNORECASE), pattern


@pytest.mark.parametrize("typed", BADLY_TYPED)
def test_a_badly_typed_number_is_unreadable_and_never_raises(typed):
    question = module00.exercise_1()
    question.fill(typed)
    result = question.press_check()
    assert not result.passed and _state(question) == "cyp-state-unreadable"
    assert question.tries == 0, "an unreadable answer does not use up a try"


def test_pressing_check_with_no_option_chosen_asks_for_one():
    question = module00.exercise_2()
    assert not question.press_check().passed
    assert _state(question) == "cyp-state-unreadable" and "Choose one" in question.feedback.value


def test_the_answer_is_read_from_the_model_with_the_slider_at_45():
    truth = module00.waiting_with_fewer_clinicians()
    assert 2_350 < truth < 2_500  # above the steady 2,280 with 49 clinicians
    question = module00.exercise_1()
    for typed in ("2,427", "2427", "about 2,430", f"{truth:,.1f} children"):  # the tooltip shows 1 decimal
        question.fill(typed)
        assert question.press_check().passed, typed


def test_forgetting_to_move_the_slider_is_too_low_with_a_hint_to_move_it():
    question = module00.exercise_1()
    question.fill("2,280")  # the list with 49 clinicians, as at the start
    assert not question.press_check().passed
    assert "too low" in question.feedback.value and "slider at 45" in question.feedback.value


def test_the_answer_is_offered_only_after_two_different_wrong_tries():
    question = module00.exercise_1()
    hidden = {"none"}
    for typed in ("100", "100"):  # the same wrong answer twice counts once
        question.fill(typed)
        question.press_check()
    assert question.reveal_button.layout.display in hidden
    question.fill("9,000")
    question.press_check()
    assert question.reveal_button.layout.display not in hidden
    question.reveal()
    assert f"{module00.waiting_with_fewer_clinicians():,.0f} children" in question.feedback.value


def test_the_right_choice_matches_what_the_model_does():
    """B, 'rose, then levelled off': most of the rise comes in the first year, little in the last."""
    from cyp_dynamics import load_model

    waiting = load_model(module00.MODEL).run({"clinicians": module00.FEWER_CLINICIANS}).waiting_list
    first_year, last_year = waiting.loc[12] - waiting.loc[0], waiting.loc[36] - waiting.loc[24]
    assert first_year > 0 and 0 <= last_year < first_year / 5
    assert module00.exercise_2().correct == "B"


def test_progress_counts_the_exercises_done():
    board = module00.progress()
    board.done.clear()
    board._update()
    assert "0 of 2 exercises done" in board.label.value
    for key in KEYS:
        module00.EXERCISES.build(key).solve()
    assert "2 of 2 exercises done" in board.label.value


def test_the_reflection_is_kept_in_the_notes_file():
    reflection = module00.reflect_question()
    assert isinstance(reflection, Reflection)
    reflection.text.value = "Why our eating-disorder list grows every winter."
    assert read_notes()["00-reflect-question"] == "Why our eating-disorder list grows every winter."
    assert module00.reflect_question().text.value.startswith("Why our")  # still there after a restart


def test_the_datasets_table_names_every_dataset_in_words():
    from cyp_dynamics import list_datasets

    table = module00.datasets_table()._repr_html_()
    shown = html.unescape(re.sub(r"<[^>]+>", " ", table))
    assert table.count("<tr>") == len(list_datasets()) + 1  # a row per dataset, under a heading row
    for title in list_datasets()["title"]:
        assert " ".join(title.split()[:3]).replace("_", " ").lower() in shown.lower(), title
    assert "_" not in shown, "a code-style name is shown to trainees"
    assert "CAMHS waiting list model" in shown


# ---- the page itself ---------------------------------------------------------------------------
def test_every_code_cell_is_collapsed_and_asks_for_no_editing():
    code = _cells("code")
    assert code, "the page has no code cells"
    for cell in code:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, _text(cell)
        assert "..." not in _text(cell) and "# TRAINEE" not in _text(cell)
    assert "module00.progress()" in _text(code[0]), "the progress bar is shown near the top"
    assert _text(code[-1]).strip() == "module00.progress()", "and again at the end"


def test_every_exercise_is_on_the_page():
    code = "\n".join(_text(c) for c in _cells("code"))
    for key, builder in module00.EXERCISES.builders.items():
        assert f"module00.{builder.__name__}()" in code, key


def test_the_course_map_lists_each_module_with_its_time_and_a_working_link():
    course_map = next(_text(c) for c in _cells("markdown") if "## The course map" in _text(c))
    assert re.search(r"^## The course map$", course_map, flags=re.MULTILINE)
    for number in ("01", "02", "03", "04", "05", "06", "07"):
        row = next(line for line in course_map.splitlines() if line.startswith(f"| {number} "))
        assert re.search(r"about \d+ (minutes|hours)", row), row
        target = re.search(r"\]\(([^)]+\.ipynb)\)", row).group(1)
        assert (START_HERE.parent / target).resolve().exists(), target
    assert "coming" not in course_map, "every module on the map is written"


def test_every_relative_link_on_the_page_opens_a_file():
    for cell in _cells("markdown"):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", _text(cell)):
            if not target.startswith(("http", "mailto")):
                assert (START_HERE.parent / target).resolve().exists(), target


def test_the_page_ends_with_a_link_to_module_01():
    last = _text(_cells()[-1])
    assert "Start module 01 →" in last
    assert "../modules/01-thinking-in-systems/01-thinking-in-systems.ipynb" in last


def _stated_times() -> dict[str, str]:
    """Each module's 'about N minutes/hours', as its own overview states it."""
    welcome = _text(_cells("markdown")[0])
    times = {"00": re.search(r"Module 00 · (about \d+ minutes)", welcome).group(1)}
    for source in sorted((ROOT / "notebook_sources").glob("*/*.ipynb")):
        overview = _text(json.loads(source.read_text(encoding="utf-8"))["cells"][0])
        match = re.search(r"\*\*Time to learn\*\* \| (about \d+ (?:minutes|hours?))", overview)
        assert match, f"{source.name} states no time to learn"
        times[source.parent.name[:2]] = match.group(1)
    return times


@pytest.mark.parametrize("page", ["course/START_HERE.ipynb", "README.md", "course/syllabus.md"])
def test_course_maps_give_each_module_the_time_its_overview_states(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    if page.endswith(".ipynb"):
        text = "\n".join(_text(c) for c in json.loads(text)["cells"])
    for number, time in _stated_times().items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {number} "))
        assert time in row, f"{page}, module {number}: {row}"
