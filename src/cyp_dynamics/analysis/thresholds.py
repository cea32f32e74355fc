"""Tipping points: the starting value of a parameter that divides two different end states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from ..models.model import Model


@dataclass(frozen=True)
class Threshold:
    """A tipping point found by bisection: runs starting below `value` end near `end_below`."""

    parameter: str
    value: float  # midpoint of the last bracket
    low: float  # highest value tried that ends like the low end
    high: float  # lowest value tried that ends like the high end
    output: str
    end_below: float  # the output at the end of a run started at the low end of the search
    end_above: float  # ... and at the high end
    runs: int  # model runs used

    def __str__(self) -> str:
        return (f"{self.parameter} tips the system between {self.low:.4g} and {self.high:.4g}: "
                f"below, {self.output} ends near {self.end_below:,.0f}; above, near {self.end_above:,.0f}.")


def end_value(model: Model, params: Mapping[str, Any], output: str, months: float) -> float:
    """`output` at the end of a run of `months`."""
    return float(model.run(params, months=months)[output].iloc[-1])


def find_threshold(
    model: Model,
    parameter: str,
    output: str,
    params: Mapping[str, Any] | None = None,
    low: float | None = None,
    high: float | None = None,
    months: float = 600,
    tolerance: float = 1e-3,
    min_gap: float = 0.05,
) -> Threshold | None:
    """The value of `parameter` (often a starting value) where `output`'s end state switches.

    Runs the model from `low` and `high` (default: the parameter's range). If `output` ends
    within `min_gap` (relative) of the same value, there is one end state and the answer is
    None. Otherwise bisects until the bracket is narrower than `tolerance` (parameter's unit).
    """
    name = model.parameter_name(parameter)
    output = model.check_outputs([output])[0]  # a label or snake_case name becomes the column
    row = model.parameters.loc[name]
    if (low is None and pd.isna(row["min"])) or (high is None and pd.isna(row["max"])):
        raise ValueError(f"'{name}' has no range in the model file, so give the ends of the search: "
                         f"find_threshold(..., low=..., high=...) in {row['unit'] or 'its unit'}.")
    low = float(row["min"] if low is None else low)
    high = float(row["max"] if high is None else high)
    if not low < high:
        raise ValueError(f"low ({low:g}) must be below high ({high:g}).")
    base = dict(params or {})
    end_low = end_value(model, {**base, name: low}, output, months)
    end_high = end_value(model, {**base, name: high}, output, months)
    runs = 2
    if abs(end_high - end_low) <= min_gap * max(abs(end_low), abs(end_high), 1e-9):
        return None
    middle_line = (end_low + end_high) / 2
    below, above = low, high
    while above - below > tolerance:
        middle = (below + above) / 2
        end = end_value(model, {**base, name: middle}, output, months)
        runs += 1
        if (end > middle_line) == (end_high > middle_line):
            above = middle
        else:
            below = middle
    return Threshold(name, (below + above) / 2, below, above, output, end_low, end_high, runs)


def end_states(model: Model, parameter: str, values: list[float], output: str,
               params: Mapping[str, Any] | None = None, months: float = 600) -> pd.DataFrame:
    """`output` at the end of runs started from each of `values` of `parameter`."""
    name = model.parameter_name(parameter)
    output = model.check_outputs([output])[0]
    if isinstance(values, str) or not len(values):
        raise ValueError(f"Give end_states a list of values of {name} to start from, e.g. "
                         "[0.1, 0.2, 0.3]; you gave none.")
    return pd.DataFrame({name: values,
                         output: [end_value(model, {**(params or {}), name: v}, output, months)
                                  for v in values]})
