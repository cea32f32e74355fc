"""Tables for people: headings in words with units, thousands separators, sensible decimals.

`people_table(frame, columns)` shows chosen columns of a DataFrame as a small HTML table that
fits JupyterLab's default width: no `dtype` line, no scientific notation, no code-style names.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd


@dataclass(frozen=True)
class Column:
    """How to show one column: its heading (units in words) and decimals (or 'text')."""

    heading: str
    decimals: int | str = 0
    prefix: str = ""
    suffix: str = ""


def format_cell(value: Any, column: Column) -> str:
    """One value as people read it: 2,280; 11.5%; £19.2 million; 2030; or text."""
    if column.decimals == "text" or isinstance(value, str):
        return html.escape(str(value))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    text = f"{number:,.{int(column.decimals)}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # never '-0'
    return html.escape(f"{column.prefix}{text}{column.suffix}")


class PeopleTable:
    """An HTML table ready to display; `.frame` keeps the formatted text for tests."""

    def __init__(self, frame: pd.DataFrame, caption: str = ""):
        self.frame, self.caption = frame, caption

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.frame.columns)
        rows = "".join("<tr>" + "".join(f"<td style='text-align:{_align(v)}'>{v}</td>" for v in row)
                       + "</tr>" for row in self.frame.itertuples(index=False))
        caption = f"<caption style='caption-side:top;text-align:left'>{html.escape(self.caption)}</caption>" \
            if self.caption else ""
        return (f"<table class='cyp-table' style='max-width:720px'>{caption}<thead><tr>{head}</tr>"
                f"</thead><tbody>{rows}</tbody></table>")

    def __repr__(self) -> str:  # plain text: aligned columns, no dtype line
        return self.frame.to_string(index=False)


def _align(text: str) -> str:
    """Numbers (2,280; £19.2; -5; 11.5%) to the right, words to the left."""
    return "right" if re.fullmatch(r"[£\-–]?[\d,.]+\s*%?|–", text.strip()) else "left"


def people_table(frame: pd.DataFrame, columns: Mapping[str, Column | str],
                 index: Column | str | None = None, caption: str = "") -> PeopleTable:
    """Show `columns` of `frame` ({name: Column or heading}); `index` adds the index first."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"The table has no column(s) {missing}; it has {list(frame.columns)}.")
    shown: dict[str, list[str]] = {}
    if index is not None:
        spec = index if isinstance(index, Column) else Column(index, "text")
        shown[spec.heading] = [format_cell(v, spec) for v in frame.index]
    for name, spec in columns.items():
        spec = spec if isinstance(spec, Column) else Column(spec)
        shown[spec.heading] = [format_cell(v, spec) for v in frame[name]]
    return PeopleTable(pd.DataFrame(shown), caption)


def dataset_table(frame: pd.DataFrame, caption: str = "") -> PeopleTable:
    """A course dataset (long format) for people: what each figure counts, where, when, how much."""
    from .words import unit_in_words

    def figure(row: pd.Series) -> str:
        value = float(row["value"])
        decimals = 0 if value >= 100 or value == int(value) else 3 if value < 1 else 1
        unit = unit_in_words(str(row["unit"])) if "/" in str(row["unit"]) or str(row["unit"]) in (
            "Dmnl", "GBP", "fraction", "percent", "FTE") else str(row["unit"])
        text = f"{value:,.{decimals}f}"
        return html.escape(f"£{text}" if unit == "£" else f"{text}%" if unit == "%" else f"{text} {unit}".strip())

    shown = pd.DataFrame({
        "What it counts": [html.escape(str(d)) for d in frame["definition"]],
        "Where": [html.escape(str(g)) for g in frame["geography"]],
        "When": [html.escape(str(p)) for p in frame["period"]],
        "Figure": [figure(row) for _, row in frame.iterrows()],
        "Status": [html.escape(str(s)) for s in frame["status"]],
    })
    return PeopleTable(shown, caption)
