"""Which feedback loops drive a run, and when: link scores and loop scores by the Loops That
Matter method (Schoenberg, Davidsen and Eberlein, System Dynamics Review 36(2), 158-190, 2020).

At each time step of a run:
- the **link score** of a link x -> z (z calculated from x and other inputs) is how much of z's
  change came from x's change: |Δ_x z / Δz|, signed by the direction x pushes z (Δ_x z is z's
  change with only x moved, every other input held at its previous value); 0 when x or z did
  not change;
- the score of a flow into (+) or out of (-) a stock is the flow's change over the change in the
  stock's net flow in the same step (as `pysimlin` 0.8.5 computes it);
- a **loop score** is the product of the link scores round the loop; its **relative loop
  score** is the loop score over the sum of the absolute loop scores of every loop in the same
  group of connected stocks (a share between -1 and 1; negative for a balancing effect).

Computed on the project's own engine (equations compiled by `models.engine`); `tests/
test_loop_scores.py` checks hand calculations and agreement with `pysimlin` where it installs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from pysd.translators.structures import abstract_expressions as ae

from ..models import Model, load_model
from ..models.engine import HELPERS, UnsupportedModel, _Compiler, _local
from .graph import flow_terms, references

MAX_SCORED_LOOPS = 500  # beyond this a chart of loops is unreadable and the products slow


@dataclass
class LoopScores:
    """Scores of one run at every time step (index: time in the model's unit)."""

    loops: pd.DataFrame  # a row per loop: loop (L1, L2, ...), variables (labels, round the loop
    # from a stock), names (python names), links (pairs), partition (its group of connected stocks)
    link_scores: pd.DataFrame  # a column per link 'source -> target'
    loop_scores: pd.DataFrame  # a column per loop
    relative: pd.DataFrame  # a column per loop: its share of its partition's loop activity, signed


def _structure(model: Model) -> tuple[nx.DiGraph, dict[str, Any], dict[str, dict[str, int]]]:
    """The graph of links between dynamic variables, each auxiliary's equation, stocks' flows."""
    elements = [e for e in model._elements if e.kind not in ("control",)]
    if any(e.subscripted for e in elements):
        raise UnsupportedModel("subscripts (loop scores cover models without subscripts)")
    dynamic = {e.py_name for e in elements if e.kind in ("stock", "auxiliary")}
    graph = nx.DiGraph()
    equations: dict[str, Any] = {}
    stock_flows: dict[str, dict[str, int]] = {}
    for e in elements:
        if e.kind == "auxiliary":
            equations[e.py_name] = e.ast
            for cause in references(e.ast) & dynamic:
                graph.add_edge(cause, e.py_name)
        elif e.kind == "stock":
            terms = flow_terms(e.ast.flow)
            if {name for name, _ in terms} != references(e.ast.flow):
                raise UnsupportedModel(f"the stock '{e.name}', whose net flow is not a sum of "
                                       "named flows (loop scores need each flow named)")
            stock_flows[e.py_name] = dict(terms)
            for flow in stock_flows[e.py_name]:
                if flow in dynamic:
                    graph.add_edge(flow, e.py_name)
    return graph, equations, stock_flows


def run_every_step(model: Model, params: Mapping[str, Any] | None = None,
                   months: float | None = None) -> pd.DataFrame:
    """A run with a row at every time step (not only the saved ones), every output a column."""
    if model._compiled is None:
        raise UnsupportedModel(model.engine_note)
    values = model.resolve(params)
    final = model.final_time_for(months)
    dt = model._controls["time_step"]
    constants = {k: np.array([v]) for k, v in values.items()}
    constants.update({k: np.array([final if k == "final_time" else v])
                      for k, v in model._controls.items()})
    constants["saveper"] = np.array([dt])
    times, results = model._compiled.simulate(constants, model._controls["initial_time"], final,
                                              dt, dt, 1)
    return pd.DataFrame({c: results[c][:, 0] for c in model._columns()},
                        index=pd.Index(times, name=model.index_name))


def loop_scores(model: Model | str, params: Mapping[str, Any] | None = None,
                months: float | None = None, history: pd.DataFrame | None = None,
                constants: pd.DataFrame | None = None) -> LoopScores:
    """Link, loop and relative loop scores of a run at every time step.

    Either a run of `model` with `params` for `months`, or a given `history` (a row at every time
    step, every output a column, as `run_every_step` gives) whose constants may change over time
    (`constants`: a column per changed constant, same index; others at `params`' values).
    """
    if not isinstance(model, Model):
        model = load_model(model)
    graph, equations, stock_flows = _structure(model)
    if history is None:
        history = run_every_step(model, params, months)
    resolved = model.resolve(params)
    steps = len(history)
    dt = model._controls["time_step"]

    def previous(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values[:1], values[:-1]])

    now: dict[str, np.ndarray] = {}
    for name, value in resolved.items():
        column = constants[name] if constants is not None and name in constants else None
        now[name] = np.full(steps, value) if column is None else column.to_numpy(dtype=float)
    for name, value in model._controls.items():
        now.setdefault(name, np.full(steps, value))
    for e in model._elements:
        if e.kind == "fixed" and isinstance(e.ast, (int, float)):
            now[e.py_name] = np.full(steps, float(e.ast))
    for column in history.columns:
        now[column] = history[column].to_numpy(dtype=float)
    before = {name: previous(values) for name, values in now.items()}
    lookups = {e.py_name: (e.ast.x, e.ast.y) for e in model._elements
               if e.kind == "lookup" and isinstance(e.ast, ae.LookupsStructure)}
    compiler = _Compiler(lookups)
    base = dict(HELPERS, t=history.index.to_numpy(dtype=float), dt=dt)

    links: dict[tuple[str, str], np.ndarray] = {}
    for source, target in graph.edges:
        if target in stock_flows:
            net = sum(sign * now[flow] for flow, sign in stock_flows[target].items())
            links[source, target] = _flow_to_stock(now[source], net, stock_flows[target][source])
            continue
        code, _ = compiler.compile(equations[target])
        namespace = dict(base, **{f"_tab_{k}": v for k, v in compiler.tables.items()})
        namespace.update({_local(n): v for n, v in before.items()})
        namespace[_local(source)] = now[source]
        with np.errstate(all="ignore"):
            partial = np.broadcast_to(np.asarray(eval(code, namespace), dtype=float), (steps,))
        links[source, target] = _aux_score(partial, now[target], before[target], now[source], before[source])

    cycles = []
    for count, cycle in enumerate(nx.simple_cycles(graph)):
        if count >= MAX_SCORED_LOOPS:
            raise ValueError(f"The model has more than {MAX_SCORED_LOOPS} loops; loop scores are "
                             "shown for smaller models.")
        stocks = [n for n in cycle if n in stock_flows]
        start = cycle.index(stocks[0]) if stocks else 0
        cycles.append(cycle[start:] + cycle[:start])
    cycles.sort(key=lambda c: (len(c), c))
    partition_of = {n: i for i, part in enumerate(nx.strongly_connected_components(graph)) for n in part}
    labels = dict(zip(model.variables["name"], model.variables["label"]))
    rows, scores = [], {}
    for number, cycle in enumerate(cycles, start=1):
        pairs = list(zip(cycle, cycle[1:] + cycle[:1]))
        product = np.ones(steps)
        for pair in pairs:
            product = product * links[pair]
        key = f"L{number}"
        scores[key] = product
        rows.append({"loop": key, "variables": [labels.get(n, n) for n in cycle], "names": cycle,
                     "links": pairs, "partition": partition_of[cycle[0]]})
    loops = pd.DataFrame(rows, columns=["loop", "variables", "names", "links", "partition"])
    index = history.index
    loop_frame = pd.DataFrame(scores, index=index)
    relative = loop_frame.copy()
    for _, members in loops.groupby("partition")["loop"]:
        total = loop_frame[list(members)].abs().sum(axis=1)
        relative[list(members)] = loop_frame[list(members)].div(total.where(total > 0), axis=0).fillna(0.0)
    link_frame = pd.DataFrame({f"{a} -> {b}": v for (a, b), v in links.items()}, index=index)
    return LoopScores(loops, link_frame, loop_frame, relative)


def _aux_score(partial: np.ndarray, z: np.ndarray, z_before: np.ndarray, x: np.ndarray,
               x_before: np.ndarray) -> np.ndarray:
    """|Δ_x z / Δz| signed by Δ_x z / Δx; 0 at the first step or where z or x did not change."""
    change, own, cause = z - z_before, partial - z_before, x - x_before
    with np.errstate(all="ignore"):
        score = np.abs(own / change) * np.sign(own / cause)
    score = np.where((change == 0) | (cause == 0) | ~np.isfinite(score), 0.0, score)
    score[0] = 0.0
    return score


def _flow_to_stock(flow: np.ndarray, net: np.ndarray, sign: int) -> np.ndarray:
    """sign * |Δflow / Δ(net flow)|: the flow's share of the change in the stock's net flow over
    the same step; 0 at the first step or where the net flow did not change."""
    flow_change, net_change = np.diff(flow, prepend=flow[:1]), np.diff(net, prepend=net[:1])
    with np.errstate(all="ignore"):
        ratio = np.abs(flow_change / net_change)
    score = sign * np.where((net_change == 0) | ~np.isfinite(ratio), 0.0, ratio)
    score[0] = 0.0
    return score


def group_scores(scores: LoopScores, groups: Mapping[str, Callable[[set[str]], bool]],
                 partition: int | None = None) -> pd.DataFrame:
    """Each named group's share of loop activity over time (0 to 1; the groups and 'Other loops'
    add up to 1 wherever any loop acts): the sum of its loops' absolute relative loop scores.

    `groups`: {name: test}; a test takes a loop's set of variable names (python names) and says
    whether the loop belongs to the group; the first group whose test passes takes the loop.
    Only loops in one group of connected stocks are counted: `partition`, by default the one
    with the most loops.
    """
    loops = scores.loops
    if loops.empty:
        raise ValueError("This run has no feedback loops to group.")
    if partition is None:
        partition = int(loops["partition"].value_counts().idxmax())
    members: dict[str, list[str]] = {name: [] for name in groups}
    members["Other loops"] = []
    for row in loops[loops["partition"] == partition].itertuples():
        names = set(row.names)
        home = next((name for name, test in groups.items() if test(names)), "Other loops")
        members[home].append(row.loop)
    absolute = scores.relative.abs()
    return pd.DataFrame({name: absolute[found].sum(axis=1) if found else 0.0
                         for name, found in members.items()}, index=scores.relative.index)
