"""A trainee's walkthrough in a real browser: every exercise of every trainee notebook, done with
the widgets alone (typed numbers such as `2,280` and `15%`, clicks and drop-downs), offline.

For each exercise: a badly typed answer gets a plain message, a wrong answer gets a hint that
does not contain the answer, the right answer gets confirmation. Throughout: no Python error
anywhere, no programmer's output (Dmnl, GBP, dtype, 1.2e+07), every chart with a text
description and no chart text spilling outside its chart. Screenshots go to
tests/browser/artifacts/ (exercises-NN-*.png).
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")

from lab import (  # noqa: E402
    ARTIFACTS,
    LabServer,
    RequestLog,
    chromium_driver,
    error_outputs,
    run_all_cells,
    running_jupyterlab,
    save_screenshot,
    scroll_into_view,
    shutdown_all_sessions,
    undrawn_vega_outputs,
    wait_for,
    wait_until_settled,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))
from course_notebooks import REPO, CourseNotebook, course_notebooks  # noqa: E402

from cyp_dynamics.widgets import ChoiceQuestion, MatchQuestion, NumberQuestion, PredictQuestion  # noqa: E402

pytestmark = pytest.mark.browser
NOTEBOOKS = course_notebooks()
COURSE_DIRS = ("course", "modules", "datasets")
RUN_TIMEOUT_S = 150
#: Programmer's output a trainee must never see.
FOR_PROGRAMMERS = re.compile(r"\bDmnl\b|\bGBP\b|\bdtype\b|\d\.\d+e[+-]\d+|Traceback|\bNaN\b")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    root = tmp_path_factory.mktemp("walkthrough")
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in COURSE_DIRS:
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    notes = tmp_path_factory.mktemp("notes") / "notes.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CYP_DYNAMICS_NOTES", str(notes))  # reflections never land in a real home
        with running_jupyterlab(root) as server:
            yield server


@pytest.fixture(scope="module", autouse=True)
def _fresh_screenshots() -> None:
    """Drop the walkthrough's screenshots of earlier runs."""
    for old in ARTIFACTS.glob("exercises-*.png"):
        old.unlink()


@pytest.fixture
def driver(lab: LabServer) -> Iterator[WebDriver]:
    with chromium_driver() as browser:
        browser.set_window_size(1280, 1000)
        yield browser
    shutdown_all_sessions(lab)


# ---- driving one exercise ------------------------------------------------------------------
def _box(driver: WebDriver, key: str):
    boxes = driver.find_elements(By.CSS_SELECTOR, f".cyp-q-{key}")
    assert len(boxes) == 1, f"exercise {key}: expected one widget on the page, found {len(boxes)}"
    return boxes[0]


def _answer(driver: WebDriver, question, answer) -> None:
    box = _box(driver, question.key)
    scroll_into_view(driver, box)
    if isinstance(question, NumberQuestion):
        field = box.find_element(By.CSS_SELECTOR, ".cyp-number input")
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        field.send_keys(str(answer), Keys.ENTER)
    elif isinstance(question, ChoiceQuestion):
        labels = box.find_elements(By.CSS_SELECTOR, ".cyp-choices label")
        chosen = [label for label in labels if label.text.strip().startswith(f"{answer}:")]
        assert chosen, f"exercise {question.key}: no choice {answer!r} among {[l.text for l in labels]}"
        chosen[0].click()
    elif isinstance(question, MatchQuestion):
        for item, option in answer.items():
            Select(box.find_element(By.CSS_SELECTOR, f".cyp-match-{item} select")).select_by_visible_text(option)
    else:
        raise AssertionError(f"exercise {question.key}: the walkthrough cannot drive {type(question).__name__}")
    time.sleep(0.2)


def _check(driver: WebDriver, question) -> tuple[str, str]:
    """Press Check and return (state, feedback text) once the feedback has changed."""
    box = _box(driver, question.key)
    feedback = box.find_element(By.CSS_SELECTOR, ".cyp-feedback")
    driver.execute_script("arguments[0].setAttribute('data-seen', arguments[0].innerText)", feedback)
    box.find_element(By.CSS_SELECTOR, "button.cyp-check").click()

    def changed():
        element = _box(driver, question.key).find_element(By.CSS_SELECTOR, ".cyp-feedback")
        text = element.text.strip()
        if text and (text != element.get_attribute("data-seen") or "cyp-state-" in element.get_attribute("class")):
            states = [c for c in element.get_attribute("class").split() if c.startswith("cyp-state-")]
            if states and text != element.get_attribute("data-seen"):
                return states[0].removeprefix("cyp-state-"), text
        return None

    return wait_for(changed, 30, f"exercise {question.key}: no feedback after pressing Check")


def walk_exercise(driver: WebDriver, course: CourseNotebook, question) -> list[str]:
    """Unreadable, wrong, then right; returns what was seen, for the failure message."""
    seen = []
    patterns = question.leak_patterns()
    if isinstance(question, NumberQuestion):
        _answer(driver, question, "2,28")
        state, text = _check(driver, question)
        assert state == "unreadable" and "decimal" in text, f"{question.key}: '2,28' gave {state}: {text}"
        seen.append(f"2,28 -> {state}")
    wrong = question.wrong_answer()
    _answer(driver, question, wrong)
    state, text = _check(driver, question)
    assert state == "wrong", f"{question.key}: the wrong answer {wrong!r} gave {state}: {text}"
    leaked = [p for p in patterns if re.search(p, text, re.IGNORECASE)]
    assert not leaked, f"{question.key}: the wrong-answer feedback gives the answer away: {text}"
    if not isinstance(question, PredictQuestion):
        assert "Hint" in text or question.hint == "", f"{question.key}: no hint after a wrong answer: {text}"
    seen.append(f"{wrong!r} -> {state}")
    right = question.right_answer()
    _answer(driver, question, right)
    state, text = _check(driver, question)
    expected = "noted" if isinstance(question, PredictQuestion) else "right"
    assert state == expected, f"{question.key}: the right answer {right!r} gave {state}: {text}"
    seen.append(f"{right!r} -> {state}")
    save_screenshot(driver, f"exercises-{course.number}-{question.key}")
    return seen


# ---- what a trainee sees ---------------------------------------------------------------------
_CHART_TEXT_OUTSIDE_JS = """
const problems = [];
for (const svg of document.querySelectorAll('.vega-embed svg.marks')) {
  const box = svg.getBoundingClientRect();
  const label = svg.getAttribute('aria-label') || '';
  const embed = svg.closest('.jp-OutputArea-output');
  const described = label.length > 20 || (embed && embed.innerText.includes('Line chart'));
  if (!described) problems.push('chart without a text description: ' + label.slice(0, 80));
  for (const text of svg.querySelectorAll('text')) {
    if (!text.textContent.trim()) continue;
    const r = text.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.left < box.left - 2 || r.right > box.right + 2 || r.top < box.top - 2 || r.bottom > box.bottom + 2)
      problems.push('text outside its chart: "' + text.textContent.slice(0, 60) + '"');
    if (text.textContent.endsWith('…')) problems.push('cut-off text: "' + text.textContent.slice(0, 60) + '"');
  }
}
return problems;
"""


def chart_problems(driver: WebDriver) -> list[str]:
    """Charts without a description, and chart text cut off or outside its chart."""
    return driver.execute_script(_CHART_TEXT_OUTSIDE_JS)


def programmer_output(driver: WebDriver) -> list[str]:
    """Output text a trainee should never see (Dmnl, GBP, dtype, scientific notation, NaN)."""
    found = []
    for element in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"):
        text = element.get_attribute("innerText") or ""
        for match in FOR_PROGRAMMERS.finditer(text):
            found.append(text[max(match.start() - 50, 0):match.end() + 30].replace("\n", " "))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("course", NOTEBOOKS, ids=[nb.number for nb in NOTEBOOKS])
def test_a_trainee_completes_every_exercise_with_widgets_alone(lab: LabServer, driver: WebDriver,
                                                               course: CourseNotebook) -> None:
    log = RequestLog()
    started = time.monotonic()
    run_all_cells(driver, lab, course.trainee, timeout_s=RUN_TIMEOUT_S)
    save_screenshot(driver, f"exercises-{course.number}-0-after-run-all")
    assert error_outputs(driver) == [], f"{course.trainee}: Python errors after Run All"
    assert programmer_output(driver) == [], f"{course.trainee}: output written for programmers"
    wait_for(lambda: undrawn_vega_outputs(driver) == 0, 30, "some charts never drew")
    assert chart_problems(driver) == [], f"{course.trainee}: chart text problems"
    exercises = course.exercises
    walked = {}
    if exercises is not None:
        for question in exercises.questions():
            walked[question.key] = walk_exercise(driver, course, question)
            wait_until_settled(driver, 30)
        for key in [k for k in exercises.builders if "-reflect" in k]:
            box = _box(driver, key)
            scroll_into_view(driver, box)
            area = box.find_element(By.CSS_SELECTOR, "textarea")
            area.send_keys("A note from the walkthrough.")
            driver.execute_script("arguments[0].blur()", area)  # leaving the box saves the note
            wait_for(lambda: "Saved" in _box(driver, key).text, 15, f"reflection {key} not saved")
        progress = driver.find_elements(By.CSS_SELECTOR, ".cyp-progress")
        assert progress, f"{course.trainee}: no progress bar"
        total = len(exercises.keys())
        wait_for(lambda: f"{total} of {total}" in progress[0].text, 15,
                 f"progress did not reach {total} of {total}: {progress[0].text}")
    scroll_into_view(driver, driver.find_elements(By.CSS_SELECTOR, ".jp-Cell")[-1])
    save_screenshot(driver, f"exercises-{course.number}-9-end")
    assert error_outputs(driver) == [], f"{course.trainee}: Python errors while answering"
    log.collect(driver)
    assert log.external() == [], f"{course.trainee}: requests beyond this machine: {log.external()}"
    print(f"\n{course.trainee}: {len(walked)} exercises done with widgets in "
          f"{time.monotonic() - started:.0f} s: {walked}")
