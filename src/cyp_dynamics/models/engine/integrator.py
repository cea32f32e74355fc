"""`CompiledModel`: runs a compiled model with Euler's method, exactly as pysd steps it.

The builder (`build`) writes one Python function per model that holds the whole time loop, so a
step costs no Python calls beyond the model's own functions: every variable is a local name,
results go straight into arrays made before the loop, and numpy's error state is set once per
run. A model without subscripts also gets a float version of that function for single runs (a
slider move), many times faster than numpy on arrays of one element; if a float run meets a
division by zero or an overflow (where numpy gives inf or NaN), the numpy version runs instead,
so the numbers never depend on the version used.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .common import TIME_PRECISION, UnsupportedModel

MAX_STEPS = 10_000_000  # more time steps than any sensible run: a TIME STEP typed wrongly
FLOAT_ERRORS = (ArithmeticError, ValueError, TypeError)  # a float run that numpy must redo


@dataclass(frozen=True)
class Schedule:
    """The times a run steps through and which of them it saves."""

    times: list[float]  # every step's time, the last one included
    rows: list[int]  # per step: its row in the results, or -1 when not saved
    saved_times: np.ndarray
    numpy_times: list[np.float64]  # the same times as numpy floats: 1 / (Time - 2) is inf, as
    # in numpy, not a ZeroDivisionError, even where no array takes part
    steps: list[float] | None = None  # each step's TIME STEP, when it changes during the run


def schedule(initial_time: float, final_time: float, time_step: float, saveper: float) -> Schedule:
    """pysd's time stepping: t += TIME STEP until FINAL TIME, saving every SAVEPER."""
    if not (time_step > 0 and saveper > 0 and math.isfinite(time_step) and math.isfinite(saveper)):
        raise ValueError(f"TIME STEP and SAVEPER must be positive numbers; the model gives "
                         f"{time_step:g} and {saveper:g}.")
    if (final_time - initial_time) / time_step > MAX_STEPS:
        raise ValueError(f"A run from {initial_time:g} to {final_time:g} in steps of "
                         f"{time_step:g} would take more than {MAX_STEPS:,} steps; check TIME STEP.")
    precision = time_step * TIME_PRECISION
    digits = -int(np.log10(precision))
    times: list[float] = []
    t = initial_time
    while t + precision < final_time:
        times.append(t)
        t = t + time_step
    times.append(t)
    rows, saved = [], []
    for t in times:
        elapsed = t - initial_time
        if elapsed % saveper < precision or -elapsed % saveper < precision:
            rows.append(len(saved))
            saved.append(round(t, digits))
        else:
            rows.append(-1)
    return Schedule(times, rows, np.array(saved), [np.float64(t) for t in times])


def dynamic_schedule(controls: Callable[[float], tuple]) -> Schedule:
    """pysd's time stepping with control variables evaluated at the current time:
    `controls(t)` gives (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) at time t. The run
    starts at INITIAL TIME evaluated at 0 (pysd's load) and then at that time (its run)."""
    start = controls(controls(0.0)[0])[0]
    times: list[float] = []
    rows: list[int] = []
    steps: list[float] = []
    saved: list[float] = []
    t = start
    while True:
        _, final_time, time_step, saveper = (float(v) for v in controls(t))
        if not (time_step > 0 and saveper > 0 and math.isfinite(time_step)
                and math.isfinite(saveper)):
            raise ValueError(f"TIME STEP and SAVEPER must be positive numbers; at time {t:g} the "
                             f"model gives {time_step:g} and {saveper:g}.")
        precision = time_step * TIME_PRECISION
        elapsed = t - start
        times.append(t)
        steps.append(time_step)
        if elapsed % saveper < precision or -elapsed % saveper < precision:
            rows.append(len(saved))
            saved.append(round(t, -int(np.log10(precision))))
        else:
            rows.append(-1)
        if not t + precision < final_time:
            break
        if len(times) > MAX_STEPS:
            raise ValueError(f"The run would take more than {MAX_STEPS:,} steps; check the "
                             "control variables.")
        t = t + time_step
    return Schedule(times, rows, np.array(saved), [np.float64(t) for t in times], steps)


@dataclass
class CompiledModel:
    """A model compiled to numpy: integrate with `simulate`."""

    stock_names: list[str]
    output_names: list[str]
    constant_names: list[str]
    source_code: str  # the numpy version's source, for reading and debugging
    _vector: Callable[..., tuple]
    _scalar: Callable[..., list] | None = None  # float version, for one run without subscripts
    columns: dict[str, list[str]] = field(default_factory=dict)  # output -> its columns, e.g.
    # 'poverty_share' -> ['poverty_share[coastal]', ...]; a plain output is its own one column
    scalar_source: str = ""
    scalar_columns: list[str] = field(default_factory=list)  # the float version's columns, in
    # order (subscripted models: every element's column); empty: the output names
    vector_columns: list[str] = field(default_factory=list)  # the same for a numpy version
    # written element by element (models with subranges); empty: one array per output
    _schedules: dict[tuple, Schedule] = field(default_factory=dict, repr=False)
    inputs: dict[str, str] = field(default_factory=dict)  # constant's own name -> the code's
    # name, for variables compiled under an internal name (`names`)
    # Control variables that change during the run (`controls`): f(constants, t) -> the four
    # controls at time t, which controls change, the constants f reads, whether TIME STEP does.
    control_function: Callable[[dict, float], tuple] | None = None
    dynamic_controls: tuple[str, ...] = ()
    control_constants: tuple[str, ...] = ()
    steps_vary: bool = False

    def renamed(self, own: dict[str, str]) -> CompiledModel:
        """This model with the names in `own` ({internal name: own name}) shown as their own."""
        def show(column: str) -> str:
            base, bracket, rest = column.partition("[")
            return own.get(base, base) + bracket + rest
        return dataclasses.replace(
            self, stock_names=[show(n) for n in self.stock_names],
            output_names=[show(n) for n in self.output_names],
            constant_names=[show(n) for n in self.constant_names],
            columns={show(k): [show(c) for c in v] for k, v in self.columns.items()},
            scalar_columns=[show(c) for c in self.scalar_columns],
            vector_columns=[show(c) for c in self.vector_columns],
            inputs={**self.inputs, **{name: internal for internal, name in own.items()}},
            _schedules={})

    def _plan(self, constants: dict[str, np.ndarray], *given: float | None) -> Schedule:
        """The run's schedule: `given` (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER), where
        None stands for the model's own control variable, evaluated as the run goes."""
        if all(v is not None for v in given):
            return self._schedule(*(float(v) for v in given))
        if self.control_function is None:
            raise ValueError("Give INITIAL TIME, FINAL TIME, TIME STEP and SAVEPER: this model's "
                             "control variables do not change during a run.")
        function = self.control_function
        values = {}
        for name in self.control_constants:
            column = np.reshape(constants[name], -1)
            if np.any(column != column[0]):
                raise UnsupportedModel("control variables that differ between runs")
            values[name] = float(column[0])
        key = ("dynamic", *given, *values.values())
        found = self._schedules.get(key)
        if found is None:
            def controls(t: float) -> tuple:
                return tuple(own if value is None else float(value)
                             for own, value in zip(function(values, t), given))
            if len(self._schedules) > 32:
                self._schedules.clear()
            found = self._schedules[key] = dynamic_schedule(controls)
        return found

    def _step_argument(self, plan: Schedule, time_step: float | None, vector: bool) -> object:
        """The run function's `dt`: one TIME STEP, or one per step when it changes."""
        if self.steps_vary:
            steps = plan.steps or [float(time_step)] * len(plan.times)
            return [np.float64(v) for v in steps] if vector else steps
        step = plan.steps[0] if time_step is None else float(time_step)
        return np.float64(step) if vector else step

    def control_series(self, constants: dict[str, np.ndarray],
                       *given: float | None) -> dict[str, np.ndarray]:
        """The control variables at each saved time of a run (each as pysd evaluates it then):
        {'initial_time': ..., 'final_time': ..., 'time_step': ..., 'saveper': ...}."""
        constants = self._inputs(constants)
        plan = self._plan(constants, *given)
        names = ("initial_time", "final_time", "time_step", "saveper")
        if self.control_function is None:
            return {n: np.full(len(plan.saved_times), float(v)) for n, v in zip(names, given)}
        floats = {k: float(np.reshape(constants[k], -1)[0]) for k in self.control_constants}
        rows = [tuple(own if value is None else float(value)
                      for own, value in zip(self.control_function(floats, t), given))
                for t, row in zip(plan.times, plan.rows) if row >= 0]
        table = np.array(rows, dtype=float).reshape(len(rows), 4)
        return {n: table[:, i] for i, n in enumerate(names)}

    def _inputs(self, constants: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if not self.inputs:
            return constants
        return {self.inputs.get(k, k): v for k, v in constants.items()}

    def columns_of(self, output: str) -> list[str]:
        """The result columns of one output: itself, or one per element when subscripted."""
        return self.columns.get(output, [output])

    def _schedule(self, *key: float) -> Schedule:
        found = self._schedules.get(key)
        if found is None:
            if len(self._schedules) > 32:
                self._schedules.clear()
            found = self._schedules[key] = schedule(*key)
        return found

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
        constants = self._inputs(constants)
        plan = self._plan(constants, initial_time, final_time, time_step, saveper)
        n_saved = len(plan.saved_times)
        if runs == 1:
            table = self._float_run(constants, time_step, plan)
            if table is not None:
                return plan.saved_times, self._split_table(table)
        with np.errstate(all="ignore"):
            arrays = self._vector(constants, runs, self._step_argument(plan, time_step, True),
                                  plan.numpy_times, plan.rows, n_saved)
        if self.vector_columns:
            return plan.saved_times, dict(zip(self.vector_columns, arrays))
        results: dict[str, np.ndarray] = {}
        for name, values in zip(self.output_names, arrays):
            columns = self.columns_of(name)
            if len(columns) == 1 and values.ndim == 2:
                results[columns[0]] = values
            else:  # subscripted: (saved times, runs, *ranges), one column per element
                flat = values.reshape(n_saved, runs, -1)
                results.update({c: flat[:, :, j] for j, c in enumerate(columns)})
        return plan.saved_times, results

    def _float_run(self, constants: dict[str, np.ndarray], time_step: float,
                   plan: Schedule) -> np.ndarray | None:
        """One run of the float version: (saved times, columns) table, or None if it cannot."""
        if self._scalar is None:
            return None
        floats = {k: float(np.reshape(v, -1)[0]) for k, v in self._inputs(constants).items()}
        columns = self.scalar_columns or self.output_names
        try:
            with np.errstate(all="ignore"):
                rows = self._scalar(floats, self._step_argument(plan, time_step, False),
                                    plan.times, plan.rows)
            return np.array(rows, dtype=float).reshape(len(plan.saved_times), len(columns))
        except FLOAT_ERRORS:
            return None  # numpy gives inf or NaN where floats raise: run the numpy version

    def simulate_table(self, constants: dict[str, np.ndarray], initial_time: float,
                       final_time: float, time_step: float, saveper: float,
                       columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """One run as (saved times, a table with one column per name in `columns`, in order).

        The same numbers as `simulate(..., runs=1)`, in one array, so a caller can make a
        DataFrame in one step (making one from hundreds of separate columns costs more than the
        run itself).
        """
        plan = self._plan(self._inputs(constants), initial_time, final_time, time_step, saveper)
        table = self._float_run(constants, time_step, plan)
        if table is not None:
            position = {c: i for i, c in enumerate(self.scalar_columns or self.output_names)}
            return plan.saved_times, table[:, [position[c] for c in columns]]
        times, results = self.simulate(constants, initial_time, final_time, time_step, saveper, 1)
        return times, np.hstack([results[c] for c in columns]) if columns else np.empty((len(times), 0))

    def _split_table(self, table: np.ndarray) -> dict[str, np.ndarray]:
        columns = self.scalar_columns or self.output_names
        return {name: table[:, i:i + 1] for i, name in enumerate(columns)}
