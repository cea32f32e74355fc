"""Module 03's exercises: `EXERCISES`, one builder per exercise and reflection (in the order the
notebook asks them), the judges that mark answers, and the right answers, computed from the
model, never typed in.
"""

from __future__ import annotations

from ...analysis.checks import CheckResult
from ...widgets import ChoiceQuestion, NumberQuestion
from ..exercises import ExerciseSet
from .runs import LATE_HIRING_MONTH, hiring_runs
from .tipping import bistability_threshold, ends_in_low_state, percent_in_words, share_out_of_range

EXERCISES = ExerciseSet("03")


# ---- exercise 1: polarity of the burnout loop ----------------------------------------------------
POLARITY_CHOICES = {
    "A": "Reinforcing (R): the change comes back round the loop in the same direction, so "
         "longer waits lead to still longer waits.",
    "B": "Balancing (B): the change comes back opposed, so waits settle back.",
    "C": "Neither: a loop with people leaving has no polarity.",
}


@EXERCISES.add("03-ex1")
def exercise_1() -> ChoiceQuestion:
    """Exercise 1: the polarity of the burnout loop; A (reinforcing) is right."""
    return ChoiceQuestion(
        "03-ex1", POLARITY_CHOICES, correct="A",
        praise="Reinforcing: a change in waits comes back round the loop as a bigger change in "
               "the same direction. Two links act in the opposite direction (−), and two "
               "opposites make a same.",
        reasons={"B": "follow the loop once round from longer waits: more clinicians leave, "
                      "fewer children start treatment, and then what happens to waits?",
                 "C": "every loop has a polarity: multiply the signs of its links."},
        hint="Count the links marked − on the diagram: an even number (including none) means "
             "reinforcing, an odd number balancing.")


# ---- exercise 2: the cost of hiring late ---------------------------------------------------------
def late_hiring_extra_crises(months: float = LATE_HIRING_MONTH) -> float:
    """Extra crisis presentations by `months` when the 20 posts are funded at month 12, not 0."""
    now, later = hiring_runs(months).values()
    return float(later.crisis_presentations_to_date.iloc[-1] - now.crisis_presentations_to_date.iloc[-1])


@EXERCISES.add("03-ex2")
def exercise_2() -> NumberQuestion:
    """Exercise 2: extra crisis presentations by month 60 from hiring a year later, within 5%."""
    return NumberQuestion(
        "03-ex2", late_hiring_extra_crises, unit="crisis presentations",
        right="About {truth:,.0f} more crisis presentations per 100,000 children: the price of a "
              "year's delay, paid long after it.",
        hint="Take the 'now' figure in the table away from the 'month 12' figure.",
        leaks=[rf"(?<![\d.,]){late_hiring_extra_crises():,.0f} more"])


# ---- exercise 3: fixes that fail -----------------------------------------------------------------
REBOUND_CHOICES = {
    "A": "The extra hours changed neither the demand nor the permanent capacity that set the "
         "list's level; while the list was short fewer referrals were closed, so when the hours "
         "stop the list refills to its old level.",
    "B": "Referrals rose because of the extra capacity.",
    "C": "Clinicians left because of the extra work.",
}


@EXERCISES.add("03-ex3")
def exercise_3() -> ChoiceQuestion:
    """Exercise 3: why the list returns after temporary capacity; A is right."""
    return ChoiceQuestion(
        "03-ex3", REBOUND_CHOICES, correct="A",
        praise="Temporary capacity treats the symptom (the list) while the demand and capacity "
               "that set its level stay the same. The closures loop had been holding the list "
               "down; a shorter wait weakens it, so some of the extra hours simply treated "
               "children who would otherwise have been closed.",
        reasons={"B": "in this scenario referrals do not depend on the list at all.",
                 "C": "the number of clinicians does not change in this scenario."},
        hint="Look at both panels of the chart: what changed while the money lasted, and what did not?")


# ---- exercises 4 and 5: the tipping point --------------------------------------------------------
def safe_start() -> float:
    """A starting severe share well below the tipping point (the worked answer to exercise 4)."""
    return round(bistability_threshold().low / 2, 2)


def _judge_start(share: float) -> CheckResult:
    problem = share_out_of_range(share)
    if problem is not None:
        return problem
    if ends_in_low_state(share):
        return CheckResult(True, f"Starting with {percent_in_words(share)} severe, the same "
                                 "service settles with a much shorter list.")
    return CheckResult(False, f"Starting with {percent_in_words(share)} severe, the service stays "
                              "stuck with the long list.")


@EXERCISES.add("03-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: any starting severe share from which the service settles with the short list."""
    return NumberQuestion("03-ex4", safe_start, kind="share", judge=_judge_start,
                          hint="Try a smaller starting share of severe cases.")


def _judge_threshold(share: float) -> CheckResult:
    problem = share_out_of_range(share)
    if problem is not None:
        return problem
    threshold = bistability_threshold()
    if abs(share - threshold.value) <= 0.01:
        return CheckResult(True, f"The tipping point is between {threshold.low:.1%} and "
                                 f"{threshold.high:.1%} severe at the start: a few percentage "
                                 "points either side decide which future the service has.")
    ends = "the low (good) state" if ends_in_low_state(share) else "the high (stuck) state"
    direction = "too high" if share > threshold.value else "too low"
    return CheckResult(False, f"{percent_in_words(share)} is {direction}: starting there, the "
                              f"service ends in {ends}.")


@EXERCISES.add("03-ex5")
def exercise_5() -> NumberQuestion:
    """Exercise 5: the tipping point (starting severe share), within 1 percentage point."""
    return NumberQuestion(
        "03-ex5", lambda: bistability_threshold().value, kind="share", decimals=3,
        judge=_judge_threshold,
        hint="In the tool, try the middle of a start that ends low and one that ends high; keep "
             "the half where the ending changes, and repeat.",
        leaks=[rf"(?<![\d.])0\.{round(bistability_threshold().value * 100):02d}\d*\b"])


# ---- reflections and exercise 6 ------------------------------------------------------------------
reflect_upstream = EXERCISES.reflection(
    "03-reflect-upstream",
    "Which of these three policies would you put to your board, and in what order? Why?")

CALIBRATION_CHOICES = {
    "A": "The fit is good, so the model's assumptions about deterioration and burnout are confirmed.",
    "B": "The data can be reproduced with these values, but other structures or values might fit "
         "as well; the fit tests the model, it does not prove it.",
    "C": "The fitted parameters are exact, because the optimiser found the best values.",
}


@EXERCISES.add("03-ex6")
def exercise_6() -> ChoiceQuestion:
    """Exercise 6: what a good calibration shows; B is right."""
    return ChoiceQuestion(
        "03-ex6", CALIBRATION_CHOICES, correct="B",
        praise="A fit is a necessary check, not a proof. Deterioration and burnout were not "
               "fitted, and even the fitted values are only loosely pinned down (the deep dive "
               "below shows how loosely).",
        reasons={"A": "deterioration and burnout were not fitted, and the national figures say "
                      "nothing about them.",
                 "C": "the best values for these figures are still uncertain: a few figures "
                      "a year leave room for other values."},
        hint="Re-read 'What the fit can and cannot tell you' above.")


reflect_board = EXERCISES.reflection(
    "03-reflect-board",
    "Back to the board's question: <i>\"We funded more posts last year. Why is the list no "
    "shorter?\"</i> How would you answer it now?")


progress = EXERCISES.progress
