"""Stateful functions: SMOOTH, DELAY, DELAY N, DELAY FIXED, TREND, FORECAST, SAMPLE IF TRUE, INITIAL.

Each call becomes hidden state variables (`Hidden`) that the builder integrates with the model's
own stocks, following pysd's classes in pysd/py_backend/statefuls.py step for step:

* SMOOTH family (order n): n stages s_i, each moving towards the one before it (the first towards
  the input) at rate n / smoothing time; the value is the last stage.
* DELAY family (DELAY1, DELAY3, DELAY N): n stages holding delay time x outflow; each stage's
  outflow is s_i / delay time, the value is the last outflow. As in pysd, the order is lowered
  until order x TIME STEP fits in the delay time. DELAY N also remembers the delay time of each
  stage (pysd's `times`), so a delay time that changes during the run is followed as pysd does.
* DELAY FIXED: a pipeline of round(delay time / TIME STEP) values (`Pipeline`).
* TREND and FORECAST: one first-order average, as Vensim documents them.
* SAMPLE IF TRUE: a value replaced by the input whenever the condition holds.
* INITIAL (inside an expression) and ACTIVE INITIAL: a value fixed at the initial time.

Kinds of hidden variables: "stock" (integrated with its derivative), "discrete" (replaced by its
next value after each step) and "frozen" (set at the initial time only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Number
from typing import Any, Protocol

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from .common import SMALL_VENSIM, UnsupportedModel, local, number


class ExpressionCompiler(Protocol):
    """What this module uses of `compiler.ExpressionCompiler` (which imports this module)."""

    mode: str
    phase: str
    functions: dict
    hidden: list
    groups: int
    references: set
    _hidden_by_node: dict

    def sub(self, node: Any) -> tuple[str, set[str]]: ...
    def full(self, code: str) -> str: ...
    def shape_code(self) -> str: ...
    def _expr(self, node: Any) -> str: ...

STRUCTURES = (ae.SmoothStructure, ae.SmoothNStructure, ae.DelayStructure, ae.DelayNStructure,
              ae.DelayFixedStructure, ae.TrendStructure, ae.ForecastStructure,
              ae.SampleIfTrueStructure, ae.InitialStructure)
FUNCTION_CALLS: tuple[str, ...] = ()


@dataclass
class Hidden:
    """A state variable the model file does not name, made for a stateful function."""

    name: str  # a plain name starting with '_', e.g. '_h0_2' (stage 2 of the first one)
    kind: str  # "stock", "discrete" or "frozen"
    init: str  # code of its value at the initial time
    init_refs: set[str] = field(default_factory=set)
    next: str = ""  # stock: its derivative; discrete: its value after the step
    next_refs: set[str] = field(default_factory=set)


def _order(node: Any, what: str) -> int:
    order = node.order
    if not isinstance(order, Number) or isinstance(order, bool) or order < 1:
        raise UnsupportedModel(f"{what} with an order that is not a plain number")
    return int(order)


def delay_order(order: int, dt: float, delay_time: Any) -> int:
    """pysd's order for a delay: lowered until order x TIME STEP fits in the shortest delay time."""
    shortest = float(np.min(delay_time))
    while order > 1 and order * dt > shortest:
        order -= 1
    return order


class Pipeline:
    """DELAY FIXED's pipeline: the value the input had round(delay time / TIME STEP) steps ago.

    Works on one run (floats) or on arrays whose first axis is the runs, each run with its own
    delay time and so its own length of pipeline.
    """

    def __init__(self, initial: Any, delay_time: Any, dt: float, shape: tuple[int, ...] = ()):
        length = np.round(np.maximum(np.asarray(delay_time, dtype=float) / dt, 1) + SMALL_VENSIM)
        self.state = np.broadcast_to(np.asarray(initial, dtype=float), shape).copy() if shape \
            else initial
        if not shape:
            self.length = int(np.max(length))
            self.values = [initial] * self.length
            self.pointer = 0
            return
        runs = shape[0]
        length = np.broadcast_to(length, shape)
        length = length.reshape(runs, -1)
        if not np.all(length == length[:, :1]):
            raise UnsupportedModel("DELAY FIXED with different delay times across elements")
        self.length = length[:, 0].astype(int)
        self.values = np.broadcast_to(self.state, (int(self.length.max()), *shape)).copy()
        self.pointer = np.zeros(runs, dtype=int)
        self.runs = np.arange(runs)

    def push(self, value: Any) -> Any:
        """Put this step's input in, and return the value that comes out."""
        if isinstance(self.pointer, int):
            self.values[self.pointer] = value
            self.pointer = (self.pointer + 1) % self.length
            self.state = self.values[self.pointer]
            return self.state
        self.values[self.pointer, self.runs] = np.broadcast_to(value, self.state.shape)
        self.pointer = (self.pointer + 1) % self.length
        self.state = self.values[self.pointer, self.runs]
        return self.state


def run_order(order: Any) -> int:
    """The order of a SMOOTH N or DELAY N whose order is an expression, as pysd takes it: its
    value at the initial time, made whole (the first run's, when many runs differ)."""
    return int(np.reshape(order, -1)[0])


def chain(initial: Any, order: int, shape: tuple[int, ...] = ()) -> np.ndarray:
    """The stages of a chain whose order is known only at the initial time: axis 0 the stage,
    then the value's own shape (runs, and ranges)."""
    value = np.broadcast_to(np.asarray(initial, dtype=float), shape)
    return np.array([value] * order, dtype=float)


def smooth_flow(stages: np.ndarray, target: Any, smooth_time: Any, order: int) -> np.ndarray:
    """pysd's Smooth.ddt: each stage moves towards the one before it (the first: the input)."""
    targets = np.roll(stages, 1, axis=0)
    targets[0] = target
    return (targets - stages) * order / smooth_time


def shift_in(times: np.ndarray, delay_time: Any) -> np.ndarray:
    """pysd's DelayN: each stage's delay time moves one stage on; the first takes the new one."""
    shifted = np.roll(times, 1, axis=0)
    shifted[0] = delay_time
    return shifted


def delay_flow(stages: np.ndarray, times: np.ndarray, inflow: Any, delay_time: Any,
               order: int) -> np.ndarray:
    """pysd's DelayN.ddt, with the stages' delay times after this step's shift."""
    outflows = stages / shift_in(times, delay_time)
    inflows = np.roll(outflows, 1, axis=0)
    inflows[0] = inflow
    return (inflows - outflows) * order


HELPERS = {"_delay_order": delay_order, "_Pipeline": Pipeline, "_run_order": run_order,
           "_chain": chain, "_smooth_flow": smooth_flow, "_shift_in": shift_in,
           "_delay_flow": delay_flow}


def _new(compiler: ExpressionCompiler, group: int, kind: str, init: str, init_refs: set[str],
         next_code: str = "", next_refs: set[str] | None = None, suffix: str = "") -> str:
    name = f"_h{group}{suffix}"
    compiler.hidden.append(Hidden(name, kind, init, set(init_refs), next_code, set(next_refs or ())))
    return name


def compile_stateful(compiler: ExpressionCompiler, node: Any) -> str:
    """Code for the value of a stateful function; its hidden variables go to `compiler.hidden`."""
    key = (id(node), getattr(compiler, "context", ()))
    cached = compiler._hidden_by_node.get(key)
    if cached is None:
        group = compiler.groups  # this call's number, in its hidden names
        compiler.groups += 1
        cached = _build(compiler, node, group)
        compiler._hidden_by_node[key] = cached
    code, refs = cached
    compiler.references |= refs
    return code


def _build(c: ExpressionCompiler, node: Any, k: int) -> tuple[str, set[str]]:
    """Hidden variables named _h<k>... for one call; nested calls get other numbers."""
    full = c.full
    if isinstance(node, ae.InitialStructure):
        code, refs = c.sub(node.initial)
        name = _new(c, k, "frozen", full(code), refs)
        return local(name), {name}
    if isinstance(node, ae.SmoothNStructure) and not isinstance(node.order, Number):
        return _chain_smooth(c, node, k)
    if isinstance(node, ae.DelayNStructure) and not isinstance(node.order, Number):
        return _chain_delay(c, node, k)
    if isinstance(node, (ae.SmoothStructure, ae.SmoothNStructure)):
        n = _order(node, "SMOOTH N")
        inp, inp_refs = c.sub(node.input)
        time, time_refs = c.sub(node.smooth_time)
        init, init_refs = c.sub(node.initial)
        stages: list[str] = []
        for i in range(n):
            target = inp if i == 0 else local(stages[-1])
            me = f"v__h{k}_{i}"
            flow = f"(({target} - {me}) * {number(n)} / {time})"
            stages.append(_new(c, k, "stock", full(init), init_refs, full(flow),
                               inp_refs | time_refs, suffix=f"_{i}"))
        return local(stages[-1]), {stages[-1]}
    if isinstance(node, (ae.DelayStructure, ae.DelayNStructure)):
        return _delay(c, node, k, follow_time=isinstance(node, ae.DelayNStructure))
    if isinstance(node, ae.DelayFixedStructure):
        inp, inp_refs = c.sub(node.input)
        time, time_refs = c.sub(node.delay_time)
        init, init_refs = c.sub(node.initial)
        shape = c.shape_code() or ("(R,)" if c.mode == "vector" else "()")
        pipe = _new(c, k, "frozen", f"_Pipeline({init}, {time}, dt, {shape})",
                    init_refs | time_refs, suffix="_pipe")
        value = _new(c, k, "discrete", f"{local(pipe)}.state", {pipe},
                     f"{local(pipe)}.push({inp})", inp_refs)
        return local(value), {value}
    if isinstance(node, (ae.TrendStructure, ae.ForecastStructure)):
        inp, inp_refs = c.sub(node.input)
        time, time_refs = c.sub(node.average_time)
        trend, trend_refs = c.sub(node.initial_trend)
        me = f"v__h{k}"
        zidz = c.functions["zidz"]
        if isinstance(node, ae.TrendStructure):
            init = f"({inp} / (1 + {trend} * {time}))"
            value = zidz([f"({inp} - {me})", f"({time} * {c.functions['abs']([me])})"])
            horizon_refs: set[str] = set()
        else:
            horizon, horizon_refs = c.sub(node.horizon)
            init = f"({inp} / (1 + {trend}))"
            value = f"({inp} * (1 + {zidz([f'({inp} - {me})', f'({time} * {me})'])} * {horizon}))"
        name = _new(c, k, "stock", full(init), inp_refs | trend_refs | time_refs,
                    full(f"(({inp} - {me}) / {time})"), inp_refs | time_refs)
        return value, {name} | inp_refs | time_refs | horizon_refs
    if isinstance(node, ae.SampleIfTrueStructure):
        condition, condition_refs = c.sub(node.condition)
        inp, inp_refs = c.sub(node.input)
        init, init_refs = c.sub(node.initial)
        me = f"v__h{k}"
        choose = full(c.functions["if_then_else"]([condition, inp, me]))
        name = _new(c, k, "discrete", full(init), init_refs, choose, condition_refs | inp_refs)
        return choose, {name} | condition_refs | inp_refs
    raise UnsupportedModel(type(node).__name__)


def _delay(c: ExpressionCompiler, node: Any, k: int, follow_time: bool) -> tuple[str, set[str]]:
    n = _order(node, "DELAY N")
    full = c.full
    inp, inp_refs = c.sub(node.input)
    time, time_refs = c.sub(node.delay_time)
    init, init_refs = c.sub(node.initial)
    order = _new(c, k, "frozen", f"_delay_order({n}, dt, {time})", time_refs, suffix="_order")
    m = local(order)
    stages = [f"_h{k}_{i}" for i in range(n)]
    if follow_time:  # each stage's delay time, as it was when that stage was filled
        times = [f"_h{k}_t{i}" for i in range(n)]
        new_times = [f"({time})"] + [local(t) for t in times[:-1]]
    else:
        new_times = [f"({time})"] * n
    for i in range(n):
        inflow = f"({inp})" if i == 0 else f"({local(stages[i - 1])} / {new_times[i - 1]})"
        flow = f"(({inflow} - {local(stages[i])} / {new_times[i]}) * {m})"
        _new(c, k, "stock", full(f"({init}) * ({time})"), init_refs | time_refs | {order},
             full(flow), inp_refs | time_refs, suffix=f"_{i}")
    if follow_time:
        for i in range(n):
            _new(c, k, "discrete", full(f"({time})"), time_refs, full(new_times[i]),
                 time_refs, suffix=f"_t{i}")
        divisor, divisor_refs = local(times[0]), {times[0]}
    else:
        divisor, divisor_refs = f"({time})", set(time_refs)
    last = local(stages[0]) if n == 1 else f"({', '.join(local(s) for s in stages)},)[{m} - 1]"
    return f"({last} / {divisor})", set(stages) | divisor_refs | {order}


def _chain_smooth(c: ExpressionCompiler, node: Any, k: int) -> tuple[str, set[str]]:
    """SMOOTH N with an order known only at the initial time: its stages in one array."""
    inp, inp_refs = c.sub(node.input)
    time, time_refs = c.sub(node.smooth_time)
    init, init_refs = c.sub(node.initial)
    order_code, order_refs = c.sub(node.order)
    order = _new(c, k, "frozen", f"_run_order({order_code})", order_refs, suffix="_order")
    shape = c.shape_code() or ("(R,)" if c.mode == "vector" else "()")
    stages = _new(c, k, "stock", f"_chain({init}, {local(order)}, {shape})", init_refs | {order},
                  f"_smooth_flow({local(f'_h{k}')}, {inp}, {time}, {local(order)})",
                  inp_refs | time_refs)
    return f"{local(stages)}[-1]", {stages}


def _chain_delay(c: ExpressionCompiler, node: Any, k: int) -> tuple[str, set[str]]:
    """DELAY N with an order known only at the initial time: stages and their delay times."""
    inp, inp_refs = c.sub(node.input)
    time, time_refs = c.sub(node.delay_time)
    init, init_refs = c.sub(node.initial)
    order_code, order_refs = c.sub(node.order)
    order = _new(c, k, "frozen", f"_delay_order(_run_order({order_code}), dt, {time})",
                 order_refs | time_refs, suffix="_order")
    m = local(order)
    shape = c.shape_code() or ("(R,)" if c.mode == "vector" else "()")
    times = _new(c, k, "discrete", f"_chain({time}, {m}, {shape})", time_refs | {order},
                 f"_shift_in({local(f'_h{k}_times')}, {time})", time_refs, suffix="_times")
    stages = _new(c, k, "stock", f"_chain(({init}) * ({time}), {m}, {shape})",
                  init_refs | time_refs | {order},
                  f"_delay_flow({local(f'_h{k}')}, {local(times)}, {inp}, {time}, {m})",
                  inp_refs | time_refs)
    return f"({local(stages)}[-1] / {local(times)}[0])", {stages, times}


def compile_call(compiler: ExpressionCompiler, name: str, arguments: Any) -> str:
    """ACTIVE INITIAL(value, initial value): the initial value at the initial time only."""
    if name == "active_initial" and len(arguments) == 2:
        return compiler._expr(arguments[1] if compiler.phase == "initial" else arguments[0])
    raise UnsupportedModel(f"function {name}")
