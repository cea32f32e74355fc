"""Module 06's uncertain inputs: which inputs vary, over what range, and where each range comes from.

Three kinds of range, always said out loud:

- **calibration**: module 03's fit of the CAMHS model to the Children's Commissioner's figures
  gives each fitted input a standard error and their correlations; the fan chart draws the inputs
  the figures pin down (standard error smaller than the value) jointly, so inputs that trade off
  move together, within two standard errors;
- **not pinned down**: a fitted input whose standard error is as large as its value: the figures
  cannot tell its value, so it varies from half to one and a half times the fitted value;
- **cited**: a published figure with no range of its own, given an assumed margin of 20% either way;
- **assumption**: an input the model's file marks as an assumption, varied from half to one and a
  half times its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ...analysis.ensemble import sample_parameters
from ...models import load_model
from ..module03.calibration import national_calibration
from ..module03.runs import FIRST_YEAR

CAMHS = "camhs_system"
PREVENTION = "prevention_vs_late_intervention"
SEED = 6  # every sample in the module is drawn from this seed, so figures repeat run after run
CAMHS_WORLDS = 400  # runs behind the CAMHS fan chart: enough for steady 5th and 95th percentiles
PREVENTION_WORLDS = 300
CAMHS_MONTHS = 120  # April 2017 to April 2027: three years past the last figures (2023/24)
SE_SPREAD = 2.0  # calibrated inputs vary within this many standard errors of the fitted value
CITED_MARGIN = 0.2  # a cited single figure varies this share either way (an assumption)
ASSUMED_LOW, ASSUMED_HIGH = 0.5, 1.5  # an assumed input varies from half to 1.5 times its default
FIRST_YEAR_CAMHS = FIRST_YEAR

KINDS = {
    "calibration": "Calibration (module 03): fitted value within two standard errors, drawn with "
                   "the fit's correlations",
    "loose": "Calibration (module 03) could not pin it down (standard error as large as the value): "
             "half to one and a half times the fitted value",
    "cited": "Cited figure (see the model's sources), with an assumed margin of 20% either way",
    "assumption": "Assumption in the model file: half to one and a half times the default",
}
CAMHS_CITED = ["referral_acceptance_share", "discharge_rate", "hours_per_mild_course",
               "did_not_attend_percent"]
CAMHS_ASSUMED = ["deterioration_rate", "natural_recovery_rate", "burnout_sensitivity",
                 "severe_hours_multiplier", "identification_time", "re_referral_share",
                 "hiring_delay", "severe_share_at_referral"]
PREVENTION_ASSUMED = ["community_prevention_effect_size", "school_support_effect_size",
                      "family_early_help_effect_size", "community_prevention_time_to_effect",
                      "school_support_time_to_effect", "family_early_help_time_to_effect",
                      "late_intervention_cost_per_child", "need_growth_percent_per_year"]


@dataclass(frozen=True)
class Uncertain:
    """One uncertain input: its range, its central value and where the range comes from."""

    name: str
    label: str
    low: float
    high: float
    central: float
    kind: str  # calibration, loose (fitted but not pinned down), cited or assumption


def _clipped(model_name: str, name: str, low: float, high: float) -> tuple[float, float]:
    row = load_model(model_name).parameters.loc[name]
    return max(low, float(row["min"])), min(high, float(row["max"]))


@lru_cache(maxsize=1)
def camhs_inputs() -> tuple[Uncertain, ...]:
    """The CAMHS model's uncertain inputs, calibrated ones first (per 100,000 children)."""
    model = load_model(CAMHS)
    table = model.parameters
    fit = national_calibration().parameters
    found = []
    for name, row in fit.iterrows():
        fitted, error = float(row["fitted"]), float(row["standard_error"])
        if pinned_down(fitted, error):
            low, high = _clipped(CAMHS, name, fitted - SE_SPREAD * error, fitted + SE_SPREAD * error)
            kind = "calibration"
        else:
            low, high = _clipped(CAMHS, name, fitted * ASSUMED_LOW, fitted * ASSUMED_HIGH)
            kind = "loose"
        found.append(Uncertain(name, str(table.loc[name, "label"]), low, high, fitted, kind))
    for names, kind, (below, above) in ((CAMHS_CITED, "cited", (1 - CITED_MARGIN, 1 + CITED_MARGIN)),
                                        (CAMHS_ASSUMED, "assumption", (ASSUMED_LOW, ASSUMED_HIGH))):
        for name in names:
            default = float(table.loc[name, "default"])
            low, high = _clipped(CAMHS, name, default * below, default * above)
            found.append(Uncertain(name, str(table.loc[name, "label"]), low, high, default, kind))
    return tuple(found)


def pinned_down(fitted: float, standard_error: float) -> bool:
    """Whether the figures pin a fitted input down: a finite standard error smaller than the value."""
    return bool(np.isfinite(standard_error) and standard_error < abs(fitted))


def camhs_fitted() -> dict[str, float]:
    """The fitted inputs at their fitted values (per 100,000): the model's best single run."""
    return {u.name: u.central for u in camhs_inputs() if u.kind in ("calibration", "loose")}


def ranges_of(inputs: tuple[Uncertain, ...]) -> dict[str, tuple[float, float]]:
    """{name: (low, high)} for `sensitivity` and `sample_parameters`."""
    return {u.name: (u.low, u.high) for u in inputs}


def correlated_sample(means: pd.Series, errors: pd.Series, correlations: pd.DataFrame, runs: int,
                      seed: int, lows: pd.Series, highs: pd.Series) -> pd.DataFrame:
    """`runs` draws from a normal distribution with these means, standard errors and correlations,
    each value kept within (low, high) by redrawing the rows that fall outside (then clipping the
    few that still do), so the calibration's trade-offs between inputs are kept."""
    names = list(means.index)
    covariance = correlations.loc[names, names].to_numpy() * np.outer(errors[names], errors[names])
    generator = np.random.default_rng(seed)
    draws = generator.multivariate_normal(means[names].to_numpy(), covariance, size=runs)
    low, high = lows[names].to_numpy(), highs[names].to_numpy()
    for _ in range(20):
        outside = np.any((draws < low) | (draws > high), axis=1)
        if not outside.any():
            break
        draws[outside] = generator.multivariate_normal(means[names].to_numpy(), covariance,
                                                       size=int(outside.sum()))
    return pd.DataFrame(np.clip(draws, low, high), columns=names)


@lru_cache(maxsize=2)
def camhs_worlds(runs: int = CAMHS_WORLDS) -> pd.DataFrame:
    """The CAMHS fan chart's plausible worlds: the inputs the fit pins down drawn jointly (with
    its correlations), the others spread evenly over their ranges (a Latin hypercube)."""
    inputs = camhs_inputs()
    fit = national_calibration()
    calibrated = [u for u in inputs if u.kind == "calibration"]
    names = [u.name for u in calibrated]
    others = sample_parameters(load_model(CAMHS), runs,
                               ranges_of(tuple(u for u in inputs if u.kind != "calibration")), seed=SEED)
    if not names:
        return others
    joint = correlated_sample(
        fit.parameters.loc[names, "fitted"], fit.parameters.loc[names, "standard_error"],
        fit.correlations, runs, SEED,
        pd.Series({u.name: u.low for u in calibrated}), pd.Series({u.name: u.high for u in calibrated}))
    return pd.concat([joint, others], axis=1)


@lru_cache(maxsize=1)
def prevention_inputs() -> tuple[Uncertain, ...]:
    """The prevention model's uncertain inputs: all illustrative assumptions in its file."""
    table = load_model(PREVENTION).parameters
    found = []
    for name in PREVENTION_ASSUMED:
        default = float(table.loc[name, "default"])
        low, high = _clipped(PREVENTION, name, default * ASSUMED_LOW, default * ASSUMED_HIGH)
        found.append(Uncertain(name, str(table.loc[name, "label"]), low, high, default, "assumption"))
    return tuple(found)


@lru_cache(maxsize=2)
def prevention_worlds(runs: int = PREVENTION_WORLDS) -> pd.DataFrame:
    """The prevention model's plausible worlds (a Latin hypercube over `prevention_inputs`)."""
    return sample_parameters(load_model(PREVENTION), runs, ranges_of(prevention_inputs()), seed=SEED)
