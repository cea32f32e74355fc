"""Control variables that change during a run, as pysd runs them.

A model may write FINAL TIME = IF THEN ELSE(Time < 5, 10, 50), or a TIME STEP or SAVEPER that
depends on Time (SDXorg's control_vars and dynamic_final_time). pysd evaluates each control at
the current time whenever it needs it: each step ends when Time + TIME STEP x 1e-5 reaches
FINAL TIME, is TIME STEP long, and is saved when the time since the start is a multiple of
SAVEPER; the run starts at INITIAL TIME evaluated at Time 0 (when the model is loaded) and then
at that time (when the run starts).

`dynamic_controls` finds the controls that depend on Time (directly or through auxiliaries);
`control_function` compiles the four controls into one float function of (constants, Time),
from which `integrator.dynamic_schedule` lays out the run's steps before it starts. Controls
that depend on a stock or a stateful function, and model equations that use a changing control,
are refused (pysd runs such models).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from numbers import Number
from typing import Any

from pysd.translators.structures import abstract_expressions as ae

from .common import UnsupportedModel, local, number, order, tree_nodes
from .compiler import ExpressionCompiler
from .functions import RUN_HELPERS
from .parsing import Element

CONTROLS = ("initial_time", "final_time", "time_step", "saveper")


def _named(node: Any, names: dict[str, str]) -> set[str]:
    """The variables (and tables called as functions) an equation tree uses."""
    found: set[str] = set()
    for item in tree_nodes(node, skip_function_names=True):
        if isinstance(item, ae.ReferenceStructure):
            found.add(names.get(item.reference, item.reference))
        elif isinstance(item, ae.CallStructure):
            called = names.get(item.function.reference, item.function.reference)
            found.add("@" + called)  # a function, or a table: see `_needs`
    return found


def _needs(element: Element, names: dict[str, str], known: Any = ()) -> set[str]:
    """The variables an element's equations use (tables called as functions among `known`)."""
    nodes = [ast for _, ast in element.components] or [element.ast]
    found = _named(nodes, names)
    return {n for n in found if not n.startswith("@")} | {
        n[1:] for n in found if n.startswith("@") and n[1:] in known}


def dynamic_controls(elements: list[Element], names: dict[str, str]) -> tuple[str, ...]:
    """The control variables whose value depends on Time, directly or through other variables."""
    by_name = {e.py_name: e for e in elements}

    def on_time(name: str, seen: set[str]) -> bool:
        if name == "time":
            return True
        element = by_name.get(name)
        if element is None or name in seen:
            return False
        seen.add(name)
        return any(on_time(n, seen) for n in _needs(element, names, by_name))

    return tuple(k for k in CONTROLS if k in by_name and on_time(k, set()))


def varying_step(elements: list[Element], names: dict[str, str]) -> bool:
    """Whether TIME STEP changes during the run (the run function then takes one per step)."""
    return "time_step" in dynamic_controls(elements, names)


def control_function(elements: list[Element], names: dict[str, str],
                     lookups: dict[str, tuple]) -> tuple[Callable, set[str]]:
    """(f(constants, t) -> (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) at time t, the model
    constants f reads). Raises UnsupportedModel when a control depends on a stock or state."""
    by_name = {e.py_name: e for e in elements}
    needed: dict[str, set[str]] = {}
    pending = [k for k in CONTROLS if k in by_name]
    while pending:
        name = pending.pop()
        if name in needed or name == "time":
            continue
        element = by_name.get(name)
        if element is None:
            if name in lookups:
                needed[name] = set()
                continue
            raise UnsupportedModel(f"a control variable using {name}, which is not a variable")
        if element.subscripted or element.kind in ("stock", "initial"):
            raise UnsupportedModel("a control variable that depends on a stock or a subscript")
        needed[name] = (set() if element.kind == "lookup"
                        else _needs(element, names, by_name) - {"time"})
        pending += sorted(needed[name])
    compiler = ExpressionCompiler(lookups, "scalar", names)
    lines = ["def _controls(c, t):"]
    constants = set()
    for name in order({k: v & set(needed) for k, v in needed.items()}):
        element = by_name.get(name)
        if element is None or element.kind == "lookup":
            continue
        if element.kind == "constant":
            constants.add(name)
            lines.append(f"    {local(name)} = c[{name!r}]")
        elif element.kind == "fixed" and isinstance(element.ast, Number):
            lines.append(f"    {local(name)} = {number(element.ast)}")
        else:
            code, _ = compiler.compile(element.ast)
            lines.append(f"    {local(name)} = {code}")
    if compiler.hidden:
        raise UnsupportedModel("a control variable with a stateful function")
    saveper = local("saveper") if "saveper" in by_name else local("time_step")
    lines.append(f"    return ({local('initial_time')}, {local('final_time')}, "
                 f"{local('time_step')}, {saveper})")
    tables = {k: (xs.tolist(), ys.tolist()) for k, (xs, ys) in compiler.tables.items()}
    namespace = dict(RUN_HELPERS, _tables=tables)
    for key in compiler.tables:
        lines.insert(1, f"    _tab_{key} = _tables[{key!r}]")
    exec(compile("\n".join(lines), "<cyp_dynamics control variables>", "exec"), namespace)  # noqa: S102
    return namespace["_controls"], constants


def refuse_uses(elements: list[Element], names: dict[str, str], dynamic: tuple[str, ...]) -> None:
    """Model equations that use a changing control would see its initial value: refused."""
    for element in elements:
        if element.py_name in CONTROLS or element.kind == "lookup":
            continue
        used = _needs(element, names, CONTROLS) & set(dynamic)
        if used:
            raise UnsupportedModel(f"{element.name} uses the changing control {min(used)}")


def with_dynamic_controls(compile_model: Callable) -> Callable:
    """`compile_model` that also gives a model with changing controls its control function."""
    @functools.wraps(compile_model)
    def compile_with_controls(elements: list[Element], *args: Any, **kwargs: Any) -> Any:
        names = {e.reference: e.py_name for e in elements
                 if e.reference and e.reference != e.py_name}
        dynamic = dynamic_controls(elements, names)
        if dynamic:
            refuse_uses(elements, names, dynamic)
            lookups = {e.py_name: (e.ast.x, e.ast.y, e.ast.type) for e in elements
                       if e.kind == "lookup" and not e.subscripted
                       and isinstance(e.ast, ae.LookupsStructure)}
            function, constants = control_function(elements, names, lookups)
        compiled = compile_model(elements, *args, **kwargs)
        if not dynamic:
            return compiled
        return dataclasses.replace(compiled, control_function=function, dynamic_controls=dynamic,
                                   control_constants=tuple(sorted(constants)),
                                   steps_vary="time_step" in dynamic)
    return compile_with_controls
