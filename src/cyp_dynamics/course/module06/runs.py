"""Module 06's runs: the ensembles behind the fan charts, the sensitivity analysis, the policies
across the same worlds (with the cost ledger), and the tipping point across worlds. Cached, and
seeded, so the notebook shows the same figures every time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ...analysis.ensemble import ensemble, sample_parameters
from ...analysis.ledger import discount_factors
from ...analysis.robustness import best_under_defaults, policy_outcomes, policy_robustness
from ...analysis.scenarios import load_scenarios
from ...analysis.sensitivity import sensitivity
from ...models import load_model
from ..module03.runs import BISTABLE, BISTABLE_MONTHS
from ..module04.policies import HORIZON_YEARS, LEDGER_LINES, MILLION, with_pound_signs
from .inputs import (CAMHS, CAMHS_MONTHS, PREVENTION, SEED, camhs_fitted, camhs_inputs,
                     camhs_worlds, prevention_worlds, ranges_of)

MORRIS_PATHS = 20  # Morris: 20 paths x (inputs + 1) runs
SOBOL_SAMPLES = 1024  # Sobol: 1,024 x (inputs + 2) runs; a power of two, as the method wants
SOBOL_KEEP = 6  # inputs that go on from screening to Sobol
METRIC = "waiting_list"  # the question: children waiting (per 100,000) in April 2027
POLICY_METRIC = "children_in_late_intervention"
STRESS_TEST = "budget_cut"  # in the scenario file, but a stress test, not a policy
TIPPING_WORLDS = 300
TIPPING_INPUTS = ["deterioration_rate", "natural_recovery_rate", "burnout_sensitivity",
                  "severe_hours_multiplier", "crisis_rate"]
GOOD_STATE_SEVERE_SHARE = 0.35  # a world ends in the good state if under this share is severe
POSTS_STEP = 10
TARGET_SHARE = 0.9  # exercise 7: posts so that 9 worlds in 10 end in the good state


# ---- CAMHS: the fan chart ---------------------------------------------------------------------
@lru_cache(maxsize=1)
def camhs_ensemble() -> pd.DataFrame:
    """The waiting list (per 100,000) in every plausible world, April 2017 to April 2027."""
    return ensemble(load_model(CAMHS), camhs_worlds(), outputs=[METRIC, "average_wait"],
                    months=CAMHS_MONTHS, progress=False)


@lru_cache(maxsize=1)
def camhs_fitted_run() -> pd.DataFrame:
    """The fitted model's run (calibrated values, other inputs at their defaults)."""
    return load_model(CAMHS).run(camhs_fitted(), months=CAMHS_MONTHS)


def camhs_at_end() -> pd.Series:
    """The waiting list (per 100,000) in April 2027 in each world."""
    return camhs_ensemble()[METRIC].unstack(level=0).iloc[-1]


# ---- CAMHS: which unknowns matter ---------------------------------------------------------------
@lru_cache(maxsize=1)
def morris_table() -> pd.DataFrame:
    """Morris screening of every uncertain input for the waiting list in April 2027."""
    model = load_model(CAMHS)
    return sensitivity(model, METRIC, ranges_of(camhs_inputs()), method="morris",
                       runs=MORRIS_PATHS, months=CAMHS_MONTHS, seed=SEED)


def screened_inputs() -> list[str]:
    """The inputs that go on to Sobol: the `SOBOL_KEEP` largest by Morris."""
    return list(morris_table().index[:SOBOL_KEEP])


@lru_cache(maxsize=1)
def sobol_table() -> pd.DataFrame:
    """Sobol indices of the screened inputs (others held at their central values)."""
    inputs = {u.name: u for u in camhs_inputs()}
    kept = screened_inputs()
    held = {name: u.central for name, u in inputs.items() if name not in kept}
    return sensitivity(load_model(CAMHS), METRIC, {n: (inputs[n].low, inputs[n].high) for n in kept},
                       method="sobol", runs=SOBOL_SAMPLES, params=held, months=CAMHS_MONTHS,
                       seed=SEED)


def most_influential() -> str:
    """The input with the largest Sobol total index."""
    return str(sobol_table().index[0])


def top_three_share_percent() -> float:
    """The share of the spread (percent) the top three inputs explain on their own (first-order)."""
    return float(sobol_table()["first_order"].iloc[:3].clip(lower=0).sum() * 100)


# ---- policies across the same worlds --------------------------------------------------------------
@lru_cache(maxsize=1)
def policies():
    """The prevention model's scenario file, and the policy names (without the stress test)."""
    model = load_model(PREVENTION)
    scenarios = load_scenarios(PREVENTION, model)
    return scenarios, [n for n in scenarios.names if n != STRESS_TEST]


def policy_title(name: str) -> str:
    """A policy's title in words ('£15m transition fund over 3 years')."""
    return with_pound_signs(policies()[0][name].title)


def _net_present_cost_m(result: pd.DataFrame) -> pd.Series:
    """Net present cost (£ million, Green Book discounting) of each run of an ensemble, from the
    ledger's running totals: the same sum as `net_present_cost(cost_ledger(run, LEDGER_LINES))`."""
    totals = result[list(LEDGER_LINES.values())].sum(axis=1).unstack(level=1)
    yearly = totals.loc[:, np.isclose(totals.columns % 1, 0)].to_numpy(dtype=float)
    spend = np.diff(yearly, axis=1)
    return pd.Series(spend @ discount_factors(spend.shape[1]) / MILLION, index=totals.index)


@lru_cache(maxsize=1)
def policy_results() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(children in late intervention after 30 years, net present cost in £m): one row per world,
    one column per policy."""
    scenarios, names = policies()
    model = load_model(PREVENTION)
    worlds = prevention_worlds()
    children = policy_outcomes(model, scenarios, worlds, POLICY_METRIC, names, months=HORIZON_YEARS)
    costs = policy_outcomes(model, scenarios, worlds, _net_present_cost_m, names, months=HORIZON_YEARS)
    return children, costs


@lru_cache(maxsize=1)
def robustness_table() -> pd.DataFrame:
    """`policy_robustness` for children in late intervention after 30 years (fewer is better)."""
    return policy_robustness(policy_results()[0], baseline="base")


def chance_beats_today(name: str) -> float:
    """The share of worlds (0 to 1) in which policy `name` leaves fewer children in late
    intervention after 30 years than today's path."""
    return float(robustness_table().loc[name, "chance_beats_baseline"])


def robust_policy() -> str:
    """The policy whose largest regret across the worlds is smallest."""
    table = robustness_table()
    return str(table.index[table["robust"]][0])


@lru_cache(maxsize=1)
def default_outcomes() -> dict[str, float]:
    """Children in late intervention after 30 years under the model's defaults, per policy."""
    scenarios, names = policies()
    model = load_model(PREVENTION)
    return {n: float(model.run(scenarios.parameters(n), HORIZON_YEARS)[POLICY_METRIC].iloc[-1])
            for n in names}


def best_policy_under_defaults() -> str:
    """The policy with the fewest children in late intervention under the defaults alone."""
    return best_under_defaults(default_outcomes())


@lru_cache(maxsize=1)
def prevention_base_ensemble() -> pd.DataFrame:
    """Today's path in every world: children in late intervention, 30 years."""
    return ensemble(load_model(PREVENTION), prevention_worlds(), outputs=[POLICY_METRIC],
                    months=HORIZON_YEARS, progress=False)


# ---- tipping points across worlds -------------------------------------------------------------------
@lru_cache(maxsize=1)
def tipping_worlds() -> pd.DataFrame:
    """Worlds for the tipping point: the assumed behavioural inputs, half to 1.5 times default."""
    model = load_model(CAMHS)
    defaults = model.parameters["default"]
    ranges = {n: (defaults[n] * 0.5, defaults[n] * 1.5) for n in TIPPING_INPUTS}
    return sample_parameters(model, TIPPING_WORLDS, ranges, seed=SEED)


def in_post(posts: float) -> float:
    """Clinicians in post at the start for `posts` funded posts (per 100,000), as module 03's
    bi-stable service: the level where joiners replace leavers with default turnover."""
    ratio = BISTABLE["initial_clinicians_per_100k"] / BISTABLE["funded_posts_per_100k"]
    return posts * ratio


@lru_cache(maxsize=64)
def good_state_share(posts: float) -> float:
    """The share of worlds (0 to 1) in which a service with `posts` funded posts per 100,000,
    already in post and starting from today's mix of cases, ends in the good state after 20 years
    (a short list, mostly children with mild need)."""
    model = load_model(CAMHS)
    worlds = tipping_worlds().assign(funded_posts_per_100k=float(posts),
                                     initial_clinicians_per_100k=in_post(posts))
    result = ensemble(model, worlds, outputs=["severe_share_of_waiting_list"],
                      months=BISTABLE_MONTHS, progress=False)
    end = result["severe_share_of_waiting_list"].groupby(level=0).last()
    return float((end < GOOD_STATE_SEVERE_SHARE).mean())


def todays_posts() -> int:
    """Funded posts per 100,000 today (the model's default)."""
    return int(load_model(CAMHS).parameters.loc["funded_posts_per_100k", "default"])


def posts_for_target(target: float = TARGET_SHARE) -> int:
    """The fewest whole funded posts per 100,000 at which `target` of worlds end in the good state."""
    low, high = todays_posts(), int(load_model(CAMHS).parameters.loc["funded_posts_per_100k", "max"])
    if good_state_share(high) < target:
        raise RuntimeError("Even the most posts the model allows do not reach the target share.")
    while low < high:  # the share rises with posts, so halve the range
        middle = (low + high) // 2
        low, high = (low, middle) if good_state_share(middle) >= target else (middle + 1, high)
    return low


def tipping_table(step: int = POSTS_STEP, count: int = 6) -> pd.DataFrame:
    """The share of worlds ending in the good state for today's posts and `count` - 1 steps above."""
    posts = [todays_posts() + step * k for k in range(count)]
    return pd.DataFrame({"posts": posts, "share": [good_state_share(p) for p in posts]})
