"""`Model`: run a system dynamics model with checked parameters and tidy results."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .engine import CompiledModel, UnsupportedModel, compile_model
from .parsing import read_model, snake_case
from .pysd_cache import load_pysd_model
from .sanitise import ModelFileError

MAX_RUN_LENGTH = 10_000  # time units; longer runs are almost certainly a typo


def column_name(pysd_column: str) -> str:
    """A run's column for a pysd column: snake_case, subscripts kept, e.g. 'poverty_share[coastal]'."""
    base, bracket, subscripts = pysd_column.partition("[")
    return snake_case(base) + (f"[{subscripts.replace(' ', '')}" if bracket else "")


def output_of(column: str) -> str:
    """The output a run's column belongs to: 'poverty_share[coastal]' -> 'poverty_share'."""
    return column.partition("[")[0]


def _missing(value: float | None) -> bool:
    return value is None or value != value  # None or NaN: no limit declared


def _format(value: float | None) -> str:
    return "no limit" if _missing(value) else f"{value:g}"


class Model:
    """A system dynamics model loaded from a Vensim or XMILE file.

    Every run starts from the model file's defaults plus the parameters given to that run;
    nothing carries over from one run to the next.
    """

    def __init__(self, path: Path, name: str | None = None, description: str = ""):
        self.path = Path(path)
        self.name = name or self.path.stem
        self.description = description
        self._elements, self._ranges = read_model(self.path)
        self._by_name = {e.py_name: e for e in self._elements}
        self._controls = self._read_controls()
        try:
            self._compiled: CompiledModel | None = compile_model(self._elements, self._ranges)
            self.engine = "numpy"
            self.engine_note = "compiled to numpy (agrees with pysd; see tests/test_engine.py)"
        except UnsupportedModel as reason:
            self._compiled = None
            self.engine = "pysd"
            self.engine_note = f"runs through pysd (uses {reason}, which the fast engine lacks)"
        # Kept private and handed out as copies: a model loaded by name is shared, so editing
        # a table in one notebook cell must not change the defaults every other run uses.
        self._parameters = self._parameter_table()
        self._variables = self._variable_table()
        self._defaults = {name: float(v) for name, v in self._parameters["default"].items()}
        kinds = self._variables["kind"]
        self._outputs = list(self._variables.index[~kinds.isin(["constant", "fixed"])])

    # ---- description -----------------------------------------------------------------------
    def _read_controls(self) -> dict[str, float]:
        controls = {}
        for key in ("initial_time", "final_time", "time_step", "saveper"):
            element = self._by_name.get(key)
            if element is None or not isinstance(element.ast, Real):
                if key == "saveper" and "time_step" in controls:
                    controls[key] = controls["time_step"]
                    continue
                raise ValueError(
                    f"The model '{self.path.name}' needs a numeric {key.upper().replace('_', ' ')} "
                    "in its control section."
                )
            controls[key] = float(element.ast)
        unit = (self._by_name["time_step"].unit or "time unit").strip()
        units = unit.lower() if unit.lower().endswith("s") else unit.lower() + "s"
        for key, value in controls.items():
            label = key.upper().replace("_", " ")
            if not math.isfinite(value):
                raise ModelFileError(f"{label} must be a number; the file '{self.path.name}' "
                                     f"gives {value:g}.")
            if key in ("time_step", "saveper") and value <= 0:
                raise ModelFileError(f"{label} must be a positive number of {units}; the file "
                                     f"'{self.path.name}' gives {value:g}.")
        return controls

    @property
    def parameters(self) -> pd.DataFrame:
        """One row per constant: name, label, default, min, max, step, unit, description, source."""
        return self._parameters.copy()

    @property
    def variables(self) -> pd.DataFrame:
        """One row per variable: name, label, kind (stock, flow, auxiliary, ...), unit, description."""
        return self._variables.copy()

    @property
    def time_unit(self) -> str:
        """The model's unit of time, e.g. 'Month'."""
        return self._by_name["time_step"].unit or "Time"

    @property
    def index_name(self) -> str:
        """Name of the results' index: the time unit in lower case, e.g. 'month'."""
        return snake_case(self.time_unit).removesuffix("s") or "time"

    @property
    def default_length(self) -> float:
        """Length of a run by default, in the model's time unit."""
        return self._controls["final_time"] - self._controls["initial_time"]

    @property
    def outputs(self) -> list[str]:
        """Names of the columns that `run` returns: stocks, then flows and other variables."""
        return list(self._outputs)

    def _parameter_table(self) -> pd.DataFrame:
        rows = [
            {
                "name": e.py_name,
                "label": e.name,
                "default": float(e.ast),
                "min": e.limits[0],
                "max": e.limits[1],
                "step": e.limits[2],
                "unit": e.unit,
                "description": e.description,
                "source": e.source or "not given in the model file",
            }
            for e in self._elements
            if e.kind == "constant" and not e.subscripted
        ]
        columns = ["name", "label", "default", "min", "max", "step", "unit", "description", "source"]
        return pd.DataFrame(rows, columns=columns).set_index("name", drop=False)

    def _variable_table(self) -> pd.DataFrame:
        flow_names = self._flow_names()
        rows = []
        for e in self._elements:
            if e.kind in ("control", "lookup"):
                continue
            # Only a calculated variable is a flow; a constant or a stock named in a net flow
            # (e.g. INTEG(births - deaths, ...) with births constant) keeps its own kind.
            kind = "flow" if e.py_name in flow_names and e.kind == "auxiliary" else e.kind
            rows.append({"name": e.py_name, "label": e.name, "kind": kind, "unit": e.unit,
                         "description": e.description})
        order = {"stock": 0, "flow": 1, "auxiliary": 2, "initial": 3, "constant": 4, "fixed": 5}
        table = pd.DataFrame(rows, columns=["name", "label", "kind", "unit", "description"])
        table = table.sort_values("kind", key=lambda k: k.map(order), kind="stable")
        return table.set_index("name", drop=False)

    def _flow_names(self) -> set[str]:
        """Variables named directly in a stock's net flow (its inflows and outflows)."""
        from pysd.translators.structures import abstract_expressions as ae

        names: set[str] = set()
        for e in self._elements:
            if e.kind != "stock":
                continue
            pending = [e.ast.flow]
            while pending:
                node = pending.pop()
                if isinstance(node, ae.ReferenceStructure):
                    names.add(node.reference)
                elif isinstance(node, ae.ArithmeticStructure):
                    pending.extend(node.arguments)
        return names

    def __repr__(self) -> str:
        return (f"<Model {self.name!r}: {len(self._parameters)} parameters, "
                f"{len(self.outputs)} outputs, {self.engine} engine>")

    # ---- checking what a person typed ----------------------------------------------------------
    def parameter_name(self, key: str) -> str:
        """The parameter's python name for `key` (python name or label); ValueError if unknown."""
        name = snake_case(str(key))
        if name in self._defaults:
            return name
        candidates = list(self._defaults)
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
        hint = (f" Did you mean {', '.join(repr(c) for c in close)}?" if close
                else f" Parameters are: {', '.join(candidates)}.")
        if name in self._variables.index:
            hint = (f" '{name}' is calculated by the model, so it cannot be set; "
                    f"set one of its inputs instead.{hint}")
        raise ValueError(f"'{key}' is not a parameter of the model '{self.name}'.{hint}")

    def check_outputs(self, outputs: list[str]) -> list[str]:
        """`outputs` unchanged if every name is an output of the model; else ValueError."""
        # A subscripted output's columns ('poverty_share[coastal]') count as that output.
        unknown = [o for o in outputs if o not in self._outputs and output_of(o) not in self._outputs]
        if unknown:
            raise ValueError(f"Unknown output(s) {unknown}. Outputs are: {', '.join(self._outputs)}.")
        return list(outputs)

    def check_value(self, name: str, value: Any) -> float:
        """`value` as a float if it is a number within the parameter's range; else ValueError."""
        row = self._parameters.loc[name]
        unit = f" {row['unit']}" if row["unit"] else ""
        allowed = f"between {_format(row['min'])} and {_format(row['max'])}{unit}"
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(
                f"'{name}' must be a number {allowed}; you gave {value!r}"
                f" ({type(value).__name__})." + (" Remove the quotes." if isinstance(value, str) else "")
            )
        low, high = row["min"], row["max"]
        if (not _missing(low) and value < low) or (not _missing(high) and value > high):
            raise ValueError(f"'{name}' must be {allowed}; you gave {value:g}.")
        return float(value)

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Defaults overridden by `params`, every name and value checked."""
        if params is not None and not isinstance(params, (Mapping, pd.Series)):
            raise ValueError("params must be a dictionary such as {'clinicians_fte': 30}.")
        values = dict(self._defaults)
        for key, value in (params or {}).items():
            name = self.parameter_name(key)
            values[name] = self.check_value(name, value)
        return values

    def final_time_for(self, length: float | None) -> float:
        """The end time of a run `length` time units long (None: the file's); checks `length`."""
        if length is None:
            return self._controls["final_time"]
        if isinstance(length, bool) or not isinstance(length, Real) or not 0 < length <= MAX_RUN_LENGTH:
            raise ValueError(
                f"The run length must be a number of {self.time_unit.lower()}s between 0 and "
                f"{MAX_RUN_LENGTH}; you gave {length!r}."
            )
        return self._controls["initial_time"] + float(length)

    def saved_times_count(self, length: float | None = None) -> int:
        """How many rows (saved times) a run `length` time units long returns, without running it."""
        span = self.final_time_for(length) - self._controls["initial_time"]
        return int(math.floor(span / self._controls["saveper"] + 1e-9)) + 1

    def output_columns(self, outputs: list[str]) -> list[str]:
        """The result columns of `outputs` on the numpy engine (a subscripted output has one per
        element), known without running the model."""
        if self._compiled is None:
            raise UnsupportedModel(self.engine_note)
        return [c for name in self.check_outputs(outputs) for c in self._compiled.columns_of(name)]

    # ---- running ------------------------------------------------------------------------------
    def run(self, params: Mapping[str, Any] | None = None, months: float | None = None) -> pd.DataFrame:
        """Simulate once from the defaults plus `params`, for `months` (the model's time unit).

        Returns one row per saved time step, indexed by time, one snake_case column per output.
        """
        values = self.resolve(params)
        final_time = self.final_time_for(months)
        if self._compiled is None:
            return self._run_pysd(values, final_time)
        times, results = self._simulate({k: np.array([v]) for k, v in values.items()}, final_time, 1)
        index = pd.Index(times, name=self.index_name)
        return pd.DataFrame({column: results[column][:, 0] for column in self._columns()}, index=index)

    def run_with_pysd(self, params: Mapping[str, Any] | None = None,
                      months: float | None = None) -> pd.DataFrame:
        """The same run through pysd's own integrator (slower; used to cross-check)."""
        return self._run_pysd(self.resolve(params), self.final_time_for(months))

    def _run_pysd(self, values: dict[str, float], final_time: float) -> pd.DataFrame:
        # A fresh load each time, and every constant passed, so no run inherits another's values.
        model = load_pysd_model(self.path)
        result = model.run(params=values, return_columns=self.outputs, final_time=final_time)
        result.columns = [column_name(c) for c in result.columns]
        result.index = result.index.astype(float)
        result.index.name = self.index_name
        # Subscripted outputs give one column per element, e.g. 'poverty_share[coastal]',
        # kept in pysd's element order and grouped in the order of `outputs`.
        order = {name: i for i, name in enumerate(self.outputs)}
        columns = [c for c in result.columns if output_of(c) in order]
        missing = set(order) - {output_of(c) for c in columns}
        if missing:  # as strict as selecting result[self.outputs] was before subscripts
            raise KeyError(f"pysd returned no column for output(s) {sorted(missing)}.")
        return result[sorted(columns, key=lambda c: order[output_of(c)])]

    def simulate_many(self, samples: pd.DataFrame, final_time: float | None = None) -> pd.DataFrame:
        """Run every row of `samples` (complete, already checked parameter values) at once.

        Returns a frame indexed by (run, time). Use `cyp_dynamics.ensemble` for checked input.
        """
        if self._compiled is None:
            raise UnsupportedModel(self.engine_note)
        end = self._controls["final_time"] if final_time is None else final_time
        constants = {name: samples[name].to_numpy(dtype=float) for name in self._defaults}
        times, results = self._simulate(constants, end, len(samples))
        index = pd.MultiIndex.from_product([samples.index, times], names=["run", self.index_name])
        data = {column: results[column].T.reshape(-1) for column in self._columns()}
        return pd.DataFrame(data, index=index)

    def _columns(self) -> list[str]:
        """The compiled engine's result columns, output by output (elements in pysd's order)."""
        assert self._compiled is not None
        return [c for name in self._outputs for c in self._compiled.columns_of(name)]

    def _simulate(self, constants: dict[str, np.ndarray], final_time: float,
                  runs: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Integrate `runs` parameter sets at once with the compiled engine."""
        assert self._compiled is not None
        constants = dict(constants)
        for key, value in self._controls.items():
            constants[key] = np.full(runs, final_time if key == "final_time" else value)
        return self._compiled.simulate(constants, self._controls["initial_time"], final_time,
                                       self._controls["time_step"], self._controls["saveper"], runs)
