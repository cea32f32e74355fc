"""Notebooks: one source gives trainee and solution copies; feedback never raises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cyp_dynamics.course import build, module02
from cyp_dynamics.course.feedback import (NOT_ANSWERED, as_choice, choice_feedback, give_feedback,
                                          number_feedback)
from cyp_dynamics.analysis import CheckResult

ROOT = Path(__file__).resolve().parents[1]
TRAINEE = sorted((ROOT / "modules").glob("*/*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
ALL_NOTEBOOKS = sorted(ROOT.glob("course/*.ipynb")) + TRAINEE + SOLUTIONS


def test_generated_notebooks_are_in_sync_with_their_sources():
    assert build.main(["--check", "--root", str(ROOT)]) == 0


def test_transform_code_markers():
    source = "a = ...  # TRAINEE\na = 42  # SOLUTION\n# BEGIN SOLUTION\nb = a * 2\n# END SOLUTION\nprint(a)"
    assert build.transform_code(source, solution=False) == "a = ...\nprint(a)"
    assert build.transform_code(source, solution=True) == "a = 42\nb = a * 2\nprint(a)"
    with pytest.raises(ValueError, match="END SOLUTION"):
        build.transform_code("# BEGIN SOLUTION\nx = 1", solution=True)


def _code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path", TRAINEE, ids=lambda p: p.name)
def test_trainee_notebooks_hold_no_solution_code(path: Path):
    trainee = _code(path)
    source = _code(ROOT / "notebook_sources" / path.parent.name / path.name)
    solution_lines = [line.replace("# SOLUTION", "").strip() for line in source.splitlines()
                      if line.rstrip().endswith("# SOLUTION")]
    assert solution_lines, "the source has no worked answers"
    for line in solution_lines:
        assert line not in trainee, f"solution code in the trainee notebook: {line}"
    for marker in build.MARKERS:
        assert marker not in trainee
    assert not re.search(r"=\s*\.\.\.\s*(#.*)?$|\(\s*\.\.\.\s*\)", trainee, re.M), \
        "a trainee would have to replace '...' with code"
    assert trainee.count(".exercise_") >= 4  # at least four exercises, answered with widgets


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solutions_assert_their_answers(path: Path):
    code = _code(path)
    assert code.count(".solve(") >= 4  # each worked answer is checked by its own exercise
    assert "= ...\n" not in code


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebooks_are_committed_without_outputs(path: Path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_feedback_never_raises_and_prompts_when_unanswered(capsys):
    def explode(answer):
        raise RuntimeError("boom")
    assert give_feedback(..., explode, "Type a number.").message == NOT_ANSWERED
    assert give_feedback(None, explode, "Type a number.").passed is False
    result = give_feedback(3, explode, "Type a number.", hint="Try again.")
    assert not result and "boom" in result.message
    printed = capsys.readouterr().out
    assert "Not answered yet" in printed and "could not be checked" in printed


def test_a_dictionary_of_placeholders_is_unanswered_but_a_partial_answer_is_checked(capsys):
    def explode(answer):
        raise RuntimeError("boom")
    assert give_feedback({"A": ..., "B": None}, explode, "Fill in A and B.").message == NOT_ANSWERED
    assert "boom" in give_feedback({"A": "event", "B": ...}, explode, "Fill in A and B.").message


def test_module02_exercises_tell_right_from_wrong():
    for question in module02.EXERCISES.questions():
        question.fill(question.wrong_answer())
        assert not question.press_check().passed, question.key
        question.fill(question.right_answer())
        assert question.press_check().passed, question.key


def test_module02_answers_come_from_the_model():
    assert 95 <= module02.fewest_clinicians_to_clear() <= 105
    assert module02.leave_backlog() == pytest.approx(49 * 4.348 * 12 / 49, rel=1e-9)
    clinicians = module02.exercise_2()
    clinicians.fill(str(module02.fewest_clinicians_to_clear() - 1))
    assert "still waiting at month 24" in clinicians.press_check().message  # what the run shows
    clinicians.fill(str(module02.fewest_clinicians_to_clear() + 20))
    assert "fewer clinicians would do it too" in clinicians.press_check().message
    prediction = module02.exercise_1()
    prediction.fill("2,000")
    assert prediction.press_check().passed and "the model gives" in prediction.feedback.value


def test_multiple_choice_feedback_reads_letters_kindly(capsys):
    choices = {"A": "one", "B": "two", "C": "three"}
    assert [as_choice(text, choices) for text in ("b", " B ", "B: two")] == ["B", "B", "B"]
    reasons = {"A": "A's reason.", "C": "C's reason."}
    assert choice_feedback("b", choices, "B", "Right.", reasons).passed
    wrong = choice_feedback("c", choices, "B", "Right.", reasons, verdict="goes too far")
    assert not wrong.passed and wrong.message == "C goes too far: C's reason."
    unknown = choice_feedback("D", choices, "B", "Right.", reasons)  # never raises
    assert not unknown.passed and "choose one of A, B, C" in unknown.message
    unanswered = choice_feedback(..., choices, "B", "Right.", reasons)
    assert unanswered.message == NOT_ANSWERED
    assert '"A", "B", "C"' in capsys.readouterr().out


def test_number_feedback_accepts_within_tolerance_and_computes_truth_lazily():
    calls = []

    def truth() -> float:
        calls.append(1)
        return 200.0

    right, wrong = "About {truth:.0f}.", "You have {value:.0f}; the model gives {truth:.0f}."
    assert number_feedback(..., truth, 0.05, right, wrong, "Type a number.").message == NOT_ANSWERED
    assert calls == [], "the answer is not worked out until the trainee has answered"
    assert number_feedback(209, truth, 0.05, right, wrong, "Type a number.").message == "About 200."
    missed = number_feedback(211, truth, 0.05, right, wrong, "Type a number.")
    assert not missed.passed and missed.message == "You have 211; the model gives 200."
    assert not number_feedback("two hundred", truth, 0.05, right, wrong, "Type a number.").passed
