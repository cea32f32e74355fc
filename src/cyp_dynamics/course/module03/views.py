"""Module 03's views that fill in once an exercise is done: the loops table (exercise 1), the
model's own search for the tipping point (exercise 5), and the closing note.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from IPython.display import Markdown, display

from ..exercises import after_solving
from .calibration import BASES, MAIN_BASIS, fit_table, national_calibration
from .loops import loops_people_table
from .runs import BISTABLE
from .tipping import bistability_threshold


def loops_view() -> widgets.VBox:
    """The loops table; the burnout loop's polarity fills in once exercise 1 is done."""
    return after_solving("03-ex1", loops_people_table)


def threshold_in_words(solved: bool) -> Any:
    """After exercise 5: the model's own search for the tipping point, in words."""
    if not solved:
        return None
    threshold = bistability_threshold()
    return Markdown(
        f"The model's own search (the same halving, {threshold.runs} runs) puts the tipping point "
        f"between **{threshold.low:.1%} and {threshold.high:.1%}** severe at the start. Below it, "
        f"the list settles near {threshold.end_below:,.0f} children; above it, near "
        f"{threshold.end_above:,.0f}.")


def threshold_view() -> widgets.VBox:
    """The search's result, shown once exercise 5 is done."""
    return after_solving("03-ex5", threshold_in_words,
                         "The model's own search for the tipping point appears here once you "
                         "have answered exercise 5.")


def closing_tipping_point(solved: bool) -> Any:
    """After exercise 5: the tipping point in one line, for the closing note."""
    if not solved:
        return None
    threshold = bistability_threshold()
    return Markdown(f"**Tipping point** (a service with {BISTABLE['funded_posts_per_100k']} funded "
                    f"posts per 100,000): between {threshold.low:.1%} and {threshold.high:.1%} of "
                    "the waiting list severe at the start.")


def closing_note() -> widgets.VBox:
    """The loops, the national fit and the tipping point, all computed from the model and data;
    answers appear once their exercises are done."""
    result = national_calibration()
    fit = widgets.Output()
    with fit:
        words, years = BASES[MAIN_BASIS]
        display(Markdown(f"**National calibration, England {years[0]} to {years[-1]}** (figures "
                         f"counted as {words}): average gap between the fitted model and the "
                         "Commissioner's figures, by series."))
        display(fit_table(result))
    return widgets.VBox([
        widgets.HTML("<b>Feedback loops</b>"), loops_view(), fit,
        after_solving("03-ex5", closing_tipping_point,
                      "The tipping point appears here once you have answered exercise 5.")])
