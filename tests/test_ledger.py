"""The cost ledger: Green Book discounting checked against hand-computed values, and bad input."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics.analysis import (GREEN_BOOK_SCHEDULE, annual_spend, break_even_year, cost_ledger,
                                   cost_per_child_helped, discount_factors, discount_rates,
                                   net_present_cost)


def _run(totals: dict[str, list[float]]) -> pd.DataFrame:
    """A run-like table of running totals saved at years 0, 1, 2, ..."""
    length = len(next(iter(totals.values())))
    return pd.DataFrame(totals, index=pd.Index(np.arange(length, dtype=float), name="year"))


def _ledger_from_yearly(spend: list[float]) -> pd.DataFrame:
    return cost_ledger(_run({"spend_to_date": np.concatenate([[0.0], np.cumsum(spend)])}),
                       {"Spend": "spend_to_date"})


# ---- discounting ----------------------------------------------------------------------------
def test_year_zero_is_not_discounted():
    assert discount_factors(1)[0] == 1.0


def test_ten_years_at_three_and_a_half_percent():
    """By hand: 1 / 1.035**10 = 1 / 1.41060 = 0.708919."""
    assert discount_factors(11)[10] == pytest.approx(0.708919, abs=1e-6)
    assert discount_factors(11)[10] == pytest.approx(1 / 1.035**10, rel=1e-12)


def test_rate_switches_to_three_percent_in_year_31():
    """Green Book: 3.5% for years 0-30, 3.0% for 31-75.

    By hand: D(30) = 1 / 1.035**30 = 1 / 2.806794 = 0.356278;
    D(31) = D(30) / 1.03 = 0.345901; D(32) = D(31) / 1.03 = 0.335826.
    A flat 3.5% would give D(31) = 0.344230, so the switch is visible in the fourth decimal.
    """
    factors = discount_factors(33)
    assert factors[30] == pytest.approx(0.356278, abs=1e-6)
    assert factors[31] == pytest.approx(0.345901, abs=1e-6)
    assert factors[32] == pytest.approx(0.335826, abs=1e-6)
    assert factors[31] != pytest.approx(1 / 1.035**31, abs=1e-4)


def test_long_term_schedule_bands():
    rates = discount_rates(400)  # rates[k - 1] is the rate for year k
    for year, rate in [(1, 0.035), (30, 0.035), (31, 0.030), (75, 0.030), (76, 0.025),
                       (125, 0.025), (126, 0.020), (200, 0.020), (201, 0.015), (300, 0.015),
                       (301, 0.010), (400, 0.010)]:
        assert rates[year - 1] == rate, f"year {year}"


def test_factors_fall_year_on_year_and_match_a_product_of_yearly_factors():
    factors = discount_factors(120)
    assert np.all(np.diff(factors) < 0)
    by_hand = 1.0
    for year in range(1, 120):
        by_hand /= 1 + (0.035 if year <= 30 else 0.030 if year <= 75 else 0.025)
    assert factors[119] == pytest.approx(by_hand, rel=1e-12)


def test_a_flat_rate_can_replace_the_schedule():
    assert discount_factors(6, 0.05)[5] == pytest.approx(1 / 1.05**5)
    assert discount_factors(3, 0.0).tolist() == [1.0, 1.0, 1.0]


# ---- the ledger ---------------------------------------------------------------------------
def test_annual_spend_is_the_yearly_difference_of_running_totals():
    run = _run({"late_to_date": [0, 10, 25, 45], "early_to_date": [0, 5, 5, 6]})
    spend = annual_spend(run, {"Late": "late_to_date", "Early": "early_to_date"})
    assert spend.index.tolist() == [1, 2, 3]
    assert spend["Late"].tolist() == [10, 15, 20]
    assert spend["Early"].tolist() == [5, 0, 1]
    assert spend["total"].tolist() == [15, 15, 21]


def test_annual_spend_ignores_in_between_saved_times():
    run = pd.DataFrame({"x_to_date": [0, 4, 10, 13, 30]}, index=[0, 0.5, 1, 1.5, 2])
    assert annual_spend(run, {"X": "x_to_date"})["X"].tolist() == [10, 20]


def test_net_present_cost_by_hand():
    """GBP 100 a year for three years: 100 + 100/1.035 + 100/1.035**2 = 100 + 96.6184 + 93.3511 = 289.9694."""
    ledger = _ledger_from_yearly([100, 100, 100])
    assert net_present_cost(ledger) == pytest.approx(289.9694, abs=1e-4)
    assert ledger["cumulative_total"].iloc[-1] == 300
    assert ledger["discount_factor"].iloc[0] == 1.0


def test_break_even_when_savings_repay_the_investment():
    """Policy: +10 in year 1, then 4 a year cheaper. Undiscounted gap: +10, +6, +2, -2, -6."""
    baseline = _ledger_from_yearly([50, 50, 50, 50, 50])
    policy = _ledger_from_yearly([60, 46, 46, 46, 46])
    assert break_even_year(policy, baseline, discounted=False) == 4
    # Discounting shrinks later savings: gap in year 4 is 10 - 4/1.035 - 4/1.035**2 - 4/1.035**3
    # = 10 - 3.8647 - 3.7340 - 3.6078 = -1.2066, still below zero, so still year 4.
    assert break_even_year(policy, baseline) == 4


def test_break_even_none_and_zero():
    baseline = _ledger_from_yearly([50, 50, 50])
    assert break_even_year(_ledger_from_yearly([60, 50, 50]), baseline) is None
    assert break_even_year(_ledger_from_yearly([40, 50, 50]), baseline) == 0


def test_break_even_needs_the_gap_to_stay_closed():
    baseline = _ledger_from_yearly([50, 50, 50, 50])
    policy = _ledger_from_yearly([60, 35, 70, 40])  # gap +10, -5, +15, +5: never stays below
    assert break_even_year(policy, baseline, discounted=False) is None


def test_cost_per_child_helped():
    baseline = _ledger_from_yearly([100])
    policy = _ledger_from_yearly([160])
    assert cost_per_child_helped(policy, baseline, 3) == pytest.approx(20)
    assert math.isnan(cost_per_child_helped(policy, baseline, 0))
    assert cost_per_child_helped(_ledger_from_yearly([40]), baseline, 3) == pytest.approx(-20)


# ---- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("years", [-1, 2.5, "10", True])
def test_bad_number_of_years(years):
    with pytest.raises(ValueError, match="whole number of years"):
        discount_factors(years)


@pytest.mark.parametrize("schedule, message", [
    ([(30, 0.035)], "last must have no end"),
    ([(75, 0.03), (30, 0.035), (math.inf, 0.01)], "rise year by year"),
    ("3.5%", "rate such as 0.035"),
    ([(math.inf, -1.5)], "fractions such as 0.035"),
])
def test_bad_schedules(schedule, message):
    with pytest.raises(ValueError, match=message):
        discount_factors(5, schedule)


def test_missing_running_total_lists_the_available_ones():
    run = _run({"late_to_date": [0, 1, 2]})
    with pytest.raises(ValueError, match=r"no column\(s\) \['early_to_date'\].*late_to_date"):
        annual_spend(run, {"Early": "early_to_date"})


def test_run_must_be_saved_yearly_and_not_empty():
    with pytest.raises(ValueError, match="every whole year"):
        annual_spend(pd.DataFrame({"x_to_date": [0, 1]}, index=[0, 0.5]), {"X": "x_to_date"})
    with pytest.raises(ValueError, match="empty"):
        annual_spend(pd.DataFrame(), {"X": "x_to_date"})
    with pytest.raises(ValueError, match="dictionary"):
        annual_spend(_run({"x_to_date": [0, 1]}), ["x_to_date"])


def test_a_run_in_months_is_not_read_as_years(camhs):
    run = camhs.run(months=24).assign(x_to_date=lambda r: r.index.to_numpy())
    with pytest.raises(ValueError, match="counts years.*in months"):
        annual_spend(run, {"X": "x_to_date"})


def test_ledgers_must_match():
    with pytest.raises(ValueError, match="same years"):
        break_even_year(_ledger_from_yearly([1, 2]), _ledger_from_yearly([1, 2, 3]))
    with pytest.raises(ValueError, match="cost_ledger"):
        net_present_cost(pd.DataFrame({"total": [1]}))
    with pytest.raises(ValueError, match="number of children"):
        cost_per_child_helped(_ledger_from_yearly([1]), _ledger_from_yearly([1]), "12")


def test_schedule_constant_is_the_green_book_table():
    assert [rate for _, rate in GREEN_BOOK_SCHEDULE] == [0.035, 0.030, 0.025, 0.020, 0.015, 0.010]
    assert [end for end, _ in GREEN_BOOK_SCHEDULE][:-1] == [30, 75, 125, 200, 300]
