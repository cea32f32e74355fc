"""A model's parameters and variables as tables for people (`Model.parameters`, `.variables`)."""

from __future__ import annotations

import pandas as pd

from .engine import Element


def missing(value: float | None) -> bool:
    """True when a limit is not declared (None or NaN)."""
    return value is None or value != value  # None or NaN: no limit declared


def limit_text(value: float | None) -> str:
    """A limit in words for a message: '10', or 'no limit'."""
    return "no limit" if missing(value) else f"{value:g}"


def parameter_table(elements: list[Element], public: dict[str, str]) -> pd.DataFrame:
    """One row per constant: name, label, default, min, max, step, unit, description, source."""
    rows = [
        {
            "name": public[e.py_name],
            "label": e.name,
            "default": float(e.ast),
            "min": e.limits[0],
            "max": e.limits[1],
            "step": e.limits[2],
            "unit": e.unit,
            "description": e.description,
            "source": e.source or "not given in the model file",
        }
        for e in elements
        if e.kind == "constant" and not e.subscripted
    ]
    columns = ["name", "label", "default", "min", "max", "step", "unit", "description", "source"]
    return pd.DataFrame(rows, columns=columns).set_index("name", drop=False)


def variable_table(elements: list[Element], public: dict[str, str]) -> pd.DataFrame:
    """One row per variable: name, label, kind (stock, flow, auxiliary, ...), unit, description."""
    flows = flow_names(elements)
    rows = []
    for e in elements:
        if e.kind in ("control", "lookup"):
            continue
        # Only a calculated variable is a flow; a constant or a stock named in a net flow
        # (e.g. INTEG(births - deaths, ...) with births constant) keeps its own kind.
        kind = "flow" if e.py_name in flows and e.kind == "auxiliary" else e.kind
        rows.append({"name": public[e.py_name], "label": e.name, "kind": kind, "unit": e.unit,
                     "description": e.description})
    order = {"stock": 0, "flow": 1, "auxiliary": 2, "initial": 3, "constant": 4, "fixed": 5}
    table = pd.DataFrame(rows, columns=["name", "label", "kind", "unit", "description"])
    table = table.sort_values("kind", key=lambda k: k.map(order), kind="stable")
    return table.set_index("name", drop=False)


def flow_names(elements: list[Element]) -> set[str]:
    """Variables named directly in a stock's net flow (its inflows and outflows)."""
    from pysd.translators.structures import abstract_expressions as ae

    names: set[str] = set()
    for e in elements:
        if e.kind != "stock":
            continue
        pending = [e.ast.flow]
        while pending:
            node = pending.pop()
            if isinstance(node, ae.ReferenceStructure):
                names.add(node.reference)
            elif isinstance(node, ae.ArithmeticStructure):
                pending.extend(node.arguments)
    return names
