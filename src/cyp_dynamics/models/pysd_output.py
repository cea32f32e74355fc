"""Collect a pysd run's results into a table quickly, with the same values and columns as pysd's.

Plain pysd spends most of a short run building its results table: it rounds the time with numpy
at every saved step, builds two pandas tables, and splits every subscripted value (an
xarray.DataArray) into one column per element through xarray indexing, element by element and
step by step. `FrameRecorder` is a pysd output handler that records the same values and builds
the table once with numpy: columns `name[a,b]` in pysd's order, rows at pysd's rounded times,
every number a float (pysd keeps a whole-number constant as an integer and a comparison as
True/False; a run on the numpy engine gives floats), times too. Anything unusual (an address in a column
name, values whose type or shape changes over the run, values that are not numbers) is handed to
pysd's own table building.

pysd picks an output handler by the ending of `output_file`; `run_options()` registers this one
under an ending of its own (pysd's endings are left alone, and nothing is ever written to a file)
and gives the arguments that select it: `model.run(..., **run_options())`.
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from pysd.py_backend.output import DataFrameHandler, ModelOutput

SUFFIX = ".cyp-dynamics-frame"  # an ending no file has: selects FrameRecorder in pysd's table
_NUMBERS = (float, int, np.floating, np.integer, np.bool_)  # Python's bool is an int


class FrameRecorder(DataFrameHandler):
    """pysd's DataFrameHandler, recording with bound functions and building the table with numpy."""

    def __init__(self, out_file: Any = None):
        super().__init__(None)  # never a file: pysd's own postprocess would write to it

    def initialize(self, model) -> None:
        super().initialize(model)
        self._clock = model.time
        # The components pysd will call at each saved step: bound once, since none is replaced
        # while the model integrates (pysd sets its caches before the output is initialised).
        self._steps = {key: [] for key in self.capture_elements_step}
        self._calls = [(self._steps[key].append, getattr(model.components, key))
                       for key in self.capture_elements_step]
        self._once: dict[str, Any] = {}
        self._times: list[float] = []
        # pysd rounds each saved time to the digits of TIME STEP; with a constant TIME STEP the
        # digits are the same at every step, so all the times are rounded at once at the end.
        self._digits = None
        if getattr(model, "cache_type", {}).get("time_step") == "run":
            self._digits = -int(np.log10(self._clock.time_step() * self._clock.rprec))

    def update(self, model) -> None:
        self._times.append(self._clock._time if self._digits is not None
                           else self._clock.round())
        for record, function in self._calls:
            record(function())

    def add_run_elements(self, model) -> None:
        for key in self.capture_elements_run:
            self._once[key] = getattr(model.components, key)()

    def _values(self, key: str) -> list:
        return self._steps[key] if key in self._steps else [self._once[key]] * len(self._times)

    def _rounded_times(self) -> np.ndarray:
        times = np.asarray(self._times)  # whole numbers stay whole until the end, as in pysd
        return times if self._digits is None else np.round(times, self._digits)

    def postprocess(self, **kwargs) -> pd.DataFrame:
        addresses = kwargs["return_addresses"]
        columns = None
        if kwargs.get("flatten") and self._times:
            try:
                columns = _flat_columns(addresses, self._values)
            except Exception:  # noqa: BLE001 (anything unexpected: pysd's own way below)
                columns = None
        if columns is None:  # pysd's own table from the same values, numbers as floats
            self.ds["time"] = list(self._rounded_times())
            for key in self._steps:
                self.ds[key] = self._steps[key]
            for key in self._once:
                self.ds[key] = self._values(key)
            table = super().postprocess(**kwargs)
            table.index = table.index.astype(float)
            whole = [c for c, kind in zip(table.columns, table.dtypes.map(lambda d: d.kind))
                     if kind in "iub"]
            return table.astype(dict.fromkeys(whole, float)) if whole else table
        index = pd.Index(self._rounded_times().astype(float), name="time")
        block = np.column_stack(list(columns.values())) if columns else None
        return pd.DataFrame(block, index=index, columns=list(columns), dtype=float)


def _flat_columns(addresses: dict, values_of) -> dict[str, np.ndarray] | None:
    """The table's columns as pysd's `make_flat_df` names and fills them (as floats), or None
    when one needs pysd's own handling."""
    columns: dict[str, np.ndarray] = {}
    for name, (key, address) in addresses.items():
        if address:
            return None
        values = values_of(key)
        first = values[0]
        if isinstance(first, xr.DataArray):
            if first.size == 0 or not all(isinstance(v, xr.DataArray) and v.dims == first.dims
                                          and v.shape == first.shape for v in values):
                return None
            if first.size == 1:  # pysd returns a one-element array as a number
                values = [v.values.reshape(())[()] for v in values]
            else:
                stacked = np.stack([v.values for v in values])
                if stacked.dtype.kind not in "fiubO":  # pysd's float() of each element, at once
                    return None
                flat = stacked.astype(float).reshape(len(values), -1)
                base = re.sub(r"\[.*\]", "", name)
                labels = product(*[[str(c) for c in first.coords[dim].values]
                                   for dim in first.dims])
                for i, label in enumerate(labels):
                    columns[f"{base}[{','.join(label)}]"] = flat[:, i]
                continue
        if not all(issubclass(kind, _NUMBERS) for kind in set(map(type, values))):
            return None
        columns[name] = np.asarray(values, dtype=float)
    return columns


_OPTIONS = {"output_file": Path("results" + SUFFIX)}  # a name only: nothing is written


def run_options() -> dict[str, Path]:
    """The arguments of pysd's `Model.run` that make it collect its results with FrameRecorder."""
    if ModelOutput.out_handlers.get(SUFFIX) is not FrameRecorder:
        ModelOutput.out_handlers[SUFFIX] = FrameRecorder
    return dict(_OPTIONS)
