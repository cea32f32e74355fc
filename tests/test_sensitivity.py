"""Global sensitivity (analysis.sensitivity): Sobol indices of the Ishigami function against their
analytic values, Morris screening that finds the inputs that matter, and plain errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis.sensitivity import analyse, sample_for, sensitivity, sensitivity_of

PI = math.pi
ISHIGAMI_RANGES = {"x1": (-PI, PI), "x2": (-PI, PI), "x3": (-PI, PI)}
A, B = 7.0, 0.1


def ishigami(samples: pd.DataFrame) -> np.ndarray:
    x1, x2, x3 = (samples[c].to_numpy() for c in ("x1", "x2", "x3"))
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3 ** 4 * np.sin(x1)


def ishigami_indices() -> dict[str, tuple[float, float]]:
    """Analytic first-order and total indices (Ishigami and Homma 1990; Sobol' and Levitan 1999)."""
    v1 = 0.5 * (1 + B * PI ** 4 / 5) ** 2
    v2 = A ** 2 / 8
    v13 = B ** 2 * PI ** 8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return {"x1": (v1 / total, (v1 + v13) / total), "x2": (v2 / total, v2 / total),
            "x3": (0.0, v13 / total)}


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values():
    table = sensitivity_of(ishigami, ISHIGAMI_RANGES, method="sobol", runs=4096, seed=1)
    for name, (first, total) in ishigami_indices().items():
        assert table.loc[name, "first_order"] == pytest.approx(first, abs=0.03), name
        assert table.loc[name, "total"] == pytest.approx(total, abs=0.03), name
    assert list(table.index) == ["x1", "x2", "x3"]  # ranked by total index
    assert list(table["rank"]) == [1, 2, 3]
    assert table.attrs["runs"] == 4096 * (3 + 2)


def test_morris_sets_aside_an_input_that_does_nothing():
    ranges = {**ISHIGAMI_RANGES, "idle": (0.0, 1.0)}
    table = sensitivity_of(ishigami, ranges, method="morris", runs=30, seed=2)
    assert table.index[-1] == "idle" and table.loc["idle", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.attrs["runs"] == 30 * (4 + 1)


def test_a_fixed_seed_gives_the_same_table():
    first = sensitivity_of(ishigami, ISHIGAMI_RANGES, method="sobol", runs=256, seed=5)
    again = sensitivity_of(ishigami, ISHIGAMI_RANGES, method="sobol", runs=256, seed=5)
    pd.testing.assert_frame_equal(first, again)


def test_on_a_model_the_input_that_drives_the_list_comes_first():
    """In the CAMHS system model, referrals' deterioration drives the list; the crisis rate, which
    only counts crises, barely does."""
    model = load_model("camhs_system")
    table = sensitivity(model, "waiting_list", {"deterioration_rate": (0.01, 0.03),
                                                "crisis_rate": (0.02, 0.04)},
                        method="sobol", runs=128, months=36)
    assert table.index[0] == "deterioration_rate"
    assert table.loc["deterioration_rate", "total"] > 10 * abs(table.loc["crisis_rate", "total"])
    assert table.loc["deterioration_rate", "label"] == "Deterioration rate"


def test_a_metric_can_be_any_function_of_the_runs():
    model = load_model("camhs_system")
    peak = sensitivity(model, lambda runs: runs["waiting_list"].groupby(level=0).max(),
                       {"deterioration_rate": (0.01, 0.03), "crisis_rate": (0.02, 0.04)},
                       method="morris", runs=4, months=24)
    assert peak.index[0] == "deterioration_rate"


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "fast"}, "morris"),
    ({"runs": 1}, "whole number"),
    ({"ranges": {"deterioration_rate": (0.03, 0.01)}}, "down to"),
    ({"ranges": {"deterioration_rate": (0.02, 0.02)}}, "low below high"),
    ({"ranges": {"deterioration_rate": (0.01, 0.03)}, "params": {"deterioration_rate": 0.02}}, "both"),
    ({"metric": "no_such_output"}, "no_such_output"),
])
def test_mistakes_are_answered_with_what_to_fix(kwargs, message):
    model = load_model("camhs_system")
    arguments = {"metric": "waiting_list", "ranges": {"deterioration_rate": (0.01, 0.03)},
                 "months": 12, **kwargs}
    with pytest.raises((ValueError, TypeError, KeyError), match=message):
        sensitivity(model, **arguments)


def test_results_must_be_one_finite_number_per_sample():
    samples = sample_for("morris", {"x": (0, 1), "y": (0, 1)}, runs=4)
    with pytest.raises(ValueError, match="one result per sample"):
        analyse("morris", samples, [1.0, 2.0], {"x": (0, 1), "y": (0, 1)})
    values = np.ones(len(samples))
    values[3] = np.nan
    with pytest.raises(ValueError, match="not a finite number"):
        analyse("morris", samples, values, {"x": (0, 1), "y": (0, 1)})
