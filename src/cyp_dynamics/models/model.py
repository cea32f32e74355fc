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

from .controls import CONTROLS, MAX_STEPS, check_controls, numeric_controls
from .engine import (
    CompiledModel,
    UnsupportedModel,
    compile_model,
    read_model,
    snake_case,
)
from .naming import column_name, output_of, python_names, tidy_column
from .pysd_cache import PysdRunner
from .sanitise import ModelFileError, check_model_file
from .tables import limit_text, missing, parameter_table, variable_table

MAX_RUN_LENGTH = 10_000  # time units; longer runs are almost certainly a typo
# `column_name`, `output_of` and `tidy_column` are imported from here by other modules too.
__all__ = ["MAX_RUN_LENGTH", "Model", "column_name", "output_of", "tidy_column"]


class Model:
    """A system dynamics model loaded from a Vensim or XMILE file.

    Every run starts from the model file's defaults plus the parameters given to that run;
    nothing carries over from one run to the next. Names are pysd's python names (so a run
    through this library and one through plain pysd have the same columns); a variable's label
    or its snake_case form is accepted wherever a name is.
    """

    def __init__(self, path: Path, name: str | None = None, description: str = "",
                 data_files: Any = None):
        self.path = Path(path)
        self.name = name or self.path.stem
        self.description = description
        self.data_files = data_files
        check_model_file(self.path)
        self._elements, self._ranges = read_model(self.path)
        self._by_name = {e.py_name: e for e in self._elements}
        self._public = python_names(self._elements)  # snake_case name -> pysd's name
        self._internal = {public: snake for snake, public in self._public.items()}
        self._aliases: dict[str, str] = {}
        for e in self._elements:
            public = self._public[e.py_name]
            for alias in (public, e.py_name, e.name, snake_case(e.name)):
                self._aliases.setdefault(alias, public)
        self._runner = PysdRunner(self.path, data_files)
        controls = numeric_controls(self._elements, self.path)
        if controls is not None:  # a bad TIME STEP is explained before anything is compiled
            self._checked(controls)
        self._compiled: CompiledModel | None = None
        reason = self._compile()
        if controls is None and self._compiled is not None and not self._compiled.dynamic_controls:
            self._compiled = None  # controls the engine cannot evaluate: pysd runs the model
            reason = "control variables (FINAL TIME, TIME STEP, SAVEPER) that change over time"
        if self._compiled is not None:
            self.engine = "numpy"
            self.engine_note = "compiled to numpy (agrees with pysd; see tests/test_engine.py)"
        else:
            self.engine = "pysd"
            self.engine_note = f"runs through pysd (uses {reason}, which the fast engine lacks)"
            self._runner.model  # load now: a model pysd cannot translate fails here, not later
        self._dynamic_controls = controls is None
        self._controls = controls or self._checked(self._pysd_controls())
        # Kept private and handed out as copies: a model loaded by name is shared, so editing
        # a table in one notebook cell must not change the defaults every other run uses.
        self._parameters = parameter_table(self._elements, self._public)
        # check_value reads these on every run: a dict, not a pandas row lookup (~20 µs each)
        self._limit_rows = self._parameters[["unit", "min", "max"]].to_dict("index")
        self._variables = variable_table(self._elements, self._public)
        self._defaults = {name: float(v) for name, v in self._parameters["default"].items()}
        kinds = self._variables["kind"]
        self._outputs = list(self._variables.index[~kinds.isin(["constant", "fixed"])])
        self._constants = list(self._variables.index[kinds.isin(["constant", "fixed"])])
        self._constants += [key for key in CONTROLS if key in self._by_name]
        self._column_names: dict[str, str] = {}  # compiled engine's column -> the run's column
        if self._compiled is not None:
            for name in self._outputs:
                for column in self._compiled.columns_of(self._internal.get(name, name)):
                    base, bracket, rest = column.partition("[")
                    self._column_names[column] = self._public.get(base, base) + bracket + rest

    def _compile(self) -> str | None:
        """Compile to numpy; on failure the reason the model runs through pysd instead."""
        try:
            self._compiled = compile_model(self._elements, self._ranges,
                                           root=self.path.parent, data_files=self.data_files)
        except ModelFileError:
            raise  # a safety refusal is never hidden behind the fallback
        except UnsupportedModel as reason:
            return str(reason)
        except Exception as error:  # noqa: BLE001 (any compiler failure: pysd runs the model)
            return f"something the fast engine could not compile ({type(error).__name__})"
        return None

    # ---- description -----------------------------------------------------------------------
    def _checked(self, controls: dict[str, float]) -> dict[str, float]:
        """`controls` if they describe a run that can be made; else ModelFileError saying why."""
        step = self._by_name.get("time_step")
        return check_controls(controls, step.unit if step is not None else "", self.path)

    def _pysd_controls(self) -> dict[str, float]:
        """The control variables as pysd evaluates them at the initial time."""
        return {key: self._runner.control(key) for key in CONTROLS}

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

    def __repr__(self) -> str:
        return (f"<Model {self.name!r}: {len(self._parameters)} parameters, "
                f"{len(self.outputs)} outputs, {self.engine} engine>")

    # ---- checking what a person typed ----------------------------------------------------------
    def python_name(self, key: str) -> str:
        """The python name (pysd's) of the variable `key` names: its python name, its label as
        written in the model file, or its snake_case form. ValueError if there is none."""
        for form in (str(key), str(key).strip(), snake_case(str(key))):
            if form in self._aliases:
                return self._aliases[form]
        close = difflib.get_close_matches(snake_case(str(key)), sorted(set(self._aliases.values())),
                                          n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"'{key}' is not a variable of the model '{self.name}'.{hint}")

    def parameter_name(self, key: str) -> str:
        """The parameter's python name for `key` (python name or label); ValueError if unknown."""
        name = self._aliases.get(str(key)) or self._aliases.get(snake_case(str(key)), snake_case(str(key)))
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
        """`outputs` as the run's column names (a label or snake_case name becomes pysd's name);
        ValueError if one is not an output of the model."""
        if isinstance(outputs, str):
            raise ValueError(f"outputs must be a list of names, such as ['{outputs}'].")
        known, unknown = [], []
        for output in outputs:
            base, bracket, rest = str(output).partition("[")
            name = base if base in self._outputs else self._aliases.get(base, self._aliases.get(
                snake_case(base), base))
            # A subscripted output's columns ('poverty_share[coastal]') count as that output.
            (known if name in self._outputs else unknown).append(name + bracket + rest
                                                                   if name in self._outputs else output)
        if unknown:
            raise ValueError(f"Unknown output(s) {unknown}. Outputs are: {', '.join(self._outputs)}.")
        return known

    def check_value(self, name: str, value: Any) -> float:
        """`value` as a float if it is a number within the parameter's range; else ValueError."""
        row = self._limit_rows[name]
        unit = f" {row['unit']}" if row["unit"] else ""
        allowed = f"between {limit_text(row['min'])} and {limit_text(row['max'])}{unit}"
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(
                f"'{name}' must be a number {allowed}; you gave {value!r}"
                f" ({type(value).__name__})." + (" Remove the quotes." if isinstance(value, str) else "")
            )
        low, high = row["min"], row["max"]
        if (not missing(low) and value < low) or (not missing(high) and value > high):
            raise ValueError(f"'{name}' must be {allowed}; you gave {value:g}.")
        return float(value)

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Defaults overridden by `params`, every name and value checked."""
        if params is not None and not isinstance(params, (Mapping, pd.Series)):
            raise ValueError("params must be a dictionary such as {'clinicians_fte': 30}.")
        values = dict(self._defaults)
        for key, value in ({} if params is None else params).items():  # a Series has no truth
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
        if length / self._controls["time_step"] > MAX_STEPS:
            raise ValueError(f"A run {length:g} {self.time_unit.lower()}s long would take more than "
                             f"{MAX_STEPS:,} time steps; give a shorter run.")
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
        return [self._column_names.get(c, c) for name in self.check_outputs(outputs)
                for c in self._compiled.columns_of(self._internal.get(name, name))]

    @property
    def constants(self) -> list[str]:
        """Names of the model's constants (including subscripted and unchangeable ones, and the
        control variables), which a run includes on request (`run(..., include_constants=True)`)."""
        return list(self._constants)

    # ---- running ------------------------------------------------------------------------------
    def run(self, params: Mapping[str, Any] | None = None, months: float | None = None,
            include_constants: bool = False) -> pd.DataFrame:
        """Simulate once from the defaults plus `params`, for `months` (the model's time unit).

        Returns one row per saved time step, indexed by time, one column per output (pysd's
        python name; a subscripted output has one column per element, e.g. 'share[coastal]').
        With `include_constants`, the constants' values are columns too, after the outputs.
        """
        values = self.resolve(params)
        final_time = self.final_time_for(months)
        if self._compiled is None:
            end = None if months is None and self._dynamic_controls else final_time
            return self._run_pysd(values, end, include_constants)
        end = None if months is None and self._dynamic_controls else final_time
        times, results = self._simulate({k: np.array([v]) for k, v in values.items()}, end, 1)
        index = pd.Index(times, name=self.index_name)
        frame = pd.DataFrame({column: results[column][:, 0] for column in self._columns()},
                             index=index)
        if include_constants:
            frame = self._with_constants(frame, values, end)
        return frame

    def _with_constants(self, frame: pd.DataFrame, values: dict[str, float],
                        final_time: float | None = None) -> pd.DataFrame:
        """`frame` (a run on the numpy engine) with a column for each constant."""
        columns: dict[str, Any] = {}
        missing = []
        series = {}  # control variables that change during the run: their values at each row
        if self._dynamic_controls:
            constants = self._run_constants({k: np.array([v]) for k, v in values.items()},
                                            final_time, 1)
            series = self._compiled.control_series(constants, *self._given(final_time))
        for name in self._constants:
            element = self._by_name[self._internal.get(name, name)]
            if name in values:
                columns[name] = values[name]
            elif name in series:
                columns[name] = series[name]
            elif name in CONTROLS:
                columns[name] = (frame.index[-1] if name == "final_time" and len(frame)
                                 else self._controls[name])
            elif not element.subscripted and isinstance(element.ast, Real):
                columns[name] = float(element.ast)
            else:
                missing.append(name)
        if missing:  # subscripted constants: their values as pysd reads them
            columns.update(self._constant_values(missing))
        extra = pd.DataFrame({c: np.full(len(frame), v, dtype=float) for c, v in columns.items()},
                             index=frame.index)
        return pd.concat([frame, extra], axis=1)

    def _constant_values(self, names: list[str]) -> dict[str, float]:
        """The values of constants the numpy engine keeps inside its code, read once from pysd
        (empty when pysd cannot read them)."""
        if not hasattr(self, "_constant_cache"):
            try:
                start = self._controls["initial_time"]
                row = self._runner.run({}, self._defaults, start, names).iloc[0]
                self._constant_cache = {tidy_column(str(c)): float(v) for c, v in row.items()}
            except Exception:  # noqa: BLE001 (the run itself is fine; only these columns lack)
                self._constant_cache = {}
        return dict(self._constant_cache)

    def run_with_pysd(self, params: Mapping[str, Any] | None = None,
                      months: float | None = None, include_constants: bool = False) -> pd.DataFrame:
        """The same run through pysd's own integrator (slower; used to cross-check)."""
        end = None if months is None and self._dynamic_controls else self.final_time_for(months)
        return self._run_pysd(self.resolve(params), end, include_constants)

    def _run_pysd(self, values: dict[str, float], final_time: float | None,
                  include_constants: bool = False) -> pd.DataFrame:
        # One loaded pysd model, given only the values that differ from the ones it holds, so
        # no run inherits another's values (see `PysdRunner`).
        names = self.outputs + (self._constants if include_constants else [])
        result = self._runner.run(values, self._defaults, final_time, names)
        if any("[" in str(c) for c in result.columns):
            result.columns = [tidy_column(str(c)) for c in result.columns]
        if result.index.dtype != float:
            result.index = result.index.astype(float)
        result.index.name = self.index_name
        # Subscripted outputs give one column per element, e.g. 'poverty_share[coastal]',
        # kept in pysd's element order and grouped in the order of `names`.
        order = {name: i for i, name in enumerate(names)}
        columns = [c for c in result.columns if output_of(c) in order]
        missing = set(self.outputs) - {output_of(c) for c in columns}
        if missing:  # as strict as selecting result[self.outputs] was before subscripts
            raise KeyError(f"pysd returned no column for output(s) {sorted(missing)}.")
        ordered = sorted(columns, key=lambda c: order[output_of(c)])
        return result if ordered == list(result.columns) else result[ordered]

    def simulate_many(self, samples: pd.DataFrame, final_time: float | None = None) -> pd.DataFrame:
        """Run every row of `samples` (complete, already checked parameter values) at once.

        Returns a frame indexed by (run, time). Use `cyp_dynamics.ensemble` for checked input.
        """
        if self._compiled is None:
            raise UnsupportedModel(self.engine_note)
        end = final_time if final_time is not None or self._dynamic_controls \
            else self._controls["final_time"]
        constants = {name: samples[name].to_numpy(dtype=float) for name in self._defaults}
        times, results = self._simulate(constants, end, len(samples))
        index = pd.MultiIndex.from_product([samples.index, times], names=["run", self.index_name])
        data = {column: results[column].T.reshape(-1) for column in self._columns()}
        return pd.DataFrame(data, index=index)

    def _columns(self) -> list[str]:
        """The numpy engine's result columns, output by output (elements in pysd's order)."""
        assert self._compiled is not None
        return list(self._column_names.values())

    def _simulate(self, constants: dict[str, np.ndarray], final_time: float,
                  runs: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Integrate `runs` parameter sets at once with the compiled engine; `constants` and the
        results are keyed by the run's names."""
        assert self._compiled is not None
        constants = self._run_constants(constants, final_time, runs)
        times, results = self._compiled.simulate(constants, *self._given(final_time), runs)
        return times, {self._column_names.get(c, c): v for c, v in results.items()}

    def _run_constants(self, constants: dict[str, np.ndarray], final_time: float | None,
                       runs: int) -> dict[str, np.ndarray]:
        """`constants` by the compiled engine's names, the control variables included."""
        constants = {self._internal.get(k, k): v for k, v in constants.items()}
        for key, value in self._controls.items():
            given = final_time if key == "final_time" and final_time is not None else value
            constants[key] = np.full(runs, given)
        return constants

    def _given(self, final_time: float | None) -> tuple[float | None, ...]:
        """INITIAL TIME, FINAL TIME, TIME STEP and SAVEPER for the compiled engine; None: the
        model's own control variable, evaluated as the run goes (controls that change)."""
        if self._dynamic_controls:
            return (None, final_time, None, None)
        return (self._controls["initial_time"], final_time, self._controls["time_step"],
                self._controls["saveper"])

