"""What many runs add up to, computed chunk by chunk without holding every run.

`ensemble_summary` runs an ensemble and keeps, for each output, quantile bands over time, the
mean over time and each run's end value, and for each condition the share of runs meeting it.

Memory. The peak is one chunk of the engine's work (about 32 MB, `ensemble.CHUNK_BYTES`), the
bins (3 × (BINS + 2) × 8 bytes per output and saved time: 3.6 MB for one output over 37 months)
and 8 bytes a run per output for the end values; it does not otherwise grow with the runs.
Measured (tracemalloc): 1,000,000 runs of `camhs_waiting_list`, one output, 38 MB for 12 months
and 37 MB for 36 months, where the table of every output would take 1.1 and 3.4 GB; the test
(tests/test_ensemble_results.py) holds it under 100 MB.

Accuracy of the bands. An exact quantile needs every run's value at each time. Instead, each
output's values at each time are counted into `BINS` equal bins spanning the range a pilot of up
to 1,000 runs (spread through the samples) reached, widened by a fifth each way; values outside
fall in two overflow bins, whose exact least and greatest values are kept. A quantile is read by
interpolation inside the bins holding the two runs either side of its rank, so it is within one
bin width of the exact quantile (`numpy.quantile`'s default) when they share a bin: for 4,096
bins, 1/2,926 of the pilot's range. `EnsembleSummary.quantile_error` gives, per time and output,
the bound actually reached (wider only in a sparse tail, where those two runs are bins apart);
quantiles 0 and 1 are the exact least and greatest values. Counts add up exactly, so chunks run
on a cluster's workers combine to the same bands.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .requests import (
    EnsembleRequest,
    _working_bytes,
    chunks,
    ensemble_request,
    result_array,
    run_chunk,
)
from .cluster import SUMMARY_TASK_RUNS, ModelFile, _task_request, _tasks
from .memory import check_memory

BINS = 4_096  # bins per output and time for the quantile bands
PILOT_RUNS = 1_000  # runs, spread through the samples, that set the bins' range
PILOT_RUNS_PYSD = 20  # as many on the (slow, one run at a time) pysd engine
MARGIN = 0.2  # the bins span the pilot's range widened by this share of it each way

Condition = Callable[[Mapping[str, np.ndarray]], np.ndarray]


@dataclass
class _Counts:
    """Histogram counts of one output: (times, BINS + 2) with underflow and overflow bins."""

    low: np.ndarray  # (times,) lower edge of the first bin
    width: np.ndarray  # (times,) bin width
    counts: np.ndarray  # (times, bins + 2) int64
    smallest: np.ndarray  # (times,) least value seen
    largest: np.ndarray  # (times,) greatest value seen

    @classmethod
    def spanning(cls, pilot: np.ndarray, bins: int) -> _Counts:
        """Empty counts whose bins span the pilot values (runs, times), widened by MARGIN."""
        finite = np.where(np.isfinite(pilot), pilot, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a time with no number in the pilot
            low, high = np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
        low, high = np.nan_to_num(low, nan=0.0), np.nan_to_num(high, nan=1.0)
        span = high - low
        span = np.where(span > 0, span, np.maximum(np.abs(high), 1.0) * 1e-9)
        steps = pilot.shape[1]
        return cls(low - MARGIN * span, span * (1 + 2 * MARGIN) / bins,
                   np.zeros((steps, bins + 2), dtype=np.int64),
                   np.full(steps, np.inf), np.full(steps, -np.inf))

    def add(self, values: np.ndarray) -> None:
        """Count a chunk's values (runs, times); values that are not numbers are left out."""
        steps = values.shape[1]
        bins = self.counts.shape[1] - 2
        with np.errstate(invalid="ignore"):
            position = np.floor((values - self.low) / self.width)
        finite = np.isfinite(position)
        np.clip(position, -1, bins, out=position)  # -1: underflow; bins: overflow
        if not finite.all():
            position[~finite] = 0  # counted nowhere (left out below), but castable
        slot = (position + 1).astype(np.int64) + np.arange(steps) * (bins + 2)
        self.counts += np.bincount(slot[finite], minlength=steps * (bins + 2)).reshape(steps, -1)
        if not finite.all():
            values = np.where(finite, values, np.nan)  # so min and max skip them
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a time with no number at all
            self.smallest = np.fmin(self.smallest, np.nanmin(values, axis=0))
            self.largest = np.fmax(self.largest, np.nanmax(values, axis=0))

    def merge(self, other: _Counts) -> None:
        self.counts += other.counts
        self.smallest = np.fmin(self.smallest, other.smallest)
        self.largest = np.fmax(self.largest, other.largest)

    def edges(self) -> np.ndarray:
        """(times, bins + 3) bin edges; the overflow bins end at the least and greatest values."""
        bins = self.counts.shape[1] - 2
        inner = self.low[:, None] + self.width[:, None] * np.arange(bins + 1)
        first = np.minimum(self.smallest, inner[:, 0])[:, None]
        last = np.maximum(self.largest, inner[:, -1])[:, None]
        return np.hstack([first, inner, last])

    def quantiles(self, qs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(times, quantiles) values read from the counts, and for each time the most any of
        them can differ from the exact quantile (numpy's default, linear method)."""
        edges = self.edges()
        total = self.counts.sum(axis=1)
        cumulative = np.cumsum(self.counts, axis=1)
        result = np.full((len(total), len(qs)), np.nan)
        error = np.zeros(len(total))
        for t in np.flatnonzero(total):
            rank = np.array(qs) * (total[t] - 1)  # 0-based: between two runs' values
            below, above = np.floor(rank), np.ceil(rank)
            x_below, b_below = self._order_value(edges[t], cumulative[t], below + 1)
            x_above, b_above = self._order_value(edges[t], cumulative[t], above + 1)
            result[t] = x_below + (rank - below) * (x_above - x_below)
            # both values lie between the low edge of the one's bin and the high edge of the other's
            error[t] = np.max(edges[t, b_above + 1] - edges[t, b_below])
        result = np.clip(result, self.smallest[:, None], self.largest[:, None])
        ends = np.array(qs)
        result[:, ends == 0] = self.smallest[:, None]  # the least and greatest are kept exactly
        result[:, ends == 1] = self.largest[:, None]
        return result, error

    def _order_value(self, edges: np.ndarray, cumulative: np.ndarray,
                     position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value of the run at each 1-based `position` in order, taking a bin's runs as
        spread evenly through it, and the bin it is in."""
        b = np.searchsorted(cumulative, position)  # the first bin whose count reaches it
        before = np.where(b > 0, cumulative[np.maximum(b - 1, 0)], 0)
        count = cumulative[b] - before
        inside = (position - before - 0.5) / np.maximum(count, 1)
        return edges[b] + (edges[b + 1] - edges[b]) * inside, b


@dataclass
class SummaryState:
    """Running totals of a summary; states of different chunks merge into the whole."""

    counts: dict[str, _Counts]
    sums: dict[str, np.ndarray]  # (times,) sum over runs
    finite: dict[str, np.ndarray]  # (times,) runs with a number there
    met: dict[str, np.ndarray]  # condition -> runs meeting it, (times,) or ()
    end_values: np.ndarray  # (runs, columns): each run's last values, filled chunk by chunk
    runs: int = 0

    def add(self, start: int, values: Mapping[str, np.ndarray], conditions: Mapping[str, Condition]) -> None:
        for j, (column, counts) in enumerate(self.counts.items()):
            chunk = values[column]
            counts.add(chunk)
            ok = np.isfinite(chunk)
            self.sums[column] += np.where(ok, chunk, 0.0).sum(axis=0)
            self.finite[column] += ok.sum(axis=0)
            self.end_values[start:start + len(chunk), j] = chunk[:, -1]
        for name, condition in conditions.items():
            self.met[name] = self.met[name] + _condition_counts(name, condition, values)
        self.runs += len(next(iter(values.values())))

    def merge(self, other: SummaryState, start: int) -> None:
        for column, counts in self.counts.items():
            counts.merge(other.counts[column])
            self.sums[column] += other.sums[column]
            self.finite[column] += other.finite[column]
        self.end_values[start:start + len(other.end_values)] = other.end_values
        for name in self.met:
            self.met[name] = self.met[name] + other.met[name]
        self.runs += other.runs


def _condition_counts(name: str, condition: Condition, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Runs of a chunk meeting a condition: per time for a (runs, times) answer, else one count."""
    runs, steps = next(iter(values.values())).shape
    met = np.asarray(condition(values))
    if met.shape not in ((runs,), (runs, steps)):
        raise ValueError(f"The condition '{name}' must give one true/false per run, or one per run "
                         f"and time ({runs} × {steps} here); it gave an array of shape {met.shape}.")
    return met.astype(bool).sum(axis=0)


def empty_state(counts: dict[str, _Counts], conditions: Mapping[str, Condition], runs: int,
                conditions_shape: dict[str, tuple[int, ...]]) -> SummaryState:
    """A state with nothing counted yet, for `runs` runs, bins as in `counts`."""
    fresh = {c: _Counts(k.low, k.width, np.zeros_like(k.counts), np.full_like(k.smallest, np.inf),
                        np.full_like(k.largest, -np.inf)) for c, k in counts.items()}
    steps = {c: len(k.low) for c, k in counts.items()}
    return SummaryState(fresh, {c: np.zeros(s) for c, s in steps.items()},
                        {c: np.zeros(s, dtype=np.int64) for c, s in steps.items()},
                        {n: np.zeros(conditions_shape[n], dtype=np.int64) for n in conditions},
                        _nan_array((runs, len(counts))))


def _nan_array(shape: tuple[int, ...]) -> np.ndarray:
    array = result_array(shape)
    array.fill(np.nan)
    return array


@dataclass
class EnsembleSummary:
    """Bands, means, shares and end values of an ensemble (see `ensemble_summary`)."""

    bands: pd.DataFrame  # index time; columns (output, quantile)
    mean: pd.DataFrame  # index time; one column per output
    share: pd.DataFrame  # index time; one column per condition (a per-run condition: constant)
    end_values: pd.DataFrame  # index run; one column per output: its value at the last time
    quantile_error: pd.DataFrame  # index time; per output: the most a band value can be off
    runs: int
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        outputs = ", ".join(self.mean.columns)
        return (f"<EnsembleSummary of {self.runs:,} runs: bands {list(self.bands.columns.levels[1])} "
                f"and means of {outputs}; {len(self.share.columns)} condition(s)>")


def summary_memory_bytes(model: Any, runs: int, columns: int, months: float | None = None,
                         bins: int = BINS) -> float:
    """Estimated peak memory of `ensemble_summary` (bytes): bins and totals per output and time
    (three copies while counting), the end values, one chunk of the engine's work, and the
    sample values."""
    steps = model.saved_times_count(months)
    working = _working_bytes(model, months, runs) if model.engine == "numpy" else 0
    return columns * steps * (bins + 2) * 8 * 3 + columns * runs * 8 + working


def ensemble_summary(
    model: Any,
    samples: pd.DataFrame,
    outputs: str | list[str] | None = None,
    quantiles: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95),
    conditions: Mapping[str, Condition] | None = None,
    months: float | None = None,
    progress: bool | None = None,
    memory_limit_gb: float | None = None,
    client: Any = None,
    bins: int = BINS,
) -> EnsembleSummary:
    """Run `model` once per row of `samples` and keep only what the runs add up to.

    For each output column: quantile bands over time (each within one bin width of the exact
    quantile, see this module's notes), the mean over time, and each run's end value. For each
    condition (name -> function of {column: array (runs, times)} giving true/false per run, or
    per run and time), the share of runs meeting it. Memory stays fixed as runs grow (besides
    8 bytes a run per output for the end values). `client`: a `dask.distributed.Client`.

    >>> summary = ensemble_summary(model, samples, outputs=["waiting_list"],
    ...     conditions={"list over 3,000": lambda v: v["waiting_list"] > 3000})
    >>> summary.bands["waiting_list"]  # time × quantile
    """
    qs = _checked_quantiles(quantiles)
    if not isinstance(bins, int) or isinstance(bins, bool) or not 16 <= bins <= 1_000_000:
        raise ValueError(f"bins must be a whole number from 16 to 1,000,000; you gave {bins!r}.")
    conditions = dict(conditions or {})
    for name, condition in conditions.items():
        if not callable(condition):
            raise TypeError(f"The condition '{name}' must be a function of the runs' values, e.g. "
                            "lambda v: v['waiting_list'] > 3000; you gave {condition!r}.")

    def guard(runs: int, columns: list[str]) -> None:
        check_memory(summary_memory_bytes(model, runs, len(columns), months, bins),
                     f"A summary of {runs:,} runs and {len(columns)} output column(s)",
                     "Ask for fewer runs, fewer outputs or fewer bins (bins=...).", memory_limit_gb)

    request = ensemble_request(model, samples, outputs, months, guard)
    pilot = _pilot(request)
    counts = {c: _Counts.spanning(pilot[c], bins) for c in request.columns}
    state = None
    shapes: dict[str, tuple[int, ...]] = {}
    if client is None:
        for start, stop, times, values in chunks(request, progress):
            if state is None:
                shapes = {n: _condition_counts(n, f, values).shape for n, f in conditions.items()}
                state = empty_state(counts, conditions, request.runs, shapes)
            state.add(start, values, conditions)
    else:
        times, state = cluster_summary(client, request, counts, conditions)
    assert state is not None
    return _summary(request, model, times, state, qs)


def _checked_quantiles(quantiles: Any) -> tuple[float, ...]:
    if isinstance(quantiles, (int, float)):
        quantiles = (quantiles,)
    qs = tuple(float(q) for q in quantiles)
    if not qs or not all(0 <= q <= 1 for q in qs):
        raise ValueError("quantiles must be shares between 0 and 1, such as (0.05, 0.5, 0.95); "
                         f"you gave {quantiles!r}.")
    return qs


def _pilot(request: EnsembleRequest) -> dict[str, np.ndarray]:
    """Values (runs, times) of up to PILOT_RUNS runs spread evenly through the samples."""
    most = PILOT_RUNS if request.model.engine == "numpy" else PILOT_RUNS_PYSD
    chosen = np.unique(np.linspace(0, request.runs - 1, min(most, request.runs)).astype(int))
    values = {name: column[chosen] for name, column in request.values.items()}
    pilot = EnsembleRequest(request.model, request.labels[chosen], values, list(request.columns),
                            request.months, request.final_time)
    if request.model.engine == "numpy":
        return run_chunk(pilot, 0, pilot.runs)[1]
    parts = list(chunks(pilot, progress=False))
    request.columns = pilot.columns  # on pysd the first run names a subscripted output's columns
    return {c: np.vstack([p[3][c] for p in parts]) for c in pilot.columns}


def _summary(request: EnsembleRequest, model: Any, times: np.ndarray, state: SummaryState,
             qs: tuple[float, ...]) -> EnsembleSummary:
    index = pd.Index(times, name=model.index_name)
    bands, errors, means = {}, {}, {}
    for column, counts in state.counts.items():
        values, error = counts.quantiles(qs)
        for k, q in enumerate(qs):
            bands[(column, q)] = values[:, k]
        errors[column] = error
        with np.errstate(invalid="ignore", divide="ignore"):
            means[column] = state.sums[column] / state.finite[column]
    shares = {}
    for name, met in state.met.items():
        shares[name] = np.broadcast_to(met / request.runs, (len(times),)).copy()
    band_frame = pd.DataFrame(bands, index=index)
    band_frame.columns = band_frame.columns.set_names(["output", "quantile"])
    return EnsembleSummary(
        bands=band_frame,
        mean=pd.DataFrame(means, index=index),
        share=pd.DataFrame(shares, index=index, columns=list(state.met)),
        end_values=pd.DataFrame(state.end_values, index=request.labels.rename("run"),
                                 columns=list(state.counts), copy=False),
        quantile_error=pd.DataFrame(errors, index=index),
        runs=state.runs,
    )


# ---- on a Dask cluster -------------------------------------------------------------------------
def _summary_task(model_file: ModelFile, values: dict[str, np.ndarray], runs: int,
                  columns: list[str], months: float | None, final_time: float,
                  counts: Any, conditions: Mapping[str, Any], shapes: dict[str, tuple[int, ...]]
                  ) -> tuple[np.ndarray, Any]:
    """On a worker: the summary state of `runs` runs (bins as in `counts`)."""
    request = _task_request(model_file, values, runs, columns, months, final_time)
    state = empty_state(counts, conditions, runs, shapes)
    times = np.array([])
    for start, stop in request.chunk_bounds():
        times, part = run_chunk(request, start, stop)
        state.add(start, part, conditions)
    return times, state


def cluster_summary(client: Any, request: EnsembleRequest, counts: Any,
                    conditions: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
    """The summary state of every run, counted on the workers and merged here."""
    probe_request = EnsembleRequest(request.model, request.labels[:1],
                                    {n: c[:1] for n, c in request.values.items()},
                                    list(request.columns), request.months, request.final_time)
    times, probe = run_chunk(probe_request, 0, 1)  # shapes of the conditions' answers
    shapes = {n: _condition_counts(n, f, probe).shape for n, f in conditions.items()}
    state = empty_state(counts, conditions, request.runs, shapes)
    # the bins go with each task (not scattered: a restarted worker would lose a scattered copy)
    for start, _, (times, part) in _tasks(client, request, SUMMARY_TASK_RUNS, _summary_task,
                                          counts, dict(conditions), shapes):
        state.merge(part, start)
    return times, state
