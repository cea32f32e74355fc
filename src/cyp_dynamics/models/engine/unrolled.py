"""Subscripted models element by element: every element a variable of its own, as Vensim does.

Numpy pays about a microsecond per operation whatever the array's size, so a single run of a
model with subscripts (arrays of a dozen elements) costs far more than its arithmetic. For one
run the builder therefore writes each element's equation separately, on floats:
`Children[Place, Age band]` becomes twelve variables `v_children__0_0` ... `v_children__2_3`,
and `SUM(x[Place, Age band!])` becomes `(v_x__0_0 + v_x__0_1 + ...)`. Names hold only element
numbers, so no text from the model file reaches the code (see `common`).

Element by element, subranges are simple (an equation over `Young` is written for each of its
elements), so a model with subranges is compiled this way for many runs too ("vector" mode:
each element a numpy array of one value per run). So are pysd's other range rules, each element
found as pysd's xarray code finds it: a reference lines up with the equation by range name (a
copy `B <-> A` is its own name for A's elements), a range the equation is not written over is
mapped by position onto one it is (`Younger: infant, child -> Older`), a definition leaves out
its :EXCEPT: elements, a later definition overwrites an earlier one, an element no definition
sets is NaN, and a subscripted lookup has one table per element.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from .common import UnsupportedModel, local, number
from .functions import FUNCTIONS
from .parsing import Element
from .ranges import RangeError, coordinates, merged_ranges, positions
from .subscripts import SubscriptCompiler, _part


def element_local(name: str, index: tuple[int, ...]) -> str:
    """The float variable of one element, e.g. ('children', (2, 3)) -> 'v_children__2_3'."""
    return local(name) + ("__" + "_".join(map(str, index)) if index else "")


class UnrolledCompiler(SubscriptCompiler):
    """Compiles one element of a subscripted equation at a time, into float code."""

    def __init__(self, lookups: dict, ranges: dict[str, tuple[str, ...]],
                 dims: dict[str, tuple[str, ...]], names: dict[str, str] | None = None,
                 mode: str = "scalar"):
        super().__init__(lookups, ranges, dims, time_axes=False, names=names)
        self.mode = mode
        self.functions = FUNCTIONS[mode]
        self.binding: dict[str, str] = {}  # range (with '!' when summed) -> element name
        self.context_dims: tuple[str, ...] = ()
        self.lhs: set[str] = set()
        # A range's or an element's name used as a value is a position (from 1) in its main
        # range, as pysd's subscript2num gives it (see `ranges.positions`).
        self.range_positions, self.positions = positions(ranges)
        self.subscripted_tables = getattr(ranges, "tables", {})
        self._element_tables: dict[str, tuple[dict, tuple[str, ...]]] = {}

    def indices(self, name: str) -> list[tuple[int, ...]]:
        """Every element of a variable, in pysd's column order (last range fastest)."""
        return list(product(*[range(len(self.ranges[d])) for d in self.dims.get(name, ())]))

    def compile_at(self, node: Any, context: tuple[str, ...], binding: dict[str, str]) -> tuple[str, set[str]]:
        self.context = context + ("@",) + tuple(sorted(binding.items()))  # also the stateful key
        self.context_dims = context
        self.lhs = set(context)  # the ranges the equation is written over (pysd's def_subs)
        self.binding = dict(binding)
        return self.compile(node)

    def shape_code(self) -> str:
        return ""

    def full(self, code: str) -> str:
        return code

    def _time(self) -> str:
        return "t"

    def _array(self, values: np.ndarray) -> str:
        values = self._filled(values, self.context_dims)
        return number(values[tuple(self.ranges[c].index(self.binding[c]) for c in self.context_dims)])

    def _sum(self, node: Any) -> str:
        function = node.function.reference
        summed = self._summed_ranges(node)
        outer = self.binding
        terms = []
        try:
            for combo in product(*[self.ranges[s.rstrip("!")] for s in summed]):
                self.binding = {**outer, **dict(zip(summed, combo))}
                terms.append(self._expr(node.arguments[0]))
        finally:
            self.binding = outer
        if function in ("sum", "prod"):
            return "(" + (" + " if function == "sum" else " * ").join(terms) + ")"
        if self.mode == "scalar":
            return f"{function[1:]}({', '.join(terms)})"  # max(...) or min(...)
        pick = "np.maximum" if function == "vmax" else "np.minimum"
        code = terms[0]
        for term in terms[1:]:
            code = f"{pick}({code}, {term})"
        return code

    def _reference(self, node: Any) -> str:
        name = self.names.get(node.reference, node.reference)
        if name not in self.dims and not node.subscripts:
            value = self._name_as_value(name)
            if value is not None:
                return value
        self.references.add(name)
        own = self.dims.get(name, ())
        written = list(node.subscripts.subscripts) if node.subscripts else []
        if not written and own:  # the whole variable (XMILE), lined up by its ranges' names
            if any(d not in self.binding for d in own):
                raise UnsupportedModel(f"{name} referred to with 0 subscript(s)")
            written = list(own)
        return element_local(name, self._element_index(name, own, written))

    def _call(self, node: Any) -> str:
        function = node.function
        name = self.names.get(function.reference, function.reference)
        if name not in self.subscripted_tables:
            return super()._call(node)
        if name not in self._element_tables:
            self._element_tables[name] = element_tables(name, self.subscripted_tables[name], self.ranges)
        tables, own = self._element_tables[name]
        written = list(function.subscripts.subscripts) if function.subscripts else []
        if len(node.arguments) != 1 or not written:
            raise UnsupportedModel(f"subscripted lookup {name} called without its subscripts")
        index = self._element_index(name, own, written)
        if index not in tables:
            raise UnsupportedModel(f"an element of the lookup {name} without a table")
        xs, ys, kind = tables[index]
        table = self._table(element_local(name, index)[2:], xs, ys)
        return self._lookup_call(kind, self._expr(node.arguments[0]), table)

    def _element_index(self, name: str, own: tuple[str, ...], written: list[str]) -> tuple[int, ...]:
        """The element of `name` (over ranges `own`) that `written` picks in this equation: an
        element as written, a range's element in this equation, or its element through a
        mapping (`A: a1, a2 -> B`: a2 where the equation's B is at its second element)."""
        if len(written) != len(own):
            raise UnsupportedModel(f"{name} referred to with {len(written)} subscript(s)")
        index = []
        for dimension, subscript in zip(own, written):
            items = self.ranges[dimension]
            element = subscript if subscript in items else self.binding.get(subscript)
            if element is None and subscript in self.ranges:
                element = self._mapped(subscript, written)
            if element not in items:
                raise UnsupportedModel(f"subscript {subscript} of {name} (a mapping)")
            index.append(items.index(element))
        return tuple(index)

    def _mapped(self, subscript: str, written: list[str]) -> str | None:
        """The element of range `subscript` through its mapping to a range of this equation, as
        pysd maps: the first range it maps to that the equation is written over (and the
        reference, `written`, does not name), element by position."""
        written_ranges = {r for r, _ in coordinates(written, self.ranges)}
        for mapped in getattr(self.ranges, "mapping", {}).get(subscript, ()):
            if not isinstance(mapped, str) or mapped not in self.lhs or mapped in written_ranges:
                continue
            source, target = self.ranges[subscript], self.ranges[mapped]
            if len(source) != len(target) or mapped not in self.binding:
                raise UnsupportedModel(f"the mapping of {subscript} to {mapped}")
            return source[target.index(self.binding[mapped])]
        return None

    def _name_as_value(self, name: str) -> str | None:
        """A range's name (its element in this equation) or an element's name, as a number."""
        range_name = self.range_names.get(name)
        if range_name is not None and name in self.range_positions:
            element = self.binding.get(range_name)
            if element is None:
                raise UnsupportedModel(f"the range {range_name} used as a value outside its equation")
            return number(self.range_positions[name][element])
        if name in self.positions:
            return number(self.positions[name])
        return None


def _excepted(chosen: tuple[str, ...], excluded: list[list[tuple[str, ...]]]) -> bool:
    """Whether an element (one name per range) is left out by one of a definition's EXCEPT lists
    (each given as the elements it names at each position)."""
    return any(all(item in members for item, members in zip(chosen, lst)) for lst in excluded)


def _writers(element: Element, compiler: UnrolledCompiler) -> dict[tuple[int, ...], tuple]:
    """{element's index: (its equation, the binding of the equation's ranges, those ranges)}.

    As pysd assembles a variable defined piece by piece: each definition sets its elements but
    those of its EXCEPT lists, a later definition overwriting an earlier one."""
    ranges = compiler.ranges
    dims = compiler.dims[element.py_name]
    components = element.components or (((), element.ast),)
    exceptions = getattr(ranges, "exceptions", {}).get(element.py_name) or ((),) * len(components)
    writers: dict[tuple[int, ...], tuple] = {}
    for (subscripts, ast), lists in zip(components, exceptions):
        positions_ = []  # the elements written at each position: one, or a range's (or subrange's)
        for dimension, subscript in zip(dims, subscripts):
            items = ranges.get(subscript) if subscript not in ranges[dimension] else None
            positions_.append(items or (subscript,))
        context = tuple(s for d, s in zip(dims, subscripts) if s not in ranges[d])
        if len(set(context)) != len(context):
            raise UnsupportedModel(f"{element.name} written with a range twice")
        excluded = [[members for _, members in coordinates(lst, ranges)] for lst in lists]
        for chosen in product(*positions_):
            if excluded and _excepted(chosen, excluded):
                continue
            binding = {s: e for d, s, e in zip(dims, subscripts, chosen) if s not in ranges[d]}
            try:
                index = tuple(ranges[d].index(e) for d, e in zip(dims, chosen))
            except ValueError:
                raise UnsupportedModel(f"{element.name} written with elements of another range") from None
            writers[index] = (ast, binding, context)
    return writers


def unrolled_assignment(element: Element, compiler: UnrolledCompiler, target: str,
                        part: str = "value") -> tuple[list[str], set[str]]:
    """Lines setting each element of `target` (e.g. 'd_children') from the element's equation.

    Elements no definition sets are NaN, as pysd leaves them, when the variable has several
    definitions (a single one must set every element)."""
    name = target.removeprefix("v_")
    prefix = "v_" if target.startswith("v_") else ""
    writers = _writers(element, compiler)
    every = compiler.indices(element.py_name)
    if len(element.components) <= 1 and len(writers) != len(every):
        raise UnsupportedModel(f"{element.name} does not define each element exactly once")
    lines, references = [], set()
    for index in every:
        if index in writers:
            ast, binding, context = writers[index]
            code, refs = compiler.compile_at(_part(ast, part), context, binding)
            references |= refs
        else:
            code = "_nan"
        lines.append(f"{prefix}{element_local(name, index)[2:]} = {code}")
    return lines, references


def element_tables(name: str, tables: list[tuple], ranges: dict) -> tuple[dict, tuple[str, ...]]:
    """({element's index: (xs, ys, interpolation type)}, the lookup's ranges) of a subscripted
    lookup, as pysd holds it: each element's points sorted by x; with several definitions, every
    element on the union of their x, its missing points interpolated (held at its ends)."""
    try:
        own = merged_ranges([t[0] for t in tables], ranges)
    except RangeError as reason:
        raise UnsupportedModel(f"subscripts of the lookup {name}: {reason}") from None
    points: dict[tuple[int, ...], tuple] = {}
    for subscripts, xs, ys, kind in tables:
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if xs.ndim != 1 or xs.shape != ys.shape or len(set(xs.tolist())) != len(xs):
            raise UnsupportedModel(f"the lookup {name}, a table with repeated or unpaired points")
        members = [m for _, m in coordinates(subscripts, ranges)]
        for chosen in product(*members):
            try:
                index = tuple(ranges[d].index(e) for d, e in zip(own, chosen))
            except ValueError:
                raise UnsupportedModel(f"the lookup {name} over elements of another range") from None
            points[index] = (xs, ys, kind)
    if len(tables) == 1:
        return {i: (np.sort(xs), ys[np.argsort(xs, kind="stable")], kind)
                for i, (xs, ys, kind) in points.items()}, own
    if any(kind != "interpolate" for _, _, _, kind in tables):
        raise UnsupportedModel(f"the lookup {name}, defined piece by piece with {tables[0][3]} tables")
    union = np.array(sorted({x for xs, _, _ in points.values() for x in xs.tolist()}))
    found = {}
    for index, (xs, ys, kind) in points.items():
        order = np.argsort(xs, kind="stable")
        filled = np.interp(union, xs[order], ys[order])
        filled[np.searchsorted(union, xs[order])] = ys[order]
        found[index] = (union, filled, kind)
    return found, own
