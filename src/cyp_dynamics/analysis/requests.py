"""A request for many runs, checked, and the engine's chunks of it.

`ensemble_request` checks samples and outputs in plain words (and refuses, before reading the
values, a result too large to hold); `chunks` and `run_chunk` integrate the runs a chunk at a time
with the vectorised engine, writing into arrays allocated once (`result_array`). The whole-result
functions (`analysis.ensemble`), the bounded-memory summaries (`analysis.reductions`) and the Dask
workers (`analysis.cluster`) all build on these.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .memory import check_memory

if TYPE_CHECKING:  # imported lazily: `import cyp_dynamics.analysis` stays light

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
