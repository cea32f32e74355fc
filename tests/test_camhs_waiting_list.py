"""Behaviour of the CAMHS waiting-list model: conservation, equilibria, extremes, leave backlog."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cyp_dynamics import load_dataset
from cyp_dynamics.analysis import does_not_return, goal_seeking, returns_to_baseline, settles_by

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def random_params(draw, model) -> dict[str, float]:
    return {name: draw(st.floats(row["min"], row["max"], allow_nan=False), label=name)
            for name, row in model.parameters.iterrows()}


@SETTINGS
@given(data=st.data())
def test_no_child_is_lost_or_invented(camhs, data):
    """List now = list at start + accepted - started - closed, at every month of any run."""
    run = camhs.run(random_params(data.draw, camhs))
    books = (run.waiting_list.iloc[0] + run.referrals_accepted_to_date
             - run.treatment_starts_to_date - run.closures_to_date)
    scale = max(run.waiting_list.abs().max(), run.referrals_accepted_to_date.max(), 1.0)
    assert (books - run.waiting_list).abs().max() <= 1e-9 * scale


def test_each_step_changes_the_stock_by_inflow_minus_outflows(camhs):
    """Euler step by step: with output every time step, the change equals net flow x dt."""
    params = {"referral_change_percent": 30, "clinicians_on_leave": 5, "closure_rate": 0.2}
    samples = pd.DataFrame([camhs.resolve(params)])
    compiled = camhs._compiled
    constants = {n: samples[n].to_numpy() for n in camhs.parameters.index}
    dt = camhs._controls["time_step"]
    constants.update(initial_time=np.zeros(1), final_time=np.full(1, 36.0), time_step=np.full(1, dt),
                     saveper=np.full(1, dt))
    times, out = compiled.simulate(constants, 0.0, 36.0, dt, dt, 1)
    net = out["referrals_accepted"] - out["treatment_starts"] - out["closures_before_treatment"]
    change = np.diff(out["waiting_list"], axis=0)
    assert np.allclose(change, net[:-1] * dt, rtol=0, atol=1e-9)


@SETTINGS
@given(data=st.data())
def test_list_and_flows_never_go_negative(camhs, data):
    run = camhs.run(random_params(data.draw, camhs))
    assert (run[["waiting_list", "treatment_starts", "closures_before_treatment",
                 "referrals_accepted", "treatment_capacity", "average_wait"]] >= 0).all().all()


def test_defaults_are_a_steady_state(camhs):
    run = camhs.run()
    assert abs(run.waiting_list.iloc[-1] - run.waiting_list.iloc[0]) < 5
    assert settles_by(run.waiting_list, 0, tolerance=0.002)


@pytest.mark.parametrize("clinicians", [30, 40, 49])
def test_capacity_bound_equilibrium_matches_the_formula(camhs, clinicians):
    """With capacity short of demand: list* = (referrals - capacity) / closure rate."""
    p = camhs.parameters["default"]
    run = camhs.run({"clinicians": clinicians}, months=240)
    capacity = clinicians * p["new_starts_per_clinician"]
    expected = (p["referrals_accepted_per_month"] - capacity) / p["closure_rate"]
    assert goal_seeking(run.waiting_list, expected, tolerance=0.01)
    assert run.waiting_list.iloc[-1] == pytest.approx(expected, rel=1e-6)


def test_ample_capacity_equilibrium_matches_the_formula(camhs):
    """With spare capacity: list* = referrals / (1 / shortest wait + closure rate)."""
    p = camhs.parameters["default"]
    run = camhs.run({"clinicians": 200}, months=120)
    expected = p["referrals_accepted_per_month"] / (1 / p["shortest_wait"] + p["closure_rate"])
    assert run.waiting_list.iloc[-1] == pytest.approx(expected, rel=1e-6)
    assert run.average_wait.iloc[-1] == pytest.approx(
        1 / (1 / p["shortest_wait"] + p["closure_rate"]), rel=1e-6)


def test_extremes_no_clinicians_and_no_referrals(camhs):
    p = camhs.parameters["default"]
    no_staff = camhs.run({"clinicians": 0}, months=240)
    assert (no_staff.treatment_starts == 0).all()
    assert no_staff.waiting_list.iloc[-1] == pytest.approx(
        p["referrals_accepted_per_month"] / p["closure_rate"], rel=1e-6)
    no_referrals = camhs.run({"referrals_accepted_per_month": 0}, months=120)
    assert no_referrals.waiting_list.iloc[-1] < 1e-3
    assert (no_referrals.waiting_list.diff().dropna() <= 0).all()


def test_leave_backlog_stays_in_a_service_at_full_stretch(camhs):
    """A leave adds its lost starts to the list, and the list does not return when capacity does."""
    p = camhs.parameters["default"]
    stretch = {"closure_rate": 0, "referrals_accepted_per_month": p["clinicians"] * p["new_starts_per_clinician"]}
    leave = {"clinicians_on_leave": 1, "leave_start_month": 6, "leave_length": 12}
    base = camhs.run(stretch)
    with_leave = camhs.run({**stretch, **leave})
    extra = with_leave.waiting_list - base.waiting_list
    lost_starts = 1 * p["new_starts_per_clinician"] * 12
    assert extra.loc[36] == pytest.approx(lost_starts, rel=1e-9)  # about 52 children
    assert 45 <= extra.loc[36] <= 55  # about 50: one start a week for a year (CAPA's rate)
    assert does_not_return(with_leave.waiting_list.loc[18:], baseline=base.waiting_list.loc[18])


def test_with_closures_the_backlog_is_paid_for_by_closures(camhs):
    leave = {"clinicians_on_leave": 1, "leave_start_month": 6, "leave_length": 12}
    base, with_leave = camhs.run(), camhs.run(leave)
    assert returns_to_baseline(with_leave.waiting_list, baseline=base.waiting_list.iloc[-1],
                               tolerance=0.01)
    lost_starts = base.treatment_starts_to_date.loc[36] - with_leave.treatment_starts_to_date.loc[36]
    extra_closed = with_leave.closures_to_date.loc[36] - base.closures_to_date.loc[36]
    extra_waiting = with_leave.waiting_list.loc[36] - base.waiting_list.loc[36]
    assert lost_starts == pytest.approx(extra_closed + extra_waiting, rel=1e-9)
    assert extra_closed > 0.9 * lost_starts


def test_littles_law_output(camhs):
    run = camhs.run({"clinicians": 45})
    leaving = run.treatment_starts + run.closures_before_treatment
    assert np.allclose(run.average_wait, run.waiting_list / leaving)
    assert np.allclose(run.average_wait_in_weeks, run.average_wait * 4.348)


def test_defaults_match_their_dataset(camhs):
    """The model file's defaults are the derived figures in datasets/camhs_waiting_list_defaults."""
    table = load_dataset("camhs_waiting_list_defaults").set_index("measure")
    for name in ["referrals_accepted_per_month", "clinicians", "closure_rate", "initial_waiting_list"]:
        assert camhs.parameters.loc[name, "default"] == pytest.approx(table.loc[name, "value"]), name


def test_default_starts_and_closures_reproduce_the_national_figures(camhs):
    """Scaled back up to England, a year of the default run gives the Commissioner's 2022/23 counts."""
    table = load_dataset("camhs_waiting_list_defaults").set_index("measure")
    scale = table.loc["population_aged_0_17", "value"] / 100_000
    run = camhs.run(months=12)
    starts = run.treatment_starts_to_date.loc[12] * scale
    closed = run.closures_to_date.loc[12] * scale
    assert starts == pytest.approx(table.loc["children_received_support", "value"], rel=0.01)
    assert closed == pytest.approx(table.loc["referrals_closed_before_treatment", "value"], rel=0.01)
    assert run.waiting_list.loc[12] * scale == pytest.approx(
        table.loc["children_still_waiting_at_year_end", "value"], rel=0.01)
