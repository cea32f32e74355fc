"""Vensim subscripts: each variable is one array, shape (runs, *its ranges).

A variable subscripted by [Place, Age band] is held as an array of shape (runs, 3, 4); one
without subscripts as shape (runs,). An equation is compiled in the context of the ranges on its
left-hand side, and every reference is indexed and given new axes so that numpy broadcasting
lines elements up: `Births[Place]` inside an equation over [Place, Age band] becomes
`v_births[:, :, None]`, and `Children[Place, age_11_15]` becomes `v_children[:, :, 2]`.

Supported here: ranges of plain elements, equations written for a whole range or element by
element (or a mix, e.g. [Place, age_0_4]), constant lists (`5, 6, 5, 2`), SUM, PROD, VMAX and
VMIN over a range (`Range!`) and ELMCOUNT. Subranges, mappings, a reference to a copied range
under its copy's name, :EXCEPT:, variables defined on part of their range, subscripted tables
and range names used as values raise `UnsupportedModel` here and are compiled element by element
instead (`unrolled`); a variable referring to its own elements sends the model to pysd. How
ranges are read (copies, mappings, EXCEPT lists): `ranges`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import product
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from . import stateful
from .common import UnsupportedModel, local, number, tree_nodes
from .compiler import ExpressionCompiler
from .functions import HELPERS, RUN_HELPERS
from .parsing import Element
from .ranges import RangeError, merged_ranges


def _full(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """`value` as a float array of exactly `shape` (a read-only view when it broadcasts)."""
    if type(value) is np.ndarray and value.shape == shape and value.dtype == float:
        return value  # the usual case, without numpy's slower broadcasting machinery
    return np.broadcast_to(np.asarray(value, dtype=float), shape)


def _at(t: Any, ranges: int) -> Any:
    """Time lined up with values over `ranges` ranges: a float in a run, one row per saved time
    when equations are evaluated on a whole run (as the diagram tools do)."""
    return np.reshape(t, (-1,) + (1,) * ranges)


AGGREGATES = {"sum": "np.sum", "prod": "np.prod", "vmax": "np.max", "vmin": "np.min"}
SUBSCRIPT_HELPERS = dict(HELPERS, **stateful.HELPERS, _full=_full, _at=_at)
RUN_SUBSCRIPT_HELPERS = dict(RUN_HELPERS, **stateful.HELPERS, _full=_full, _at=_at)


def variable_ranges(element: Element, ranges: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The ranges a variable is subscripted by, in order; () without subscripts.

    As pysd merges a variable's definitions: at each position the range written on the left if
    it holds exactly the elements defined there, else the first range of the model that does,
    else the first that holds them all (X[A] and X[C] make X a variable over the range of A, B
    and C, its element B undefined). See `ranges.merged_ranges`.
    """
    if not element.subscripted:
        return ()
    try:
        found = merged_ranges([tuple(s) for s, _ in element.components], ranges)
    except RangeError as reason:
        raise UnsupportedModel(f"subscripts of {element.name}: {reason}") from None
    if any(not ranges.get(r) for r in found):
        raise UnsupportedModel(f"a range of {element.name} whose elements are unknown")
    if len(element.components) == 1 and element.kind in ("auxiliary", "constant", "fixed"):
        found = _only_written(element, found, ranges)
    return found


def _only_written(element: Element, found: tuple[str, ...], ranges: dict) -> tuple[str, ...]:
    """pysd's ranges for a variable with one equation naming an element where its range has
    more (`var2[dim, female] = w[dim, female] * 2`): an equation over ranges keeps only the
    element written (pysd reshapes it to the equation's own subscripts), so the variable is over
    a range of that one element, added to `ranges` as '<range>:<element>'. (An equation of
    numbers alone fills the whole range in pysd; the engine refuses that case elsewhere.)"""
    subscripts = element.components[0][0]
    narrowed = [(p, s) for p, s in enumerate(subscripts) if s not in ranges and ranges[found[p]] != (s,)]
    if not narrowed or not _over_ranges(element.components[0][1], ranges):
        return found
    found = list(found)
    for position, item in narrowed:
        name = f"{found[position]}:{item}"
        if ranges.setdefault(name, (item,)) != (item,):
            raise UnsupportedModel(f"the range name {name!r}, taken")
        found[position] = name
    return tuple(found)


def _over_ranges(ast: Any, ranges: dict) -> bool:
    """Whether an equation's value is over ranges (pysd: an array), not one number: it refers
    to a variable with a range's name in its subscripts (not summed), or uses a range's name."""
    keys = {r.strip().lower().replace(" ", "_") for r in ranges}
    return any(any(s in ranges for s in node.subscripts.subscripts) if node.subscripts
               else node.reference in keys for node in reference_nodes(ast))


class SubscriptCompiler(ExpressionCompiler):
    """Compiles equations of a subscripted model into numpy code over (runs, *ranges) arrays.

    `time_axes`: time is an array of saved times (the diagram tools evaluate equations on a
    whole run) rather than one float; the engine sets it False.
    """

    def __init__(self, lookups: dict, ranges: dict[str, tuple[str, ...]],
                 dims: dict[str, tuple[str, ...]], time_axes: bool = True,
                 names: dict[str, str] | None = None):
        super().__init__(lookups, names=names)
        self.ranges = ranges
        self.dims = dims  # variable -> its ranges
        self.context: tuple[str, ...] = ()  # ranges of the equation being compiled ('X!': summed)
        self.arrays: dict[str, np.ndarray] = {}
        self.time_axes = time_axes
        # how equations write a range's name ('dim_a' for 'Dim A'): ELMCOUNT and names as values
        self.range_names = {r.strip().lower().replace(" ", "_"): r for r in ranges}

    def shape(self, context: tuple[str, ...]) -> str:
        """Code for the full shape of a value in `context`, e.g. '(R, 3, 4)'."""
        sizes = [len(self.ranges[c.rstrip("!")]) for c in context]
        return "(" + ", ".join(["R", *map(str, sizes)]) + ",)"

    def compile_in(self, node: Any, context: tuple[str, ...]) -> tuple[str, set[str]]:
        self.context = context
        return self.compile(node)

    def shape_code(self) -> str:
        return self.shape(self.context)

    def full(self, code: str) -> str:
        return f"_full({code}, {self.shape(self.context)})"

    def _time(self) -> str:
        return f"_at(t, {len(self.context)})" if self.context and self.time_axes else "t"

    def _call(self, node: Any) -> str:
        name = self.names.get(node.function.reference, node.function.reference)
        if name not in self.lookups and name not in self.functions and name != "active_initial":
            raise UnsupportedModel(f"function {name}")  # e.g. VMAX, before its '!'
        return super()._call(node)

    def _expr(self, node: Any) -> str:
        if isinstance(node, ae.ReferenceStructure) and node.reference == "time":
            return self._time()
        if isinstance(node, ae.ReferenceStructure):
            return self._reference(node)
        if isinstance(node, np.ndarray):
            return self._array(node)
        if isinstance(node, ae.CallStructure) and node.function.reference in AGGREGATES:
            return self._sum(node)
        if isinstance(node, ae.CallStructure) and node.function.reference == "elmcount":
            argument = node.arguments[0] if len(node.arguments) == 1 else None
            name = getattr(argument, "reference", None)
            if name not in self.range_names or not self.ranges[self.range_names[name]]:
                raise UnsupportedModel("ELMCOUNT of something other than a range")
            return number(len(self.ranges[self.range_names[name]]))
        return super()._expr(node)

    def _filled(self, values: np.ndarray, dims: tuple[str, ...]) -> np.ndarray:
        """A list of constants shaped over `dims`; UnsupportedModel when it does not fill them."""
        sizes = tuple(len(self.ranges[c]) for c in dims)
        if values.shape != sizes and values.size == math.prod(sizes):
            values = values.reshape(sizes)  # a TABBED ARRAY comes as one flat list
        if values.shape != sizes:
            raise UnsupportedModel("a list of constants that does not fill its ranges")
        return values

    def _summed_ranges(self, node: Any) -> list[str]:
        """The ranges marked '!' in the one argument of SUM, PROD, VMAX or VMIN, in order."""
        function = node.function.reference
        if len(node.arguments) != 1:
            raise UnsupportedModel(f"{function.upper()} with more than one argument")
        summed: list[str] = []
        for reference in _subscripted_references(node.arguments[0]):
            summed += [s for s in reference if s.endswith("!") and s not in summed]
        if not summed:
            raise UnsupportedModel("SUM without a range marked '!'")
        return summed

    def _array(self, values: np.ndarray) -> str:
        values = self._filled(values, self.context)
        key = f"_arr{len(self.arrays)}"
        self.arrays[key] = values.astype(float)[None, ...]
        return key

    def _sum(self, node: Any) -> str:
        """SUM, PROD, VMAX or VMIN over the ranges marked '!' in its argument."""
        function = node.function.reference
        summed = self._summed_ranges(node)
        outer = self.context
        self.context = outer + tuple(summed)
        try:
            argument = self._expr(node.arguments[0])
            shape = self.shape(self.context)
        finally:
            self.context = outer
        axes = tuple(range(-len(summed), 0))
        return f"{AGGREGATES[function]}(_full({argument}, {shape}), axis={axes})"

    def _reference(self, node: Any) -> str:
        name = self.names.get(node.reference, node.reference)
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
        code = local(name)
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
    return (item for item in tree_nodes(node) if isinstance(item, ae.ReferenceStructure))


def _subscripted_references(node: Any) -> list[list[str]]:
    """The subscripts written in every reference inside an equation tree."""
    return [list(item.subscripts.subscripts) for item in reference_nodes(node) if item.subscripts]


def assignment(element: Element, compiler: SubscriptCompiler, target: str, part: str = "value",
               indent: str = "") -> tuple[list[str], set[str]]:
    """Code lines setting `target` to an element's value (`part`: "value", "flow", "initial")."""
    dims = compiler.dims[element.py_name]
    shape = compiler.shape(dims)
    references: set[str] = set()
    try:
        components = element.components or (((), element.ast),)
        if getattr(compiler.ranges, "exceptions", {}).get(element.py_name):
            raise UnsupportedModel(f":EXCEPT: in {element.name}")  # element by element: `unrolled`
        if any(s not in compiler.ranges[d] and s != d for c in components for d, s in zip(dims, c[0])):
            raise UnsupportedModel(f"subranges in {element.name}")
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
                elif subscript in compiler.ranges[dimension]:
                    index.append(str(compiler.ranges[dimension].index(subscript)))
                else:  # a subrange: compiled element by element (`unrolled`)
                    raise UnsupportedModel(f"subranges in {element.name}")
            covered += list(product(*[compiler.ranges[d] if s == d else [s]
                                      for d, s in zip(dims, subscripts)]))
            code, refs = compiler.compile_in(_part(ast, part), tuple(context))
            references |= refs
            lines.append(f"{indent}{target}[{', '.join(index)}] = {code}")
    finally:
        compiler.context = ()
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
        return ast.initial
    raise UnsupportedModel("a stock or INITIAL defined element by element with other equations")


def element_names(dims: tuple[str, ...], ranges: dict[str, tuple[str, ...]]) -> list[str]:
    """Column suffixes in pysd's order (last range fastest), e.g. ['[coastal,age_0_4]', ...]."""
    if not dims:
        return [""]
    return ["[" + ",".join(e.replace(" ", "") for e in combo) + "]"
            for combo in product(*[ranges[d] for d in dims])]
