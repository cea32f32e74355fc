"""Module 04's exercises: `EXERCISES`, one builder per exercise and reflection (in the order the
notebook asks them), the judges that mark answers, and the right answers, computed from the model
and the cited datasets, never typed in.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ...analysis.checks import CheckResult
from ...analysis.ledger import net_present_cost
from ...data.datasets import figure
from ...models import load_model
from ...widgets import ChoiceQuestion, MatchQuestion, NumberQuestion, PredictQuestion
from ..exercises import ExerciseSet
from .policies import (BUDGET_CUT, DATASET, ESCAPE_SHARE_PERCENT, FUND_POLICY, MILLION, MODEL,
                       NO_GROWTH, PORTFOLIO, REBALANCED, escapes, largest_fund_gbp_m, millions,
                       model_and_policies, policy_ledger, policy_table, prevention_share_at_end)

EXERCISES = ExerciseSet("04")


# ---- exercise 1: share of the total ------------------------------------------------------------
def late_share_of_total_2015_16() -> float:
    """Late intervention as a percentage of early plus late council spending in 2015/16 (NCB)."""
    late = figure(DATASET, "late_intervention_spend", "2015/16", "England")
    early = figure(DATASET, "early_intervention_spend", "2015/16", "England")
    return 100 * late / (late + early)


@EXERCISES.add("04-ex1")
def exercise_1() -> NumberQuestion:
    """Exercise 1: late intervention's share of early plus late spending in 2015/16 (percent)."""
    return NumberQuestion(
        "04-ex1", late_share_of_total_2015_16, unit="%", kind="percent", tolerance=0.015,
        right="{value:.0f}% is right: about three pounds in every four went on late intervention "
              "in 2015/16.",
        hint="Divide late spending by early plus late spending, then multiply by 100.")


# ---- exercise 2: share of an increase ------------------------------------------------------------
SHARE_CHOICES = {
    "A": "81% of all council spending on children's services in 2021/22 went on late intervention.",
    "B": "Of the extra money councils spent in 2021/22 compared with the year before, 81% went on "
         "late intervention.",
    "C": "Late intervention spending rose by 81% in 2021/22.",
}


@EXERCISES.add("04-ex2")
def exercise_2() -> ChoiceQuestion:
    """Exercise 2: what '81% of the increase' means; B is right."""
    return ChoiceQuestion(
        "04-ex2", SHARE_CHOICES, correct="B",
        praise="It is a share of the increase (about £800m), not of the total and not a growth "
               "rate. Always ask: a share of what?",
        reasons={"A": "that would be a share of the total; the 81% is a share of the rise.",
                 "C": "that would be a growth rate; total spending rose by about 8% that year."},
        hint="Read the headline again: what is the 81% a share of?")


# ---- exercise 3: predict the vicious cycle -------------------------------------------------------
def extra_late_children_after_cut(year: int = 10) -> float:
    """Extra children in late intervention at `year` after a lasting 5% budget cut from year 1,
    with need not growing (as in experiment 1)."""
    model = load_model(MODEL)
    cut = model.run({**NO_GROWTH, **BUDGET_CUT}).children_in_late_intervention.loc[year]
    return float(cut - model.run(NO_GROWTH).children_in_late_intervention.loc[year])


@EXERCISES.add("04-ex3")
def exercise_3() -> PredictQuestion:
    """Exercise 3: predict the extra children in late intervention at year 10; any number is fine."""
    return PredictQuestion("04-ex3", extra_late_children_after_cut, unit="children",
                           reflection="The chart below shows how the loop gets there.")


# ---- exercise 4: break-even year of the transition fund ------------------------------------------
def fund_break_even_year() -> int:
    """Break-even year (discounted) of the £15m transition fund against today's path."""
    value = policy_table(["base", FUND_POLICY]).loc[FUND_POLICY, "break_even_year"]
    if pd.isna(value):
        raise ValueError("The transition fund does not break even within 30 years any more: "
                         "exercise 4 needs rewording.")
    return int(value)


def _year_leaks() -> list[str]:
    """Other ways the break-even year could be written out: 'year 30', '30th year'."""
    year = fund_break_even_year()
    return [rf"\byears?\s*{year}\b", rf"\b{year}(?:st|nd|rd|th)\s+year\b"]


@EXERCISES.add("04-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: the fund's break-even year, read from the chart or table of the gap, exactly."""
    return NumberQuestion(
        "04-ex4", fund_break_even_year, unit="year", kind="year", tolerance=0.0,
        right="Year {truth:.0f}: from then on the fund has paid for itself, even after "
              "discounting at the Green Book rate.",
        hint="Find the last year in which the gap is still above zero (hover over the bars, or "
             "open the table under the chart): break-even is the year after it.",
        leaks=_year_leaks())


reflect_payback = EXERCISES.reflection(
    "04-reflect-payback",
    "What would count as “paying back” for your board: cash, children, or both? "
    "How would you explain a saving that is real but not cashable?")


# ---- exercise 5: how big a transition fund escapes the cycle? ------------------------------------
def smallest_escaping_fund() -> int:
    """The smallest whole number of GBP millions of transition fund that escapes the cycle."""
    low, high = 0, largest_fund_gbp_m()
    while low < high:  # bisection: a bigger fund never leaves prevention worse off
        middle = (low + high) // 2
        low, high = (low, middle) if escapes(middle) else (middle + 1, high)
    return low


def _judge_fund(fund: float) -> CheckResult:
    largest = largest_fund_gbp_m()
    if fund < 0 or fund > largest:
        return CheckResult(False, f"The fund in this model can be from £0 to £{largest} million: "
                                  "type a number in that range.")
    if fund != int(fund):
        return CheckResult(False, "Give the fund in whole millions of pounds, like 12.")
    share, with_fund = prevention_share_at_end(fund), f"With {millions(fund * MILLION, 0)}"
    if share < ESCAPE_SHARE_PERCENT:
        return CheckResult(False, f"{with_fund}, prevention has {share:.1f}% of the budget after "
                                  "30 years: the cycle still wins. Try more.")
    if fund > smallest_escaping_fund():
        return CheckResult(False, f"{with_fund}, prevention keeps {share:.1f}% of the budget after "
                                  "30 years, so it escapes, but a smaller fund would do it too. "
                                  "Try less.")
    return CheckResult(True, f"{with_fund}, prevention keeps {share:.1f}% of the budget after 30 "
                             "years, and one million less would not do it.")


@EXERCISES.add("04-ex5")
def exercise_5() -> NumberQuestion:
    """Exercise 5: the smallest whole-million transition fund that escapes the cycle."""
    return NumberQuestion(
        "04-ex5", smallest_escaping_fund, unit="£ million", kind="money_million", judge=_judge_fund,
        hint="Move the fund slider in the tool above until prevention keeps 20% of the budget; "
             "the feedback also tells you the share for the fund you type.")


# ---- exercise 6: a better portfolio ---------------------------------------------------------------
PORTFOLIO_ITEMS = {"A": "Community prevention", "B": "School-based support", "C": "Family early help"}
SHARE_OPTIONS = [f"{percent}%" for percent in range(0, 101, 10)]


def _percent(share: str) -> int:
    """A drop-down share as a whole number of percent: '30%' -> 30."""
    return int(share.rstrip("%"))


def portfolio_result(weights: Mapping[str, float]) -> tuple[float, float]:
    """(net present cost in GBP m, escalations to late intervention) over 30 years for `weights`."""
    run = load_model(MODEL).run(dict(weights))
    return net_present_cost(policy_ledger(run)) / MILLION, float(run.escalations_to_date.iloc[-1])


def shares_to_weights(shares: Mapping[str, str]) -> dict[str, float]:
    """Drop-down shares {'A': '10%', ...} as the model's portfolio weights (fractions)."""
    return {weight: _percent(shares[item]) / 100
            for item, weight in zip(PORTFOLIO_ITEMS, PORTFOLIO)}


def worked_portfolio() -> dict[str, str]:
    """The rebalanced mix of the scenario file, as drop-down shares: one mix that passes."""
    parameters = model_and_policies()[1].parameters(REBALANCED)
    return {item: f"{round(100 * parameters[weight]):d}%"
            for item, weight in zip(PORTFOLIO_ITEMS, PORTFOLIO)}


def judge_portfolio(shares: Mapping[str, str]) -> CheckResult:
    """Right if the mix costs no more than today's mix and fewer children escalate, over 30 years."""
    if any(value not in SHARE_OPTIONS for value in shares.values()):
        return CheckResult(False, "Choose a share for each of the three kinds of prevention.")
    total = sum(_percent(value) for value in shares.values())
    if total != 100:
        return CheckResult(False, f"Your shares add up to {total}%: the three shares of the "
                                  "prevention money must add up to 100%.")
    cost, escalations = portfolio_result(shares_to_weights(shares))
    base_cost, base_escalations = portfolio_result({})
    cheaper, fewer = cost <= base_cost + 1e-9, escalations < base_escalations
    figures = (f"Your mix: net present cost {millions(cost * MILLION)} (today's mix: "
               f"{millions(base_cost * MILLION)}); {escalations:,.0f} children escalate to late "
               f"intervention over 30 years (today's mix: {base_escalations:,.0f}).")
    if cheaper and fewer:
        return CheckResult(True, f"It does more for less than today's mix. {figures}")
    worse = ("it costs more and no fewer children escalate" if not cheaper and not fewer else
             "it costs more" if not cheaper else "no fewer children escalate")
    return CheckResult(False, f"Not better than today's mix on both counts: {worse}. {figures}")


class PortfolioQuestion(MatchQuestion):
    """Three drop-downs of shares (0% to 100%), judged by running the model, not against one
    fixed answer: many mixes pass."""

    def judge(self, answer: Mapping[str, str]) -> CheckResult:
        return judge_portfolio(answer)


@EXERCISES.add("04-ex6")
def exercise_6() -> PortfolioQuestion:
    """Exercise 6: a prevention mix that costs less than today's and lets fewer children escalate."""
    return PortfolioQuestion(
        "04-ex6", PORTFOLIO_ITEMS, SHARE_OPTIONS, worked_portfolio(),
        hint="Which kind of prevention acts closest to late intervention, and which acts soonest? "
             "Try moving ten points at a time between them.")


reflect_for_whom = EXERCISES.reflection(
    "04-reflect-for-whom",
    "Your mix moved money between kinds of prevention. Which children gain, which "
    "lose, and who in your area would you ask before making that change?")


# ---- exercise 7: the Cheshire and Merseyside recommendations ---------------------------------------
RECOMMENDATION_CHOICES = {
    "A": "The community prevention weight (the share of prevention money for community prevention)",
    "B": "The ring-fence for prevention",
    "C": "Nothing in this model: it has no lever for it",
}


@EXERCISES.add("04-ex7")
def exercise_7() -> ChoiceQuestion:
    """Exercise 7: 'incorporating lived experience' has no lever in the model; C is right."""
    return ChoiceQuestion(
        "04-ex7", RECOMMENDATION_CHOICES, correct="C",
        praise="Right: nothing in this model stands for lived experience. The model cannot show "
               "what young people's voices change: say so when you present it, and ask them what "
               "it leaves out.",
        reasons={"A": "the community prevention weight changes how money is used, not whose "
                      "experience shapes the services.",
                 "B": "a ring-fence protects money for prevention; it says nothing about whose "
                      "experience shapes the services."},
        hint="Ask of each lever: does it change money, or who is listened to?")


progress = EXERCISES.progress


