"""Every course model stays physical over its whole declared ranges.

10,000 parameter sets per model (a Latin hypercube over every declared range, plus random corners
where every parameter sits at its minimum or maximum) run through `ensemble`. Each run must have no
NaN or infinity, no negative stock, no negative flow unless the model declares the flow two-way
(a net rate such as "change in capacity"), shares in [0, 1], percentages in [0, 100], and the
books that the model keeps (running totals, budgets, children counted once) must balance.

A model added to the course (`list_models()`) must declare its invariants in INVARIANTS below,
even if only its two-way flows: the test fails, saying so, until it does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import ensemble, load_model, sample_parameters
from cyp_dynamics.models import list_models
from cyp_dynamics.models.model import output_of

DRAWS = 10_000
CORNERS = 500  # of the draws, runs with every parameter at its minimum or its maximum
# A model the numpy engine cannot compile runs through pysd, one run at a time (about 50 ms a
# run): fewer draws keep CI within its minute; the engine note says what the engine lacks.
PYSD_DRAWS, PYSD_CORNERS = 100, 10
BATCH = 2_500  # runs held in memory at once (the poverty model has 290 columns)
RELATIVE = 1e-9  # rounding allowed, relative to the size of the quantity

# An identity gets the runs (index (run, time)) and each row's parameter values (same index),
# and returns (left, right) arrays that must be equal, or (left, right, "<=") for left <= right.
Identity = Callable[[pd.DataFrame, pd.DataFrame], tuple]


def total(runs: pd.DataFrame, *outputs: str) -> np.ndarray:
    """The sum over every column (every subscript element) of the outputs named."""
    columns = [c for c in runs.columns if output_of(c) in outputs]
    assert columns, f"no columns for {outputs}"
    return runs[columns].to_numpy().sum(axis=1)


def at_start(values: np.ndarray, runs: pd.DataFrame) -> np.ndarray:
    """Each run's value at its first saved time, on every row of that run."""
    return pd.Series(values, index=runs.index).groupby(level="run").transform("first").to_numpy()


@dataclass(frozen=True)
class Invariants:
    two_way_flows: tuple[str, ...] = ()  # flows that may be negative by design (net rates)
    non_negative: tuple[str, ...] = ()  # auxiliaries that cannot be negative (capacities, spend)
    shares: tuple[str, ...] = ()  # in [0, 1]
    percents: tuple[str, ...] = ()  # in [0, 100]
    identities: dict[str, Identity] = field(default_factory=dict)


def _camhs_waiting_list_books(r: pd.DataFrame, p: pd.DataFrame) -> tuple:
    return (r.waiting_list.to_numpy(),
            at_start(r.waiting_list.to_numpy(), r)
            + (r.referrals_accepted_to_date - r.treatment_starts_to_date - r.closures_to_date).to_numpy())


CAMHS_SYSTEM_STOCKS = ("children_with_unmet_need", "mild_waiting_list", "severe_waiting_list",
                       "in_treatment", "recently_discharged")
CHILDREN = ("children_well", "children_at_risk", "children_needing_early_help",
            "children_in_late_intervention")
POVERTY_STATES = ("children_not_in_poverty", "children_in_new_poverty", "children_in_persistent_poverty")
PREVENTION_LINES = ("late_intervention_spend", "community_prevention_spend", "school_support_spend",
                    "family_early_help_spend")

INVARIANTS: dict[str, Invariants] = {
    "archetype_fixes_that_fail": Invariants(
        non_negative=("assessment_capacity", "treatment_capacity"),
        shares=("triage_share",),
    ),
    "archetype_shifting_the_burden": Invariants(
        two_way_flows=("change_in_early_help_capacity",),
        non_negative=("crisis_spending", "early_help_budget", "funded_early_help_capacity"),
        identities={"early help gets what crises leave of the budget": lambda r, p: (
            (r.early_help_budget + np.minimum(r.crisis_spending, p.budget)).to_numpy(),
            np.maximum(p.budget.to_numpy(), 0))},
    ),
    "archetype_limits_to_growth": Invariants(
        non_negative=("caseload_capacity",), shares=("room_on_caseloads",)),
    "archetype_success_to_the_successful": Invariants(shares=("share_of_new_posts_to_a",)),
    "archetype_eroding_goals": Invariants(
        two_way_flows=("change_in_capacity",), non_negative=("expected_wait", "capacity_needed")),
    "camhs_waiting_list": Invariants(
        non_negative=("clinicians_available", "treatment_capacity", "average_wait"),
        identities={"list = start + accepted - starts - closures (running totals)":
                    _camhs_waiting_list_books},
    ),
    "camhs_system": Invariants(
        non_negative=("clinical_hours_available", "average_hours_per_case", "average_wait",
                      "funded_posts", "waiting_list", "closed_or_not_accepted"),
        shares=("severe_share_of_waiting_list",),
        identities={
            "children in the system change by new need less those who left (running totals)":
                lambda r, p: (total(r, *CAMHS_SYSTEM_STOCKS),
                              at_start(total(r, *CAMHS_SYSTEM_STOCKS), r)
                              + (r.new_need_to_date - r.left_the_system_to_date).to_numpy()),
            "waiting list = mild + severe": lambda r, p: (
                r.waiting_list.to_numpy(), (r.mild_waiting_list + r.severe_waiting_list).to_numpy()),
            "treatment starts = mild + severe starts": lambda r, p: (
                r.treatment_starts.to_numpy(),
                (r.mild_treatment_starts + r.severe_treatment_starts).to_numpy()),
        },
    ),
    "prevention_vs_late_intervention": Invariants(
        two_way_flows=("community_prevention_effect_change", "school_support_effect_change",
                       "family_early_help_effect_change"),
        non_negative=("leaving_at_risk", "leaving_early_help_need", "protected_prevention",
                      "cost_of_late_need", "prevention_from_budget", "prevention_spend"),
        shares=("community_prevention_coverage", "school_support_coverage",
                "family_early_help_coverage", "community_prevention_effect", "school_support_effect",
                "family_early_help_effect"),
        percents=("prevention_share_of_budget",),
        identities={
            "every child counted once": lambda r, p: (
                total(r, *CHILDREN), p.children_and_young_people.to_numpy()),
            "children in all states = the area's children": lambda r, p: (
                r.children_in_all_states.to_numpy(), p.children_and_young_people.to_numpy()),
            "every pound spent is in one line, from the budget or the fund": lambda r, p: (
                total(r, *PREVENTION_LINES), (r.budget + r.transition_spend).to_numpy()),
            "late need = paid + over budget": lambda r, p: (
                (r.late_intervention_spend + r.late_need_over_budget).to_numpy(),
                r.cost_of_late_need.to_numpy()),
            "late intervention paid within what the ring-fence leaves": lambda r, p: (
                r.late_intervention_spend.to_numpy(),
                (r.budget - r.protected_prevention).to_numpy(), "<="),
            "the transition fund is never overspent": lambda r, p: (
                r.transition_spend_to_date.to_numpy(), p.transition_fund.to_numpy(), "<="),
            "the budget's running total is the budget's sum": lambda r, p: (
                (r.late_intervention_spend_to_date + r.community_prevention_spend_to_date
                 + r.school_support_spend_to_date + r.family_early_help_spend_to_date).to_numpy(),
                (r.budget_to_date + r.transition_spend_to_date).to_numpy()),
        },
    ),
    "child_poverty_and_health": Invariants(
        two_way_flows=("change_in_early_years_support_reaching_school_age", "change_in_year_6_obesity",
                       "change_in_mental_health_difficulties"),
        shares=("early_years_support_reaching_school_age", "year_6_obesity",
                "mental_health_difficulties_11_to_15", "share_of_births_into_poverty",
                "initial_poverty_share", "cost_of_living_shock_on", "poverty_share_of_band",
                "persistent_poverty_share_of_band", "poverty_share", "year_6_obesity_target",
                "mental_health_difficulty_target", "income_measures_on"),
        percents=("poverty_share_percent", "year_6_obesity_percent"),
        non_negative=("children_at_start", "years_of_childhood", "years_in_age_band",
                      "entry_rate_before_policy", "exit_rate_before_policy", "children_per_place",
                      "entry_rate_now", "exit_rate_now", "children", "children_in_poverty",
                      "camhs_referrals_from_11_to_15s"),
        identities={
            "children change by births less those reaching adulthood (running totals)":
                lambda r, p: (total(r, *POVERTY_STATES),
                              at_start(total(r, *POVERTY_STATES), r) + total(r, "births_to_date")
                              - total(r, "reached_adulthood_to_date")),
            "children = the three poverty states": lambda r, p: (
                total(r, "children"), total(r, *POVERTY_STATES)),
        },
    ),
}


def course_models() -> list[str]:
    return list(list_models()["name"])


def draws(model, runs: int = DRAWS, corners: int = CORNERS, seed: int = 2026) -> pd.DataFrame:
    """A Latin hypercube over every declared range, the last `corners` rows moved to corners."""
    samples = sample_parameters(model, runs, seed=seed)
    table = model.parameters.loc[samples.columns]
    at_max = np.random.default_rng(seed).random((corners, len(samples.columns))) < 0.5
    corner_values = np.where(at_max, table["max"].to_numpy(float), table["min"].to_numpy(float))
    samples.iloc[runs - corners:] = corner_values
    return samples


def _tolerance(values: np.ndarray) -> float:
    return RELATIVE * max(1.0, float(np.nanmax(np.abs(values))) if values.size else 1.0)


def _where(runs: pd.DataFrame, bad: np.ndarray, samples: pd.DataFrame) -> str:
    """The first failing run and time, with its parameters, for the message."""
    run, time = runs.index[np.flatnonzero(bad)[0]]
    values = ", ".join(f"{name}={value:.4g}" for name, value in samples.loc[run].items())
    return f"first in run {run} at {runs.index.names[1]} {time:g}, with {values}"


def problems_in(model, runs: pd.DataFrame, samples: pd.DataFrame, rules: Invariants) -> list[str]:
    """Every broken invariant in one batch of runs, in words."""
    found: list[str] = []
    kinds = model.variables["kind"]
    values = runs.to_numpy()
    finite = np.isfinite(values)
    if not finite.all():
        columns = list(runs.columns[~finite.all(axis=0)])
        found.append(f"NaN or infinity in {columns[:5]}; {_where(runs, ~finite.all(axis=1), samples)}")
    for column in runs.columns:
        name = output_of(column)
        kind = kinds.get(name)
        checks = []
        if kind == "stock" or (kind == "flow" and name not in rules.two_way_flows) \
                or name in rules.non_negative:
            checks.append(("below zero", 0.0, None))
        if name in rules.shares:
            checks.append(("outside 0 to 1", 0.0, 1.0))
        if name in rules.percents:
            checks.append(("outside 0 to 100", 0.0, 100.0))
        column_values = runs[column].to_numpy()
        tolerance = _tolerance(column_values)
        for words, low, high in checks:
            bad = column_values < low - tolerance
            if high is not None:
                bad |= column_values > high + tolerance
            if bad.any():
                found.append(f"{kind} {column} {words} in {runs[bad].index.get_level_values(0).nunique()} "
                             f"run(s) (lowest {column_values.min():.4g}, highest {column_values.max():.4g}); "
                             f"{_where(runs, bad, samples)}")
    parameters = samples.reindex(runs.index.get_level_values("run"))
    parameters.index = runs.index
    for words, identity in rules.identities.items():
        left, right, *relation = identity(runs, parameters)
        left, right = np.asarray(left, float), np.asarray(right, float)
        tolerance = _tolerance(np.concatenate([left, right]))
        bad = left > right + tolerance if relation == ["<="] else np.abs(left - right) > tolerance
        if bad.any():
            found.append(f"'{words}' fails by up to {np.max(np.abs(left - right)[bad]):.4g}; "
                         f"{_where(runs, bad, samples)}")
    return found


@pytest.mark.parametrize("name", course_models())
def test_course_model_stays_physical_over_its_declared_ranges(name):
    assert name in INVARIANTS, (
        f"The course model '{name}' declares no invariants. Add an entry for it to INVARIANTS in "
        "tests/test_model_properties.py: its two-way flows (net rates that may be negative), "
        "auxiliaries that cannot be negative, shares, percentages and any books it keeps "
        "(running totals, budgets, people counted once), even if the entry is empty.")
    rules = INVARIANTS[name]
    model = load_model(name)
    declared = set(model.outputs)
    named = {*rules.two_way_flows, *rules.non_negative, *rules.shares, *rules.percents}
    assert named <= declared, f"INVARIANTS names outputs '{name}' does not have: {named - declared}"
    samples = draws(model) if model.engine == "numpy" else draws(model, PYSD_DRAWS, PYSD_CORNERS)
    full = pd.DataFrame({n: float(v) for n, v in model.parameters["default"].items()}, index=samples.index)
    full[samples.columns] = samples
    problems: list[str] = []
    for start in range(0, len(samples), BATCH):
        batch = samples.iloc[start:start + BATCH]
        runs = ensemble(model, batch, progress=False)
        problems += problems_in(model, runs, full, rules)
    assert not problems, f"'{name}' leaves physical bounds:\n" + "\n".join(problems)


def test_the_checks_find_a_planted_negative_stock_and_a_broken_identity():
    """The property checks can fail: a run with a stock pushed below zero and books off by one."""
    model = load_model("camhs_waiting_list")
    samples = draws(model, runs=20, corners=2)
    runs = ensemble(model, samples, progress=False)
    full = samples.copy()
    assert problems_in(model, runs, full, INVARIANTS["camhs_waiting_list"]) == []
    runs.iloc[5, runs.columns.get_loc("waiting_list")] = -3.0
    found = problems_in(model, runs, full, INVARIANTS["camhs_waiting_list"])
    assert any("stock waiting_list below zero" in p for p in found)
    assert any("running totals" in p and "fails by up to" in p for p in found)
    runs.iloc[7, runs.columns.get_loc("treatment_capacity")] = np.inf
    assert any("NaN or infinity" in p for p in problems_in(model, runs, full, INVARIANTS["camhs_waiting_list"]))


def test_a_model_without_declared_invariants_fails_with_what_to_add(monkeypatch):
    monkeypatch.delitem(INVARIANTS, "archetype_limits_to_growth")
    with pytest.raises(AssertionError, match="declares no invariants. Add an entry"):
        test_course_model_stays_physical_over_its_declared_ranges("archetype_limits_to_growth")
