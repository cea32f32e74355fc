"""Module 03's tipping point: a service with two stable states (a short list or a long one), the
starting severe share that divides them, and exercise 5's tool for searching for it.
"""

from __future__ import annotations

import html
from functools import lru_cache

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown, display

from ...analysis.checks import CheckResult
from ...analysis.thresholds import Threshold, find_threshold
from ...models import load_model
from ...widgets.answer_reading import AnswerError, read_answer
from .runs import BISTABLE, BISTABLE_MONTHS, MODEL


# ---- the two end states and the share that divides them ------------------------------------------
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


def bistable_run(initial_severe_share: float) -> pd.DataFrame:
    """The BISTABLE service over 20 years from a starting severe share (0 to 1)."""
    return load_model(MODEL).run({**BISTABLE, "initial_severe_share": initial_severe_share},
                                 months=BISTABLE_MONTHS)


def _ends_low(run: pd.DataFrame) -> bool:
    threshold = bistability_threshold()
    middle = (threshold.end_below + threshold.end_above) / 2
    return bool(run.waiting_list.iloc[-1] < middle)


def ends_in_low_state(initial_severe_share: float) -> bool:
    """True if the BISTABLE service started with this severe share settles with the short list."""
    return _ends_low(bistable_run(initial_severe_share))


def percent_in_words(share: float) -> str:
    """0.15 -> '15%', 0.185 -> '18.5%'."""
    return f"{round(share * 100, 1):g}%"


def end_state_sentence(share: float) -> str:
    """What a start gives, in words: 'Starting with 18% severe, the service ends in the low ...'."""
    run = bistable_run(share)
    state = ("the low (good) state" if _ends_low(run) else "the high (stuck) state")
    return (f"Starting with {percent_in_words(share)} severe, the service ends in {state} after "
            f"{BISTABLE_MONTHS // 12} years, with about {run.waiting_list.iloc[-1]:,.0f} children "
            f"waiting and an average wait of {run.average_wait.iloc[-1]:.1f} months.")


def share_out_of_range(share: float) -> CheckResult | None:
    """Why `share` cannot be a share (a failed check), or None if it is between 0 and 1."""
    if not 0 <= share <= 1:
        return CheckResult(False, "A share is between 0 and 1 (or 0% and 100%).")
    return None


def todays_service_in_words() -> Markdown:
    """Whether today's service (the defaults) has one end state or two, in a sentence."""
    today = find_threshold(load_model(MODEL), "initial_severe_share", "waiting_list",
                           low=0, high=1, months=BISTABLE_MONTHS)
    if today is None:
        return Markdown("Today's service (the defaults) has one end state, the long list, whatever "
                        "the starting mix of severe cases.")
    return Markdown("Today's service (the defaults) also has two end states, depending on its "
                    "starting mix.")


# ---- exercise 5's tool (not marked) --------------------------------------------------------------
class TippingTool:
    """Try a starting severe share and see where the service ends: a sentence, your tries so far,
    and the waiting list of your last four tries. Not marked; it never raises."""

    def __init__(self, first: float = 0.15) -> None:
        self.box = widgets.Text(value=f"{first:.0%}", placeholder="e.g. 18%", continuous_update=False,
                                layout=widgets.Layout(width="120px"))
        self.box.add_class("cyp-tool-number")
        self.button = widgets.Button(description="Run", button_style="info",
                                     tooltip="Run the service from this starting share")
        self.button.on_click(lambda _: self.run())
        self.box.observe(lambda _: self.run(), names="value")  # Enter, or leaving the box, runs too
        self.sentence, self.tries_text = widgets.HTML(), widgets.HTML()
        self.chart = widgets.Output(layout=widgets.Layout(min_height="240px"))
        self.tries: dict[float, bool] = {}
        self.runs: dict[str, pd.DataFrame] = {}
        self.widget = widgets.VBox([
            widgets.HTML("<b>Try a starting share</b>: the service with 10 more posts, started "
                         "with this share of its waiting list severe, run for 20 years."),
            widgets.HBox([widgets.Label("Starting severe share"), self.box, self.button]),
            self.sentence, self.tries_text, self.chart])
        self.widget.add_class("cyp-tool")
        self.run()

    def run(self) -> None:
        """Read the box, run the model, and say where it ends; explains a bad entry instead."""
        try:
            share = read_answer(self.box.value, kind="share")
            problem = share_out_of_range(share)
            if problem is not None:
                raise AnswerError(problem.message)
            run = bistable_run(share)
            self.tries[share] = _ends_low(run)
            self.sentence.value = f"<p>{html.escape(end_state_sentence(share))}</p>"
            label = f"{percent_in_words(share)} severe at the start"
            self.runs.pop(label, None)
            self.runs[label] = run
            while len(self.runs) > 4:
                self.runs.pop(next(iter(self.runs)))
            self._draw()
        except AnswerError as problem:
            self.sentence.value = f"<p>🤔 {html.escape(str(problem))}</p>"
        except Exception as error:  # a tool must never show a traceback to a trainee
            self.sentence.value = (f"<p>Something went wrong ({html.escape(type(error).__name__)}); "
                                   "please tell your trainer.</p>")

    def _draw(self) -> None:
        from ...charts import plot_runs
        from ...widgets.explorer import VEGA_LITE_MIME

        tries = "; ".join(f"{percent_in_words(share)} → {'low' if low else 'high'}"
                          for share, low in sorted(self.tries.items()))
        self.tries_text.value = f"<p><b>Your tries so far</b> (end state): {html.escape(tries)}</p>"
        chart = plot_runs(load_model(MODEL), self.runs, outputs=["waiting_list"],
                          title="Your starting shares (your last four tries)")
        with self.chart:
            self.chart.clear_output(wait=True)
            display({VEGA_LITE_MIME: chart.to_dict(), "text/plain": "<Tipping point tool chart>"},
                    raw=True)

    def _ipython_display_(self) -> None:
        display(self.widget)


def tipping_tool() -> TippingTool:
    """Exercise 5's tool: type a starting severe share, press Run, and see where the service ends."""
    return TippingTool()
