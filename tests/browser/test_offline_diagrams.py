"""Proof in a real (headless, offline) browser that diagrams drawn from models render in
JupyterLab through its own Mermaid, with no request leaving localhost.

Run with ``.venv/bin/python -m pytest tests/browser -k diagram -q``. Set
``UPDATE_DIAGRAM_IMAGES=1`` to also refresh ``course/images/diagrams/camhs_waiting_list.png``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

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
    wait_for,
)
from selenium.webdriver.common.by import By  # noqa: E402

from cyp_dynamics import list_models  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from test_offline_charts import (  # noqa: E402
    MERMAID_FAILED,
    assert_only_local_requests,
    screenshot_on_failure,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NOTEBOOK = HERE / "fixtures" / "diagram_check.ipynb"
IMAGE = REPO / "course" / "images" / "diagrams" / "camhs_waiting_list.png"
#: JupyterLab's Mermaid output: a figure holding the drawn SVG as an <img> data URL (a diagram
#: Mermaid could not draw gets the warning class, `MERMAID_FAILED`, and shows its source instead).
MERMAID_IMAGE = ".jp-RenderedMermaid:not(.jp-mod-warning) figure img[src^='data:image/svg+xml']"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    root = tmp_path_factory.mktemp("lab-diagrams")
    shutil.copy2(NOTEBOOK, root / NOTEBOOK.name)
    with running_jupyterlab(root) as server:
        yield server


@pytest.fixture
def driver(lab: LabServer) -> Iterator[WebDriver]:
    with chromium_driver() as browser:
        yield browser
    shutdown_all_sessions(lab)


def drawn_diagrams(driver: WebDriver) -> list[tuple[WebElement, str]]:
    """(image, SVG text) for each Mermaid output that drew an SVG with at least one node."""
    drawn = []
    for image in driver.find_elements(By.CSS_SELECTOR, MERMAID_IMAGE):
        svg = unquote(image.get_attribute("src").split(",", 1)[1])
        if "<svg" in svg and 'class="node' in svg:
            drawn.append((image, svg))
    return drawn


def test_generated_diagrams_render_offline(lab: LabServer, driver: WebDriver) -> None:
    log = RequestLog()
    with screenshot_on_failure(driver, lab, "diagrams"):
        run_all_cells(driver, lab, NOTEBOOK.name, timeout_s=90)
        log.collect(driver)
        assert error_outputs(driver) == []
        expected = len(list_models()) + 1  # every course model, and one typed diagram
        diagrams = wait_for(lambda: len(d := drawn_diagrams(driver)) >= expected and d, 60,
                            f"Mermaid did not draw all {expected} diagrams")
        assert len(diagrams) == expected
        assert driver.find_elements(By.CSS_SELECTOR, MERMAID_FAILED) == []
        camhs, svg = diagrams[0]
        for label in ("Waiting list", "Treatment starts", "Closures before treatment"):
            assert label in svg, f"'{label}' missing from the drawn diagram"
        drawn_nodes = set(re.findall(r'id="[^"]*flowchart-(v\d+)-', svg))
        assert len(drawn_nodes) == 11, f"expected 11 variables drawn, found {sorted(drawn_nodes)}"
        assert camhs.size["width"] > 300, "the diagram was drawn too small to read"
        loops = driver.find_elements(By.CSS_SELECTOR, ".jp-RenderedMarkdown li")
        assert any("B1 (balancing)" in li.text for li in loops)
        assert any("R1 (reinforcing)" in li.text for li in loops)
        scroll_into_view(driver, camhs)
        save_screenshot(driver, "diagrams-camhs")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for number, (image, _) in enumerate(diagrams, start=1):
            scroll_into_view(driver, image)
            image.screenshot(str(ARTIFACTS / f"diagram-{number}.png"))
        if os.environ.get("UPDATE_DIAGRAM_IMAGES"):
            IMAGE.parent.mkdir(parents=True, exist_ok=True)
            scroll_into_view(driver, camhs)
            output = camhs.find_element(By.XPATH, "ancestor::div[contains(@class, 'jp-OutputArea-output')]")
            output.screenshot(str(IMAGE))
        assert_only_local_requests(log, driver, lab)
