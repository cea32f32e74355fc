"""Module 03, feedback and delays in CAMHS: loops, tipping points, calibration, and the exercises.

Each `exercise_N()` shows an answer widget (a number box or choices with a Check button); the
trainee never types Python. Right answers are computed from the model, never typed in, so they
follow the model file if its defaults are revised. Tables and charts here are written for people:
headings in words with units, no code-style names, at most four lines per chart panel.
"""

from __future__ import annotations

import html
from dataclasses import replace
from functools import lru_cache
from typing import Any, Callable

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown, display

from ..analysis.calibration import CalibrationResult, calibrate
from ..analysis.checks import CheckResult
from ..analysis.diagram import CausalDiagram
from ..analysis.scenarios import Scenarios, load_scenarios, run_scenarios
from ..analysis.thresholds import Threshold, find_threshold
from ..charts.tables import Column, PeopleTable, dataset_table, people_table
from ..charts.words import unit_in_words
from ..data import load_dataset
from ..models import Model, load_model
from ..widgets import ChoiceQuestion, NumberQuestion, Reflection
from ..widgets.answer_reading import AnswerError, read_answer
from .exercises import ExerciseSet

MODEL = "camhs_system"
EXERCISES = ExerciseSet("03")

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
#: The loop exercise 1 asks about: its polarity stays hidden until the exercise is done.
ASKED_LOOP = "R2"

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
FIRST_YEAR = 2017.25  # month 0 of the national runs is 1 April 2017
LATE_HIRING_MONTH = 60
UPSTREAM = ["base", "more_upstream_identification", "reduce_attrition", "early_help"]


def _figure(value: float) -> str:
    """A number as people write it: 2,280; 26.1; 0.215."""
    size = abs(value)
    if value == int(value) or size >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if size >= 10 else f"{value:.3g}"


# ---- showing something only once an exercise is done ----------------------------------------
def after_solving(key: str, show: Callable[[bool], Any], waiting: str = "") -> widgets.VBox:
    """A view that `show(False)` draws now and `show(True)` redraws once exercise `key` is done
    (answered right, or its answer shown), with `waiting` as a note until then."""
    board = EXERCISES.progress()
    area, note = widgets.Output(), widgets.HTML()

    def draw(*_: Any) -> None:
        solved = key in board.done
        with area:
            area.clear_output(wait=True)
            shown = show(solved)
            if shown is not None:
                display(shown)
        note.value = "" if solved or not waiting else f"<i>{html.escape(waiting)}</i>"

    draw()
    board.bar.observe(draw, names="value")
    return widgets.VBox([area, note])


# ---- the question from practice: national figures --------------------------------------------
HEADLINE = {
    "children_referred": Column("Children referred", 0),
    "children_still_waiting_at_year_end": Column("Still waiting at year end", 0),
    "referrals_closed_before_treatment": Column("Closed before treatment", 0),
    "mean_wait_to_treatment_days": Column("Average wait to treatment (days)", 0),
}


def commissioner_headline_table() -> PeopleTable:
    """The Children's Commissioner's headline figures for England, one row per financial year."""
    table = load_dataset("childrens_commissioner_cyp_mental_health")
    wide = (table[table["measure"].isin(HEADLINE)]
            .pivot_table(index="period", columns="measure", values="value")
            .reindex(columns=list(HEADLINE)))
    return people_table(wide, HEADLINE, index=Column("Year", "text"))


def first_contact_table() -> PeopleTable:
    """MHSDS waits to a first contact, September to November 2023, in words."""
    table = load_dataset("mhsds_cyp_mental_health")
    return dataset_table(table[table["period"] == "2023-09 to 2023-11"])


# ---- the model: loops, sketches and inputs ----------------------------------------------------
def loops_table() -> pd.DataFrame:
    """The model's main loops: code, name, polarity and the chain of causes."""
    rows = [(code, name, polarity, words) for code, (name, polarity, words) in LOOPS.items()]
    return pd.DataFrame(rows, columns=["loop", "name", "polarity", "how it works"]).set_index("loop")


def loops_people_table(reveal: bool) -> PeopleTable:
    """The main loops for people; the asked loop's polarity shows only with `reveal`."""
    table = loops_table()
    table["name"] = [name.capitalize() for name in table["name"]]
    if not reveal:
        table.loc[ASKED_LOOP, "polarity"] = "? (your turn: exercise 1)"
    return people_table(table, {"name": Column("Loop", "text"), "polarity": Column("Polarity", "text"),
                                "how it works": Column("How it works", "text")})


def loops_view() -> widgets.VBox:
    """The loops table; the burnout loop's polarity fills in once exercise 1 is done."""
    return after_solving("03-ex1", loops_people_table)


@lru_cache(maxsize=1)
def _model_diagram() -> CausalDiagram:
    from ..analysis.graph import model_diagram

    return model_diagram(load_model(MODEL))


def loop_diagram(code: str, reveal: bool = True) -> CausalDiagram:
    """One named loop of the model, drawn from its equations: only the links round the loop.

    Each link shows the direction it acts in when it acts (some act only when waits are long).
    With `reveal` False the title leaves out the loop's polarity (for exercise 1).
    """
    from ..analysis.loops import find_loops

    if code not in LOOPS:
        raise ValueError(f"Unknown loop {code!r}; the loops are {', '.join(LOOPS)}.")
    whole = _model_diagram()
    found = find_loops(whole)
    match = found[found["variables"].apply(lambda names: set(names) == LOOP_VARIABLES[code])]
    if len(match) != 1:
        raise RuntimeError(f"The model file no longer has the {LOOPS[code][0]} loop.")
    key_of = {label: key for key, label in whole.labels.items()}
    keys = [key_of[label] for label in match["variables"].iloc[0]]
    pairs = set(zip(keys, keys[1:] + keys[:1]))
    links = [replace(link, uncertain=False, note="") for link in whole.links
             if (link.source, link.target) in pairs]
    name, polarity, _ = LOOPS[code]
    kind = f"a weak {polarity.split()[0]}" if "weak" in polarity else f"a {polarity}"
    title = f"{name.capitalize()}: " + (f"{kind} loop" if reveal else "which kind of loop?")
    return CausalDiagram(links, {k: whole.labels[k] for k in keys}, {k: whole.kinds[k] for k in keys},
                         {k: whole.units[k] for k in keys}, title=title)


def loop_markdown(code: str, reveal: bool = True) -> str:
    """Markdown for one loop: its title, diagram (top to bottom, so the text stays large) and key."""
    from ..charts.diagrams import legend, to_mermaid

    diagram = loop_diagram(code, reveal)
    return (f"**{diagram.title}**: {LOOPS[code][2]}.\n\n```mermaid\n"
            f"{to_mermaid(diagram, direction='TB', units=False)}\n```\n\n{legend(diagram)}")


def show_loops(*codes: str, reveal: bool = True) -> None:
    """Draw the named loops one under another (e.g. `show_loops("R1", "B1")`)."""
    for code in codes:
        display(Markdown(loop_markdown(code, reveal)))


def source_kind(source: str) -> str:
    """What kind of evidence an input's source is, in two or three words."""
    text = str(source).strip().lower()
    if text.startswith("assumption"):
        return "Assumption"
    if text.startswith("derived"):
        return "Derived from published figures"
    return "Published figure or rule of thumb"


def inputs_table(model: Model) -> PeopleTable:
    """Every input with its default, range, unit in words and the kind of source behind it."""
    table = model.parameters.copy()
    table["default_words"] = [_figure(float(v)) for v in table["default"]]
    table["range"] = [f"{_figure(float(low))} to {_figure(float(high))}"
                      for low, high in zip(table["min"], table["max"])]
    table["unit_words"] = [unit_in_words(str(u)) for u in table["unit"]]
    table["kind"] = [source_kind(s) for s in table["source"]]
    return people_table(table, {"label": Column("Input", "text"), "default_words": Column("Default", "text"),
                                "range": Column("Range", "text"), "unit_words": Column("Unit", "text"),
                                "kind": Column("Where it comes from", "text")})


def input_details(model: Model, name: str) -> str:
    """One input in words, with its full source (HTML)."""
    row = model.parameters.loc[name]
    unit = unit_in_words(str(row["unit"]))
    return (f"<p><b>{html.escape(str(row['label']))}</b>: default {_figure(float(row['default']))}"
            f"{' ' + html.escape(unit) if unit else ''}, between {_figure(float(row['min']))} and "
            f"{_figure(float(row['max']))}.<br><b>Source:</b> {html.escape(str(row['source']))}</p>")


def inputs_view(model: Model) -> widgets.VBox:
    """The inputs table, and a drop-down to read any input's full source."""
    table = widgets.HTML(inputs_table(model)._repr_html_())
    options = [(str(row["label"]), name) for name, row in model.parameters.iterrows()]
    choice = widgets.Dropdown(options=options, description="Input", layout=widgets.Layout(width="420px"))
    details = widgets.HTML(input_details(model, choice.value))
    choice.observe(lambda change: setattr(details, "value", input_details(model, change["new"])),
                   names="value")
    return widgets.VBox([table, widgets.HTML("<b>Where does a figure come from?</b> Choose an input "
                                             "to read its full source."), choice, details])


def loop_count_in_words(model: Model) -> Markdown:
    """How many loops a search of the model's equations finds, in a sentence."""
    from ..analysis.loops import find_loops

    found = find_loops(model)
    reinforcing, balancing = int((found["polarity"] == "R").sum()), int((found["polarity"] == "B").sum())
    return Markdown(f"A search of the equations finds {len(found)} loops: {reinforcing} reinforcing "
                    f"and {balancing} balancing.")


def scenarios_table(scenarios: Scenarios) -> PeopleTable:
    """The course scenarios: title and what each changes, in words."""
    return people_table(scenarios.table(), {"title": Column("Scenario", "text"),
                                            "description": Column("What it changes", "text")})


# ---- exercise 1: polarity of the burnout loop ----------------------------------------------
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


# ---- exercise 2: the cost of hiring late ---------------------------------------------------
@lru_cache(maxsize=2)
def hiring_runs(months: float = LATE_HIRING_MONTH) -> dict[str, pd.DataFrame]:
    """'Fund 20 more posts now' and '... in month 12', by title."""
    model = load_model(MODEL)
    return run_scenarios(model, load_scenarios(MODEL, model), names=["hire_now", "hire_in_12_months"],
                         months=months)


def late_hiring_extra_crises(months: float = LATE_HIRING_MONTH) -> float:
    """Extra crisis presentations by `months` when the 20 posts are funded at month 12, not 0."""
    now, later = hiring_runs(months).values()
    return float(later.crisis_presentations_to_date.iloc[-1] - now.crisis_presentations_to_date.iloc[-1])


def crisis_table() -> PeopleTable:
    """Crisis presentations so far at month 60, for hiring now and hiring in month 12."""
    runs = hiring_runs()
    rows = pd.DataFrame({"run": list(runs),
                         "crises": [float(r.crisis_presentations_to_date.iloc[-1]) for r in runs.values()]})
    return people_table(rows, {"run": Column("Scenario", "text"),
                               "crises": Column("Crisis presentations so far at month 60 "
                                                "(per 100,000 children)", 0)})


@EXERCISES.add("03-ex2")
def exercise_2() -> NumberQuestion:
    """Exercise 2: extra crisis presentations by month 60 from hiring a year later, within 5%."""
    return NumberQuestion(
        "03-ex2", late_hiring_extra_crises, unit="crisis presentations",
        right="About {truth:,.0f} more crisis presentations per 100,000 children: the price of a "
              "year's delay, paid long after it.",
        hint="Take the 'now' figure in the table away from the 'month 12' figure.",
        leaks=[rf"(?<![\d.,]){late_hiring_extra_crises():,.0f} more"])


# ---- exercise 3: fixes that fail -----------------------------------------------------------
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


# ---- exercises 4 and 5: the tipping point ----------------------------------------------------
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


def _percent(share: float) -> str:
    """0.15 -> '15%', 0.185 -> '18.5%'."""
    return f"{round(share * 100, 1):g}%"


def end_state_sentence(share: float) -> str:
    """What a start gives, in words: 'Starting with 18% severe, the service ends in the low ...'."""
    run = bistable_run(share)
    state = ("the low (good) state" if _ends_low(run) else "the high (stuck) state")
    return (f"Starting with {_percent(share)} severe, the service ends in {state} after "
            f"{BISTABLE_MONTHS // 12} years, with about {run.waiting_list.iloc[-1]:,.0f} children "
            f"waiting and an average wait of {run.average_wait.iloc[-1]:.1f} months.")


def safe_start() -> float:
    """A starting severe share well below the tipping point (the worked answer to exercise 4)."""
    return round(bistability_threshold().low / 2, 2)


def _in_range(share: float) -> CheckResult | None:
    if not 0 <= share <= 1:
        return CheckResult(False, "A share is between 0 and 1 (or 0% and 100%).")
    return None


def _judge_start(share: float) -> CheckResult:
    problem = _in_range(share)
    if problem is not None:
        return problem
    if ends_in_low_state(share):
        return CheckResult(True, f"Starting with {_percent(share)} severe, the same service settles "
                                 "with a much shorter list.")
    return CheckResult(False, f"Starting with {_percent(share)} severe, the service stays stuck with the "
                              "long list.")


@EXERCISES.add("03-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: any starting severe share from which the service settles with the short list."""
    return NumberQuestion("03-ex4", safe_start, kind="share", judge=_judge_start,
                          hint="Try a smaller starting share of severe cases.")


def _judge_threshold(share: float) -> CheckResult:
    problem = _in_range(share)
    if problem is not None:
        return problem
    threshold = bistability_threshold()
    if abs(share - threshold.value) <= 0.01:
        return CheckResult(True, f"The tipping point is between {threshold.low:.1%} and "
                                 f"{threshold.high:.1%} severe at the start: a few percentage "
                                 "points either side decide which future the service has.")
    ends = "the low (good) state" if ends_in_low_state(share) else "the high (stuck) state"
    direction = "too high" if share > threshold.value else "too low"
    return CheckResult(False, f"{_percent(share)} is {direction}: starting there, the service ends "
                              f"in {ends}.")


@EXERCISES.add("03-ex5")
def exercise_5() -> NumberQuestion:
    """Exercise 5: the tipping point (starting severe share), within 1 percentage point."""
    return NumberQuestion(
        "03-ex5", lambda: bistability_threshold().value, kind="share", decimals=3,
        judge=_judge_threshold,
        hint="In the tool, try the middle of a start that ends low and one that ends high; keep "
             "the half where the ending changes, and repeat.",
        leaks=[rf"(?<![\d.])0\.{round(bistability_threshold().value * 100):02d}\d*\b"])


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


def todays_service_in_words() -> Markdown:
    """Whether today's service (the defaults) has one end state or two, in a sentence."""
    today = find_threshold(load_model(MODEL), "initial_severe_share", "waiting_list",
                           low=0, high=1, months=BISTABLE_MONTHS)
    if today is None:
        return Markdown("Today's service (the defaults) has one end state, the long list, whatever "
                        "the starting mix of severe cases.")
    return Markdown("Today's service (the defaults) also has two end states, depending on its "
                    "starting mix.")


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
            problem = _in_range(share)
            if problem is not None:
                raise AnswerError(problem.message)
            run = bistable_run(share)
            self.tries[share] = _ends_low(run)
            self.sentence.value = f"<p>{html.escape(end_state_sentence(share))}</p>"
            label = f"{_percent(share)} severe at the start"
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
        from ..charts import plot_runs
        from ..widgets.explorer import VEGA_LITE_MIME

        tries = "; ".join(f"{_percent(share)} → {'low' if low else 'high'}"
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


# ---- experiment 3: upstream and early ---------------------------------------------------------
def upstream_runs(months: float = 120) -> dict[str, pd.DataFrame]:
    """Today's service and the three upstream policies, by title."""
    model = load_model(MODEL)
    return run_scenarios(model, load_scenarios(MODEL, model), names=UPSTREAM, months=months)


def upstream_table(runs: dict[str, pd.DataFrame]) -> PeopleTable:
    """Children waiting after 1, 3 and 10 years under each policy."""
    rows = pd.DataFrame({"policy": list(runs),
                         **{f"m{m}": [float(r.waiting_list.loc[m]) for r in runs.values()]
                            for m in (12, 36, 120)}})
    return people_table(rows, {"policy": Column("Scenario", "text"),
                               "m12": Column("Children waiting after 1 year", 0),
                               "m36": Column("after 3 years", 0), "m120": Column("after 10 years", 0)})


# ---- calibration to the national figures -------------------------------------------------------
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
                         "period": year, "status": found["status"].iloc[0],
                         "definition": found["definition"].iloc[0]})
    return pd.DataFrame(rows)


@lru_cache(maxsize=1)
def national_calibration() -> CalibrationResult:
    """The national model (England) fitted to `commissioner_targets()`; cached."""
    return calibrate(load_model(MODEL), commissioner_targets(), CALIBRATED, fixed=ENGLAND, months=84)


def _is_flow(model: Model, output: str) -> bool:
    return "/" in str(model.variables.loc[output, "unit"])


def _series_title(model: Model, output: str) -> str:
    label = str(model.variables.loc[output, "label"])
    return f"{label} (children a year)" if _is_flow(model, output) else f"{label} (children)"


def fit_chart(result: CalibrationResult, model: Model | None = None) -> Any:
    """The fitted national model (lines) against the Commissioner's figures (points), one panel
    per series, on a calendar-year axis; flows shown as children a year."""
    from ..charts import alt

    model = model or load_model(MODEL)
    targets = commissioner_targets()
    run_years = FIRST_YEAR + result.run.index.to_numpy(dtype=float) / 12
    panels, sentences = [], []
    domain = ["England model (fitted)", "Children's Commissioner's figure"]
    colour = alt.Color("series:N", title="", scale=alt.Scale(domain=domain))
    for output, error in result.fit_error.iterrows():
        scale = 12 if _is_flow(model, output) else 1
        line = pd.DataFrame({"year": run_years, "value": result.run[output].to_numpy() * scale,
                             "series": domain[0]})
        observed = result.residuals[result.residuals["output"] == output]
        periods = targets[targets["output"] == output].set_index("time")["period"]
        points = pd.DataFrame({"year": FIRST_YEAR + observed["time"].to_numpy(dtype=float) / 12,
                               "value": observed["observed"].to_numpy() * scale,
                               "model": observed["fitted"].to_numpy() * scale,
                               "period": [periods.get(t, "") for t in observed["time"]],
                               "series": domain[1]})
        title = _series_title(model, output)
        x = alt.X("year:Q", title="Year", scale=alt.Scale(domain=[2017, 2024.5]),
                  axis=alt.Axis(format="d", tickMinStep=1))
        y = alt.Y("value:Q", title="Children a year" if scale == 12 else "Children",
                  axis=alt.Axis(format=",~s"), scale=alt.Scale(zero=True))
        panels.append(alt.layer(
            alt.Chart(line).mark_line().encode(x=x, y=y, color=colour),
            alt.Chart(points).mark_point(filled=True, size=90, shape="diamond").encode(
                x=x, y=y, color=colour,
                tooltip=[alt.Tooltip("period:N", title="Year"),
                         alt.Tooltip("value:Q", title="Commissioner's figure", format=",.0f"),
                         alt.Tooltip("model:Q", title="Model", format=",.0f")]),
        ).properties(width=480, height=130, title=alt.Title(title, limit=520)))
        sentences.append(f"{title}: {int(error['points'])} figures, on average "
                         f"{error['mape_percent']:.0f}% from the model.")
    description = ("Four panels comparing the national model fitted to the Children's "
                   "Commissioner's figures for England (lines) with the figures themselves "
                   "(points), 2017/18 to 2023/24. " + " ".join(sentences))
    return alt.vconcat(*panels).properties(
        title=alt.Title("England: the fitted model and the Commissioner's figures",
                        subtitle="Lines: the model; diamonds: published figures. Hover for values."),
        description=description)


def fit_table(result: CalibrationResult, model: Model | None = None) -> PeopleTable:
    """How close the fitted model comes to each series: years compared and the average gap."""
    model = model or load_model(MODEL)
    targets = commissioner_targets()
    rows = pd.DataFrame({
        "series": [_series_title(model, o).split(" (")[0] for o in result.fit_error.index],
        "years": [", ".join(targets.loc[targets["output"] == o, "period"]) for o in result.fit_error.index],
        "gap": result.fit_error["mape_percent"].to_numpy()})
    return people_table(rows, {"series": Column("Series", "text"), "years": Column("Years compared", "text"),
                               "gap": Column("Average gap between model and figures", 0, suffix="%")})


def targets_table(model: Model | None = None) -> PeopleTable:
    """The observations the fit uses, in words (deep dive)."""
    model = model or load_model(MODEL)
    targets = commissioner_targets()
    targets["compared_with"] = [str(model.variables.loc[o, "label"]) for o in targets["output"]]
    targets["figure"] = [f"{v:,.0f} {unit_in_words(str(model.variables.loc[o, 'unit']))}"
                         for v, o in zip(targets["value"], targets["output"])]
    return people_table(targets, {
        "period": Column("Year", "text"), "definition": Column("What the Commissioner counted", "text"),
        "compared_with": Column("Model output", "text"), "time": Column("Month (0 = April 2017)", 0),
        "figure": Column("Figure used", "text"), "status": Column("Status", "text")})


def fitted_table(result: CalibrationResult, model: Model | None = None) -> PeopleTable:
    """Fitted inputs with default, standard error and the range searched (deep dive)."""
    model = model or load_model(MODEL)
    table = result.parameters.copy()
    table["label"] = [str(model.parameters.loc[n, "label"]) for n in table.index]
    for column in ("start", "fitted", "standard_error", "lower", "upper"):
        table[column] = [_figure(float(v)) for v in table[column]]
    table["unit"] = [unit_in_words(str(u)) for u in table["unit"]]
    return people_table(table, {
        "label": Column("Input", "text"), "start": Column("Default (per 100,000)", "text"),
        "fitted": Column("Fitted", "text"), "standard_error": Column("Standard error", "text"),
        "lower": Column("Lowest tried", "text"), "upper": Column("Highest tried", "text"),
        "unit": Column("Unit", "text")})


def fit_error_table(result: CalibrationResult, model: Model | None = None) -> PeopleTable:
    """Fit error per series: points, RMSE in the series' unit, MAPE (deep dive)."""
    model = model or load_model(MODEL)
    table = result.fit_error.copy()
    table["series"] = [str(model.variables.loc[o, "label"]) for o in table.index]
    table["rmse_words"] = [f"{v:,.0f} {unit_in_words(str(u))}" for v, u in zip(table["rmse"], table["unit"])]
    return people_table(table, {
        "series": Column("Series", "text"), "points": Column("Figures", 0),
        "rmse_words": Column("Root mean square error", "text"),
        "mape_percent": Column("Mean absolute percentage error", 1, suffix="%")})


def trade_offs(result: CalibrationResult, model: Model | None = None, limit: float = 0.5) -> list[str]:
    """Pairs of fitted inputs whose estimates move together (|correlation| above `limit`), in words."""
    model = model or load_model(MODEL)
    if result.correlations is None:
        return []
    labels = {n: str(model.parameters.loc[n, "label"]).lower() for n in result.correlations.index}
    names = list(result.correlations.index)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            value = float(result.correlations.loc[first, second])
            if abs(value) > limit:
                pairs.append((abs(value), f"{labels[first]} and {labels[second]} "
                                          f"(correlation {value:+.2f})"))
    return [text for _, text in sorted(pairs, reverse=True)]


def trade_offs_note(result: CalibrationResult) -> Markdown:
    """The fitted inputs whose estimates trade off against each other, as a list (deep dive)."""
    found = trade_offs(result)
    if not found:
        return Markdown("No two fitted inputs trade off strongly against each other.")
    return Markdown("\n".join(f"* {text[0].upper()}{text[1:]}" for text in found))


def identifiability_demo() -> Markdown:
    """Fit two inputs that act only as a ratio, and say in words what the fit reports."""
    model = load_model(MODEL)
    pair = calibrate(model, commissioner_targets(), ["hours_per_mild_course", "clinical_hours_per_clinician"],
                     fixed={**ENGLAND, **national_calibration().fitted}, months=84)
    found = trade_offs(pair, model, limit=0.95)
    if not found:
        return Markdown("This time the fit could tell the two inputs apart.")
    return Markdown("Fitting both at once, the fit reports that it cannot tell apart "
                    + "; ".join(found) + ": the figures fit equally well if one rises and the other "
                    "keeps pace. Fix one from other evidence before fitting the other.")


# ---- reflections, closing note, progress -------------------------------------------------------
@EXERCISES.add("03-reflect-upstream")
def reflect_upstream() -> Reflection:
    """Reflection after experiment 3: which upstream policy to put to the board first."""
    return Reflection("03-reflect-upstream",
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




@EXERCISES.add("03-reflect-board")
def reflect_board() -> Reflection:
    """Closing reflection: back to the question from practice."""
    return Reflection("03-reflect-board",
                      "Back to the board's question: <i>\"We funded more posts last year. Why is "
                      "the list no shorter?\"</i> How would you answer it now?")


def closing_loops(solved: bool) -> Any:
    return loops_people_table(solved)


def closing_tipping_point(solved: bool) -> Any:
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
        display(Markdown("**National calibration, England 2017/18 to 2023/24**: average gap "
                         "between the fitted model and the Commissioner's figures, by series."))
        display(fit_table(result))
    return widgets.VBox([
        widgets.HTML("<b>Feedback loops</b>"), after_solving("03-ex1", closing_loops), fit,
        after_solving("03-ex5", closing_tipping_point,
                      "The tipping point appears here once you have answered exercise 5.")])


def progress():
    """This module's progress bar."""
    return EXERCISES.progress()
