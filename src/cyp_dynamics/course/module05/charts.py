"""Module 05's charts: the model's diagram in two readable parts, the ageing chain as stacked
areas, runs compared panel by panel, and each place's poverty share with its gap to the UK.

Every chart has calendar years ("2030") on its time axis and a description for screen readers;
outputs and places are named in words, with only the unit on each panel's y axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ...analysis.diagram import CausalDiagram
from ...analysis.loops import as_diagram
from ...charts import MAX_LINES, alt, gap_chart, runs_chart, stacked_areas, tidy_runs
from ...models import load_model, tidy_elements
from .runs import AGE_BANDS, MODEL, PLACES, STATUSES, by_place, capital, output_title, output_unit

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


def short_axes(chart: alt.VConcatChart, outputs: Sequence[str]) -> alt.VConcatChart:
    """Put only the unit on each panel's y axis (the panel title names the output), so nothing is cut off."""
    for panel, output in zip(chart.vconcat, outputs):
        panel.encoding.y.title = output_unit(output) or output_title(output)
    return chart


def diagram_part(part: str = "chain") -> CausalDiagram:
    """One readable part of the model's stock-and-flow diagram: "chain" or "health".

    Show it with `show_diagram(diagram_part("chain"), loops=False)`.
    """
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
    return short_axes(chart, outputs)


def place_gap_chart(result: pd.DataFrame, title: str) -> alt.VConcatChart:
    """Each place's poverty share over time (top), and its gap to the UK-average place (bottom)."""
    shares = by_place(result, "poverty_share_percent")
    chart = gap_chart(shares, capital(PLACES["uk_average"]), title=title,
                      y_title="Children in poverty (% of children)", time_title="Year")
    for panel, axis in zip(chart.vconcat, ("% of children", "percentage points")):
        panel.encoding.y.title = axis  # the panel title names what is drawn; nothing is cut off
        panel.encoding.tooltip = [alt.Tooltip("place:N", title="Place"),
                                  alt.Tooltip(f"{shares.index.name or 'time'}:Q", title="Year", format="d"),
                                  panel.encoding.tooltip[2]]
    return chart
