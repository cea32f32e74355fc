"""`explore(model)`: sliders for a model's parameters beside a live chart of its outputs.

Sliders come from `Model.parameters` (range, step, unit in the label, description and source
as the tooltip). Each slider move re-runs the model and redraws the chart; "Keep this run"
overlays the current run for comparison; "Reset" puts every slider back to its default.
The chart template is built once with altair; a move only swaps the data in the spec.
"""

from __future__ import annotations

import copy
import html
import math
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ..analysis.checks import all_finite
from ..charts import (MAX_LINES, RUNS_DATA, default_outputs, describe_runs, output_titles,
                      runs_chart, tidy_runs, time_axis, unit_in_words)
from ..models import Model

VEGA_LITE_MIME = "application/vnd.vegalite.v5+json"
CURRENT_RUN = "Now"


def slider_range(row: pd.Series) -> tuple[float, float, float]:
    """(min, max, step) for a parameter: its declared range, or one guessed from its default."""
    default = float(row["default"])
    low = row["min"] if pd.notna(row["min"]) else min(0.0, 2 * default)
    high = row["max"] if pd.notna(row["max"]) else max(2 * abs(default), 1.0)
    step = row["step"] if pd.notna(row["step"]) else (high - low) / 100
    return float(low), float(high), float(step)


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step))) if step > 0 else 2


class Explorer:
    """The explorer's state and widgets; display it (or leave it last in a cell) to show it."""

    def __init__(
        self,
        model: Model,
        parameters: list[str] | None = None,
        outputs: list[str] | None = None,
        months: float | None = None,
        title: str | None = None,
    ):
        self.model = model
        if isinstance(parameters, str):  # one name, not a list of its letters
            parameters = [parameters]
        self.parameters = [model.parameter_name(p) for p in (parameters or list(model.parameters.index))]
        self.outputs = [outputs] if isinstance(outputs, str) else (outputs or default_outputs(model))
        self._y_titles = output_titles(model, self.outputs)  # also rejects unknown outputs
        self.months = months
        model.final_time_for(months)  # check the run length now, not at the first slider move
        self.title = title or f"Explore: {model.name.replace('_', ' ')}"
        self.kept: dict[str, pd.DataFrame] = {}
        self.results = pd.DataFrame()
        self._failed = False  # the slider values now could not run
        self._template = self._chart_template()
        table = self._table = model.parameters  # a copy: take it once, not once per slider
        self._variables = model.variables
        self._defaults = {name: float(table.loc[name, "default"]) for name in self.parameters}
        self.sliders = {name: self._slider(table.loc[name]) for name in self.parameters}
        self.chart = widgets.Output(layout=widgets.Layout(min_height="260px"))
        self.status = widgets.HTML()
        self._build_layout()
        self.update()

    # ---- widgets -------------------------------------------------------------------------------
    def _slider(self, row: pd.Series) -> widgets.FloatSlider:
        low, high, step = slider_range(row)
        slider = widgets.FloatSlider(
            value=row["default"], min=low, max=high, step=step,
            continuous_update=False, readout_format=f",.{_decimals(step)}f",
            layout=widgets.Layout(width="300px"),
            tooltip=f"{row['description']} Source: {row['source']}",
        )
        slider.observe(self._on_change, names="value")
        return slider

    def _slider_row(self, name: str) -> widgets.HBox:
        """The slider with its label (which wraps, never cut off) and its unit in words."""
        row = self._table.loc[name]
        tip = f"{row['description']} Source: {row['source']}".replace('"', "&quot;")
        label = widgets.HTML(f'<span title="{tip}">{row["label"]}</span>',
                             layout=widgets.Layout(width="230px"))
        unit = widgets.Label(unit_in_words(row["unit"]), layout=widgets.Layout(width="auto"))
        return widgets.HBox([label, self.sliders[name], unit], layout=widgets.Layout(align_items="center"))

    def _build_layout(self) -> None:
        keep = widgets.Button(description="Keep this run", icon="thumb-tack",
                              tooltip="Overlay this run on the chart to compare with later runs")
        reset = widgets.Button(description="Reset", icon="undo",
                               tooltip="Put every slider back to its default")
        clear = widgets.Button(description="Clear kept runs", icon="trash",
                               tooltip="Remove the runs you kept")
        keep.on_click(lambda _: self.keep())
        reset.on_click(lambda _: self.reset())
        clear.on_click(lambda _: self.clear_kept())
        controls = widgets.VBox(
            [widgets.HTML(f"<b>{self.title}</b>"), *(self._slider_row(n) for n in self.sliders),
             widgets.HBox([keep, reset, clear]), self.status],
            layout=widgets.Layout(min_width="570px"),
        )
        self.widget = widgets.HBox([controls, self.chart], layout=widgets.Layout(flex_flow="row wrap"))

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ---- state --------------------------------------------------------------------------------
    @property
    def params(self) -> dict[str, float]:
        """The slider values now, by parameter name."""
        return {name: slider.value for name, slider in self.sliders.items()}

    def _on_change(self, change: dict[str, Any]) -> None:
        self.update()

    def update(self) -> None:
        """Run the model with the slider values and redraw; on error, say why and keep the values.

        A run that goes infinite or stops being a number (a division by zero) is not drawn: the
        status says which variable and when, and the chart keeps the last run that worked.
        """
        try:
            results = self.model.run(self.params, months=self.months)
        except ValueError as error:
            return self._fail(f"Could not run: {error}")
        finite = all_finite(results, dict(zip(self._variables.name, self._variables.label)),
                            self.model.index_name)
        if not finite:
            return self._fail(f"This run could not be drawn. {finite.message} The chart still "
                              "shows the last run that worked.")
        self.results = results
        self._failed = False
        self.status.value = ""
        self.redraw()

    def _fail(self, message: str) -> None:
        """Say why the slider values could not be drawn; the chart and kept runs stay as they were."""
        self._failed = True
        self.status.value = f"<span style='color:#D55E00'>{html.escape(message, quote=False)}</span>"

    def keep(self) -> str:
        """Keep the current run on the chart, labelled by what differs from the defaults."""
        if self._failed:  # the chart still shows the last run that worked
            self.status.value = ("<span style='color:#D55E00'>Nothing kept: these slider values "
                                 "could not run (see above). Change them, then keep the run.</span>")
            return ""
        changed = [f"{self._table.loc[name, 'label'].lower()} {value:,.{_decimals(self.sliders[name].step)}f}"
                   for name, value in self.params.items()
                   if not math.isclose(value, self._defaults[name])]
        label = f"Run {len(self.kept) + 1}: " + (", ".join(changed) if changed else "defaults")
        if len(self.kept) >= MAX_LINES - 1:  # at most four lines, 'Now' included
            dropped = next(iter(self.kept))
            del self.kept[dropped]
            self.status.value = f"Kept runs are limited to {MAX_LINES - 1}: '{dropped}' was removed."
        self.kept[label] = self.results
        self.redraw()
        return label

    def clear_kept(self) -> None:
        """Remove every kept run."""
        self.kept.clear()
        self.redraw()

    def reset(self) -> None:
        """Every slider back to its default, with a single re-run."""
        for name, slider in self.sliders.items():
            slider.unobserve(self._on_change, names="value")
            slider.value = self._defaults[name]
            slider.observe(self._on_change, names="value")
        self.update()

    # ---- chart ---------------------------------------------------------------------------------
    def _chart_template(self) -> dict[str, Any]:
        subtitle = "Move a slider to re-run; 'Keep this run' to compare."
        self._time_title, time_format = time_axis(self.model)
        chart = runs_chart(self.outputs, self._y_titles, self._time_title, self.title, subtitle,
                           time_format=time_format)
        return chart.to_dict()

    def current_spec(self) -> dict[str, Any]:
        """The Vega-Lite spec of the chart as it stands (kept runs first, then the current run)."""
        spec = copy.copy(self._template)
        records = tidy_runs({**self.kept, CURRENT_RUN: self.results}, self.outputs)
        spec["datasets"] = {RUNS_DATA: records}
        spec["description"] = describe_runs(records, self._y_titles, self._time_title)
        return spec

    def redraw(self) -> None:
        """Replace the chart with the current spec."""
        with self.chart:
            self.chart.clear_output(wait=True)
            display({VEGA_LITE_MIME: self.current_spec(), "text/plain": f"<{self.title} chart>"},
                    raw=True)


def explore(
    model: Model | str,
    parameters: list[str] | None = None,
    outputs: list[str] | None = None,
    months: float | None = None,
    title: str | None = None,
) -> Explorer:
    """Sliders for `parameters` (default: all) and a live chart of `outputs` (default: the first stock).

    `model` is a `Model` or a course model's name. Leave the call last in a cell to show it.
    """
    if isinstance(model, str):
        from ..models import load_model

        model = load_model(model)
    if not isinstance(model, Model):
        raise TypeError("explore needs a model or a course model's name, e.g. "
                        f"explore('camhs_waiting_list'); you gave {type(model).__name__}.")
    return Explorer(model, parameters=parameters, outputs=outputs, months=months, title=title)
