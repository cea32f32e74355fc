"""Vensim's built-in functions, in two forms: numpy (a column per run) and plain floats (one run).

`FUNCTIONS[mode][name](args)` gives the code for a call, `HELPERS` the run-time functions that
code calls. The numpy form ("vector") works on arrays of shape (runs, ...), the float form
("scalar") on Python floats, which is many times faster for a single run of a model without
subscripts. Each helper does what pysd's function of the same name does (pysd/py_backend/
functions.py), so both forms agree with pysd to rounding error. The float form raises Python's
own errors (ZeroDivisionError, OverflowError, ValueError) where numpy would give inf or NaN; the
integrator then runs the numpy form instead, so results never depend on the form used.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

import numpy as np

from .allocation import HELPERS as ALLOCATION_HELPERS
from .calls import HELPERS as CALL_HELPERS
from .common import SMALL_VENSIM
from .vectors import HELPERS as VECTOR_HELPERS


# ---- numpy form (shape-preserving); the integrator sets numpy's error state once per run -----
def _zidz(numerator: Any, denominator: Any) -> Any:
    return np.where(np.abs(denominator) < SMALL_VENSIM, 0.0, numerator / denominator)


def _xidz(numerator: Any, denominator: Any, fallback: Any) -> Any:
    return np.where(np.abs(denominator) < SMALL_VENSIM, fallback, numerator / denominator)


def _step(t: Any, dt: float, height: Any, start: Any) -> Any:
    return height * (t + dt / 2 > start)


def _pulse(t: Any, dt: float, start: Any, width: Any = None) -> Any:
    width = 0.5 * dt if width is None else width
    return np.where((start - SMALL_VENSIM <= t) & (t < start + width), 1.0, 0.0)


def _pulse_train(t: Any, dt: float, start: Any, repeat: Any, width: Any, end: Any) -> Any:
    """PULSE TRAIN(start, repeat time, width, end), as pysd's `pulse` with a repeat time."""
    single = (start - SMALL_VENSIM <= t) & (t < start + width)
    phase = np.mod(t - start + SMALL_VENSIM, np.where(repeat == 0, 1.0, repeat))
    repeated = (start <= t) & (t < end) & (phase < width)
    return np.where(np.where(repeat == 0, single, repeated), 1.0, 0.0)


def _ramp(t: Any, slope: Any, start: Any, finish: Any = None) -> Any:
    final = t if finish is None else np.minimum(finish, t)
    return (t + SMALL_VENSIM > start) * slope * (final - start)


def _lookup(x: Any, xs: np.ndarray, ys: np.ndarray) -> Any:
    return np.interp(x, xs, ys)


def _lookup_extrapolate(x: Any, xs: np.ndarray, ys: np.ndarray) -> Any:
    """A table that continues its first and last segments beyond its ends (LOOKUP EXTRAPOLATE)."""
    inside = np.interp(x, xs, ys)
    below = ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
    above = ys[-1] + (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) * (x - xs[-1])
    return np.where(x < xs[0], below, np.where(x > xs[-1], above, inside))


def _lookup_hold(x: Any, xs: np.ndarray, ys: np.ndarray) -> Any:
    """A table read as steps: the value at the last point at or before x (hold backward)."""
    return ys[np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 1)]


def _quantum(a: Any, b: Any) -> Any:
    return np.where(b < SMALL_VENSIM, a, b * np.fix(a / np.where(b == 0, 1.0, b)))


def _modulo(x: Any, m: Any) -> Any:
    """Vensim's (and pysd's) MODULO: x - QUANTUM(x, m), so the remainder takes the sign of x."""
    return x - _quantum(x, m)


# ---- float form: one run of a model without subscripts ---------------------------------------
def _s_min(a: float, b: float) -> float:
    return a if (a <= b or a != a) else b  # noqa: PLR0124 (NaN wins, as in np.minimum)


def _s_max(a: float, b: float) -> float:
    return a if (a >= b or a != a) else b  # noqa: PLR0124 (NaN wins)


def _s_zidz(numerator: float, denominator: float) -> float:
    return 0.0 if abs(denominator) < SMALL_VENSIM else numerator / denominator


def _s_xidz(numerator: float, denominator: float, fallback: float) -> float:
    return fallback if abs(denominator) < SMALL_VENSIM else numerator / denominator


def _s_step(t: float, dt: float, height: float, start: float) -> float:
    return height if t + dt / 2 > start else height * 0.0


def _s_pulse(t: float, dt: float, start: float, width: float | None = None) -> float:
    width = 0.5 * dt if width is None else width
    return 1.0 if start - SMALL_VENSIM <= t < start + width else 0.0


def _s_pulse_train(t: float, dt: float, start: float, repeat: float, width: float,
                   end: float) -> float:
    if repeat == 0:
        return 1.0 if start - SMALL_VENSIM <= t < start + width else 0.0
    if start <= t < end:
        return 1.0 if (t - start + SMALL_VENSIM) % repeat < width else 0.0
    return 0.0


def _s_ramp(t: float, slope: float, start: float, finish: float | None = None) -> float:
    final = t if finish is None else _s_min(finish, t)
    return (t + SMALL_VENSIM > start) * slope * (final - start)


def _s_lookup(x: float, xs: list[float], ys: list[float]) -> float:
    """np.interp for one float (the same arithmetic, without numpy's per-call cost)."""
    if x != x:  # noqa: PLR0124 (NaN)
        return x
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    j = bisect_right(xs, x) - 1
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    return slope * (x - xs[j]) + ys[j]


def _s_lookup_extrapolate(x: float, xs: list[float], ys: list[float]) -> float:
    if x < xs[0]:
        return ys[0] + (ys[1] - ys[0]) / (xs[1] - xs[0]) * (x - xs[0])
    if x > xs[-1]:
        return ys[-1] + (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) * (x - xs[-1])
    return _s_lookup(x, xs, ys)


def _s_lookup_hold(x: float, xs: list[float], ys: list[float]) -> float:
    return ys[min(max(bisect_right(xs, x) - 1, 0), len(xs) - 1)]


def _s_integer(x: float) -> float:
    return float(math.trunc(x))


def _s_quantum(a: float, b: float) -> float:
    return a if b < SMALL_VENSIM else b * float(math.trunc(a / b))


def _s_modulo(x: float, m: float) -> float:
    return x - _s_quantum(x, m)


def _s_power(a: float, b: float) -> float:
    """a ** b as numpy gives it: NaN, not a complex number, for a negative a and fractional b."""
    if a < 0 and b != math.floor(b):
        return math.nan
    return a ** b


def _s_log(x: float) -> float:
    return math.log(x)  # ValueError at x <= 0: the integrator runs the numpy form instead


RUN_HELPERS: dict[str, Any] = {
    "np": np, "math": math, "_nan": math.nan, "_inf": math.inf, "_pi": math.pi,
    "_zidz": _zidz, "_xidz": _xidz, "_step": _step, "_pulse": _pulse, "_pulse_train": _pulse_train,
    "_ramp": _ramp, "_lookup": _lookup, "_lookup_extrapolate": _lookup_extrapolate,
    "_lookup_hold": _lookup_hold, "_quantum": _quantum, "_modulo": _modulo,
    "_s_min": _s_min, "_s_max": _s_max, "_s_zidz": _s_zidz, "_s_xidz": _s_xidz,
    "_s_step": _s_step, "_s_pulse": _s_pulse, "_s_pulse_train": _s_pulse_train,
    "_s_ramp": _s_ramp, "_s_lookup": _s_lookup, "_s_lookup_extrapolate": _s_lookup_extrapolate,
    "_s_lookup_hold": _s_lookup_hold, "_s_integer": _s_integer, "_s_quantum": _s_quantum,
    "_s_modulo": _s_modulo, "_s_power": _s_power,
    # run-time helpers of the calls a function table cannot write (`calls`)
    **CALL_HELPERS, **VECTOR_HELPERS, **ALLOCATION_HELPERS,
}



def _quiet(function: Callable) -> Callable:
    """`function` with numpy's warnings for division by zero and overflow off (as in a run)."""
    def quiet(*args: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return function(*args)
    return quiet


# For code evaluated outside a run (the diagram tools evaluate single equations), where numpy's
# error state is not set once for the whole run.
HELPERS: dict[str, Any] = dict(
    RUN_HELPERS, **{name: _quiet(RUN_HELPERS[name]) for name in
                    ("_zidz", "_xidz", "_quantum", "_modulo", "_pulse_train", "_lookup_extrapolate")})

Builder = Callable[[list[str]], str]
_NUMPY_UNARY = {"abs": "np.abs", "exp": "np.exp", "sqrt": "np.sqrt", "ln": "np.log",
                "sin": "np.sin", "cos": "np.cos", "tan": "np.tan", "arcsin": "np.arcsin",
                "arccos": "np.arccos", "arctan": "np.arctan", "sinh": "np.sinh",
                "cosh": "np.cosh", "tanh": "np.tanh", "integer": "np.fix"}
_MATH_UNARY = {"abs": "abs", "exp": "math.exp", "sqrt": "math.sqrt", "ln": "math.log",
               "sin": "math.sin", "cos": "math.cos", "tan": "math.tan", "arcsin": "math.asin",
               "arccos": "math.acos", "arctan": "math.atan", "sinh": "math.sinh",
               "cosh": "math.cosh", "tanh": "math.tanh", "integer": "_s_integer"}


def _unary(function: str) -> Builder:
    return lambda a: f"{function}({a[0]})"


def _pulse_code(prefix: str) -> Builder:
    return lambda a: f"{prefix}pulse(t, dt, {a[0]}" + (f", {a[1]})" if len(a) > 1 else ")")


def _ramp_code(prefix: str) -> Builder:
    return lambda a: f"{prefix}ramp(t, {a[0]}, {a[1]}" + (f", {a[2]})" if len(a) > 2 else ")")


VECTOR: dict[str, Builder] = {
    **{name: _unary(f) for name, f in _NUMPY_UNARY.items()},
    "min": lambda a: f"np.minimum({a[0]}, {a[1]})",
    "max": lambda a: f"np.maximum({a[0]}, {a[1]})",
    "log": lambda a: f"(np.log({a[0]}) / np.log({a[1]}))",
    "power": lambda a: f"np.power({a[0]}, {a[1]})",
    "pi": lambda a: "_pi",
    "modulo": lambda a: f"_modulo({a[0]}, {a[1]})",
    "quantum": lambda a: f"_quantum({a[0]}, {a[1]})",
    "zidz": lambda a: f"_zidz({a[0]}, {a[1]})",
    "xidz": lambda a: f"_xidz({a[0]}, {a[1]}, {a[2]})",
    "if_then_else": lambda a: f"np.where({a[0]}, {a[1]}, {a[2]})",
    "step": lambda a: f"_step(t, dt, {a[0]}, {a[1]})",
    "pulse": _pulse_code("_"),
    "pulse_train": lambda a: f"_pulse_train(t, dt, {a[0]}, {a[1]}, {a[2]}, {a[3]})",
    "ramp": _ramp_code("_"),
}
SCALAR: dict[str, Builder] = {
    **{name: _unary(f) for name, f in _MATH_UNARY.items()},
    "min": lambda a: f"_s_min({a[0]}, {a[1]})",
    "max": lambda a: f"_s_max({a[0]}, {a[1]})",
    "log": lambda a: f"(math.log({a[0]}) / math.log({a[1]}))",
    "power": lambda a: f"_s_power({a[0]}, {a[1]})",
    "pi": lambda a: "_pi",
    "modulo": lambda a: f"_s_modulo({a[0]}, {a[1]})",
    "quantum": lambda a: f"_s_quantum({a[0]}, {a[1]})",
    "zidz": lambda a: f"_s_zidz({a[0]}, {a[1]})",
    "xidz": lambda a: f"_s_xidz({a[0]}, {a[1]}, {a[2]})",
    "if_then_else": lambda a: f"({a[1]} if {a[0]} else {a[2]})",
    "step": lambda a: f"_s_step(t, dt, {a[0]}, {a[1]})",
    "pulse": _pulse_code("_s_"),
    "pulse_train": lambda a: f"_s_pulse_train(t, dt, {a[0]}, {a[1]}, {a[2]}, {a[3]})",
    "ramp": _ramp_code("_s_"),
}
FUNCTIONS = {"vector": VECTOR, "scalar": SCALAR}
TIME_FUNCTIONS = ("step", "pulse", "pulse_train", "ramp")  # their code starts '<helper>(t, '
LOOKUP_HELPERS = {  # pysd's interpolation type -> helper, per form
    "vector": {"interpolate": "_lookup", "extrapolate": "_lookup_extrapolate",
               "hold_backward": "_lookup_hold"},
    "scalar": {"interpolate": "_s_lookup", "extrapolate": "_s_lookup_extrapolate",
               "hold_backward": "_s_lookup_hold"},
}
OPERATORS = {"^": "**", "*": "*", "/": "/", "+": "+", "-": "-", "=": "==", "<>": "!=",
             ">=": ">=", ">": ">", "<=": "<=", "<": "<"}
