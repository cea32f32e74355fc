"""Cited datasets shipped with the course: a CSV plus Frictionless-style `datapackage.json`.

Each dataset folder holds `data.csv` (long format: measure, period, geography, value, unit,
status, source, definition, notes) and `datapackage.json` (title, licences, sources with
addresses and dates, field descriptions). `load_dataset` returns the table with its metadata in
`DataFrame.attrs["metadata"]`, so a figure never travels without its source.
"""

from __future__ import annotations

import difflib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

STATUSES = ("published", "derived", "assumption", "synthetic")


def datasets_folder() -> Path:
    """The installed datasets (inside the wheel) or, in a source checkout, the repo's datasets/."""
    packaged = Path(str(resources.files("cyp_dynamics"))) / "_datasets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "datasets"


def _names() -> list[str]:
    folder = datasets_folder()
    return sorted(p.parent.name for p in folder.glob("*/datapackage.json")) if folder.is_dir() else []


def _folder(name: str) -> Path:
    names = _names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"There is no dataset called '{name}'.{hint} Datasets: {', '.join(names)}.")
    return datasets_folder() / name


def dataset_metadata(name: str) -> dict[str, Any]:
    """The dataset's `datapackage.json` as a dictionary."""
    return json.loads((_folder(name) / "datapackage.json").read_text(encoding="utf-8"))


def list_datasets() -> pd.DataFrame:
    """One row per dataset: name, title, licence and publishers of its sources."""
    rows = []
    for name in _names():
        meta = dataset_metadata(name)
        rows.append({
            "name": name,
            "title": meta.get("title", ""),
            "licence": "; ".join(l.get("title") or l.get("name", "") for l in meta.get("licenses", [])),
            "publishers": "; ".join(sorted({s.get("publisher", "") for s in meta.get("sources", [])})),
        })
    return pd.DataFrame(rows, columns=["name", "title", "licence", "publishers"])


def load_dataset(name: str) -> pd.DataFrame:
    """A course dataset as a DataFrame; its metadata (sources, licence) is in `.attrs['metadata']`."""
    folder = _folder(name)
    meta = dataset_metadata(name)
    resource = meta["resources"][0]
    table = pd.read_csv(folder / resource["path"], encoding=resource.get("encoding", "utf-8"))
    table.attrs["metadata"] = meta
    return table


def cite(name: str) -> str:
    """A plain-text citation of every source behind a dataset, each with its licence as the source
    states it, for a chart caption or a slide."""
    meta = dataset_metadata(name)
    lines = [f"{meta.get('title', name)}. Sources:"]
    for source in meta.get("sources", []):
        published = source.get("date_published", "n.d.")
        licence = f" Licence: {source['licence']}." if source.get("licence") else ""
        lines.append(f"- {source.get('publisher', '')} ({published}). {source.get('title', '')}. "
                     f"{source.get('path', '')}{licence}")
    licences = "; ".join(l.get("title") or l.get("name", "") for l in meta.get("licenses", []))
    lines.append(f"Licences: {licences}.")
    return "\n".join(lines)


def figure(name: str, measure: str, period: str | None = None, geography: str | None = None) -> float:
    """One value from a long-format dataset, e.g. figure('…', 'children_referred', '2022/23')."""
    table = load_dataset(name)
    rows = table[table["measure"] == measure]
    if rows.empty:
        raise ValueError(f"'{measure}' is not a measure in '{name}'. Measures: "
                         f"{', '.join(sorted(table['measure'].unique()))}.")
    if period is not None:
        rows = rows[rows["period"].astype(str) == period]
    if geography is not None:
        rows = rows[rows["geography"] == geography]
    if len(rows) != 1:
        raise ValueError(f"'{measure}' has {len(rows)} rows for period={period!r}, "
                         f"geography={geography!r} in '{name}'; name the period and geography.")
    return float(rows["value"].iloc[0])


class SourceNote:
    """A dataset's citation as one short line, with the full list behind a 'more' disclosure."""

    def __init__(self, name: str):
        self.name, self.meta = name, dataset_metadata(name)

    def short(self) -> str:
        """'Sources: Children's Commissioner for England (2024); CAPA (n.d.). Licence: ...'"""
        import re

        seen: dict[str, str] = {}
        for source in self.meta.get("sources", []):
            year = re.search(r"\b(19|20)\d\d\b", str(source.get("date_published", "")))
            publisher = re.sub(r"\s*\(.*?\)", "", source.get("publisher", "")).split(",")[0].strip()
            seen.setdefault(publisher, year.group(0) if year else "n.d.")
        people = [f"{p} ({y})" for p, y in seen.items()]
        shown = "; ".join(people[:3]) + (f"; and {len(people) - 3} more" if len(people) > 3 else "")
        return f"Sources: {shown}."

    def _repr_html_(self) -> str:
        import html

        full = html.escape(cite(self.name)).replace("\n", "<br>")
        return (f"<div class='cyp-source' style='font-size:90%;color:#444;max-width:720px'>"
                f"{html.escape(self.short())} <details style='display:inline'><summary "
                f"style='display:inline;cursor:pointer;color:#0072B2'>more</summary>{full}"
                f"</details></div>")

    def __repr__(self) -> str:
        return self.short()


def source_note(name: str) -> SourceNote:
    """One short citation line for a dataset, with the full sources and licence under 'more'."""
    return SourceNote(name)
