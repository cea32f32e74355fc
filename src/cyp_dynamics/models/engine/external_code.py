"""Values read from files (`external`) in the compiled code, and the helpers that read data.

`external.load` puts a `FileValues` where an equation read a file; `compile_values` turns it into
a name the run function finds in `_arrays` (so nothing read from a file is written into the code,
see `common`), in whichever compiler meets it: one value in a plain model, an array of shape
(1, *the equation's ranges) with subscripts as arrays, one element's value element by element.
Data is read at each step as pysd's `Data.__call__` reads it (see `_row`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np

from .common import UnsupportedModel

METHODS = ("interpolate", "look_forward", "hold_backward", "raw")


@dataclass(frozen=True, eq=False)
class FileValues:
    """Values read from a file for one equation (one component of a variable).

    `subscripts`: the equation's subscripts as written (a range, a subrange or an element at each
    position). `values`: constants, one axis per position (length 1 at an element, the range's or
    subrange's elements in its order otherwise); data: the same with the file's times first.
    """

    kind: str  # "constant" or "data"
    subscripts: tuple[str, ...]
    values: np.ndarray
    times: np.ndarray | None = None
    method: str = "interpolate"


def _row(times: Any, t: float, method: str) -> tuple[int, int, float] | None:
    """(i, j, weight): the value at t is values[i] + weight * (values[j] - values[i]); None for
    NaN (raw data between the file's times)."""
    last = len(times) - 1
    j = bisect_right(times, t)  # times[j - 1] <= t < times[j]
    if j > 0 and times[j - 1] == t:
        return j - 1, j - 1, 0.0
    if method == "raw":
        return None
    if j > last:
        return last, last, 0.0
    if j == 0:
        return 0, 0, 0.0
    if method == "look_forward":
        return j, j, 0.0
    if method == "hold_backward":
        return j - 1, j - 1, 0.0
    return j - 1, j, (t - times[j - 1]) / (times[j] - times[j - 1])


def _data(method: str) -> Any:
    """The numpy form's reader of data by `method`: values[k] is the array at times[k]."""
    def value(t: float, times: list[float], values: Any) -> Any:
        found = _row(times, t, method)
        if found is None:
            return values[0] * np.nan
        i, j, weight = found
        if i == j:
            return values[i]
        return (values[j] - values[i]) * weight + values[i]
    value.__name__ = f"_data_{method}"
    return value


def _s_data(method: str) -> Any:
    """The float form's reader of data by `method`: one element's values, a list of floats."""
    def value(t: float, times: list[float], values: list[float]) -> float:
        found = _row(times, t, method)
        if found is None:
            return float("nan")
        i, j, weight = found
        if i == j:
            return values[i]
        return (values[j] - values[i]) * weight + values[i]
    value.__name__ = f"_s_data_{method}"
    return value


HELPERS: dict[str, Any] = {**{f"_data_{m}": _data(m) for m in METHODS},
                           **{f"_s_data_{m}": _s_data(m) for m in METHODS}}


def compile_values(compiler: Any, node: FileValues) -> str:
    """The code for values read from a file, in any of the compilers: a name in `_arrays`.

    Plain models: one value. Subscripts as arrays (`subscripts.SubscriptCompiler`): an array of
    shape (1, *the equation's ranges). Element by element (`unrolled.UnrolledCompiler`): the
    value of the element being compiled.
    """
    arrays = compiler.__dict__.setdefault("arrays", {})
    scalar = compiler.mode == "scalar"
    binding = getattr(compiler, "binding", None)
    keys = compiler.__dict__.setdefault("_file_keys", {})
    values = node.values
    if node.kind == "data":
        values = values.reshape(len(node.times), -1) if binding is not None else values
    key = keys.get(id(node))
    if key is None:
        key = keys[id(node)] = f"_ext{len(arrays)}"
        arrays[key] = _stored(node, values, binding is not None, scalar, compiler)
    element = ""
    if binding is not None:  # this element's position among the equation's values
        ranges = compiler.ranges
        index = [ranges[s].index(binding[s]) if s in binding else 0 for s in node.subscripts]
        shape = node.values.shape[1:] if node.kind == "data" else node.values.shape
        element = f"[{int(np.ravel_multi_index(index, shape)) if shape else 0}]"
    if node.kind == "constant":
        return f"{key}{element}"
    if node.method not in METHODS:  # only names from the fixed table reach the code
        raise UnsupportedModel(f"data method {node.method!r}")
    helper = ("_s_data_" if scalar or binding is not None else "_data_") + node.method
    return f"{helper}(t, *{key}{element})"


def _stored(node: FileValues, values: np.ndarray, unrolled: bool, scalar: bool,
            compiler: Any) -> Any:
    """What the run function finds under the node's name in `_arrays`."""
    if node.kind == "constant":
        if unrolled:
            return [float(v) for v in values.reshape(-1)]
        if not node.subscripts:
            return float(values.reshape(-1)[0])
        sizes = [len(compiler.ranges[c]) for c in compiler.context]
        return values.reshape(sizes)[None, ...]
    times = [float(t) for t in node.times]
    if unrolled:
        return [(times, values[:, k].tolist()) for k in range(values.shape[1])]
    if not node.subscripts:
        flat = values.reshape(len(times))
        return times, (flat.tolist() if scalar else flat)
    sizes = [len(compiler.ranges[c]) for c in compiler.context]
    return times, values.reshape(len(times), 1, *sizes)


__all__ = ["HELPERS", "METHODS", "FileValues", "compile_values"]
