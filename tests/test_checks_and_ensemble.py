"""Behaviour checks on known series, and ensembles equal to single runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import ensemble, sample_parameters
from cyp_dynamics.analysis import (at_or_below, declines, does_not_return, goal_seeking, grows,
                                   returns_to_baseline, settles_by, stays_between)

TIME = np.arange(0, 37, dtype=float)
RISING = pd.Series(100 + 5 * TIME, index=TIME)
FALLING = pd.Series(100 - 2 * TIME, index=TIME)
SEEKING = pd.Series(50 + 50 * np.exp(-TIME / 4), index=TIME)  # from 100 towards 50
OVERSHOOT = pd.Series(50 + 50 * np.exp(-TIME / 4) * np.cos(TIME), index=TIME)
FLAT = pd.Series(np.full(37, 7.0), index=TIME)


@pytest.mark.parametrize("check, series, expected", [
    (grows, RISING, True), (grows, FALLING, False), (grows, FLAT, False),
    (declines, FALLING, True), (declines, RISING, False), (declines, FLAT, False),
])
def test_direction_checks(check, series, expected):
    result = check(series)
    assert bool(result) is expected
    assert "from" in result.message


def test_goal_seeking_needs_a_steady_approach():
    assert goal_seeking(SEEKING, 50)
    assert not goal_seeking(OVERSHOOT, 50)
    assert not goal_seeking(RISING, 50)
    assert "does not reach" in goal_seeking(RISING, 50).message


def test_settling_and_returning():
    assert settles_by(SEEKING, 30, tolerance=0.01)
    assert not settles_by(RISING, 30)
    assert "ends before" in settles_by(RISING, 99).message
    bump = pd.Series(np.where((TIME > 5) & (TIME < 15), 120.0, 100.0), index=TIME)
    assert returns_to_baseline(bump)
    assert not does_not_return(bump)
    step = pd.Series(np.where(TIME > 5, 120.0, 100.0), index=TIME)
    assert does_not_return(step)
    assert "20 above its baseline" in does_not_return(step).message


def test_level_checks():
    assert at_or_below(FALLING, 60, by=24)
    assert not at_or_below(FALLING, 40, by=24)
    assert stays_between(SEEKING, 50, 100)
    assert not stays_between(RISING, 0, 150)


def test_empty_series_is_a_plain_error():
    with pytest.raises(ValueError, match="empty"):
        grows([])


def test_ensemble_rows_equal_single_runs(camhs):
    samples = sample_parameters(camhs, 40, seed=3)
    result = ensemble(camhs, samples, progress=False)
    assert result.index.names == ["run", "month"]
    for run in [0, 17, 39]:
        single = camhs.run(samples.loc[run].to_dict())
        assert np.array_equal(result.loc[run].to_numpy(), single.to_numpy())


def test_ensemble_keeps_other_parameters_at_defaults_and_selects_outputs(camhs):
    samples = pd.DataFrame({"clinicians": [40, 60]}, index=["fewer", "more"])
    result = ensemble(camhs, samples, outputs=["waiting_list"], months=12)
    assert list(result.columns) == ["waiting_list"]
    assert result.loc["fewer"].waiting_list.iloc[-1] > result.loc["more"].waiting_list.iloc[-1]
    assert len(result.loc["more"]) == 13


def test_ensemble_through_pysd_for_models_it_cannot_compile():
    from cyp_dynamics import load_model

    from .conftest import TEST_MODELS

    model = load_model(TEST_MODELS / "smoothing.mdl")
    samples = pd.DataFrame({"averaging_time": [1.0, 6.0]})
    result = ensemble(model, samples, progress=False)
    assert result.loc[0].perceived_demand.iloc[-1] > result.loc[1].perceived_demand.iloc[-1]


def test_ensemble_bad_input_messages(camhs):
    with pytest.raises(ValueError, match="DataFrame"):
        ensemble(camhs, [{"clinicians": 4}])
    with pytest.raises(ValueError, match="'clinicans' is not a parameter"):
        ensemble(camhs, pd.DataFrame({"clinicans": [4]}))
    with pytest.raises(ValueError, match="between 0 and 300 FTE; you gave 400"):
        ensemble(camhs, pd.DataFrame({"clinicians": [40, 400]}))
    with pytest.raises(ValueError, match="holds text"):
        ensemble(camhs, pd.DataFrame({"clinicians": [40, "many"]}))
    with pytest.raises(ValueError, match="Unknown output"):
        ensemble(camhs, pd.DataFrame({"clinicians": [40]}), outputs=["queue"])


def test_latin_hypercube_sample_covers_each_range(camhs):
    samples = sample_parameters(camhs, 200, ranges={"clinicians": (20, 80), "closure_rate": (0, 0.3)})
    assert list(samples.columns) == ["clinicians", "closure_rate"]
    assert samples.clinicians.between(20, 80).all() and samples.closure_rate.between(0, 0.3).all()
    # Latin hypercube: exactly one draw in each of 200 equal slices of the range
    slices = np.floor((samples.clinicians - 20) / 60 * 200).clip(0, 199)
    assert slices.nunique() == 200
    with pytest.raises(ValueError, match="between 0 and 300"):
        sample_parameters(camhs, 10, ranges={"clinicians": (-1, 80)})


def test_ensemble_of_a_subscripted_model_gives_every_element_of_an_output():
    from cyp_dynamics import load_model

    model = load_model("child_poverty_and_health")
    samples = sample_parameters(model, runs=3, seed=2)
    runs = ensemble(model, samples, outputs=["poverty_share", "year_6_obesity[coastal]"], months=10)
    assert list(runs.columns) == ["poverty_share[coastal]", "poverty_share[inner_city]",
                                  "poverty_share[uk_average]", "year_6_obesity[coastal]"]
    single = model.run(samples.iloc[1].to_dict(), 10)[list(runs.columns)]
    np.testing.assert_array_equal(runs.loc[1].to_numpy(), single.to_numpy())
