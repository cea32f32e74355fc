"""Practice exercises for the welcome page (course/START_HERE.ipynb, module 00).

They teach how every exercise in the course is answered: read a number from a chart, type it
in a box, press Check; choose an option; write a reflection that is kept. The right answer is
computed from the CAMHS waiting-list model the page's taster uses, never typed in.
"""

from __future__ import annotations

import re

from ..charts.tables import Column, PeopleTable, people_table
from ..data import list_datasets
from ..models import load_model
from ..widgets import ChoiceQuestion, NumberQuestion
from .exercises import ExerciseSet

MODEL = "camhs_waiting_list"
FEWER_CLINICIANS = 45  # the taster asks what happens when 49 full-time clinicians fall to 45
READ_AT_MONTH = 36  # the last month the taster's chart shows
EXERCISES = ExerciseSet("00")


# ---- practice 1: read a number from the chart ------------------------------------------------
def waiting_with_fewer_clinicians() -> float:
    """Children waiting at month 36 when the service has 45 full-time clinicians instead of 49."""
    run = load_model(MODEL).run({"clinicians": FEWER_CLINICIANS})
    return float(run.waiting_list.loc[READ_AT_MONTH])


@EXERCISES.add("00-ex1")
def exercise_1() -> NumberQuestion:
    """Practice 1: the children waiting at month 36 with 45 clinicians, read from the chart, within 3%."""
    return NumberQuestion(
        "00-ex1", waiting_with_fewer_clinicians, unit="children", tolerance=0.03,
        right="{value:,.0f} children is right: you read the chart well. With or without a comma, "
              "and with or without “about” in front, the box reads it the same way.",
        hint="Is the clinicians slider at 45? Let go of the handle, then rest your mouse pointer on "
             "the right-hand end of the line (month 36): a small box shows the children waiting.")


# ---- practice 2: choose what the chart shows -------------------------------------------------
SHAPE_CHOICES = {
    "A": "It stayed about the same: losing four clinicians makes little difference.",
    "B": "It rose for a while, then levelled off at a higher level.",
    "C": "It kept climbing, and would go on climbing for as long as the model runs.",
}


@EXERCISES.add("00-ex2")
def exercise_2() -> ChoiceQuestion:
    """Practice 2: the shape of the list after losing four clinicians; B is right."""
    return ChoiceQuestion(
        "00-ex2", SHAPE_CHOICES, correct="B",
        praise="Yes: the list rose over the first year or so, then levelled off at a higher level. "
               "Why it stops rising, instead of climbing for ever, is one of the questions in "
               "module 02. These are results from a teaching model, not from a real service.",
        reasons={"A": "with the slider at 45 the line does not stay flat. Look at it again.",
                 "C": "look at the last year of the chart, from month 24 to month 36: is the line "
                      "still rising as steeply as at the start?"},
        hint="Move the slider to 45 and follow the line from left to right: how steep is it at "
             "the start, and how steep at the end?")


reflect_question = EXERCISES.reflection(
    "00-reflect-question",
    "What question from your own work would you like a model to help with? "
    "For example, about a waiting list, a budget, or a gap between two places. "
    "One sentence is plenty.")


# ---- where the data comes from ------------------------------------------------------------------
_ACRONYMS = {"camhs", "capa", "cyp", "cypmhs", "hbai", "mhsds", "ncmp", "ons", "uk"}


def _name_in_words(match: re.Match) -> str:
    """'camhs_waiting_list' -> 'CAMHS waiting list' (a model's name in a dataset's title)."""
    return " ".join(w.upper() if w in _ACRONYMS else w for w in match.group(0).split("_"))


def datasets_table() -> PeopleTable:
    """The datasets that come with the course: each one's title and publishers, in words."""
    frame = list_datasets()
    frame["title"] = [re.sub(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", _name_in_words, title)
                      for title in frame["title"]]
    return people_table(frame, {"title": Column("Dataset", "text"),
                                "publishers": Column("Published by", "text")})


progress = EXERCISES.progress
