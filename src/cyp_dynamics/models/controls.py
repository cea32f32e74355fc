"""A model's control variables (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER): read and checked.

Controls that are numbers, or arithmetic on numbers and constants (XMILE's reciprocal time step
is 1/dt), are read here before anything is compiled, so a TIME STEP of 0 is explained in words
rather than met as a division by zero or a run that never ends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from pathlib import Path
from typing import Any

from .engine import Element
from .sanitise import ModelFileError

MAX_STEPS = 10_000_000  # integration steps in one run; more would not fit in memory
CONTROLS = ("initial_time", "final_time", "time_step", "saveper")
_ARITHMETIC = {"+": float.__add__, "-": float.__sub__, "*": float.__mul__,
               "/": lambda a, b: a / b if b else math.copysign(math.inf, a) if a else math.nan}


def constant_number(node: Any, known: Mapping[str, float]) -> float | None:
    """The value of an equation made only of numbers, arithmetic and the names in `known`
    (e.g. a reciprocal time step `1/32`); None when it depends on anything else (such as Time)."""
    from pysd.translators.structures import abstract_expressions as ae

    if isinstance(node, Real) and not isinstance(node, bool):
        return float(node)
    if isinstance(node, ae.ReferenceStructure) and not node.subscripts:
        return known.get(node.reference)
    if not isinstance(node, ae.ArithmeticStructure):
        return None
    values = [constant_number(a, known) for a in node.arguments]
    if any(v is None for v in values):
        return None
    operators = list(node.operators)
    try:
        if len(values) == 1:
            return -values[0] if operators == ["negative"] else None
        if all(op == "^" for op in operators):  # right to left, as Vensim and pysd
            result = values[-1]
            for value in reversed(values[:-1]):
                result = value ** result
            return float(result)
        result = values[0]
        for op, value in zip(operators, values[1:]):
            if op not in _ARITHMETIC:
                return None
            result = _ARITHMETIC[op](result, value)
        return result
    except (ArithmeticError, TypeError, ValueError):
        return None


def numeric_controls(elements: list[Element], path: Path) -> dict[str, float] | None:
    """INITIAL TIME, FINAL TIME, TIME STEP and SAVEPER when each is a number or arithmetic on
    numbers and constants (XMILE's reciprocal time step is 1/dt); None when one changes over
    time (pysd then runs the model)."""
    by_name = {e.py_name: e for e in elements}
    known = {e.py_name: float(e.ast) for e in elements
             if e.kind in ("constant", "fixed") and isinstance(e.ast, Real)}
    controls: dict[str, float] = {}
    for _ in CONTROLS:  # a control may name another (SAVEPER = TIME STEP)
        for key in CONTROLS:
            element = by_name.get(key)
            if key not in controls and element is not None:
                value = constant_number(element.ast, {**known, **controls})
                if value is not None:
                    controls[key] = value
    if "saveper" not in by_name and "time_step" in controls:
        controls["saveper"] = controls["time_step"]
    missing = [key for key in CONTROLS if key not in by_name
               and not (key == "saveper" and "time_step" in by_name)]
    if missing:
        names = " and ".join(key.upper().replace("_", " ") for key in missing)
        raise ModelFileError(f"The model '{path.name}' has no {names}: add "
                             f"{'them' if len(missing) > 1 else 'it'} to its control section.")
    return controls if len(controls) == len(CONTROLS) else None


def check_controls(controls: dict[str, float], time_step_unit: str, path: Path) -> dict[str, float]:
    """`controls` if they describe a run that can be made; else ModelFileError saying why."""
    unit = (time_step_unit or "").strip().split("[")[0].strip() or "time unit"
    units = unit.lower() if unit.lower().endswith("s") else unit.lower() + "s"
    where = f"the file '{path.name}' gives"
    for key, value in controls.items():
        label = key.upper().replace("_", " ")
        if not math.isfinite(value):
            raise ModelFileError(f"{label} must be a number; {where} {value:g}.")
        if key in ("time_step", "saveper") and value <= 0:
            raise ModelFileError(f"{label} must be a positive number of {units}; {where} "
                                 f"{value:g}.")
    start, end = controls["initial_time"], controls["final_time"]
    if end < start:
        raise ModelFileError(f"FINAL TIME ({end:g}) is before INITIAL TIME ({start:g}) in "
                             f"'{path.name}'; a run needs FINAL TIME after INITIAL TIME.")
    steps = (end - start) / controls["time_step"]
    if steps > MAX_STEPS:
        count = f"{steps:,.0f}" if steps < 1e15 else f"about {steps:.0e}"
        raise ModelFileError(
            f"A run of '{path.name}' would take {count} time steps (from "
            f"{start:g} to {end:g} in steps of {controls['time_step']:g} {units}); the "
            f"most is {MAX_STEPS:,}. Make TIME STEP larger or the run shorter.")
    return controls
