"""`compile_model`: parsed model elements to a `CompiledModel` (or `UnsupportedModel`).

The builder orders the model's equations (values at the initial time, then each step's
auxiliaries, flows and updates) and writes one function that holds the whole run; see
`integrator` for why. Auxiliaries that depend on neither Time nor a stock are left out of the
loop: their value at the initial time stands for the whole run.

Every model gets two versions. Without subscripts: `compiler.ExpressionCompiler` on numpy arrays
(many runs) and on floats (one run). With subscripts: `subscripts.SubscriptCompiler` on arrays
over whole ranges (or, for subranges, `unrolled.UnrolledCompiler` element by element on numpy
arrays) for many runs, and `unrolled.UnrolledCompiler` on floats for one run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from numbers import Number
from pathlib import Path
from typing import Any

from pysd.translators.structures import abstract_expressions as ae

from . import external
from .common import UnsupportedModel, local, number, order
from .compiler import ExpressionCompiler
from .controls import varying_step, with_dynamic_controls
from .external_code import HELPERS as EXTERNAL_HELPERS
from .functions import RUN_HELPERS
from .integrator import CompiledModel
from .macros import expand as expand_macros
from .macros import is_instance_name
from .names import with_safe_names
from .parsing import Element, snake_case
from .stateful import HELPERS as STATEFUL_HELPERS
from .subscripts import (
    RUN_SUBSCRIPT_HELPERS,
    SubscriptCompiler,
    assignment,
    element_names,
    reference_nodes,
    variable_ranges,
)
from .unrolled import UnrolledCompiler, element_local, unrolled_assignment

INDENT = "        "
FLOW, UPDATE = "d:", "u:"  # keys of a stock's flow and a discrete state's update in `_Plan.run`
USES_TIME = re.compile(r"(?<![\w.])t\b")  # the compiled code's name for Time


def non_negative(stocks: list[Element]) -> list[bool]:
    """Which stocks may not go below zero (XMILE <non_negative/>)."""
    return [any(getattr(ast, "non_negative", False) for _, ast in e.components)
            or bool(getattr(e.ast, "non_negative", False)) for e in stocks]


def _lookups(elements: list[Element], ranges: dict) -> dict[str, tuple]:
    found = {}
    for e in elements:
        if e.kind == "lookup":
            if e.subscripted and e.py_name in getattr(ranges, "tables", {}):
                continue  # one table per element: `unrolled` reads them from ranges.tables
            if e.subscripted or not isinstance(e.ast, ae.LookupsStructure):
                raise UnsupportedModel(f"lookup {e.name}")
            found[e.py_name] = (e.ast.x, e.ast.y, e.ast.type)
    return found


def _uses_active_initial(node: Any) -> bool:
    return any(r.reference == "active_initial" for r in reference_nodes(node))


class _Plan:
    """The lines of one version (numpy or float) of a model's run function."""

    def __init__(self, elements: list[Element], compiler: ExpressionCompiler,
                 subscripted: bool):
        self.compiler = compiler
        self.unrolled = isinstance(compiler, UnrolledCompiler)  # subscripts, one float each
        self.subscripted = subscripted and not self.unrolled  # subscripts as numpy arrays
        plain = not subscripted
        self.constants = [e.py_name for e in elements
                          if e.kind in ("constant", "control") and not e.subscripted]
        self.steps_vary = varying_step(elements, compiler.names)  # dt: one per step (`controls`)
        self.fixed = {e.py_name: e.ast for e in elements if e.kind == "fixed"
                      and not e.subscripted and isinstance(e.ast, Number)}
        self.stocks = [e for e in elements if e.kind == "stock"]
        self.initials = [e for e in elements if e.kind == "initial"]
        self.auxiliaries = [e for e in elements if e.kind == "auxiliary" or (
            e.kind in ("constant", "fixed") and e.subscripted) or (
            e.kind == "fixed" and e.py_name not in self.fixed)]
        self.outputs = [e.py_name for e in self.stocks + self.auxiliaries + self.initials
                        if not is_instance_name(e.py_name)]  # a macro's insides: no column
        self.phased: set[str] = set()  # auxiliaries with ACTIVE INITIAL: other code at the start
        self.run: dict[str, list[str]] = {}
        self.init: dict[str, list[str]] = {}
        self.run_deps: dict[str, set[str]] = {}
        self.init_deps: dict[str, set[str]] = {}
        assign = (self._assign_plain if plain else self._assign_unrolled if self.unrolled
                  else self._assign_subscripted)
        for e in self.auxiliaries:
            self.run[e.py_name], refs = assign(e, local(e.py_name), "value")
            if subscripted and e.py_name in refs:
                raise UnsupportedModel(f"{e.name} refers to its own elements")
            self.run_deps[e.py_name] = refs
            if _uses_active_initial(e.components or e.ast):
                self.phased.add(e.py_name)
                compiler.phase = "initial"
                try:
                    self.init[e.py_name], self.init_deps[e.py_name] = assign(
                        e, local(e.py_name), "value")
                finally:
                    compiler.phase = "run"
            else:
                self.init[e.py_name], self.init_deps[e.py_name] = self.run[e.py_name], refs
        for e in self.stocks:
            # keyed "d:name" (never a variable's name), written as the code's variable d_name
            key = FLOW + e.py_name
            self.run[key], self.run_deps[key] = assign(e, "d_" + e.py_name, "flow")
            self.init[e.py_name], self.init_deps[e.py_name] = assign(e, local(e.py_name), "initial")
        for e in self.initials:
            self.init[e.py_name], self.init_deps[e.py_name] = assign(e, local(e.py_name), "initial")
        self.hidden = list(compiler.hidden)
        for h in self.hidden:
            self.init[h.name] = [f"{local(h.name)} = {h.init}"]
            self.init_deps[h.name] = h.init_refs
            if h.kind == "stock":
                self.run[FLOW + h.name] = [f"d_{h.name} = {h.next}"]
                self.run_deps[FLOW + h.name] = h.next_refs
            elif h.kind == "discrete":
                self.run[UPDATE + h.name] = [f"u_{h.name} = {h.next}"]
                self.run_deps[UPDATE + h.name] = h.next_refs

    def _assign_plain(self, e: Element, target: str, part: str) -> tuple[list[str], set[str]]:
        ast = e.ast
        if part == "flow":
            ast = ast.flow
        elif part == "initial":
            ast = ast.initial
        code, refs = self.compiler.compile(ast)
        return [f"{target} = {code}"], set(refs)

    def _assign_subscripted(self, e: Element, target: str, part: str) -> tuple[list[str], set[str]]:
        return assignment(e, self.compiler, target, part)

    def _assign_unrolled(self, e: Element, target: str, part: str) -> tuple[list[str], set[str]]:
        return unrolled_assignment(e, self.compiler, target, part)

    def locals_of(self, name: str) -> list[str]:
        """The code's variables holding a model variable: one, or one per element (unrolled)."""
        if not self.unrolled:
            return [local(name)]
        return [element_local(name, index) for index in self.compiler.indices(name)]

    def check_references(self, ranges: dict[str, tuple[str, ...]]) -> None:
        known = set(self.constants) | set(self.fixed) | set(self.compiler.lookups)
        known |= {e.py_name for e in self.stocks + self.initials + self.auxiliaries}
        known |= {h.name for h in self.hidden}
        missing = set().union(*self.run_deps.values(), *self.init_deps.values()) - known
        subscript_names = {snake_case(n) for r, items in ranges.items() for n in (r, *items)}
        if missing & subscript_names:
            raise UnsupportedModel("subscript names used as values")
        if missing:
            raise ValueError(f"The model refers to variables it does not define: {sorted(missing)}")

    def orders(self) -> tuple[list[str], list[str]]:
        """(names in the order of the initial values, auxiliaries in each step's order)."""
        fixed = set(self.constants) | set(self.fixed) | set(self.compiler.lookups)
        state_like = {e.py_name for e in self.stocks + self.initials} | {h.name for h in self.hidden}
        aux = {e.py_name for e in self.auxiliaries}
        try:
            init_order = [n for n in order({k: v - fixed for k, v in self.init_deps.items()})
                          if n in self.init]
            run_order = [n for n in order({k: (v - fixed - state_like) & aux
                                           for k, v in self.run_deps.items() if k in aux})
                         if n in aux]
        except ValueError:
            if self.subscripted:  # variables that feed each other element by element
                raise UnsupportedModel("variables that depend on each other element by element") from None
            raise
        return init_order, run_order

    def varying(self, run_order: list[str]) -> set[str]:
        """Auxiliaries that change during a run: they use Time, a stock or a state, or one of
        these. The others keep the value computed at the initial time, so the loop skips them."""
        state = {e.py_name for e in self.stocks}
        state |= {h.name for h in self.hidden if h.kind != "frozen"}
        found: set[str] = set()
        for name in run_order:
            if (name in self.phased or self.run_deps[name] & (state | found)
                    or any(USES_TIME.search(line) for line in self.run[name])):
                found.add(name)
        return found

    def source(self, mode: str) -> str:
        init_order, run_order = self.orders()
        varying = self.varying(run_order)
        scalar = mode == "scalar"
        lines = ["def _run(c, R, dt, times, rows, n_saved):" if not scalar
                 else "def _run(c, dt, times, rows):"]
        lines += [f"    {local(n)} = c[{n!r}]" for n in self.constants]
        lines += [f"    {local(n)} = " + (f"_full({number(v)}, (R,))" if self.subscripted
                                          else number(v)) for n, v in self.fixed.items()]
        lines += [f"    _tab_{k} = _tables[{k!r}]" for k in self.compiler.tables]
        lines += [f"    {k} = _arrays[{k!r}]" for k in getattr(self.compiler, "arrays", {})]
        lines += ["    _dts = dt", "    dt = _dts[0]"] if self.steps_vary else []
        lines += ["    t = times[0]"]
        lines += ["    " + line.strip() for n in init_order for line in self.init[n]]
        if scalar:
            lines += ["    _saved = []", "    _save = _saved.append"]
        else:
            shapes = self._output_shapes()
            lines += [f"    _o{i} = np.empty((n_saved, {shape}))" for i, shape in enumerate(shapes)]
        slots = self.output_slots()
        lines += ["    _last = len(times) - 1", "    for _k in range(_last + 1):",
                  f"{INDENT}t = times[_k]"] + ([f"{INDENT}dt = _dts[_k]"] if self.steps_vary else [])
        lines += [INDENT + line.strip() for n in run_order if n in varying for line in self.run[n]]
        lines += [f"{INDENT}if rows[_k] >= 0:"]
        changing = [(i, v) for i, n, v in slots if n not in self.run or n in varying]
        if scalar and self.outputs:
            lines += [f"{INDENT}    _save((" + "".join(f"{v}, " for n in self.outputs
                                                      for v in self.locals_of(n)) + "))"]
        elif changing:
            lines += [f"{INDENT}    _o{i}[rows[_k]] = {v}" for i, v in changing]
        else:
            lines += [f"{INDENT}    pass"]
        lines += [f"{INDENT}if _k == _last:", f"{INDENT}    break"]
        flows = [k for k in self.run if k.startswith(FLOW)]
        discrete = [k for k in self.run if k.startswith(UPDATE)]
        lines += [INDENT + line.strip() for k in flows + discrete for line in self.run[k]]
        floors = dict(zip([e.py_name for e in self.stocks], non_negative(self.stocks)))
        floor = "_s_max({}, 0.0)" if scalar else "np.maximum({}, 0.0)"
        for k in flows:
            name = k[2:]
            for v in self.locals_of(name) if name in floors else [local(name)]:
                d = "d_" + v[2:]
                step = f"{v} + {d} * dt"
                lines.append(f"{INDENT}{v} = " + (floor.format(step) if floors.get(name) else step))
        lines += [f"{INDENT}{local(k[2:])} = u_{k[2:]}" for k in discrete]
        if not scalar:  # outputs that never change, written once
            lines += [f"    _o{i}[:] = {v}" for i, n, v in slots if n in self.run and n not in varying]
        lines += ["    return _saved" if scalar else
                  "    return (" + "".join(f"_o{i}, " for i, _, _ in slots) + ")"]
        return "\n".join(lines)

    def output_slots(self) -> list[tuple[int, str, str]]:
        """(result array number, output, the code's variable) for each result array."""
        pairs = [(n, v) for n in self.outputs for v in self.locals_of(n)]
        return [(i, n, v) for i, (n, v) in enumerate(pairs)]

    def _output_shapes(self) -> list[str]:
        if not self.subscripted:
            return ["R"] * len(self.output_slots())
        compiler = self.compiler
        return [compiler.shape(compiler.dims[n])[1:-2] for n in self.outputs]  # '(R, 3, 4,)'


def _function(source: str, compiler: ExpressionCompiler, helpers: dict, scalar: bool) -> Callable:
    tables = compiler.tables
    if scalar:
        tables = {k: (xs.tolist(), ys.tolist()) for k, (xs, ys) in tables.items()}
    namespace = dict(helpers, **STATEFUL_HELPERS, **EXTERNAL_HELPERS, _tables=tables,
                     _arrays=getattr(compiler, "arrays", {}))
    exec(compile(source, "<cyp_dynamics compiled model>", "exec"), namespace)  # noqa: S102
    return namespace["_run"]


@with_safe_names  # variables named '' or '1995' by pysd's rules get internal names (`names`)
@with_dynamic_controls  # FINAL TIME etc. that change during the run (`controls`)
def compile_model(elements: list[Element],
                  ranges: dict[str, tuple[str, ...]] | None = None, *,
                  root: Path | None = None, data_files: Any = None) -> CompiledModel:
    """Compile parsed elements into a `CompiledModel`, or raise `UnsupportedModel`.

    `ranges`: the model's subscript ranges ({range: its elements}), needed if it has subscripts.
    Raises ValueError for a model that no engine could run (a loop without a stock, a reference
    to a variable the model does not define). `root`: the model file's folder, where the files
    its equations read are; `data_files`: files of DATA variables' values (see `external`).
    """
    ranges = ranges or {}
    elements = expand_macros(elements)  # each macro call written out as elements (`macros`)
    elements, ranges = external.load(elements, ranges, lambda e: variable_ranges(e, ranges),
                                     root, data_files)
    lookups = _lookups(elements, ranges)
    names = {e.reference: e.py_name for e in elements if e.reference and e.reference != e.py_name}
    if any(e.subscripted for e in elements):
        if not ranges:
            raise UnsupportedModel("subscripts")
        dims = {e.py_name: variable_ranges(e, ranges) for e in elements if e.kind != "lookup"}
        columns = {}
        try:  # numpy arrays over whole ranges; subranges need element-by-element code
            plan = _Plan(elements, SubscriptCompiler(lookups, ranges, dims, time_axes=False,
                                                     names=names), True)
            plan.check_references(ranges)
            helpers = RUN_SUBSCRIPT_HELPERS
        except UnsupportedModel:
            plan = _Plan(elements, UnrolledCompiler(lookups, ranges, dims, names, "vector"), True)
            plan.check_references(ranges)
            helpers = RUN_HELPERS
        source = plan.source("vector")
        columns = {n: [n + s for s in element_names(dims[n], ranges)] for n in plan.outputs}
        flat = [c for n in plan.outputs for c in columns[n]]
        scalar = _Plan(elements, UnrolledCompiler(lookups, ranges, dims, names), True)
        scalar_source = scalar.source("scalar")
        return CompiledModel(
            stock_names=[e.py_name for e in plan.stocks],
            output_names=plan.outputs,
            constant_names=plan.constants,
            source_code=source,
            _vector=_function(source, plan.compiler, helpers, False),
            _scalar=_function(scalar_source, scalar.compiler, RUN_HELPERS, True),
            scalar_source=scalar_source,
            columns=columns,
            scalar_columns=flat,
            vector_columns=flat if plan.unrolled else [],
        )
    vector = _Plan(elements, ExpressionCompiler(lookups, "vector", names), False)
    vector.check_references(ranges)
    scalar = _Plan(elements, ExpressionCompiler(lookups, "scalar", names), False)
    source, scalar_source = vector.source("vector"), scalar.source("scalar")
    return CompiledModel(
        stock_names=[e.py_name for e in vector.stocks],
        output_names=vector.outputs,
        constant_names=vector.constants,
        source_code=source,
        _vector=_function(source, vector.compiler, RUN_HELPERS, False),
        _scalar=_function(scalar_source, scalar.compiler, RUN_HELPERS, True),
        scalar_source=scalar_source,
    )


__all__ = ["compile_model", "non_negative"]
