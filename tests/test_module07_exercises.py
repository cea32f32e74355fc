"""Module 07's exercises, answered through their widgets: right passes, wrong fails without the
answer, badly typed is explained; plus the upload tool and the brief button, which never raise."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from cyp_dynamics.course import module07
from cyp_dynamics.widgets import (
    ChoiceQuestion,
    MatchQuestion,
    NumberQuestion,
    PredictQuestion,
    Reflection,
)

QUESTIONS = list(module07.EXERCISES.questions())
KEYS = [q.key for q in QUESTIONS]


def _fresh(key: str):
    return module07.EXERCISES.build(key)


def _leaked(question, text: str) -> list[str]:
    return [p for p in question.leak_patterns() if re.search(p, text, re.IGNORECASE)]


def test_the_module_has_six_marked_exercises_and_two_reflections():
    assert KEYS == [f"07-ex{i}" for i in range(1, 7)]
    reflections = [k for k in module07.EXERCISES.keys(marked_only=False) if "-reflect" in k]
    assert len(reflections) == 2
    assert all(isinstance(module07.EXERCISES.build(k), Reflection) for k in reflections)
    kinds = [type(q) for q in QUESTIONS]
    assert kinds == [NumberQuestion, ChoiceQuestion, MatchQuestion, NumberQuestion, ChoiceQuestion,
                     PredictQuestion]


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
    assert _leaked(question, question.feedback.value) == [], question.feedback.value
    question.press_check()
    assert _leaked(question, question.feedback.value) == []


@pytest.mark.parametrize("key", [q.key for q in QUESTIONS if isinstance(q, NumberQuestion)])
@pytest.mark.parametrize("typed", ["2,28", "twenty", "R", ""])
def test_badly_typed_numbers_are_explained_and_never_raise(key, typed):
    question = _fresh(key)
    question.fill(typed)
    assert not question.press_check().passed
    assert question.state == "unreadable"


def test_the_answers_come_from_the_data_and_the_code():
    from cyp_dynamics.course.module07 import worked

    assert module07.gap_in_points() == pytest.approx(worked.local_rate() - worked.england_rate())
    assert module07.reinforcing_loops() == 2  # the youth workers' link (group of 3) is suppressed
    solution = module07.quote_solution()
    assert solution["Q1"] == "can be shown" and solution["Q2"].startswith("refused: no consent")
    assert "guardian" in solution["Q3"] and "session" in solution["Q5"] and "group under" in solution["Q6"]
    assert 0 < module07.income_package_share() < worked.local_rate()  # the package lowers the share


def test_a_partly_wrong_match_says_how_many_without_naming_them():
    question = _fresh("07-ex3")
    answer = dict(module07.quote_solution())
    answer["Q2"] = "can be shown"
    question.fill(answer)
    assert not question.press_check().passed
    assert "refused: no consent" not in question.feedback.value


def test_the_upload_tool_reads_a_good_file_and_explains_a_bad_one(tmp_path: Path):
    tool = module07.upload_tool()
    good = tmp_path / "list.csv"
    good.write_text("month,waiting_list\n" + "".join(f"2024-{m:02d},{2280 - 20 * m}\n" for m in range(1, 13)))
    tool.kind.value = "Monthly waiting list (children waiting)"
    tool.check_file(good)
    assert "Read 12 months" in tool.message.value and tool.fit.how == "calibrated"
    assert tool.start == {"initial_waiting_list": 2260.0}
    bad = tmp_path / "bad.csv"
    bad.write_text("month,waiting_list\n2024-01,2280\n2024-03,#N/A\n")
    tool.check_file(bad)
    assert "Not used yet" in tool.message.value and "#N/A" in tool.message.value
    assert tool.start == {"initial_waiting_list": 2260.0}  # a failed import leaves the last one
    tool.kind.value = "Yearly child poverty share (%)"
    tool.check_file(good)
    assert "Choose the other kind" in tool.message.value


def test_the_upload_tool_survives_what_the_upload_widget_gives():
    tool = module07.upload_tool()
    tool.upload.value = ({"name": "x.csv", "type": "text/csv", "size": 3,
                          "content": memoryview(b"\x00\x01\x02"),
                          "last_modified": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)},)
    assert "Not used yet" in tool.message.value or "went wrong" in tool.message.value


def test_the_brief_button_writes_a_brief_and_links_to_it(tmp_path: Path):
    button = module07.BriefButton(tmp_path, "brief")
    path = button.write()
    assert path == tmp_path / "brief.html" and path.is_file()
    assert "href='brief.html'" in button.said.value
    assert (tmp_path / "brief_inputs.json").is_file()


def test_the_question_picker_names_a_question_for_every_model():
    picker = module07.question_picker()
    dropdown, said = picker.children
    for value in [v for _, v in dropdown.options]:
        dropdown.value = value
        assert "question it answers" in said.value


def test_the_brief_button_also_drafts_a_brief_from_an_upload(tmp_path: Path):
    tool = module07.upload_tool()
    good = tmp_path / "list.csv"
    good.write_text("month,waiting_list\n" + "".join(f"2024-{m:02d},{2280 - 20 * m}\n" for m in range(1, 13)))
    tool.check_file(good)
    button = module07.brief_button(tmp_path, upload=tool)
    button.write()
    assert button.own_path == tmp_path / "brief_your_data.html"
    text = button.own_path.read_text()
    assert "your file list.csv" in text and "SYNTHETIC" in text and "Waiting list" in text
    assert "at month 36" in text and not re.search(r"\d\.\d+e[+-]\d+", text)  # no 1.99e+03
    assert "href='brief_your_data.html'" in button.said.value
