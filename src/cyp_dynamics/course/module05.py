"""Module 05, child poverty and inequalities: runs, tables and charts for people, and the exercises.

The model `child_poverty_and_health` has three places and four age bands (Vensim subscripts), so
its runs have one column per element, e.g. `poverty_share_percent[coastal]`. The helpers here
show them as people say them ("inner-city borough", "ages 0 to 4", "% of children"), with
calendar years ("2030") on every axis and table. Each `exercise_N()` shows an answer widget; the
right answers are computed from the model, never typed in.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..analysis.checks import CheckResult
from ..analysis.diagram import CausalDiagram
from ..charts import (MAX_LINES, alt, gap_chart, runs_chart, stacked_areas, tidy_runs, time_axis,
                      unit_in_words)
from ..charts.tables import Column, PeopleTable, people_table
from ..data import load_dataset
from ..models import by_element, load_model, tidy_elements
from ..widgets import ChoiceQuestion, NumberQuestion, PredictQuestion, Reflection
from ..widgets.explorer import Explorer
from ..widgets.scenario_picker import ScenarioPicker
from .exercises import ExerciseSet

log = logging.getLogger(__name__)

MODEL = "child_poverty_and_health"
PLACES = {"coastal": "coastal district", "inner_city": "inner-city borough",
          "uk_average": "UK-average place"}
AGE_BANDS = {"age_0_4": "Ages 0 to 4", "age_5_10": "Ages 5 to 10", "age_11_15": "Ages 11 to 15",
             "age_16_17": "Ages 16 and 17"}
STATUSES = {"children_not_in_poverty": "Not in poverty",
            "children_in_new_poverty": "New spell of poverty",
            "children_in_persistent_poverty": "Persistent poverty"}
#: Outputs in words: (what it is, the axis title with its unit).
OUTPUTS = {"poverty_share_percent": ("Children in poverty", "% of children"),
           "year_6_obesity_percent": ("Year 6 children living with obesity", "% of Year 6 children"),
           "camhs_referrals_from_11_to_15s": ("CAMHS referrals of 11 to 15 year olds", "children a year"),
           "mental_health_difficulties_11_to_15": ("11 to 15 year olds with mental-health difficulties",
                                                   "share of 11 to 15 year olds"),
           "persistent_poverty_share_of_band": ("Children in persistent poverty",
                                                "share of the age band")}
#: The policy levers the explorer offers.
LEVERS = ["exit_rise_percent", "entry_cut_percent", "shock_entry_rise_percent",
          "early_years_support_coverage"]
POLICY_START_YEAR = 2026
END_YEAR = 2040
LONG_RUN_YEARS = 50  # to 2060: long enough for outcomes to finish responding to a 2026 policy
EXITS_UP_A_TENTH = {"exit_rise_percent": 10, "policy_start_year": POLICY_START_YEAR}
SHOCK = {"shock_entry_rise_percent": 30, "shock_start_year": 2022, "shock_length": 2}
EXERCISES = ExerciseSet("05")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---- runs -----------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _cached_run(params: tuple[tuple[str, float], ...], years: float | None) -> pd.DataFrame:
    return load_model(MODEL).run(dict(params), years)


def run(params: dict[str, float] | None = None, years: float | None = None) -> pd.DataFrame:
    """A run of the module's model from 2010, `years` long (default to 2040); runs are kept."""
    return _cached_run(tuple(sorted((params or {}).items())), years).copy()


def by_place(result: pd.DataFrame, variable: str) -> pd.DataFrame:
    """One column per place (named for people, e.g. 'Coastal district') for a [Place] output."""
    return by_element(result, variable).rename(columns=lambda place: _capital(PLACES[place]))


def response_delay(base: pd.DataFrame, policy: pd.DataFrame, column: str,
                   start_year: float = POLICY_START_YEAR) -> float:
    """Years from `start_year` until `column` has moved half of its change by the end of the run.

    The change is policy minus base; its value at the last year stands for the full response,
    so runs should be long (`LONG_RUN_YEARS`). NaN if the policy changes nothing.
    """
    change = (policy[column] - base[column]).loc[start_year:]
    full = change.iloc[-1]
    if abs(full) < 1e-12:
        return float("nan")
    reached = change[(change / full) >= 0.5]
    return float(reached.index[0] - start_year)


def long_runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs to 2060 without and with exits up a tenth from 2026 (for the delays)."""
    return run(years=LONG_RUN_YEARS), run(EXITS_UP_A_TENTH, LONG_RUN_YEARS)


# ---- words for outputs ----------------------------------------------------------------------
def _split(column: str) -> tuple[str, list[str]]:
    variable, _, rest = column.partition("[")
    return variable, [e.strip() for e in rest.rstrip("]").split(",") if e.strip()]


def _element(element: str) -> str:
    return PLACES.get(element) or AGE_BANDS.get(element, element.replace("_", " ")).lower()


def output_words(column: str) -> str:
    """'poverty_share_percent[inner_city]' -> 'Children in poverty, inner-city borough'."""
    variable, elements = _split(column)
    label = OUTPUTS[variable][0] if variable in OUTPUTS else \
        load_model(MODEL).variables.loc[variable, "label"]
    return ", ".join([label, *(_element(e) for e in elements)])


def output_title(column: str) -> str:
    """The output in words with its unit: 'Children in poverty, inner-city borough (% of children)'."""
    variable, _ = _split(column)
    unit = OUTPUTS[variable][1] if variable in OUTPUTS else \
        unit_in_words(load_model(MODEL).variables.loc[variable, "unit"])
    return f"{output_words(column)} ({unit})" if unit else output_words(column)


def _short_axes(chart: alt.VConcatChart, outputs: Sequence[str]) -> alt.VConcatChart:
    """Put only the unit on each panel's y axis (the panel title names the output), so nothing is cut off."""
    for panel, output in zip(chart.vconcat, outputs):
        variable, _ = _split(output)
        panel.encoding.y.title = OUTPUTS[variable][1] if variable in OUTPUTS else output_title(output)
    return chart


# ---- tables for people ----------------------------------------------------------------------
#: The datasets the model's sources cite, as this notebook's reader knows them.
DATASETS_IN_WORDS = {"hbai_child_poverty_uk": "the national figures (HBAI) above",
                     "local_child_poverty_rates": "the local figures above",
                     "ncmp_obesity_and_infant_mortality": "the obesity and infant mortality figures above"}


def source_in_words(source: str) -> str:
    """A model input's source with dataset paths ('datasets/hbai_child_poverty_uk') named in words."""
    from ..data import dataset_metadata

    def words(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in DATASETS_IN_WORDS:
            return DATASETS_IN_WORDS[name]
        try:
            return f"the dataset “{dataset_metadata(name)['title']}”"
        except (OSError, KeyError, ValueError):
            return name.replace("_", " ")

    return re.sub(r"datasets/(\w+)", words, str(source))


def _number(value: float, unit: str = "") -> str:
    """A model input as people write it: 2026, 20,000, 0.145."""
    if unit == "Year" and value >= 1900:
        return f"{value:.0f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def inputs_table() -> PeopleTable:
    """Every input of the model: label, unit in words, default, range, source."""
    table = load_model(MODEL).parameters
    shown = pd.DataFrame({
        "label": table["label"],
        "default": [_number(v, u) for v, u in zip(table["default"], table["unit"])],
        "range": [f"{_number(lo, u)} to {_number(hi, u)}" for lo, hi, u in
                  zip(table["min"], table["max"], table["unit"])],
        "unit": [unit_in_words(u) for u in table["unit"]],
        "source": [source_in_words(t) for t in table["source"]]})
    return people_table(shown, {"label": Column("Input", "text"), "unit": Column("Unit", "text"),
                                "default": Column("Default", "text"), "range": Column("Range", "text"),
                                "source": Column("Source", "text")})


def outputs_table() -> PeopleTable:
    """Every output of the model, with its unit in words and what it is."""
    model = load_model(MODEL)
    table = model.variables.loc[model.outputs]
    shown = table.assign(unit_words=[unit_in_words(u) for u in table["unit"]])
    return people_table(shown, {"label": Column("Output", "text"), "unit_words": Column("Unit", "text"),
                                "description": Column("What it is", "text")})


def _year_index(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_axis([f"{y:.0f}" if float(y).is_integer() else f"{y:g}" for y in frame.index])


def place_table(result: pd.DataFrame, variable: str = "poverty_share_percent",
                years: Sequence[float] = (2010, 2015, 2020, 2025, 2030, 2040),
                decimals: int = 1) -> PeopleTable:
    """One row per year, one column per place, for a [Place] output such as the poverty share."""
    frame = _year_index(by_place(result, variable).loc[list(years)])
    unit = OUTPUTS[variable][1] if variable in OUTPUTS else ""
    suffix = " (%)" if unit.startswith("%") else f" ({unit})" if unit else ""
    return people_table(frame, {p: Column(f"{p}{suffix}", decimals) for p in frame.columns},
                        index=Column("Year", "text"), caption=output_words(variable))


def delay_table(years: Sequence[int] = tuple(range(2026, 2041))) -> PeopleTable:
    """The fall in UK-average Year 6 obesity after exits rise a tenth, each year, and its share of the fall by 2060."""
    base, policy = long_runs()
    change = (policy - base)["year_6_obesity_percent[uk_average]"]
    frame = pd.DataFrame({"fall": -change.loc[list(years)],
                          "share": 100 * change.loc[list(years)] / change.iloc[-1]})
    return people_table(_year_index(frame),
                        {"fall": Column("Fall in Year 6 obesity (percentage points)", 3),
                         "share": Column("Share of the fall by 2060 (%)", 1)},
                        index=Column("Year", "text"))


DELAY_OUTPUTS = {"poverty_share_percent[uk_average]": "Children in poverty",
                 "persistent_poverty_share_of_band[uk_average,age_5_10]":
                     "Children in persistent poverty, ages 5 to 10",
                 "mental_health_difficulties_11_to_15[uk_average]":
                     "11 to 15 year olds with mental-health difficulties",
                 "camhs_referrals_from_11_to_15s[uk_average]": "CAMHS referrals of 11 to 15 year olds"}


def delays_table() -> PeopleTable:
    """Years until half the response to exits up a tenth, for outputs other than Year 6 obesity."""
    base, policy = long_runs()
    frame = pd.DataFrame({"output": list(DELAY_OUTPUTS.values()),
                          "years": [response_delay(base, policy, c) for c in DELAY_OUTPUTS]})
    return people_table(frame, {"output": Column("What responds (UK-average place)", "text"),
                                "years": Column("Years until half the response", 1)})


def shock_table(years: Sequence[float] = (2021, 2022, 2023, 2024, 2026, 2030)) -> PeopleTable:
    """The UK-average place's poverty share with and without the 2022-24 shock."""
    column = "poverty_share_percent[uk_average]"
    frame = pd.DataFrame({"without": run()[column], "with": run(SHOCK)[column]}).loc[list(years)]
    return people_table(_year_index(frame), {"without": Column("Without the shock (%)", 2),
                                             "with": Column("With the shock (%)", 2)},
                        index=Column("Year", "text"),
                        caption="Children in poverty, UK-average place")


def hbai_comparison(result: pd.DataFrame) -> pd.DataFrame:
    """HBAI's UK child poverty rate (relative, after housing costs) beside the UK-average place.

    A financial year 2010/11 is read at model time 2010.5, its middle.
    """
    data = load_dataset("hbai_child_poverty_uk")
    hbai = data[data.measure == "children_relative_low_income_ahc_share"]
    rows = []
    for _, row in hbai.iterrows():
        time = int(row.period[:4]) + 0.5
        modelled = result["poverty_share_percent[uk_average]"].loc[time]
        rows.append({"financial year": row.period, "HBAI (%)": row.value,
                     "model, UK-average place (%)": round(float(modelled), 1),
                     "difference (points)": round(float(modelled) - row.value, 1)})
    return pd.DataFrame(rows)


def hbai_table(result: pd.DataFrame) -> PeopleTable:
    """`hbai_comparison` as a table for people."""
    return people_table(hbai_comparison(result), {
        "financial year": Column("Financial year", "text"), "HBAI (%)": Column("HBAI, UK (%)", 0),
        "model, UK-average place (%)": Column("Model, UK-average place (%)", 1),
        "difference (points)": Column("Difference (percentage points)", 1)})


def books_sentences(result: pd.DataFrame) -> list[str]:
    """For each place, how closely the chain matches births in minus 18th birthdays out."""
    sentences = []
    for place, name in PLACES.items():
        chain = sum(by_element(result, stock, place=place).sum(axis=1) for stock in STATUSES)
        books = (chain.iloc[0] + result[f"births_to_date[{place}]"]
                 - result[f"reached_adulthood_to_date[{place}]"])
        gap = float((books - chain).abs().max())
        within = "a millionth of a child" if gap < 1e-6 else f"{gap:,.3f} children"
        sentences.append(f"{_capital(name)}: in every year the chain matches its books to within {within}.")
    return sentences


# ---- charts ---------------------------------------------------------------------------------
_RUNNING_TOTALS = ["births_to_date", "reached_adulthood_to_date", "years_of_income_measures"]
_PLUMBING = ["children_at_start", "years_of_childhood", "children_per_place", "initial_poverty_share",
             "entry_rate_before_policy", "exit_rate_before_policy", "income_measures_on",
             "cost_of_living_shock_on", "poverty_share", "poverty_share_percent"]
_CHAIN = ["births", "share_of_births_into_poverty", "children_not_in_poverty", "entries_to_poverty",
          "exits_from_new_poverty", "poverty_becoming_persistent", "exits_from_persistent_poverty",
          "entry_rate_now", "exit_rate_now"] + [f"ageing_{way}_{status}" for way in ("in", "out")
                                                for status in ("not_in_poverty", "new_poverty",
                                                               "persistent_poverty")]
_OUTCOMES = ["early_years_support_reaching_school_age", "year_6_obesity_target", "year_6_obesity",
             "year_6_obesity_percent", "mental_health_difficulty_target",
             "mental_health_difficulties_11_to_15", "camhs_referrals_from_11_to_15s",
             "change_in_early_years_support_reaching_school_age", "change_in_year_6_obesity",
             "change_in_mental_health_difficulties", "children", "children_in_poverty",
             "poverty_share_of_band", "persistent_poverty_share_of_band"]
#: The model's diagram in two readable parts: (title, variables left out).
DIAGRAM_PARTS = {
    "chain": ("Part 1: the ageing chain and spells of poverty (drawn from the model file)",
              _RUNNING_TOTALS + _PLUMBING + _OUTCOMES),
    "health": ("Part 2: how health follows time in poverty (drawn from the model file)",
               _RUNNING_TOTALS + _PLUMBING + _CHAIN),
}


def diagram_part(part: str = "chain") -> CausalDiagram:
    """One readable part of the model's stock-and-flow diagram: "chain" or "health".

    Show it with `show_diagram(diagram_part("chain"), loops=False)`.
    """
    from ..analysis.loops import as_diagram

    if part not in DIAGRAM_PARTS:
        raise ValueError(f"part must be one of {', '.join(DIAGRAM_PARTS)}; you gave {part!r}.")
    title, hidden = DIAGRAM_PARTS[part]
    diagram = as_diagram(load_model(MODEL), hide=hidden)
    diagram.title = title
    return diagram


def chain_chart(result: pd.DataFrame, place: str = "inner_city",
                title: str | None = None) -> alt.FacetChart:
    """Stacked areas: children in each age band by poverty status, in one place, over time."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {', '.join(PLACES)}; you gave {place!r}.")
    tidy = tidy_elements(result, list(STATUSES), ["place", "age_band"])
    tidy = tidy[tidy.place == place].assign(
        status=lambda t: t.variable.map(STATUSES), age=lambda t: t.age_band.map(AGE_BANDS))
    time = result.index.name or "year"
    chart = stacked_areas(
        tidy, x=time, y="value", stack="status",
        title=title or f"Children by age and poverty status: {PLACES[place]}",
        x_title="Year", y_title="Children", stack_title="Poverty status",
        stack_order=list(STATUSES.values())[::-1], facet="age", facet_title="Age band")
    chart.spec.encoding.tooltip[0].format = "d"  # 2030, not 2,030
    last = tidy[tidy[time] == tidy[time].max()]
    bands = []
    for band in AGE_BANDS.values():
        rows = last[last.age == band].set_index("status")["value"]
        bands.append(f"{band.lower()}: " + ", ".join(f"{rows[s]:,.0f} {words}" for s, words in zip(
            STATUSES.values(), ["not in poverty", "in a new spell of poverty", "in persistent poverty"])))
    return chart.properties(description=(
        f"Stacked area charts, one per age band, of the {PLACES[place]}'s children by poverty status "
        f"from {result.index[0]:.0f} to {result.index[-1]:.0f}. In {result.index[-1]:.0f}, "
        + "; ".join(bands) + "."))


def plot_runs(runs: dict[str, pd.DataFrame], outputs: list[str], title: str) -> alt.VConcatChart:
    """The course's `plot_runs` for this model: a panel per output (a column such as
    'poverty_share_percent[uk_average]'), a line per run, outputs and places named in words."""
    if len(runs) > MAX_LINES:
        raise ValueError(f"{len(runs)} runs is too many lines for one chart; at most {MAX_LINES}.")
    chart = runs_chart(outputs, {o: output_title(o) for o in outputs}, "Year", title,
                       data=tidy_runs(runs, outputs), time_format="d")
    return _short_axes(chart, outputs)


def place_gap_chart(result: pd.DataFrame, title: str) -> alt.VConcatChart:
    """Each place's poverty share over time (top), and its gap to the UK-average place (bottom)."""
    shares = by_place(result, "poverty_share_percent")
    chart = gap_chart(shares, _capital(PLACES["uk_average"]), title=title,
                      y_title="Children in poverty (% of children)", time_title="Year")
    for panel, axis in zip(chart.vconcat, ("% of children", "percentage points")):
        panel.encoding.y.title = axis  # the panel title names what is drawn; nothing is cut off
        panel.encoding.tooltip = [alt.Tooltip("place:N", title="Place"),
                                  alt.Tooltip(f"{shares.index.name or 'time'}:Q", title="Year", format="d"),
                                  panel.encoding.tooltip[2]]
    return chart


# ---- interactive tools ----------------------------------------------------------------------
class LeverExplorer(Explorer):
    """The course explorer, with outputs and places named in words and short axis titles."""

    def _chart_template(self) -> dict[str, Any]:
        self._y_titles = {o: output_title(o) for o in self.outputs}
        self._time_title, time_format = time_axis(self.model)
        chart = runs_chart(self.outputs, self._y_titles, self._time_title, self.title,
                           "Move a slider to re-run; 'Keep this run' to compare.", time_format=time_format)
        return _short_axes(chart, self.outputs).to_dict()


def explore(outputs: Sequence[str] = ("poverty_share_percent[inner_city]",
                                      "poverty_share_percent[uk_average]",
                                      "year_6_obesity_percent[inner_city]")) -> LeverExplorer:
    """The module's explorer: sliders for the four policy levers beside a live chart of `outputs`."""
    return LeverExplorer(load_model(MODEL), parameters=LEVERS, outputs=list(outputs),
                         title="Child poverty and Year 6 obesity, 2010 to 2040")


def share_with_inner_city_entry_rate(rate: float) -> float:
    """The inner-city borough's poverty share (%) in 2040 with entry rate `rate` a year."""
    result = run({"inner_city_poverty_entry_rate": float(rate)})
    return float(result["poverty_share_percent[inner_city]"].loc[END_YEAR])


class EntryRateTool:
    """A slider for the inner city's entry rate and a sentence with its poverty share in 2040.

    A tool, not an exercise: it is never marked, and it starts at the inner city's own rate.
    """

    def __init__(self) -> None:
        table = load_model(MODEL).parameters
        row = table.loc["inner_city_poverty_entry_rate"]
        self.own_rate = float(row["default"])
        self.uk_rate = float(table.loc["uk_poverty_entry_rate", "default"])
        self.slider = widgets.FloatSlider(value=self.own_rate, min=float(row["min"]), max=float(row["max"]),
                                          step=float(row["step"]), readout_format=".3f",
                                          continuous_update=False, layout=widgets.Layout(width="340px"))
        self.slider.add_class("cyp-tool-slider")
        self.result = widgets.HTML()
        self.slider.observe(lambda _: self.update(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML("<b>Inner-city entry rate</b>: the share of the borough's households with "
                         "children, not in poverty, that fall into poverty each year. Drag the slider, "
                         "or click the number beside it and type a new one."),
            widgets.HBox([self.slider, widgets.Label("a year")]), self.result])
        self.widget.add_class("cyp-tool-entry-rate")
        self.update()

    def update(self) -> str:
        """Run the model at the slider's rate and say what it gives; never raises."""
        try:
            rate = float(self.slider.value)
            share = share_with_inner_city_entry_rate(rate)
            self.result.value = (
                f"<p>With an entry rate of <b>{rate:.3f}</b> a year, <b>{share:.1f}%</b> of the "
                f"inner-city borough's children are in poverty in {END_YEAR}. (Its own rate is "
                f"{self.own_rate:.3f}; the UK-average place's is {self.uk_rate:.3f}.)</p>")
        except Exception as error:  # a tool must never show a traceback
            log.exception("entry rate tool failed")
            self.result.value = (f"<p>The model could not run with that rate "
                                 f"({html.escape(type(error).__name__)}); try another value.</p>")
        return self.result.value

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def entry_rate_tool() -> EntryRateTool:
    """The tool for exercise 3."""
    return EntryRateTool()


class PolicyPicker(ScenarioPicker):
    """The course scenario picker, with outputs, places and scenario changes named in words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._y_titles = {o: output_title(o) for o in self.outputs}
        self._templates = {
            o: _short_axes(runs_chart([o], self._y_titles, self._time_title, self.title,
                                      f"Tick up to {MAX_LINES} scenarios to compare.",
                                      time_format=time_axis(self.model)[1]), [o]).to_dict()
            for o in self.outputs}
        self.output_choice.options = [(self._y_titles[o], o) for o in self.outputs]
        self.output_choice.layout.width = "560px"
        self.redraw()

    def _tooltip(self, name: str) -> str:
        labels = self.model.parameters["label"]
        changes = ", ".join(f"{labels[k].lower()} {v:g}" for k, v in self.scenarios.parameters(name).items())
        return f"{self.scenarios[name].description} Changes: {changes or 'none'}."


def compare_policies(names: Sequence[str] = ("base", "income_package", "early_years_support"),
                     place: str = "inner_city",
                     times: tuple[float, ...] = (2026, 2030, 2040)) -> PolicyPicker:
    """A scenario picker for some of the course's scenarios, for one place.

    `names` come from `src/cyp_dynamics/models/scenarios/child_poverty_and_health.toml`.
    """
    from ..analysis import Scenarios, load_scenarios

    model = load_model(MODEL)
    every = load_scenarios(MODEL, model)
    chosen = Scenarios(model, [every[name] for name in names], source=every.source)
    outputs = [f"poverty_share_percent[{place}]", f"year_6_obesity_percent[{place}]"]
    return PolicyPicker(model, chosen, outputs=outputs, times=list(times),
                        title=f"Policies compared: {PLACES[place]}")


# ---- exercise 1: predict the share when exits rise by a tenth --------------------------------
def exits_up_share_2040() -> float:
    """UK-average poverty share (%) in 2040 when exits from poverty rise by a tenth from 2026."""
    return float(run(EXITS_UP_A_TENTH)["poverty_share_percent[uk_average]"].loc[END_YEAR])


@EXERCISES.add("05-ex1")
def exercise_1() -> PredictQuestion:
    """Exercise 1: predict the UK-average share in 2040 with exits up a tenth; any share is fine."""
    return PredictQuestion("05-ex1", exits_up_share_2040, unit="%", kind="percent", decimals=1,
                           minimum=0, maximum=100,
                           reflection="The chart below shows how the share gets there.")


# ---- exercise 2: the delay before Year 6 obesity responds ------------------------------------
def obesity_delay_years() -> float:
    """Years after 2026 until UK-average Year 6 obesity has made half its fall (runs to 2060)."""
    return response_delay(*long_runs(), "year_6_obesity_percent[uk_average]")


def _judge_delay(years: float) -> CheckResult:
    truth = obesity_delay_years()
    if years >= 1900:
        return CheckResult(False, f"{years:.0f} looks like a calendar year. The question asks "
                                  f"<i>how many years</i> the fall takes, counted from "
                                  f"{POLICY_START_YEAR}: take {POLICY_START_YEAR} away from the year "
                                  "you found in the table.")
    if years < 0:
        return CheckResult(False, "A delay cannot be negative: count the years forward from "
                                  f"{POLICY_START_YEAR}.")
    if abs(years - truth) <= 0.5:  # the model moves in half-year steps
        return CheckResult(True, f"About {truth:.0f} years: poverty falls first, then fewer spells "
                                 "become persistent, then obesity catches up.")
    return CheckResult(False, f"{years:g} years is too {'high' if years > truth else 'low'}.")


@EXERCISES.add("05-ex2")
def exercise_2() -> NumberQuestion:
    """Exercise 2: years after 2026 until Year 6 obesity has made half its fall, within half a year."""
    return NumberQuestion(
        "05-ex2", obesity_delay_years, unit="years", judge=_judge_delay,
        hint="In the table above, find the first year in which the share of the fall reaches 50%, "
             f"then count the years from {POLICY_START_YEAR} to that year.")


# ---- exercise 3: the inner city with the UK's entry rate -------------------------------------
def inner_city_share_with_uk_entry_rate() -> float:
    """Inner-city poverty share (%) in 2040 if its entry rate were the UK-average place's."""
    return share_with_inner_city_entry_rate(
        float(load_model(MODEL).parameters.loc["uk_poverty_entry_rate", "default"]))


def _judge_inner_city(percent: float) -> CheckResult:
    truth = inner_city_share_with_uk_entry_rate()
    base = run()
    own = float(base["poverty_share_percent[inner_city]"].loc[END_YEAR])
    uk = float(base["poverty_share_percent[uk_average]"].loc[END_YEAR])
    if abs(percent - truth) <= 0.03 * truth:
        return CheckResult(True, f"{percent:.1f}%: well below the {own:.1f}% the borough reaches with "
                                 f"its own entry rate, but still above the UK-average place's {uk:.1f}%, "
                                 "because the borough's households also leave poverty less often.")
    if 0 < percent < 1 and abs(percent * 100 - truth) <= 0.03 * truth:
        return CheckResult(False, "That looks like a fraction: type it as a percentage (times 100).")
    if abs(percent - own) <= 0.5:
        return CheckResult(False, f"{percent:.1f}% is the borough's share with its <i>own</i> entry "
                                  "rate. Set the slider to the UK-average place's rate first.")
    if abs(percent - uk) <= 0.5:
        return CheckResult(False, f"{percent:.1f}% is the UK-average place's share. The question asks "
                                  "for the inner-city borough's, with the UK's entry rate.")
    return CheckResult(False, f"{percent:.1f}% is too {'high' if percent > truth else 'low'}.")


@EXERCISES.add("05-ex3")
def exercise_3() -> NumberQuestion:
    """Exercise 3: the inner city's share in 2040 with the UK's entry rate, within 3%."""
    uk_rate = float(load_model(MODEL).parameters.loc["uk_poverty_entry_rate", "default"])
    return NumberQuestion(
        "05-ex3", inner_city_share_with_uk_entry_rate, unit="%", kind="percent", decimals=1,
        tolerance=0.03, judge=_judge_inner_city,
        hint=f"In the tool above, set the inner-city entry rate to {uk_rate:.3f} (the UK-average "
             "place's rate) and read the share in the sentence below the slider.")


# ---- exercise 4: why the gap persists --------------------------------------------------------
WHY_CHOICES = {
    "A": "Each place settles where its own entries and exits balance. A lever that changes "
         "every place's rates by the same percentage moves every level, but leaves the local "
         "differences in those rates, so a gap remains.",
    "B": "The inner city has more children, so any policy takes longer to reach them all.",
    "C": "Averages always improve more slowly than the worst places.",
}


@EXERCISES.add("05-ex4")
def exercise_4() -> ChoiceQuestion:
    """Exercise 4: why the gap between places persists; A is right."""
    return ChoiceQuestion(
        "05-ex4", WHY_CHOICES, correct="A",
        praise="The structure is shared; the local rates are not. Closing a gap needs levers aimed "
               "at what differs between places.",
        reasons={"B": "a share does not depend on the number of children: give the inner city more "
                      "or fewer children and its share does not move.",
                 "C": "in this model the inner city's share falls by about as many points as the "
                      "UK-average place's, or more (look at the gap chart)."},
        hint="Look at what differs between the places (their entry and exit rates), and whether "
             "the policy changes that difference.")


# ---- exercise 5: the legacy of a cost-of-living shock -----------------------------------------
def shock_legacy_points() -> float:
    """Extra points of UK-average poverty in 2030 after a 2022-24 cost-of-living shock."""
    column = "poverty_share_percent[uk_average]"
    return float(run(SHOCK)[column].loc[2030] - run()[column].loc[2030])


@EXERCISES.add("05-ex5")
def exercise_5() -> NumberQuestion:
    """Exercise 5: the shock's legacy in 2030, in percentage points, within 10%."""
    return NumberQuestion(
        "05-ex5", shock_legacy_points, unit="percentage points", decimals=2, tolerance=0.10,
        right="About {truth:.2f} points, six years after the shock ended: spells that began in "
              "the shock became persistent.",
        hint="In the table above, take the 2030 value without the shock away from the 2030 value "
             "with it.",
        leaks=[r"quarter of a (?:percentage )?point"])


# ---- reflections --------------------------------------------------------------------------
@EXERCISES.add("05-reflect-board")
def reflect_board() -> Reflection:
    """Reflection after exercise 2: judging a policy on the right clock."""
    return Reflection("05-reflect-board",
                      "A board reviewing this policy after two years would see poverty fall but "
                      "almost no change in obesity. What would you tell them? Which measure would "
                      "you track to see early progress?")


@EXERCISES.add("05-reflect-shock")
def reflect_shock() -> Reflection:
    """Reflection after exercise 5: where a shock's legacy shows up."""
    return Reflection("05-reflect-shock",
                      "The shock lasted two years; its mark lasts much longer, in children who spent "
                      "more of their childhood in poverty. Where would that show up first in your "
                      "services?")


def progress():
    """This module's progress bar."""
    return EXERCISES.progress()
