"""Subscripted models element by element: every element a variable of its own, as Vensim does.

Numpy pays about a microsecond per operation whatever the array's size, so a single run of a
model with subscripts (arrays of a dozen elements) costs far more than its arithmetic. For one
run the builder therefore writes each element's equation separately, on floats:
`Children[Place, Age band]` becomes twelve variables `v_children__0_0` ... `v_children__2_3`,
and `SUM(x[Place, Age band!])` becomes `(v_x__0_0 + v_x__0_1 + ...)`. Names hold only element
numbers, so no text from the model file reaches the code (see `common`).

Element by element, subranges are simple (an equation over `Young` is written for each of its
elements), so a model with subranges is compiled this way for many runs too ("vector" mode:
each element a numpy array of one value per run).
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from .common import UnsupportedModel, local, number
from .functions import FUNCTIONS
from .parsing import Element
from .subscripts import SubscriptCompiler, _part, _subscripted_references


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
        # A range's or an element's name used as a value is a position (from 1) in its main
        # range (one no other range contains), as pysd's subscript2num gives it.
        sets = {r: set(items) for r, items in ranges.items() if items}
        order = {r: i for i, r in enumerate(sets)}  # of two equal ranges, the first is main
        self.main = {r: max((m for m, other in sets.items() if items <= other),
                            key=lambda m: (len(sets[m]), -order[m]))
                     for r, items in sets.items()}
        self.positions: dict[str, int] = {}
        for r, items in ranges.items():
            if r in sets and self.main[r] == r:
                for i, item in enumerate(items, start=1):
                    self.positions.setdefault(item.strip().lower().replace(" ", "_"), i)

    def indices(self, name: str) -> list[tuple[int, ...]]:
        """Every element of a variable, in pysd's column order (last range fastest)."""
        return list(product(*[range(len(self.ranges[d])) for d in self.dims.get(name, ())]))

    def compile_at(self, node: Any, context: tuple[str, ...], binding: dict[str, str]) -> tuple[str, set[str]]:
        self.context = context + ("@",) + tuple(sorted(binding.items()))  # also the stateful key
        self.context_dims = context
        self.binding = dict(binding)
        return self.compile(node)

    def shape_code(self) -> str:
        return ""

    def full(self, code: str) -> str:
        return code

    def _time(self) -> str:
        return "t"

    def _array(self, values: np.ndarray) -> str:
        sizes = tuple(len(self.ranges[c]) for c in self.context_dims)
        if values.shape != sizes:
            raise UnsupportedModel("a list of constants that does not fill its ranges")
        return number(values[tuple(self.ranges[c].index(self.binding[c]) for c in self.context_dims)])

    def _sum(self, node: Any) -> str:
        function = node.function.reference
        if len(node.arguments) != 1:
            raise UnsupportedModel(f"{function.upper()} with more than one argument")
        summed = []
        for reference in _subscripted_references(node.arguments[0]):
            summed += [s for s in reference if s.endswith("!") and s not in summed]
        if not summed:
            raise UnsupportedModel("SUM without a range marked '!'")
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
        if len(written) != len(own):
            raise UnsupportedModel(f"{name} referred to with {len(written)} subscript(s)")
        index = []
        for dimension, subscript in zip(own, written):
            items = self.ranges[dimension]
            element = subscript if subscript in items else self.binding.get(subscript)
            if element not in items:
                raise UnsupportedModel(f"subscript {subscript} of {name} (a mapping)")
            index.append(items.index(element))
        return element_local(name, tuple(index))


    def _name_as_value(self, name: str) -> str | None:
        """A range's name (its element in this equation) or an element's name, as a number."""
        range_name = self.range_names.get(name)
        if range_name in self.main:
            element = self.binding.get(range_name)
            if element is None:
                raise UnsupportedModel(f"the range {range_name} used as a value outside its equation")
            return number(self.ranges[self.main[range_name]].index(element) + 1)
        if name in self.positions:
            return number(self.positions[name])
        return None


def unrolled_assignment(element: Element, compiler: UnrolledCompiler, target: str,
                        part: str = "value") -> tuple[list[str], set[str]]:
    """Lines setting each element of `target` (e.g. 'd_children') from the element's equation."""
    dims = compiler.dims[element.py_name]
    name = target.removeprefix("v_")
    components = element.components or (((), element.ast),)
    lines, references, covered = [], set(), []
    for subscripts, ast in components:
        positions = []  # the elements written at each position: one, or a range's (or subrange's)
        for dimension, subscript in zip(dims, subscripts):
            items = compiler.ranges.get(subscript) if subscript not in compiler.ranges[dimension] else None
            positions.append(items or (subscript,))
        context = tuple(s for d, s in zip(dims, subscripts) if s not in compiler.ranges[d])
        for chosen in product(*positions):
            binding = {s: e for d, s, e in zip(dims, subscripts, chosen) if s not in compiler.ranges[d]}
            try:
                index = tuple(compiler.ranges[d].index(e) for d, e in zip(dims, chosen))
            except ValueError:
                raise UnsupportedModel(f"{element.name} written with elements of another range") from None
            code, refs = compiler.compile_at(_part(ast, part), context, binding)
            references |= refs
            covered.append(index)
            prefix = "v_" if target.startswith("v_") else ""
            lines.append(f"{prefix}{element_local(name, index)[2:]} = {code}")
    if len(set(covered)) != len(covered) or len(covered) != len(compiler.indices(element.py_name)):
        raise UnsupportedModel(f"{element.name} does not define each element exactly once")
    return lines, references
