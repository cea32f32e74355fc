"""`compare_scenarios(model, scenarios)`: tick scenarios on and off and watch them side by side.

Every scenario is run once when the picker is built (scenarios are few and runs are fast), so
ticking a box only redraws. Below the chart, a table gives each ticked scenario's value of the
chosen output at a few points in time. Built for trainees who compare policies without writing
code, and for a trainer showing a room what each policy does.
"""

from __future__ import annotations

import copy
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ..analysis.scenarios import Scenarios, compare_at, load_scenarios, run_scenarios
from ..charts import (MAX_LINES, RUNS_DATA, default_outputs, describe_runs, output_titles,
                      runs_chart, tidy_runs, time_axis)
from ..charts.tables import Column, PeopleTable, people_table
from ..models import Model
from .explorer import VEGA_LITE_MIME


class ScenarioPicker:
    """Check boxes for scenarios, a choice of output, a chart and a table of values."""

    def __init__(self, model: Model, scenarios: Scenarios, outputs: list[str] | None = None,
                 months: float | None = None, title: str | None = None,
                 times: list[float] | None = None):
        self.model = model
        self.scenarios = scenarios
        self.outputs = [outputs] if isinstance(outputs, str) else (outputs or default_outputs(model))
        self._y_titles = output_titles(model, self.outputs)  # rejects unknown outputs
        self.title = title or f"Scenarios: {model.name.replace('_', ' ')}"
        self.runs = run_scenarios(model, scenarios, months=months)
        index = next(iter(self.runs.values())).index
        self.times = times or [float(t) for t in index[:: max(1, (len(index) - 1) // 3)]][:4]
        self.boxes = {  # the first few ticked: at most MAX_LINES lines on a chart
            name: widgets.Checkbox(value=index < MAX_LINES, description=scenarios[name].title,
                                   indent=False, tooltip=self._tooltip(name),
                                   layout=widgets.Layout(width="auto"))
            for index, name in enumerate(scenarios.names)
        }
        self.status = widgets.HTML()
        self.output_choice = widgets.Dropdown(
            options=[(self._y_titles[o], o) for o in self.outputs], value=self.outputs[0],
            description="Show", layout=widgets.Layout(width="420px"))
        for box in self.boxes.values():
            box.observe(self._on_tick, names="value")
        self.output_choice.observe(lambda _: self.redraw(), names="value")
        self.chart = widgets.Output(layout=widgets.Layout(min_height="260px"))
        self.table = widgets.Output()
        self.widget = widgets.VBox([
            widgets.HTML(f"<b>{self.title}</b>"),
            widgets.HBox(list(self.boxes.values()), layout=widgets.Layout(flex_flow="row wrap")),
            self.status, self.output_choice, self.chart, self.table,
        ])
        self._time_title, time_format = time_axis(model)
        self._templates = {  # one chart template per output; a choice only swaps template and data
            output: runs_chart([output], self._y_titles, self._time_title, self.title,
                               f"Tick up to {MAX_LINES} scenarios to compare.",
                               time_format=time_format).to_dict()
            for output in self.outputs
        }
        self.redraw()

    def _on_tick(self, change: dict[str, Any]) -> None:
        """Redraw; a fifth tick is undone with a message (at most four lines on a chart)."""
        if change["new"] and len(self.chosen) > MAX_LINES:
            change["owner"].value = False
            self.status.value = (f"<i>At most {MAX_LINES} scenarios at a time, so the lines stay "
                                 "readable: untick one first.</i>")
            return
        self.status.value = ""
        self.redraw()

    def _tooltip(self, name: str) -> str:
        scenario = self.scenarios[name]
        changes = ", ".join(f"{k} = {v:g}" for k, v in self.scenarios.parameters(name).items())
        return f"{scenario.description} Changes: {changes or 'none'}."

    @property
    def chosen(self) -> dict[str, pd.DataFrame]:
        """The runs of the ticked scenarios, by title."""
        return {self.scenarios[name].title: self.runs[self.scenarios[name].title]
                for name, box in self.boxes.items() if box.value}

    def current_spec(self) -> dict[str, Any]:
        """The Vega-Lite spec for the ticked scenarios and the chosen output."""
        output = self.output_choice.value
        spec = copy.copy(self._templates[output])
        records = tidy_runs(self.chosen, [output])
        spec["datasets"] = {RUNS_DATA: records}
        spec["description"] = describe_runs(records, {output: self._y_titles[output]}, self._time_title)
        return spec

    def value_table(self) -> pd.DataFrame:
        """The chosen output at the picker's times, one row per ticked scenario."""
        chosen = self.chosen
        if not chosen:
            return pd.DataFrame()
        return compare_at(chosen, self.output_choice.value, self.times).round(1)

    def people_value_table(self) -> PeopleTable:
        """The value table for people: scenario titles, times as columns, thousands separators."""
        table = self.value_table()
        time_word = self._time_title.split(" ")[0]
        columns = {c: Column(f"{time_word} {c:g}" if isinstance(c, (int, float)) else str(c), 1)
                   for c in table.columns}
        return people_table(table, columns, index=Column("Scenario", "text"),
                            caption=self._y_titles[self.output_choice.value])

    def redraw(self) -> None:
        """Redraw the chart and the table for the current choices."""
        with self.chart:
            self.chart.clear_output(wait=True)
            if self.chosen:
                display({VEGA_LITE_MIME: self.current_spec(), "text/plain": f"<{self.title} chart>"},
                        raw=True)
            else:
                display(widgets.HTML("<i>Tick at least one scenario to draw it.</i>"))
        with self.table:
            self.table.clear_output(wait=True)
            if self.chosen:
                display(self.people_value_table())

    def _ipython_display_(self) -> None:
        display(self.widget)


def compare_scenarios(model: Model | str, scenarios: Scenarios | str | None = None,
                      outputs: list[str] | None = None, months: float | None = None,
                      title: str | None = None, times: list[float] | None = None) -> ScenarioPicker:
    """A scenario picker for `model` (a `Model` or course model name).

    `scenarios` is a `Scenarios`, a path to a `.toml` file, or None for the course file of the model.
    """
    if isinstance(model, str):
        from ..models import load_model

        model = load_model(model)
    if not isinstance(scenarios, Scenarios):
        scenarios = load_scenarios(scenarios or model.name, model)
    return ScenarioPicker(model, scenarios, outputs=outputs, months=months, title=title, times=times)
