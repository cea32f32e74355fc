"""Loop scores (Loops That Matter) on the project's own engine: hand calculations on small models,
the CAMHS model's loops grouped into its six named loops, and agreement with pysimlin."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis.loop_scores import group_scores, loop_scores, run_every_step
from cyp_dynamics.models import models_folder

CONTROL = """
FINAL TIME = {final}
\t~\tMonth
\t~\t|
INITIAL TIME = 0
\t~\tMonth
\t~\t|
SAVEPER = 1
\t~\tMonth
\t~\t|
TIME STEP = 0.25
\t~\tMonth
\t~\t|
"""

DRAIN = """{UTF-8}
Stock= INTEG (-Outflow, 100)
\t~\tpeople
\t~\tA stock that drains.
\t|
Outflow= Stock*Rate
\t~\tpeople/Month
\t~\tThe outflow.
\t|
Rate= 0.1
\t~\t1/Month [0,1]
\t~\tShare leaving a month.
\t|
""" + CONTROL.format(final=10)

# Logistic growth: births (reinforcing loop) and crowding deaths (balancing loop). The balancing
# loop takes over when Births rate = Crowding * (P now + P before), near half the capacity.
LOGISTIC = """{UTF-8}
Population= INTEG (Births-Deaths, 10)
\t~\tpeople
\t~\tPeople.
\t|
Births= Population*Births rate
\t~\tpeople/Month
\t~\tBirths.
\t|
Deaths= Population*Population*Crowding
\t~\tpeople/Month
\t~\tDeaths from crowding.
\t|
Births rate= 0.2
\t~\t1/Month [0,1]
\t~\tBirths per person a month.
\t|
Crowding= 0.0002
\t~\t1/(people*Month) [0,1]
\t~\tDeaths per person per person a month (capacity 1,000).
\t|
""" + CONTROL.format(final=60)


@pytest.fixture()
def write(tmp_path):
    def _write(name: str, text: str):
        path = tmp_path / f"{name}.mdl"
        path.write_text(text)
        return load_model(path)
    return _write


def test_single_balancing_loop_scores_minus_one(write):
    scores = loop_scores(write("drain", DRAIN))
    assert list(scores.loops["variables"].iloc[0]) == ["Stock", "Outflow"]
    loop = scores.loop_scores["L1"].to_numpy()
    # by hand: Stock -> Outflow is the outflow's only input (score 1); the outflow is the whole
    # net flow, entering with a minus sign (score -1): the loop scores -1 from the second step
    assert loop[0] == 0
    np.testing.assert_allclose(loop[1:], -1.0, rtol=1e-12)
    np.testing.assert_allclose(scores.relative["L1"].to_numpy()[1:], -1.0, rtol=1e-12)


def test_dominance_shifts_from_growth_to_crowding_at_the_hand_calculated_time(write):
    model = write("logistic", LOGISTIC)
    scores = loop_scores(model)
    loops = {tuple(v): key for v, key in zip(scores.loops["variables"], scores.loops["loop"])}
    births, deaths = loops[("Population", "Births")], loops[("Population", "Deaths")]
    population = run_every_step(model)["population"].to_numpy()
    both = 0.0002 * (population[1:] + population[:-1])  # crowding's pull on the net flow
    # by hand: births loop = b / |b - c(P + P_before)|, crowding loop = -c(P + P_before) / |...|
    expected_births = 0.2 / np.abs(0.2 - both)
    expected_deaths = -both / np.abs(0.2 - both)
    np.testing.assert_allclose(scores.loop_scores[births].to_numpy()[1:], expected_births, rtol=1e-6)
    np.testing.assert_allclose(scores.loop_scores[deaths].to_numpy()[1:], expected_deaths, rtol=1e-6)
    share = scores.relative[births].to_numpy()
    shift = int(np.argmax((share < 0.5) & (np.arange(len(share)) > 0)))
    # the births loop's share falls below a half at the step where c(P + P_before) passes b,
    # that is as the population passes half its capacity of 1,000
    assert both[shift - 1] > 0.2 >= both[shift - 2]
    assert population[shift - 2] < 500 < population[shift]
    # and within a month of the exact logistic curve's inflection, ln((1000 - 10) / 10) / 0.2 =
    # 23.0 months (Euler's quarter-month steps lag the exact curve: here 23.75)
    assert abs(scores.relative.index[shift] - np.log(99) / 0.2) < 1.0


def test_camhs_system_has_89_loops_grouped_into_the_six_named_loops():
    from cyp_dynamics.analysis.game import LOOP_GROUPS, named_loop_shares
    from cyp_dynamics.course.module03.loops import LOOPS

    scores = loop_scores("camhs_system")
    assert len(scores.loops) == 89
    for code, (name, polarity, _) in LOOP_GROUPS.items():  # the names module 03 teaches
        assert LOOPS[code][0] == name and LOOPS[code][1].startswith(polarity)
    shares = named_loop_shares(scores)
    assert [c.split()[0] for c in shares.columns] == [*LOOP_GROUPS, "Other"]
    total = shares.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total[total > 0], 1.0, rtol=1e-9)  # the groups share all activity
    assert ((shares >= 0) & (shares <= 1 + 1e-12)).all().all()


def _pysimlin_relative(path):
    simlin = pytest.importorskip("simlin")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = simlin.load(str(path)).run()
    return run


@pytest.mark.parametrize("name", ["camhs_system", "camhs_waiting_list", "archetype_fixes_that_fail",
                                  "archetype_shifting_the_burden", "archetype_limits_to_growth",
                                  "archetype_success_to_the_successful", "archetype_eroding_goals",
                                  "prevention_vs_late_intervention", "camhs_simulator.mdl"])
def test_relative_loop_scores_agree_with_pysimlin(name):
    model = load_model(models_folder() / name if name.endswith(".mdl") else name)
    run = _pysimlin_relative(model.path)
    ours = loop_scores(model)
    by_variables = {frozenset(n): key for n, key in zip(ours.loops["names"], ours.loops["loop"])}
    outputs = set(model.outputs)
    times = run.results.index.to_numpy(dtype=float)
    assert len(run.loops) == len(ours.loops)
    worst = 0.0
    for loop in run.loops:
        # pysimlin adds a '<stock>_net_flow' variable for stocks with several flows from Vensim
        names = frozenset(v for v in loop.variables if v in outputs)
        theirs = np.asarray(loop.behavior_time_series, dtype=float)
        mine = ours.relative.loc[times, by_variables[names]].to_numpy()
        worst = max(worst, float(np.max(np.abs(theirs - mine))))
    assert worst < 1e-6


def test_models_loop_scores_cannot_cover_are_refused_with_the_reason(write):
    from cyp_dynamics.models.engine import UnsupportedModel

    with pytest.raises(UnsupportedModel, match="subscripts"):
        loop_scores("child_poverty_and_health")
    unnamed = DRAIN.replace("Stock= INTEG (-Outflow, 100)", "Stock= INTEG (-Stock*Rate, 100)")
    with pytest.raises(UnsupportedModel, match="not a sum of named flows"):
        loop_scores(write("unnamed", unnamed))
    with pytest.raises(ValueError, match="no feedback loops"):
        group_scores(loop_scores(write("open", DRAIN.replace("Stock*Rate", "Rate*10"))), {})
