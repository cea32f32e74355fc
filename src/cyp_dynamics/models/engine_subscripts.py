"""Vensim subscripts in the numpy engine: each variable is one array, shape (runs, *its ranges).

A variable subscripted by [Place, Age band] is held as an array of shape (runs, 3, 4); one
without subscripts as shape (runs,). An equation is compiled in the context of the ranges on its
left-hand side, and every reference is indexed and given new axes so that numpy broadcasting
lines elements up: `Births[Place]` inside an equation over [Place, Age band] becomes
`v_births[:, :, None]`, and `Children[Place, age_11_15]` becomes `v_children[:, :, 2]`.

Supported: ranges of plain elements, equations written for a whole range or element by element
(or a mix, e.g. [Place, age_0_4]), constant lists (`5, 6, 5, 2`), SUM over a range (`Range!`) and
INITIAL inside a stock's initial value. Subranges, mappings, other array functions (PROD, VMIN,
VMAX, ELMCOUNT, ...), subscripted tables and a variable referring to its own elements raise
`UnsupportedModel`, and the caller runs pysd instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import product
from numbers import Number
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from .engine import (FUNCTIONS, HELPERS, CompiledModel, UnsupportedModel, _Compiler, _local,
                     _number, _order, non_negative)
from .parsing import Element


def _full(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """`value` as a float array of exactly `shape` (a read-only view when it broadcasts)."""
    return np.broadcast_to(np.asarray(value, dtype=float), shape)


def _at(t: Any, ranges: int) -> Any:
    """Time lined up with values over `ranges` ranges: a float in a run, one row per saved time
    when equations are evaluated on a whole run (as the diagram tools do)."""
    return np.reshape(t, (-1,) + (1,) * ranges)


SUBSCRIPT_HELPERS = dict(HELPERS, _full=_full, _at=_at)
TIME_FUNCTIONS = ("step", "pulse", "ramp")  # their code starts '_step(t, ...'


def variable_ranges(element: Element, ranges: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The ranges a variable is subscripted by, in order; () without subscripts."""
    if not element.subscripted:
        return ()
    lengths = {len(subscripts) for subscripts, _ in element.components}
    if len(lengths) != 1:
        raise UnsupportedModel(f"{element.name} defined with different numbers of subscripts")
    found = []
    for position in range(lengths.pop()):
        written = {subscripts[position] for subscripts, _ in element.components}
        named = [w for w in written if w in ranges]
        if len(named) > 1:
            raise UnsupportedModel(f"subranges in {element.name}")
        # the range named on the left, else the one range holding every element written there
        candidates = named or [r for r, items in ranges.items() if written <= set(items)]
        if len(candidates) != 1 or not ranges[candidates[0]]:
            raise UnsupportedModel(f"subranges or mappings in {element.name}")
        name = candidates[0]
        if not written - {name} <= set(ranges[name]):
            raise UnsupportedModel(f"subranges in {element.name}")
        found.append(name)
    return tuple(found)


class SubscriptCompiler(_Compiler):
    """Compiles equations of a subscripted model into numpy code over (runs, *ranges) arrays."""

    def __init__(self, lookups: dict, ranges: dict[str, tuple[str, ...]],
                 dims: dict[str, tuple[str, ...]]):
        super().__init__(lookups)
        self.ranges = ranges
        self.dims = dims  # variable -> its ranges
        self.context: tuple[str, ...] = ()  # ranges of the equation being compiled ('X!': summed)
        self.arrays: dict[str, np.ndarray] = {}
        self.initial_allowed = False

    def shape(self, context: tuple[str, ...]) -> str:
        """Code for the full shape of a value in `context`, e.g. '(R, 3, 4)'."""
        sizes = [len(self.ranges[c.rstrip("!")]) for c in context]
        return "(" + ", ".join(["R", *map(str, sizes)]) + ",)"

    def compile_in(self, node: Any, context: tuple[str, ...]) -> tuple[str, set[str]]:
        self.context = context
        return self.compile(node)

    def _time(self) -> str:
        return f"_at(t, {len(self.context)})" if self.context else "t"

    def _call(self, node: Any) -> str:
        name = node.function.reference
        if name not in self.lookups and name not in FUNCTIONS:  # e.g. VMAX, before its '!'
            raise UnsupportedModel(f"function {name}")
        code = super()._call(node)
        if name in TIME_FUNCTIONS and name not in self.lookups:
            code = code.replace(f"_{name}(t, ", f"_{name}({self._time()}, ", 1)
        return code

    def _expr(self, node: Any) -> str:
        if isinstance(node, ae.ReferenceStructure) and node.reference == "time":
            return self._time()
        if isinstance(node, ae.ReferenceStructure):
            return self._reference(node)
        if isinstance(node, np.ndarray):
            return self._array(node)
        if isinstance(node, ae.InitialStructure) and self.initial_allowed:
            return self._expr(node.initial)  # INITIAL in a stock's initial value: its value then
        if isinstance(node, ae.CallStructure) and node.function.reference == "sum":
            return self._sum(node)
        return super()._expr(node)

    def _array(self, values: np.ndarray) -> str:
        sizes = tuple(len(self.ranges[c]) for c in self.context)
        if values.shape != sizes:
            raise UnsupportedModel("a list of constants that does not fill its ranges")
        key = f"_arr{len(self.arrays)}"
        self.arrays[key] = values.astype(float)[None, ...]
        return key

    def _sum(self, node: Any) -> str:
        if len(node.arguments) != 1:
            raise UnsupportedModel("SUM with more than one argument")
        summed = []
        for reference in _subscripted_references(node.arguments[0]):
            summed += [s for s in reference if s.endswith("!") and s not in summed]
        if not summed:
            raise UnsupportedModel("SUM without a range marked '!'")
        outer = self.context
        self.context = outer + tuple(summed)
        try:
            argument = self._expr(node.arguments[0])
            shape = self.shape(self.context)
        finally:
            self.context = outer
        axes = tuple(range(-len(summed), 0))
        return f"np.sum(np.broadcast_to({argument}, {shape}), axis={axes})"

    def _reference(self, node: Any) -> str:
        name = node.reference
        self.references.add(name)
        own = self.dims.get(name, ())
        written = list(node.subscripts.subscripts) if node.subscripts else []
        if len(written) != len(own):
            raise UnsupportedModel(f"{name} referred to with {len(written)} subscript(s)")
        index, kept = [":"], []
        for dimension, subscript in zip(own, written):
            if subscript in self.ranges[dimension]:
                index.append(str(self.ranges[dimension].index(subscript)))
            elif subscript.rstrip("!") == dimension and subscript in self.context:
                index.append(":")
                kept.append(self.context.index(subscript))
            elif subscript.endswith("!"):
                raise UnsupportedModel(f"a range marked '!' outside SUM ({name}[{subscript}])")
            else:
                raise UnsupportedModel(f"subscript {subscript} of {name} (a subrange or mapping)")
        code = _local(name)
        if any(i != ":" for i in index):
            code += "[" + ", ".join(index) + "]"
        if kept != sorted(kept):
            order = sorted(range(len(kept)), key=kept.__getitem__)
            code = f"np.transpose({code}, {tuple([0] + [i + 1 for i in order])})"
        expand = [":"] + [":" if i in kept else "None" for i in range(len(self.context))]
        if "None" in expand:
            code += "[" + ", ".join(expand) + "]"
        return code


def reference_nodes(node: Any) -> Iterator[ae.ReferenceStructure]:
    """Every reference (a variable as written, with its subscripts) inside an equation tree."""
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, ae.ReferenceStructure):
            yield item
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif hasattr(item, "__dict__"):
            pending.extend(vars(item).values())


def _subscripted_references(node: Any) -> list[list[str]]:
    """The subscripts written in every reference inside an equation tree."""
    return [list(item.subscripts.subscripts) for item in reference_nodes(node) if item.subscripts]


def assignment(element: Element, compiler: SubscriptCompiler, target: str, part: str = "value",
               indent: str = "") -> tuple[list[str], set[str]]:
    """Code lines setting `target` to an element's value (`part`: "value", "flow", "initial")."""
    dims = compiler.dims[element.py_name]
    shape = compiler.shape(dims)
    references: set[str] = set()
    compiler.initial_allowed = part == "initial"
    try:
        components = element.components or (((), element.ast),)
        if len(components) == 1 and tuple(components[0][0]) == dims:
            code, references = compiler.compile_in(_part(components[0][1], part), dims)
            return [f"{indent}{target} = _full({code}, {shape})"], set(references)
        lines = [f"{indent}{target} = np.empty({shape})"]
        covered = []
        for subscripts, ast in components:
            index, context = [":"], []
            for dimension, subscript in zip(dims, subscripts):
                if subscript == dimension:
                    index.append(":")
                    context.append(dimension)
                else:
                    index.append(str(compiler.ranges[dimension].index(subscript)))
            covered += list(product(*[compiler.ranges[d] if s == d else [s]
                                      for d, s in zip(dims, subscripts)]))
            code, refs = compiler.compile_in(_part(ast, part), tuple(context))
            references |= refs
            lines.append(f"{indent}{target}[{', '.join(index)}] = {code}")
    finally:
        compiler.initial_allowed = False
    if len(covered) != len(set(covered)) or len(covered) != math.prod(
            len(compiler.ranges[d]) for d in dims):
        raise UnsupportedModel(f"{element.name} does not define each element exactly once")
    return lines, references


def _part(ast: Any, part: str) -> Any:
    if part == "value":
        return ast
    if isinstance(ast, ae.IntegStructure):
        return ast.flow if part == "flow" else ast.initial
    if part == "initial" and isinstance(ast, ae.InitialStructure):
        return ast  # INITIAL(...) itself: unwrapped by the compiler at the initial time
    raise UnsupportedModel("a stock or INITIAL defined element by element with other equations")


def element_names(dims: tuple[str, ...], ranges: dict[str, tuple[str, ...]]) -> list[str]:
    """Column suffixes in pysd's order (last range fastest), e.g. ['[coastal,age_0_4]', ...]."""
    if not dims:
        return [""]
    return ["[" + ",".join(e.replace(" ", "") for e in combo) + "]"
            for combo in product(*[ranges[d] for d in dims])]


def compile_subscripted(elements: list[Element], ranges: dict[str, tuple[str, ...]]) -> CompiledModel:
    """Compile a model with subscripts into a `CompiledModel`, or raise `UnsupportedModel`."""
    lookups = {}
    for e in elements:
        if e.kind == "lookup":
            if e.subscripted or not isinstance(e.ast, ae.LookupsStructure) or e.ast.type != "interpolate":
                raise UnsupportedModel(f"lookup {e.name}")
            lookups[e.py_name] = (e.ast.x, e.ast.y)
    dims = {e.py_name: variable_ranges(e, ranges) for e in elements if e.kind != "lookup"}
    compiler = SubscriptCompiler(lookups, ranges, dims)
    # Subscripted constants are not parameters (Model.parameters lists plain ones): they keep
    # the file's values, as in a pysd run, so they are computed like auxiliaries.
    constants = [e.py_name for e in elements if e.kind in ("constant", "control") and not e.subscripted]
    fixed_values = {e.py_name: e.ast for e in elements if e.kind == "fixed" and not e.subscripted}
    if not all(isinstance(v, Number) for v in fixed_values.values()):
        raise UnsupportedModel("unchangeable constants that are not plain numbers")
    stocks = [e for e in elements if e.kind == "stock"]
    initials = [e for e in elements if e.kind == "initial"]
    auxiliaries = [e for e in elements if e.kind == "auxiliary" or (
        e.kind in ("constant", "fixed") and e.subscripted)]
    fixed = set(constants) | set(fixed_values) | set(lookups)
    known = fixed | {e.py_name for e in stocks + initials + auxiliaries}

    code: dict[str, list[str]] = {}  # name -> lines during the run
    init_code: dict[str, list[str]] = {}  # name -> lines at the initial time
    run_deps: dict[str, set[str]] = {}
    init_deps: dict[str, set[str]] = {}
    for e in auxiliaries:
        code[e.py_name], refs = assignment(e, compiler, _local(e.py_name), indent="        ")
        if e.py_name in refs:
            raise UnsupportedModel(f"{e.name} refers to its own elements")
        init_code[e.py_name] = code[e.py_name]
        run_deps[e.py_name] = init_deps[e.py_name] = refs
    for e in stocks:
        flow = "d_" + e.py_name
        code[flow], run_deps[flow] = assignment(e, compiler, flow, "flow", indent="        ")
        init_code[e.py_name], init_deps[e.py_name] = assignment(
            e, compiler, _local(e.py_name), "initial", indent="        ")
    for e in initials:
        init_code[e.py_name], init_deps[e.py_name] = assignment(
            e, compiler, _local(e.py_name), "initial", indent="        ")
    missing = set().union(*run_deps.values(), *init_deps.values()) - known
    if missing:
        raise ValueError(f"The model refers to variables it does not define: {sorted(missing)}")

    state_like = {e.py_name for e in stocks + initials}
    run_nodes = {k: v - fixed - state_like for k, v in run_deps.items()}
    try:
        init_order = [n for n in _order({k: v - fixed for k, v in init_deps.items()}) if n in init_code]
        run_order = [n for n in _order(run_nodes) if n in code and n not in state_like]
    except ValueError:  # variables that feed each other element by element (no element loop)
        raise UnsupportedModel("variables that depend on each other element by element") from None
    run_order = [n for n in run_order if not n.startswith("d_")] + ["d_" + e.py_name for e in stocks]

    outputs = [e.py_name for e in stocks + auxiliaries + initials]
    lines = ["def _factory(c, dt):", "    R = len(c['time_step'])"]
    lines += [f"    {_local(n)} = c[{n!r}]" for n in constants]
    lines += [f"    {_local(n)} = _full({_number(v)}, (R,))" for n, v in fixed_values.items()]
    lines += [f"    _tab_{k} = _tables[{k!r}]" for k in compiler.tables]
    lines += [f"    {k} = _arrays[{k!r}]" for k in compiler.arrays]
    lines += ["    frozen = {}", "", "    def initialise(t):"]
    lines += [line for n in init_order for line in init_code[n]]
    lines += [f"        frozen[{e.py_name!r}] = {_local(e.py_name)}" for e in initials]
    lines += ["        return (" + "".join(f"{_local(e.py_name)}, " for e in stocks) + ")", ""]
    lines += ["    def derivatives(t, state):"]
    lines += [f"        {_local(e.py_name)} = frozen[{e.py_name!r}]" for e in initials]
    lines += [f"        {_local(e.py_name)} = state[{i}]" for i, e in enumerate(stocks)]
    lines += [line for n in run_order for line in code[n]]
    lines += ["        flows = (" + "".join(f"d_{e.py_name}, " for e in stocks) + ")"]
    lines += ["        return flows, (" + "".join(f"{_local(n)}, " for n in outputs) + ")", ""]
    lines += ["    return initialise, derivatives"]
    source = "\n".join(lines)
    namespace = dict(SUBSCRIPT_HELPERS, _tables=compiler.tables, _arrays=compiler.arrays)
    exec(compile(source, "<cyp_dynamics compiled model>", "exec"), namespace)
    return CompiledModel(
        stock_names=[e.py_name for e in stocks],
        output_names=outputs,
        constant_names=constants,
        source_code=source,
        _factory=namespace["_factory"],
        stock_shapes=[tuple(len(ranges[d]) for d in dims[e.py_name]) for e in stocks],
        non_negative=non_negative(stocks),
        columns={n: [n + suffix for suffix in element_names(dims[n], ranges)] for n in outputs},
    )
