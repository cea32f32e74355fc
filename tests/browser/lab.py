"""Helpers for the offline browser tests: a throw-away JupyterLab server and a
headless Debian Chromium driven by Selenium.

Nothing here touches the network beyond 127.0.0.1:

* JupyterLab is started with the news feed, the update check and the PyPI
  extension manager switched off, and with throw-away user settings /
  workspaces / runtime / config directories (the kernelspecs installed in the
  virtualenv's ``share/jupyter`` are still found, because ``sys.prefix`` is
  always on Jupyter's data path).
* Chromium is started with background networking, component updates, sync and
  QUIC disabled, and with a host-resolver rule that makes every host except
  localhost unresolvable, so a page that tried to load a CDN script would
  visibly fail instead of silently succeeding.

Typical use::

    with running_jupyterlab(tmp_path) as lab, chromium_driver() as driver:
        run_all_cells(driver, lab, "notebook.ipynb", timeout_s=60)
        assert error_outputs(driver) == []
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from selenium import webdriver
from selenium.common.exceptions import (
    JavascriptException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: Rendered stderr-like outputs. JupyterLab 4 renders BOTH plain stderr and
#: tracebacks (error outputs, whose bundle also carries
#: ``application/vnd.jupyter.error``) with this selector; see :func:`error_outputs`.
STDERR_SELECTOR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
#: Container that JupyterLab's bundled Vega extension renders charts into.
VEGA_SELECTOR = ".vega-embed"
#: The chart itself inside ``.vega-embed`` (Vega gives it class ``marks``; a bare
#: ``svg`` would also match the icon of the "..." actions menu).
DRAWN_MARKS_SELECTOR = "svg.marks, canvas.marks"
#: ipywidgets 8 sliders (FloatSlider, IntSlider, ...).
SLIDER_SELECTOR = ".widget-slider"
#: The draggable handle of an ipywidgets 8 slider (noUiSlider).
SLIDER_HANDLE_SELECTOR = ".noUi-handle"
#: One ``<path>`` per line series in an SVG-rendered Vega line mark.
SVG_LINE_PATH_SELECTOR = "g.mark-line path"

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "devtools"})

T = TypeVar("T")


# --------------------------------------------------------------------------- #
# JupyterLab server
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab server started by :func:`running_jupyterlab`."""

    url: str
    """Base URL without trailing slash, e.g. ``http://127.0.0.1:40123``."""
    token: str
    """Authentication token; append ``?token=...`` to page and API URLs."""
    root: Path
    """The server's ``root_dir``; notebook paths are relative to it."""
    pid: int
    """Process id of the ``jupyter lab`` process."""
    log_path: Path
    """File receiving the server's stdout and stderr."""

    def notebook_url(self, relpath: str) -> str:
        """URL that opens ``relpath`` (relative to :attr:`root`) in the Lab UI.

        ``reset`` empties the (server-side) workspace first, so notebooks opened
        by an earlier test on the same server are not restored as extra tabs
        (which would start their kernels again and add their DOM to queries).
        """
        return f"{self.url}/lab/tree/{quote(relpath)}?reset&token={self.token}"

    def log_tail(self, n_chars: int = 4000) -> str:
        """The last ``n_chars`` characters of the server log, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return "<no server log>"


def _free_port() -> int:
    """Ask the OS for a currently unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_user_settings(settings_dir: Path) -> None:
    """Pre-seed JupyterLab user settings so the UI never asks about, or fetches,
    news, and renders every notebook cell (no windowing: off-screen cells and
    their charts are in the DOM)."""
    settings = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none",
        },
    }
    for relpath, value in settings.items():
        path = settings_dir / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def _stop_process(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """SIGTERM ``proc`` (Jupyter then shuts its kernels down), SIGKILL its whole
    process group (server + kernels, started in their own session) if it has not
    exited after ``grace_s`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=grace_s)


@contextlib.contextmanager
def running_jupyterlab(root: Path, startup_timeout_s: float = 60.0) -> Iterator[LabServer]:
    """Start ``jupyter lab`` serving ``root`` on a free localhost port.

    The server is run with the current interpreter (``sys.executable -m jupyter
    lab``), a random token, ``window.jupyterapp`` exposed to the browser and all
    network-reaching features off. This context manager copies nothing: put the
    notebooks into ``root`` first.

    Yields once ``/api/status`` answers; on exit the server is terminated by PID
    (killed, together with its kernels, if it has not stopped within 10 s).

    Raises:
        RuntimeError: if the server exits early or does not answer within
            ``startup_timeout_s`` seconds (the message contains its log).
    """
    root = Path(root).resolve()
    port = _free_port()
    token = secrets.token_hex(24)
    with tempfile.TemporaryDirectory(prefix="lab-home-") as home_str:
        home = Path(home_str)
        settings_dir = home / "lab-settings"
        _write_user_settings(settings_dir)
        env = {
            **os.environ,
            # Isolate per-user state so a developer's own Lab settings,
            # workspaces (restored tabs) or config cannot leak into the test.
            # The venv's share/jupyter (kernelspecs, labextensions) and
            # etc/jupyter (server extension config) are still used.
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "0",
        }
        cmd = [
            sys.executable, "-m", "jupyter", "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            # Same as the deprecated --ServerApp.token (jupyter_server >= 2).
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False",
            "--LabApp.expose_app_in_browser=True",
            # No news feed, no update check, no PyPI extension listing.
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # containers / CI often run as root
        log_path = home / "jupyter-lab.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        lab = LabServer(
            url=f"http://127.0.0.1:{port}", token=token, root=root,
            pid=proc.pid, log_path=log_path,
        )
        try:
            _wait_for_status(lab, proc, startup_timeout_s)
            yield lab
        finally:
            _stop_process(proc)


def _wait_for_status(lab: LabServer, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Poll ``/api/status`` until it answers 200 or ``timeout_s`` elapses."""
    status_url = f"{lab.url}/api/status?token={lab.token}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with code {proc.returncode}:\n{lab.log_tail()}"
            )
        try:
            with urllib.request.urlopen(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"jupyter lab did not answer {status_url} within {timeout_s} s:\n"
                       f"{lab.log_tail()}")


def shutdown_all_sessions(lab: LabServer) -> int:
    """Delete every notebook session (and so shut its kernel down) through the
    REST API, so that consecutive tests sharing a server start clean. Returns
    how many sessions were deleted."""
    def call(method: str, path: str) -> Any:
        request = urllib.request.Request(f"{lab.url}{path}?token={lab.token}", method=method)
        with urllib.request.urlopen(request, timeout=15) as response:
            body = response.read()
        return json.loads(body) if body else None

    sessions = call("GET", "/api/sessions")
    for session in sessions:
        with contextlib.suppress(urllib.error.HTTPError):
            call("DELETE", f"/api/sessions/{session['id']}")
    return len(sessions)


# --------------------------------------------------------------------------- #
# Browser
# --------------------------------------------------------------------------- #
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
    # Hard offline: every host name except localhost fails to resolve, so a CDN
    # dependency cannot be satisfied even on a machine that has internet.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


@contextlib.contextmanager
def chromium_driver() -> Iterator[WebDriver]:
    """A headless system Chromium (``/usr/bin/chromium`` + ``/usr/bin/chromedriver``)
    with a fresh temporary profile and network (performance) logging enabled.

    Selenium Manager is never consulted (the driver path is explicit), so nothing
    is downloaded. The browser is quit on exit.
    """
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        options.add_experimental_option(
            "perfLoggingPrefs", {"enableNetwork": True, "enablePage": False}
        )
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                                  options=options)
        try:
            driver.set_script_timeout(60)
            # Keep every Resource Timing entry (the default buffer holds only 250
            # and JupyterLab alone loads ~200 files).
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
                "source": "performance.setResourceTimingBufferSize(100000);"})
            yield driver
        finally:
            driver.quit()


def wait_for(predicate: Callable[[], T], timeout_s: float, message: str,
             interval_s: float = 0.25) -> T:
    """Call ``predicate`` until it returns something truthy and return that.

    JavaScript errors raised while the page is still loading count as "not yet".

    Raises:
        TimeoutError: with ``message`` if ``timeout_s`` elapses first.
    """
    deadline = time.monotonic() + timeout_s
    last_exc: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (JavascriptException, StaleElementReferenceException) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            suffix = f" (last JS error: {last_exc.msg})" if last_exc else ""
            raise TimeoutError(f"{message} (after {timeout_s:.0f} s){suffix}")
        time.sleep(interval_s)


# --------------------------------------------------------------------------- #
# Notebook execution
# --------------------------------------------------------------------------- #
_NOTEBOOK_STATE_JS = """
const app = window.jupyterapp;
if (!app || !app.shell) { return null; }
const panel = app.shell.currentWidget;
if (!panel || !panel.content || !panel.sessionContext || !panel.content.model) { return null; }
const ctx = panel.sessionContext;
const kernel = ctx.session && ctx.session.kernel;
const cells = panel.content.model.cells;
let code = 0, executed = 0;
for (let i = 0; i < cells.length; i++) {
  const cell = cells.get(i);
  if (cell.type !== 'code') { continue; }
  code += 1;
  if (cell.executionCount !== null && cell.executionCount !== undefined) { executed += 1; }
}
return {
  path: ctx.path,
  ready: ctx.isReady,
  kernelStatus: kernel ? kernel.status : null,
  codeCells: code,
  executedCells: executed,
};
"""


def notebook_state(driver: WebDriver) -> dict[str, Any] | None:
    """Kernel status and execution counts of the notebook in the main area
    (``None`` while the app or the notebook is still loading)."""
    return driver.execute_script(_NOTEBOOK_STATE_JS)


def run_all_cells(driver: WebDriver, lab: LabServer, notebook_relpath: str,
                  timeout_s: float = 90.0) -> dict[str, Any]:
    """Open ``notebook_relpath`` in JupyterLab, run all cells and wait for them.

    Run-all is triggered through the exposed application object
    (``window.jupyterapp.commands.execute('notebook:run-all-cells')``, i.e. the
    same command as *Run > Run All Cells*; needs ``expose_app_in_browser``, which
    :func:`running_jupyterlab` sets). Returns the final :func:`notebook_state`
    once the command has finished, every code cell has an execution count and
    the kernel has been idle for a moment.

    Raises:
        TimeoutError: if the kernel does not start or the cells do not finish.
        AssertionError: if run-all stopped early (a cell raised); the message
            lists the errors.
    """
    deadline = time.monotonic() + timeout_s

    def remaining() -> float:
        return max(1.0, deadline - time.monotonic())

    driver.get(lab.notebook_url(notebook_relpath))

    def kernel_idle() -> bool:
        _accept_kernel_dialog(driver)
        state = notebook_state(driver)
        return bool(state) and state["path"] == notebook_relpath and state["ready"] \
            and state["kernelStatus"] == "idle"

    wait_for(kernel_idle, remaining(), f"kernel for {notebook_relpath} did not become idle")
    open_notebooks = driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel")
    if len(open_notebooks) != 1:
        raise RuntimeError(f"expected only {notebook_relpath} open, found "
                           f"{len(open_notebooks)} notebook tabs")
    driver.execute_script("""
        window.__runAllResult = null;
        window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            () => { window.__runAllResult = 'done'; },
            e => { window.__runAllResult = 'error: ' + e; });
    """)
    result = wait_for(lambda: driver.execute_script("return window.__runAllResult;"),
                      remaining(), f"'Run All Cells' did not finish: {notebook_state(driver)}")
    if result != "done":
        raise RuntimeError(f"notebook:run-all-cells failed: {result}")
    state = wait_until_settled(driver, remaining())
    if state["executedCells"] != state["codeCells"]:
        raise AssertionError(
            f"run-all stopped after {state['executedCells']}/{state['codeCells']} code cells "
            f"of {notebook_relpath}; errors: {error_outputs(driver)}")
    return state


def _accept_kernel_dialog(driver: WebDriver) -> None:
    """If the notebook has no usable kernelspec, JupyterLab asks which kernel to
    start: accept its default (the venv's ``python3``)."""
    for dialog in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog"):
        if "kernel" in dialog.text.lower():
            for accept in dialog.find_elements(By.CSS_SELECTOR, ".jp-Dialog-button.jp-mod-accept"):
                accept.click()
                return


def wait_until_settled(driver: WebDriver, timeout_s: float = 30.0,
                       require_all_executed: bool = False,
                       quiet_s: float = 1.0) -> dict[str, Any]:
    """Wait until the kernel has been idle for ``quiet_s`` seconds (and, if
    ``require_all_executed``, every code cell has an execution count)."""
    idle_since: list[float] = []

    def settled() -> dict[str, Any] | None:
        state = notebook_state(driver)
        done = bool(state) and state["kernelStatus"] == "idle" and (
            not require_all_executed or state["executedCells"] == state["codeCells"])
        if not done:
            idle_since.clear()
            return None
        if not idle_since:
            idle_since.append(time.monotonic())
        return state if time.monotonic() - idle_since[0] >= quiet_s else None

    return wait_for(settled, timeout_s,
                    f"notebook did not finish executing: {notebook_state(driver)}")


# --------------------------------------------------------------------------- #
# DOM queries
# --------------------------------------------------------------------------- #
_MODEL_ERRORS_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const errors = [];
  // 1. Exceptions in the notebook's own cell outputs (precise: output_type == 'error').
  const cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') { continue; }
    for (let j = 0; j < cell.outputs.length; j++) {
      const out = cell.outputs.get(j).toJSON();
      if (out.output_type === 'error') {
        errors.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}`);
      }
    }
  }
  // 2. Exceptions raised in widget callbacks outside an Output widget: JupyterLab
  //    routes them to the notebook's Log Console, not to the notebook DOM.
  //    (Lumino has no public token lookup by name, hence the private _plugins.)
  let logConsole = 'unavailable';
  try {
    const plugin = app.pluginRegistry._plugins.get('@jupyterlab/logconsole-extension:plugin');
    const registry = await app.resolveRequiredService(plugin.provides);
    const model = registry.getLogger(panel.sessionContext.path).outputAreaModel;
    for (let j = 0; j < model.length; j++) {
      const item = model.get(j);
      if (item.type === 'error') {
        const out = item.toJSON();
        errors.push(`log console: ${out.ename}: ${out.evalue}`);
      }
    }
    logConsole = 'checked';
  } catch (e) {
    logConsole = String(e);
  }
  return {errors, logConsole};
})().then(done, e => done({errors: ['could not inspect notebook: ' + e], logConsole: 'n/a'}));
"""


def stderr_outputs(driver: WebDriver) -> list[str]:
    """Text of every rendered stderr-like output. NOTE: in JupyterLab 4 the DOM
    does not distinguish tracebacks from plain stderr (warnings): an error output
    is rendered by the stderr renderer, as ``.jp-RenderedText`` with
    ``data-mime-type="application/vnd.jupyter.stderr"``."""
    return [el.text for el in driver.find_elements(By.CSS_SELECTOR, STDERR_SELECTOR)]


def error_outputs(driver: WebDriver) -> list[str]:
    """Every Python exception or rendering failure visible to the notebook user:

    * ``error`` outputs of the notebook's cells (from the notebook model),
    * errors in the notebook's Log Console (widget-callback exceptions),
    * stderr outputs anywhere in the DOM, including inside ``Output`` widgets,
      that contain a traceback (``Traceback (most recent call last)``) or are a
      renderer failure (``Javascript Error: ...``, e.g. Vega failing to load).

    Plain stderr such as warnings is not an error. Returns ``[]`` if all is well.
    """
    result = driver.execute_async_script(_MODEL_ERRORS_JS)
    if result["logConsole"] != "checked":
        warnings.warn(f"could not inspect the Log Console: {result['logConsole']}", stacklevel=2)
    errors: list[str] = list(result["errors"])
    for text in stderr_outputs(driver):
        if "Traceback (most recent call last)" in text or text.startswith("Javascript Error"):
            errors.append("rendered: " + text[:2000])
    return errors


def sliders(driver: WebDriver) -> list[WebElement]:
    """All rendered ipywidgets sliders."""
    return driver.find_elements(By.CSS_SELECTOR, SLIDER_SELECTOR)


def vega_charts(driver: WebDriver) -> list[WebElement]:
    """Vega/Altair charts that have actually drawn (contain ``svg.marks`` or ``canvas.marks``)."""
    return [el for el in driver.find_elements(By.CSS_SELECTOR, VEGA_SELECTOR)
            if el.find_elements(By.CSS_SELECTOR, DRAWN_MARKS_SELECTOR)]


def undrawn_vega_outputs(driver: WebDriver) -> int:
    """Number of Vega/Vega-Lite outputs (JupyterLab's ``.jp-RenderedVegaCommon5``)
    that have not (yet) drawn an svg or canvas, e.g. because rendering failed."""
    return int(driver.execute_script("""
        return Array.from(document.querySelectorAll('.jp-RenderedVegaCommon5'))
            .filter(el => !el.querySelector('.vega-embed svg.marks, .vega-embed canvas.marks'))
            .length;
    """))


def count_vega_charts(driver: WebDriver) -> int:
    """Number of charts that contain an ``svg`` or ``canvas``."""
    return len(vega_charts(driver))


def chart_fingerprint(chart: WebElement) -> str:
    """A string that changes whenever the chart's drawing changes: the SVG
    markup for the SVG renderer, the pixels (data URL) for the canvas renderer.
    Raises ``StaleElementReferenceException`` if the chart was replaced."""
    return chart.parent.execute_script(
        """
        const marks = arguments[0].querySelector('svg.marks, canvas.marks');
        if (!marks) { return ''; }
        return marks.tagName === 'CANVAS' ? 'canvas:' + marks.toDataURL()
                                          : 'svg:' + marks.innerHTML;
        """,
        chart,
    )


def svg_line_count(chart: WebElement) -> int:
    """Number of line series in an SVG-rendered chart (0 for canvas charts)."""
    return len(chart.find_elements(By.CSS_SELECTOR, SVG_LINE_PATH_SELECTOR))


def button(driver: WebDriver, text: str) -> WebElement:
    """The first ipywidgets button whose label is exactly ``text``."""
    for el in driver.find_elements(By.CSS_SELECTOR, "button.jupyter-button, .widget-button"):
        if el.text.strip() == text:
            return el
    raise LookupError(f"no widget button labelled {text!r}")


def slider_readout(slider: WebElement) -> str:
    """The value shown in the slider's readout box."""
    return slider.find_element(By.CSS_SELECTOR, ".widget-readout").text.strip()


def move_slider(driver: WebDriver, slider: WebElement, steps: int = 1) -> None:
    """Move an ipywidgets 8 slider by ``steps`` steps using the keyboard on its
    noUiSlider handle (ArrowRight for positive, ArrowLeft for negative), which
    fires the same ``change`` event as a mouse drag. Raises ``AssertionError`` if
    the readout does not change."""
    before = slider_readout(slider)
    handle = slider.find_element(By.CSS_SELECTOR, SLIDER_HANDLE_SELECTOR)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    handle.click()  # focuses the handle
    key = Keys.ARROW_RIGHT if steps >= 0 else Keys.ARROW_LEFT
    for _ in range(abs(steps)):
        handle.send_keys(key)
    wait_for(lambda: slider_readout(slider) != before, 5,
             f"slider readout stayed at {before!r}")


def wait_for_chart_change(driver: WebDriver, chart_index: int, before: str,
                          timeout_s: float = 15.0, quiet_s: float = 0.75) -> str:
    """Wait until the ``chart_index``-th drawn chart differs from ``before`` AND
    has settled, and return its new fingerprint.

    "Settled" means: the kernel is idle and the fingerprint has not changed for
    ``quiet_s`` seconds. This matters because one slider move by several key
    presses sends several value changes, each redrawing (and, through
    ``clear_output``, replacing) the chart; reading the DOM in between would
    give stale elements.
    """
    last: list[tuple[str, float]] = []

    def settled() -> str | None:
        charts = vega_charts(driver)
        state = notebook_state(driver)
        if len(charts) <= chart_index or not state or state["kernelStatus"] != "idle":
            last.clear()
            return None
        now = chart_fingerprint(charts[chart_index])
        if not now or now == before:
            last.clear()
            return None
        if not last or last[0][0] != now:
            last[:] = [(now, time.monotonic())]
            return None
        return now if time.monotonic() - last[0][1] >= quiet_s else None

    return wait_for(settled, timeout_s, f"chart #{chart_index} did not change and settle",
                    interval_s=0.15)


def save_screenshot(driver: WebDriver, name: str) -> Path:
    """Save a PNG of the browser viewport to ``tests/browser/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    path = ARTIFACTS / f"{safe}.png"
    driver.save_screenshot(str(path))
    return path


def scroll_into_view(driver: WebDriver, element: WebElement) -> None:
    """Scroll the notebook so that ``element`` is in the middle of the viewport."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.3)


# --------------------------------------------------------------------------- #
# Network check
# --------------------------------------------------------------------------- #
@dataclass
class RequestLog:
    """Accumulates every URL the browser requested (HTTP and WebSocket), read
    from Chromium's performance log, plus the page's Resource Timing entries.

    Call :meth:`collect` after each step: reading the performance log drains it.
    """

    urls: set[str] = field(default_factory=set)

    def collect(self, driver: WebDriver) -> None:
        """Drain the performance log and the Resource Timing buffer into :attr:`urls`."""
        for entry in _drain_performance_log(driver):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message.get("method") == "Network.requestWillBeSent":
                self.urls.add(params["request"]["url"])
            elif message.get("method") == "Network.webSocketCreated":
                self.urls.add(params["url"])
        with contextlib.suppress(JavascriptException):
            for url in driver.execute_script(
                    "return performance.getEntriesByType('resource').map(e => e.name);"):
                self.urls.add(url)

    def external(self) -> list[str]:
        """Requested URLs that are not on localhost (nor data:/blob:/about:)."""
        return sorted(url for url in self.urls if not is_local_url(url))


def _drain_performance_log(driver: WebDriver) -> list[dict[str, Any]]:
    """All pending performance-log entries (chromedriver may hand them out in batches)."""
    entries: list[dict[str, Any]] = []
    for _ in range(1000):
        batch = driver.get_log("performance")
        if not batch:
            break
        entries.extend(batch)
    return entries


def is_local_url(url: str) -> bool:
    """True for URLs served by this machine's loopback or embedded in the page."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOCAL_HOSTS


def browser_console_errors(driver: WebDriver) -> list[str]:
    """SEVERE entries from the browser console (useful in failure messages)."""
    with contextlib.suppress(Exception):
        return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return []


__all__ = [
    "ARTIFACTS", "CHROMEDRIVER", "STDERR_SELECTOR", "stderr_outputs", "CHROMIUM", "LabServer", "RequestLog", "TimeoutException",
    "browser_console_errors", "button", "chart_fingerprint", "chromium_driver",
    "count_vega_charts", "error_outputs", "is_local_url", "move_slider", "notebook_state",
    "run_all_cells", "running_jupyterlab", "save_screenshot", "shutdown_all_sessions", "scroll_into_view",
    "slider_readout", "sliders", "svg_line_count", "undrawn_vega_outputs", "vega_charts", "wait_for",
    "wait_for_chart_change", "wait_until_settled",
]
