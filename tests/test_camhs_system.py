"""Behaviour of the CAMHS system model (module 03): books, signs, equilibria, loops, tipping point."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyp_dynamics import load_model
from cyp_dynamics.analysis import find_loops, find_threshold, load_scenarios, run_scenarios, settles_by
from cyp_dynamics.course import module03

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
CHILD_STOCKS = ["children_with_unmet_need", "mild_waiting_list", "severe_waiting_list",
                "in_treatment", "recently_discharged"]


@pytest.fixture(scope="module")
def system():
    return load_model("camhs_system")


def random_params(draw, model) -> dict[str, float]:
    return {name: draw(st.floats(row["min"], row["max"], allow_nan=False), label=name)
            for name, row in model.parameters.iterrows()}


def test_runs_on_the_numpy_engine(system):
    assert system.engine == "numpy"


@SETTINGS
@given(data=st.data())
def test_no_child_is_lost_or_invented(system, data):
    """Children in every stock plus those who left = children at the start plus new need."""
    run = system.run(random_params(data.draw, system), months=60)
    in_system = run[CHILD_STOCKS].sum(axis=1)
    books = in_system.iloc[0] + run.new_need_to_date - run.left_the_system_to_date
    scale = max(in_system.max(), run.new_need_to_date.max(), 1.0)
    assert (books - in_system).abs().max() <= 1e-9 * scale


@SETTINGS
@given(data=st.data())
def test_stocks_and_flows_never_go_negative(system, data):
    run = system.run(random_params(data.draw, system), months=60)
    flows_and_stocks = system.variables.query("kind in ['stock', 'flow']").index
    # A list emptied to ~0 can dip below zero by rounding: this test once found -3.9e-7 children
    # (no new need, a whole list treated within a month); a millionth of a child is the bar.
    rounding = max(1e-9 * run[CHILD_STOCKS].abs().max().max(), 1e-6)
    assert (run[flows_and_stocks] >= -rounding).all().all()
    assert ((run.severe_share_of_waiting_list >= 0) & (run.severe_share_of_waiting_list <= 1)).all()


def test_defaults_are_steady_at_the_2022_23_figures(system):
    """Per 100,000 children: about 2,280 waiting, 213.6 starts and 261.1 closures a month, held."""
    run = system.run(months=60)
    for month in (0, 60):
        assert run.waiting_list.loc[month] == pytest.approx(2280, rel=0.01)
        assert run.treatment_starts.loc[month] == pytest.approx(213.6, rel=0.01)
        assert run.closures_before_treatment.loc[month] == pytest.approx(261.1, rel=0.01)
    assert settles_by(run.waiting_list, 0, tolerance=0.01)


def test_national_scale_is_the_per_100k_model_times_the_scale(system):
    per_100k = system.run({"extra_funded_posts_per_100k": 15}, months=36)
    england = system.run({"extra_funded_posts_per_100k": 15, "population_scale": 119}, months=36)
    for column in CHILD_STOCKS + ["treatment_starts", "clinicians", "crisis_presentations"]:
        assert np.allclose(england[column], 119 * per_100k[column], rtol=1e-9)
    assert np.allclose(england.average_wait, per_100k.average_wait, rtol=1e-9)


def test_simplified_equilibrium_matches_the_formula(system):
    """No deterioration, no severe cases, no re-referral, ample clinicians: the list settles at
    accepted / (1 / shortest wait + closure rate x closure effect at that wait)."""
    p = system.parameters["default"]
    simple = {"deterioration_rate": 0, "severe_share_at_referral": 0, "initial_severe_share": 0,
              "re_referral_share": 0, "funded_posts_per_100k": 300, "initial_clinicians_per_100k": 280}
    run = system.run(simple, months=600)
    referrals = p["new_need_per_month_per_100k"] / (1 + p["natural_recovery_rate"] * p["identification_time"])
    accepted = referrals * p["referral_acceptance_share"]
    closure_effect_at_one_month = 0.4  # the Closure wait effect lookup at a wait of 1 month
    expected = accepted / (1 / p["shortest_wait"] + p["closure_rate"] * closure_effect_at_one_month)
    assert run.referrals_made.iloc[-1] == pytest.approx(referrals, rel=1e-6)
    assert run.waiting_list.iloc[-1] == pytest.approx(expected, rel=1e-4)
    assert run.average_wait.iloc[-1] == pytest.approx(p["shortest_wait"], rel=1e-4)


def test_workforce_settles_where_joiners_replace_leavers(system):
    """Without burnout: clinicians* = funded posts / (1 + attrition x (advert time + hiring delay))."""
    p = system.parameters["default"]
    run = system.run({"burnout_sensitivity": 0, "initial_clinicians_per_100k": 60}, months=600)
    expected = p["funded_posts_per_100k"] / (1 + p["attrition_rate"] * (p["vacancy_advert_time"] + p["hiring_delay"]))
    assert run.clinicians.iloc[-1] == pytest.approx(expected, rel=1e-4)
    assert run.clinicians.diff().dropna().ge(-1e-9).all()  # B3 refills the gap without overshoot


def test_two_starting_severe_shares_settle_to_two_different_states(system):
    """Skinner, Occhipinti et al. (2023), qualitatively: either side of a threshold, two equilibria."""
    threshold = module03.bistability_threshold()
    assert 0.05 < threshold.value < 0.95
    below = system.run({**module03.BISTABLE, "initial_severe_share": threshold.low - 0.05}, months=600)
    above = system.run({**module03.BISTABLE, "initial_severe_share": threshold.high + 0.05}, months=600)
    for run in (below, above):  # both are resting states, not slow transients
        assert settles_by(run.waiting_list, 400, tolerance=0.001)
    assert above.waiting_list.iloc[-1] > 1.5 * below.waiting_list.iloc[-1]
    assert above.severe_share_of_waiting_list.iloc[-1] > 2 * below.severe_share_of_waiting_list.iloc[-1]
    assert above.average_wait.iloc[-1] > 2 * below.average_wait.iloc[-1]


def test_threshold_brackets_the_switch_and_todays_service_has_one_state(system):
    threshold = module03.bistability_threshold()
    assert threshold.high - threshold.low <= 0.002
    assert module03.ends_in_low_state(threshold.low) and not module03.ends_in_low_state(threshold.high)
    assert find_threshold(system, "initial_severe_share", "waiting_list", low=0, high=1, months=240) is None


def test_deterioration_loop_r1_lengthens_waits(system):
    base = system.run(months=120)
    worse = system.run({"deterioration_rate": 0.03}, months=120)
    assert worse.severe_share_of_waiting_list.iloc[-1] > base.severe_share_of_waiting_list.iloc[-1]
    assert worse.treatment_starts.iloc[-1] < base.treatment_starts.iloc[-1]


def test_closures_loop_b1_rises_with_the_wait(system):
    short = system.run({"funded_posts_per_100k": 200, "initial_clinicians_per_100k": 187}, months=120)
    assert short.average_wait.iloc[-1] < 2
    share_closed = lambda run: run.mild_closures.iloc[-1] / run.mild_waiting_list.iloc[-1]  # noqa: E731
    assert share_closed(system.run(months=120)) > 2 * share_closed(short)


def test_burnout_loop_r2_drains_clinicians_when_waits_rise(system):
    surge = system.run({"need_growth_percent_per_year": 20}, months=60)
    assert surge.average_wait.iloc[-1] > 12
    assert surge.clinicians.iloc[-1] < surge.clinicians.iloc[0] - 1


def test_scenarios_show_the_module_stories(system):
    runs = run_scenarios(system, load_scenarios("camhs_system", system), months=120)
    base = runs["Today's service"].waiting_list
    temporary = runs["30% extra capacity for a year"].waiting_list
    assert temporary.loc[18] < 0.85 * base.loc[18]  # the fix works while it lasts ...
    assert temporary.loc[60] == pytest.approx(base.loc[60], rel=0.02)  # ... then the list returns
    assert runs["Mental health support teams in schools"].waiting_list.loc[18] > 1.1 * base.loc[18]
    now, later = runs["Fund 20 more posts now"], runs["Fund 20 more posts in month 12"]
    assert now.waiting_list.loc[24] < later.waiting_list.loc[24]
    assert now.waiting_list.loc[120] < 0.5 * base.loc[120]  # enough posts tip the service over
    assert runs["Early help while waiting"].severe_share_of_waiting_list.loc[120] < 0.5 * \
        runs["Today's service"].severe_share_of_waiting_list.loc[120]


def test_every_listed_loop_is_named_in_the_model_file(system):
    text = system.path.read_text()
    for code, (name, polarity, _) in module03.LOOPS.items():
        assert re.search(rf"{code} '{name}'", text), f"{code} '{name}' is not in the model's comments"
        assert polarity.startswith("reinforcing" if code.startswith("R") else "balancing")


def test_numpy_engine_agrees_with_pysd(system):
    params = {"temporary_capacity_percent": 30, "extra_funded_posts_per_100k": 10, "hiring_month": 3}
    fast, reference = system.run(params, months=24), system.run_with_pysd(params, months=24)
    assert np.allclose(fast.to_numpy(), reference[fast.columns].to_numpy(), rtol=1e-6, atol=1e-6)


def test_threshold_search_explains_a_reversed_range(system):
    with pytest.raises(ValueError, match="must be below"):
        find_threshold(system, "initial_severe_share", "waiting_list", low=0.8, high=0.2)
    with pytest.raises(ValueError, match="Unknown output"):
        find_threshold(system, "initial_severe_share", "waiting lists")


def test_threshold_search_asks_for_ends_when_the_model_gives_no_range():
    from cyp_dynamics.analysis import end_states
    from .conftest import TEST_MODELS

    tea = load_model(TEST_MODELS / "tea_cup.xmile")  # cooling_time has no [min, max] in the file
    with pytest.raises(ValueError, match="no range in the model file.*low=.*high="):
        find_threshold(tea, "cooling_time", "tea_temperature")
    with pytest.raises(ValueError, match="Unknown output"):
        end_states(tea, "cooling_time", [5, 10], "tea temperatures")
    # the label as written in the model file is accepted and read from the run's column
    assert len(end_states(tea, "cooling_time", [5, 10], "Tea temperature")) == 2


def test_published_rules_of_thumb_come_through(system):
    """CAPA: about one accepted referral per FTE per week (less ~5% missed); Strategy Unit (2020):
    0.763 of referrals accepted and half the caseload discharged each month."""
    mild_only = {"initial_severe_share": 0, "severe_share_at_referral": 0, "deterioration_rate": 0,
                 "initial_waiting_list_per_100k": 20000}
    run = system.run(mild_only, months=1)
    starts_per_fte_per_week = run.treatment_starts.iloc[0] / run.clinicians.iloc[0] / 4.348
    assert starts_per_fte_per_week == pytest.approx(1 * (1 - 0.05), rel=0.01)
    default = system.run(months=1).iloc[0]
    assert default.referrals_accepted / default.referrals_made == pytest.approx(0.763)
    assert default.discharges / default.in_treatment == pytest.approx(0.5)


def test_the_loop_finder_finds_every_named_loop_with_its_polarity(system):
    """The notebook's table of six main loops agrees with the loops found in the model's equations."""
    found = find_loops(system)
    for code, variables in module03.LOOP_VARIABLES.items():
        match = found[found["variables"].apply(lambda names: set(names) == variables)]
        assert len(match) == 1, f"{code} is not a loop of the model"
        assert match["polarity"].iloc[0] == code[0], f"{code} has polarity {match['polarity'].iloc[0]}"
