"""A model's stock-and-flow structure, read from its equations, for drawing it in other tools.

Stocks, the flows that fill and drain them (with the stock or cloud at each end), and every other
influence between variables. Only the equations are read; nothing is run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pysd.translators.structures import abstract_expressions as ae

from ..engine.common import tree_nodes

DRAWN_KINDS = ("stock", "auxiliary", "constant", "fixed", "lookup", "initial")


def references(node: Any) -> set[str]:
    """Names of the model variables an equation tree refers to (not 'time'; a function's or
    lookup table's name is no variable)."""
    return {item.reference for item in tree_nodes(node, skip_function_names=True)
            if isinstance(item, ae.ReferenceStructure) and item.reference != "time"}


def lookups_called(node: Any) -> set[str]:
    """Names of lookup tables an equation tree calls as functions, e.g. `effect(wait)`."""
    return {item.function.reference for item in tree_nodes(node, skip_function_names=True)
            if isinstance(item, ae.CallStructure)}


def flow_terms(node: Any, sign: int = 1) -> list[tuple[str, int]]:
    """The variables added (+1) or subtracted (-1) directly in a stock's net flow."""
    if isinstance(node, ae.ReferenceStructure):
        return [(node.reference, sign)]
    if isinstance(node, ae.ArithmeticStructure):
        if len(node.arguments) == 1 and list(node.operators) == ["negative"]:
            return flow_terms(node.arguments[0], -sign)
        if set(node.operators) <= {"+", "-"}:
            terms = flow_terms(node.arguments[0], sign)
            for op, argument in zip(node.operators, node.arguments[1:]):
                terms += flow_terms(argument, sign if op == "+" else -sign)
            return terms
    return []


def equation_trees(element: Any) -> list[Any]:
    """Every equation tree of an element: one, or one per block of a subscripted definition."""
    return [ast for _, ast in element.components] or [element.ast]


@dataclass(frozen=True)
class Pipe:
    """A flow drawn as a pipe: from a stock (or a cloud when `source` is None) to a stock (or a
    cloud when `sink` is None)."""

    flow: str
    source: str | None
    sink: str | None


@dataclass
class StockFlowStructure:
    """What a stock-and-flow diagram of a model shows, by python name."""

    names: dict[str, str]  # python name -> name as written in the model file
    kinds: dict[str, str]
    stocks: list[str]
    pipes: list[Pipe]
    links: list[tuple[str, str]]  # (cause, effect), influence arrows only
    net_flows: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def flows(self) -> list[str]:
        return [pipe.flow for pipe in self.pipes]

    @property
    def variables(self) -> list[str]:
        """Every variable drawn, in the model file's order."""
        return list(self.names)


def _primary_stocks(terms_by_stock: dict[str, list[tuple[str, int]]], flow: str,
                    flow_count: dict[str, int]) -> tuple[str | None, str | None]:
    """The stocks a flow's pipe joins: drained (-1) and filled (+1). A flow that fills two stocks
    (a running total as well as the stock it moves people into) is piped to the stock with more
    flows; the running total then takes it by an influence arrow."""
    drained = [s for s, terms in terms_by_stock.items() if (flow, -1) in terms]
    filled = [s for s, terms in terms_by_stock.items() if (flow, 1) in terms]
    best = (lambda stocks: max(stocks, key=lambda s: (flow_count[s], -list(terms_by_stock).index(s)))
            if stocks else None)
    return best(drained), best(filled)


def stock_flow_structure(model: Any) -> StockFlowStructure:
    """The stocks, pipes and influence links of a loaded `Model` (or anything with `_elements`)."""
    elements = [e for e in model._elements if e.kind in DRAWN_KINDS]
    names = {e.py_name: e.name for e in elements}
    kinds = {e.py_name: e.kind for e in elements}
    stocks = [e.py_name for e in elements if e.kind == "stock"]
    terms_by_stock: dict[str, list[tuple[str, int]]] = {}
    for e in elements:
        if e.kind == "stock":
            terms: list[tuple[str, int]] = []
            for tree in equation_trees(e):
                terms += [t for t in flow_terms(tree.flow) if t not in terms]
            terms_by_stock[e.py_name] = terms
    flow_count = {s: len(terms) for s, terms in terms_by_stock.items()}
    # A running total (a stock only ever added to, e.g. "Closures to date") takes its flows by
    # influence arrows: piping every flow it counts into it would cross the whole diagram.
    totals = {s for s, terms in terms_by_stock.items()
              if terms and all(sign == 1 for _, sign in terms)
              and any(any((f, -1) in other for other in terms_by_stock.values()) for f, _ in terms)}
    flow_names = [name for name in names if name not in terms_by_stock
                  and any(name == t[0] for terms in terms_by_stock.values() for t in terms)]
    pipes = []
    piped: set[tuple[str, str]] = set()  # (flow, stock) joined by a pipe rather than an arrow
    for flow in flow_names:
        source, sink = _primary_stocks({s: t for s, t in terms_by_stock.items() if s not in totals},
                                       flow, flow_count)
        if source is None and sink is None:  # a flow only a running total counts
            source, sink = _primary_stocks(terms_by_stock, flow, flow_count)
        pipes.append(Pipe(flow, source, sink))
        piped |= {(flow, s) for s in (source, sink) if s}
    links: list[tuple[str, str]] = []
    for e in elements:
        causes: set[str] = set()
        for tree in equation_trees(e):
            if e.kind == "stock":
                causes |= {c for c in references(tree.flow) if (c, e.py_name) not in piped}
                causes |= references(tree.initial)
            else:
                causes |= references(tree)
            causes |= {t for t in lookups_called(tree) if kinds.get(t) == "lookup"}
        links += [(cause, e.py_name) for cause in sorted(causes) if cause in names]
    return StockFlowStructure(names, kinds, stocks, pipes, links, terms_by_stock)
