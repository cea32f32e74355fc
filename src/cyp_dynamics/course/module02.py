"""Exercise checks for module 02, stocks and flows: the CAMHS waiting list.

Each function takes a trainee's answer, shows feedback (never raising) and returns a
`CheckResult`. The right answers are computed from the model, never typed in, so they follow
the model file if its defaults are revised.
"""

from __future__ import annotations

from typing import Any

from ..analysis.checks import CheckResult, at_or_below
from ..models import load_model
from .feedback import as_number, choice_feedback, give_feedback, number_feedback, relative_gap

MODEL = "camhs_waiting_list"
REFERRAL_RISE = {"referral_change_percent": 10, "referral_change_month": 12}
CLEAR_BY_MONTH = 24
LEAVE = {"clinicians_on_leave": 1, "leave_start_month": 6, "leave_length": 12}


# ---- exercise 1: predict, then run ---------------------------------------------------------
def referral_rise_result() -> float:
    """Children waiting at month 36 when referrals rise by 10% from month 12."""
    return float(load_model(MODEL).run(REFERRAL_RISE).waiting_list.loc[36])


def check_prediction(predicted_waiting_list: Any) -> CheckResult:
    """Exercise 1: any numeric prediction passes; the feedback says how close it was."""

    def check(answer: Any) -> CheckResult:
        guess, truth = as_number(answer), referral_rise_result()
        gap = relative_gap(guess, truth)
        verdict = ("Very close!" if gap <= 0.05 else "In the right area." if gap <= 0.15
                   else "Quite far off, which is normal: stocks are hard to predict by intuition.")
        return CheckResult(True, f"You predicted {guess:,.0f}; the model gives {truth:,.0f} "
                                 f"({gap:.0%} apart). {verdict}")

    return give_feedback(predicted_waiting_list, check,
                         "Replace `...` with your prediction (a number of children), then run the cell.")


# ---- exercise 2: the capacity that clears the list -----------------------------------------
def clear_target() -> float:
    """'Cleared' means no more than one month of referrals waiting (so waits near four weeks)."""
    return float(load_model(MODEL).parameters.loc["referrals_accepted_per_month", "default"])


def _clearing(clinicians: float) -> CheckResult:
    """Whether `clinicians` FTE bring the list to the target by month 24, with what the run shows."""
    run = load_model(MODEL).run({"clinicians": clinicians})
    return at_or_below(run.waiting_list, clear_target(), by=CLEAR_BY_MONTH)


def clears_list(clinicians: float) -> bool:
    """True if `clinicians` FTE bring the list to the target by month 24."""
    return bool(_clearing(clinicians))


def fewest_clinicians_to_clear() -> int:
    """The smallest whole number of FTE clinicians that clears the list by month 24."""
    low, high = 0, int(load_model(MODEL).parameters.loc["clinicians", "max"])
    while low < high:  # bisection: clearing is monotone in capacity
        middle = (low + high) // 2
        low, high = (low, middle) if clears_list(middle) else (middle + 1, high)
    return low


def check_clinicians_to_clear(clinicians: Any) -> CheckResult:
    """Exercise 2: passes if the answer clears the list by month 24; says if fewer would do."""

    def check(answer: Any) -> CheckResult:
        fte = as_number(answer)
        cleared = _clearing(fte)
        if not cleared:
            return CheckResult(False, f"With {fte:g} FTE: {cleared.message}")
        fewest = fewest_clinicians_to_clear()
        extra = (" That is the fewest whole clinicians that does it." if fte <= fewest
                 else f" It works; could fewer do it? The fewest is somewhere below {fte:g}.")
        return CheckResult(True, f"With {fte:g} FTE: {cleared.message}{extra}")

    return give_feedback(clinicians, check,
                         "Replace `...` with a number of clinicians (FTE), then run the cell.",
                         hint="Try more clinicians: move the slider in the explorer above first.")


# ---- exercise 3: Little's law --------------------------------------------------------------
def check_littles_law(wait_in_weeks: Any) -> CheckResult:
    """Exercise 3: the wait at month 36 of the default run, by Little's law, within 2%."""

    return number_feedback(
        wait_in_weeks, lambda: float(load_model(MODEL).run().average_wait_in_weeks.loc[36]), 0.02,
        right="{value:.1f} weeks: that is Little's law at work.",
        wrong="You have {value:.1f} weeks; Little's law gives about {truth:.0f}.",
        prompt="Replace `...` with your calculation (in weeks), then run the cell.",
        hint="Divide the waiting list by the number leaving it each month (treatment starts "
             "plus closures) to get months, then multiply by 4.348 weeks per month.")


# ---- exercise 4: the leave backlog ---------------------------------------------------------
def leave_backlog(closure_rate: float = 0.0) -> float:
    """Extra children waiting at month 36 after one clinician's 12-month leave.

    With `closure_rate` 0, referrals are set to match capacity exactly, as in a service
    running at full stretch with nobody closed while waiting.
    """
    model = load_model(MODEL)
    defaults = model.parameters["default"]
    base = {"closure_rate": closure_rate}
    if closure_rate == 0:
        base["referrals_accepted_per_month"] = defaults["clinicians"] * defaults["new_starts_per_clinician"]
    with_leave = model.run({**base, **LEAVE}).waiting_list.loc[36]
    without = model.run(base).waiting_list.loc[36]
    return float(with_leave - without)


def check_leave_backlog(extra_children: Any) -> CheckResult:
    """Exercise 4: the extra children on the list at month 36, within 5%."""

    return number_feedback(
        extra_children, leave_backlog, 0.05,
        right="About {truth:.0f} extra children are still waiting at month 36, long after the "
              "clinician came back.",
        wrong="You have {value:,.0f}; the model gives about {truth:.0f}.",
        prompt="Replace `...` with the number of extra children, then run the cell.",
        hint="Subtract the waiting list without leave from the one with leave, at month 36.")


# ---- exercise 5: why the backlog stays -----------------------------------------------------
WHY_CHOICES = {
    "A": "When the clinician returns, capacity again only matches referrals, so nothing "
         "removes the extra children.",
    "B": "Referrals fall after the leave, so the list takes longer to clear.",
    "C": "The list recovers by itself once capacity is back; it just takes a few months.",
}


def check_why_backlog_stays(choice: Any) -> CheckResult:
    """Exercise 5: multiple choice; A is right."""
    return choice_feedback(
        choice, WHY_CHOICES, correct="A",
        praise="A stock only falls when its outflow exceeds its inflow. "
               "Restoring capacity restores the balance, not the level.",
        reasons={"B": "referrals do not change in this experiment.",
                 "C": "with closures at zero the extra children stay for good (look at the chart)."},
    )
