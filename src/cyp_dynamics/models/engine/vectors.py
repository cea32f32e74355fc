"""Functions of whole subscripted arrays: VECTOR SELECT, VECTOR SORT ORDER, VECTOR RANK, VECTOR
REORDER, INVERT MATRIX, XMILE's MIN and MAX of one array, and the gathering they share.

Such a function needs every element of its argument at once, not one element at a time. With
arrays over whole ranges (`subscripts.SubscriptCompiler`) the argument is compiled over the
equation's ranges plus the ranges it runs over, which are then flattened into one last axis;
element by element (`unrolled.UnrolledCompiler`) each element of those ranges is compiled on
its own and the terms are stacked into the same last axis (`_stack`). The run-time helpers thus
see arrays of shape (..., elements) either way, and follow pysd's functions of the same name
(pysd/py_backend/functions.py).
"""

from __future__ import annotations

import math
from itertools import product
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from .common import UnsupportedModel

# ---- run-time helpers ------------------------------------------------------------------------


def _stack(terms: tuple) -> np.ndarray:
    """Terms compiled one element at a time, as one array with the elements on the last axis."""
    return np.stack(np.broadcast_arrays(*terms), axis=-1)


def _exact_sum(values: np.ndarray) -> np.ndarray:
    """Sums over the last axis, correctly rounded (math.fsum): terms that cancel give exactly 0,
    whatever their order, where numpy's pairwise sum may leave a rounding error of 1e-16."""
    if values.shape[-1] <= 2:
        return np.sum(values, axis=-1)
    return np.apply_along_axis(math.fsum, -1, values)


def _reduce_skipping_nan(values: np.ndarray, action: int) -> np.ndarray:
    """VECTOR SELECT's reductions over the last axis, leaving out NaN (xarray's skipna)."""
    kept = ~np.isnan(values)
    count = np.sum(kept, axis=-1)
    if action in (0, 6, 4, 10):
        total = _exact_sum(np.where(kept, values, 0.0))
        if action in (0, 6):
            return total
        return np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
    if action in (1, 5, 7):
        return np.prod(np.where(kept, values, 1.0), axis=-1)
    if action in (2, 8):
        found = np.min(np.where(kept, values, np.inf), axis=-1)
    else:
        found = np.max(np.where(kept, values, -np.inf), axis=-1)
    return np.where(count > 0, found, np.nan)


def _select_one(selection: np.ndarray, values: np.ndarray, action: float) -> np.ndarray:
    if action != int(action) or not 0 <= action <= 10:
        raise ValueError(f"VECTOR SELECT's numerical action must be 0 to 10, not {action:g}.")
    action = int(action)
    if action <= 4:
        chosen = selection * values
    elif action == 5:  # as Vensim (and pysd) compute it: expression ^ selection
        chosen = values ** selection
    else:
        chosen = values
    return _reduce_skipping_nan(np.where(selection == 0, np.nan, chosen), action)


def _vector_select(selection: Any, values: Any, missing: Any, action: Any, error: Any) -> Any:
    """VECTOR SELECT over the last axis: pysd's `vector_select`, with any mix of numerical
    actions across runs (each run uses its own)."""
    selection, values = np.broadcast_arrays(np.asarray(selection, dtype=float),
                                            np.asarray(values, dtype=float))
    zeros = np.all(selection == 0, axis=-1)
    if np.any(zeros) and np.any(np.isin(error, (1, 3))):
        raise FloatingPointError("All the values of VECTOR SELECT's selection array are 0.")
    if np.any(np.sum(selection != 0, axis=-1) > 1) and np.any(np.isin(error, (2, 3))):
        raise FloatingPointError("More than one non-zero value in VECTOR SELECT's selection.")
    actions = np.unique(np.asarray(action, dtype=float))
    result = _select_one(selection, values, actions[0])
    for other in actions[1:]:
        result = np.where(action == other, _select_one(selection, values, other), result)
    return np.where(zeros, missing, result)


def _s_vector_select(*args: Any) -> float:
    return float(_vector_select(*args))


def _invert_at(flat: Any, size: int, row: int | None = None, column: int | None = None) -> Any:
    """INVERT MATRIX: the inverse of the matrices on the last axis (size x size values, row
    after row); one of its elements when `row` and `column` are given."""
    flat = np.asarray(flat, dtype=float)
    inverse = np.linalg.inv(flat.reshape(flat.shape[:-1] + (size, size)))
    return inverse if row is None else inverse[..., row, column]


def _s_invert_at(flat: Any, size: int, row: int, column: int) -> float:
    return float(_invert_at(flat, size, row, column))


def _vmin(flat: Any) -> Any:
    """The smallest value on the last axis, NaN left out (xarray's min, which pysd uses)."""
    return _reduce_skipping_nan(np.asarray(flat, dtype=float), 8)


def _vmax(flat: Any) -> Any:
    return _reduce_skipping_nan(np.asarray(flat, dtype=float), 9)


def _s_vmin(flat: Any) -> float:
    return float(_vmin(flat))


def _s_vmax(flat: Any) -> float:
    return float(_vmax(flat))


def _vector_sort_order(values: Any, direction: Any) -> np.ndarray:
    """VECTOR SORT ORDER along the last axis: the positions (from 0) of the elements in
    increasing order, or decreasing when `direction` is 0 or less (numpy's sort, as pysd)."""
    values = np.asarray(values, dtype=float)
    increasing = np.argsort(values, axis=-1)
    decreasing = np.flip(increasing, axis=-1)
    return np.where(np.expand_dims(np.asarray(direction), -1) <= 0, decreasing,
                    increasing).astype(float)


def _vector_rank(values: Any, direction: Any) -> np.ndarray:
    """VECTOR RANK along the last axis: each element's place (from 1) in the sort order."""
    return np.argsort(_vector_sort_order(values, direction), axis=-1).astype(float) + 1


def _vector_reorder(values: Any, order: Any) -> np.ndarray:
    """VECTOR REORDER along the last axis: element i is the element at position order[i]."""
    values = np.asarray(values, dtype=float)
    order = np.asarray(order, dtype=float).astype(int)
    shape = np.broadcast_shapes(values.shape[:-1], order.shape[:-1])
    return np.take_along_axis(np.broadcast_to(values, shape + values.shape[-1:]),
                              np.broadcast_to(order, shape + order.shape[-1:]), axis=-1)


def _at(values: Any, index: Any) -> Any:
    """values[..., index], `index` one position or one per run."""
    values = np.asarray(values)
    index = np.asarray(index, dtype=float).astype(int)
    if index.ndim == 0:
        return values[..., int(index)]
    return np.take_along_axis(values, index[..., None], axis=-1)[..., 0]


def _s_at(values: Any, index: Any) -> float:
    return float(_at(values, index))


HELPERS = {"_stack": _stack, "_vector_select": _vector_select,
           "_s_vector_select": _s_vector_select, "_invert_at": _invert_at,
           "_s_invert_at": _s_invert_at, "_vmin": _vmin, "_vmax": _vmax, "_s_vmin": _s_vmin,
           "_s_vmax": _s_vmax,
           "_vector_sort_order": _vector_sort_order, "_vector_rank": _vector_rank,
           "_vector_reorder": _vector_reorder, "_at": _at, "_s_at": _s_at}


# ---- compiling -------------------------------------------------------------------------------
def unrolled(c: Any) -> bool:
    """The compiler writes subscripted equations element by element (`unrolled`)."""
    return hasattr(c, "binding")


def subscripted(c: Any) -> bool:
    """The compiler knows subscript ranges (arrays over ranges, or element by element)."""
    return hasattr(c, "ranges")


def rebind(c: Any, binding: dict[str, str]) -> None:
    """Element by element: compile for the elements in `binding`. The compiler's context (the
    key of stateful functions, see `unrolled.compile_at`) follows, so that a SMOOTH inside an
    array function keeps one state per element."""
    c.binding = binding
    c.context = tuple(c.context_dims) + ("@",) + tuple(sorted(binding.items()))


def gathered(c: Any, nodes: list, extra: list[str]) -> list[str]:
    """Code for each of `nodes` over the equation's ranges plus the ranges `extra` (as written,
    e.g. 'dim1!'), these flattened into one last axis."""
    if not subscripted(c):
        raise UnsupportedModel("a function of whole arrays in a model without subscripts")
    for name in extra:
        if not c.ranges.get(name.rstrip("!")):
            raise UnsupportedModel(f"a function over {name}, which is not a range")
    if unrolled(c):
        outer = c.binding
        terms: list[list[str]] = [[] for _ in nodes]
        try:
            for combo in product(*[c.ranges[name.rstrip("!")] for name in extra]):
                rebind(c, {**outer, **dict(zip(extra, combo))})
                for found, node in zip(terms, nodes):
                    found.append(c._expr(node))
        finally:
            rebind(c, outer)
        return [f"_stack(({', '.join(found)},))" for found in terms]
    outer = c.context
    if set(extra) & set(outer):
        raise UnsupportedModel("a function over a range its equation is written for")
    c.context = outer + tuple(extra)
    try:
        shape = c.shape(c.context)
        codes = [f"_full({c._expr(node)}, {shape})" for node in nodes]
    finally:
        c.context = outer
    flat = c.shape(outer)[:-2] + ", -1)"  # '(R, 3,)' -> '(R, 3, -1)'
    return [f"np.reshape({code}, {flat})" for code in codes]


def _references(node: Any) -> list:
    """Every reference inside an equation tree (pysd's ReferenceStructure), in order."""
    if isinstance(node, ae.ReferenceStructure):
        return [node]
    if isinstance(node, (list, tuple)):
        return [r for item in node for r in _references(item)]
    if hasattr(node, "__dict__"):
        return [r for item in vars(node).values() for r in _references(item)]
    return []


def marked(nodes: list) -> list[str]:
    """The ranges marked '!' in the references inside `nodes`, in order of first use."""
    found: list[str] = []
    for reference in _references(nodes):
        written = reference.subscripts.subscripts if reference.subscripts else []
        found += [s for s in written if s.endswith("!") and s not in found]
    return found


def vector_select(c: Any, arguments: list) -> str:
    """VECTOR SELECT(selection[A!], expression[A!], missing value, numerical action, error
    action), reduced over every range marked '!' in the first two arguments."""
    if len(arguments) != 5:
        raise UnsupportedModel("VECTOR SELECT without its five arguments")
    extra = marked(arguments[:2])
    if not extra:
        raise UnsupportedModel("VECTOR SELECT without a range marked '!'")
    selection, values = gathered(c, arguments[:2], extra)
    missing, action, error = (c._expr(a) for a in arguments[2:])
    helper = "_s_vector_select" if c.mode == "scalar" else "_vector_select"
    return f"{helper}({selection}, {values}, {missing}, {action}, {error})"


def xmile_extreme(c: Any, function: str, arguments: list) -> str:
    """XMILE's MIN(array) and MAX(array): the extreme over every range of the argument, NaN
    left out, as pysd's `vmin` / `vmax` without a dimension."""
    if len(arguments) != 1:
        raise UnsupportedModel(f"{function} with {len(arguments)} arguments")
    if not subscripted(c):
        raise UnsupportedModel(f"{function} of a value without subscripts")
    extra: list[str] = []
    for reference in _references(arguments):
        written = reference.subscripts.subscripts if reference.subscripts else []
        for s in written:
            if s in c.ranges and s not in extra:
                extra.append(s)
    if not extra or set(extra) & set(c.context if not unrolled(c) else c.context_dims):
        raise UnsupportedModel(f"{function} over the ranges of its own equation")
    (code,) = gathered(c, arguments, extra)
    return f"{'_s' if c.mode == 'scalar' else ''}_{function}({code})"


def invert_matrix(c: Any, arguments: list) -> str:
    """INVERT MATRIX(matrix[..., A, B], size): the inverse over the last two ranges, which must
    be the last two of the equation's own."""
    node = arguments[0] if arguments else None
    written = list(node.subscripts.subscripts) if getattr(node, "subscripts", None) else []
    context = tuple(c.context_dims if unrolled(c) else getattr(c, "context", ()))
    if len(written) < 2 or tuple(written[-2:]) != context[-2:] or len(context) < 2:
        raise UnsupportedModel("INVERT MATRIX other than over its equation's last two ranges")
    rows, columns = (c.ranges[r] for r in context[-2:])
    if len(rows) != len(columns):
        raise UnsupportedModel("INVERT MATRIX of a matrix that is not square")
    if not unrolled(c):
        return f"np.linalg.inv(_full({c._expr(node)}, {c.shape(c.context)}))"
    row, column = (c.binding[r] for r in context[-2:])
    outer = c.binding
    terms = []
    try:
        for a, b in product(rows, columns):
            rebind(c, {**outer, context[-2]: a, context[-1]: b})
            terms.append(c._expr(node))
    finally:
        rebind(c, outer)
    helper = "_s_invert_at" if c.mode == "scalar" else "_invert_at"
    return (f"{helper}(_stack(({', '.join(terms)},)), {len(rows)}, {rows.index(row)}, "
            f"{columns.index(column)})")


def _along_last(c: Any, node: Any, what: str) -> tuple[str, str]:
    """(the range an array function runs along: the last one written in its argument, the range
    of the equation at the same place: that range, or the equation's last)."""
    written = list(node.subscripts.subscripts) if getattr(node, "subscripts", None) else []
    if not written or written[-1] not in c.ranges:
        raise UnsupportedModel(f"{what} of something other than a variable over a range")
    along = written[-1]
    context = tuple(c.context_dims if unrolled(c) else c.context)
    if along in context:
        return along, along
    if not unrolled(c) or not context or len(c.ranges[context[-1]]) != len(c.ranges[along]):
        raise UnsupportedModel(f"{what} along a range its equation is not written over")
    return along, context[-1]


def sort_functions(c: Any, name: str, arguments: list) -> str:
    """VECTOR SORT ORDER(array, direction), VECTOR RANK(array, direction) and VECTOR REORDER(
    array, order): along the last range written in the array (pysd's rule), one element of the
    result per element of the equation's range at that place."""
    what = name.upper().replace("_", " ")
    if len(arguments) != 2:
        raise UnsupportedModel(f"{what} without its two arguments")
    if not subscripted(c):
        raise UnsupportedModel(f"{what} in a model without subscripts")
    along, place = _along_last(c, arguments[0], what)
    helper = f"_{name}"
    if not unrolled(c):
        axis = 1 + list(c.context).index(along)
        shape = c.shape(c.context)
        array, second = (f"np.moveaxis(_full({c._expr(a)}, {shape}), {axis}, -1)"
                         for a in arguments)
        if name != "vector_reorder":
            second = c._expr(arguments[1])
            second = f"np.moveaxis(_full({second}, {shape}), {axis}, -1)[..., 0]"
        return f"np.moveaxis({helper}({array}, {second}), -1, {axis})"
    items = c.ranges[along]
    position = c.ranges[place].index(c.binding[place])
    outer = c.binding
    terms = []
    try:
        for item in items:
            rebind(c, {**outer, along: item})
            terms.append(c._expr(arguments[0]))
    finally:
        rebind(c, outer)
    array = f"_stack(({', '.join(terms)},))"
    at = "_s_at" if c.mode == "scalar" else "_at"
    if name == "vector_reorder":  # this element's position in the array
        return f"{at}({array}, {c._expr(arguments[1])})"
    return f"{at}({helper}({array}, {c._expr(arguments[1])}), {position})"
