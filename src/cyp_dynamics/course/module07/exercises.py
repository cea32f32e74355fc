"""Module 07's exercises: answered with widgets, right answers computed from data and code."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ...data.voice import MIN_GROUP_SIZE
from ...widgets import ChoiceQuestion, MatchQuestion, NumberQuestion, PredictQuestion
from ..brief import policy_bands
from ..exercises import ExerciseSet
from . import worked

EXERCISES = ExerciseSet("07")


# ---- exercise 1: the place beside England ---------------------------------------------------
def gap_in_points() -> float:
    """Percentage points between the sub-region's published share and England's."""
    return worked.national_gap()["gap"]


@EXERCISES.add("07-ex1")
def exercise_1() -> NumberQuestion:
    """Exercise 1: how far above England the sub-region is, in percentage points."""
    return NumberQuestion(
        "07-ex1", gap_in_points, unit="percentage points", decimals=1, tolerance=0.05,
        right="Right: {value:.1f} percentage points above England, on the same measure from the same statement.",
        hint="Take England's share from the sub-region's share, both from the rows 'as reported "
             "September 2024' in the table.",
        leaks=[r"(?<![\d.])2\.5\s*(?:percentage )?points"])


# ---- exercise 2: two figures are not a trend ------------------------------------------------
TREND_CHOICES = {
    "A": "Yes: child poverty in the sub-region rose by about two and a half points in a year.",
    "B": "Not from these two figures: they count different children (different ages and "
         "definitions), so the change may be in the measure, not in the place.",
    "C": "No: the later figure is lower once you allow for rounding.",
}


@EXERCISES.add("07-ex2")
def exercise_2() -> ChoiceQuestion:
    """Exercise 2: whether 2024's and 2025's published figures show a rise; B is right."""
    return ChoiceQuestion(
        "07-ex2", TREND_CHOICES, correct="B",
        praise="A series needs the same measure at every point. Read each figure's definition "
               "before joining them with a line.",
        reasons={"A": "look at the definition of each row: ages and source differ.",
                 "C": "the later figure is the higher one."},
        hint="Compare the 'definition' of the two Cheshire and Merseyside rows, not only their values.")


# ---- exercise 3: which quotes may be shown --------------------------------------------------
QUOTE_OPTIONS = ["can be shown", "refused: no consent", "refused: no session",
                 "refused: no guardian consent", f"suppressed: group under {MIN_GROUP_SIZE}"]


def _reason(why: str) -> str:
    if not why:
        return QUOTE_OPTIONS[0]
    for option, words in zip(QUOTE_OPTIONS[1:], ("no consent", "session identifier", "under 16",
                                                 "fewer than")):
        if words in why:
            return option
    raise ValueError(f"No option matches the refusal {why!r}.")


def quote_solution() -> dict[str, str]:
    """Each example quote record with what the safeguards do to it, from `Quote.refusal`."""
    return {q.quote_id: _reason(q.refusal()) for q in worked.voice().quotes}


@EXERCISES.add("07-ex3")
def exercise_3() -> MatchQuestion:
    """Exercise 3: what the safeguards do with each quote record."""
    quotes = worked.voice().quotes
    items = {q.quote_id: f"{q.group}, {'adults' if q.age_band == 'adults' else 'ages ' + q.age_band}, "
                         f"session {q.session or '(none)'}" for q in quotes}
    return MatchQuestion(
        "07-ex3", items, QUOTE_OPTIONS, quote_solution(),
        praise="All matched: the code refuses exactly these, so a brief cannot show them by mistake.",
        hint="Read each record's row in the table: consent, session, age band, guardian's consent, "
             f"and the size of the group (at least {MIN_GROUP_SIZE} people).")


# ---- exercise 4: loops in the merged diagram ------------------------------------------------
def reinforcing_loops() -> float:
    """Reinforcing loops in the diagram merged from the groups' links (after suppression)."""
    loops = worked.voice().loops()
    return float((loops["polarity"] == "R").sum())


@EXERCISES.add("07-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: how many of the merged diagram's loops are reinforcing."""
    return NumberQuestion(
        "07-ex4", reinforcing_loops, unit="loops", tolerance=0.0,
        right="Right: {value:.0f} reinforcing loops. Count the minus signs round each loop: an even "
              "number (or none) makes it reinforcing.",
        hint="Follow the arrows until you come back where you started. A loop is reinforcing "
             "when it has an even number of − links (none counts as even).",
        leaks=[r"\b(?:two|2) reinforcing loops"])


# ---- exercise 5: when a drawing and the model disagree --------------------------------------
DISAGREE_CHOICES = {
    "A": "Trust the model: it was matched to published data, so the drawing must be wrong.",
    "B": "Ask the group what they saw that the model leaves out, and look for data on it: the "
         "disagreement is a question for the next version of the model.",
    "C": "Redraw the group's pattern so that it matches the model before the brief goes out.",
}


@EXERCISES.add("07-ex5")
def exercise_5() -> ChoiceQuestion:
    """Exercise 5: what to do when a reference mode and the model disagree; B is right."""
    return ChoiceQuestion(
        "07-ex5", DISAGREE_CHOICES, correct="B",
        praise="A reference mode is evidence about the system. When it disagrees with the model, "
               "both may be telling you something.",
        reasons={"A": "matching one published figure does not test the model, and the groups "
                      "drew something else (money worries, not the poverty measure).",
                 "C": "voice is never edited to fit: that would be generating, not recording, it."},
        hint="Which option keeps the group's own input as they gave it?")


# ---- exercise 6: predict, then see the brief ------------------------------------------------
@lru_cache(maxsize=1)
def _bands():
    return policy_bands(worked.worked_inputs())


def income_package_share() -> float:
    """The middle of the runs: share of children in poverty in 2035 with the income package (%)."""
    bands = _bands()
    output = worked.PRIORITY_OUTPUTS["children in poverty"]
    rows = bands[(bands["output"] == output) & (bands["scenario"] == "Income package")
                 & np.isclose(bands["time"], worked.HORIZON)]
    return float(rows["median"].iloc[0])


@EXERCISES.add("07-ex6")
def exercise_6() -> PredictQuestion:
    """Exercise 6: predict the share in poverty in 2035 with the income package; any number."""
    return PredictQuestion("07-ex6", income_package_share, unit="%", kind="percent", decimals=1, minimum=0,
                           maximum=100,
                           reflection="The brief shows the band around it: how wide is it?")


reflect_question = EXERCISES.reflection(
    "07-reflect-question",
    "What question does <i>your</i> board need answered, and which course model comes closest to it?")
reflect_voice = EXERCISES.reflection(
    "07-reflect-voice",
    "Who would you invite to a group model building session in your place, and what would you "
    "need in place (consent, safeguarding, feedback to the group) before it starts?")
progress = EXERCISES.progress
