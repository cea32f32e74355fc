"""Altair charts in one house style: titled, units on every axis, colour-blind-safe colours.

Charts go out as Vega-Lite v5 specs (charts/display.py): JupyterLab draws them with its own
bundled renderer, so nothing is fetched from a CDN (NHS laptops and this course's CI are offline).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

from .words import name_in_words, unit_in_words


def _import_altair_quickly():
    """Import altair without jsonschema's optional IRI checker, which costs ~1.5 s.

    altair imports jsonschema, whose format module builds a grammar for `rfc3987_syntax` (if
    installed, as it is beside JupyterLab) at import: measured at 1.5 of altair's 1.9 s here.
    altair never validates IRI formats, so the checker is skipped while altair loads; anything
    imported later can still import `rfc3987_syntax` normally.
    """
    if "altair" in sys.modules or "jsonschema" in sys.modules:
        import altair

        return altair
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import altair
    finally:
        if blocked:
            del sys.modules["rfc3987_syntax"]
    return altair


alt = _import_altair_quickly()

# Okabe and Ito's palette, distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
RUNS_DATA = "runs"  # name of the data set inside a runs chart's spec
WIDTH, HEIGHT = 560, 200


@alt.theme.register("cyp_dynamics", enable=True)
def house_theme() -> alt.theme.ThemeConfig:
    """The course theme: readable sizes, palette above, no chart border."""
    return {
        "config": {
            "font": "sans-serif",
            "title": {"fontSize": 16, "anchor": "start", "subtitleFontSize": 12},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "grid": True, "gridOpacity": 0.4},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom",
                       "labelLimit": 400},
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 2.5},
            "view": {"stroke": None},
        }
    }


from . import display  # noqa: E402,F401  (registers and enables the course renderer)


MAX_LINES = 4  # lines per panel a reader can tell apart (by colour and by dash)
DASHES = [[1, 0], [8, 4], [2, 3], [10, 3, 2, 3]]


def axis_title(label: str, unit: str) -> str:
    """'Waiting list (children)': the label with its unit, in words, in brackets."""
    words = unit_in_words(unit)
    return f"{label} ({words})" if words else label


def time_axis(model: Any) -> tuple[str, str]:
    """The time axis title and number format: calendar years as '2030', months as 'Months from start'."""
    unit = str(model.time_unit).lower().rstrip("s")
    start = float(getattr(model, "_controls", {}).get("initial_time", 0.0))
    if unit == "year" and start >= 1900:
        return "Year", "d"
    return f"{unit.capitalize()}s from start" if unit else "Time", ",.0f"


def describe_runs(records: list[dict[str, Any]], y_titles: dict[str, str], time_title: str) -> str:
    """A text description of a runs chart for screen readers: each line's start and end."""
    sentences = []
    for name, y_title in y_titles.items():
        runs: dict[str, list[tuple[float, float]]] = {}
        for r in records:
            if r["variable"] == name:
                runs.setdefault(r["run"], []).append((r["time"], r["value"]))
        for run, points in runs.items():
            (t0, v0), (t1, v1) = points[0], points[-1]
            sentences.append(f"{y_title}, {run}: {v0:,.0f} at {time_title.lower()} {t0:g}, "
                             f"{v1:,.0f} at {t1:g}.")
    return "Line chart. " + " ".join(sentences)


def default_outputs(model: Any, run: pd.DataFrame | None = None) -> list[str]:
    """The model's first output as a column to draw: itself, or for a subscripted output
    (one column per element, e.g. 'children_not_in_poverty[coastal,age_0_4]') its first element.

    The columns come from `run` if given, else from the model (a run only on the pysd engine)."""
    from ..models.model import output_of

    first = model.outputs[0]
    if run is None and model.engine == "numpy":
        return model.output_columns([first])[:1]
    columns = (run if run is not None else model.run()).columns
    return [first] if first in columns else [next(c for c in columns if output_of(c) == first)]


def output_titles(model: Any, outputs: list[str]) -> dict[str, str]:
    """Axis titles with units for a model's outputs; ValueError naming any unknown output."""
    model.check_outputs(outputs)
    variables = model.variables
    titles = {}
    for output in outputs:  # a subscripted column keeps its element: 'Poverty share [coastal]'
        name = output.partition("[")[0]
        label = name_in_words(output, variables.loc[name, "label"])
        titles[output] = axis_title(label, variables.loc[name, "unit"])
    return titles


def tidy_runs(runs: dict[str, pd.DataFrame], outputs: list[str]) -> list[dict[str, Any]]:
    """Records {run, variable, time, value} for the named outputs of each run (for Vega-Lite)."""
    records: list[dict[str, Any]] = []
    for label, frame in runs.items():
        times = frame.index.to_numpy(dtype=float).tolist()
        for name in outputs:
            values = frame[name].to_numpy(dtype=float).tolist()
            records.extend({"run": label, "variable": name, "time": t, "value": v}
                           for t, v in zip(times, values))
    return records


def runs_chart(
    outputs: list[str],
    y_titles: dict[str, str],
    time_title: str,
    title: str,
    subtitle: str = "",
    data: list[dict[str, Any]] | None = None,
    time_format: str = ",.0f",
) -> alt.VConcatChart:
    """One panel per output, one line per run told apart by colour and dash, sharing the time axis.

    With `data=None` the chart refers to a named data set (`RUNS_DATA`) that the caller supplies
    in the spec's `datasets`, so a live explorer can swap data without rebuilding the chart.
    """
    source = alt.Data(name=RUNS_DATA) if data is None else alt.Data(values=data)
    legend = alt.Legend(title="Run", symbolStrokeWidth=2.5, symbolSize=300, labelLimit=400)
    panels = []
    for name in outputs:
        panels.append(
            alt.Chart(source)
            .transform_filter(alt.datum.variable == name)
            .mark_line()
            .encode(
                x=alt.X("time:Q", title=time_title, axis=alt.Axis(format=time_format)),
                y=alt.Y("value:Q", title=_lines(y_titles[name]), scale=alt.Scale(zero=True),
                        axis=alt.Axis(format=",~s" if _big(data, name) else ",~r")),
                color=alt.Color("run:N", sort=None, legend=legend),
                strokeDash=alt.StrokeDash("run:N", sort=None, legend=legend,
                                          scale=alt.Scale(range=DASHES)),
                tooltip=[alt.Tooltip("run:N", title="Run"),
                         alt.Tooltip("time:Q", title=time_title, format=time_format),
                         alt.Tooltip("value:Q", title=y_titles[name], format=",.1f")],
            )
            .properties(width=WIDTH, height=HEIGHT, title=y_titles[name].split(" (")[0])
        )
    chart = alt.vconcat(*panels).properties(title=alt.Title(title, subtitle=subtitle or alt.Undefined))
    if data is not None:
        chart = chart.properties(description=describe_runs(data, y_titles, time_title))
    return chart


def _lines(title: str, width: int = 30) -> str | list[str]:
    """A long axis title on two lines (label, then unit), so it is never cut off."""
    if len(title) <= width or " (" not in title:
        return title
    label, _, unit = title.rpartition(" (")
    return [label, f"({unit}"]


def _big(data: list[dict[str, Any]] | None, name: str) -> bool:
    """Whether an output reaches millions (its axis then reads 12M, not 12,000,000)."""
    return bool(data) and max((abs(r["value"]) for r in data if r["variable"] == name), default=0) >= 1e6


def plot_runs(
    model: Any,
    runs: dict[str, pd.DataFrame] | pd.DataFrame,
    outputs: list[str] | None = None,
    title: str | None = None,
    subtitle: str = "",
) -> alt.VConcatChart:
    """Chart one run (a DataFrame from `Model.run`) or several ({label: DataFrame}) of `model`.

    Axis titles carry each output's unit from the model file.
    """
    if isinstance(runs, pd.DataFrame):
        runs = {"This run": runs}
    if not isinstance(runs, dict) or not runs:
        raise ValueError("plot_runs needs one run (the table model.run() gives) or a dictionary of "
                         "runs with a label for each, e.g. {'Today': run, 'More staff': other}; "
                         f"you gave {type(runs).__name__} {'(empty)' if not runs else ''}.")
    for label, run in runs.items():
        values = run.select_dtypes("number").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            bad = [c for c in run.select_dtypes("number").columns
                   if not np.isfinite(run[c].to_numpy(dtype=float)).all()]
            raise ValueError(f"The run '{label}' has values that are not numbers (infinite or 0/0) "
                             f"in {', '.join(bad[:3])}: usually a division by zero in the model. "
                             "Check those equations (Vensim's ZIDZ and XIDZ say what to give when "
                             "the divisor is zero) or the settings that led there.")
    if len(runs) > MAX_LINES:
        raise ValueError(f"{len(runs)} runs is too many lines for one chart: readers can tell apart "
                         f"at most {MAX_LINES}. Choose the runs that matter, or draw two charts.")
    if isinstance(outputs, str):
        outputs = [outputs]
    outputs = outputs or default_outputs(model, next(iter(runs.values())))
    y_titles = output_titles(model, outputs)
    time_title, time_format = time_axis(model)
    return runs_chart(outputs, y_titles, time_title, title or model.name.replace("_", " ").capitalize(),
                      subtitle, data=tidy_runs(runs, outputs), time_format=time_format)


from .groups import gap_chart, stacked_areas  # noqa: E402  (needs alt and the theme above)

__all__ = ["PALETTE", "MAX_LINES", "axis_title", "default_outputs", "describe_runs", "time_axis", "name_in_words", "unit_in_words", "house_theme", "output_titles", "plot_runs", "runs_chart",
           "tidy_runs", "gap_chart", "stacked_areas"]
