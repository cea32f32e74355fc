"""Scenarios as data: a base plus named overrides, checked against the model when loaded."""
from __future__ import annotations

from pathlib import Path

import pytest

from cyp_dynamics import list_models, load_model
from cyp_dynamics.analysis import ScenarioError, compare_at, load_scenarios, run_scenarios
from cyp_dynamics.analysis.scenarios import scenario_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", [n for n in list_models()["name"] if scenario_file(n).exists()])
def test_every_course_scenario_file_loads_and_runs(name):
    model = load_model(name)
    scenarios = load_scenarios(name, model)
    assert scenarios.names[0] == "base" and len(scenarios) >= 2
    runs = run_scenarios(model, scenarios)
    assert len(runs) == len(scenarios), "two scenarios share a title"
    # Each named scenario must change something, or it is the base under another name.
    for scenario in scenarios.names[1:]:
        assert scenarios[scenario].overrides, f"{scenario} changes nothing"


def test_a_scenario_is_the_base_plus_its_overrides(camhs, tmp_path):
    path = write(tmp_path, """
model = "camhs_waiting_list"
[base]
parameters = { closure_rate = 0.05 }
[scenarios.more]
title = "More clinicians"
parameters = { clinicians = 70 }
[scenarios.less_closing]
parameters = { closure_rate = 0.01 }
""")
    scenarios = load_scenarios(path, camhs)
    assert scenarios.parameters("more") == {"closure_rate": 0.05, "clinicians": 70.0}
    assert scenarios.parameters("less_closing") == {"closure_rate": 0.01}
    runs = run_scenarios(camhs, scenarios, months=24)
    assert list(runs) == ["Base", "More clinicians", "Less closing"]
    expected = camhs.run({"closure_rate": 0.05, "clinicians": 70}, 24)
    assert runs["More clinicians"].equals(expected)
    table = compare_at(runs, "waiting_list", [0, 24])
    assert table.loc["More clinicians", 24] < table.loc["Base", 24] < table.loc["Less closing", 24]


def test_ten_more_clinicians_shorten_the_course_list(camhs):
    runs = run_scenarios(camhs, load_scenarios("camhs_waiting_list", camhs), months=36)
    table = compare_at(runs, "waiting_list", [36])
    assert table.loc["Ten more clinicians", 36] < 0.9 * table.loc["Today's service", 36]


@pytest.mark.parametrize("text, message", [
    ('[base]\nparameters = { clinician = 50 }', "Did you mean 'clinicians'"),
    ('[base]\nparameters = { clinicians = -5 }', "must be between"),
    ('[base]\nparameters = { clinicians = "fifty" }', "Remove the quotes"),
    ('[scenarios.x]\nparameters = {}', "add a [base] table"),
    ('[base]\n[scenarios.base]\n', "reserved"),
    ('[base]\n[scenarios.x]\nparameter = { clinicians = 50 }', "unknown key(s) parameter"),
    ('model = "child_poverty"\n[base]\n', "written for model 'child_poverty'"),
    ('[base\n', "not valid TOML"),
    ('[base]\ntitle = "Now"\n[scenarios.x]\ntitle = "Now"\n', "share the title 'Now'"),
])
def test_a_broken_file_says_what_to_fix(camhs, tmp_path, text, message):
    path = write(tmp_path, text)
    before = path.read_bytes()
    with pytest.raises(ScenarioError, match=None) as error:
        load_scenarios(path, camhs)
    assert message in str(error.value)
    assert "mine.toml" in str(error.value)
    assert path.read_bytes() == before, "loading must never change the user's file"


def test_unknown_scenario_and_output_names_list_the_choices(camhs):
    scenarios = load_scenarios("camhs_waiting_list", camhs)
    with pytest.raises(KeyError, match="choose from base"):
        scenarios.parameters("more_staff")
    runs = run_scenarios(camhs, scenarios, names=["base"], months=12)
    with pytest.raises(KeyError, match="waiting_list"):
        compare_at(runs, "waiting", [12])
    with pytest.raises(ValueError, match="covers 0 to 12"):
        compare_at(runs, "waiting_list", [24])


def test_scenario_picker_shows_ticked_scenarios_only(camhs):
    from cyp_dynamics.charts import RUNS_DATA
    from cyp_dynamics.widgets import compare_scenarios

    picker = compare_scenarios(camhs, outputs=["waiting_list", "average_wait_in_weeks"], months=36)
    shown = {row["run"] for row in picker.current_spec()["datasets"][RUNS_DATA]}
    assert shown == set(picker.runs) and len(shown) == 4
    picker.boxes["ten_more_clinicians"].value = False
    shown = {row["run"] for row in picker.current_spec()["datasets"][RUNS_DATA]}
    assert "Ten more clinicians" not in shown and "Today's service" in shown
    picker.output_choice.value = "average_wait_in_weeks"
    spec = picker.current_spec()
    assert {row["variable"] for row in spec["datasets"][RUNS_DATA]} == {"average_wait_in_weeks"}
    assert "weeks" in str(spec)
    table = picker.value_table()
    assert list(table.columns) == picker.times and table.columns[-1] == 36
    for box in picker.boxes.values():
        box.value = False
    assert picker.value_table().empty
