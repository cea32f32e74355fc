"""Module 05's interactive tools (not marked): the lever explorer, exercise 3's entry-rate tool,
and the policy picker, each naming outputs, places and scenario changes in words.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from ...analysis.scenarios import Scenarios, load_scenarios
from ...charts import MAX_LINES, runs_chart, time_axis
from ...models import load_model
from ...widgets.explorer import Explorer
from ...widgets.scenario_picker import ScenarioPicker
from .charts import short_axes
from .runs import (END_YEAR, LEVERS, MODEL, PLACES, output_title, share_with_inner_city_entry_rate,
                   uk_entry_rate)

log = logging.getLogger(__name__)


class LeverExplorer(Explorer):
    """The course explorer, with outputs and places named in words and short axis titles."""

    def _chart_template(self) -> dict[str, Any]:
        self._y_titles = {o: output_title(o) for o in self.outputs}
        self._time_title, time_format = time_axis(self.model)
        chart = runs_chart(self.outputs, self._y_titles, self._time_title, self.title,
                           "Move a slider to re-run; 'Keep this run' to compare.", time_format=time_format)
        return short_axes(chart, self.outputs).to_dict()


def explore(outputs: Sequence[str] = ("poverty_share_percent[inner_city]",
                                      "poverty_share_percent[uk_average]",
                                      "year_6_obesity_percent[inner_city]")) -> LeverExplorer:
    """The module's explorer: sliders for the four policy levers beside a live chart of `outputs`."""
    return LeverExplorer(load_model(MODEL), parameters=LEVERS, outputs=list(outputs),
                         title="Child poverty and Year 6 obesity, 2010 to 2040")


class EntryRateTool:
    """A slider for the inner city's entry rate and a sentence with its poverty share in 2040.

    A tool, not an exercise: it is never marked, and it starts at the inner city's own rate.
    """

    def __init__(self) -> None:
        row = load_model(MODEL).parameters.loc["inner_city_poverty_entry_rate"]
        self.own_rate = float(row["default"])
        self.uk_rate = uk_entry_rate()
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
            o: short_axes(runs_chart([o], self._y_titles, self._time_title, self.title,
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
    model = load_model(MODEL)
    every = load_scenarios(MODEL, model)
    chosen = Scenarios(model, [every[name] for name in names], source=every.source)
    outputs = [f"poverty_share_percent[{place}]", f"year_6_obesity_percent[{place}]"]
    return PolicyPicker(model, chosen, outputs=outputs, times=list(times),
                        title=f"Policies compared: {PLACES[place]}")
