"""Many runs of one model: Monte Carlo and sensitivity ensembles, and parameter sampling."""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from ..models import Model
from ..models.model import output_of

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
    if not isinstance(samples, pd.DataFrame) or samples.empty:
        raise ValueError("samples must be a DataFrame with one row per run and one column per "
                         "parameter, e.g. pd.DataFrame({'clinicians': [60, 70, 80]}).")
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


def ensemble(
    model: Model,
    samples: pd.DataFrame,
    outputs: list[str] | None = None,
    months: float | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run `model` once per row of `samples` (parameter values; others stay at their defaults).

    Returns a frame indexed by (run, time) with one column per output. Each run equals
    `model.run(row, months)` for that row. A progress bar appears if it takes over a second.
    """
    full = _checked_samples(model, samples)
    columns = model.check_outputs(outputs or model.outputs)
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
            parts.append(pd.concat({label: result}, names=["run"]))
            bar.update(done)
    return pd.concat(parts)


def _columns(frame: pd.DataFrame, outputs: list[str]) -> pd.DataFrame:
    """The columns of `outputs`: a subscripted output ('poverty_share') gives one per element."""
    return frame[[c for o in outputs for c in frame.columns if c == o or output_of(c) == o]]


def sample_parameters(
    model: Model,
    runs: int,
    ranges: dict[str, tuple[float, float]] | None = None,
    seed: int | None = 0,
) -> pd.DataFrame:
    """A Latin hypercube sample of parameters, each spread evenly over its range.

    `ranges` maps parameter names to (low, high); by default every parameter with a declared
    range is varied over it. Returns a DataFrame ready for `ensemble`.
    """
    if ranges is None:
        table = model.parameters.dropna(subset=["min", "max"])
        ranges = {n: (r["min"], r["max"]) for n, r in table.iterrows()}
    names = [model.parameter_name(n) for n in ranges]
    lows = np.array([ranges[k][0] for k in ranges], dtype=float)
    highs = np.array([ranges[k][1] for k in ranges], dtype=float)
    for name, low, high in zip(names, lows, highs):
        model.check_value(name, low)
        model.check_value(name, high)
    from scipy.stats import qmc  # imported here: scipy.stats takes ~0.6 s to import

    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(runs)
    return pd.DataFrame(qmc.scale(unit, lows, np.maximum(highs, lows + 1e-12)), columns=names)
