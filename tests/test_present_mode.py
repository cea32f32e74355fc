"""Present mode's commands and notebooks (the browser test drives them in Voilà)."""

from __future__ import annotations

import json

import pytest

from cyp_dynamics.charts.display import course_renderer
from cyp_dynamics.course import present


def test_every_presentation_has_its_notebook_and_a_voila_command_bound_to_this_machine():
    for module, (notebook, _) in present.PRESENTATIONS.items():
        assert (present.FOLDER / notebook).exists(), notebook
        command = present.voila_command(module, 9999, open_browser=False)
        assert "--Voila.ip=127.0.0.1" in command and "--no-browser" in command
        assert "--template=cyp-present" in command


def test_an_unknown_module_is_refused_with_the_choices():
    with pytest.raises(SystemExit, match="02, 03"):
        present.voila_command("09")


def test_the_present_template_drops_the_cdn_icon_stylesheets():
    template = present.FOLDER / "jupyter" / "voila" / "templates" / "cyp-present"
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    text = (template / "index.html.j2").read_text()
    assert text.count("| replace(") == 2 and "cdn.jsdelivr.net" in text


def test_charts_carry_a_png_only_in_present_mode(monkeypatch):
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "description": "A test.",
            "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 3}]}, "mark": "line",
            "encoding": {"x": {"field": "x", "type": "quantitative"},
                         "y": {"field": "y", "type": "quantitative"}}}
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv("CYP_DYNAMICS_PRESENT", raising=False)
    assert "image/png" not in course_renderer(spec)
    monkeypatch.setenv("CYP_DYNAMICS_PRESENT", "1")
    bundle = course_renderer(spec)
    assert bundle["image/png"][:8] == "iVBORw0K"  # a PNG, base64
    assert bundle["text/plain"] == "A test."
