"""A vectorised Euler integrator for models parsed from Vensim or XMILE files.

The equation trees that pysd parses are compiled into one small Python function of numpy
expressions. The same function runs one parameter set (a slider move) or thousands at once (an
ensemble, one column per run). It follows pysd's own Euler scheme step for step, so results agree
with pysd to rounding error; `tests/test_engine.py` checks that.

Supported: INTEG, INITIAL, constants, arithmetic and logic, MIN, MAX, ABS, EXP, LN, LOG, SQRT,
INTEGER, MODULO, ZIDZ, XIDZ, IF THEN ELSE, STEP, PULSE, RAMP and table (lookup) functions;
Vensim subscripts as `engine_subscripts` describes. Anything else raises `UnsupportedModel`, and
the caller runs pysd instead.

Why running the compiled source is safe: no text from the model file is pasted into it. Numbers
are written by `_number` (repr of a float), operators and functions come from the fixed tables
below, tables and constant lists are passed in as arrays, not written out, and every variable
name goes through `_local`, which refuses anything but ASCII letters, digits and underscores
(pysd's raw references can hold any character inside quotes). Names of constants appear only
inside repr() strings. `compile_model` also refuses references to variables the model does not
define before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from numbers import Number
from typing import Any, Callable

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from .parsing import Element

SMALL_VENSIM = 1e-6  # what Vensim (and pysd) treat as zero in ZIDZ and XIDZ
TIME_PRECISION = 1e-5  # pysd's relative precision for final and saving times
PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


class UnsupportedModel(Exception):
    """The model uses a feature this engine does not compile; use pysd for it."""


# ---- run-time helpers used inside compiled code (numpy, shape-preserving) -------------------
def _zidz(numerator: Any, denominator: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(np.abs(denominator) < SMALL_VENSIM, 0.0, numerator / denominator)


def _xidz(numerator: Any, denominator: Any, fallback: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(np.abs(denominator) < SMALL_VENSIM, fallback, numerator / denominator)


def _step(t: float, dt: float, height: Any, start: Any) -> Any:
    return height * (t + dt / 2 > start)


def _pulse(t: float, dt: float, start: Any, width: Any = None) -> Any:
    width = 0.5 * dt if width is None else width
    return np.where((start - SMALL_VENSIM <= t) & (t < start + width), 1.0, 0.0)


def _ramp(t: float, slope: Any, start: Any, finish: Any = None) -> Any:
    final = t if finish is None else np.minimum(finish, t)
    return (t + SMALL_VENSIM > start) * slope * (final - start)


def _lookup(x: Any, xs: np.ndarray, ys: np.ndarray) -> Any:
    return np.interp(x, xs, ys)


def _modulo(x: Any, m: Any) -> Any:
    """Vensim's (and pysd's) MODULO: the remainder takes the sign of x, as math.fmod does;
    0 when m is below Vensim's small number."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(m < SMALL_VENSIM, 0.0, x - m * np.fix(x / np.where(m == 0, 1.0, m)))


HELPERS: dict[str, Any] = {
    "np": np, "_zidz": _zidz, "_xidz": _xidz, "_step": _step, "_pulse": _pulse,
    "_ramp": _ramp, "_lookup": _lookup, "_modulo": _modulo,
}

FUNCTIONS: dict[str, Callable[[list[str]], str]] = {
    "min": lambda a: f"np.minimum({a[0]}, {a[1]})",
    "max": lambda a: f"np.maximum({a[0]}, {a[1]})",
    "abs": lambda a: f"np.abs({a[0]})",
    "exp": lambda a: f"np.exp({a[0]})",
    "sqrt": lambda a: f"np.sqrt({a[0]})",
    "ln": lambda a: f"np.log({a[0]})",
    "log": lambda a: f"(np.log({a[0]}) / np.log({a[1]}))",
    "integer": lambda a: f"np.fix({a[0]})",
    "modulo": lambda a: f"_modulo({a[0]}, {a[1]})",
    "zidz": lambda a: f"_zidz({a[0]}, {a[1]})",
    "xidz": lambda a: f"_xidz({a[0]}, {a[1]}, {a[2]})",
    "if_then_else": lambda a: f"np.where({a[0]}, {a[1]}, {a[2]})",
    "step": lambda a: f"_step(t, dt, {a[0]}, {a[1]})",
    "pulse": lambda a: f"_pulse(t, dt, {a[0]}, {a[1]})",
    "ramp": lambda a: f"_ramp(t, {a[0]}, {a[1]}" + (f", {a[2]})" if len(a) > 2 else ")"),
}
OPERATORS = {"^": "**", "*": "*", "/": "/", "+": "+", "-": "-", "=": "==", "<>": "!=",
             ">=": ">=", ">": ">", "<=": "<=", "<": "<"}


def _local(py_name: str) -> str:
    """The compiled code's variable for a model variable; only plain names are ever written."""
    if not isinstance(py_name, str) or not PLAIN_NAME.fullmatch(py_name):
        raise UnsupportedModel(f"the name {py_name!r}, which is not a plain identifier")
    return "v_" + py_name


def _number(value: Any) -> str:
    """Python source for a number: repr of the float, NaN (Vensim's :NA:) and infinities too."""
    value = float(value)
    if value != value:
        return "np.nan"
    if value in (float("inf"), float("-inf")):
        return "np.inf" if value > 0 else "(-np.inf)"
    return repr(value)


class _Compiler:
    """Turns equation trees into numpy expression strings and records what each refers to."""

    def __init__(self, lookups: dict[str, tuple[np.ndarray, np.ndarray]]):
        self.lookups = lookups
        self.tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.references: set[str] = set()

    def compile(self, node: Any) -> tuple[str, set[str]]:
        self.references = set()
        return self._expr(node), self.references

    def _table(self, key: str, xs: Any, ys: Any) -> str:
        if not PLAIN_NAME.fullmatch(key):
            raise UnsupportedModel(f"the table name {key!r}, which is not a plain identifier")
        self.tables[key] = (np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        return f"_tab_{key}"

    def _expr(self, node: Any) -> str:
        if isinstance(node, Number) and not isinstance(node, bool):
            return _number(node)
        if isinstance(node, ae.ReferenceStructure):
            if node.subscripts:
                raise UnsupportedModel("subscripts")
            if node.reference == "time":
                return "t"
            self.references.add(node.reference)
            return _local(node.reference)
        if isinstance(node, (ae.ArithmeticStructure, ae.LogicStructure)):
            return self._operation(node)
        if isinstance(node, ae.CallStructure):
            return self._call(node)
        if isinstance(node, ae.InlineLookupsStructure):
            table = node.lookups
            if table.type != "interpolate":
                raise UnsupportedModel(f"lookup type {table.type}")
            name = self._table(f"inline{len(self.tables)}", table.x, table.y)
            return f"_lookup({self._expr(node.argument)}, *{name})"
        raise UnsupportedModel(type(node).__name__)

    def _operation(self, node: Any) -> str:
        args = [self._expr(a) for a in node.arguments]
        ops = list(node.operators)
        if len(args) == 1:
            op = ops[0]
            if op == "negative":
                return f"(-{args[0]})"
            if op == ":NOT:":
                return f"np.logical_not({args[0]})"
            raise UnsupportedModel(f"operator {op}")
        if all(op == "^" for op in ops):  # a^b^c is a^(b^c), as in Vensim and pysd
            text = args[-1]
            for arg in reversed(args[:-1]):
                text = f"({arg} ** {text})"
            return text
        text = args[0]
        for op, arg in zip(ops, args[1:]):
            if op == ":AND:":
                text = f"np.logical_and({text}, {arg})"
            elif op == ":OR:":
                text = f"np.logical_or({text}, {arg})"
            elif op in OPERATORS:
                text = f"({text} {OPERATORS[op]} {arg})"
            else:
                raise UnsupportedModel(f"operator {op}")
        return text

    def _call(self, node: Any) -> str:
        name = node.function.reference
        args = [self._expr(a) for a in node.arguments]
        if name in self.lookups:
            if len(args) != 1:
                raise UnsupportedModel(f"lookup {name} with {len(args)} arguments")
            xs, ys = self.lookups[name]
            table = self._table(name, xs, ys)
            return f"_lookup({args[0]}, *{table})"
        builder = FUNCTIONS.get(name)
        if builder is None:
            raise UnsupportedModel(f"function {name}")
        return builder(args)


@dataclass
class CompiledModel:
    """A model compiled to numpy: integrate with `simulate`."""

    stock_names: list[str]
    output_names: list[str]
    constant_names: list[str]
    source_code: str
    _factory: Callable[..., tuple[Callable, Callable]]
    stock_shapes: list[tuple[int, ...]] = field(default_factory=list)  # subscript sizes; () plain
    non_negative: list[bool] = field(default_factory=list)  # XMILE <non_negative/> stocks
    columns: dict[str, list[str]] = field(default_factory=dict)  # output -> its columns, e.g.
    # 'poverty_share' -> ['poverty_share[coastal]', ...]; a plain output is its own one column

    def columns_of(self, output: str) -> list[str]:
        """The result columns of one output: itself, or one per element when subscripted."""
        return self.columns.get(output, [output])

    def simulate(
        self,
        constants: dict[str, np.ndarray],
        initial_time: float,
        final_time: float,
        time_step: float,
        saveper: float,
        runs: int,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Integrate with Euler's method, as pysd does.

        `constants` maps every constant's name to an array of shape (runs,). Returns the saved
        times and, for each output column (`columns_of`), an array of shape (saved times, runs).
        """
        initialise, derivatives = self._factory(constants, time_step)
        precision = time_step * TIME_PRECISION
        saved_times: list[float] = []
        saved_rows: list[tuple] = []

        def save(t: float, outputs: tuple) -> None:
            elapsed = t - initial_time
            if elapsed % saveper < precision or -elapsed % saveper < precision:
                saved_times.append(round(t, -int(np.log10(precision))))
                saved_rows.append(outputs)

        t = initial_time
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            shapes = self.stock_shapes or [()] * len(self.stock_names)
            floors = self.non_negative or [False] * len(self.stock_names)
            state = [np.broadcast_to(np.asarray(v, dtype=float), (runs, *shape)).copy()
                     for v, shape in zip(initialise(initial_time), shapes)]
            while t + precision < final_time:
                flows, outputs = derivatives(t, state)
                save(t, outputs)
                # a non-negative stock is held at zero after each step, as pysd's NonNegativeInteg
                state = [np.maximum(s + f * time_step, 0.0) if floor else s + f * time_step
                         for s, f, floor in zip(state, flows, floors)]
                t = t + time_step
            save(t, derivatives(t, state)[1])
        results = {}
        for i, name in enumerate(self.output_names):
            values = _stack([row[i] for row in saved_rows], runs)
            columns = self.columns_of(name)
            if len(columns) == 1 and values.ndim == 2:
                results[columns[0]] = values
            else:  # subscripted: (saved times, runs, *ranges), one column per element
                flat = values.reshape(len(saved_times), runs, -1)
                results.update({c: flat[:, :, j] for j, c in enumerate(columns)})
        return np.array(saved_times), results


def _stack(values: list, runs: int) -> np.ndarray:
    """Saved values of one variable as an array of shape (saved times, runs)."""
    try:
        stacked = np.array(values, dtype=float)
    except ValueError:  # a mix of scalars and arrays (a variable that depends on time alone)
        return np.array([np.broadcast_to(v, (runs,)) for v in values], dtype=float)
    return stacked if stacked.ndim >= 2 else np.repeat(stacked[:, None], runs, axis=1)


def _order(nodes: dict[str, set[str]]) -> list[str]:
    try:
        return list(TopologicalSorter(nodes).static_order())
    except CycleError as error:
        cycle = " -> ".join(error.args[1])
        raise ValueError(
            f"The model has a loop with no stock in it ({cycle}). Every feedback loop must pass "
            "through a stock (INTEG); check these equations."
        ) from None


def non_negative(stocks: list[Element]) -> list[bool]:
    """Which stocks may not go below zero (XMILE <non_negative/>)."""
    return [any(getattr(ast, "non_negative", False) for _, ast in e.components)
            or bool(getattr(e.ast, "non_negative", False)) for e in stocks]


def compile_model(elements: list[Element],
                  ranges: dict[str, tuple[str, ...]] | None = None) -> CompiledModel:
    """Compile parsed elements into a `CompiledModel`, or raise `UnsupportedModel`.

    `ranges`: the model's subscript ranges ({range: its elements}), needed if it has subscripts.
    """
    if any(e.subscripted for e in elements):
        if ranges is None:
            raise UnsupportedModel("subscripts")
        from .engine_subscripts import compile_subscripted

        return compile_subscripted(elements, ranges)
    lookups = {}
    for e in elements:
        if e.kind == "lookup":
            if not isinstance(e.ast, ae.LookupsStructure) or e.ast.type != "interpolate":
                raise UnsupportedModel(f"lookup {e.name}")
            lookups[e.py_name] = (e.ast.x, e.ast.y)
    compiler = _Compiler(lookups)
    constants = [e.py_name for e in elements if e.kind in ("constant", "control")]
    fixed_values = {e.py_name: e.ast for e in elements if e.kind == "fixed"}
    if not all(isinstance(v, Number) for v in fixed_values.values()):
        raise UnsupportedModel("unchangeable constants that are not plain numbers")
    stocks = [e for e in elements if e.kind == "stock"]
    initials = [e for e in elements if e.kind == "initial"]
    auxiliaries = [e for e in elements if e.kind == "auxiliary"]
    known = set(constants) | set(fixed_values) | set(lookups) | {e.py_name for e in stocks + initials + auxiliaries}

    code: dict[str, str] = {}  # name -> expression during the run
    init_code: dict[str, str] = {}  # name -> expression at the initial time
    run_deps: dict[str, set[str]] = {}
    init_deps: dict[str, set[str]] = {}
    for e in auxiliaries:
        code[e.py_name], refs = compiler.compile(e.ast)
        init_code[e.py_name] = code[e.py_name]
        run_deps[e.py_name] = init_deps[e.py_name] = refs
    for e in stocks:
        code[e.py_name], _ = compiler.compile(e.ast.flow)  # flow expression (derivative)
        run_deps["d_" + e.py_name] = compiler.references
        init_code[e.py_name], init_deps[e.py_name] = compiler.compile(e.ast.initial)
    for e in initials:
        init_code[e.py_name], init_deps[e.py_name] = compiler.compile(e.ast.initial)
    missing = set().union(*run_deps.values(), *init_deps.values()) - known
    if missing:
        raise ValueError(f"The model refers to variables it does not define: {sorted(missing)}")

    fixed = set(constants) | set(fixed_values) | set(lookups)
    state_like = {e.py_name for e in stocks + initials}
    init_order = [n for n in _order({k: v - fixed for k, v in init_deps.items()}) if n in init_code]
    run_nodes = {k: v - fixed - state_like for k, v in run_deps.items()}
    run_order = [n for n in _order(run_nodes) if n in code and n not in state_like]

    outputs = [e.py_name for e in stocks + auxiliaries + initials]
    lines = ["def _factory(c, dt):"]
    lines += [f"    {_local(n)} = c[{n!r}]" for n in constants]
    lines += [f"    {_local(n)} = {_number(v)}" for n, v in fixed_values.items()]
    lines += [f"    _tab_{k} = _tables[{k!r}]" for k in compiler.tables]
    lines += ["    frozen = {}", "", "    def initialise(t):"]
    lines += [f"        {_local(n)} = {init_code[n]}" for n in init_order]
    lines += [f"        frozen[{e.py_name!r}] = {_local(e.py_name)}" for e in initials]
    lines += ["        return (" + "".join(f"{_local(e.py_name)}, " for e in stocks) + ")", ""]
    lines += ["    def derivatives(t, state):"]
    lines += [f"        {_local(e.py_name)} = frozen[{e.py_name!r}]" for e in initials]
    lines += [f"        {_local(e.py_name)} = state[{i}]" for i, e in enumerate(stocks)]
    lines += [f"        {_local(n)} = {code[n]}" for n in run_order]
    lines += ["        flows = (" + "".join(f"{code[e.py_name]}, " for e in stocks) + ")"]
    lines += ["        return flows, (" + "".join(f"{_local(n)}, " for n in outputs) + ")", ""]
    lines += ["    return initialise, derivatives"]
    source = "\n".join(lines)
    namespace = dict(HELPERS, _tables=compiler.tables)
    exec(compile(source, "<cyp_dynamics compiled model>", "exec"), namespace)
    return CompiledModel(
        stock_names=[e.py_name for e in stocks],
        output_names=outputs,
        constant_names=constants,
        source_code=source,
        _factory=namespace["_factory"],
        non_negative=non_negative(stocks),
    )
