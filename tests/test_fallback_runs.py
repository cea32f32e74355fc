"""Runs through the pysd fallback give plain pysd's table, value for value, built faster.

A model the numpy engine cannot compile runs through pysd (`Model.run` on `engine == "pysd"`);
its results are collected by `FrameRecorder` instead of pysd's own table builder. These tests
switch the numpy engine off (as `tests/test_model_files.py` does) and compare each run with plain
pysd's `run(params=..., return_columns=..., final_time=...)` on a copy of the model: same
columns (subscripted ones named 'population[southeast,old]', as before), same times, same values
and types, with constants on request, after runs that changed values or the length, with a
TIME STEP that changes during the run, and for columns pysd's own table builder must handle.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pysd
import pytest
import xarray as xr
from pysd.py_backend.output import DataFrameHandler, ModelOutput

from cyp_dynamics import load_model
from cyp_dynamics.models import model as model_module
from cyp_dynamics.models import pysd_output
from cyp_dynamics.models.naming import tidy_column

CONTROLS = """
INITIAL TIME = 0
\t~\tMonth
\t~\tThe initial time.
\t|
FINAL TIME = 12
\t~\tMonth
\t~\tThe final time.
\t|
TIME STEP = {step}
\t~\tMonth [0,?]
\t~\tThe time step.
\t|
SAVEPER = {saveper}
\t~\tMonth [0,?]
\t~\tHow often results are saved.
\t|
"""
REGIONS = """{UTF-8}
Region: north, south east
\t~\t
\t~\tThe regions (one name with a space).
\t|
Age: young, old
\t~\t
\t~\tAge groups.
\t|
Population[Region, Age] = INTEG(Births[Region, Age] - Deaths[Region, Age], Start[Region, Age])
\t~\tpeople
\t~\tPeople by region and age.
\t|
Births[Region, Age] = Birth rate * Population[Region, Age]
\t~\tpeople/Month
\t~\tBirths.
\t|
Deaths[Region, Age] = Population[Region, Age] / Life[Age]
\t~\tpeople/Month
\t~\tDeaths.
\t|
Start[Region, Age] = 10, 20; 30, 40;
\t~\tpeople
\t~\tPeople at the start.
\t|
Life[Age] = 70, 20
\t~\tMonth
\t~\tLength of life.
\t|
Birth rate = 0.02
\t~\t1/Month [0,1]
\t~\tBirths a month per person.
\t|
Households = 3
\t~\thouseholds [0,10]
\t~\tA whole number.
\t|
Total = SUM(Population[Region!, Age!]) + Households
\t~\tpeople
\t~\tEveryone.
\t|
Share[Region] = SUM(Population[Region, Age!]) / Total
\t~\tDmnl
\t~\tEach region's share.
\t|
"""
STEPPED = """{UTF-8}
Stock = INTEG(Inflow, 1)
\t~\tpeople
\t~\tA stock.
\t|
Inflow = Rate * Stock
\t~\tpeople/Month
\t~\tIts inflow.
\t|
Rate = 0.1
\t~\t1/Month [0,1]
\t~\tGrowth a month.
\t|
"""


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


@pytest.fixture
def on_pysd(monkeypatch):
    """Models load on the pysd fallback, whatever the numpy compiler can do."""
    def unsupported(*args, **kwargs):
        raise model_module.UnsupportedModel("the numpy engine switched off by the test")

    monkeypatch.setattr(model_module, "compile_model", unsupported)


def both(tmp_path: Path, text: str):
    """The project's model on the fallback, and plain pysd's translation of a copy."""
    path = tmp_path / "ours" / "model.mdl"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    copy = tmp_path / "plain" / "model.mdl"
    copy.parent.mkdir()
    shutil.copyfile(path, copy)
    ours = quietly(load_model, path)
    assert ours.engine == "pysd"
    return ours, quietly(pysd.read_vensim, str(copy))


def plain_run(plain, ours, params=None, months=None, include_constants=False):
    """Plain pysd asked what `Model.run` asks it, from the file's values (plain pysd keeps the
    values of the run before: reloaded), columns named as the project names them."""
    names = ours.outputs + (ours.constants if include_constants else [])
    end = None if months is None and ours._dynamic_controls else ours.final_time_for(months)
    plain.reload()
    result = quietly(plain.run, params=params, return_columns=names, final_time=end)
    result.columns = [tidy_column(str(c)) for c in result.columns]
    result = result.astype(float)  # a whole-number constant (int in pysd) is a float in a run
    result.index = result.index.astype(float)
    result.index.name = ours.index_name
    return result


def test_subscripted_runs_are_plain_pysds_value_for_value(tmp_path, on_pysd):
    ours, plain = both(tmp_path, REGIONS + CONTROLS.format(step="0.125", saveper="0.5"))
    for params, months in [(None, None), ({"birth_rate": 0.05}, 6), ({"households": 4}, None)]:
        for constants in (False, True):
            mine = quietly(ours.run, params, months=months, include_constants=constants)
            theirs = plain_run(plain, ours, params, months, constants)
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    assert "population[southeast,old]" in mine.columns and "share[southeast]" in mine.columns
    assert (mine.dtypes == float).all()  # 'households' too, whatever the run before set
    assert mine.index[1] == 0.5 and len(mine) == 25  # saved every SAVEPER, not every TIME STEP


def test_runs_on_the_fallback_never_inherit_values(tmp_path, on_pysd):
    ours, _ = both(tmp_path, REGIONS + CONTROLS.format(step="0.25", saveper="TIME STEP"))
    default = quietly(ours.run)
    changed = quietly(ours.run, {"birth_rate": 0.05}, months=6)
    assert len(changed) == 25
    assert changed["total"].iloc[-1] > default.loc[6.0, "total"]
    pd.testing.assert_frame_equal(quietly(ours.run), default, check_exact=True)
    with_constants = quietly(ours.run, {"households": 5}, include_constants=True)
    assert (with_constants["households"] == 5).all()
    pd.testing.assert_frame_equal(quietly(ours.run), default, check_exact=True)


def test_a_time_step_that_changes_during_the_run(tmp_path, on_pysd):
    # TIME STEP an equation of Time: each saved time is rounded to the step of its own moment.
    ours, plain = both(tmp_path, STEPPED + CONTROLS.format(
        step="IF THEN ELSE(Time < 4, 1, 0.125)", saveper="TIME STEP"))
    mine = quietly(ours.run)
    pd.testing.assert_frame_equal(mine, plain_run(plain, ours), check_exact=True)
    assert list(mine.index[:6]) == [0, 1, 2, 3, 4, 4.125]


def test_columns_pysd_must_build_itself_give_pysds_table(tmp_path, on_pysd):
    # A column for one element ('Population[north, young]') goes through pysd's own builder.
    ours, plain = both(tmp_path, REGIONS + CONTROLS.format(step="1", saveper="1"))
    columns = ["Population[north, young]", "Total", "Share", "Households"]
    mine = quietly(ours._runner.run, {}, ours._defaults, 12, columns)
    theirs = quietly(plain.run, return_columns=columns, final_time=12).astype(float)
    theirs.index = theirs.index.astype(float)  # numbers and times as floats, as in every run
    pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


def test_values_whose_type_changes_are_left_to_pysd():
    array = xr.DataArray([1.0, 2.0], {"a": ["x", "y"]}, ["a"])
    assert pysd_output._flat_columns({"v": ("v", None)}, lambda key: [1.0, array]) is None
    assert pysd_output._flat_columns({"v": ("v", None)}, lambda key: ["a", "b"]) is None
    assert pysd_output._flat_columns({"v": ("v", None)}, lambda key: [True, 2])["v"].tolist() == [1, 2]
    assert pysd_output._flat_columns({"v[x]": ("v", ("x",))}, lambda key: [array]) is None
    columns = pysd_output._flat_columns({"v": ("v", None)}, lambda key: [array, array * 2])
    assert list(columns) == ["v[x]", "v[y]"] and columns["v[y]"].tolist() == [2.0, 4.0]


def test_the_recorder_writes_no_file_and_leaves_pysds_handlers_alone(tmp_path, monkeypatch,
                                                                     on_pysd):
    monkeypatch.chdir(tmp_path)
    ours, _ = both(tmp_path, STEPPED + CONTROLS.format(step="1", saveper="1"))
    quietly(ours.run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours", "plain"]
    assert ModelOutput.out_handlers["__default__"] is DataFrameHandler
    assert ModelOutput.out_handlers[".csv"] is DataFrameHandler
    assert np.isclose(quietly(ours.run)["stock"].iloc[-1], 1.1 ** 12)
