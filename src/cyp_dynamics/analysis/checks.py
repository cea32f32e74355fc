"""Behaviour checks on a time series: does it grow, decline, seek a goal, settle, return?

Each check returns a `CheckResult` that is truthy when the behaviour is present and carries a
plain-English sentence describing what the series actually did. Tests use them to assert model
behaviour; exercise feedback uses them to tell a trainee what their run shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a behaviour check: `passed`, and a sentence saying what was seen."""

    passed: bool
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "passed", bool(self.passed))  # numpy bools become plain bools

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message


SeriesLike = pd.Series | np.ndarray | list  # what a check accepts: a run's column, or numbers


def _series(values: SeriesLike) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=float))
    if series.empty:
        raise ValueError("The series is empty: run the model first, then check its result.")
    return series.astype(float)


def _scale(series: pd.Series) -> float:
    """A size against which to judge 'small' changes: the series' largest magnitude, at least 1e-9."""
    return max(float(series.abs().max()), 1e-9)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def grows(values: SeriesLike, tolerance: float = 0.01) -> CheckResult:
    """True when the series ends higher than it starts by more than `tolerance` of its scale."""
    s = _series(values)
    change = s.iloc[-1] - s.iloc[0]
    passed = change > tolerance * _scale(s)
    verb = "grows" if passed else ("falls" if change < -tolerance * _scale(s) else "stays level")
    return CheckResult(passed, f"It {verb}: from {_fmt(s.iloc[0])} to {_fmt(s.iloc[-1])}.")


def declines(values: SeriesLike, tolerance: float = 0.01) -> CheckResult:
    """True when the series ends lower than it starts by more than `tolerance` of its scale."""
    s = _series(values)
    change = s.iloc[-1] - s.iloc[0]
    passed = change < -tolerance * _scale(s)
    verb = "declines" if passed else ("rises" if change > tolerance * _scale(s) else "stays level")
    return CheckResult(passed, f"It {verb}: from {_fmt(s.iloc[0])} to {_fmt(s.iloc[-1])}.")


def goal_seeking(values: SeriesLike, target: float, tolerance: float = 0.05) -> CheckResult:
    """True when the gap to `target` shrinks steadily and ends within `tolerance` of the first gap.

    'Steadily' allows the gap to widen by no more than `tolerance` of the first gap at any step.
    """
    s = _series(values)
    gap = (s - target).abs()
    first_gap = max(float(gap.iloc[0]), 1e-9)
    widening = float(np.max(np.diff(gap.to_numpy()), initial=0.0))
    closes = gap.iloc[-1] <= tolerance * first_gap
    passed = bool(closes and widening <= tolerance * first_gap)
    if passed:
        message = f"It moves steadily towards {_fmt(target)}, ending at {_fmt(s.iloc[-1])}."
    elif not closes:
        message = (f"It does not reach {_fmt(target)}: it ends at {_fmt(s.iloc[-1])}, "
                   f"{gap.iloc[-1] / first_gap:.0%} of the starting gap away.")
    else:
        message = f"It ends near {_fmt(target)} but overshoots or wanders on the way."
    return CheckResult(passed, message)


def settles_by(values: SeriesLike, time: float, tolerance: float = 0.01) -> CheckResult:
    """True when, from `time` on, the series varies by no more than `tolerance` of its scale."""
    s = _series(values)
    after = s[s.index >= time]
    if after.empty:
        return CheckResult(False, f"The run ends before {time:g}; run it for longer.")
    spread = float(after.max() - after.min())
    passed = spread <= tolerance * _scale(s)
    if passed:
        return CheckResult(True, f"It has settled by {time:g}, at about {_fmt(after.iloc[-1])}.")
    return CheckResult(False, f"It is still moving after {time:g}: it varies by {_fmt(spread)} from "
                              f"then to the end.")


def returns_to_baseline(values: SeriesLike, baseline: float | None = None,
                        tolerance: float = 0.02) -> CheckResult:
    """True when the series ends within `tolerance` (relative) of `baseline` (default: its start)."""
    s = _series(values)
    base = float(s.iloc[0]) if baseline is None else float(baseline)
    gap = float(s.iloc[-1] - base)
    passed = abs(gap) <= tolerance * max(abs(base), 1e-9)
    if passed:
        return CheckResult(True, f"It returns to its baseline of {_fmt(base)}.")
    return CheckResult(False, f"It does not return: it ends at {_fmt(s.iloc[-1])}, "
                              f"{_fmt(abs(gap))} {'above' if gap > 0 else 'below'} its baseline "
                              f"of {_fmt(base)}.")


def does_not_return(values: SeriesLike, baseline: float | None = None,
                    tolerance: float = 0.02) -> CheckResult:
    """The opposite of `returns_to_baseline`, with the same sentence."""
    result = returns_to_baseline(values, baseline, tolerance)
    return CheckResult(not result.passed, result.message)


def at_or_below(values: SeriesLike, level: float, by: float) -> CheckResult:
    """True when the series is at or below `level` at time `by` (e.g. a list cleared by month 24)."""
    s = _series(values)
    at = s[s.index <= by]
    if at.empty:
        return CheckResult(False, f"The run has no value at or before {by:g}.")
    value = float(at.iloc[-1])
    passed = value <= level
    word = "at or below" if passed else "above"
    return CheckResult(passed, f"At time {at.index[-1]:g} the value is {_fmt(value)}, {word} {_fmt(level)}.")


def stays_between(values: SeriesLike, low: float, high: float) -> CheckResult:
    """True when every value lies within [low, high]."""
    s = _series(values)
    passed = bool((s >= low).all() and (s <= high).all())
    return CheckResult(passed, f"It ranges from {_fmt(s.min())} to {_fmt(s.max())} "
                               f"({'within' if passed else 'outside'} {_fmt(low)} to {_fmt(high)}).")


def all_finite(run: pd.DataFrame, labels: dict[str, str] | None = None,
               time_unit: str = "time") -> CheckResult:
    """True when every value of a run is a number; otherwise a sentence saying which variables
    went infinite (or became not a number), from when, and what to fix.

    `labels` maps a run's column names to names in words (e.g. a model's variable labels);
    `time_unit` names the index in words (e.g. 'month'). A division by zero in an equation is the
    usual cause: Vensim's XIDZ and ZIDZ say what the result should be when the divisor is zero.
    """
    values = run.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if not bad.any():
        return CheckResult(True, "Every value of the run is a number.")
    first_row = int(np.flatnonzero(bad.any(axis=1))[0])
    columns = [run.columns[j] for j in np.flatnonzero(bad[first_row])]
    labels = labels or {}

    def describe(column: str) -> str:
        value = values[first_row, run.columns.get_loc(column)]
        what = "not a number (0 divided by 0, or infinity less infinity)" if np.isnan(value) else \
            f"{'minus ' if value < 0 else ''}infinite (divided by zero)"
        base, _, element = str(column).partition("[")
        name = labels.get(str(column)) or labels.get(base, base.replace("_", " "))
        name = name + (f" ({element.rstrip(']').replace('_', ' ')})" if element else "")
        return f"'{name}' became {what}"

    named = [describe(c) for c in columns[:3]]
    more = f", and {len(columns) - 3} more" if len(columns) > 3 else ""
    when = run.index[first_row]
    when = when[-1] if isinstance(when, tuple) else when
    return CheckResult(False, (
        f"At {time_unit} {when:g} {'; '.join(named)}{more}. An equation divided by zero: check the "
        "equations of these variables and what they divide by (XIDZ or ZIDZ say what to use when "
        "the divisor is zero), or move the inputs away from the values that make it zero."))
