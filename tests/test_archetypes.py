"""Module 01's archetype models: each shows its archetype's signature behaviour and loops."""
from __future__ import annotations

import pytest

from cyp_dynamics import find_loops, load_model


def loops_through(name: str, *variables: str) -> set[str]:
    """Polarities of the loops of a course model that pass through every variable given."""
    loops = find_loops(load_model(name))
    return {row.polarity for row in loops.itertuples() if set(variables) <= set(row.variables)}


ARCHETYPES = ["archetype_fixes_that_fail", "archetype_shifting_the_burden", "archetype_limits_to_growth",
              "archetype_success_to_the_successful", "archetype_eroding_goals"]


@pytest.mark.parametrize("name", ARCHETYPES)
def test_archetypes_run_the_same_through_pysd_and_stocks_stay_non_negative(name):
    model = load_model(name)
    fast, reference = model.run(), model.run_with_pysd()
    assert (fast - reference).abs().max().max() < 1e-9
    stocks = model.variables.index[model.variables.kind == "stock"]
    assert (fast[stocks] >= 0).all().all()


def test_fixes_that_fail_better_before_worse():
    model = load_model("archetype_fixes_that_fail")
    run = model.run()
    queue = run.waiting_for_assessment
    start, fix_month = queue.loc[0], model.parameters.loc["fix_month", "default"]
    lowest = queue.idxmin()
    assert queue.loc[fix_month] == pytest.approx(start)  # in balance until the fix
    assert queue.min() < 0.6 * start and lowest < 24  # the fix works at first...
    assert queue.iloc[-1] > 1.5 * queue.min()  # ...then the queue creeps back
    assert run.waiting_for_treatment.iloc[-1] > 2 * run.waiting_for_treatment.loc[0]
    no_fix = model.run({"triage_push": 0})
    assert no_fix.waiting_for_assessment.iloc[-1] == pytest.approx(start)
    assert no_fix.waiting_for_treatment.iloc[-1] == pytest.approx(run.waiting_for_treatment.loc[0])


def test_fixes_that_fail_has_the_fix_b_loop_and_the_side_effect_r_loop():
    assert "B" in loops_through("archetype_fixes_that_fail", "Triage share", "Assessments")
    assert "R" in loops_through("archetype_fixes_that_fail", "Triage share", "Treatment capacity",
                                "Returns to front door")


def test_shifting_the_burden_early_help_withers_after_a_temporary_surge():
    model = load_model("archetype_shifting_the_burden")
    calm = model.run({"surge_percent": 0})
    assert calm.early_help_capacity.iloc[-1] == pytest.approx(calm.early_help_capacity.iloc[0])
    run = model.run()
    surge_end = model.parameters.loc["surge_month", "default"] + model.parameters.loc["surge_length", "default"]
    assert run.new_difficulties.iloc[-1] == pytest.approx(calm.new_difficulties.iloc[-1])  # surge over
    assert run.early_help_capacity.iloc[-1] < 0.5 * run.early_help_capacity.loc[surge_end]
    assert run.crisis_spending.iloc[-1] > model.parameters.loc["budget", "default"]
    assert "R" in loops_through("archetype_shifting_the_burden", "Crisis spending", "Early help capacity")


def test_limits_to_growth_is_s_shaped_and_set_by_the_workforce():
    model = load_model("archetype_limits_to_growth")
    run = model.run()
    growth = run.children_supported.diff().dropna()
    peak = growth.idxmax()
    assert 3 < peak < 40  # growth speeds up, then slows: an S-shape
    assert growth.iloc[-1] < 0.1 * growth.max() and (growth > 0).all()
    bigger_team = model.run({"practitioners": 16}).children_supported.iloc[-1]
    assert bigger_team > 1.8 * run.children_supported.iloc[-1]
    assert loops_through("archetype_limits_to_growth", "Referrals accepted") == {"R", "B"}


def test_success_to_the_successful_a_small_head_start_grows():
    model = load_model("archetype_success_to_the_successful")
    run = model.run()
    start_gap = run.youth_workers_in_a.iloc[0] - run.youth_workers_in_b.iloc[0]
    assert run.youth_workers_in_a.iloc[-1] - run.youth_workers_in_b.iloc[-1] > 5 * start_gap
    fair = model.run({"bid_advantage": 1})  # posts in proportion to staff: the gap only keeps its ratio
    ratio = fair.youth_workers_in_a / fair.youth_workers_in_b
    assert ratio.iloc[-1] == pytest.approx(ratio.iloc[0], rel=1e-6)
    assert loops_through("archetype_success_to_the_successful", "Share of new posts to A") == {"R"}


def test_eroding_goals_the_goal_drifts_and_waits_stay_longer():
    model = load_model("archetype_eroding_goals")
    eroding = model.run()
    firm = model.run({"time_to_accept_longer_waits": 1000})
    assert eroding.acceptable_wait.iloc[-1] > 1.5 * eroding.acceptable_wait.iloc[0]
    assert firm.acceptable_wait.iloc[-1] < 1.02 * firm.acceptable_wait.iloc[0]
    assert eroding.expected_wait.iloc[-12:].mean() > 1.3 * firm.expected_wait.iloc[-12:].mean()
    assert "B" in loops_through("archetype_eroding_goals", "Acceptable wait", "Goal erosion")


# ---- physical over the whole declared ranges (reliability issue) ----------------------------
def test_triage_never_takes_more_than_the_time_clinicians_have():
    """With the most usual assessment and the largest triage share, treatment time once went
    below zero, so treatment starts did too (as low as -12.7 a month)."""
    model = load_model("archetype_fixes_that_fail")
    run = model.run({"usual_assessment_share": 0.5, "largest_triage_share": 0.6, "triage_push": 0.3,
                     "referrals_per_month": 300})
    assert run.triage_share.max() == pytest.approx(0.5)
    assert (run.treatment_capacity >= 0).all() and (run.treatment_starts >= 0).all()


@pytest.mark.parametrize("name, params", [
    ("archetype_fixes_that_fail", {"referrals_per_month": 0, "clinicians": 1, "starts_per_clinician": 20,
                                   "return_rate": 0.3, "shortest_assessment_time": 0.25,
                                   "usual_assessment_share": 0, "triage_push": 0}),
    ("archetype_shifting_the_burden", {"usual_new_difficulties": 0, "shortest_time_to_help": 0.25,
                                       "escalation_rate": 0.5,
                                       "budget": 0, "initial_children_struggling": 2000,
                                       "initial_early_help_capacity": 300}),
])
def test_two_outflows_never_take_more_than_the_stock_holds(name, params):
    """Fast help (or fast treatment) plus escalations (or returns) once emptied a stock below zero."""
    model = load_model(name)
    run = model.run(params)
    stocks = model.variables.index[model.variables.kind == "stock"]
    assert (run[stocks] >= 0).all().all()
    assert (run[[c for c in run.columns if model.variables.loc[c, "kind"] == "flow"
                 and not c.startswith("change")]] >= 0).all().all()


def test_success_to_the_successful_with_no_youth_workers_splits_posts_evenly():
    """No youth workers in either neighbourhood once gave 0/0: not a number everywhere."""
    run = load_model("archetype_success_to_the_successful").run(
        {"initial_youth_workers_in_a": 0, "initial_youth_workers_in_b": 0, "bid_advantage": 4})
    assert run.notna().all().all()
    assert run.share_of_new_posts_to_a.iloc[0] == 0.5
    assert run.youth_workers_in_a.iloc[-1] == pytest.approx(run.youth_workers_in_b.iloc[-1])
