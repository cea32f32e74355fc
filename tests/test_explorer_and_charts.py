"""The explorer: sliders from the parameter table, live re-runs, keep/reset, errors kept visible."""

from __future__ import annotations

import altair as alt
import pytest

from cyp_dynamics import explore, load_model
from cyp_dynamics.charts import PALETTE, plot_runs
from cyp_dynamics.widgets import slider_range

from .conftest import TEST_MODELS


def _lines(spec):
    return {record["run"] for record in spec["datasets"]["runs"]}


def _values(spec, run="Now", variable="waiting_list"):
    return [r["value"] for r in spec["datasets"]["runs"] if r["run"] == run and r["variable"] == variable]


def test_sliders_come_from_the_parameter_table(camhs):
    explorer = explore(camhs, parameters=["clinicians", "closure_rate"])
    assert list(explorer.sliders) == ["clinicians", "closure_rate"]
    slider = explorer.sliders["clinicians"]
    assert (slider.min, slider.max, slider.step, slider.value) == (0, 300, 1, 49)
    label, _, unit = explorer._slider_row("clinicians").children
    assert "Clinicians" in label.value and unit.value == "full-time staff"  # units in words
    assert "CAPA" in explorer.sliders["clinicians"].tooltip or "Source" in slider.tooltip
    assert explorer.sliders["closure_rate"].readout_format == ",.3f"  # shows the default 0.115


def test_moving_a_slider_reruns_and_changes_the_chart(camhs):
    explorer = explore(camhs, parameters=["clinicians"], outputs=["waiting_list", "average_wait_in_weeks"])
    before = _values(explorer.current_spec())
    explorer.sliders["clinicians"].value = 60
    after = _values(explorer.current_spec())
    assert after[-1] < before[-1] - 300
    assert explorer.results.equals(camhs.run({"clinicians": 60}))
    variables = {r["variable"] for r in explorer.current_spec()["datasets"]["runs"]}
    assert variables == {"waiting_list", "average_wait_in_weeks"}


def test_keep_overlays_runs_and_reset_restores_defaults(camhs):
    explorer = explore(camhs, parameters=["clinicians", "closure_rate"])
    explorer.sliders["clinicians"].value = 40
    label = explorer.keep()
    assert label == "Run 1: clinicians 40"
    explorer.sliders["clinicians"].value = 60
    assert _lines(explorer.current_spec()) == {"Run 1: clinicians 40", "Now"}
    explorer.reset()
    assert explorer.params == {"clinicians": 49, "closure_rate": 0.115}
    assert explorer.results.equals(camhs.run())
    assert len(_lines(explorer.current_spec())) == 2  # kept runs survive a reset
    explorer.clear_kept()
    assert _lines(explorer.current_spec()) == {"Now"}


def test_chart_spec_is_vega_lite_v5_with_titles_and_units(camhs):
    spec = explore(camhs, parameters=["clinicians"]).current_spec()
    assert "vega-lite/v5" in spec["$schema"]
    panel = spec["vconcat"][0]
    assert panel["encoding"]["y"]["title"] == "Waiting list (children)"
    assert panel["encoding"]["x"]["title"] == "Months from start"
    assert spec["title"]["text"]
    assert spec["config"]["range"]["category"] == PALETTE


def test_errors_are_shown_and_values_kept(camhs, monkeypatch):
    explorer = explore(camhs, parameters=["clinicians"])
    def failing_run(*args, **kwargs):
        raise ValueError("something the trainee can fix")
    monkeypatch.setattr(camhs, "run", failing_run)
    explorer.sliders["clinicians"].value = 70
    assert "something the trainee can fix" in explorer.status.value
    assert explorer.sliders["clinicians"].value == 70


def test_explorer_rejects_bad_choices_up_front(camhs):
    with pytest.raises(ValueError, match="'clinican' is not a parameter"):
        explore(camhs, parameters=["clinican"])
    with pytest.raises(ValueError, match="Unknown output"):
        explore(camhs, outputs=["wait"])
    with pytest.raises(ValueError, match="run length"):
        explore(camhs, months=-1)


def test_practitioner_model_gets_sliders_without_declared_ranges():
    model = load_model(TEST_MODELS / "tea_cup.xmile")
    explorer = explore(model)
    assert slider_range(model.parameters.loc["cooling_time"]) == (0.0, 20.0, 0.2)
    assert explorer.sliders["room_temperature"].max == 40
    explorer.sliders["cooling_time"].value = 5
    assert explorer.results.index.name == "minute"


def test_plot_runs_titles_axes_with_units(camhs):
    chart = plot_runs(camhs, {"A": camhs.run(), "B": camhs.run({"clinicians": 60})},
                      outputs=["waiting_list", "treatment_starts"], title="Compare")
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert isinstance(chart, alt.VConcatChart)
    titles = [panel["encoding"]["y"]["title"] for panel in spec["vconcat"]]
    assert titles == ["Waiting list (children)", ["Treatment starts", "(children a month)"]]  # long: two lines
    assert "description" in spec and "Line chart" in spec["description"]
    assert spec["vconcat"][0]["encoding"]["strokeDash"]["field"] == "run"  # told apart by dash too
    with pytest.raises(ValueError, match="at most 4"):
        plot_runs(camhs, {str(n): camhs.run() for n in range(5)})
    with pytest.raises(ValueError, match="Unknown output"):
        plot_runs(camhs, camhs.run(), outputs=["nope"])
