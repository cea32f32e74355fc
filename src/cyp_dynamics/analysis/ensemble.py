"""Many runs of one model: Monte Carlo and sensitivity ensembles, and parameter sampling.

Runs are integrated together in chunks by the vectorised numpy engine; each chunk is written
straight into arrays allocated once for the whole result, so the result is the only large thing
held. `ensemble` gives the long table (run, time) × outputs, `ensemble_dataset` the same values as
an `xarray.Dataset`; `analysis.reductions.ensemble_summary` keeps bands, means and shares without
holding every run. Each accepts `client=` (a `dask.distributed.Client`) to run the chunks on a
cluster (see `analysis.cluster`).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .memory import check_memory

if TYPE_CHECKING:  # imported lazily: `import cyp_dynamics.analysis` stays light
    import xarray

    from ..models import Model

CHUNK_BYTES = 32e6  # engine working memory per chunk (saved steps of every output)
MIN_CHUNK_RUNS, MAX_CHUNK_RUNS = 500, 20_000  # measured: time per run is flat from ~800 runs
INDEX_BYTES_PER_ROW = 5  # the (run, time) index: int32 run codes and int8 time codes


def _madvise_switch() -> Any:
    try:  # numpy 2 (numpy._core), numpy 1 (numpy.core)
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # pragma: no cover
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:
            return None
    return _set_madvise_hugepage


_SET_MADVISE_HUGEPAGE = _madvise_switch()


def result_array(shape: tuple[int, ...]) -> np.ndarray:
    """An empty float array for a large result, in ordinary (4 kB) pages.

    numpy asks Linux for huge pages for every array over 4 MB. Where the kernel then compacts
    memory to find them (transparent_hugepage/defrag = madvise, as here), first touching a
    2 GB table took 22-58 s instead of 4 s on a busy machine (benchmarks/bench_ensembles.py);
    results are written once, in order, so huge pages gain nothing here.
    """
    if _SET_MADVISE_HUGEPAGE is None:  # pragma: no cover
        return np.empty(shape)
    previous = _SET_MADVISE_HUGEPAGE(False)
    try:
        return np.empty(shape)
    finally:
        _SET_MADVISE_HUGEPAGE(previous)


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


# ---- checking a request ------------------------------------------------------------------------
def _checked_frame(samples: Any) -> pd.DataFrame:
    """`samples` if it is a non-empty table whose run labels are unique."""
    if not isinstance(samples, pd.DataFrame) or samples.empty:
        raise ValueError("samples must be a DataFrame with one row per run and one column per "
                         "parameter, e.g. pd.DataFrame({'clinicians': [60, 70, 80]}).")
    if samples.index.is_unique:
        return samples
    repeated = samples.index[samples.index.duplicated()].unique()
    if len(repeated):
        raise ValueError(f"samples repeats the run label(s) {list(repeated[:5])}: each row is one run "
                         "and needs a label of its own, or runs are merged in the result. Number "
                         "them afresh with samples.reset_index(drop=True).")
    return samples


def _checked_values(model: Model, samples: pd.DataFrame) -> dict[str, np.ndarray]:
    """{parameter name: one float per run} for the parameters `samples` sets, each checked
    against the parameter's range (the first bad value raises the model's plain message)."""
    table = model.parameters  # a copy: take it once
    values: dict[str, np.ndarray] = {}
    for column in samples.columns:
        name = model.parameter_name(column)
        series = samples[column]
        if series.dtype.kind not in "fiu":  # text such as '40' is a typing slip, not a number
            raise ValueError(f"The samples' column '{column}' holds text (such as "
                             f"{series.iloc[0]!r}), not numbers: convert it first, e.g. "
                             f"samples['{column}'] = samples['{column}'].astype(float).")
        column_values = series.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(column_values)
            low, high = table.at[name, "min"], table.at[name, "max"]
            if pd.notna(low):
                bad |= column_values < low
            if pd.notna(high):
                bad |= column_values > high
        if bad.any():
            first = int(np.argmax(bad))
            model.check_value(name, samples[column].iloc[first])  # raises with the plain message
            raise ValueError(f"Run {samples.index[first]!r}: '{column}' is not a usable value.")  # pragma: no cover
        values[name] = column_values
    return values


def _output_names(model: Model, outputs: str | list[str] | None) -> list[str]:
    """Outputs as a checked list; a single name is one output, not a list of letters."""
    if outputs is None:
        return model.outputs
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, (list, tuple, pd.Index)) or not all(isinstance(o, str) for o in outputs):
        raise TypeError(f"outputs must be a list of output names such as ['waiting_list']; you gave "
                        f"{outputs!r}.")
    if not len(outputs):
        raise ValueError("outputs is empty: name at least one output, such as ['waiting_list'], or "
                         "leave it out to get every output.")
    return model.check_outputs(list(outputs))


def chunk_runs(model: Model, months: float | None = None) -> int:
    """Runs integrated together in one chunk: as many as keep the engine's working memory near
    `CHUNK_BYTES` (every output is saved at every saved time), between MIN_ and MAX_CHUNK_RUNS."""
    if model.engine != "numpy":
        return 1
    per_run = model.saved_times_count(months) * len(model.output_columns(model.outputs)) * 8 * 2
    return int(min(MAX_CHUNK_RUNS, max(MIN_CHUNK_RUNS, CHUNK_BYTES // per_run)))


def _working_bytes(model: Model, months: float | None, runs: int) -> float:
    """Memory the engine needs beside the result (bytes): one chunk's saved steps of every output
    (held twice while they are stacked, once more as they are copied), and while the samples are
    checked, one column as floats and its masks."""
    chunk = min(runs, chunk_runs(model, months))
    per_run = model.saved_times_count(months) * len(model.output_columns(model.outputs)) * 8 * 3
    return chunk * per_run + runs * 8 * 2


WAY_OUT = ("Ask for fewer runs, fewer outputs (outputs=['waiting_list']) or a shorter run "
           "(months=...); or keep only what you need: ensemble_summary(model, samples, "
           "outputs=[...]) gives bands, means and shares in a fixed amount of memory, here or on "
           "a Dask cluster (client=...); or run the samples in batches (samples.iloc[:100_000], "
           "...) and keep what you need from each.")


def _check_table_memory(model: Model, runs: int, rows_per_run: int, columns: int,
                        memory_limit_gb: float | None, months: float | None = None) -> None:
    """Refuse before allocating if the table of `runs` runs would not fit in memory."""
    result = runs * rows_per_run * (8 * columns + INDEX_BYTES_PER_ROW)
    working = _working_bytes(model, months, runs) if model.engine == "numpy" else 0
    check_memory(
        result + working,
        f"{runs:,} runs of {rows_per_run:,} saved {model.index_name}s and {columns} output column(s)",
        WAY_OUT, memory_limit_gb)


@dataclass
class EnsembleRequest:
    """A checked ensemble request: what every chunk needs to run."""

    model: Model
    labels: pd.Index  # one per run, from the samples' index
    values: dict[str, np.ndarray]  # parameter name -> one value per run (others: defaults)
    columns: list[str]  # result columns (a subscripted output has one per element)
    months: float | None
    final_time: float

    @property
    def runs(self) -> int:
        return len(self.labels)

    def chunk_bounds(self, size: int | None = None) -> list[tuple[int, int]]:
        """(start, stop) of each chunk of runs."""
        size = size or chunk_runs(self.model, self.months)
        return [(start, min(start + size, self.runs)) for start in range(0, self.runs, size)]

    def constants(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Every parameter's value for runs start..stop: the samples' or the default."""
        n = stop - start
        return {name: (self.values[name][start:stop] if name in self.values else np.full(n, default))
                for name, default in self.model.resolve().items()}


def ensemble_request(model: Model, samples: pd.DataFrame, outputs: str | list[str] | None = None,
                     months: float | None = None, memory: Any = None) -> EnsembleRequest:
    """Check `samples` (one row per run) and `outputs` for `model`; ValueError in plain words.

    `memory(runs, columns)`, if given, is called before the samples' values are read, so that a
    request too large to hold is refused at once (it raises `MemoryLimitError`)."""
    samples = _checked_frame(samples)
    names = _output_names(model, outputs)
    final_time = model.final_time_for(months)
    columns = model.output_columns(names) if model.engine == "numpy" else names
    if memory is not None:
        memory(len(samples), columns)
    values = _checked_values(model, samples)
    return EnsembleRequest(model, samples.index, values, columns, months, final_time)


def _table_guard(model: Model, months: float | None, memory_limit_gb: float | None) -> Any:
    """The memory check of a whole result, for `ensemble_request` (None on the pysd engine,
    where the size is known only after the first run)."""
    if model.engine != "numpy":
        return None
    steps = model.saved_times_count(months)
    return lambda runs, columns: _check_table_memory(model, runs, steps, len(columns),
                                                     memory_limit_gb, months)


def run_chunk(request: EnsembleRequest, start: int, stop: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Runs start..stop integrated together: saved times, and {column: array (runs, times)}."""
    model = request.model
    # Model._simulate is the engine's vectorised call; a public one writing into given arrays
    # would save copying each chunk into the result (requested of the engine's owners)
    times, results = model._simulate(request.constants(start, stop), request.final_time, stop - start)
    return times, {column: results[column].T for column in request.columns}


def chunks(request: EnsembleRequest, progress: bool | None = None
           ) -> Iterator[tuple[int, int, np.ndarray, dict[str, np.ndarray]]]:
    """(start, stop, times, {column: (runs, times)}) for each chunk of runs, in order."""
    bar = _Progress(request.runs, enabled=progress)
    model = request.model
    if model.engine == "numpy":
        for start, stop in request.chunk_bounds():
            yield (start, stop, *run_chunk(request, start, stop))
            bar.update(stop)
        return
    for i in range(request.runs):  # the pysd engine: one run at a time
        params = {name: column[i] for name, column in request.values.items()}
        run = model.run(params, months=request.months)
        if i == 0:  # a subscripted output's columns are known from the first run
            request.columns = [c for o in request.columns for c in run.columns
                               if c == o or c.partition("[")[0] == o]
        yield i, i + 1, run.index.to_numpy(dtype=float), {
            c: run[c].to_numpy(dtype=float)[None, :] for c in request.columns}
        bar.update(i + 1)


# ---- whole results -----------------------------------------------------------------------------
def ensemble(
    model: Model,
    samples: pd.DataFrame,
    outputs: str | list[str] | None = None,
    months: float | None = None,
    progress: bool | None = None,
    memory_limit_gb: float | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """Run `model` once per row of `samples` (parameter values; others stay at their defaults).

    Returns a frame indexed by (run, time) with one column per output. Each run equals
    `model.run(row, months)` for that row. A progress bar appears if it takes over a second.
    A request whose result would not fit in memory is refused first (see `analysis.memory`);
    for many runs, `ensemble_summary` keeps bands and means in a fixed amount of memory.
    `client`: a `dask.distributed.Client` to run the chunks on its workers (same result).
    """
    request = ensemble_request(model, samples, outputs, months,
                               _table_guard(model, months, memory_limit_gb))
    rows_per_run = model.saved_times_count(months)
    block: np.ndarray | None = None  # (columns, rows): each column's values, run after run
    times = None
    for start, stop, times, values in _source(request, progress, client):
        if block is None:
            if model.engine != "numpy":  # on pysd the first real run gives the size
                rows_per_run = len(times)
                _check_table_memory(model, request.runs, rows_per_run, len(request.columns),
                                    memory_limit_gb)
            block = result_array((len(request.columns), request.runs * rows_per_run))
        for j, column in enumerate(request.columns):
            block[j, start * rows_per_run:stop * rows_per_run].reshape(stop - start, -1)[...] = \
                values[column]
    assert block is not None and times is not None
    return pd.DataFrame(block.T, index=_run_time_index(request.labels, times, model.index_name),
                        columns=list(request.columns), copy=False)


def _run_time_index(labels: pd.Index, times: np.ndarray, time_name: str) -> pd.MultiIndex:
    """The (run, time) index of a long table, built from codes without a product of labels."""
    runs, steps = len(labels), len(times)
    run_codes = np.repeat(np.arange(runs, dtype=np.int32 if runs < 2**31 else np.int64), steps)
    time_codes = np.tile(np.arange(steps, dtype=np.int16 if steps < 2**15 else np.int32), runs)
    return pd.MultiIndex(levels=[labels, pd.Index(times)], codes=[run_codes, time_codes],
                         names=["run", time_name], verify_integrity=False)


def ensemble_dataset(
    model: Model,
    samples: pd.DataFrame,
    outputs: str | list[str] | None = None,
    months: float | None = None,
    progress: bool | None = None,
    memory_limit_gb: float | None = None,
    client: Any = None,
) -> xarray.Dataset:
    """The same runs as `ensemble`, as an `xarray.Dataset`: dimensions run × time (named as the
    model's time unit, e.g. 'month'), one variable per output column, with units and labels as
    attributes. `ds['waiting_list'].quantile(0.9, dim='run')` gives a band over time."""
    import xarray

    request = ensemble_request(model, samples, outputs, months,
                               _table_guard(model, months, memory_limit_gb))
    steps = model.saved_times_count(months)
    arrays: dict[str, np.ndarray] = {}
    times = None
    for start, stop, times, values in _source(request, progress, client):
        if not arrays:
            if model.engine != "numpy":
                steps = len(times)
                _check_table_memory(model, request.runs, steps, len(request.columns),
                                    memory_limit_gb)
            arrays = {c: result_array((request.runs, steps)) for c in request.columns}
        for column in request.columns:
            arrays[column][start:stop] = values[column]
    time_name = model.index_name
    variables = model.variables
    data = {}
    for column, array in arrays.items():
        name = column.partition("[")[0]
        attrs = {"units": str(variables.at[name, "unit"]), "long_name": str(variables.at[name, "label"])}
        data[column] = xarray.Variable(("run", time_name), array, attrs=attrs)
    return xarray.Dataset(data, coords={"run": request.labels.to_numpy(), time_name: times},
                          attrs={"model": model.name})


def _source(request: EnsembleRequest, progress: bool | None, client: Any):
    """The chunks of a request: computed here, or on a Dask cluster's workers."""
    if client is None:
        return chunks(request, progress)
    from .cluster import cluster_chunks

    return cluster_chunks(client, request)


# ---- samples -----------------------------------------------------------------------------------
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
