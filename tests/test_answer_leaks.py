"""No trainee notebook gives an exercise's answer away; every solution notebook shows them all.

Each trainee notebook is executed top to bottom (as "Run All" would, nobody touching a widget).
Every markdown cell, output, chart title or description and widget value is then searched for
each exercise's answer as its `leak_patterns()` write it (the number with its unit or "about";
the praise a right choice gets). The solution notebooks are executed too, and must show every
answer: that proves the search finds an answer when one is there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cyp_dynamics.course.running import execute_notebook

from .course_notebooks import REPO, CourseNotebook, course_notebooks, notebook_texts

NOTEBOOKS = [nb for nb in course_notebooks() if nb.exercises is not None]


def _execute(relative: str, notes: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("CYP_DYNAMICS_NOTES", str(notes))  # reflections never land in a real home
    return execute_notebook(REPO / relative, timeout=180, store_widget_state=True)


def _matches(texts: list[tuple[str, str]], patterns: list[str]) -> list[str]:
    found = []
    for where, text in texts:
        for pattern in patterns:
            match = re.search(pattern, text, flags=re.IGNORECASE)
            if match:
                start = max(match.start() - 60, 0)
                found.append(f"{where}: …{text[start:match.end() + 40]}… (pattern {pattern!r})")
    return found


def _patterns(course: CourseNotebook) -> dict[str, list[str]]:
    return {question.key: question.leak_patterns() for question in course.exercises.questions()}


@pytest.mark.slow
@pytest.mark.parametrize("course", NOTEBOOKS, ids=[nb.number for nb in NOTEBOOKS])
def test_trainee_notebook_shows_no_answer(course: CourseNotebook, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    texts = notebook_texts(_execute(course.trainee, tmp_path / "notes.json", monkeypatch))
    assert len(texts) > 10, "too little text collected: the search would not be meaningful"
    leaks = {key: found for key, patterns in _patterns(course).items()
             if (found := _matches(texts, patterns))}
    assert not leaks, f"{course.trainee} gives answers away:\n" + "\n".join(
        f"{key}: {line}" for key, lines in leaks.items() for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("course", [nb for nb in NOTEBOOKS if nb.solution],
                         ids=[nb.number for nb in NOTEBOOKS if nb.solution])
def test_solution_notebook_shows_every_answer(course: CourseNotebook, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    texts = notebook_texts(_execute(course.solution, tmp_path / "notes.json", monkeypatch))
    missing = [key for key, patterns in _patterns(course).items()
               if patterns and not _matches(texts, patterns)]
    assert not missing, f"{course.solution} does not show the worked answer to {missing}"


def test_every_trainee_notebook_with_exercises_is_checked() -> None:
    """A module whose exercises moved to widgets cannot slip out of the leak test."""
    numbers = {nb.number for nb in NOTEBOOKS}
    assert "02" in numbers
    for course in course_notebooks():
        source = (REPO / course.trainee).read_text(encoding="utf-8")
        if f"module{course.number}.exercise_" in source:
            assert course.number in numbers, f"{course.trainee} has exercises but no EXERCISES set"
