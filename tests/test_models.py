"""Loading models, their parameter tables, and the messages a person gets for bad input."""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from cyp_dynamics import list_models, load_model

from .conftest import TEST_MODELS


def test_list_models_names_every_course_model_file():
    table = list_models()
    assert "camhs_waiting_list" in set(table["name"])
    for name, file in zip(table["name"], table["file"]):
        assert file.endswith(f"{name}.mdl")
        assert load_model(name).name == name


@pytest.mark.parametrize("name", list(list_models()["name"]))
def test_every_course_constant_is_documented(name):
    """Default, range, unit, description and source for every constant (the course's rule)."""
    parameters = load_model(name).parameters
    assert len(parameters) > 0
    for pname, row in parameters.iterrows():
        assert row["unit"], f"{pname} has no unit"
        assert row["min"] is not None and row["max"] is not None, f"{pname} has no range"
        assert row["min"] <= row["default"] <= row["max"], f"{pname} default outside its range"
        assert len(row["description"]) > 15, f"{pname} has no description"
        source = row["source"]
        assert source != "not given in the model file", f"{pname} has no source"
        # A citation names a dataset folder or carries a year (author/body and date);
        # anything else must say openly that it is an assumption and why.
        assert source.lower().startswith("assumption:") or "datasets/" in source or re.search(
            r"\b(19|20)\d\d\b", source
        ), f"{pname}: source is neither a citation (with a year) nor an 'assumption: why'"


@pytest.mark.parametrize("name", list(list_models()["name"]))
def test_every_course_variable_has_a_unit_and_a_comment(name):
    variables = load_model(name).variables
    assert (variables["unit"] != "").all(), variables[variables["unit"] == ""].index.tolist()
    assert (variables["description"].str.len() > 10).all()


def test_run_is_indexed_by_month_with_snake_case_columns(camhs):
    run = camhs.run(months=24)
    assert run.index.name == "month"
    assert run.index[0] == 0 and run.index[-1] == 24 and len(run) == 25
    assert list(run.columns) == camhs.outputs
    assert all(c == c.lower() and " " not in c for c in run.columns)


def test_runs_never_inherit_parameters_or_length(camhs):
    fresh = camhs.run()
    camhs.run({"clinicians": 10, "closure_rate": 0.4}, months=12)
    again = camhs.run()
    pd.testing.assert_frame_equal(fresh, again)
    pysd_changed = camhs.run_with_pysd({"clinicians": 10}, months=12)
    pysd_default = camhs.run_with_pysd()
    assert len(pysd_changed) == 13 and len(pysd_default) == 37
    pd.testing.assert_frame_equal(pysd_default, fresh, atol=1e-9, rtol=0)


def test_labels_work_as_parameter_names(camhs):
    by_label = camhs.run({"Clinicians on leave": 1})
    by_name = camhs.run({"clinicians_on_leave": 1})
    pd.testing.assert_frame_equal(by_label, by_name)


def test_unknown_parameter_names_the_closest(camhs):
    with pytest.raises(ValueError, match=r"'clinicans' is not a parameter.*'clinicians'"):
        camhs.run({"clinicans": 40})


def test_setting_a_calculated_variable_is_explained(camhs):
    with pytest.raises(ValueError, match="calculated by the model"):
        camhs.run({"waiting_list": 100})


@pytest.mark.parametrize("value", [-5, 301, math.nan, math.inf])
def test_out_of_range_values_give_the_range_and_unit(camhs, value):
    with pytest.raises(ValueError, match=r"between 0 and 300 FTE"):
        camhs.run({"clinicians": value})


@pytest.mark.parametrize("value", ["40", None, [40], True])
def test_non_numbers_are_refused(camhs, value):
    with pytest.raises(ValueError, match="must be a number"):
        camhs.run({"clinicians": value})


@pytest.mark.parametrize("months", [0, -3, "12", 10**6])
def test_bad_run_length(camhs, months):
    with pytest.raises(ValueError, match="run length"):
        camhs.run(months=months)


def test_params_must_be_a_mapping(camhs):
    with pytest.raises(ValueError, match="dictionary"):
        camhs.run(["clinicians", 40])


def test_unknown_course_model_suggests_names():
    with pytest.raises(ValueError, match="camhs_waiting_list"):
        load_model("camhs waiting lists")


def test_missing_model_file_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file"):
        load_model(tmp_path / "nowhere.mdl")


def test_broken_model_file_gets_a_plain_message(tmp_path):
    broken = tmp_path / "broken.mdl"
    broken.write_text("{UTF-8}\nStock = INTEG(((, 1) ~ x ~ y |\n")
    with pytest.raises(ValueError, match="Could not read the model file"):
        load_model(broken)


def test_ranges_come_from_vensim_units_notation():
    model = load_model(TEST_MODELS / "features.mdl")
    row = model.parameters.loc["beds"]
    assert (row["min"], row["max"], row["unit"]) == (1.0, 100.0, "beds")
    with pytest.raises(ValueError, match="between 1 and 100 beds"):
        model.run({"beds": 0})


def test_practitioner_model_without_ranges_accepts_any_number():
    model = load_model(TEST_MODELS / "tea_cup.xmile")
    assert pd.isna(model.parameters.loc["cooling_time", "min"])
    assert model.run({"cooling_time": 1000}).tea_temperature.iloc[-1] > 80


def test_editing_a_table_cannot_change_shared_defaults(camhs):
    table = camhs.parameters
    table.loc["clinicians", "default"] = 1
    assert camhs.parameters.loc["clinicians", "default"] == 49
    assert load_model("camhs_waiting_list").run().equals(camhs.run())


def test_constant_named_directly_in_a_stock_equation_stays_a_parameter(tmp_path):
    """INTEG(births - leaving, ...) with births a constant: births stays settable, the run works."""
    path = tmp_path / "births.mdl"
    path.write_text("""{UTF-8}
children = INTEG(births per year - leaving, 100)
\t~\tchildren
\t~\tChildren in the area.
\t|
births per year = 10
\t~\tchildren/year [0,50,1]
\t~\tBirths each year. Source: assumption: a round number for the test.
\t|
leaving = children * 0.1
\t~\tchildren/year
\t~\tChildren leaving each year.
\t|
INITIAL TIME = 0
\t~\tyear
\t~\tStart.
\t|
FINAL TIME = 50
\t~\tyear
\t~\tEnd.
\t|
TIME STEP = 0.25
\t~\tyear
\t~\tStep.
\t|
SAVEPER = 1
\t~\tyear
\t~\tSaved every year.
\t|
""", encoding="utf-8")
    model = load_model(path)
    assert "births_per_year" in model.parameters.index
    assert model.variables.loc["births_per_year", "kind"] == "constant"
    assert model.variables.loc["leaving", "kind"] == "flow"
    run = model.run({"births_per_year": 20})
    # Goal-seeking towards births / 0.1 = 200 children.
    assert 150 < run["children"].iloc[-1] < 200


@pytest.mark.parametrize("name", ["camhs_waiting_list", "camhs_system", "child_poverty_and_health",
                                  "prevention_vs_late_intervention"])
def test_a_runs_size_is_known_before_running(name):
    """Ensembles check memory from these, without a probe run."""
    model = load_model(name)
    for length in (None, 7, 12.5):
        run = model.run(months=length)
        assert model.saved_times_count(length) == len(run)
        assert model.output_columns(model.outputs) == list(run.columns)
