"""The CAMHS flight simulator played in a real browser (headless Chromium, JupyterLab, offline):
every quarter by clicking, to the debrief with its charts drawn; no JavaScript error, no request
leaving localhost. Screenshots: tests/browser/artifacts/simulator-*.png.

    .venv/bin/python -m pytest tests/browser/test_simulator.py -m browser -v
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")

from lab import (
    RequestLog,
    browser_console_errors,
    chromium_driver,
    error_outputs,
    move_slider,
    run_all_cells,
    running_jupyterlab,
    save_screenshot,
    scroll_into_view,
    undrawn_vega_outputs,
    vega_charts,
    wait_for,
    wait_until_settled,
)
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "course/simulator.ipynb"
TURNS = 12
DEBRIEF_CHARTS = 4  # comparison, predictions, hidden stocks, loops

pytestmark = pytest.mark.browser


def _visible_button(driver, text: str):
    for element in driver.find_elements(By.CSS_SELECTOR, ".cyp-simulator button"):
        if element.text.strip() == text and element.is_displayed():
            return element
    raise LookupError(f"no visible button labelled {text!r}")


def _heading(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".cyp-simulator h3").text


def test_play_every_quarter_by_clicking_and_reach_the_debrief(tmp_path):
    root = tmp_path / "lab"
    shutil.copytree(REPO / "course", root / "course",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "team_logs"))
    requests = RequestLog()
    with running_jupyterlab(root) as lab, chromium_driver() as driver:
        driver.set_window_size(1280, 1600)
        run_all_cells(driver, lab, NOTEBOOK, timeout_s=120)
        wait_for(lambda: len(vega_charts(driver)) >= 1, 30, "the dashboard chart did not draw")
        assert "Quarter 1 of 12" in _heading(driver)

        hire = driver.find_element(By.CSS_SELECTOR, ".cyp-decision-hire")
        move_slider(driver, hire, steps=15)  # 15 extra posts from the first quarter
        temporary = driver.find_element(By.CSS_SELECTOR, ".cyp-decision-temporary")
        move_slider(driver, temporary, steps=4)  # 20% temporary capacity
        scroll_into_view(driver, hire)
        save_screenshot(driver, "simulator-1-decisions")
        for turn in range(1, TURNS + 1):
            box = driver.find_element(By.CSS_SELECTOR, ".cyp-prediction input")
            scroll_into_view(driver, box)
            box.send_keys(f"about {2300 - 150 * turn:,}")  # typed as people type it
            commit = _visible_button(driver, "Commit and run the quarter")
            scroll_into_view(driver, commit)
            commit.click()
            expected = f"Quarter {turn + 1} of 12" if turn < TURNS else "Three years done"
            wait_for(lambda expected=expected: expected in _heading(driver), 60,
                     f"quarter {turn} did not finish")
            wait_until_settled(driver, 60)
            if turn == 1:
                assert "you expected 2,150" in driver.find_element(By.CSS_SELECTOR, ".cyp-simulator").text
                save_screenshot(driver, "simulator-2-dashboard-after-quarter-1")
            requests.collect(driver)

        def debrief_drawn() -> bool:
            return len(vega_charts(driver)) >= 1 + DEBRIEF_CHARTS and undrawn_vega_outputs(driver) == 0

        wait_for(debrief_drawn, 60, "the debrief's charts did not all draw")
        charts = vega_charts(driver)
        for number, chart in enumerate(charts, start=1):
            scroll_into_view(driver, chart)
            save_screenshot(driver, f"simulator-3-debrief-chart-{number}")
        save = _visible_button(driver, "Save our log")
        scroll_into_view(driver, save)
        save.click()
        wait_for(lambda: "Saved 12 quarters" in driver.find_element(By.CSS_SELECTOR, ".cyp-simulator").text,
                 20, "the log was not saved")
        assert (root / "course" / "team_logs" / "Team_1.csv").is_file()
        # the facilitator's overlay: run its cell again now that a log is saved
        before = len(vega_charts(driver))
        driver.execute_script("""
            const panel = window.jupyterapp.shell.currentWidget;
            const cells = panel.content.model.cells;
            for (let i = 0; i < cells.length; i++) {
              if (cells.get(i).id === 'simulator-teams') { panel.content.activeCellIndex = i; }
            }
            window.jupyterapp.commands.execute('notebook:run-cell');""")
        wait_for(lambda: len(vega_charts(driver)) > before and undrawn_vega_outputs(driver) == 0, 60,
                 "the facilitator's overlay did not draw")
        overlay = vega_charts(driver)[-1]
        scroll_into_view(driver, overlay)
        save_screenshot(driver, "simulator-4-facilitator-overlay")
        assert "1 team log(s) found" in driver.find_element(By.TAG_NAME, "body").text
        requests.collect(driver)
        assert error_outputs(driver) == []
        assert browser_console_errors(driver) == []
        assert requests.external() == []
