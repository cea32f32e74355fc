"""pytest configuration for the offline browser tests (``pytest -m browser``).

Registers the ``browser`` marker and skips those tests, with a loud banner, when
the system Chromium, its chromedriver or the ``selenium`` package is missing.
Install them with ``apt-get install -y chromium chromium-driver`` and
``pip install selenium``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# The fixture notebook is driven through the browser by test_offline_charts.py;
# it is not a course notebook for nbval (``--nbval-lax`` in pyproject's addopts).
collect_ignore = ["fixtures", "artifacts"]

# Make ``import lab`` work whatever pytest's import mode is.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def missing_prerequisites() -> list[str]:
    """Human-readable list of what the browser tests need but cannot find."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    if not CHROMEDRIVER.exists():
        missing.append(f"{CHROMEDRIVER} (apt-get install -y chromium-driver)")
    try:
        has_selenium = importlib.util.find_spec("selenium") is not None
    except (ImportError, ValueError):
        has_selenium = False
    if not has_selenium:
        missing.append("the selenium package (pip install selenium)")
    return missing


def _banner(missing: list[str]) -> str:
    line = "!" * 78
    return "\n".join([line, "BROWSER TESTS SKIPPED - missing: " + "; ".join(missing), line])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: end-to-end test in headless Chromium + JupyterLab (offline rendering)",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    missing = missing_prerequisites()
    if missing:
        return [_banner(missing)]
    try:
        version = subprocess.run([str(CHROMEDRIVER), "--version"], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        version = f"chromedriver --version failed: {exc}"
    return [f"browser tests: {version}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = missing_prerequisites()
    if not missing:
        return
    skip = pytest.mark.skip(reason="browser prerequisites missing: " + "; ".join(missing))
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    missing = missing_prerequisites()
    if missing:
        terminalreporter.write_line(_banner(missing), red=True, bold=True)
