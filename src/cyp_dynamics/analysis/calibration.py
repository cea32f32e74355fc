"""Calibration: fit a few model parameters to observed data with `scipy.optimize.least_squares`.

A practitioner passes a model, a table of observations (time, output, value) and the parameters
to fit; `calibrate` returns the fitted values, residuals, fit error per series (RMSE and MAPE),
and standard errors and correlations from the Jacobian, flagging parameters the data cannot
tell apart. A good fit is not proof that the model is right: it only says the model *can*
reproduce these numbers with these values.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ..data.local import csv_columns, read_local_csv
from ..models.model import Model

CORRELATION_LIMIT = 0.95  # |correlation| above this: the data cannot separate the two parameters
SINGULAR_LIMIT = 1e-6  # relative singular value below this: a direction the data barely see
YEARS = (1900, 2200)  # observation times all within these, and past a default run: calendar years
DATE = r"\d{4}[-/]\d{1,2}([-/]\d{1,2})?|\d{1,2}[-/]\d{1,2}[-/]\d{2,4}"  # 2023-01, 31/01/2023
DATES = ("Observation times are dates; calibrate needs the {time_name} of each observation counted "
         "from the start of the run (0 = the start). Convert them first, e.g. to {time_name}s since "
         "the first date.")
PER_YEAR = {"year": 1, "quarter": 4, "month": 12, "week": 52, "day": 365}


@dataclass
class CalibrationResult:
    """What `calibrate` found. Tables are pandas DataFrames; values in the model's units."""

    parameters: pd.DataFrame  # one row per fitted parameter: start, fitted, bounds, standard error
    residuals: pd.DataFrame  # one row per observation: time, output, observed, fitted, residual
    fit_error: pd.DataFrame  # one row per output: points, RMSE (output's unit), MAPE (percent)
    correlations: pd.DataFrame | None  # parameter correlations, None where not defined
    warnings: list[str] = field(default_factory=list)
    run: pd.DataFrame | None = None  # the model run with the fitted values
    message: str = ""  # the optimiser's own message

    @property
    def fitted(self) -> dict[str, float]:
        """Fitted values by parameter name, ready for `model.run(result.fitted)`."""
        return {name: float(value) for name, value in self.parameters["fitted"].items()}

    def summary(self) -> str:
        """A few lines in plain English: fitted values, fit error, warnings."""
        lines = ["Fitted parameters:"]
        for name, row in self.parameters.iterrows():
            se = "" if np.isnan(row["standard_error"]) else f" (standard error {row['standard_error']:.3g})"
            lines.append(f"  {name} = {row['fitted']:.4g} {row['unit']}{se}")
        lines.append("Fit error by series:")
        for output, row in self.fit_error.iterrows():
            lines.append(f"  {output}: RMSE {row['rmse']:,.4g} {row['unit']}, MAPE {row['mape_percent']:.1f}%"
                         f" over {int(row['points'])} points")
        lines.extend(f"Warning: {text}" for text in self.warnings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CalibrationResult: {len(self.parameters)} parameters, {len(self.residuals)} points>\n" \
               + self.summary()


# ---- checking the inputs ----------------------------------------------------------------------
def tidy_observations(model: Model, data: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Observations as a tidy table with columns time, output, value (and weight, default 1).

    Accepts a tidy table (columns `time` or the model's time name, `output`, `value`, optional
    `weight`), a wide table indexed by time with one column per output, or a path to a CSV of
    either. Raises ValueError saying what to fix.
    """
    if isinstance(data, (str, Path)):
        path = Path(data).expanduser()
        if not path.is_file():
            raise ValueError(f"No data file at '{path}'. Give a DataFrame or the path to a CSV.")
        # The course's CSV reader: thousands separators, suppressed values ('*', 'c') and
        # spreadsheet encodings handled, ragged rows reported by line; the file is not changed.
        header = [name for name in csv_columns(path) if name]
        text = [name for name in header if name == "output"]
        data = read_local_csv(path, [name for name in header if name != "output"], text_columns=text)
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise ValueError("data must be a non-empty table (pandas DataFrame) of observations.")
    frame = data.copy()
    time_name = model.index_name
    if time_name in frame.columns and "time" not in frame.columns:
        frame = frame.rename(columns={time_name: "time"})
    if not {"output", "value"} <= set(frame.columns):  # wide: one column per output
        frame = frame.rename_axis("time").reset_index() if "time" not in frame.columns else frame
        frame = frame.melt(id_vars="time", var_name="output", value_name="value")
    if "time" not in frame.columns:
        raise ValueError(f"data needs a 'time' (or '{time_name}') column: the {time_name} of each "
                         "observation, counted from the start of the run.")
    frame["output"] = frame["output"].astype(str)
    unknown = sorted(set(frame["output"]) - set(model.outputs))
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, model.outputs, n=2, cutoff=0.5)
            hints.append(f"'{name}'" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
        raise ValueError(f"These data columns are not outputs of the model '{model.name}': "
                         f"{', '.join(hints)}. Rename them to one of: {', '.join(model.outputs)}.")
    if pd.api.types.is_datetime64_any_dtype(frame["time"]) or isinstance(frame["time"].dtype,
                                                                             pd.PeriodDtype):
        raise ValueError(DATES.format(time_name=time_name))
    for column in ("time", "value"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame.loc[numbers.isna() & frame[column].notna(), column]
        if len(bad) and column == "time" and re.fullmatch(DATE, str(bad.iloc[0]).strip()):
            raise ValueError(DATES.format(time_name=time_name))
        if len(bad):
            raise ValueError(f"The '{column}' column has values that are not numbers, e.g. "
                             f"{bad.iloc[0]!r}. Remove suppressed or text values (such as '*').")
        frame[column] = numbers
    if "weight" not in frame.columns:
        frame["weight"] = 1.0
    weights = pd.to_numeric(frame["weight"], errors="coerce")
    if weights.isna().any() or (weights < 0).any():
        raise ValueError("The 'weight' column must hold numbers of 0 or more (1 = normal weight).")
    frame["weight"] = weights
    frame = frame.dropna(subset=["time", "value"])
    if (frame["time"] < 0).any():
        raise ValueError(f"Observation times must be 0 or later ({time_name}s from the start of the run).")
    _refuse_calendar_years(model, frame["time"])
    return frame[["time", "output", "value", "weight"]].reset_index(drop=True)


def _refuse_calendar_years(model: Model, times: pd.Series) -> None:
    """Times such as 2023, 2024, ... are calendar years, not time since the start of the run."""
    if times.empty:
        return
    first, last = float(times.min()), float(times.max())
    whole = bool((times == times.round()).all())
    if not (whole and YEARS[0] <= first and last <= YEARS[1] and first > model.default_length):
        return
    unit = model.index_name
    per_year = PER_YEAR.get(unit)
    convert = (f"(data['time'] - {first:g}) * {per_year}" if per_year
               else f"(data['time'] - {first:g}) times the {unit}s in a year")
    raise ValueError(
        f"Observation times run from {first:g} to {last:g}: these look like calendar years, but "
        f"times count {unit}s from the start of the run (0 = the start; a run of this model is "
        f"{model.default_length:g} {unit}s long by default). Convert them first, e.g. data['time'] "
        f"= {convert} for yearly data."
    )


def parameter_bounds(model: Model, params: Sequence[str] | Mapping[str, Any]) -> pd.DataFrame:
    """The parameters to fit with their bounds: given as (low, high), else the model's range."""
    if isinstance(params, str):
        params = [params]
    items = params.items() if isinstance(params, Mapping) else ((name, None) for name in params)
    table = model.parameters
    rows = []
    for key, bounds in items:
        name = model.parameter_name(key)
        low, high = (table.loc[name, "min"], table.loc[name, "max"]) if bounds is None else bounds
        if low is None or high is None or not np.isfinite([low, high]).all() or not low < high:
            raise ValueError(f"'{name}' needs bounds (low, high) with low < high; give them as "
                             f"params={{'{name}': (low, high)}}.")
        rows.append({"name": name, "lower": float(low), "upper": float(high),
                     "unit": table.loc[name, "unit"]})
    if not rows:
        raise ValueError("Name at least one parameter to fit.")
    if len({row["name"] for row in rows}) < len(rows):
        raise ValueError("Each parameter may be named only once.")
    return pd.DataFrame(rows).set_index("name")


# ---- fitting ----------------------------------------------------------------------------------
def calibrate(
    model: Model,
    data: pd.DataFrame | str | Path,
    params: Sequence[str] | Mapping[str, Any],
    fixed: Mapping[str, float] | None = None,
    start: Mapping[str, float] | None = None,
    months: float | None = None,
    relative: bool = True,
) -> CalibrationResult:
    """Fit `params` of `model` to `data` by least squares.

    `data`: observations (see `tidy_observations`). `params`: names (bounds from the model's
    ranges) or {name: (low, high)}. `fixed`: other parameters held at given values. `start`:
    starting values (default: the model's, clipped into the bounds). `months`: run length
    (default: the last observation). `relative`: scale each series by its mean size so series
    of different sizes count equally (otherwise the biggest numbers dominate).
    """
    observations = tidy_observations(model, data)
    bounds = parameter_bounds(model, params)
    n_points, n_params = len(observations), len(bounds)
    if n_points < n_params:
        raise ValueError(f"{n_points} data point(s) cannot fit {n_params} parameters: give at least "
                         "as many observations as parameters (ideally many more), or fit fewer.")
    fixed = model.resolve(fixed or {})  # checks names and ranges
    length = months if months is not None else max(float(observations["time"].max()), 1.0)
    if observations["time"].max() > length:
        raise ValueError(f"Some observations are after {model.index_name} {length:g}, the end of the run.")
    low, high = bounds["lower"].to_numpy(), bounds["upper"].to_numpy()
    start = _checked_start(model, start, bounds)
    defaults = np.array([start.get(name, fixed[name]) for name in bounds.index], dtype=float)
    x0 = (np.clip(defaults, low, high) - low) / (high - low)  # work in [0, 1] for each parameter

    sizes = observations.groupby("output")["value"].transform(lambda v: v.abs().mean() or 1.0)
    scale = sizes.to_numpy() if relative else np.ones(n_points)
    weight = np.sqrt(observations["weight"].to_numpy(dtype=float))
    observed = observations["value"].to_numpy(dtype=float)
    # Each output's observation rows and times, found once: the optimiser runs the model many times.
    observed_times = observations["time"].to_numpy(dtype=float)
    series = [(output, rows, observed_times[rows])
              for output, rows in observations.groupby("output").indices.items()]

    def values_for(x: np.ndarray) -> dict[str, float]:
        return {**fixed, **dict(zip(bounds.index, low + np.clip(x, 0, 1) * (high - low)))}

    def simulate(x: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        run = model.run(values_for(x), months=length)
        times = _from_start(run)
        fitted = np.empty(n_points)
        for output, rows, at_times in series:
            fitted[rows] = np.interp(at_times, times, run[output].to_numpy())
        return run, fitted

    def residuals(x: np.ndarray) -> np.ndarray:
        return (simulate(x)[1] - observed) / scale * weight

    solution = least_squares(residuals, x0, bounds=(0.0, 1.0), x_scale="jac")
    run, fitted = simulate(solution.x)
    fitted_values = low + solution.x * (high - low)
    standard_errors, correlations, warnings = _uncertainty(solution, bounds, n_points)

    table = bounds.copy()
    table.insert(0, "start", low + x0 * (high - low))
    table.insert(1, "fitted", fitted_values)
    table["standard_error"] = standard_errors
    at_bound = table.index[(solution.x < 1e-6) | (solution.x > 1 - 1e-6)].tolist()
    if at_bound:
        warnings.append(f"{', '.join(at_bound)} ended at a bound: the best value may lie outside "
                        "the range allowed, so widen it or question the model.")

    residual_table = observations.drop(columns="weight").rename(columns={"value": "observed"})
    residual_table["fitted"] = fitted
    residual_table["residual"] = residual_table["observed"] - residual_table["fitted"]
    return CalibrationResult(table, residual_table, fit_errors(model, residual_table),
                             correlations, warnings, run, solution.message)


def _checked_start(model: Model, start: Mapping[str, float] | None,
                   bounds: pd.DataFrame) -> dict[str, float]:
    """Starting values by parameter name, each a fitted parameter's and inside its bounds."""
    if start is None:
        return {}
    if not isinstance(start, Mapping):
        raise TypeError(f"start must be a dictionary such as {{'clinicians': 50}}; you gave {start!r}.")
    checked = {}
    for key, value in start.items():
        name = model.parameter_name(key)
        if name not in bounds.index:
            raise ValueError(f"start gives '{key}', which is not fitted; fitted parameters are "
                             f"{', '.join(bounds.index)}.")
        value = model.check_value(name, value)
        low, high = bounds.loc[name, "lower"], bounds.loc[name, "upper"]
        if not low <= value <= high:
            raise ValueError(f"The start for '{key}' ({value:g}) is outside its bounds, {low:g} to "
                             f"{high:g}: start inside them.")
        checked[name] = value
    return checked


def _from_start(run: pd.DataFrame) -> np.ndarray:
    """A run's times counted from its start, as observation times are (a model may start in 2010)."""
    times = run.index.to_numpy(dtype=float)
    return times - times[0]


def fit_errors(model: Model, residuals: pd.DataFrame) -> pd.DataFrame:
    """RMSE (output's unit) and MAPE (percent, observations that are not zero) per output."""
    units = model.variables["unit"]  # one copy of the table, not one per output
    rows = []
    for output, group in residuals.groupby("output", sort=False):
        nonzero = group[group["observed"] != 0]
        mape = (100 * (nonzero["residual"] / nonzero["observed"]).abs().mean()) if len(nonzero) else np.nan
        rows.append({"output": output, "points": len(group),
                     "rmse": float(np.sqrt((group["residual"] ** 2).mean())),
                     "mape_percent": float(mape), "unit": units[output]})
    return pd.DataFrame(rows).set_index("output")


def _uncertainty(solution: Any, bounds: pd.DataFrame, n_points: int
                 ) -> tuple[np.ndarray, pd.DataFrame | None, list[str]]:
    """Standard errors and correlations from the Jacobian at the fit, where they are defined."""
    names = list(bounds.index)
    n_params = len(names)
    jacobian = np.asarray(solution.jac, dtype=float)
    warnings: list[str] = []
    singular = np.linalg.svd(jacobian, compute_uv=False)
    if singular.size == 0 or singular[0] == 0:
        return np.full(n_params, np.nan), None, ["The data do not change with any fitted parameter: "
                                                 "check that the outputs respond to them."]
    weak = singular / singular[0] < SINGULAR_LIMIT
    dof = n_points - n_params
    if weak.any():
        warnings.append("The fit cannot pin down every parameter: some combination of them leaves "
                        "the fit unchanged (see the correlations).")
    covariance = np.linalg.pinv(jacobian.T @ jacobian)
    sigma2 = 2 * solution.cost / dof if dof > 0 else np.nan
    if dof <= 0:
        warnings.append("As many parameters as data points: the fit is exact by construction, so "
                        "standard errors are not defined.")
    spans = (bounds["upper"] - bounds["lower"]).to_numpy()
    variances = np.diag(covariance)
    standard_errors = np.sqrt(np.clip(variances * sigma2, 0, None)) * spans
    if weak.any():
        standard_errors[:] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = jacobian.T @ jacobian
        # Correlations from the information matrix itself show a lost direction even when
        # its inverse does not exist: two columns of the Jacobian pointing the same way.
        norms = np.sqrt(np.diag(raw))
        if weak.any():
            matrix = -raw / np.outer(norms, norms)
            np.fill_diagonal(matrix, 1.0)
        else:
            d = np.sqrt(variances)
            matrix = covariance / np.outer(d, d)
    correlations = pd.DataFrame(matrix, index=names, columns=names)
    for i in range(n_params):
        for j in range(i + 1, n_params):
            r = matrix[i, j]
            if np.isfinite(r) and abs(r) > CORRELATION_LIMIT:
                warnings.append(f"{names[i]} and {names[j]} are not identifiable separately "
                                f"(correlation {r:+.2f}): the data fit equally well if one rises "
                                "and the other compensates. Fix one from other evidence.")
    return standard_errors, correlations, warnings


def calibration_chart(model: Model, result: CalibrationResult,
                      title: str = "Calibration: fit and residuals") -> Any:
    """One chart: for each output, observed points and the fitted run, with residuals below."""
    from ..charts import alt, axis_title, output_titles

    outputs = list(result.fit_error.index)
    y_titles = output_titles(model, outputs)
    time_title = axis_title(model.time_unit, "from start")
    units = model.variables["unit"]
    panels = []
    for output in outputs:
        line = pd.DataFrame({"time": _from_start(result.run),
                             "value": result.run[output].to_numpy(), "series": "Model (fitted)"})
        points = result.residuals[result.residuals["output"] == output].copy()
        points["series"] = "Observed"
        colour = alt.Color("series:N", title="", scale=alt.Scale(domain=["Model (fitted)", "Observed"]))
        fit = alt.layer(
            alt.Chart(line).mark_line().encode(x=alt.X("time:Q", title=time_title),
                                               y=alt.Y("value:Q", title=y_titles[output]), color=colour),
            alt.Chart(points).mark_point(filled=True, size=60).encode(
                x="time:Q", y=alt.Y("observed:Q"), color=colour,
                tooltip=[alt.Tooltip("time:Q", title=time_title),
                         alt.Tooltip("observed:Q", format=",.0f"), alt.Tooltip("fitted:Q", format=",.0f")]),
        ).properties(width=520, height=180, title=y_titles[output].split(" (")[0])
        residual = alt.Chart(points).mark_bar(size=6).encode(
            x=alt.X("time:Q", title=time_title),
            y=alt.Y("residual:Q", title=axis_title("Observed - fitted", units[output])),
        ).properties(width=520, height=70)
        panels.append(alt.vconcat(fit, residual))
    subtitle = " · ".join(f"{o}: MAPE {row['mape_percent']:.0f}%" for o, row in result.fit_error.iterrows())
    return alt.vconcat(*panels).properties(title=alt.Title(title, subtitle=subtitle))
