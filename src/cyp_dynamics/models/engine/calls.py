"""Calls that a table of functions cannot write: they need the equation tree or the compiler.

`compile_special(compiler, node)` gives the code of such a node, or None for every other node
(the compiler then goes on as usual). Here: GAME (pysd ignores gaming: the value of its
expression), GET TIME VALUE(0, offset, 0) (the current time plus the offset, in the model's
time units; pysd's other cases read the computer's clock, and stay with pysd), the RANDOM
functions pysd knows, and the functions of whole arrays (`vectors`) and allocations
(`allocation`).

The RANDOM functions draw from numpy's global generator, as pysd does: a new draw (one per
element and run) each time the equation is evaluated, so each step. Their code names Time (`t`)
so that the builder evaluates them every step, as pysd does (its random calls depend on time).
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from . import allocation, vectors
from .common import UnsupportedModel

# ---- run-time helpers: the distributions and the meaning of the arguments are pysd's ----------


def _random_uniform(t: Any, low: Any, high: Any, shape: tuple) -> np.ndarray:
    return np.random.uniform(low, high, size=shape)


def _random_normal(t: Any, low: Any, high: Any, mean: Any, deviation: Any,
                   shape: tuple) -> Any:
    """RANDOM NORMAL(min, max, mean, sd): a normal draw truncated to [min, max]."""
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(np.abs(deviation) < 1e-6, -np.inf, (low - mean) / deviation)
        upper = np.where(np.abs(deviation) < 1e-6, np.inf, (high - mean) / deviation)
    return stats.truncnorm.rvs(lower, upper, loc=mean, scale=deviation, size=shape)


def _random_exponential(t: Any, low: Any, high: Any, shift: Any, stretch: Any,
                        shape: tuple) -> Any:
    """RANDOM EXPONENTIAL(min, max, shift, stretch): an exponential draw starting at the larger
    of min and shift, with scale `stretch`, truncated at max."""
    from scipy import stats

    start = np.maximum(low, shift)
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = np.where(np.abs(stretch) < 1e-6, np.inf, (high - start) / stretch)
    return stats.truncexpon.rvs(upper, loc=start, scale=stretch, size=shape)


def _s_random(draw: Any) -> float:
    return float(np.reshape(draw, -1)[0])


HELPERS = {"_random_uniform": _random_uniform, "_random_normal": _random_normal,
           "_random_exponential": _random_exponential, "_s_random": _s_random}

# RANDOM function -> (helper, how many of its arguments the helper takes); the seed is ignored
RANDOM = {"random_0_1": ("_random_uniform", 0), "random_uniform": ("_random_uniform", 2),
          "random_normal": ("_random_normal", 4), "random_exponential": ("_random_exponential", 4)}


def _is_zero(node: Any) -> bool:
    return isinstance(node, Number) and not isinstance(node, bool) and node == 0


def _get_time_value(c: Any, arguments: list) -> str:
    """GET TIME VALUE(0, offset, 0): the current time plus the offset; pysd runs no other case."""
    if len(arguments) != 3 or not (_is_zero(arguments[0]) and _is_zero(arguments[2])):
        raise UnsupportedModel("function get_time_value other than GET TIME VALUE(0, offset, 0)")
    return f"({c._time()} + {c._expr(arguments[1])})"


def _random(c: Any, name: str, arguments: list) -> str:
    helper, count = RANDOM[name]
    if len(arguments) < count:
        raise UnsupportedModel(f"{name} with {len(arguments)} arguments")
    values = ["0.0", "1.0"] if name == "random_0_1" else [c._expr(a) for a in arguments[:count]]
    if c.mode == "scalar":
        return f"_s_random({helper}(t, {', '.join(values)}, ()))"
    shape = c.shape_code() or "(R,)"
    return f"{helper}(t, {', '.join(values)}, {shape})"


def compile_special(c: Any, node: Any) -> str | None:
    """Code for `node` if it is one of this module's calls, else None."""
    if isinstance(node, ae.GameStructure):
        return c._expr(node.expression)
    if isinstance(node, (ae.AllocateAvailableStructure, ae.AllocateByPriorityStructure)):
        return allocation.compile_allocation(c, node)
    if not isinstance(node, ae.CallStructure):
        return None
    name = node.function.reference
    arguments = list(node.arguments)
    if name == "get_time_value":
        return _get_time_value(c, arguments)
    if name in RANDOM:
        return _random(c, name, arguments)
    if name == "vector_select":
        return vectors.vector_select(c, arguments)
    if name in ("vmin_xmile", "vmax_xmile"):
        return vectors.xmile_extreme(c, name.removesuffix("_xmile"), arguments)
    if name == "invert_matrix":
        return vectors.invert_matrix(c, arguments)
    if name in ("vector_sort_order", "vector_rank", "vector_reorder"):
        return vectors.sort_functions(c, name, arguments)
    return None
