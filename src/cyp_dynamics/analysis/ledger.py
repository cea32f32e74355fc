"""A cost ledger for model runs: spend by type per year, discounted as the Green Book asks.

HM Treasury's Green Book discounts future costs at 3.5% a year for years 0 to 30, then at a
declining long-term rate (Green Book 2022, Annex A6; HM Treasury 2003 edition, Table 6.1):

    years   0-30   31-75   76-125   126-200   201-300   301+
    rate    3.5%   3.0%    2.5%     2.0%      1.5%      1.0%

A cost in Green Book year t is multiplied by the discount factor
``D(t) = 1 / ((1 + r_1)(1 + r_2)...(1 + r_t))`` where ``r_k`` is the rate for year k, so
``D(0) = 1`` and, while the rate is 3.5%, ``D(t) = 1 / 1.035**t``.

The ledger reads a run's running totals (stocks such as ``late_intervention_spend_to_date``, in
GBP), so each year's spend is exact: the running total at the end of the year minus at its start.
Ledger year 1 is the first year of the run (run time 0 to 1); it is Green Book year 0, "now",
and is not discounted. Ledger year n is Green Book year n - 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from numbers import Real

import numpy as np
import pandas as pd

# (last Green Book year of the band, rate); the last band has no end.
GREEN_BOOK_SCHEDULE: tuple[tuple[float, float], ...] = (
    (30, 0.035), (75, 0.030), (125, 0.025), (200, 0.020), (300, 0.015), (math.inf, 0.010),
)
TOTAL = "total"
# Run indexes (`Model.index_name`) whose steps are not years: each would be read as a year.
OTHER_TIME_UNITS = ("month", "week", "day", "quarter", "hour", "minute", "second")


def _check_schedule(schedule: float | Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Band ends and rates from a schedule, or one band for a flat rate."""
    if isinstance(schedule, Real) and not isinstance(schedule, bool):
        schedule = ((math.inf, float(schedule)),)
    try:
        ends = np.array([float(end) for end, _ in schedule])
        rates = np.array([float(rate) for _, rate in schedule])
    except (TypeError, ValueError):
        raise ValueError("schedule must be a rate such as 0.035, or a list of (last year, rate) "
                         "pairs such as GREEN_BOOK_SCHEDULE.") from None
    if len(ends) == 0 or ends[-1] != math.inf or np.any(np.diff(ends) <= 0):
        raise ValueError("schedule bands must rise year by year and the last must have no end "
                         "(math.inf), so every year has a rate.")
    if not np.all(np.isfinite(rates)):
        raise ValueError(f"Discount rates are fractions such as 0.035 for 3.5%; got {rates.tolist()}.")
    if np.any(rates < 0):
        raise ValueError(f"A discount rate below zero ({float(rates[rates < 0][0]):g}) would make "
                         "later costs count for more than today's. Discount rates are fractions "
                         "such as 0.035 for 3.5% a year, 0 or more.")
    if np.any(rates >= 1):
        rate = float(rates[rates >= 1][0])
        raise ValueError(f"A discount rate of {rate:g} is {rate * 100:g}% a year. Rates are fractions: "
                         f"did you mean {rate / 100:g} ({rate:g}%)?")
    return ends, rates


def discount_rates(years: int, schedule: float | Sequence[tuple[float, float]] = GREEN_BOOK_SCHEDULE
                   ) -> np.ndarray:
    """The rate for each Green Book year 1..`years` (a fraction: 0.035 is 3.5%)."""
    ends, rates = _check_schedule(schedule)
    year_numbers = np.arange(1, _count(years) + 1)
    return rates[np.searchsorted(ends, year_numbers, side="left")]


def discount_factors(years: int, schedule: float | Sequence[tuple[float, float]] = GREEN_BOOK_SCHEDULE
                     ) -> np.ndarray:
    """Discount factors for Green Book years 0..`years`-1: D(0) = 1, D(t) = D(t-1) / (1 + r_t)."""
    count = _count(years)
    steps = 1.0 / (1.0 + discount_rates(max(count - 1, 0), schedule))
    return np.concatenate([[1.0], np.cumprod(steps)])[:count]


MAX_YEARS = 10_000  # as Model's longest run: more is almost certainly a typo (and a huge array)


def _count(years: int) -> int:
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or not 0 <= years <= MAX_YEARS:
        raise ValueError(f"years must be a whole number of years from 0 to {MAX_YEARS:,}; you gave "
                         f"{years!r}.")
    return int(years)


def annual_spend(run: pd.DataFrame, running_totals: Mapping[str, str]) -> pd.DataFrame:
    """Spend in each year of a run, one column per type, from the run's running totals (GBP).

    `running_totals` maps a label to a column of `run` that accumulates spend, e.g.
    ``{"Late intervention": "late_intervention_spend_to_date"}``. The result is indexed by
    ledger year (1 = the run's first year) and has a `total` column.
    """
    if not isinstance(run, pd.DataFrame) or run.empty:
        raise ValueError("run must be the table a model run returns (model.run(...)); it is empty "
                         "or not a table.")
    if not isinstance(running_totals, Mapping) or not running_totals:
        raise ValueError("running_totals must be a dictionary such as "
                         "{'Late intervention': 'late_intervention_spend_to_date'}.")
    missing = [column for column in running_totals.values() if column not in run.columns]
    if missing:
        totals = [c for c in run.columns if c.endswith("_to_date")]
        raise ValueError(f"The run has no column(s) {missing}. Running totals in this run: "
                         f"{', '.join(totals) or 'none'}.")
    if run.index.name in OTHER_TIME_UNITS:  # a model run's index is named for its time unit
        raise ValueError(f"The ledger counts years, but this run's time is in {run.index.name}s: "
                         "use a model whose time unit is the year.")
    try:
        times = run.index.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("The run must be indexed by time in years (0, 1, 2, ...), as model.run "
                         f"returns it; this one's index holds {run.index[0]!r}.") from None
    whole = times[np.isclose(times, np.round(times))]
    if len(whole) < 2 or not np.allclose(np.diff(whole), 1.0):
        raise ValueError("The ledger needs the run saved at every whole year (0, 1, 2, ...): "
                         "run the model for at least one year with results saved yearly.")
    for label, column in running_totals.items():
        if not str(column).endswith("_to_date") and f"{column}_to_date" in run.columns:
            raise ValueError(f"'{column}' ({label}) is a rate of spend, not a running total: give its "
                             f"running total '{column}_to_date' instead.")
        _check_running_total(run[column], label)
    yearly = run.loc[run.index[np.isclose(times, np.round(times))], list(running_totals.values())]
    spend = pd.DataFrame(np.diff(yearly.to_numpy(dtype=float), axis=0),
                         columns=list(running_totals.keys()),
                         index=pd.RangeIndex(1, len(yearly), name="year"))
    spend[TOTAL] = spend.sum(axis=1)
    return spend


def _check_running_total(values: pd.Series, label: str) -> None:
    """A running total is a number at every time and never falls; a flow or a level can."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(numbers)):
        raise ValueError(f"Column '{values.name}' ({label}) has missing or non-numeric values; "
                         "the ledger needs a running total of spend at every time.")
    steps = np.diff(numbers)
    tolerance = 1e-9 * max(float(np.abs(numbers).max()), 1.0)
    falls = np.flatnonzero(steps < -tolerance)
    if len(falls):
        i = falls[0]
        raise ValueError(
            f"Column '{values.name}' ({label}) falls from {numbers[i]:,.6g} to {numbers[i + 1]:,.6g} "
            f"between times {float(values.index[i]):g} and {float(values.index[i + 1]):g}, so it is not a running "
            "total (spend to date never falls): it looks like a flow or a level. Give the stock that "
            "adds the spend up, such as a '..._to_date' column."
        )


def cost_ledger(run: pd.DataFrame, running_totals: Mapping[str, str],
                schedule: float | Sequence[tuple[float, float]] = GREEN_BOOK_SCHEDULE) -> pd.DataFrame:
    """Annual spend by type plus total, discount factor, discounted and cumulative totals (GBP).

    Columns: one per type, `total`, `discount_factor`, `discounted_total`, `cumulative_total`,
    `cumulative_discounted_total`. Indexed by ledger year (1 = the run's first year).
    """
    ledger = annual_spend(run, running_totals)
    ledger["discount_factor"] = discount_factors(len(ledger), schedule)
    ledger["discounted_total"] = ledger[TOTAL] * ledger["discount_factor"]
    ledger["cumulative_total"] = ledger[TOTAL].cumsum()
    ledger["cumulative_discounted_total"] = ledger["discounted_total"].cumsum()
    return ledger


def _check_ledger(ledger: pd.DataFrame, name: str = "ledger") -> None:
    needed = {"discounted_total", "cumulative_total", "cumulative_discounted_total"}
    if not isinstance(ledger, pd.DataFrame) or not needed <= set(ledger.columns):
        raise ValueError(f"{name} must be a table made by cost_ledger(run, running_totals).")


def net_present_cost(ledger: pd.DataFrame) -> float:
    """The sum of a ledger's discounted yearly totals (GBP at today's value)."""
    _check_ledger(ledger)
    return float(ledger["discounted_total"].sum())


def break_even_year(policy: pd.DataFrame, baseline: pd.DataFrame, discounted: bool = True) -> int | None:
    """The ledger year from which the policy's cumulative cost stays at or below the baseline's.

    0 if the policy never costs more than the baseline; None if it has not broken even by the
    last year of the ledgers. Costs are discounted unless `discounted` is False.
    """
    _check_ledger(policy, "policy")
    _check_ledger(baseline, "baseline")
    if not policy.index.equals(baseline.index):
        raise ValueError("The policy and baseline ledgers must cover the same years: run both for "
                         "the same length.")
    column = "cumulative_discounted_total" if discounted else "cumulative_total"
    gap = (policy[column] - baseline[column]).to_numpy()
    tolerance = 1e-9 * max(float(np.abs(baseline[column]).max()), 1.0)
    above = np.flatnonzero(gap > tolerance)
    if len(above) == 0:
        return 0
    last_above = above[-1]
    if last_above == len(gap) - 1:
        return None
    return int(policy.index[last_above + 1])


def cost_per_child_helped(policy: pd.DataFrame, baseline: pd.DataFrame, children_helped: float) -> float:
    """Extra net present cost of the policy over the baseline per child helped (GBP per child).

    Negative when the policy costs less than the baseline (a saving per child helped); NaN when
    it helps no extra children (`children_helped` of 0 or less).
    """
    if isinstance(children_helped, bool) or not isinstance(children_helped, Real) \
            or not math.isfinite(children_helped):
        raise ValueError(f"children_helped must be a number of children; you gave {children_helped!r}.")
    extra_cost = net_present_cost(policy) - net_present_cost(baseline)
    if children_helped <= 0:
        return math.nan
    return extra_cost / float(children_helped)
