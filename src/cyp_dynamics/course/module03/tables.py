"""Module 03's tables and views for people: the national figures, the model's inputs and where
they come from, the scenarios, and the results of experiments 2 and 3. Headings are in words
with units, never code-style names.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from ...analysis.scenarios import Scenarios
from ...charts.tables import Column, PeopleTable, dataset_table, people_table
from ...charts.words import unit_in_words
from ...data import load_dataset
from ...models import Model
from .runs import hiring_runs


def figure_in_words(value: float) -> str:
    """A number as people write it: 2,280; 26.1; 0.215; a value within 0.0005 of zero as 0."""
    size = abs(value)
    if size < 0.0005:  # a fit at its bound gives 7e-08, which people read as 0
        return "0"
    if value == int(value) or size >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if size >= 10 else f"{value:.3g}"


# ---- the question from practice: national figures ------------------------------------------------
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


# ---- the model's inputs and the scenarios --------------------------------------------------------
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
    table["default_words"] = [figure_in_words(float(v)) for v in table["default"]]
    table["range"] = [f"{figure_in_words(float(low))} to {figure_in_words(float(high))}"
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
    return (f"<p><b>{html.escape(str(row['label']))}</b>: default {figure_in_words(float(row['default']))}"
            f"{' ' + html.escape(unit) if unit else ''}, between {figure_in_words(float(row['min']))} and "
            f"{figure_in_words(float(row['max']))}.<br><b>Source:</b> {html.escape(str(row['source']))}</p>")


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


def scenarios_table(scenarios: Scenarios) -> PeopleTable:
    """The course scenarios: title and what each changes, in words."""
    return people_table(scenarios.table(), {"title": Column("Scenario", "text"),
                                            "description": Column("What it changes", "text")})


# ---- results of experiments 2 and 3 --------------------------------------------------------------
def crisis_table() -> PeopleTable:
    """Crisis presentations so far at month 60, for hiring now and hiring in month 12."""
    runs = hiring_runs()
    rows = pd.DataFrame({"run": list(runs),
                         "crises": [float(r.crisis_presentations_to_date.iloc[-1]) for r in runs.values()]})
    return people_table(rows, {"run": Column("Scenario", "text"),
                               "crises": Column("Crisis presentations so far at month 60 "
                                                "(per 100,000 children)", 0)})


def upstream_table(runs: dict[str, pd.DataFrame]) -> PeopleTable:
    """Children waiting after 1, 3 and 10 years under each policy."""
    rows = pd.DataFrame({"policy": list(runs),
                         **{f"m{m}": [float(r.waiting_list.loc[m]) for r in runs.values()]
                            for m in (12, 36, 120)}})
    return people_table(rows, {"policy": Column("Scenario", "text"),
                               "m12": Column("Children waiting after 1 year", 0),
                               "m36": Column("after 3 years", 0), "m120": Column("after 10 years", 0)})
