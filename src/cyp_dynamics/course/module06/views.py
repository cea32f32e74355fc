"""Module 06's views that fill in once an exercise is done (so they never give an answer away)."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..exercises import after_solving
from .charts import morris_chart, sobol_chart
from .tables import robust_versus_default, robustness_people_table, screening_sentence


def _sensitivity(solved: bool) -> Any:
    if not solved:
        return None
    display(morris_chart(), screening_sentence())
    return sobol_chart()


def sensitivity_view() -> widgets.VBox:
    """The screening chart, what it keeps, and the Sobol chart: shown once exercise 3 is answered."""
    return after_solving("06-ex3", _sensitivity, waiting="The screening and Sobol charts appear here "
                                                         "once you have answered exercise 3.")


def robustness_view() -> widgets.VBox:
    """Every policy across the worlds: shown once exercise 5 is answered."""
    return after_solving("06-ex5", lambda solved: robustness_people_table() if solved else None,
                         waiting="The table of every policy across the worlds appears here once "
                                 "you have answered exercise 5.")


def robust_view() -> widgets.VBox:
    """The robust choice against the best choice under the defaults: shown once exercise 6 is done."""
    return after_solving("06-ex6", lambda solved: robust_versus_default() if solved else None)
