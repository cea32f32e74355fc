"""A local series (a service's monthly counts, an area's yearly rates) checked and put to work.

`read_local_series` reads a practitioner's CSV with the course's reader (`read_local_csv`:
encodings, delimiters, decimal commas, suppressed values), then reads its dates (`2024-01`,
`Jan 2024`, `31/01/2024`, `2022/23`, `2023`), checks their order, repeats and gaps, and says
what to fix. `starting_point` sets a course model's starting level from the series; `fit_to_series`
calibrates (with `analysis.calibration.calibrate`) where there are enough points, or matches a
single point, and says which it did. `compare_with_national` puts a local figure beside the
national one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .local import LocalDataError, csv_columns, read_local_csv

TIME_NAMES = ("month", "date", "period", "year", "time", "quarter")
MONTHS = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
MIN_POINTS_TO_TEST = 3  # points per fitted parameter before a fit is also a test of the model


@dataclass(frozen=True)
class ModelLink:
    """How a local series meets a course model: the output it is compared with, the parameter
    that sets its start (value × `start_scale`), the parameters a fit may change, the time step."""

    output: str
    start_parameter: str
    start_scale: float
    fit_parameters: tuple[str, ...]
    step: str  # "month" or "year"
    what: str  # in words, for messages


LINKS = {
    "camhs_waiting_list": ModelLink("waiting_list", "initial_waiting_list", 1.0,
                                    ("closure_rate",), "month",
                                    "children waiting, month by month"),
    "child_poverty_and_health": ModelLink("poverty_share_percent[{place}]",
                                          "{place}_initial_poverty_share", 0.01,
                                          ("{place}_poverty_entry_rate",), "year",
                                          "the share of children in poverty (%), year by year"),
}


@dataclass
class LocalSeries:
    """A checked series: `values` indexed by time from its first period (months or years)."""

    values: pd.Series
    step: str  # "month" or "year"
    labels: list[str]  # the periods as written in the file
    first_year: float  # calendar year of the first period (a month as a fraction: 2024-01 -> 2024.0)
    name: str = ""
    source: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def calendar_times(self) -> np.ndarray:
        """Each point's calendar year (months as fractions of a year)."""
        per_year = 12 if self.step == "month" else 1
        return self.first_year + self.values.index.to_numpy(dtype=float) / per_year

    def table(self) -> pd.DataFrame:
        """Period as written and value, one row per point (missing values kept as blank)."""
        return pd.DataFrame({"period": self.labels, "value": self.values.to_numpy()})


# ---- dates ----------------------------------------------------------------------------------
def _month_number(text: str) -> tuple[int, int] | None:
    """(year, month) from '2024-01', '2024-01-31', '01/2024', '31/01/2024', 'Jan 2024', 'January-24'."""
    t = text.strip().lower()
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?", t):
        return int(m[1]), int(m[2])
    if m := re.fullmatch(r"(?:\d{1,2}[-/.])?(\d{1,2})[-/.](\d{4})", t):
        return int(m[2]), int(m[1])
    if m := re.fullmatch(r"([a-z]{3})[a-z]*[\s\-/.']*(\d{2}|\d{4})", t):
        if m[1] in MONTHS:
            year = int(m[2]) + (2000 if len(m[2]) == 2 else 0)
            return year, MONTHS[m[1]]
    return None


def _year_number(text: str) -> float | None:
    """A year from '2023', or '2022/23', '2022-23', '2022/2023' (a financial year: 2022.5, its middle)."""
    t = text.strip()
    if m := re.fullmatch(r"(\d{4})(?:\.0)?", t):
        return float(m[1])
    if m := re.fullmatch(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})", t):
        first, second = int(m[1]), int(m[2][-2:])
        if (first + 1) % 100 == second:
            return first + 0.5  # a financial year: placed at its middle
    return None


def read_periods(texts: list[str], column: str = "period") -> tuple[np.ndarray, str, float]:
    """Times from period texts: (times from the first, step 'month' or 'year', first year).

    Raises LocalDataError saying what to fix: mixed or unreadable formats, repeats, wrong order.
    """
    texts = [str(t).strip() for t in texts]
    if not texts:
        raise LocalDataError("The series has no rows.")
    blank = [i for i, t in enumerate(texts) if not t]
    if blank:
        raise LocalDataError(f"Column '{column}' is blank on data row {blank[0] + 1}: every row needs "
                             "its month or year.")
    months = [_month_number(t) for t in texts]
    years = [_year_number(t) for t in texts]
    if all(m is not None for m in months) and not all(y is not None for y in years):
        bad = [t for (y, mo), t in zip(months, texts) if not 1 <= mo <= 12]
        if bad:
            raise LocalDataError(f"Column '{column}' has {bad[0]!r}, which is not a month (1 to 12). "
                                 "Write months as 2024-01 or Jan 2024.")
        counts = np.array([y * 12 + mo - 1 for y, mo in months], dtype=float)
        step, first_year = "month", months[0][0] + (months[0][1] - 1) / 12
    elif all(y is not None for y in years):
        counts = np.array(years, dtype=float)
        step, first_year = "year", years[0]
    else:
        bad = next(t for t, m, y in zip(texts, months, years) if m is None and y is None)
        raise LocalDataError(
            f"Column '{column}' has {bad!r}, which is neither a month (2024-01, Jan 2024, "
            "31/01/2024) nor a year (2023, or a financial year such as 2022/23). Use one of "
            "those forms in every row.")
    steps = np.diff(counts)
    if (steps == 0).any():
        i = int(np.flatnonzero(steps == 0)[0]) + 1
        raise LocalDataError(f"Column '{column}' repeats {texts[i]!r} (data row {i + 1}): keep one "
                             "row per period.")
    if (steps < 0).any():
        i = int(np.flatnonzero(steps < 0)[0]) + 1
        raise LocalDataError(f"Column '{column}' is not in order: {texts[i]!r} (data row {i + 1}) "
                             f"comes after {texts[i - 1]!r}. Sort the rows from oldest to newest.")
    return counts - counts[0], step, float(first_year)


def gaps(times: np.ndarray, labels: list[str], step: str) -> list[str]:
    """Sentences naming the gaps between consecutive periods (empty if none)."""
    found = []
    for i in np.flatnonzero(np.diff(times) > 1):
        missing = int(times[i + 1] - times[i] - 1)
        found.append(f"{missing} {step}{'s' if missing > 1 else ''} missing between "
                     f"{labels[i]} and {labels[i + 1]}")
    return found


def series_from_table(times: list[str], values: list[float] | np.ndarray, name: str = "",
                      source: str = "", column: str = "period") -> LocalSeries:
    """A checked LocalSeries from period texts and values (NaN = suppressed or missing)."""
    offsets, step, first_year = read_periods(list(times), column)
    values = np.asarray(values, dtype=float)
    if len(values) != len(offsets):
        raise LocalDataError(f"{len(offsets)} periods but {len(values)} values: give one value per period.")
    warnings = []
    holes = gaps(offsets, [str(t) for t in times], step)
    if holes:
        warnings.append("Gaps: " + "; ".join(holes) + ". The model is compared only where there "
                        "are values; fill the gaps if you can.")
    missing = int(np.isnan(values).sum())
    if missing:
        warnings.append(f"{missing} value(s) are suppressed or blank; they are left out.")
    if np.isnan(values).all():
        raise LocalDataError("Every value is suppressed or blank: there is nothing to use.")
    if (values[~np.isnan(values)] < 0).any():
        raise LocalDataError("The series has negative values: counts and rates cannot be below zero.")
    series = pd.Series(values, index=pd.Index(offsets, name=step), name=name)
    return LocalSeries(series, step, [str(t) for t in times], first_year, name, source, warnings)


def read_local_series(path: str | Path, value_column: str | None = None,
                      time_column: str | None = None) -> LocalSeries:
    """Read one series from a CSV: a column of months or years and a column of numbers.

    Without names, the time column is the first called month, date, period, year, time or quarter
    (any case) and the value column is the first other column. Raises LocalDataError saying what
    to fix.
    """
    header = [name for name in csv_columns(path) if name]
    if not header:
        raise LocalDataError(f"'{Path(path).name}' has no header row: put the column names on the first line.")
    if time_column is None:
        found = [name for name in header if name.strip().lower() in TIME_NAMES]
        if not found:
            raise LocalDataError(f"'{Path(path).name}' has no column of months or years. Name it "
                                 f"'month' or 'year'; its columns are {header}.")
        time_column = found[0]
    others = [name for name in header if name != time_column]
    if value_column is None:
        if not others:
            raise LocalDataError(f"'{Path(path).name}' has only the column '{time_column}': add a "
                                 "column of values (e.g. waiting_list).")
        value_column = others[0]
    table = read_local_csv(path, [value_column], text_columns=[time_column])
    series = series_from_table(table[time_column].tolist(), table[value_column].to_numpy(dtype=float),
                               name=value_column, source=Path(path).name, column=time_column)
    if len(others) > 1:
        series.warnings.append(f"Only '{value_column}' is used; the file also has "
                               f"{', '.join(repr(o) for o in others if o != value_column)}.")
    return series


# ---- meeting a model -------------------------------------------------------------------------
def model_link(model_name: str, place: str = "inner_city") -> ModelLink:
    """The `ModelLink` of a course model, with `place` filled in for a model with places."""
    if model_name not in LINKS:
        raise LocalDataError(f"Local series can be set into {', '.join(LINKS)}; not into "
                             f"'{model_name}'. For that model, set its sliders to your figures.")
    link = LINKS[model_name]
    return ModelLink(link.output.format(place=place), link.start_parameter.format(place=place),
                     link.start_scale, tuple(p.format(place=place) for p in link.fit_parameters),
                     link.step, link.what)


def _model_time(model, series: LocalSeries) -> np.ndarray:
    """The series' times as time from the model's start, in the model's unit."""
    if model.index_name == "year":
        start = float(model._controls["initial_time"])
        return series.calendar_times - start
    return series.values.index.to_numpy(dtype=float) * (12 if series.step == "year" else 1)


def starting_point(model, series: LocalSeries, place: str = "inner_city") -> dict[str, float]:
    """The parameter override that starts the model at the series' first value."""
    link = model_link(model.name, place)
    if series.step != link.step:
        raise LocalDataError(f"The model '{model.name}' needs {link.what}; this series is "
                             f"{series.step} by {series.step}.")
    first = series.values.dropna()
    value = float(first.iloc[0]) * link.start_scale
    return {link.start_parameter: model.check_value(link.start_parameter, value)}


@dataclass
class Fit:
    """What `fit_to_series` did: 'calibrated', 'matched' or 'not fitted', with its values."""

    how: str
    parameters: dict[str, float]
    message: str
    result: object = None  # the CalibrationResult, when calibrated


def fit_to_series(model, series: LocalSeries, fixed: dict[str, float] | None = None,
                  place: str = "inner_city") -> Fit:
    """Fit the model's `ModelLink.fit_parameters` to the series where there are enough points.

    A monthly waiting list with at least as many points as parameters is calibrated with
    `calibrate`; with fewer than `MIN_POINTS_TO_TEST` points per parameter the message says the
    fit is not a test. A single yearly rate is matched exactly (one parameter, one point):
    the model then passes through it, which shows nothing about whether it is right.
    """
    link = model_link(model.name, place)
    fixed = dict(fixed or {})
    known = series.values.dropna()
    times = _model_time(model, LocalSeries(known, series.step, [], series.first_year))
    params = list(link.fit_parameters)
    if len(known) < len(params):
        return Fit("not fitted", {}, f"{len(known)} point(s) cannot fit {len(params)} parameter(s).")
    if "[" in link.output:  # calibrate reads whole outputs; a place's share is matched directly
        if len(known) != 1 or len(params) != 1:
            return Fit("not fitted", {}, "A place's rate is matched at one point; give its latest "
                                         "year only (the model's trend comes from its rates).")
        from scipy.optimize import brentq

        name, target, at = params[0], float(known.iloc[0]), float(times[0])
        low, high = model.parameters.loc[name, ["min", "max"]].astype(float)

        def gap(value: float) -> float:
            run = model.run({**fixed, name: value})
            return float(np.interp(at, run.index.to_numpy(dtype=float) - run.index[0], run[link.output])) - target

        if gap(low) * gap(high) > 0:
            return Fit("not fitted", {}, f"No value of {name} between {low:g} and {high:g} brings "
                                         f"the model to {target:g}; check the figure and its unit.")
        value = float(brentq(gap, low, high, xtol=1e-6))
        return Fit("matched", {name: value}, "Matched to one published figure: the model passes "
                   "through it, which does not test the model.")
    from ..analysis.calibration import calibrate

    data = pd.DataFrame({"time": times, "output": link.output, "value": known.to_numpy()})
    result = calibrate(model, data, params, fixed=fixed, months=max(float(times.max()), 1.0))
    enough = len(known) >= MIN_POINTS_TO_TEST * len(params)
    note = ("Calibrated." if enough else "Calibrated, but with so few points the fit is not a test "
            "of the model.")
    return Fit("calibrated", result.fitted, f"{note} {' '.join(result.warnings)}".strip(), result)


def compare_with_national(local: float, national: float, unit: str = "%") -> dict[str, float | str]:
    """A local figure beside the national one: the gap (local minus national) and the ratio."""
    if national == 0:
        raise ValueError("The national figure is 0, so the ratio is not defined.")
    gap, ratio = local - national, local / national
    way = "above" if gap > 0 else "below" if gap < 0 else "level with"
    points = " percentage points" if unit == "%" else f" {unit}"
    return {"gap": gap, "ratio": ratio,
            "sentence": f"{abs(gap):.1f}{points} {way} the national figure" if gap else "level with the national figure"}
