"""ALLOCATE BY PRIORITY and ALLOCATE AVAILABLE: share a supply among requests.

Both allocate along the last range of the request (the targets); every other range, and every
run, is a separate allocation. Semantics follow pysd (pysd/py_backend/allocation.py, after
Vensim's documentation of allocation):

* ALLOCATE BY PRIORITY(request, priority, size, width, supply): targets served from the highest
  priority down; a target starts receiving once the one before it has received (difference in
  priority / width, at most 1) x its request, and while several receive, each receives in
  proportion to its request. Piecewise linear, so computed exactly, step by step.
* ALLOCATE AVAILABLE(request, priority profile, available): each target's demand curve
  (rectangular, triangular, normal or exponential, from its profile: type, priority, width,
  extra) gives how much it takes at a common "price"; the price at which the curves take exactly
  the supply is found with scipy's least_squares, started and bounded as pysd does, so both give
  the same numbers.

Requests below 0, widths not above 0 and supplies below 0 stop the run with ValueError, as in
pysd.
"""

from __future__ import annotations

from collections.abc import Callable
from math import erfc
from typing import Any

import numpy as np

from .common import UnsupportedModel
from .vectors import rebind

# ---- ALLOCATE BY PRIORITY --------------------------------------------------------------------


def _by_priority_1d(request: np.ndarray, priority: np.ndarray, width: float,
                    supply: float) -> np.ndarray:
    if supply >= np.sum(request):
        return request.astype(float)
    if supply == 0:
        return np.zeros(len(request))
    asking = request != 0
    rank = (-priority[asking]).argsort()  # highest priority first (numpy's default sort, as pysd)
    wanted = request[asking].astype(float)[rank]
    ordered = priority[asking][rank]
    given = np.zeros(len(wanted))
    # how much the target before must receive before the next one starts (none after the last)
    start_after = np.full(len(wanted), np.nan)
    start_after[:-1] = np.minimum(-np.diff(ordered) / width, 1) * wanted[:-1]
    receiving = np.zeros(len(wanted), dtype=bool)
    receiving[0] = True
    newest = 0
    while supply > 0:
        shares = wanted * receiving
        shares /= np.sum(shares)
        until_full = np.nanmin((wanted - given)[receiving] / shares[receiving])
        until_next = (start_after[newest] - given[newest]) / shares[newest]
        step = np.nanmin((until_full, until_next, supply))
        given += shares * step
        if np.isclose(step, until_next, rtol=1e-10, atol=1e-16):
            newest += 1
            receiving[newest] = True
        if step == until_full:
            receiving[given == wanted] = False
        supply -= step
    result = np.zeros(len(request))
    result[asking] = given[rank.argsort()]
    return result


def _remember_last(allocate: Callable) -> Callable:
    """`allocate`, reusing its last result for the same inputs: written element by element, an
    equation asks for the same allocation once per target in a row."""
    last: list = [((), None)]  # one (inputs, result) pair, replaced whole (safe in threads)

    def remembered(*args: Any) -> np.ndarray:
        key = tuple((np.shape(a), np.asarray(a, dtype=float).tobytes()) for a in args)
        inputs, result = last[0]
        if inputs != key:
            result = allocate(*args)
            last[0] = (key, result)
        return result.copy()
    return remembered


@_remember_last
def _allocate_by_priority(request: Any, priority: Any, width: Any, supply: Any,
                          axis: int = -1) -> np.ndarray:
    """ALLOCATE BY PRIORITY along `axis` of `request` and `priority`; `width` and `supply` have
    the same shape (then their values along `axis` are one and the same) or lack that axis."""
    request, priority = (np.moveaxis(np.asarray(v, dtype=float), axis, -1)
                         for v in (request, priority))
    width, supply = (_across(v, axis, request.ndim) for v in (width, supply))
    lead = np.broadcast_shapes(request.shape[:-1], priority.shape[:-1], width.shape, supply.shape)
    request, priority = (np.broadcast_to(v, lead + v.shape[-1:]) for v in (request, priority))
    width, supply = (np.broadcast_to(v, lead) for v in (width, supply))
    if np.any(request < 0):
        raise ValueError("ALLOCATE BY PRIORITY: some requests are negative; allocation needs "
                         "requests of 0 or more.")
    if np.any(width <= 0):
        raise ValueError("ALLOCATE BY PRIORITY: the width must be greater than 0.")
    if np.any(supply < 0):
        raise ValueError("ALLOCATE BY PRIORITY: the supply must not be negative.")
    found = np.empty(request.shape)
    for index in np.ndindex(request.shape[:-1]):
        found[index] = _by_priority_1d(request[index], priority[index], float(width[index]),
                                       float(supply[index]))
    return np.moveaxis(found, -1, axis)


def _across(value: Any, axis: int, ndim: int) -> np.ndarray:
    """A value given for every target (its first target's) or already without the targets."""
    value = np.asarray(value, dtype=float)
    return np.take(value, 0, axis=axis) if value.ndim == ndim else value


# ---- ALLOCATE AVAILABLE ----------------------------------------------------------------------
Curve = tuple[Callable[[Any], Any], tuple[float, float] | None]


def _demand_curve(quantity: float, profile: np.ndarray) -> Curve:
    """A target's demand at price x for its profile (type, priority, width, extra), and the
    open interval of prices where the demand changes (None: it never does)."""
    if quantity == 0:
        return (lambda x: 0), None
    kind, middle, width = profile[0], profile[1], profile[2]
    half = width * .5
    if kind == 1:  # rectangular
        def curve(x: Any) -> Any:
            if x <= middle - half:
                return quantity
            if x < middle + half:
                return quantity * (1 - (x - middle + half) / width)
            return 0
        return curve, (middle - half, middle + half)
    if kind == 2:  # triangular
        def curve(x: Any) -> Any:
            if x <= middle - half:
                return quantity
            if x < middle:
                return quantity * (1 - 2 * (x - middle + half) ** 2 / width ** 2)
            if x < middle + half:
                return 2 * quantity * (middle + half - x) ** 2 / width ** 2
            return 0
        return curve, (middle - half, middle + half)
    if kind == 3:  # normal: the numerically strictly decreasing part is about +-8.29 sd
        def curve(x: Any) -> Any:
            return quantity * .5 * (2 - erfc((middle - x) / (np.sqrt(2) * width)))
        return curve, (middle - 8.2923611 * width, middle + 8.2923611 * width)
    if kind == 4:  # exponential, symmetric around its middle
        def curve(x: Any) -> Any:
            if x < middle:
                return quantity * (1 - .5 * np.exp((x - middle) / width))
            return quantity * .5 * np.exp((middle - x) / width)
        return curve, (middle - 36.7368005696 * width, middle + 36.7368005696 * width)
    if kind in (0, 5):
        raise NotImplementedError("ALLOCATE AVAILABLE with a fixed-quantity or constant-"
                                  "elasticity priority profile (pysd has neither).")
    raise ValueError(f"ALLOCATE AVAILABLE: priority profile type {kind:g} does not exist.")


def _joined(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of open intervals as disjoint open intervals, lowest first (two that only
    touch stay apart: their common end belongs to neither)."""
    joined: list[list[float]] = []
    for low, high in sorted(i for i in intervals if i[0] < i[1]):
        if joined and low < joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], high)
        else:
            joined.append([low, high])
    return [(low, high) for low, high in joined]


def _available_1d(request: np.ndarray, profiles: np.ndarray, available: float) -> np.ndarray:
    from scipy.optimize import least_squares

    if available >= np.sum(request):
        return request.astype(float)
    if available == 0:
        return np.zeros(len(request))
    if np.any(profiles[:, 2] <= 0):
        raise ValueError("ALLOCATE AVAILABLE: priority widths must be positive.")
    curves = [_demand_curve(q, profile) for q, profile in zip(request, profiles)]

    def total(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            x = x.squeeze()[()]
        return np.sum([curve(x) for curve, _ in curves])

    chosen = None
    for low, high in _joined([i for _, i in curves if i is not None]):
        chosen = (low, high)
        if total(high) <= available <= total(low):  # demand falls as the price rises
            break
    if chosen is None:
        raise ValueError("ALLOCATE AVAILABLE: no request can take the supply.")
    low, high = chosen
    price = least_squares(lambda x: total(x) - available, .5 * (high + low), bounds=(low, high),
                          method="dogbox", tr_solver="exact").x[0]
    return np.array([curve(price) for curve, _ in curves], dtype=float)


@_remember_last
def _allocate_available(request: Any, profiles: Any, available: Any, axis: int = -1) -> np.ndarray:
    """ALLOCATE AVAILABLE along `axis` of `request`; `profiles` has the profile's four values on
    its last axis; `available` as `supply` in `_allocate_by_priority`."""
    request = np.moveaxis(np.asarray(request, dtype=float), axis, -1)
    profiles = np.asarray(profiles, dtype=float)
    if axis != -1:
        profiles = np.moveaxis(profiles, axis, -2)
    available = _across(available, axis, request.ndim)
    lead = np.broadcast_shapes(request.shape[:-1], profiles.shape[:-2], available.shape)
    request = np.broadcast_to(request, lead + request.shape[-1:])
    profiles = np.broadcast_to(profiles, request.shape + profiles.shape[-1:])
    available = np.broadcast_to(available, lead)
    if np.any(request < 0):
        raise ValueError("ALLOCATE AVAILABLE: some requests are negative; allocation needs "
                         "requests of 0 or more.")
    if np.any(available < 0):
        raise ValueError("ALLOCATE AVAILABLE: the available supply must not be negative.")
    found = np.empty(request.shape)
    for index in np.ndindex(request.shape[:-1]):
        found[index] = _available_1d(request[index], profiles[index], float(available[index]))
    return np.moveaxis(found, -1, axis)


def _s_element(values: Any, index: int) -> float:
    return float(np.reshape(values, -1)[index])


HELPERS = {"_allocate_by_priority": _allocate_by_priority,
           "_allocate_available": _allocate_available, "_s_element": _s_element}


# ---- compiling -------------------------------------------------------------------------------
def _targets(c: Any, request: Any) -> str:
    """The range the allocation runs along: the last one written in the request."""
    written = list(request.subscripts.subscripts) if getattr(request, "subscripts", None) else []
    context = c.context_dims if hasattr(c, "binding") else getattr(c, "context", ())
    if not written or written[-1] not in context:
        raise UnsupportedModel("an allocation whose request is not along a range of its equation")
    return written[-1]


def _profile_reference(c: Any, node: Any) -> tuple[Any, str]:
    """The priority profile as pysd reads it: its last subscript (written as one element, e.g.
    'ptype') stands for the profile's whole range."""
    from pysd.translators.structures import abstract_expressions as ae

    name = c.names.get(getattr(node, "reference", None), getattr(node, "reference", None))
    dims = c.dims.get(name, ()) if name else ()
    if not dims or not node.subscripts or len(node.subscripts.subscripts) != len(dims):
        raise UnsupportedModel("ALLOCATE AVAILABLE with a priority profile that is not a variable")
    profile = dims[-1]
    if profile in c.context or len(c.ranges[profile]) != 4:
        raise UnsupportedModel("ALLOCATE AVAILABLE with an unusual priority profile")
    written = (*node.subscripts.subscripts[:-1], profile)
    return ae.ReferenceStructure(node.reference, ae.SubscriptsReferenceStructure(written)), profile


def compile_allocation(c: Any, node: Any) -> str:
    """Code for ALLOCATE BY PRIORITY or ALLOCATE AVAILABLE in a subscripted equation."""
    from pysd.translators.structures import abstract_expressions as ae

    if not hasattr(c, "ranges"):
        raise UnsupportedModel("an allocation in a model without subscripts")
    by_priority = isinstance(node, ae.AllocateByPriorityStructure)
    targets = _targets(c, node.request)
    if by_priority:
        helper = "_allocate_by_priority"
        along, beside = [node.request, node.priority], [node.width, node.supply]
        extra: list[str] = []
    else:
        helper = "_allocate_available"
        profile, name = _profile_reference(c, node.pp)
        along, beside, extra = [node.request], [node.avail], [name]
    if not hasattr(c, "binding"):  # arrays over whole ranges
        axis = 1 + list(c.context).index(targets)
        shape = c.shape(c.context)
        codes = [f"_full({c._expr(n)}, {shape})" for n in along]
        if extra:
            outer = c.context
            c.context = outer + tuple(extra)
            try:
                codes.append(f"_full({c._expr(profile)}, {c.shape(c.context)})")
            finally:
                c.context = outer
        codes += [f"_full({c._expr(n)}, {shape})" for n in beside]
        return f"{helper}({', '.join(codes)}, {axis})"
    # element by element: the targets' terms stacked on a last axis, this element's share taken
    items = c.ranges[targets]
    position = items.index(c.binding[targets])
    outer = c.binding
    codes = []
    try:
        for n in along:
            terms = []
            for item in items:
                rebind(c, {**outer, targets: item})
                terms.append(c._expr(n))
            codes.append(f"_stack(({', '.join(terms)},))")
        if extra:
            rows = []
            for item in items:
                terms = []
                for value in c.ranges[extra[0]]:
                    rebind(c, {**outer, targets: item, extra[0]: value})
                    terms.append(c._expr(profile))
                rows.append(f"_stack(({', '.join(terms)},))")
            codes.append(f"np.stack(np.broadcast_arrays({', '.join(rows)}), axis=-2)")
    finally:
        rebind(c, outer)
    codes += [c._expr(n) for n in beside]
    found = f"{helper}({', '.join(codes)})"
    if c.mode == "scalar":
        return f"_s_element({found}, {position})"
    return f"{found}[..., {position}]"
