"""A slide deck opened from disk in headless Chromium with no network: it advances with the arrow
keys, a model's diagram and a chart are drawn on their slides, and nothing leaves the machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from lab import RequestLog, browser_console_errors, chromium_driver, save_screenshot, wait_for
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser
DECKS = Path(__file__).resolve().parents[2] / "course" / "slides" / "html"


def _visible_slide(driver):
    return driver.find_element(By.CSS_SELECTOR, ".slide.current")


def test_a_deck_advances_and_shows_a_diagram_and_a_chart_offline():
    deck = DECKS / "02-stocks-and-flows.html"
    log = RequestLog()
    with chromium_driver() as driver:
        driver.set_window_size(1280, 720)
        driver.get(deck.as_uri())
        wait_for(lambda: _visible_slide(driver), 10, "the first slide shows")
        seen = {"diagram": False, "chart": False}
        body = driver.find_element(By.TAG_NAME, "body")
        for step in range(40):
            slide = _visible_slide(driver)
            for figure in slide.find_elements(By.TAG_NAME, "figure"):
                svg = figure.find_element(By.TAG_NAME, "svg")
                assert svg.size["width"] > 200 and svg.size["height"] > 100
                caption = figure.text
                kind = "diagram" if "diagram" in caption else "chart"
                if not seen[kind]:
                    save_screenshot(driver, f"slides-02-{kind}")
                seen[kind] = True
            counter = driver.find_element(By.CSS_SELECTOR, ".counter").text
            if counter.split(" / ")[0] == counter.split(" / ")[1]:
                break
            body.send_keys(Keys.ARROW_RIGHT)
            wait_for(lambda: driver.find_element(By.CSS_SELECTOR, ".counter").text != counter, 5,
                     "the arrow key moves to the next slide")
        log.collect(driver)
        assert seen == {"diagram": True, "chart": True}, seen
        fetched = [url for url in log.external() if url != driver.current_url.split("#")[0]
                   and url != deck.as_uri()]
        assert fetched == [], "a deck must not fetch anything beyond its own file"
        assert browser_console_errors(driver) == []
