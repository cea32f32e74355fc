"""Module 07 in a real browser, offline: Run All, upload a CSV through the file input (a bad one,
then a good one), write the brief with its button, then open the brief as a file and look at it.

Screenshots go to tests/browser/artifacts/ (module07-*.png).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("selenium", reason="selenium is not installed: pip install selenium")

from lab import (
    LabServer,
    RequestLog,
    chromium_driver,
    error_outputs,
    run_all_cells,
    running_jupyterlab,
    save_screenshot,
    scroll_into_view,
    shutdown_all_sessions,
    wait_for,
)
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "modules/07-your-place-your-model/07-your-place-your-model.ipynb"
BRIEF = "brief_cheshire_and_merseyside.html"
GOOD = "month,waiting_list\n" + "".join(f"2024-{m:02d},{2280 - 15 * m}\n" for m in range(1, 13))
BAD = "month,waiting_list\n2024-01,2280\n2024-02,#N/A\n2024-01,2300\n"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    root = tmp_path_factory.mktemp("module07")
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "brief_*")
    for name in ("course", "modules", "datasets"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    notes = tmp_path_factory.mktemp("notes") / "notes.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CYP_DYNAMICS_NOTES", str(notes))
        with running_jupyterlab(root) as server:
            yield server


def _upload(driver, path: Path) -> str:
    """Send a file to the upload widget's file input; return the message once it changes."""
    message = driver.find_element(By.CSS_SELECTOR, ".cyp-upload-message")
    before = message.text
    # ipywidgets' FileUpload keeps its <input type=file> out of the page and clicks it when its
    # button is pressed: attach it to the page at that moment so Selenium can type a path into it.
    driver.execute_script("""
        if (!window.__cypFileHook) {
          window.__cypFileHook = true;
          const click = HTMLInputElement.prototype.click;
          HTMLInputElement.prototype.click = function () {
            if (this.type === 'file') {
              document.querySelectorAll('input[data-cyp-upload]').forEach(e => e.removeAttribute('data-cyp-upload'));
              this.setAttribute('data-cyp-upload', '1');
              if (!this.isConnected) document.body.appendChild(this);
              return;  // no file dialog: the test types the path instead
            }
            return click.call(this);
          };
        }""")
    driver.find_element(By.CSS_SELECTOR, "button.cyp-upload, .cyp-upload").click()
    file_input = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "input[data-cyp-upload]"), 10,
                          "the upload button did not reach its file input")[0]
    file_input.send_keys(str(path))
    def answered() -> str | None:
        text = driver.find_element(By.CSS_SELECTOR, ".cyp-upload-message").text
        return text if text and text != before else None

    return wait_for(answered, 60, "the upload tool did not answer")


def test_upload_a_csv_then_write_and_open_the_brief(lab: LabServer, tmp_path: Path) -> None:
    with chromium_driver() as driver:
        driver.set_window_size(1280, 1000)
        started = time.monotonic()
        run_all_cells(driver, lab, NOTEBOOK, timeout_s=150)
        run_all_s = time.monotonic() - started
        assert error_outputs(driver) == []
        print(f"Run All of the trainee notebook (page load included): {run_all_s:.1f} s")

        scroll_into_view(driver, driver.find_element(By.CSS_SELECTOR, ".cyp-upload"))
        bad, good = tmp_path / "bad.csv", tmp_path / "waiting_list.csv"
        bad.write_text(BAD)
        good.write_text(GOOD)
        said = _upload(driver, bad)
        assert "Not used yet" in said and "#N/A" in said, said
        save_screenshot(driver, "module07-upload-bad")
        said = _upload(driver, good)
        assert "Read 12 months" in said and "Calibrated" in said, said
        save_screenshot(driver, "module07-upload-good")

        button = driver.find_element(By.CSS_SELECTOR, "button.cyp-write-brief")
        scroll_into_view(driver, button)
        button.click()
        def written():
            element = driver.find_element(By.CSS_SELECTOR, ".cyp-brief-link")
            return element if "Written." in element.text else None

        link = wait_for(written, 90, "the brief was not written")
        assert BRIEF in link.text and "brief_your_data.html" in link.text
        save_screenshot(driver, "module07-brief-button")
        assert error_outputs(driver) == []
        shutdown_all_sessions(lab)

    brief = lab.root / "modules/07-your-place-your-model" / BRIEF
    assert brief.is_file() and (brief.parent / "brief_cheshire_and_merseyside_inputs.json").is_file()
    own = brief.parent / "brief_your_data.html"  # the draft from the uploaded file
    assert own.is_file() and "waiting_list.csv" in own.read_text(encoding="utf-8")
    with chromium_driver() as driver:  # the brief alone, as a file: no server, no network
        driver.set_window_size(900, 1200)
        driver.get(brief.as_uri())
        wait_for(lambda: driver.execute_script("return document.readyState") == "complete", 30,
                 "the brief did not load")
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Child poverty")
        assert len(driver.find_elements(By.CSS_SELECTOR, "svg")) >= 3
        widths = driver.execute_script(
            "return [...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)")
        assert all(w > 300 for w in widths), widths
        save_screenshot(driver, "module07-brief-top")
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(900, min(height + 100, 9000))
        save_screenshot(driver, "module07-brief-full")
        log = RequestLog()
        log.collect(driver)
        fetched = [url for url in log.external() if not url.startswith("file://")]
        assert fetched == [], fetched  # nothing but the file itself
