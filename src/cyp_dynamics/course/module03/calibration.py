"""Module 03's calibration: the Children's Commissioner's figures for England as observations,
the national model fitted to them, and the fit shown to people (chart, tables, trade-offs).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pandas as pd
from IPython.display import Markdown

from ...analysis.calibration import CalibrationResult, calibrate
from ...charts.tables import Column, PeopleTable, people_table
from ...charts.words import unit_in_words
from ...data import load_dataset
from ...models import Model, load_model
from .runs import CALIBRATED, ENGLAND, FINANCIAL_YEARS, FIRST_YEAR, MODEL
from .tables import figure_in_words


# ---- the Commissioner's figures and the fit to them ----------------------------------------------
#: The two ways the Commissioner's figures were counted, with the years counted each way. 2021/22
#: is in neither: the Commissioner reports a change of method that year without saying what it was.
BASES = {
    "started_in_year": ("referrals that started in the year", ["2017/18", "2018/19", "2019/20", "2020/21"]),
    "active_in_year": ("referrals active at any point in the year", ["2022/23", "2023/24"]),
}
#: The basis of the fit the notebook shows first (today's counting, the only one with year-end waiting
#: lists); the deep dive sets the other beside it.
MAIN_BASIS = "active_in_year"
#: Sources too weak to fit to (one blog's percentage, applied to a press figure).
WEAK_SOURCES = {"ncps_2025"}
_SERIES = [  # measure, model output, flow or stock
    ("children_referred", "referrals_made", "flow"),
    ("children_received_treatment", "treatment_starts", "flow"),
    ("children_accessed_support", "treatment_starts", "flow"),
    ("referrals_closed_before_treatment", "closed_or_not_accepted", "flow"),
    ("children_still_waiting_at_year_end", "waiting_list", "stock"),
]


def commissioner_targets(basis: str = MAIN_BASIS) -> pd.DataFrame:
    """Children's Commissioner figures for England, counted one way (`basis`), as observations.

    Month 0 is 1 April 2017. Annual counts become monthly rates at mid-year (month 6, 18, ...);
    children still waiting are at year end (month 12, 24, ...). Only the years of one basis are
    used (see `BASES`), so every figure in a fit is counted the same way; figures resting on one
    blog (`WEAK_SOURCES`) are left out, as is the 2017/18 'still waiting' count (referrals of that
    year only, not the whole list).
    """
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}.")
    years = BASES[basis][1]
    table = load_dataset("childrens_commissioner_cyp_mental_health")
    rows = []
    for measure, output, kind in _SERIES:
        for year in years:
            found = table[(table["measure"] == measure) & (table["period"] == year)]
            if found.empty or (measure == "children_still_waiting_at_year_end" and year == "2017/18"):
                continue
            if set(s.strip() for s in found["source"].iloc[0].split(";")) <= WEAK_SOURCES:
                continue
            k = FINANCIAL_YEARS.index(year)
            value = float(found["value"].iloc[0])
            time, value = (6 + 12 * k, value / 12) if kind == "flow" else (12 + 12 * k, value)
            rows.append({"time": time, "output": output, "value": value, "measure": measure,
                         "period": year, "status": found["status"].iloc[0],
                         "definition": found["definition"].iloc[0]})
    return pd.DataFrame(rows)


@lru_cache(maxsize=2)
def national_calibration(basis: str = MAIN_BASIS) -> CalibrationResult:
    """The national model (England) fitted to `commissioner_targets(basis)`; cached."""
    return calibrate(load_model(MODEL), commissioner_targets(basis), CALIBRATED, fixed=ENGLAND, months=84)


def basis_comparison(model: Model | None = None) -> PeopleTable:
    """The fitted inputs on each counting basis, side by side: what changes with the definition."""
    model = model or load_model(MODEL)
    fits = {basis: national_calibration(basis) for basis in BASES}
    names = list(CALIBRATED)
    table = pd.DataFrame({"label": [str(model.parameters.loc[n, "label"]) for n in names],
                          "unit": [unit_in_words(str(model.parameters.loc[n, "unit"])) for n in names]})
    for basis, fit in fits.items():
        table[basis] = [figure_in_words(float(fit.fitted[n])) for n in names]
    columns = {"label": Column("Input", "text")}
    for basis, (words, years) in BASES.items():
        columns[basis] = Column(f"Fitted to {words} ({years[0]} to {years[-1]})", "text")
    columns["unit"] = Column("Unit", "text")
    return people_table(table, columns)


# ---- the fit for people --------------------------------------------------------------------------
def _basis_of(result: CalibrationResult) -> str:
    """The basis a cached national fit was made on (the main basis for any other result)."""
    for basis in BASES:
        if national_calibration.cache_info().currsize and result is national_calibration(basis):
            return basis
    return MAIN_BASIS


def _is_flow(model: Model, output: str) -> bool:
    return "/" in str(model.variables.loc[output, "unit"])


def _series_title(model: Model, output: str) -> str:
    label = str(model.variables.loc[output, "label"])
    return f"{label} (children a year)" if _is_flow(model, output) else f"{label} (children)"


def fit_chart(result: CalibrationResult, model: Model | None = None) -> Any:
    """The fitted national model (lines) against the Commissioner's figures (points), one panel
    per series, on a calendar-year axis; flows shown as children a year."""
    from ...charts import alt

    model = model or load_model(MODEL)
    targets = commissioner_targets(_basis_of(result))
    run_years = FIRST_YEAR + result.run.index.to_numpy(dtype=float) / 12
    panels, sentences = [], []
    domain = ["England model (fitted)", "Children's Commissioner's figure"]
    colour = alt.Color("series:N", title="", scale=alt.Scale(domain=domain))
    for output, error in result.fit_error.iterrows():
        scale = 12 if _is_flow(model, output) else 1
        line = pd.DataFrame({"year": run_years, "value": result.run[output].to_numpy() * scale,
                             "series": domain[0]})
        observed = result.residuals[result.residuals["output"] == output]
        periods = targets[targets["output"] == output].set_index("time")["period"]
        points = pd.DataFrame({"year": FIRST_YEAR + observed["time"].to_numpy(dtype=float) / 12,
                               "value": observed["observed"].to_numpy() * scale,
                               "model": observed["fitted"].to_numpy() * scale,
                               "period": [periods.get(t, "") for t in observed["time"]],
                               "series": domain[1]})
        title = _series_title(model, output)
        x = alt.X("year:Q", title="Year", scale=alt.Scale(domain=[2017, 2024.5]),
                  axis=alt.Axis(format="d", tickMinStep=1))
        y = alt.Y("value:Q", title="Children a year" if scale == 12 else "Children",
                  axis=alt.Axis(format=",~s"), scale=alt.Scale(zero=True))
        panels.append(alt.layer(
            alt.Chart(line).mark_line().encode(x=x, y=y, color=colour),
            alt.Chart(points).mark_point(filled=True, size=90, shape="diamond").encode(
                x=x, y=y, color=colour,
                tooltip=[alt.Tooltip("period:N", title="Year"),
                         alt.Tooltip("value:Q", title="Commissioner's figure", format=",.0f"),
                         alt.Tooltip("model:Q", title="Model", format=",.0f")]),
        ).properties(width=480, height=130, title=alt.Title(title, limit=520)))
        sentences.append(f"{title}: {int(error['points'])} figures, on average "
                         f"{error['mape_percent']:.1f}% from the model.")
    description = (f"{len(panels)} panels comparing the national model fitted to the Children's "
                   "Commissioner's figures for England (lines) with the figures themselves "
                   "(points), counted as " + BASES[_basis_of(result)][0] + ". " + " ".join(sentences))
    return alt.vconcat(*panels).properties(
        title=alt.Title("England: the fitted model and the Commissioner's figures",
                        subtitle="Lines: the model; diamonds: published figures. Hover for values."),
        description=description)


def fit_table(result: CalibrationResult, model: Model | None = None) -> PeopleTable:
    """How close the fitted model comes to each series: years compared and the average gap."""
    model = model or load_model(MODEL)
    targets = commissioner_targets(_basis_of(result))
    rows = pd.DataFrame({
        "series": [_series_title(model, o).split(" (")[0] for o in result.fit_error.index],
        "years": [", ".join(targets.loc[targets["output"] == o, "period"]) for o in result.fit_error.index],
        "gap": result.fit_error["mape_percent"].to_numpy()})
    return people_table(rows, {"series": Column("Series", "text"), "years": Column("Years compared", "text"),
                               "gap": Column("Average gap between model and figures", 1, suffix="%")})


# ---- deep dive: what the fit used and how well it pins the inputs down ---------------------------
def targets_table(model: Model | None = None, basis: str = MAIN_BASIS) -> PeopleTable:
    """The observations a fit uses, in words (deep dive)."""
    model = model or load_model(MODEL)
    targets = commissioner_targets(basis)
    targets["compared_with"] = [str(model.variables.loc[o, "label"]) for o in targets["output"]]
    targets["figure"] = [f"{v:,.0f} {unit_in_words(str(model.variables.loc[o, 'unit']))}"
                         for v, o in zip(targets["value"], targets["output"])]
    return people_table(targets, {
        "period": Column("Year", "text"), "definition": Column("What the Commissioner counted", "text"),
        "compared_with": Column("Model output", "text"), "time": Column("Month (0 = April 2017)", 0),
        "figure": Column("Figure used", "text"), "status": Column("Status", "text")})


def fitted_table(result: CalibrationResult, model: Model | None = None) -> PeopleTable:
    """Fitted inputs with default, standard error and the range searched (deep dive)."""
    model = model or load_model(MODEL)
    table = result.parameters.copy()
    table["label"] = [str(model.parameters.loc[n, "label"]) for n in table.index]
    for column in ("start", "fitted", "standard_error", "lower", "upper"):
        table[column] = [figure_in_words(float(v)) for v in table[column]]
    table["unit"] = [unit_in_words(str(u)) for u in table["unit"]]
    return people_table(table, {
        "label": Column("Input", "text"), "start": Column("Default (per 100,000)", "text"),
        "fitted": Column("Fitted", "text"), "standard_error": Column("Standard error", "text"),
        "lower": Column("Lowest tried", "text"), "upper": Column("Highest tried", "text"),
        "unit": Column("Unit", "text")})


def fit_error_table(result: CalibrationResult, model: Model | None = None) -> PeopleTable:
    """Fit error per series: points, RMSE in the series' unit, MAPE (deep dive)."""
    model = model or load_model(MODEL)
    table = result.fit_error.copy()
    table["series"] = [str(model.variables.loc[o, "label"]) for o in table.index]
    table["rmse_words"] = [f"{v:,.0f} {unit_in_words(str(u))}" for v, u in zip(table["rmse"], table["unit"])]
    return people_table(table, {
        "series": Column("Series", "text"), "points": Column("Figures", 0),
        "rmse_words": Column("Root mean square error", "text"),
        "mape_percent": Column("Mean absolute percentage error", 1, suffix="%")})


def trade_offs(result: CalibrationResult, model: Model | None = None, limit: float = 0.5) -> list[str]:
    """Pairs of fitted inputs whose estimates move together (|correlation| above `limit`), in words."""
    model = model or load_model(MODEL)
    if result.correlations is None:
        return []
    labels = {n: str(model.parameters.loc[n, "label"]).lower() for n in result.correlations.index}
    names = list(result.correlations.index)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            value = float(result.correlations.loc[first, second])
            if abs(value) > limit:
                pairs.append((abs(value), f"{labels[first]} and {labels[second]} "
                                          f"(correlation {value:+.2f})"))
    return [text for _, text in sorted(pairs, reverse=True)]


def trade_offs_note(result: CalibrationResult) -> Markdown:
    """The fitted inputs whose estimates trade off against each other, as a list (deep dive)."""
    found = trade_offs(result)
    if not found:
        return Markdown("No two fitted inputs trade off strongly against each other.")
    return Markdown("\n".join(f"* {text[0].upper()}{text[1:]}" for text in found))


def identifiability_demo() -> Markdown:
    """Fit two inputs that act only as a ratio, and say in words what the fit reports."""
    model = load_model(MODEL)
    pair = calibrate(model, commissioner_targets(), ["hours_per_mild_course", "clinical_hours_per_clinician"],
                     fixed={**ENGLAND, **national_calibration().fitted}, months=84)
    found = trade_offs(pair, model, limit=0.95)
    if not found:
        return Markdown("This time the fit could tell the two inputs apart.")
    return Markdown("Fitting both at once, the fit reports that it cannot tell apart "
                    + "; ".join(found) + ": the figures fit equally well if one rises and the other "
                    "keeps pace. Fix one from other evidence before fitting the other.")
