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
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .memory import check_memory

if TYPE_CHECKING:  # imported lazily: `import cyp_dynamics.analysis` stays light
    import xarray

    from ..models import Model

from .requests import (  # noqa: F401 (also re-exported: the names analysis.ensemble always had)
    EnsembleRequest, _check_table_memory, _table_guard, chunk_runs, chunks, ensemble_request,
    result_array, run_chunk)


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
    request, times, block = _results(model, samples, outputs, months, progress, memory_limit_gb,
                                     client)
    return pd.DataFrame(block.T, index=_run_time_index(request.labels, times, model.index_name),
                        columns=list(request.columns), copy=False)


def _results(model: Model, samples: pd.DataFrame, outputs: str | list[str] | None,
             months: float | None, progress: bool | None, memory_limit_gb: float | None,
             client: Any) -> tuple[EnsembleRequest, np.ndarray, np.ndarray]:
    """Every run of a request: (request, saved times, block), where block[j] holds column j's
    values run after run, allocated once when the first chunk arrives."""
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
    return request, times, block


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

    request, times, block = _results(model, samples, outputs, months, progress, memory_limit_gb,
                                     client)
    # each column's row of the block is its (run, time) array: a view, not a copy
    arrays = {c: block[j].reshape(request.runs, len(times)) for j, c in enumerate(request.columns)}
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
