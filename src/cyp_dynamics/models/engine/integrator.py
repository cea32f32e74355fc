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

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .common import TIME_PRECISION

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
        plan = self._schedule(float(initial_time), float(final_time), float(time_step),
                              float(saveper))
        n_saved = len(plan.saved_times)
        if runs == 1:
            table = self._float_run(constants, time_step, plan)
            if table is not None:
                return plan.saved_times, self._split_table(table)
        with np.errstate(all="ignore"):
            arrays = self._vector(constants, runs, np.float64(time_step), plan.numpy_times,
                                  plan.rows, n_saved)
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
        floats = {k: float(np.reshape(v, -1)[0]) for k, v in constants.items()}
        columns = self.scalar_columns or self.output_names
        try:
            with np.errstate(all="ignore"):
                rows = self._scalar(floats, time_step, plan.times, plan.rows)
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
        plan = self._schedule(float(initial_time), float(final_time), float(time_step),
                              float(saveper))
        table = self._float_run(constants, time_step, plan)
        if table is not None:
            position = {c: i for i, c in enumerate(self.scalar_columns or self.output_names)}
            return plan.saved_times, table[:, [position[c] for c in columns]]
        times, results = self.simulate(constants, initial_time, final_time, time_step, saveper, 1)
        return times, np.hstack([results[c] for c in columns]) if columns else np.empty((len(times), 0))

    def _split_table(self, table: np.ndarray) -> dict[str, np.ndarray]:
        columns = self.scalar_columns or self.output_names
        return {name: table[:, i:i + 1] for i, name in enumerate(columns)}
