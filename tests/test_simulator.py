"""The CAMHS flight simulator: turn-by-turn play equals one continuous run, decisions out of range
are refused, team logs round-trip, and the debrief's figures."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis import game as rules
from cyp_dynamics.widgets import simulator_charts as charts
from cyp_dynamics.widgets.simulator import Simulator, facilitator_view

PLAN = [{"hire": 20, "temporary": 30, "early_help": 40}, {}, {"triage": 70.5},
        {"temporary": 10, "school_support": 75}, {}, {"hire": 5}, {"early_help": 0},
        {"triage": 90}, {}, {"temporary": 50}, {"school_support": 0}, {"hire": 40}]


LABELS = {"hire": "Extra funded posts per 100k", "temporary": "Temporary capacity percent",
          "triage": "Referral acceptance share", "early_help": "Early help deterioration cut percent",
          "school_support": "School support coverage percent"}


def _continuous(plan: list[dict], folder, scenario: dict | None = None) -> pd.DataFrame:
    """One continuous run of 36 months, written apart from the game: a copy of the simulator's
    model file whose five decisions are time-dependent (IF THEN ELSE on Time, switching at each
    quarter's start to the plan's values), run once by the ordinary `Model.run`."""
    text = rules.simulator_model().path.read_text()
    decisions, values = rules.default_decisions(), []
    for turn in range(rules.TURNS):
        decisions.update(plan[turn] if turn < len(plan) else {})
        values.append({k: v * rules.DECISIONS[k].scale for k, v in decisions.items()})
    for key, label in LABELS.items():
        expression = repr(values[-1][key])
        for turn in reversed(range(rules.TURNS - 1)):
            month = (turn + 1) * rules.MONTHS_PER_TURN
            expression = f"IF THEN ELSE(Time < {month}, {values[turn][key]!r}, {expression})"
        pattern = re.compile(rf"\n{re.escape(label)}=\n\t[^\n]+\n")
        text, count = pattern.subn(f"\n{label}=\n\t{expression}\n", text)
        assert count == 1, label
    path = folder / "camhs_simulator_continuous.mdl"
    path.write_text(text)
    return load_model(path).run(scenario, months=36)


@pytest.mark.parametrize("scenario", [None, {"need_growth_percent_per_year": 6.5}])
def test_turn_by_turn_equals_one_continuous_run_exactly(tmp_path, scenario):
    game = rules.Game("Exact", scenario=scenario)
    for decisions in PLAN:
        game.play_turn(decisions)
    played = game.history
    continuous = _continuous(PLAN, tmp_path, scenario)
    assert list(played.index) == list(continuous.index) == [i * 0.25 for i in range(145)]
    for column in played.columns:  # every stock, flow and auxiliary, to the last bit
        assert np.array_equal(played[column].to_numpy(), continuous[column].to_numpy()), column


def test_same_decisions_every_quarter_equal_one_model_run():
    decisions = {"hire": 12, "temporary": 15, "triage": 80, "early_help": 20, "school_support": 25}
    game = rules.play_plan([decisions], "Steady")
    params = {rules.DECISIONS[k].parameter: v * rules.DECISIONS[k].scale for k, v in decisions.items()}
    run = load_model(rules.simulator_model().path).run(params, months=36)
    pd.testing.assert_frame_equal(game.history, run, check_exact=True)


@pytest.mark.parametrize("decisions, words", [
    ({"hire": 41}, "Extra clinical posts must be between 0 and 40 posts; you chose 41"),
    ({"temporary": -5}, "Temporary capacity must be between 0 and 50"),
    ({"triage": 101}, "Referrals accepted must be between 50 and 100"),
    ({"early_help": "lots"}, "not a number"),
    ({"recruit": 3}, "Unknown decision"),
])
def test_a_decision_out_of_range_is_refused_and_nothing_runs(decisions, words):
    game = rules.Game("Refused")
    game.play_turn({"hire": 10})
    before = game.history.copy()
    with pytest.raises(ValueError, match=words):
        game.play_turn(decisions)
    assert game.turn == 1
    pd.testing.assert_frame_equal(game.history, before)
    assert game.decisions["hire"] == 10


def test_the_widget_refuses_with_a_message_and_keeps_the_sliders():
    sim = Simulator("Widget")
    sim.sliders["hire"].value = 15
    assert sim.play({"hire": 99}) is False
    assert "between 0 and 40" in sim.message.value and sim.game.turn == 0
    assert sim.sliders["hire"].value == 15
    assert sim.play() is True and sim.game.turn == 1 and sim.game.decisions["hire"] == 15
    assert "no prediction" in sim.message.value and pd.isna(sim.game.log.loc[0, "prediction_waiting_list"])


def test_the_prediction_box_reads_what_people_type():
    sim = Simulator("Typists")
    sim.prediction.value = "2,28"  # a badly typed number: refused with a message, nothing runs
    assert sim.play() is False and sim.game.turn == 0 and "prediction" in sim.message.value
    sim.prediction.value = "about 2,100"
    assert sim.play() is True
    assert sim.game.log.loc[0, "prediction_waiting_list"] == 2100
    assert "you expected 2,100" in sim.message.value and sim.prediction.value == ""


def test_a_saved_log_reloads_and_replays_the_same_game(tmp_path):
    game = rules.Game("Team Fishbank")
    for turn, decisions in enumerate(PLAN[:5]):
        game.play_turn(decisions, prediction=2000 - 50 * turn, hypothesis=f"guess, with a comma {turn}")
    path = game.save_log(tmp_path / "team.csv")
    log = rules.read_log(path)
    pd.testing.assert_frame_equal(log, game.log, check_dtype=False)
    again = rules.replay(path)
    assert again.team == "Team Fishbank" and again.turn == 5 and not again.finished
    pd.testing.assert_frame_equal(again.history, game.history, check_exact=True)
    assert list(again.log["hypothesis"]) == [f"guess, with a comma {t}" for t in range(5)]
    short = rules.Game("Short game", turns=4)
    short.play_turn({"hire": 3})
    assert rules.replay(short.save_log(tmp_path / "short.csv")).turns == 4
    sim = Simulator.from_log(path, logs_folder=tmp_path)  # carry on where the team stopped
    assert sim.game.turn == 5 and sim.sliders["hire"].value == game.decisions["hire"]
    assert sim.play() and sim.game.turn == 6


def test_a_game_stays_an_area_of_100000_children():
    with pytest.raises(ValueError, match="100,000 children"):
        rules.Game("England", scenario={"population_scale": 119})


def test_a_file_that_is_not_a_log_is_refused_with_what_to_fix(tmp_path):
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a team log"):
        rules.read_log(tmp_path / "other.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="not a team log"):
        rules.read_log(tmp_path / "empty.csv")
    view = facilitator_view(tmp_path)
    assert "0 team log(s)" in view.children[0].value and "other.csv" in view.children[0].value


def test_debrief_figures_compare_the_team_with_doing_nothing_and_a_good_policy():
    team = rules.play_plan([{"triage": 60}], "Strict triage")
    games = rules.comparison(team)
    table = rules.debrief_table(games)
    assert list(table.columns) == ["Strict triage", "Doing nothing new", "A policy that works well"]
    nothing, good = table["Doing nothing new"], table["A policy that works well"]
    assert good["Waiting list at the end (children)"] < 0.5 * nothing["Waiting list at the end (children)"]
    assert good["Crisis presentations over the game"] < nothing["Crisis presentations over the game"]
    assert good["Spend over the game (full-time posts for a year)"] > nothing["Spend over the game (full-time posts for a year)"]
    # doing nothing keeps the service near its steady state (2,280 waiting)
    assert abs(nothing["Waiting list at the end (children)"] - 2280) < 20
    # strict triage shortens the list by turning more children away
    assert table.loc["Waiting list at the end (children)", "Strict triage"] < nothing["Waiting list at the end (children)"]
    assert table.loc["Closed or not accepted over the game", "Strict triage"] > nothing["Closed or not accepted over the game"]


def test_predictions_and_loop_dominance_for_the_debrief():
    game = rules.Game("Predictors", turns=4)
    game.play_turn({"hire": 30}, prediction=2000)
    game.play_turn({}, prediction=None)
    game.play_turn({"temporary": 40}, prediction=1800)
    game.play_turn({})
    table = rules.predictions(game)
    assert list(table.index) == [1, 2, 3, 4]
    assert table.loc[1, "predicted"] == 2000 and pd.isna(table.loc[2, "predicted"])
    assert table.loc[3, "happened"] == game.log.loc[2, "end_waiting_list"]
    shares = rules.loop_dominance(game)
    assert list(shares.index) == [1, 2, 3, 4]
    assert [c.split()[0] for c in shares.columns] == [*rules.LOOP_GROUPS, "Other"]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-9)
    # hiring starts recruitment at once: the hiring loop acts in the first quarter
    assert shares.loc[1, "B3 hiring replaces leavers"] > 0.05


def test_charts_follow_the_course_rules():
    games = rules.comparison(rules.play_plan(rules.GOOD_POLICY[:2], "Team A"))
    team = games["Team A"]
    specs = [charts.dashboard_chart(team), charts.comparison_chart(games), charts.hidden_chart(games),
             charts.predictions_chart(team), charts.loops_chart(rules.loop_dominance(team))]
    logs = {f"Team {i}": team.log.assign(team=f"Team {i}") for i in range(6)}
    specs.append(charts.teams_chart(logs))
    for chart in specs:
        spec = chart.to_dict()
        assert spec["title"]["text"] and spec["description"].startswith("Line chart.")
        text = str(spec)
        assert "_" not in spec["description"] and "Dmnl" not in text and "dtype" not in text
        for panel in _panels(spec):
            lines = {r["line"] for r in panel["data"]["values"]}
            assert len(lines) <= 4, panel["title"]
            assert "strokeDash" in str(panel) and panel["encoding" if "encoding" in panel else "layer"]


def _panels(spec: dict) -> list[dict]:
    found = []
    for key in ("vconcat", "hconcat"):
        for item in spec.get(key, []):
            found += _panels(item)
    if "data" in spec and "title" in spec and "width" in spec:
        found.append(spec)
    return found


def test_debrief_table_for_people_has_no_code_names():
    games = rules.comparison(rules.play_plan([], "Team B", turns=2))
    table = charts.debrief_people_table(games)
    html = table._repr_html_()
    assert "Waiting list at the end (children)" in html and "_" not in html.replace("cyp-table", "")


def test_the_simulator_model_with_no_decisions_is_module_03s_model():
    simulator = rules.simulator_model()
    ours = simulator.run(months=36)
    theirs = load_model("camhs_system").run(months=36)
    for column in ["waiting_list", "severe_waiting_list", "clinicians", "treatment_starts", "average_wait"]:
        # the same run but for the rounding of the derived starting values (e.g. 3,396.43)
        np.testing.assert_allclose(ours.loc[theirs.index, column], theirs[column], rtol=1e-5)


def test_every_constant_of_the_simulator_model_has_a_unit_range_and_source():
    table = rules.simulator_model().parameters
    assert len(table) > 40
    for row in table.itertuples():
        assert row.unit, row.name
        assert row.min == row.min, row.name  # a minimum is declared for every constant
        assert row.source != "not given in the model file", row.name
    for decision in rules.DECISIONS.values():  # the sliders' ranges sit inside the model's
        row = table.loc[decision.parameter]
        assert row["min"] <= decision.minimum * decision.scale
        assert row["max"] >= decision.maximum * decision.scale
