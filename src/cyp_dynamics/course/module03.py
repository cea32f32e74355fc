"""Module 03, feedback and delays in CAMHS: loops, tipping points, calibration and exercise checks.

Right answers are computed from the model, never typed in, so they follow the model file if its
defaults are revised. Every check shows feedback and never raises.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd

from ..analysis.calibration import CalibrationResult, calibrate
from ..analysis.checks import CheckResult
from ..analysis.scenarios import load_scenarios, run_scenarios
from ..analysis.thresholds import Threshold, find_threshold
from ..data import load_dataset
from ..models import load_model
from .feedback import as_choice, as_number, choice_feedback, give_feedback, number_feedback

MODEL = "camhs_system"

# The model's main feedback loops (also named in the comments of camhs_system.mdl).
LOOPS: dict[str, tuple[str, str, str]] = {
    # code: (name, polarity, the loop in words)
    "R1": ("deterioration", "reinforcing",
           "longer waits → more children become severe → more clinical hours per case → "
           "fewer treatment starts → longer waits"),
    "R2": ("burnout", "reinforcing",
           "longer waits → more pressure on clinicians → more leave → fewer treatment starts → "
           "longer waits"),
    "R3": ("relapse and return", "reinforcing (weak)",
           "more treatment → more discharges → some re-referred → more waiting → more treatment"),
    "B1": ("closures hide demand", "balancing",
           "longer waits → more referrals closed before treatment → shorter list (need unchanged)"),
    "B2": ("treatment drains the list", "balancing",
           "more children waiting → more treatment starts (up to capacity) → fewer waiting"),
    "B3": ("hiring replaces leavers", "balancing",
           "fewer clinicians → more vacancies → more recruitment → after the hiring delay, more "
           "clinicians"),
}

# The variables round each named loop (labels as in the model file), so a loop finder's output
# can be matched to the names above.
LOOP_VARIABLES: dict[str, set[str]] = {
    "R1": {"Severe waiting list", "Severe share of waiting list", "Average hours per case",
           "Treatment starts", "Average wait", "Deterioration"},
    "R2": {"Clinicians", "Clinical hours available", "Treatment starts", "Average wait",
           "Clinicians leaving"},
    "R3": {"Mild waiting list", "Waiting list", "Treatment starts", "Mild treatment starts",
           "In treatment", "Discharges", "Recently discharged", "Re referrals"},
    "B1": {"Mild waiting list", "Waiting list", "Average wait", "Mild closures"},
    "B2": {"Mild waiting list", "Waiting list", "Treatment starts", "Mild treatment starts"},
    "B3": {"Clinicians", "Recruitment started", "Clinicians in recruitment", "Clinicians joining"},
}

# A service with 10 more funded posts per 100,000 than today, already in post: in the range
# where the model has two stable states (see the notebook's bi-stability experiment).
BISTABLE = {"funded_posts_per_100k": 134, "initial_clinicians_per_100k": 125.2}
BISTABLE_MONTHS = 240
ENGLAND = {"population_scale": 119}  # 11.9 million children (datasets/ons_population_england_0_17)
CALIBRATED = {
    "new_need_per_month_per_100k": (200, 3000),
    "need_growth_percent_per_year": (-20, 40),
    "funded_posts_per_100k": (20, 300),
    "closure_rate": (0.01, 0.5),
    "initial_waiting_list_per_100k": (0, 10000),
}
FINANCIAL_YEARS = ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]


def loops_table() -> pd.DataFrame:
    """The model's main loops: code, name, polarity and the chain of causes."""
    rows = [(code, name, polarity, words) for code, (name, polarity, words) in LOOPS.items()]
    return pd.DataFrame(rows, columns=["loop", "name", "polarity", "how it works"]).set_index("loop")


# ---- bi-stability ---------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _threshold(months: float) -> Threshold | None:
    return find_threshold(load_model(MODEL), "initial_severe_share", "waiting_list",
                          params=BISTABLE, low=0.0, high=1.0, months=months, tolerance=0.002)


def bistability_threshold() -> Threshold:
    """The starting severe share that divides the two end states of the BISTABLE service."""
    threshold = _threshold(BISTABLE_MONTHS)
    if threshold is None:  # would mean the model file changed: say so plainly
        raise RuntimeError("With these settings the model has only one end state.")
    return threshold


def ends_in_low_state(initial_severe_share: float) -> bool:
    """True if the BISTABLE service started with this severe share settles with the short list."""
    threshold = bistability_threshold()
    run = load_model(MODEL).run({**BISTABLE, "initial_severe_share": initial_severe_share},
                                months=BISTABLE_MONTHS)
    middle = (threshold.end_below + threshold.end_above) / 2
    return bool(run.waiting_list.iloc[-1] < middle)


# ---- national calibration -------------------------------------------------------------------
def commissioner_targets() -> pd.DataFrame:
    """Children's Commissioner figures for England as observations of the national model.

    Month 0 is 1 April 2017. Annual counts become monthly rates at mid-year (month 6, 18, ...);
    children still waiting are at year end (month 12, 24, ...). Referral counts after 2020/21 are
    left out (the method changed), as is the 2017/18 'still waiting' count (referrals of that year
    only).
    """
    table = load_dataset("childrens_commissioner_cyp_mental_health")
    choices = [  # measure, model output, flow or stock, years used
        ("children_referred", "referrals_made", "flow", FINANCIAL_YEARS[:4]),
        ("children_received_treatment", "treatment_starts", "flow", FINANCIAL_YEARS[1:3]),
        ("children_accessed_support", "treatment_starts", "flow", ["2022/23"]),
        ("referrals_closed_before_treatment", "closed_or_not_accepted", "flow", FINANCIAL_YEARS[3:]),
        ("children_still_waiting_at_year_end", "waiting_list", "stock", ["2022/23", "2023/24"]),
    ]
    rows = []
    for measure, output, kind, years in choices:
        for year in years:
            found = table[(table["measure"] == measure) & (table["period"] == year)]
            if found.empty:
                continue
            k = FINANCIAL_YEARS.index(year)
            value = float(found["value"].iloc[0])
            time, value = (6 + 12 * k, value / 12) if kind == "flow" else (12 + 12 * k, value)
            rows.append({"time": time, "output": output, "value": value, "measure": measure,
                         "period": year, "status": found["status"].iloc[0]})
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def national_calibration() -> CalibrationResult:
    """The national model (England) fitted to `commissioner_targets()`; cached."""
    return calibrate(load_model(MODEL), commissioner_targets(), CALIBRATED, fixed=ENGLAND, months=84)


# ---- exercise helpers ------------------------------------------------------------------------


def scenario_runs(months: float = 60) -> dict[str, pd.DataFrame]:
    """Every course scenario of the model, {title: run}."""
    model = load_model(MODEL)
    return run_scenarios(model, load_scenarios(MODEL, model), months=months)


# ---- exercise 1: polarity of the burnout loop ----------------------------------------------
def check_burnout_polarity(answer: Any) -> CheckResult:
    """Exercise 1: 'R' (reinforcing) or 'B' (balancing) for the burnout loop; R is right."""

    def check(value: Any) -> CheckResult:
        letter = as_choice(value, {"R": "", "B": ""})
        if letter == "R":
            return CheckResult(True, "Reinforcing: a change in waits comes back round the loop as a "
                                     "bigger change in the same direction.")
        return CheckResult(False, "Follow the loop once: longer waits → more leavers → fewer starts "
                                  "→ longer waits. The change comes back in the same direction.")

    return give_feedback(answer, check, "Replace `...` with \"R\" or \"B\", then run the cell.",
                         hint="Count the links where more leads to less: an even number means reinforcing.")


# ---- exercise 2: the cost of hiring late ---------------------------------------------------
def late_hiring_extra_crises(months: float = 60) -> float:
    """Extra crisis presentations by `months` when the 20 posts are funded at month 12, not 0."""
    model = load_model(MODEL)
    scenarios = load_scenarios(MODEL, model)
    now = model.run(scenarios.parameters("hire_now"), months=months)
    later = model.run(scenarios.parameters("hire_in_12_months"), months=months)
    return float(later.crisis_presentations_to_date.iloc[-1] - now.crisis_presentations_to_date.iloc[-1])


def check_late_hiring(extra_crises: Any) -> CheckResult:
    """Exercise 2: extra crisis presentations by month 60 from hiring a year later, within 5%."""

    return number_feedback(
        extra_crises, late_hiring_extra_crises, 0.05,
        right="About {truth:,.0f} more crisis presentations per 100,000 children: the price of a "
              "year's delay, paid long after it.",
        wrong="You have {value:,.0f}; the model gives about {truth:,.0f}.",
        prompt="Replace `...` with a number of crisis presentations.",
        hint="Subtract 'hire now' from 'hire in month 12', using crisis_presentations_to_date at "
             "month 60.")


# ---- exercise 3: fixes that fail -----------------------------------------------------------
REBOUND_CHOICES = {
    "A": "The extra hours changed neither the demand nor the permanent capacity that set the "
         "list's level; while the list was short fewer referrals were closed, so when the hours "
         "stop the list refills to its old level.",
    "B": "Referrals rose because of the extra capacity.",
    "C": "Clinicians left because of the extra work.",
}


def check_rebound(choice: Any) -> CheckResult:
    """Exercise 3: why the list returns after temporary capacity; A is right."""
    return choice_feedback(
        choice, REBOUND_CHOICES, correct="A",
        praise="Right. Temporary capacity treats the symptom (the list) while "
               "the demand and capacity that set its level are unchanged.",
        reasons={"B": "referrals made do not depend on the list in this model (look at the run).",
                 "C": "clinicians do not change in this scenario (look at the run)."},
        verdict="cannot be it",
    )


# ---- exercise 4 and 5: tipping point -------------------------------------------------------
def check_low_state_start(initial_severe_share: Any) -> CheckResult:
    """Exercise 4: a starting severe share from which the service settles with the short list."""

    def check(value: Any) -> CheckResult:
        share = as_number(value)
        if not 0 <= share <= 1:
            raise ValueError("a share is between 0 and 1 (0.3 means 30%).")
        if ends_in_low_state(share):
            return CheckResult(True, f"Starting with {share:.0%} severe, the same service settles "
                                     "with a much shorter list.")
        return CheckResult(False, f"Starting with {share:.0%} severe, the service stays stuck with "
                                  "the long list.")

    return give_feedback(initial_severe_share, check,
                         "Replace `...` with a share between 0 and 1, then run the cell.",
                         hint="Try a smaller starting share of severe cases.")


def check_threshold(threshold: Any) -> CheckResult:
    """Exercise 5: the tipping point (starting severe share) within 0.01."""

    def check(value: Any) -> CheckResult:
        guess, truth = as_number(value), bistability_threshold().value
        if abs(guess - truth) <= 0.01:
            return CheckResult(True, f"The tipping point is near {truth:.3f}: a few percentage points "
                                     "either side decide which future the service has.")
        direction = "lower" if guess > truth else "higher"
        return CheckResult(False, f"Not yet: {guess:.3f} is too far out; the tipping point is {direction}.")

    return give_feedback(threshold, check, "Replace `...` with your tipping point (a share between 0 and 1).",
                         hint="Halve the gap between a start that ends low and one that ends high, "
                              "and repeat.")


# ---- exercise 6: what calibration tells you --------------------------------------------------
CALIBRATION_CHOICES = {
    "A": "The fit is good, so the model's assumptions about deterioration and burnout are confirmed.",
    "B": "The data can be reproduced with these values, but other structures or values might fit "
         "as well; the fit tests the model, it does not prove it.",
    "C": "The fitted parameters are exact, because the optimiser found the best values.",
}


def check_calibration_meaning(choice: Any) -> CheckResult:
    """Exercise 6: what a good calibration shows; B is right."""
    return choice_feedback(
        choice, CALIBRATION_CHOICES, correct="B",
        praise="A fit is a necessary check, not a proof. The standard errors "
               "and correlations show how loosely the data pin the values down.",
        reasons={"A": "deterioration and burnout were not fitted, and the data say nothing about them.",
                 "C": "look at the standard errors and correlations: the values are uncertain."},
        verdict="goes too far",
    )
