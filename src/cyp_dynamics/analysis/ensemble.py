"""Many runs of one model: Monte Carlo and sensitivity ensembles, and parameter sampling."""

from __future__ import annotations

import math
import sys
import time
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from ..models import Model
from ..models.model import output_of
from .memory import check_memory

CHUNK_RUNS = 2_000  # runs integrated together; bounds memory at about 40 MB for course models


class _Progress:
    """A progress bar shown only once the work has taken more than `after_s` seconds."""

    def __init__(self, total: int, after_s: float = 1.0, enabled: bool | None = None):
        self.total, self.after_s, self.enabled = total, after_s, enabled
        self.started = time.perf_counter()
        self.bar: Any = None

    def update(self, done: int) -> None:
        if self.enabled is False or self.total <= 1:
            return
        if self.bar is None:
            if self.enabled is None and time.perf_counter() - self.started < self.after_s:
                return
            self.bar = self._make_bar()
        if hasattr(self.bar, "value"):
            self.bar.value = done
            self.bar.description = f"{done}/{self.total} runs"
        else:
            print(f"\r{done}/{self.total} runs", end="" if done < self.total else "\n",
                  file=sys.stderr)

    def _make_bar(self) -> Any:
        try:
            from IPython import get_ipython

            if get_ipython() is not None and "IPKernelApp" in get_ipython().config:
                import ipywidgets
                from IPython.display import display

                bar = ipywidgets.IntProgress(min=0, max=self.total)
                display(bar)
                return bar
        except ImportError:
            pass
        return object()


def _checked_samples(model: Model, samples: pd.DataFrame) -> pd.DataFrame:
    """Every parameter for every run: the samples' values (checked) and the defaults."""
    names = {column: model.parameter_name(column) for column in samples.columns}
    table = model.parameters  # a copy: take it once
    full = pd.DataFrame({n: np.full(len(samples), d) for n, d in table["default"].items()},
                        index=samples.index)
    for column, name in names.items():
        values = pd.to_numeric(samples[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values)
        row = table.loc[name]
        if pd.notna(row["min"]):
            bad |= values < row["min"]
        if pd.notna(row["max"]):
            bad |= values > row["max"]
        if bad.any():
            first = bad.idxmax()
            model.check_value(name, samples.loc[first, column])  # raises with the plain message
            raise ValueError(f"Run {first!r}: '{column}' is not a usable value.")  # pragma: no cover
        full[name] = values.astype(float)
    return full


def _checked_frame(samples: Any) -> pd.DataFrame:
    """`samples` if it is a non-empty table whose run labels are unique."""
    if not isinstance(samples, pd.DataFrame) or samples.empty:
        raise ValueError("samples must be a DataFrame with one row per run and one column per "
                         "parameter, e.g. pd.DataFrame({'clinicians': [60, 70, 80]}).")
    repeated = samples.index[samples.index.duplicated()].unique()
    if len(repeated):
        raise ValueError(f"samples repeats the run label(s) {list(repeated[:5])}: each row is one run "
                         "and needs a label of its own, or runs are merged in the result. Number "
                         "them afresh with samples.reset_index(drop=True).")
    return samples


def _output_names(model: Model, outputs: str | list[str] | None) -> list[str]:
    """Outputs as a checked list; a single name is one output, not a list of letters."""
    if outputs is None:
        return model.outputs
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, (list, tuple, pd.Index)) or not all(isinstance(o, str) for o in outputs):
        raise TypeError(f"outputs must be a list of output names such as ['waiting_list']; you gave "
                        f"{outputs!r}.")
    return model.check_outputs(list(outputs))


def _check_ensemble_memory(model: Model, runs: int, rows_per_run: int, columns: int,
                           memory_limit_gb: float | None) -> None:
    """Refuse before allocating if `runs` runs of `rows_per_run` rows and `columns` output
    columns would not fit in memory."""
    rows = runs * rows_per_run
    # Measured (100,000 runs of the CAMHS model): the values (8 bytes each) are held twice while
    # the chunks are joined, plus about 36 bytes a row for the (run, time) index; and the table
    # of every parameter for every run is built and checked.
    estimate = rows * (14 * columns + 36) + runs * len(model.parameters) * 8 * 3
    unit = model.index_name
    check_memory(
        estimate,
        f"{runs:,} runs of {rows_per_run:,} saved {unit}s and {columns} output column(s)",
        "Ask for fewer runs, fewer outputs (outputs=['waiting_list']) or a shorter run (months=...); "
        "or run the samples in batches (samples.iloc[:100_000], ...) and keep only what you need "
        "from each, such as the last time (result.groupby('run').last()).",
        memory_limit_gb,
    )


def ensemble(
    model: Model,
    samples: pd.DataFrame,
    outputs: str | list[str] | None = None,
    months: float | None = None,
    progress: bool | None = None,
    memory_limit_gb: float | None = None,
) -> pd.DataFrame:
    """Run `model` once per row of `samples` (parameter values; others stay at their defaults).

    Returns a frame indexed by (run, time) with one column per output. Each run equals
    `model.run(row, months)` for that row. A progress bar appears if it takes over a second.
    A request whose result would not fit in memory is refused first (see `analysis.memory`).
    """
    samples = _checked_frame(samples)
    columns = _output_names(model, outputs)
    if model.engine == "numpy":  # the result's size is known from the model, before any run
        _check_ensemble_memory(model, len(samples), model.saved_times_count(months),
                               len(model.output_columns(columns)), memory_limit_gb)
    full = _checked_samples(model, samples)
    bar = _Progress(len(full), enabled=progress)
    parts = []
    if model.engine == "numpy":
        final_time = model.final_time_for(months)
        for start in range(0, len(full), CHUNK_RUNS):
            chunk = full.iloc[start:start + CHUNK_RUNS]
            parts.append(_columns(model.simulate_many(chunk, final_time=final_time), columns))
            bar.update(start + len(chunk))
    else:
        for done, (label, row) in enumerate(full.iterrows(), start=1):
            result = _columns(model.run(row.to_dict(), months=months), columns)
            if done == 1:  # on pysd the first real run gives the size
                _check_ensemble_memory(model, len(full), len(result), len(result.columns),
                                       memory_limit_gb)
            parts.append(pd.concat({label: result}, names=["run"]))
            bar.update(done)
    return pd.concat(parts)


def _columns(frame: pd.DataFrame, outputs: list[str]) -> pd.DataFrame:
    """The columns of `outputs`: a subscripted output ('poverty_share') gives one per element."""
    return frame[[c for o in outputs for c in frame.columns if c == o or output_of(c) == o]]


def _run_count(runs: Any) -> int:
    """`runs` as a whole number of 1 or more (1e6 is accepted as 1,000,000)."""
    if isinstance(runs, str):
        raise TypeError(f"runs must be a number, not text: you gave {runs!r}; remove the quotes.")
    if isinstance(runs, bool) or not isinstance(runs, Real):
        raise TypeError(f"runs must be a whole number of runs such as 100; you gave {runs!r}.")
    if not (math.isfinite(runs) and float(runs).is_integer()):
        raise ValueError(f"runs must be a whole number of runs such as 100; you gave {runs!r}.")
    if runs < 1:
        raise ValueError(f"runs must be 1 or more; you gave {runs!r}.")
    return int(runs)


def _checked_ranges(model: Model, ranges: Any) -> dict[str, tuple[float, float]]:
    """{parameter name: (low, high)} with names resolved and each range inside the model's."""
    if ranges is None:
        table = model.parameters.dropna(subset=["min", "max"])
        ranges = {n: (r["min"], r["max"]) for n, r in table.iterrows()}
        if not ranges:
            raise ValueError(f"The model '{model.name}' declares no parameter ranges: give them, "
                             "e.g. ranges={'clinicians': (40, 80)}.")
    if not isinstance(ranges, dict) or not ranges:
        raise TypeError("ranges must be a dictionary of (low, high) pairs, e.g. "
                        f"{{'clinicians': (40, 80)}}; you gave {ranges!r}.")
    checked: dict[str, tuple[float, float]] = {}
    for key, pair in ranges.items():
        name = model.parameter_name(key)
        if name in checked:
            raise ValueError(f"ranges names '{name}' twice; give each parameter once.")
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise TypeError(f"The range for '{key}' must be a pair (low, high) such as (40, 80); "
                            f"you gave {pair!r}.")
        low, high = (model.check_value(name, value) for value in pair)
        if low > high:
            raise ValueError(f"The range for '{key}' runs from {low:g} down to {high:g}: give it as "
                             f"(low, high), i.e. ({high:g}, {low:g}).")
        checked[name] = (low, high)
    return checked


def sample_parameters(
    model: Model,
    runs: int,
    ranges: dict[str, tuple[float, float]] | None = None,
    seed: int | None = 0,
    memory_limit_gb: float | None = None,
) -> pd.DataFrame:
    """A Latin hypercube sample of `runs` rows, each parameter spread evenly over its range.

    `ranges` maps parameter names to (low, high); by default every parameter with a declared
    range is varied over it. A range with low equal to high holds that parameter fixed.
    Returns a DataFrame ready for `ensemble`.
    """
    runs = _run_count(runs)
    ranges = _checked_ranges(model, ranges)
    names = list(ranges)
    # Measured: about 25 bytes a value at the peak (the unit sample, its scaling, the table).
    check_memory(runs * len(names) * 32, f"A sample of {runs:,} runs of {len(names)} parameter(s)",
                 "Ask for fewer runs, or vary fewer parameters (ranges={...}).", memory_limit_gb)
    lows = np.array([ranges[name][0] for name in names], dtype=float)
    highs = np.array([ranges[name][1] for name in names], dtype=float)
    from scipy.stats import qmc  # imported here: scipy.stats takes ~0.6 s to import

    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(runs)
    values = qmc.scale(unit, lows, np.maximum(highs, lows + 1e-12))  # scale needs low < high
    np.clip(values, lows, highs, out=values)  # so a fixed parameter is exactly its value
    return pd.DataFrame(values, columns=names)
