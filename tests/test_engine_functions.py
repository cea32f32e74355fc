"""Each Vensim function the numpy engine compiles agrees with pysd to 1e-9.

`tests/models/functions.mdl` (written for this test) uses every stateful and built-in function
the engine knows: SMOOTH, SMOOTH3, SMOOTHI, SMOOTH3I, SMOOTH N, DELAY1, DELAY1I, DELAY3, DELAY3I,
DELAY N (with a delay time that changes), a delay shorter than its order allows, DELAY FIXED,
TREND, FORECAST, SAMPLE IF TRUE, the trigonometric functions, LN, EXP, SQRT, LOG, POWER, QUANTUM,
MODULO, INTEGER, PULSE TRAIN, a table called as a function and WITH LOOKUP, ACTIVE INITIAL,
INITIAL inside an expression, ZIDZ and XIDZ at a zero. Each of its outputs is compared with
pysd's run, and a few outputs are checked against what the function should do. Models from the
SDXorg test-model suite (../shared/test-models, when present) are compared the same way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.models.engine import compile_model, read_model

from .conftest import TEST_MODELS

TOLERANCE = 1e-9
SUITE = Path(__file__).resolve().parents[2] / "shared" / "test-models"
FUNCTION_COLUMNS = [
    "smoothed", "smoothed_three", "smoothed_from_four", "smoothed_three_from_four", "smoothed_five",
    "delayed", "delayed_from_two", "delayed_three", "delayed_three_from_two", "delayed_four",
    "delayed_briefly", "delayed_exactly", "trend_of_input", "forecast_of_input", "sampled",
    "trigonometry", "logarithms", "rounding", "pulses", "looked_up", "with_lookup", "active",
    "frozen_input", "division", "stock",
]
# One or two suite models for each function (all run on the numpy engine).
SUITE_MODELS = {
    "DELAY FIXED": "tests/delay_fixed/test_delay_fixed.mdl",
    "DELAY (pipeline)": "tests/delay_pipeline/test_pipeline_delays.mdl",
    "DELAY order lowered": "tests/delay_numeric_error/test_delay_numeric_error.mdl",
    "DELAY in XMILE": "tests/delay_xmile/test_delay_xmile.xmile",
    "SMOOTH": "tests/smooth_and_stock/test_smooth_and_stock.mdl",
    "TREND": "tests/trend/test_trend.mdl",
    "TREND subscripted": "tests/subscripted_trend/test_subscripted_trend.mdl",
    "FORECAST": "tests/forecast/test_forecast.mdl",
    "SAMPLE IF TRUE": "tests/sample_if_true/test_sample_if_true.mdl",
    "trigonometry": "tests/trig/test_trig.mdl",
    "ACTIVE INITIAL": "tests/active_initial/test_active_initial.mdl",
    "INITIAL": "tests/initial_function/test_initial.mdl",
    "lookups as functions": "tests/lookups_funcnames/test_lookups_funcnames.mdl",
    "WITH LOOKUP": "tests/lookups_inline/test_lookups_inline.mdl",
    "power precedence": "tests/arithmetics_exp/test_arithmetics_exp.mdl",
    "names with accents": "tests/unicode_characters/unicode_test_model.mdl",
    "SMOOTH N, order from an equation": "tests/smooth/test_smooth.mdl",
    "DELAY N, order from an equation": "tests/delays/test_delays.mdl",
    "subranges": "tests/subscript_subranges/test_subscript_subrange.mdl",
    "VMAX VMIN PROD": "tests/subscript_aggregation/test_subscript_aggregation.mdl",
    "range names as values": "tests/subscript_logicals/test_subscript_logicals.mdl",
    "ELMCOUNT": "tests/elm_count/test_elm_count.mdl",
}


@pytest.fixture(scope="module")
def functions_runs():
    model = load_model(TEST_MODELS / "functions.mdl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model, model.run(), model.run_with_pysd()


def _difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = max(1.0, float(np.nanmax(np.abs(theirs))))
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    return float(np.max(np.where(same, 0.0, np.abs(ours - theirs)))) / scale


def test_every_function_compiles_to_numpy(functions_runs):
    model, _, _ = functions_runs
    assert model.engine == "numpy", model.engine_note


@pytest.mark.parametrize("column", FUNCTION_COLUMNS)
def test_function_agrees_with_pysd(functions_runs, column):
    _, ours, theirs = functions_runs
    assert list(ours.index) == list(theirs.index)
    assert _difference(ours[column].to_numpy(), theirs[column].to_numpy()) <= TOLERANCE


def test_functions_do_what_vensim_documents(functions_runs):
    """Guards the comparison above: each function really shapes its output."""
    _, run, _ = functions_runs
    source = run.filter(like="input").iloc[:, 0]  # the demand ('Input', named input_1 by pysd)
    assert run.delayed_exactly.loc[1.5] == 7  # DELAY FIXED: its initial value for 2 months
    assert run.delayed_exactly.loc[6.0] == pytest.approx(source.loc[4.0])  # then the input 2 months on
    assert run.smoothed_from_four.iloc[0] == 4 and run.delayed_from_two.iloc[0] == 2
    assert run.smoothed.iloc[0] == pytest.approx(source.iloc[0])  # SMOOTH starts at its input
    assert run.stock.iloc[0] == 7  # ACTIVE INITIAL's initial value, used only at the start
    assert np.allclose(run.active, 2 * run.stock)
    assert run.frozen_input.nunique() == 1
    assert run.sampled.loc[2.5] == run.sampled.loc[2.0] == pytest.approx(source.loc[2.0])
    assert run.pulses.loc[1.0] == 1 and run.pulses.loc[2.0] == 0  # the train: 1 month in 3
    assert run.pulses.loc[4.0] == 2  # the train again, and PULSE(4, 2)
    assert run.looked_up.iloc[-1] == 5  # the table is held beyond its last point
    # a third-order smooth lags a first-order one after the step in month 2
    assert run.smoothed_three.loc[3.0] < run.smoothed.loc[3.0]


def test_single_runs_and_many_runs_agree():
    """A single run (the float version) equals the same run among many (the numpy version)."""
    elements, ranges = read_model(TEST_MODELS / "functions.mdl")
    compiled = compile_model(elements, ranges)
    constants = {"averaging_time": 3.0, "delay_time": 2.0, "initial_time": 0.0,
                 "final_time": 12.0, "time_step": 0.25, "saveper": 0.5}
    _, single = compiled.simulate({k: np.array([v]) for k, v in constants.items()},
                                      0, 12, 0.25, 0.5, 1)
    other = dict(constants, averaging_time=5.0, delay_time=1.0)
    _, many = compiled.simulate({k: np.array([constants[k], other[k], constants[k]])
                                 for k in constants}, 0, 12, 0.25, 0.5, 3)
    for column, values in single.items():
        assert _difference(values[:, 0], many[column][:, 0]) <= 1e-12, column
        assert np.array_equal(many[column][:, 0], many[column][:, 2], equal_nan=True), column


def test_a_division_by_zero_gives_numpys_answer_in_a_single_run(tmp_path):
    """Floats raise where numpy gives inf; the engine then runs numpy, so a single run never
    raises and equals the same run among many."""
    path = tmp_path / "divide.mdl"
    path.write_text("{UTF-8}\nRatio=\n\t1 / (Time - 2)\n\t~\tDmnl\n\t~\t|\n\n"
                    "Total= INTEG(Ratio, 0)\n\t~\tDmnl\n\t~\t|\n\n"
                    "FINAL TIME = 4\n\t~\tMonth\n\t~\t|\nINITIAL TIME = 0\n\t~\tMonth\n\t~\t|\n"
                    "SAVEPER = 1\n\t~\tMonth\n\t~\t|\nTIME STEP = 1\n\t~\tMonth\n\t~\t|\n")
    model = load_model(path)
    assert model.engine == "numpy"
    run = model.run()
    assert np.isinf(run.ratio.loc[2.0]) and run.ratio.loc[3.0] == 1.0


def test_subscripted_single_runs_equal_numpy_arrays():
    """Subscripted models run element by element on floats for one run, and as arrays for many."""
    model = load_model("child_poverty_and_health")
    samples = __import__("pandas").DataFrame([model.resolve({}), model.resolve({"exit_rise_percent": 40})])
    together = model.simulate_many(samples)
    single = model.run()
    scale = max(1.0, float(single.abs().max().max()))
    assert float((together.loc[0].to_numpy() - single.to_numpy()).__abs__().max()) <= 1e-12 * scale


@pytest.mark.parametrize("feature", list(SUITE_MODELS))
def test_suite_model_agrees_with_pysd(feature):
    if not SUITE.is_dir():
        pytest.skip(f"the SDXorg test-model suite is not at {SUITE} (it is only on the "
                    "project's own machines); the small models above still test each function")
    model = load_model(SUITE / SUITE_MODELS[feature])
    assert model.engine == "numpy", model.engine_note
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = model.run(), model.run_with_pysd()
    shared = [c for c in ours.columns if c in theirs.columns]
    assert shared and list(ours.index) == list(theirs.index)
    for column in shared:
        assert _difference(ours[column].to_numpy(float), theirs[column].to_numpy(float)) <= TOLERANCE, column


def test_subranges_and_array_functions_agree_with_pysd():
    """`tests/models/subranges.mdl`: a variable defined on a subrange and on the element left,
    SUM over a subrange, VMAX, VMIN and PROD, and SMOOTH and DELAY FIXED element by element."""
    model = load_model(TEST_MODELS / "subranges.mdl")
    assert model.engine == "numpy", model.engine_note
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = model.run(), model.run_with_pysd()
    assert list(ours.columns) == list(theirs.columns)
    for column in ours.columns:
        assert _difference(ours[column].to_numpy(), theirs[column].to_numpy()) <= TOLERANCE, column
    assert ours["total_under_twenty"].iloc[-1] == pytest.approx(
        ours["served[young]"].iloc[-1] + ours["served[middle]"].iloc[-1])
    assert ours["largest"].loc[2.5] == 30 and ours["product"].iloc[0] == 6
    many = model.simulate_many(__import__("pandas").DataFrame([model.resolve({})] * 2))
    assert np.array_equal(many.loc[1].to_numpy(), ours.to_numpy())


def test_simulate_table_gives_the_run_in_one_array():
    elements, ranges = read_model(TEST_MODELS / "regions.mdl")
    compiled = compile_model(elements, ranges)
    constants = {e.py_name: np.array([float(e.ast)]) for e in elements
                 if e.kind == "constant" and not e.subscripted}
    controls = {e.py_name: float(e.ast) for e in elements if e.kind == "control"}
    constants.update({k: np.array([v]) for k, v in controls.items()})
    args = (controls["initial_time"], controls["final_time"], controls["time_step"], controls["saveper"])
    columns = [c for name in reversed(compiled.output_names) for c in compiled.columns_of(name)]
    times, table = compiled.simulate_table(constants, *args, columns)
    same_times, results = compiled.simulate(constants, *args, 1)
    assert np.array_equal(times, same_times) and table.shape == (len(times), len(columns))
    for i, column in enumerate(columns):
        assert np.array_equal(table[:, i], results[column][:, 0]), column


def test_table_kinds_continue_or_hold_as_pysd_does():
    """XMILE tables that extrapolate continue their end segments (pysd's `extrapolate`); held
    tables step (pysd's `hold_backward`); both forms (numpy and float) give the same numbers."""
    from cyp_dynamics.models.engine import functions as f

    xs, ys = np.array([0.0, 1.0, 3.0]), np.array([2.0, 4.0, 0.0])
    points = [-2.0, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0]
    extrapolated = [f._lookup_extrapolate(np.array([x]), xs, ys)[0] for x in points]
    assert extrapolated == pytest.approx([-2.0, 2.0, 3.0, 4.0, 2.0, 0.0, -4.0])
    assert [f._s_lookup_extrapolate(x, xs.tolist(), ys.tolist()) for x in points] == pytest.approx(extrapolated)
    held = [f._lookup_hold(np.array([x]), xs, ys)[0] for x in points]
    assert held == [2.0, 2.0, 2.0, 4.0, 4.0, 0.0, 0.0]
    assert [f._s_lookup_hold(x, xs.tolist(), ys.tolist()) for x in points] == held
    assert [f._s_lookup(x, xs.tolist(), ys.tolist()) for x in points] == pytest.approx(np.interp(points, xs, ys))
