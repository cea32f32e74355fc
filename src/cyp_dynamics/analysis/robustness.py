"""Policies under uncertainty: run each policy across the same plausible worlds and compare.

A *world* is one row of an ensemble's samples (one set of values for the uncertain inputs).
Every policy meets every world, so policies are compared like with like. For each policy,
`policy_robustness` reports

- `chance_beats_baseline`: the share of worlds in which it does better than the baseline (today's
  path) by more than `tolerance`;
- `median` and `worst_plausible`: the middle outcome, and the outcome at the bad end (the 95th
  percentile when lower is better; the 5th when higher is better);
- `mean_regret` and `max_regret`: in each world, regret is how much worse the policy does than the
  best policy in that world (0 for the best); a robust choice keeps its largest regret small.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ..models import Model
from .ensemble import ensemble
from .scenarios import Scenarios
from .sensitivity import metric_values

WORST_SHARE = 0.95  # the "worst plausible" outcome: 1 world in 20 is worse


def policy_outcomes(model: Model, scenarios: Scenarios, samples: pd.DataFrame,
                    metric: str | Callable[[pd.DataFrame], Any], names: Iterable[str] | None = None,
                    at: float | None = None, months: float | None = None,
                    params: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One row per world (row of `samples`), one column per scenario name: `metric` in that world.

    Each run takes the world's values, then `params`, then the scenario's own settings on top,
    so a policy lever the scenario sets wins over a sampled value. `metric` is an output name
    (its value at time `at`, default the end) or a function of the `ensemble` result.
    """
    chosen = list(scenarios.names if names is None else names)
    outputs = None if callable(metric) else [metric]
    columns = {}
    for name in chosen:
        settings = {**dict(params or {}), **scenarios.parameters(name)}
        table = samples.assign(**settings)
        result = ensemble(model, table, outputs=outputs, months=months, progress=False)
        columns[name] = metric_values(result, metric, at).to_numpy(dtype=float)
    return pd.DataFrame(columns, index=samples.index)


def regret(outcomes: pd.DataFrame, lower_is_better: bool = True) -> pd.DataFrame:
    """In each world (row), how much worse each policy (column) does than the best one there."""
    _check_outcomes(outcomes)
    if lower_is_better:
        return outcomes.sub(outcomes.min(axis=1), axis=0)
    return -outcomes.sub(outcomes.max(axis=1), axis=0)


def _check_outcomes(outcomes: Any) -> None:
    if not isinstance(outcomes, pd.DataFrame) or outcomes.empty:
        raise ValueError("outcomes must be a table with one row per world and one column per "
                         "policy (policy_outcomes makes one).")
    values = outcomes.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError("outcomes has missing or infinite values: every policy needs a result in "
                         "every world.")


def policy_robustness(outcomes: pd.DataFrame, baseline: str = "base", lower_is_better: bool = True,
                      worst_share: float = WORST_SHARE, tolerance: float | None = None) -> pd.DataFrame:
    """For each policy (column of `outcomes`), how it fares across the worlds (rows).

    Columns: `chance_beats_baseline` (0 to 1; the baseline's own is 0), `median`,
    `worst_plausible` (the `worst_share` quantile at the bad end), `best_plausible` (the other
    end), `mean_regret`, `max_regret` (in the outcome's unit), and `robust` (True for the policy
    with the smallest largest regret, ties to the smaller mean regret). A policy "beats" the
    baseline in a world when it is better by more than `tolerance` (default: a billionth of
    the largest outcome), so exact ties do not count as wins.
    """
    _check_outcomes(outcomes)
    if baseline not in outcomes.columns:
        raise ValueError(f"The baseline {baseline!r} is not a column of outcomes; columns: "
                         f"{', '.join(map(str, outcomes.columns))}.")
    if isinstance(worst_share, bool) or not isinstance(worst_share, Real) or not 0.5 <= worst_share < 1:
        raise ValueError(f"worst_share must be between 0.5 and 1, e.g. 0.95; you gave {worst_share!r}.")
    scale = float(np.abs(outcomes.to_numpy(dtype=float)).max())
    tolerance = 1e-9 * max(scale, 1.0) if tolerance is None else float(tolerance)
    gain = outcomes.rsub(outcomes[baseline], axis=0) if lower_is_better \
        else outcomes.sub(outcomes[baseline], axis=0)
    bad_end, good_end = (worst_share, 1 - worst_share) if lower_is_better else (1 - worst_share, worst_share)
    regrets = regret(outcomes, lower_is_better)
    table = pd.DataFrame({
        "chance_beats_baseline": (gain > tolerance).mean(),
        "median": outcomes.median(),
        "worst_plausible": outcomes.quantile(bad_end),
        "best_plausible": outcomes.quantile(good_end),
        "mean_regret": regrets.mean(),
        "max_regret": regrets.max(),
    })
    order = table.sort_values(["max_regret", "mean_regret"], kind="stable").index
    table["robust"] = table.index == order[0]
    table.index.name = "policy"
    table.attrs.update({"worlds": len(outcomes), "baseline": baseline,
                        "lower_is_better": lower_is_better, "worst_share": worst_share})
    return table


def best_under_defaults(defaults: Mapping[str, float], lower_is_better: bool = True) -> str:
    """The policy with the best outcome in one world (e.g. the model's defaults)."""
    if not defaults:
        raise ValueError("defaults must map each policy to its outcome, e.g. {'base': 1900, ...}.")
    pick = min if lower_is_better else max
    return pick(defaults, key=lambda name: float(defaults[name]))
