"""Notebooks: one source gives trainee and solution copies; feedback never raises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cyp_dynamics.course import build, module02

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


