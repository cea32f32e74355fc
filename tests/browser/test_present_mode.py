"""Present mode: a module's explorer served by Voilà, opened in headless Chromium with no network.
The page shows no code, the chart draws, moving a slider redraws it, no JavaScript error shows
(Voilà's "setData" error included) and nothing is fetched from beyond this machine."""

from __future__ import annotations

import subprocess
import socket
import time

import pytest
from lab import (RequestLog, _free_port, _stop_process, browser_console_errors, chart_fingerprint,
                 chromium_driver, move_slider, save_screenshot, sliders, vega_charts, wait_for)

from cyp_dynamics.course.present import present_environment, voila_command

pytestmark = pytest.mark.browser


def _serve(module: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(voila_command(module, port, open_browser=False), env=present_environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    _stop_process(proc)
    raise AssertionError("Voilà did not start within 60 s")


def _settled_fingerprint(driver, before: str | None = None, timeout_s: float = 60) -> str:
    last: list[tuple[str, float]] = []

    def ready():
        charts = vega_charts(driver)
        if not charts:
            return None
        now = chart_fingerprint(charts[0])
        if not now or now == before:
            last.clear()
            return None
        if not last or last[0][0] != now:
            last[:] = [(now, time.monotonic())]
            return None
        return now if time.monotonic() - last[0][1] > 1.0 else None

    return wait_for(ready, timeout_s, "the chart did not draw (or redraw) and settle", interval_s=0.2)


@pytest.mark.parametrize("module", ["02", "03"])
def test_present_mode_draws_the_explorer_and_a_slider_moves_the_chart(module):
    port = _free_port()
    proc = _serve(module, port)
    log = RequestLog()
    try:
        with chromium_driver() as driver:
            driver.set_window_size(1400, 1000)
            # navigate without waiting for the load event: Voilà runs the notebook while the page
            # loads, which on a busy machine can outlast the WebDriver's command timeout
            driver.get("about:blank")
            driver.execute_script("window.location.href = arguments[0];", f"http://127.0.0.1:{port}/")
            first = _settled_fingerprint(driver, timeout_s=300)
            assert sliders(driver), "the explorer's sliders show"
            assert "present(" not in driver.page_source, "no code shows in present mode"
            move_slider(driver, sliders(driver)[0], steps=3)
            _settled_fingerprint(driver, before=first)
            save_screenshot(driver, f"present-{module}")
            text = driver.find_element("tag name", "body").text
            assert "Javascript Error" not in text and "setData" not in text
            log.collect(driver)
            assert log.external() == [], "present mode must not fetch anything from the internet"
            assert [e for e in browser_console_errors(driver) if "favicon" not in e] == []
    finally:
        _stop_process(proc)
