"""Behaviour of the prevention versus late intervention model (module 04) and its policy ledger."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis import load_scenarios, run_scenarios, settles_by
from cyp_dynamics.course import module04

STOCKS = ["children_well", "children_at_risk", "children_needing_early_help",
          "children_in_late_intervention"]
BUDGET_CUT = module04.BUDGET_CUT
NO_GROWTH = {"need_growth_percent_per_year": 0}
# Awkward corners: no budget, everything ring-fenced, a huge fund over one year, no portfolio
# weights, instant and slow effects, a fast-growing need.
EXTREMES = [
    {"base_budget": 1e7, "need_growth_percent_per_year": 10},
    {"ring_fence_percent": 60, "budget_change_percent": -30},
    {"transition_fund": 1e8, "transition_years": 1, "transition_start_year": 5},
    {"community_prevention_weight": 0, "school_support_weight": 0, "family_early_help_weight": 0},
    {"community_prevention_time_to_effect": 0.25, "family_early_help_time_to_effect": 10,
     "late_intervention_cost_per_child": 150000},
    {"need_growth_percent_per_year": -5, "base_budget": 2e8},
]


@pytest.fixture(scope="module")
def model():
    return load_model("prevention_vs_late_intervention")


@pytest.fixture(scope="module")
def policies(model):
    return load_scenarios("prevention_vs_late_intervention", model)


def _all_parameter_sets(policies):
    return [policies.parameters(name) for name in policies.names] + EXTREMES


def test_runs_fast_engine_in_years(model):
    run = model.run()
    assert model.engine == "numpy"
    assert model.time_unit == "Year" and run.index.name == "year"
    assert run.index[0] == 0 and run.index[-1] == 30


def test_conservation_of_children(model, policies):
    """Nobody is lost or invented: the four states always add up to the area's children."""
    for params in _all_parameter_sets(policies):
        run = model.run(params)
        total = run[STOCKS].sum(axis=1)
        expected = params.get("children_and_young_people", 100000)
        assert np.allclose(total, expected, rtol=1e-9), params
        assert np.allclose(run.children_in_all_states, expected, rtol=1e-9)
        assert (run[STOCKS] >= -1e-6).all().all(), params


def test_budget_identity(model, policies):
    """Spend from the budget and fund never exceeds budget plus fund; each pound is in one line."""
    for params in _all_parameter_sets(policies):
        run = model.run(params)
        lines = (run.late_intervention_spend + run.community_prevention_spend
                 + run.school_support_spend + run.family_early_help_spend)
        assert np.allclose(lines, run.budget + run.transition_spend, rtol=1e-9), params
        prevention = run.community_prevention_spend + run.school_support_spend + run.family_early_help_spend
        assert np.allclose(prevention, run.prevention_spend, rtol=1e-9)
        assert (run.late_intervention_spend <= run.budget - run.protected_prevention + 1e-6).all()
        assert (run.late_need_over_budget >= -1e-6).all()
        assert np.allclose(run.late_intervention_spend + run.late_need_over_budget,
                           run.cost_of_late_need, rtol=1e-9)
        # The same holds for every year's totals, which is what the ledger reads.
        spent = (run.late_intervention_spend_to_date + run.community_prevention_spend_to_date
                 + run.school_support_spend_to_date + run.family_early_help_spend_to_date).diff().dropna()
        available = (run.budget_to_date + run.transition_spend_to_date).diff().dropna()
        assert (spent <= available * (1 + 1e-9)).all()
        fund = params.get("transition_fund", 0)
        assert run.transition_spend_to_date.iloc[-1] <= fund * (1 + 1e-9) + 1e-6


def test_transition_fund_is_spent_once_and_in_full(model):
    run = model.run({"transition_fund": 12e6, "transition_start_year": 2, "transition_years": 4})
    assert run.transition_spend_to_date.iloc[-1] == pytest.approx(12e6)
    assert run.transition_spend_to_date.loc[2] == 0
    assert run.transition_spend_to_date.loc[6] == pytest.approx(12e6)
    assert run.transition_spend.loc[4] == pytest.approx(3e6)


def test_defaults_start_in_balance(model):
    """With need not growing, the calibrated start barely moves for ten years."""
    run = model.run(NO_GROWTH, 10)
    for stock in STOCKS:
        assert run[stock].iloc[-1] == pytest.approx(run[stock].iloc[0], rel=0.01), stock
    assert run.late_need_over_budget.max() == 0


def test_vicious_cycle_cutting_prevention_raises_late_demand_after_a_delay(model):
    """A lasting budget cut lands on prevention; late demand rises later, and keeps rising."""
    base = model.run(NO_GROWTH)
    cut = model.run({**NO_GROWTH, **BUDGET_CUT})
    assert cut.prevention_share_of_budget.loc[2] < base.prevention_share_of_budget.loc[2] - 3
    extra = cut.children_in_late_intervention - base.children_in_late_intervention
    assert 0 <= extra.loc[1] < 0.05 * extra.loc[10]  # hardly anything in the first year
    assert 0 < extra.loc[2] < extra.loc[5] < extra.loc[10] < extra.loc[20]
    # Reinforcing: prevention keeps shrinking long after the one-off cut.
    assert cut.prevention_share_of_budget.loc[10] < cut.prevention_share_of_budget.loc[2] - 5
    assert cut.prevention_share_of_budget.loc[20] == pytest.approx(0, abs=0.5)


def test_ring_fence_breaks_the_cycle(model):
    """With prevention protected, the same cut barely moves late demand, which settles."""
    base = model.run(NO_GROWTH)
    cut = model.run({**NO_GROWTH, **BUDGET_CUT})
    fenced = model.run({**NO_GROWTH, **BUDGET_CUT, "ring_fence_percent": 26})
    assert (fenced.prevention_share_of_budget >= 26 - 1e-6).all()
    rise_without = cut.children_in_late_intervention.iloc[-1] - base.children_in_late_intervention.iloc[-1]
    rise_with = fenced.children_in_late_intervention.iloc[-1] - base.children_in_late_intervention.iloc[-1]
    assert rise_with < 0.2 * rise_without
    assert settles_by(fenced.children_in_late_intervention, 15, tolerance=0.01)
    assert not settles_by(cut.children_in_late_intervention.loc[:15], 5, tolerance=0.01)


def test_prevention_works_only_after_its_time_to_effect(model):
    slow = model.run({"transition_fund": 20e6, "family_early_help_time_to_effect": 5})
    fast = model.run({"transition_fund": 20e6, "family_early_help_time_to_effect": 0.25})
    assert fast.children_in_late_intervention.loc[3] < slow.children_in_late_intervention.loc[3]


def test_a_bigger_transition_fund_never_leaves_prevention_worse_off(model):
    shares = [module04.prevention_share_at_end(fund) for fund in (0, 5, 10, 20, 40)]
    assert shares == sorted(shares)
    smallest = module04.smallest_escaping_fund()
    assert module04.escapes(smallest) and not module04.escapes(smallest - 1)


def test_scenarios_cover_at_least_four_policies(model, policies):
    assert policies.names[0] == "base"
    assert len(policies.names) >= 5
    runs = run_scenarios(model, policies)
    assert len(runs) == len(policies.names)


def test_policy_table(policies):
    table = module04.policy_table()
    assert list(table.index) == policies.names
    assert pd.isna(table.loc["base", "break_even_year"])
    assert table.loc["base", "extra_cost_gbp_m"] == 0
    # Every policy keeps more children out of late intervention than today's path.
    assert (table.drop(index=["base", "budget_cut"]).children_helped > 0).all()
    assert table.loc["budget_cut", "children_helped"] < 0
    # A ring-fence holds prevention's share; today's path lets it collapse.
    assert table.loc["ring_fence_today", "prevention_share_at_end_percent"] == pytest.approx(26, abs=0.5)
    assert table.loc["base", "prevention_share_at_end_percent"] < 5


def test_policy_ledger_lines_add_up_to_budget_fund_and_overspend(model):
    run = model.run({"transition_fund": 15e6, "ring_fence_percent": 26})
    ledger = module04.policy_ledger(run)
    by_hand = (run.budget_to_date + run.transition_spend_to_date
               + run.late_need_over_budget_to_date).diff().dropna().to_numpy()
    assert np.allclose(ledger["total"].to_numpy(), by_hand, rtol=1e-9)


@pytest.mark.parametrize("build, right", [
    (module04.exercise_1, lambda: f"{module04.late_share_of_total_2015_16():.1f}%"),
    (module04.exercise_2, lambda: "B"),
    (module04.exercise_3, lambda: "100"),
    (module04.exercise_4, lambda: f"{module04.fund_break_even_year()}"),
    (module04.exercise_5, lambda: f"£{module04.smallest_escaping_fund()}m"),
    (module04.exercise_6, lambda: {"A": "10%", "B": "30%", "C": "60%"}),
    (module04.exercise_7, lambda: "C"),
])
def test_exercise_checks(build, right):
    question = build()
    question.fill(right())
    assert question.press_check().passed
    if hasattr(question, "box_text"):  # a number box: nonsense is explained, never raised
        question.fill("not an answer at all")
        assert not question.press_check().passed


def test_wrong_answers_get_feedback():
    def answer(build, typed):
        question = build()
        question.fill(typed)
        return question.press_check()

    assert not answer(module04.exercise_1, "0.74").passed
    assert "percentage" in answer(module04.exercise_1, "0.74").message
    assert not answer(module04.exercise_2, "A").passed
    assert not answer(module04.exercise_5, "1").passed
    assert not answer(module04.exercise_5, "15,000,000").passed  # read as £15 million: too small
    assert not answer(module04.exercise_6, {"A": "100%", "B": "0%", "C": "0%"}).passed


@pytest.mark.parametrize("policy", ["base", "fund_and_ring_fence", "budget_cut"])
def test_fast_engine_agrees_with_pysd(model, policies, policy):
    params = policies.parameters(policy)
    pd.testing.assert_frame_equal(model.run(params), model.run_with_pysd(params), rtol=1e-9, atol=1e-6)


# ---- physical over the whole declared ranges (reliability issue) ----------------------------
def test_starting_states_are_shares_so_they_never_add_up_to_more_children_than_there_are(model):
    """Starting counts once let children well start negative (e.g. -16,589); shares cannot."""
    table = model.parameters
    shares = ["initial_share_at_risk", "initial_share_needing_early_help", "initial_share_in_late_intervention"]
    assert table.loc[shares, "max"].sum() < 1  # the most the three can take leaves some well
    run = model.run({"children_and_young_people": 10_000, **{s: table.loc[s, "max"] for s in shares}}, 1)
    assert run.children_well.iloc[0] == pytest.approx(10_000 * (1 - table.loc[shares, "max"].sum()))
    defaults = model.run(months=1).iloc[0]  # the defaults give the same counts as before
    assert (defaults.children_at_risk, defaults.children_needing_early_help,
            defaults.children_in_late_intervention) == pytest.approx((15_000, 5_000, 1_280))


# Part years once overspent (1.3 years from 0.3: £5.8m over) or underspent (1.3 from 4.7: £3.8m).
@pytest.mark.parametrize("years, start", [(1.3, 0.3), (2.7, 0), (1.3, 4.7), (3.3, 0)])
def test_a_transition_fund_over_part_years_is_spent_in_full_and_never_overspent(model, years, start):
    run = model.run({"transition_fund": 1e8, "transition_years": years, "transition_start_year": start})
    assert run.transition_spend_to_date.max() <= 1e8 * (1 + 1e-12)
    assert run.transition_spend_to_date.iloc[-1] == pytest.approx(1e8)
    assert run.transition_spend.max() == pytest.approx(1e8 / years)


def test_fast_growing_need_never_takes_well_children_faster_than_the_shortest_time(model):
    run = model.run({"risk_onset_rate": 0.5, "need_growth_percent_per_year": 10,
                     "shortest_time_to_become_at_risk": 1})
    assert (run.becoming_at_risk <= run.children_well / 1 * (1 + 1e-12)).all()
    assert run.becoming_at_risk.iloc[-1] == pytest.approx(run.children_well.iloc[-1])  # the bound binds
    assert (run[STOCKS] >= 0).all().all()
    assert np.allclose(run[STOCKS].sum(axis=1), 100_000, rtol=1e-9)
