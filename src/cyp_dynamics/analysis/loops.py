"""Feedback loops: find every loop in a diagram or model and say whether it reinforces or balances.

A loop is reinforcing (R) when the product of its link polarities is positive (an even number
of negative links): a change travels round it and comes back bigger. It is balancing (B) when
the product is negative: a change comes back opposed. Loops are found with Johnson's
simple-cycles algorithm (networkx).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from ..models import MODEL_SUFFIXES, Model
from .diagram import CausalDiagram, causal_diagram

LOOP_COLUMNS = ["loop", "polarity", "variables", "length", "name", "uncertain", "delays"]
MAX_LOOPS = 2000  # more than this is unreadable; a model that big needs a narrower question
MEANING = {"R": "reinforcing", "B": "balancing", "?": "direction unknown"}


def as_diagram(source: Any, **model_options: Any) -> CausalDiagram:
    """A `CausalDiagram` from a diagram, diagram text or tuples, a `Model`, a course model name
    or a model file path. `model_options` go to `model_diagram` (params, months, at_time, ...)."""
    if isinstance(source, CausalDiagram):
        return source
    is_text = isinstance(source, str) and (not source.strip() or any(
        mark in source for mark in ("->", "→", "\n", "(", "#")))
    is_file = isinstance(source, str) and source.strip().lower().endswith(MODEL_SUFFIXES)
    if isinstance(source, (Model, Path)) or is_file or (isinstance(source, str) and not is_text):
        from .graph import model_diagram

        return model_diagram(source, **model_options)
    return causal_diagram(source)


def _graph(diagram: CausalDiagram) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(diagram.labels)
    for link in diagram.links:
        graph.add_edge(link.source, link.target, link=link)
    return graph


def _start(cycle: list[str], diagram: CausalDiagram) -> list[str]:
    """Rotate a cycle to start at its first stock, else at its earliest variable in the diagram."""
    order = {key: i for i, key in enumerate(diagram.labels)}
    stocks = [k for k in cycle if diagram.kinds.get(k) == "stock"]
    first = min(stocks or cycle, key=order.__getitem__)
    i = cycle.index(first)
    return cycle[i:] + cycle[:i]


def loop_polarity(signs: list[str]) -> str:
    """'R' if the product of the signs is positive, 'B' if negative, '?' if any sign is unknown."""
    if "?" in signs:
        return "?"
    return "R" if signs.count("-") % 2 == 0 else "B"


def find_loops(source: Any, **model_options: Any) -> pd.DataFrame:
    """Every feedback loop in a diagram or model, one row each.

    Columns: `loop` (R1, R2, B1, ...), `polarity` (R reinforcing, B balancing), `variables`
    (in order round the loop), `length` (links), `name` (readable), `uncertain` (a link's
    polarity was uncertain), `delays` (links marked as delays). An empty table if there are none.
    """
    diagram = as_diagram(source, **model_options)
    graph = _graph(diagram)
    rows = []
    for count, cycle in enumerate(nx.simple_cycles(graph)):
        if count >= MAX_LOOPS:
            raise ValueError(f"This diagram has more than {MAX_LOOPS} loops, too many to read. "
                             "Hide some variables (hide=[...]) or look at part of it.")
        cycle = _start(cycle, diagram)
        links = [graph.edges[a, b]["link"] for a, b in zip(cycle, cycle[1:] + cycle[:1])]
        labels = [diagram.label(k) for k in cycle]
        rows.append({
            "polarity": loop_polarity([k.polarity for k in links]),
            "variables": labels,
            "length": len(cycle),
            "name": " → ".join(labels + labels[:1]),
            "uncertain": any(k.uncertain or k.polarity == "?" for k in links),
            "delays": sum(k.delay for k in links),
        })
    order = {"R": 0, "B": 1, "?": 2}
    rows.sort(key=lambda r: (order[r["polarity"]], r["length"], r["name"].lower()))
    numbers = {"R": 0, "B": 0, "?": 0}
    for row in rows:
        numbers[row["polarity"]] += 1
        prefix = "U" if row["polarity"] == "?" else row["polarity"]
        row["loop"] = f"{prefix}{numbers[row['polarity']]}"
    return pd.DataFrame(rows, columns=LOOP_COLUMNS)


def describe_loops(loops: pd.DataFrame) -> str:
    """The loops as plain sentences, e.g. 'B1 (balancing): waiting list → closures → waiting list.'"""
    if loops.empty:
        return "No feedback loops: every chain of causes ends somewhere."
    lines = []
    for row in loops.itertuples():
        marks = []
        if row.delays:
            marks.append("with a delay" if row.delays == 1 else f"with {row.delays} delays")
        if row.uncertain:
            marks.append("a link's polarity is uncertain")
        extra = f" ({'; '.join(marks)})" if marks else ""
        lines.append(f"{row.loop} ({MEANING[row.polarity]}): {row.name}{extra}.")
    return "\n".join(lines)

