"""End-to-end proof that Altair charts and ipywidgets render OFFLINE in
JupyterLab, in a real (headless Debian Chromium) browser: no CDN, no request to
anything but 127.0.0.1.

Run with::

    .venv/bin/python -m pytest tests/browser -m browser -v

Screenshots land in ``tests/browser/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")

from lab import (  # noqa: E402  (after the importorskip on purpose)
    ARTIFACTS,
    LabServer,
    RequestLog,
    browser_console_errors,
    button,
    chart_fingerprint,
    chromium_driver,
    error_outputs,
    move_slider,
    run_all_cells,
    running_jupyterlab,
    save_screenshot,
    scroll_into_view,
    shutdown_all_sessions,
    slider_readout,
    sliders,
    svg_line_count,
    undrawn_vega_outputs,
    vega_charts,
    wait_for,
    wait_for_chart_change,
    wait_until_settled,
)
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURE_NOTEBOOK = HERE / "fixtures" / "offline_chart_check.ipynb"

#: Course notebooks that must run and draw offline (skipped while not written yet).
COURSE_NOTEBOOKS = [
    "course/START_HERE.ipynb",
    "modules/01-thinking-in-systems/01-thinking-in-systems.ipynb",
    "modules/02-stocks-and-flows/02-stocks-and-flows.ipynb",
    "modules/03-feedback-and-delays/03-feedback-and-delays.ipynb",
    "modules/04-prevention-vs-late-intervention/04-prevention-vs-late-intervention.ipynb",
    "modules/05-child-poverty-and-inequalities/05-child-poverty-and-inequalities.ipynb",
]
#: A Mermaid diagram JupyterLab could not draw (it shows its source text instead).
MERMAID_FAILED = ".jp-RenderedMermaid.jp-mod-warning"
#: Repository folders copied next to the notebooks so relative paths keep working.
COURSE_DIRS = ("course", "modules", "datasets")

FIXTURE_TIMEOUT_S = 60
COURSE_TIMEOUT_S = 90

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- #
# Fixtures
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch copy of the fixture notebook and of the course folders (the
    tests never run, and so never modify, the repository's own notebooks)."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copy2(FIXTURE_NOTEBOOK, root / FIXTURE_NOTEBOOK.name)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".git")
    for name in COURSE_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name, ignore=ignore)
    return root


@pytest.fixture(scope="module", autouse=True)
def _fresh_artifacts() -> None:
    """Drop screenshots of earlier runs so artifacts/ shows this run only."""
    for old in ARTIFACTS.glob("*.png"):
        if not old.name.startswith("exercises-"):  # the walkthrough's screenshots are its own
            old.unlink()


@pytest.fixture(scope="module")
def lab(lab_root: Path) -> Iterator[LabServer]:
    """One JupyterLab server for the module (kernels are shut down between tests)."""
    with running_jupyterlab(lab_root) as server:
        yield server


@pytest.fixture
def driver(lab: LabServer) -> Iterator[WebDriver]:
    """A fresh headless Chromium per test."""
    with chromium_driver() as browser:
        yield browser
    shutdown_all_sessions(lab)


@contextlib.contextmanager
def screenshot_on_failure(driver: WebDriver, lab: LabServer, name: str) -> Iterator[None]:
    """Save ``<name>-FAILED.png`` and add console/server logs if the block fails."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(Exception):
            path = save_screenshot(driver, f"{name}-FAILED")
            exc.add_note(f"screenshot: {path}")
            exc.add_note("browser console errors:\n" + "\n".join(browser_console_errors(driver)))
            exc.add_note("server log tail:\n" + lab.log_tail())
        raise


def assert_only_local_requests(log: RequestLog, driver: WebDriver, lab: LabServer) -> None:
    """Every URL the page requested is on localhost (or data:/blob:); and the log
    is really recording (it saw the Lab page itself and its websocket)."""
    log.collect(driver)
    assert log.external() == [], f"page requested non-local URLs: {log.external()}"
    assert len(log.urls) > 20, f"network log looks empty, check is not working: {log.urls}"
    assert any(url.startswith(lab.url + "/lab/tree/") for url in log.urls)
    assert any(url.startswith("ws://127.0.0.1") for url in log.urls), "no kernel websocket seen"


def wait_for_drawn_charts(driver: WebDriver, at_least: int, timeout_s: float = 20) -> list:
    """Wait until at least ``at_least`` Vega charts contain an svg/canvas."""
    return wait_for(lambda: (charts := vega_charts(driver)) and len(charts) >= at_least
                    and charts, timeout_s, f"fewer than {at_least} Vega charts drawn")


def assert_all_vega_outputs_drawn(driver: WebDriver, timeout_s: float = 20) -> None:
    """Every Vega-Lite output eventually contains an svg/canvas (none failed)."""
    wait_for(lambda: undrawn_vega_outputs(driver) == 0, timeout_s,
             "some Vega-Lite outputs never drew an svg/canvas")


def chart_fingerprints(driver: WebDriver) -> list[str]:
    """Fingerprints of all drawn charts, in page order."""
    return [chart_fingerprint(chart) for chart in vega_charts(driver)]


# --------------------------------------------------------------------------- #
# Tests
# --------------------------------------------------------------------------- #
def test_fixture_notebook_renders_offline(lab: LabServer, driver: WebDriver) -> None:
    """The fixture explorer: chart drawn, slider redraws it, 'Keep this run' adds a line."""
    notebook = FIXTURE_NOTEBOOK.name
    log = RequestLog()
    with screenshot_on_failure(driver, lab, "fixture"):
        run_all_cells(driver, lab, notebook, timeout_s=FIXTURE_TIMEOUT_S)
        log.collect(driver)

        assert error_outputs(driver) == []
        assert len(sliders(driver)) == 1, "FloatSlider was not rendered"
        charts = wait_for_drawn_charts(driver, at_least=2)  # static chart + explorer chart
        assert len(charts) == 2
        assert_all_vega_outputs_drawn(driver)
        explorer = 1
        assert svg_line_count(charts[explorer]) == 1
        scroll_into_view(driver, charts[explorer])
        save_screenshot(driver, "fixture-1-after-run-all")

        # Moving the slider redraws the explorer chart (and only it).
        static_before, explorer_before = chart_fingerprints(driver)
        slider = sliders(driver)[0]
        readout_before = slider_readout(slider)
        move_slider(driver, slider, steps=+3)
        explorer_after = wait_for_chart_change(driver, explorer, explorer_before)
        assert slider_readout(slider) != readout_before
        assert chart_fingerprints(driver)[0] == static_before, "static chart changed"
        assert svg_line_count(vega_charts(driver)[explorer]) == 1
        save_screenshot(driver, "fixture-2-after-slider")

        # 'Keep this run', then move the slider: kept run + current run = 2 lines.
        button(driver, "Keep this run").click()
        kept = wait_for_chart_change(driver, explorer, explorer_after)
        wait_for(lambda: svg_line_count(vega_charts(driver)[explorer]) == 2, 10,
                 "'Keep this run' did not add a second line")
        move_slider(driver, sliders(driver)[0], steps=-2)
        wait_for_chart_change(driver, explorer, kept)
        chart = vega_charts(driver)[explorer]
        assert svg_line_count(chart) == 2
        paths = [p.get_attribute("d") for p in chart.find_elements("css selector",
                                                                    "g.mark-line path")]
        assert paths[0] != paths[1], "kept run and current run are drawn identically"
        scroll_into_view(driver, chart)
        save_screenshot(driver, "fixture-3-kept-run-two-lines")

        assert error_outputs(driver) == []
        assert_only_local_requests(log, driver, lab)


@pytest.mark.parametrize("notebook", COURSE_NOTEBOOKS)
def test_course_notebook_renders_offline(lab: LabServer, driver: WebDriver,
                                         notebook: str) -> None:
    """A course notebook runs without errors and, if it has sliders, draws charts."""
    if not (REPO / notebook).is_file():
        pytest.skip(f"{notebook} does not exist (yet)")
    if not (lab.root / notebook).is_file():
        pytest.skip(f"{notebook} appeared after the test copy was made; rerun")
    name = "course-" + Path(notebook).stem
    log = RequestLog()
    with screenshot_on_failure(driver, lab, name):
        run_all_cells(driver, lab, notebook, timeout_s=COURSE_TIMEOUT_S)
        log.collect(driver)
        assert error_outputs(driver) == []

        if sliders(driver):
            charts = wait_for_drawn_charts(driver, at_least=1)
            scroll_into_view(driver, charts[0])
        assert_all_vega_outputs_drawn(driver)
        assert driver.find_elements("css selector", MERMAID_FAILED) == [], "a diagram failed to draw"
        save_screenshot(driver, f"{name}-1-after-run-all")

        # Optional explorer check: where a 'Keep this run' button exists, keeping a
        # run and moving a slider must redraw some chart.
        keep = [b for b in driver.find_elements("css selector", "button.jupyter-button")
                if b.text.strip() == "Keep this run"]
        if keep and sliders(driver):
            scroll_into_view(driver, keep[0])
            keep[0].click()
            wait_for_drawn_charts(driver, at_least=1)
            wait_until_settled(driver, timeout_s=20)  # the kept run's redraw replaces the chart
            before = wait_for(lambda: chart_fingerprints(driver), 10, "charts kept being replaced")
            move_slider(driver, sliders(driver)[0], steps=+3)
            wait_for(lambda: chart_fingerprints(driver) != before, 20,
                     "moving the first slider after 'Keep this run' redrew no chart")
            wait_until_settled(driver, timeout_s=20)
            save_screenshot(driver, f"{name}-2-kept-run-after-slider")

        assert error_outputs(driver) == []
        assert_only_local_requests(log, driver, lab)
