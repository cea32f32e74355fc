"""Global sensitivity: which uncertain inputs drive the spread in an output, with SALib.

Two methods, used in that order on a model with many uncertain inputs:

- **Morris screening** (`method="morris"`): a few runs per input, each moving one input at a time
  along random paths through the ranges. `mu_star` is the average size of the change one step in
  that input makes to the output (in the output's unit); inputs with a small `mu_star` can be
  held at their defaults. Cheap: (inputs + 1) runs per path.
- **Sobol indices** (`method="sobol"`): how much of the output's variance each input explains,
  on its own (`first_order`, a share from 0 to 1) and with all its interactions (`total`).
  Needs more runs: (inputs + 2) per base sample, so screen first.

Both assume each input varies independently and uniformly over its range; inputs whose estimates
are correlated (as calibrated ones often are) are treated as if they were not.
`sensitivity(model, ...)` runs a model through `ensemble`; `sensitivity_of(function, ...)` does
the same for any Python function of a table of samples (used in tests with known answers).
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..models import Model
from .ensemble import _checked_ranges, ensemble

METHODS = ("morris", "sobol")
DEFAULT_RUNS = {"morris": 20, "sobol": 512}  # paths for Morris; base samples for Sobol
MORRIS_LEVELS = 4


def _checked_method(method: Any) -> str:
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"method must be 'morris' (screening) or 'sobol' (variance shares); "
                         f"you gave {method!r}.")
    return method.lower()


def _checked_runs(runs: Any, method: str) -> int:
    if runs is None:
        return DEFAULT_RUNS[method]
    if isinstance(runs, bool) or not isinstance(runs, Real) or not float(runs).is_integer() or runs < 2:
        raise ValueError(f"runs must be a whole number of 2 or more (Morris paths, or Sobol base "
                         f"samples such as 512); you gave {runs!r}.")
    return int(runs)


def _checked_bounds(ranges: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Plain (low, high) pairs with low < high; raises with what to fix."""
    if not isinstance(ranges, Mapping) or not ranges:
        raise TypeError("ranges must be a dictionary of (low, high) pairs, one per uncertain input, "
                        f"e.g. {{'deterioration_rate': (0.01, 0.03)}}; you gave {ranges!r}.")
    checked = {}
    for name, pair in ranges.items():
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise TypeError(f"The range for '{name}' must be a pair (low, high); you gave {pair!r}.")
        low, high = (float(v) for v in pair)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError(f"The range for '{name}' must be two finite numbers; you gave {pair!r}.")
        if not low < high:
            raise ValueError(f"The range for '{name}' is ({low:g}, {high:g}): sensitivity needs "
                             "low below high. To hold an input fixed, give it in params instead.")
        checked[str(name)] = (low, high)
    return checked


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    return {"num_vars": len(bounds), "names": list(bounds), "bounds": [list(b) for b in bounds.values()]}


def sample_for(method: str, ranges: Mapping[str, tuple[float, float]], runs: int | None = None,
               seed: int = 0) -> pd.DataFrame:
    """The inputs SALib asks for: one row per run, one column per input (fixed `seed`)."""
    method = _checked_method(method)
    bounds = _checked_bounds(ranges)
    count = _checked_runs(runs, method)
    problem = _problem(bounds)
    if method == "morris":
        from SALib.sample import morris as morris_sample

        values = morris_sample.sample(problem, count, num_levels=MORRIS_LEVELS, seed=seed)
    else:
        from SALib.sample import sobol as sobol_sample

        with warnings.catch_warnings():  # SALib warns when the count is not a power of 2
            warnings.simplefilter("ignore")
            values = sobol_sample.sample(problem, count, calc_second_order=False, seed=seed)
    return pd.DataFrame(values, columns=list(bounds))


def analyse(method: str, samples: pd.DataFrame, results: Any,
            ranges: Mapping[str, tuple[float, float]], seed: int = 0) -> pd.DataFrame:
    """The tidy table of indices for `results` (one number per row of `samples`), ranked."""
    method = _checked_method(method)
    bounds = _checked_bounds(ranges)
    problem = _problem(bounds)
    outcome = np.asarray(results, dtype=float).ravel()
    if len(outcome) != len(samples):
        raise ValueError(f"There are {len(samples)} samples but {len(outcome)} results: give one "
                         "result per sample, in the same order.")
    if not np.all(np.isfinite(outcome)):
        bad = int(np.flatnonzero(~np.isfinite(outcome))[0])
        raise ValueError(f"Result {bad} is not a finite number ({outcome[bad]!r}); check the metric "
                         "for that run's inputs.")
    if method == "morris":
        from SALib.analyze import morris as morris_analyse

        found = morris_analyse.analyze(problem, samples.to_numpy(dtype=float), outcome,
                                       num_levels=MORRIS_LEVELS, seed=seed)
        table = pd.DataFrame({"mu_star": found["mu_star"], "mu_star_conf": found["mu_star_conf"],
                              "mu": found["mu"], "sigma": found["sigma"]}, index=list(bounds))
        total = table["mu_star"].sum()
        table["share"] = table["mu_star"] / total if total > 0 else 0.0
        measure = "mu_star"
    else:
        from SALib.analyze import sobol as sobol_analyse

        with np.errstate(divide="ignore", invalid="ignore"):
            found = sobol_analyse.analyze(problem, outcome, calc_second_order=False, seed=seed)
        table = pd.DataFrame({"first_order": found["S1"], "first_order_conf": found["S1_conf"],
                              "total": found["ST"], "total_conf": found["ST_conf"]},
                             index=list(bounds))
        measure = "total"
    table.insert(0, "low", [b[0] for b in bounds.values()])
    table.insert(1, "high", [b[1] for b in bounds.values()])
    table = table.sort_values(measure, ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    table.index.name = "parameter"
    table.attrs.update({"method": method, "runs": len(samples), "measure": measure})
    return table


def sensitivity_of(function: Callable[[pd.DataFrame], Any], ranges: Mapping[str, tuple[float, float]],
                   method: str = "morris", runs: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Sensitivity of any function of a table of inputs (one row per run) to each input.

    `function(samples)` returns one number per row. Returns one row per input, most influential
    first: for Morris `mu_star` (the output's unit), `mu_star_conf`, `mu`, `sigma` and `share`
    (mu_star as a share of their sum); for Sobol `first_order`, `total` and their 95%
    confidence half-widths (shares of variance, 0 to 1). Also `low`, `high` and `rank`.
    """
    method = _checked_method(method)
    samples = sample_for(method, ranges, runs, seed)
    return analyse(method, samples, function(samples), ranges, seed)


def metric_values(result: pd.DataFrame, metric: str | Callable[[pd.DataFrame], Any],
                  at: float | None = None) -> pd.Series:
    """One number per run of an `ensemble` result: `metric` (an output) at time `at` (default the
    last time), or `metric(result)` for a function returning one value per run."""
    if callable(metric):
        values = pd.Series(metric(result))
        runs = result.index.get_level_values("run").unique()
        if len(values) != len(runs):
            raise ValueError(f"The metric gave {len(values)} values for {len(runs)} runs: it must "
                             "give one value per run (e.g. result.groupby('run')['x'].max()).")
        return values
    if metric not in result.columns:
        raise ValueError(f"{metric!r} is not among the outputs run ({', '.join(result.columns)}).")
    times = result.index.get_level_values(1)
    when = float(times.max()) if at is None else float(at)
    chosen = np.isclose(times.to_numpy(dtype=float), when)
    if not chosen.any():
        raise ValueError(f"No results at time {when:g}: the runs are saved from {times.min():g} to "
                         f"{times.max():g}.")
    return result.loc[chosen, metric].droplevel(1)


def sensitivity(model: Model, metric: str | Callable[[pd.DataFrame], Any],
                ranges: Mapping[str, tuple[float, float]], method: str = "morris",
                runs: int | None = None, at: float | None = None,
                params: Mapping[str, float] | None = None, months: float | None = None,
                seed: int = 0) -> pd.DataFrame:
    """How much of the spread in `metric` each uncertain input of `model` causes.

    `metric` is an output name (its value at time `at`, default the end of the run) or a
    function of the `ensemble` result giving one value per run. `ranges` maps each uncertain
    input to (low, high) inside the model's own range; `params` holds other inputs fixed for
    every run (e.g. calibrated values). `runs` is Morris paths (default 20, so 20 x (inputs + 1)
    model runs) or Sobol base samples (default 512, so 512 x (inputs + 2) runs).
    Returns the table `sensitivity_of` describes, with each input's `label` from the model.
    """
    method = _checked_method(method)
    checked = _checked_ranges(model, dict(ranges))
    fixed = {model.parameter_name(k): model.check_value(model.parameter_name(k), v)
             for k, v in (params or {}).items()}
    both = set(fixed) & set(checked)
    if both:
        raise ValueError(f"{', '.join(sorted(both))} is both fixed (params) and uncertain (ranges); "
                         "give it in one of them.")
    outputs = None if callable(metric) else [metric]
    if outputs:
        model.check_outputs(outputs)

    def run_model(samples: pd.DataFrame) -> np.ndarray:
        table = samples.assign(**fixed)
        result = ensemble(model, table, outputs=outputs, months=months, progress=False)
        return metric_values(result, metric, at).to_numpy(dtype=float)

    table = sensitivity_of(run_model, checked, method, runs, seed)
    labels = model.parameters["label"]
    table.insert(0, "label", [str(labels.get(name, name)) for name in table.index])
    return table
