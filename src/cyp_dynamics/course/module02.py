"""Exercise checks for module 02, stocks and flows: the CAMHS waiting list.

Each `exercise_N()` shows an answer widget (a number box or choices with a Check button); the
trainee never types Python. The right answers are computed from the model, never typed in, so they follow
the model file if its defaults are revised.
"""

from __future__ import annotations


from ..analysis.checks import CheckResult, at_or_below
from ..models import load_model
from ..widgets import ChoiceQuestion, NumberQuestion, PredictQuestion
from .exercises import ExerciseSet

MODEL = "camhs_waiting_list"
REFERRAL_RISE = {"referral_change_percent": 10, "referral_change_month": 12}
CLEAR_BY_MONTH = 24
LEAVE = {"clinicians_on_leave": 1, "leave_start_month": 6, "leave_length": 12}
EXERCISES = ExerciseSet("02")


# ---- exercise 1: predict, then run ---------------------------------------------------------
def referral_rise_result() -> float:
    """Children waiting at month 36 when referrals rise by 10% from month 12."""
    return float(load_model(MODEL).run(REFERRAL_RISE).waiting_list.loc[36])


@EXERCISES.add("02-ex1")
def exercise_1() -> PredictQuestion:
    """Exercise 1: predict the list at month 36 after a 10% rise in referrals; any number is fine."""
    return PredictQuestion("02-ex1", referral_rise_result, unit="children",
                           reflection="Look at the chart below to see how the list gets there.")


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


def waiting_at_month_24(clinicians: float) -> float:
    """Children waiting at month 24 with `clinicians` FTE."""
    return float(load_model(MODEL).run({"clinicians": clinicians}).waiting_list.loc[CLEAR_BY_MONTH])


def _judge_clinicians(fte: float) -> CheckResult:
    if fte < 0 or fte != int(fte):
        return CheckResult(False, "Clinicians here are whole full-time posts: type a whole number, "
                                  "like 60.")
    waiting, target = waiting_at_month_24(fte), clear_target()
    if waiting > target:
        return CheckResult(False, f"With {fte:,.0f} FTE, {waiting:,.0f} children are still waiting at "
                                  f"month 24: more than the target of {target:,.0f}. Try more clinicians.")
    if fte > fewest_clinicians_to_clear():
        return CheckResult(False, f"With {fte:,.0f} FTE the list is down to {waiting:,.0f} by month 24, so "
                                  "it clears, but fewer clinicians would do it too. Try fewer.")
    return CheckResult(True, f"With {fte:,.0f} FTE, {waiting:,.0f} children are waiting at month 24, "
                             f"within the target; one fewer would not do it.")


@EXERCISES.add("02-ex2")
def exercise_2() -> NumberQuestion:
    """Exercise 2: the fewest whole FTE clinicians that clear the list by month 24."""
    return NumberQuestion(
        "02-ex2", fewest_clinicians_to_clear, unit="FTE clinicians", judge=_judge_clinicians,
        hint="Move the clinicians slider in the explorer; the feedback tells you how many "
             "children are still waiting at month 24 for the number you type.")


# ---- exercise 3: Little's law --------------------------------------------------------------
def littles_law_weeks() -> float:
    """The average wait in weeks at month 36 of the default run (Little's law)."""
    return float(load_model(MODEL).run().average_wait_in_weeks.loc[36])


@EXERCISES.add("02-ex3")
def exercise_3() -> NumberQuestion:
    """Exercise 3: the wait at month 36 of the default run, by Little's law, within 2%."""
    return NumberQuestion(
        "02-ex3", littles_law_weeks, unit="weeks", decimals=1, tolerance=0.02,
        right="{value:.1f} weeks: that is Little's law at work.",
        hint="Divide the children waiting by the children leaving each month (treatment starts "
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


@EXERCISES.add("02-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: the extra children on the list at month 36 after the leave, within 5%."""
    return NumberQuestion(
        "02-ex4", leave_backlog, unit="children",
        right="About {truth:,.0f} extra children are still waiting at month 36, long after the "
              "clinician came back.",
        hint="Hover over the two lines on the chart at month 36 and subtract the one without "
             "leave from the one with leave.")


# ---- exercise 5: why the backlog stays -----------------------------------------------------
WHY_CHOICES = {
    "A": "When the clinician returns, capacity again only matches referrals, so nothing "
         "removes the extra children.",
    "B": "Referrals fall after the leave, so the list takes longer to clear.",
    "C": "The list recovers by itself once capacity is back; it just takes a few months.",
}


@EXERCISES.add("02-ex5")
def exercise_5() -> ChoiceQuestion:
    """Exercise 5: why the backlog stays; A is right."""
    return ChoiceQuestion(
        "02-ex5", WHY_CHOICES, correct="A",
        praise="A stock only falls when its outflow exceeds its inflow. "
               "Restoring capacity restores the balance, not the level.",
        reasons={"B": "referrals do not change in this experiment.",
                 "C": "with closures at zero the extra children stay for good (look at the chart)."},
        hint="Think of the bath: when the tap and the drain match again, does the water level fall?")


reflect_capacity = EXERCISES.reflection(
    "02-reflect-capacity",
    "Clearing the backlog in two years takes about twice today's clinicians; far fewer keep it "
    "clear afterwards. What does that suggest about <i>temporary</i> extra capacity versus a "
    "permanent increase?")
reflect_wait = EXERCISES.reflection(
    "02-reflect-wait",
    "Which average wait would you put in a board paper: yours, or the Commissioner's 35 days? "
    "How would you label it?")
progress = EXERCISES.progress
