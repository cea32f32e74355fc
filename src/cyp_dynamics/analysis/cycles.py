"""The loops of one causal diagram: every cycle of its links, with its polarity.

A loop is reinforcing (R) when the product of its link polarities is positive (an even number
of negative links): a change travels round it and comes back bigger. It is balancing (B) when
the product is negative: a change comes back opposed. Loops are found with Johnson's
simple-cycles algorithm (networkx). This module knows diagrams only; `loops.find_loops` also
takes a model, a file or diagram text. A diagram here is a `diagram.CausalDiagram` (its links,
labels, kinds and `label()`), not imported: the diagram imports this module for `loops()`.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pandas as pd


LOOP_COLUMNS = ["loop", "polarity", "variables", "length", "name", "uncertain", "delays"]
MAX_LOOPS = 2000  # more than this is unreadable; a model that big needs a narrower question


def _graph(diagram: Any) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(diagram.labels)
    for link in diagram.links:
        graph.add_edge(link.source, link.target, link=link)
    return graph


def _start(cycle: list[str], diagram: Any) -> list[str]:
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


def diagram_loops(diagram: Any) -> pd.DataFrame:
    """Every feedback loop of `diagram`, one row each (the columns are `find_loops`'s)."""
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
