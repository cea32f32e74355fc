"""Policies under uncertainty (analysis.robustness): a hand-computed case, ties, direction, and a
run of a course scenario file across the same worlds."""

from __future__ import annotations

import pandas as pd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis.ensemble import sample_parameters
from cyp_dynamics.analysis.robustness import (best_under_defaults, policy_outcomes,
                                              policy_robustness, regret)
from cyp_dynamics.analysis.scenarios import load_scenarios

# Four worlds, three policies; fewer children is better. Worked by hand:
#   world  base  steady  gamble   best   regret: base steady gamble
#   1      100    90      50       50            50     40     0
#   2      100    90     150       90            10      0    60
#   3      100    95      60       60            40     35     0
#   4      100    95     160       95             5      0    65
OUTCOMES = pd.DataFrame({"base": [100, 100, 100, 100], "steady": [90, 90, 95, 95],
                         "gamble": [50, 150, 60, 160]}, dtype=float)


def test_a_hand_computed_case():
    table = policy_robustness(OUTCOMES, baseline="base", worst_share=0.75)
    assert table.loc["steady", "chance_beats_baseline"] == 1.0
    assert table.loc["gamble", "chance_beats_baseline"] == 0.5
    assert table.loc["base", "chance_beats_baseline"] == 0.0
    assert table.loc["gamble", "median"] == 105.0  # (60 + 150) / 2
    assert table.loc["steady", "worst_plausible"] == 95.0  # 75th percentile of 90, 90, 95, 95
    assert table.loc["gamble", "worst_plausible"] == pytest.approx(152.5)  # 150 + 0.25 x (160 - 150)
    assert list(table["max_regret"]) == [50.0, 40.0, 65.0]
    assert list(table["mean_regret"]) == [26.25, 18.75, 31.25]
    assert table["robust"].tolist() == [False, True, False]  # steady: smallest largest regret
    assert best_under_defaults({"base": 100, "steady": 90, "gamble": 50}) == "gamble"


def test_regret_in_each_world_is_the_gap_to_that_worlds_best():
    assert regret(OUTCOMES).iloc[1].tolist() == [10.0, 0.0, 60.0]
    higher = regret(OUTCOMES, lower_is_better=False)
    assert higher.iloc[1].tolist() == [50.0, 60.0, 0.0]


def test_when_more_is_better_the_directions_turn_round():
    table = policy_robustness(-OUTCOMES, baseline="base", lower_is_better=False, worst_share=0.75)
    assert table.loc["gamble", "chance_beats_baseline"] == 0.5
    assert table.loc["steady", "worst_plausible"] == -95.0
    assert table["robust"].tolist() == [False, True, False]


def test_a_tie_is_not_a_win():
    tied = pd.DataFrame({"base": [10.0, 10.0], "same": [10.0, 10.0 - 1e-12], "better": [9.0, 9.0]})
    table = policy_robustness(tied)
    assert table.loc["same", "chance_beats_baseline"] == 0.0
    assert table.loc["better", "chance_beats_baseline"] == 1.0


@pytest.mark.parametrize("outcomes, kwargs, message", [
    (OUTCOMES, {"baseline": "today"}, "not a column"),
    (OUTCOMES, {"worst_share": 1.5}, "between 0.5 and 1"),
    (pd.DataFrame(), {}, "one row per world"),
    (OUTCOMES.assign(steady=[1.0, None, 2.0, 3.0]), {}, "missing"),
])
def test_mistakes_are_answered_with_what_to_fix(outcomes, kwargs, message):
    with pytest.raises(ValueError, match=message):
        policy_robustness(outcomes, **kwargs)


def test_every_policy_meets_the_same_worlds():
    model = load_model("camhs_system")
    scenarios = load_scenarios("camhs_system", model)
    worlds = sample_parameters(model, 12, {"deterioration_rate": (0.01, 0.03)}, seed=3)
    outcomes = policy_outcomes(model, scenarios, worlds, "waiting_list",
                               names=["base", "hire_now"], months=36)
    assert outcomes.shape == (12, 2)
    world = worlds.iloc[5].to_dict()
    by_hand = model.run({**world, **scenarios.parameters("hire_now")}, months=36).waiting_list.iloc[-1]
    assert outcomes["hire_now"].iloc[5] == pytest.approx(by_hand)
    table = policy_robustness(outcomes)
    assert table.loc["hire_now", "chance_beats_baseline"] == 1.0  # 20 more posts always help
