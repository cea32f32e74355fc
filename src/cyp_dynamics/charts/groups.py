"""Charts for groups and places: stacked areas of a population's parts, and gaps between places.

Both take plain DataFrames (see `cyp_dynamics.models.subscripts` to get them from a run of a
subscripted model) and draw in the house theme, with units on every axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from . import DASHES, HEIGHT, MAX_LINES, WIDTH, alt


def _check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"The table has no column(s) {missing}; it has {list(data.columns)}.")


def stacked_areas(data: pd.DataFrame, x: str, y: str, stack: str, *, title: str, x_title: str,
                  y_title: str, stack_title: str, stack_order: Sequence[str] | None = None,
                  facet: str | None = None, facet_title: str = "") -> alt.Chart | alt.FacetChart:
    """Areas stacked by `stack` (e.g. poverty status) over `x` (time), one panel per `facet`.

    `data` is a long table with columns x, y, stack (and facet); `stack_order` lists the stack's
    values from the bottom up (and fixes their colours).
    """
    _check_columns(data, [x, y, stack] + ([facet] if facet else []))
    order = list(stack_order) if stack_order else sorted(data[stack].unique())
    table = data.assign(_order=data[stack].map({v: i for i, v in enumerate(order)}))
    chart = alt.Chart(table).mark_area(opacity=0.9).encode(
        x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format="d")),
        y=alt.Y(f"sum({y}):Q", title=y_title, stack="zero"),
        color=alt.Color(f"{stack}:N", title=stack_title, sort=order),
        order=alt.Order("_order:Q"),
        tooltip=[alt.Tooltip(f"{x}:Q", title=x_title), alt.Tooltip(f"{stack}:N", title=stack_title),
                 alt.Tooltip(f"sum({y}):Q", title=y_title, format=",.0f")],
    ).properties(width=WIDTH // 2 if facet else WIDTH, height=HEIGHT)
    if facet:
        facet_order = list(dict.fromkeys(data[facet]))
        chart = chart.facet(facet=alt.Facet(f"{facet}:N", title=facet_title, sort=facet_order),
                            columns=2)
    totals = data.groupby(stack, sort=False)[y].sum()
    description = (f"Stacked areas of {y_title} by {stack_title.lower()} over {x_title.lower()}"
                   + (f", one panel per {facet_title.lower() or facet}" if facet else "") + ". Parts, "
                   "bottom up: " + ", ".join(str(v) for v in order) + ". Largest overall: "
                   f"{totals.idxmax()}.")
    return chart.properties(title=title, description=description)


def gap_chart(by_place: pd.DataFrame, reference: str, *, title: str, y_title: str,
              time_title: str, gap_title: str = "Gap") -> alt.VConcatChart:
    """Each place's line over time (top) and its gap to `reference` (bottom).

    `by_place` has one column per place and time as its index (as `by_element` returns).
    """
    _check_columns(by_place, [reference])
    time_name = by_place.index.name or "time"
    long = by_place.reset_index().melt(id_vars=time_name, var_name="place", value_name="value")
    gaps = by_place.drop(columns=[reference]).sub(by_place[reference], axis=0)
    gaps_long = gaps.reset_index().melt(id_vars=time_name, var_name="place", value_name="gap")
    places = list(by_place.columns)
    if len(places) > MAX_LINES:
        raise ValueError(f"{len(places)} places is too many lines for one panel: readers can tell "
                         f"apart at most {MAX_LINES}. Choose the places to compare.")
    colour = alt.Color("place:N", title="Place", sort=places, scale=alt.Scale(domain=places))
    dash = alt.StrokeDash("place:N", title="Place", sort=places,
                          scale=alt.Scale(domain=places, range=DASHES[:len(places)]))
    x = alt.X(f"{time_name}:Q", title=time_title, axis=alt.Axis(format="d"))
    levels = alt.Chart(long).mark_line().encode(
        x=x, y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=True)), color=colour,
        strokeDash=dash,
        tooltip=["place:N", alt.Tooltip(f"{time_name}:Q", title=time_title),
                 alt.Tooltip("value:Q", title=y_title, format=",.1f")],
    ).properties(width=WIDTH, height=HEIGHT, title=y_title.split(" (")[0])
    gap_axis = f"{gap_title} to {reference}"
    gap_lines = alt.Chart(gaps_long).mark_line().encode(
        x=x, y=alt.Y("gap:Q", title=f"{gap_axis} ({y_title.split(' (')[-1]}" if "(" in y_title
                      else gap_axis),
        color=colour, strokeDash=dash,
        tooltip=["place:N", alt.Tooltip(f"{time_name}:Q", title=time_title),
                 alt.Tooltip("gap:Q", title=gap_axis, format="+,.1f")],
    ).properties(width=WIDTH, height=HEIGHT, title=gap_axis)
    first, last = by_place.index[0], by_place.index[-1]
    description = (f"Line chart of {y_title} by place, {first:g} to {last:g}. " + " ".join(
        f"{place}: {by_place[place].iloc[0]:,.1f} then {by_place[place].iloc[-1]:,.1f}."
        for place in places) + f" Lower panel: each place's gap to {reference}.")
    return alt.vconcat(levels, gap_lines).properties(title=title, description=description)


__all__ = ["gap_chart", "stacked_areas"]
