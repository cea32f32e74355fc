"""Fan charts: many runs of a model drawn as a median line and 50% and 90% bands over time.

A band says where the stated share of the *runs* lie, given the ranges chosen for the uncertain
inputs. It is not a forecast interval: it leaves out everything the model does not contain.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import DASHES, HEIGHT, WIDTH, alt

LEVELS = (0.5, 0.9)
BAND_COLOURS = {0.5: "#6BAED6", 0.9: "#DEEBF7"}  # darker for the inner band
MEDIAN, DEFAULT = "Median of the runs", "Default run (the model's own values)"


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def when_in_words(year: float) -> str:
    """A calendar year with a fraction as a month: 2027.25 -> 'April 2027'."""
    whole = int(year + 1e-9)
    month = min(int(round((year - whole) * 12)), 11)
    return f"{MONTHS[month]} {whole}"


def _wide(runs: pd.DataFrame, output: str) -> pd.DataFrame:
    """One row per time, one column per run, from an `ensemble` result (run, time) or a wide table."""
    if not isinstance(runs, pd.DataFrame) or runs.empty:
        raise ValueError("runs must be the table `ensemble` returns (indexed by run and time).")
    if isinstance(runs.index, pd.MultiIndex):
        if output not in runs.columns:
            raise ValueError(f"{output!r} is not in the runs; they hold {', '.join(runs.columns)}.")
        return runs[output].unstack(level=0)
    return runs


def fan_bands(runs: pd.DataFrame, output: str = "", levels: Sequence[float] = LEVELS) -> pd.DataFrame:
    """Per time: `median`, and `low_50`/`high_50`, `low_90`/`high_90` (one pair per level).

    The band for level 0.9 runs from the 5th to the 95th percentile of the runs at that time,
    so it holds 90% of them. `runs` is an `ensemble` result (give `output`) or a table with one
    row per time and one column per run.
    """
    wide = _wide(runs, output)
    if wide.shape[1] < 2:
        raise ValueError("A fan chart needs two or more runs.")
    values = wide.to_numpy(dtype=float)
    table = pd.DataFrame({"median": np.median(values, axis=1)}, index=wide.index)
    for level in levels:
        if not 0 < level < 1:
            raise ValueError(f"Band levels are shares between 0 and 1, such as 0.9; you gave {level!r}.")
        tail = (1 - level) / 2
        percent = round(level * 100)
        table[f"low_{percent}"] = np.quantile(values, tail, axis=1)
        table[f"high_{percent}"] = np.quantile(values, 1 - tail, axis=1)
    table.attrs["runs"] = wide.shape[1]
    return table


def share_inside(runs: pd.DataFrame, bands: pd.DataFrame, level: float, output: str = "") -> pd.Series:
    """Per time, the share of runs inside the band for `level` (about `level` by construction)."""
    wide = _wide(runs, output)
    percent = round(level * 100)
    low, high = bands[f"low_{percent}"].to_numpy()[:, None], bands[f"high_{percent}"].to_numpy()[:, None]
    values = wide.to_numpy(dtype=float)
    return pd.Series(((values >= low) & (values <= high)).mean(axis=1), index=wide.index)


def fan_chart(runs: pd.DataFrame, output: str = "", default_run: pd.Series | None = None, *,
              title: str, y_title: str, time_title: str = "Months from start",
              start_year: float | None = None, steps_per_year: float = 1.0,
              levels: Sequence[float] = LEVELS, subtitle: str = "", description: str = "",
              default_label: str = DEFAULT, y_format: str = ",.0f", width: int = WIDTH,
              height: int = HEIGHT) -> Any:
    """A fan chart: the 90% and 50% bands, the median of the runs, and the default run on top.

    `runs` as for `fan_bands`; `default_run` is one run's values of the same output (indexed by
    time). With `start_year`, time becomes a calendar year (`start_year + time / steps_per_year`)
    on an axis labelled "Year". The description (for screen readers) says what the chart shows
    and, unless `description` is given, the median and 90% band at the last time.
    """
    bands = fan_bands(runs, output, levels)
    times = bands.index.to_numpy(dtype=float)
    if start_year is not None:
        x_values, x_title, x_format = start_year + times / steps_per_year, "Year", "d"
    else:
        x_values, x_title, x_format = times, time_title, ",.0f"
    table = bands.reset_index(drop=True).assign(x=x_values)
    table["when"] = [when_in_words(v) for v in x_values] if start_year is not None else \
        [f"{v:,.0f}" for v in x_values]
    if default_run is not None:
        table["default"] = pd.Series(default_run).reindex(bands.index).to_numpy(dtype=float)
    x = alt.X("x:Q", title=x_title, axis=alt.Axis(format=x_format, tickMinStep=1 if start_year else alt.Undefined))
    base = alt.Chart(table)
    band_names = [f"Middle {round(level * 100)}% of runs" for level in sorted(levels, reverse=True)]
    areas = []
    for level, name in zip(sorted(levels, reverse=True), band_names):
        percent = round(level * 100)
        areas.append(base.transform_calculate(band=f"'{name}'").mark_area(opacity=0.9).encode(
            x=x, y=alt.Y(f"low_{percent}:Q", title=y_title, scale=alt.Scale(zero=True),
                         axis=alt.Axis(format=",~s" if float(bands.abs().max().max()) >= 1e6 else ",~r",
                                       titleLimit=height + 60)),
            y2=f"high_{percent}:Q",
            fill=alt.Fill("band:N", title="Band", scale=alt.Scale(
                domain=band_names, range=[BAND_COLOURS.get(lv, "#C6DBEF") for lv in sorted(levels, reverse=True)]),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=300))))
    line_names = [MEDIAN] + ([default_label] if default_run is not None else [])
    line_columns = {MEDIAN: "median", default_label: "default"}
    long = table.melt(id_vars=["x"], value_vars=[line_columns[n] for n in line_names],
                      var_name="column", value_name="value")
    long["line"] = long["column"].map({v: k for k, v in line_columns.items()})
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=300, symbolStrokeWidth=2.5,
                        symbolSize=300)  # one legend for colour and dash: the same field, title, legend
    lines = alt.Chart(long).mark_line().encode(
        x=x, y=alt.Y("value:Q"),
        color=alt.Color("line:N", title="Line", sort=line_names, legend=legend,
                        scale=alt.Scale(domain=line_names, range=["#08306B", "#D55E00"][:len(line_names)])),
        strokeDash=alt.StrokeDash("line:N", sort=line_names, title="Line", legend=legend,
                                  scale=alt.Scale(domain=line_names, range=[DASHES[1], DASHES[0]][:len(line_names)])))
    tips = [alt.Tooltip("when:N", title="When" if start_year is not None else x_title),
            alt.Tooltip("median:Q", title="Median", format=y_format)]
    for level in sorted(levels, reverse=True):
        percent = round(level * 100)
        tips += [alt.Tooltip(f"low_{percent}:Q", title=f"{percent}% band, low end", format=y_format),
                 alt.Tooltip(f"high_{percent}:Q", title=f"{percent}% band, high end", format=y_format)]
    if default_run is not None:
        tips.append(alt.Tooltip("default:Q", title="Default run", format=y_format))
    hover = base.mark_rule(strokeWidth=6, opacity=0.001).encode(x=x, tooltip=tips)
    if not description:
        last = bands.iloc[-1]
        widest = f"{round(max(levels) * 100)}"
        description = (f"Fan chart of {y_title.lower()} over time from {bands.attrs['runs']:,} runs: "
                       f"the middle 50% and 90% of runs as shaded bands, their median as a dashed "
                       f"line{', and the default run as a solid line' if default_run is not None else ''}. "
                       f"At the end the median is {last['median']:,.0f} and the middle {widest}% of runs "
                       f"lie between {last[f'low_{widest}']:,.0f} and {last[f'high_{widest}']:,.0f}.")
    return alt.layer(*areas, lines, hover).properties(
        width=width, height=height, description=description,
        title=alt.Title(title, subtitle=subtitle or alt.Undefined, limit=width + 40))
