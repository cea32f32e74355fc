"""The numpy engine agrees with pysd's own integrator, and falls back to pysd when it must."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyp_dynamics import load_model
from cyp_dynamics.models.engine import UnsupportedModel

from .conftest import TEST_MODELS

TOLERANCE = 1e-9


def _max_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    assert list(a.index) == list(b.index)
    assert list(a.columns) == list(b.columns)
    return float((a - b).abs().to_numpy().max())


@pytest.mark.parametrize("file", ["features.mdl", "tea_cup.xmile"])
def test_independent_models_match_pysd(file):
    model = load_model(TEST_MODELS / file)
    assert model.engine == "numpy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pysd warns when a table extrapolates
        assert _max_difference(model.run(), model.run_with_pysd()) <= TOLERANCE


def test_features_model_uses_every_compiled_function():
    """Guards the test above: the model really exercises steps, pulses, ramps, tables, INITIAL."""
    run = load_model(TEST_MODELS / "features.mdl").run()
    admissions = run.admissions
    assert admissions.loc[3.0] > admissions.loc[2.5]  # pulse in month 3
    assert admissions.loc[6.0] > admissions.loc[4.5]  # step at month 5 and the ramp
    assert run.starting_occupancy.nunique() == 1  # INITIAL is frozen
    assert run.pressure.min() < 0 < run.pressure.max() or run.pressure.abs().max() > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_camhs_matches_pysd_on_random_parameters(camhs, data):
    params = {}
    for name, row in camhs.parameters.iterrows():
        params[name] = data.draw(st.floats(row["min"], row["max"], allow_nan=False), label=name)
    assert _max_difference(camhs.run(params), camhs.run_with_pysd(params)) <= TOLERANCE


UNSUPPORTED = """{UTF-8}
Demand=
	10 + STEP(5, 3) + 0 * GET TIME VALUE(2, 0, 7)
	~	people/Month
	~	Uses GET TIME VALUE of the computer's clock, which the fast engine does not compile, so pysd runs it.
	|

Averaging time=
	2
	~	Month [0.5,12]
	~	Averaging time.
	|

Perceived demand=
	SMOOTH(Demand, Averaging time)
	~	people/Month
	~	The demand, smoothed.
	|

FINAL TIME = 12
	~	Month
	~	|
INITIAL TIME = 0
	~	Month
	~	|
SAVEPER = 1
	~	Month
	~	|
TIME STEP = 0.25
	~	Month
	~	|
"""


def test_unsupported_features_fall_back_to_pysd(tmp_path):
    path = tmp_path / "unsupported.mdl"
    path.write_text(UNSUPPORTED)
    model = load_model(path)
    assert model.engine == "pysd"
    assert "get_time_value" in model.engine_note
    run = model.run({"averaging_time": 4})
    assert run.index.name == "month"
    assert run.perceived_demand.iloc[-1] > 14  # SMOOTH follows the step from 10 to 15
    with pytest.raises(UnsupportedModel):
        model.simulate_many(pd.DataFrame([{"averaging_time": 2.0}]))


def test_smooth_runs_on_the_numpy_engine():
    """SMOOTH once sent a model to pysd; the engine now compiles it (tests/test_engine_functions.py)."""
    model = load_model(TEST_MODELS / "smoothing.mdl")
    assert model.engine == "numpy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert _max_difference(model.run({"averaging_time": 4}),
                               model.run_with_pysd({"averaging_time": 4})) <= TOLERANCE


def test_many_runs_at_once_equal_single_runs(camhs):
    samples = pd.DataFrame({"clinicians": [30.0, 49.0, 80.0], "closure_rate": [0.0, 0.115, 0.3]})
    full = pd.DataFrame([camhs.resolve(row) for row in samples.to_dict("records")])
    together = camhs.simulate_many(full)
    for i, row in enumerate(samples.to_dict("records")):
        assert np.array_equal(together.loc[i].to_numpy(), camhs.run(row).to_numpy())


def test_loading_writes_nothing_beside_the_model_file(tmp_path):
    """Installed packages may be read-only: translations go to the cache, never beside the file."""
    source = (TEST_MODELS / "smoothing.mdl").read_text()
    model_file = tmp_path / "mine.mdl"
    model_file.write_text(source)
    model = load_model(model_file)
    model.run()
    model.run_with_pysd()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.mdl"]


def test_course_model_folder_stays_clean(camhs):
    from cyp_dynamics.models import models_folder

    before = sorted(p.name for p in models_folder().iterdir() if p.suffix != ".pyc")
    camhs.run_with_pysd()
    after = sorted(p.name for p in models_folder().iterdir() if p.suffix != ".pyc")
    assert before == after
    assert not any(name.endswith(".py") and name[:-3] + ".mdl" in after for name in after)


# ---- subscripts ----------------------------------------------------------------------------
SUBSCRIPTED_CASES = [
    ("regions.mdl", {}),
    ("regions.mdl", {"urgent_priority": 8, "surge_percent": 60, "appointments_per_clinician": 6}),
    ("child_poverty_and_health", {}),
    ("child_poverty_and_health", {"exit_rise_percent": 30, "entry_cut_percent": 20,
                                  "shock_entry_rise_percent": 80, "early_years_support_coverage": 0.7,
                                  "births_into_poverty_multiplier": 1.3, "policy_start_year": 2020}),
]


def _subscripted_model(source: str):
    return load_model(TEST_MODELS / source if source.endswith(".mdl") else source)


@pytest.mark.parametrize("source, params", SUBSCRIPTED_CASES)
def test_subscripted_models_match_pysd_in_every_column(source, params):
    """Same columns (name[element,...]) in pysd's order, same times, equal to rounding error."""
    model = _subscripted_model(source)
    assert model.engine == "numpy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pysd: 'Priority weight' mixes kinds
        fast, reference = model.run(params), model.run_with_pysd(params)
    assert any("[" in c for c in fast.columns)
    assert _max_difference(fast, reference) <= TOLERANCE * max(1.0, float(reference.abs().max().max()))


def test_regions_model_exercises_element_equations_sums_and_lists():
    """Guards the test above: element-by-element equations, SUM over one and two ranges,
    a constant list and a subscripted constant all shape the result."""
    run = _subscripted_model("regions.mdl").run()
    waiting = run.filter(regex=r"^waiting\[").iloc[-1]
    assert len(waiting) == 4
    assert run["total_waiting"].iloc[-1] == pytest.approx(waiting.sum())
    assert run["waiting_by_urgency[urgent]"].iloc[-1] == pytest.approx(
        waiting["waiting[north,urgent]"] + waiting["waiting[south,urgent]"])
    assert (run["escalated[north,urgent]"] == 0).all() and (run["escalated[north,routine]"] > 0).all()
    assert run["referrals[north,routine]"].loc[7.0] == pytest.approx(120)  # the surge from month 6
    assert run["waiting[north,routine]"].iloc[-1] > run["waiting[south,routine]"].iloc[-1]
    frozen = run["waiting_at_start[north]"]  # INITIAL of a SUM, per region
    assert frozen.nunique() == 1 and frozen.iloc[0] == pytest.approx(400)
    assert run["change_in_waiting_since_start[north]"].iloc[-1] > 0


def test_course_model_with_subscripts_matches_pysd_on_random_parameters():
    from cyp_dynamics import sample_parameters

    model = _subscripted_model("child_poverty_and_health")
    for _, row in sample_parameters(model, runs=3, seed=11).iterrows():
        params = row.to_dict()
        fast, reference = model.run(params, 12), model.run_with_pysd(params, 12)
        scale = max(1.0, float(reference.abs().max().max()))
        assert _max_difference(fast, reference) <= TOLERANCE * scale, params


def test_subscripted_many_runs_at_once_equal_single_runs():
    model = _subscripted_model("child_poverty_and_health")
    samples = pd.DataFrame([model.resolve({"exit_rise_percent": 0}),
                            model.resolve({"exit_rise_percent": 40, "uk_poverty_entry_rate": 0.3})])
    together = model.simulate_many(samples)
    for i, row in samples.iterrows():
        single = model.run(row.to_dict())
        assert list(together.columns) == list(single.columns)
        assert np.array_equal(together.loc[i].to_numpy(), single.to_numpy())


@pytest.mark.parametrize("equations, reason", [
    ("Young: a, b\n~~|\nX[Young]= 1 ~~|\nX[c]= 2\n~~|\n", ""),  # subranges: compiled
    ("Y[Age]= 1\n~~|\n", ""),  # compiled: the control for the case below
    ("X= VMAX(Y[Age!])\n~~|\nY[Age]= 1, 2, 3\n~~|\n", ""),  # compiled since VMAX is known
    ("X= ELMCOUNT(Age)\n~~|\n", "function elmcount"),
])
def test_subscript_features_the_engine_lacks_fall_back_to_pysd(tmp_path, equations, reason):
    text = ("{UTF-8}\nAge: a, b, c\n~~|\n" + equations + "Z= INTEG(1, 0)\n~~|\n"
            "FINAL TIME = 2\n~~|\nINITIAL TIME = 0\n~~|\nSAVEPER = 1\n~~|\nTIME STEP = 1\n~~|\n")
    path = tmp_path / "subscripted.mdl"
    path.write_text(text)
    model = load_model(path)
    if not reason:
        assert model.engine == "numpy"
        return
    assert model.engine == "pysd"
    assert reason in model.engine_note
    assert model.run().shape[0] == 3
