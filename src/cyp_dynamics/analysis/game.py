"""The CAMHS management flight simulator's turn logic: decisions, turns, team logs and debrief
figures (no widgets; `cyp_dynamics.widgets.simulator` draws them).

A team runs a CAMHS service for an area of 100,000 children for three years, a quarter (three
months) at a time, on `camhs_simulator.mdl` (module 03's `camhs_system.mdl` with its stocks
starting from constants, so a run can continue where the last quarter ended). Each turn the team
sets five decisions, says what they expect, then commits; the model runs three months on from the
saved state. Playing turn by turn gives exactly the run that one continuous run with the same
decisions gives (`tests/test_simulator.py` checks it to the last bit).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..models import Model, load_model, models_folder

MONTHS_PER_TURN = 3
TURNS = 12


@dataclass(frozen=True)
class Decision:
    """One lever a team sets each quarter, shown in `unit` and scaled by `scale` into the model."""

    key: str
    label: str
    parameter: str
    unit: str
    minimum: float
    maximum: float
    step: float
    default: float
    help: str
    scale: float = 1.0  # model value = shown value * scale

    def check(self, value: Any) -> float:
        """`value` as a float if it is a number within range; else ValueError saying what to fix."""
        allowed = f"between {self.minimum:g} and {self.maximum:g} {self.unit}"
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError(f"{self.label}: choose a number {allowed}; '{value}' is not a number.")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"{self.label} must be {allowed}; you chose {value:g}. "
                             "Nothing was run: change it and commit again.")
        return float(value)


DECISIONS: dict[str, Decision] = {d.key: d for d in [
    Decision("hire", "Extra clinical posts", "extra_funded_posts_per_100k", "posts", 0, 40, 1, 0,
             "Posts funded on top of today's 124. Each takes about a month to advertise and six "
             "months to fill; a filled post is paid for every month."),
    Decision("temporary", "Temporary capacity", "temporary_capacity_percent", "% extra hours",
             0, 50, 5, 0, "Overtime or insourcing, as extra hours on top of the clinicians' own. "
             "Works at once; each extra hour costs one and a half times a clinician's hour."),
    Decision("triage", "Referrals accepted", "referral_acceptance_share", "% of referrals",
             50, 100, 0.1, 76.3, "A stricter triage threshold accepts fewer referrals; the rest "
             "are signposted elsewhere and leave the service's books.", scale=0.01),
    Decision("early_help", "Early help while waiting", "early_help_deterioration_cut_percent",
             "% fewer children getting worse", 0, 60, 10, 0,
             "Check-ins and guided self-help for children on the mild list, so fewer become "
             "severe while they wait. Needs staff in proportion to the mild list."),
    Decision("school_support", "Schools with mental health support", "school_support_coverage_percent",
             "% of schools", 0, 100, 25, 0,
             "Support staff in schools find need sooner (more referrals, earlier) and fewer "
             "children are severe when referred. Full cover needs 20 staff."),
]}

# What a manager sees each month (the dashboard), and what the debrief reveals.
DASHBOARD: dict[str, tuple[str, str]] = {  # column: (label, unit in words)
    "referrals_made": ("Referrals", "children a month"),
    "waiting_list": ("Waiting list", "children"),
    "average_wait": ("Expected wait", "months"),
    "clinicians": ("Clinicians in post", "full-time posts"),
    "spend": ("Spend", "full-time posts paid for"),
}
HIDDEN: dict[str, tuple[str, str]] = {
    "severe_waiting_list": ("Severe cases waiting", "children"),
    "children_with_unmet_need": ("Unmet need, not yet referred", "children"),
    "crisis_presentations": ("Crisis presentations", "children a month"),
    "clinicians_in_recruitment": ("Posts being filled", "full-time posts"),
}


def simulator_model() -> Model:
    """The simulator's model, `camhs_simulator.mdl` (loaded once and shared)."""
    return load_model(models_folder() / "camhs_simulator.mdl")


def default_decisions() -> dict[str, float]:
    """Every decision at today's value (doing nothing new)."""
    return {key: d.default for key, d in DECISIONS.items()}


def check_decisions(decisions: Mapping[str, Any], previous: Mapping[str, float] | None = None
                    ) -> dict[str, float]:
    """All five decisions checked, missing ones kept from `previous` (or today's values).

    Raises ValueError with a message for people for an unknown decision or a value out of range.
    """
    if not isinstance(decisions, Mapping):
        raise ValueError("Decisions must be given as a dictionary such as {'hire': 10}.")  # noqa: TRY004 (bad input is a ValueError across the library)
    unknown = set(decisions) - set(DECISIONS)
    if unknown:
        raise ValueError(f"Unknown decision(s) {sorted(unknown)}; the decisions are "
                         f"{', '.join(DECISIONS)}.")
    checked = dict(previous or default_decisions())
    for key, value in decisions.items():
        checked[key] = DECISIONS[key].check(value)
    return checked


class Game:
    """One team's game: `play_turn` a quarter at a time; `history` holds every time step."""

    def __init__(self, team: str = "Team", turns: int = TURNS, scenario: Mapping[str, float] | None = None):
        if not isinstance(turns, int) or not 1 <= turns <= 40:
            raise ValueError(f"A game lasts between 1 and 40 quarters; you gave {turns!r}.")
        self.team = str(team).strip() or "Team"
        self.turns = turns
        self.model = simulator_model()
        self.scenario = dict(self.model.resolve(scenario))  # checked once; the defaults plus overrides
        if self.scenario["population_scale"] != 1:
            raise ValueError("The simulator runs a service for an area of 100,000 children: its "
                             "starting values are for that size, so leave population_scale at 1.")
        self.stocks = list(self.model.variables.query("kind == 'stock'").index)
        self._state = {s: self.scenario[f"{s}_at_start"] for s in self.stocks}
        self._decisions = default_decisions()
        self._parts: list[pd.DataFrame] = []
        self._params: list[dict[str, float]] = []  # each turn's decisions as model parameters
        self.log_rows: list[dict[str, Any]] = []

    # ---- playing ----------------------------------------------------------------------------
    @property
    def turn(self) -> int:
        """Turns played so far."""
        return len(self.log_rows)

    @property
    def finished(self) -> bool:
        return self.turn >= self.turns

    @property
    def month(self) -> float:
        """Months played so far."""
        return float(self.turn * MONTHS_PER_TURN)

    @property
    def decisions(self) -> dict[str, float]:
        """The decisions in force (the last turn's, or today's before the first turn)."""
        return dict(self._decisions)

    def params_for(self, decisions: Mapping[str, float]) -> dict[str, float]:
        """The model parameters for a turn from the saved state with `decisions` (checked)."""
        params = dict(self.scenario)
        params.update({f"{s}_at_start": v for s, v in self._state.items()})
        params["months_already_played"] = self.month
        for key, value in decisions.items():
            params[DECISIONS[key].parameter] = value * DECISIONS[key].scale
        return params

    def play_turn(self, decisions: Mapping[str, Any] | None = None, prediction: float | None = None,
                  hypothesis: str = "") -> pd.DataFrame:
        """Commit a quarter's decisions and run three months on; returns the quarter's rows.

        `prediction`: the waiting list the team expects at the end of the quarter (children).
        A decision out of range raises ValueError and nothing is run or logged.
        """
        if self.finished:
            raise ValueError(f"The game is over: all {self.turns} quarters have been played.")
        checked = check_decisions(decisions or {}, self._decisions)
        if prediction is not None and (isinstance(prediction, bool) or not isinstance(prediction, Real)
                                       or not math.isfinite(prediction) or prediction < 0):
            raise ValueError(f"A prediction is a number of children (0 or more); you gave {prediction!r}.")
        run = self.model.run(self.params_for(checked), months=MONTHS_PER_TURN)
        run.index = run.index + self.month
        self._state = {s: float(run[s].iloc[-1]) for s in self.stocks}
        self._decisions = checked
        self._parts.append(run)
        self._params.append({DECISIONS[k].parameter: v * DECISIONS[k].scale for k, v in checked.items()})
        self.log_rows.append({"team": self.team, "turn": self.turn + 1, "turns": self.turns,
                              "start_month": self.month,
                              **checked, "prediction_waiting_list": prediction,
                              "hypothesis": str(hypothesis or "")})
        self.log_rows[-1].update(_outcome(run.iloc[-1]))
        return run

    @property
    def history(self) -> pd.DataFrame:
        """Every time step played so far (all model outputs), indexed by month. A quarter's last
        step is the next quarter's first, so it is kept from the next quarter (whose decisions
        act from then on), except at the end of the last quarter played."""
        if not self._parts:
            return self.model.run(self.params_for(self._decisions), months=0.25).iloc[:1]
        return pd.concat([part.iloc[:-1] for part in self._parts[:-1]] + [self._parts[-1]])

    def monthly(self) -> pd.DataFrame:
        """The history at whole months."""
        history = self.history
        return history[(history.index % 1) == 0]

    @property
    def log(self) -> pd.DataFrame:
        """One row per turn: decisions, prediction, hypothesis and what happened by the quarter's end."""
        columns = ["team", "turn", "turns", "start_month", *DECISIONS, "prediction_waiting_list",
                   "hypothesis", *OUTCOMES]
        return pd.DataFrame(self.log_rows, columns=columns)

    def save_log(self, path: str | Path) -> Path:
        """Write the team's log as CSV (one row per turn); returns the path."""
        path = Path(path)
        self.log.to_csv(path, index=False)
        return path


OUTCOMES = ["end_waiting_list", "end_average_wait", "end_clinicians", "end_referrals_made", "end_spend"]


def _outcome(row: pd.Series) -> dict[str, float]:
    return {f"end_{c}": float(row[c]) for c in ["waiting_list", "average_wait", "clinicians",
                                                "referrals_made", "spend"]}


def read_log(source: str | Path | io.StringIO) -> pd.DataFrame:
    """A team log from CSV, checked: the columns a log needs, turns 1, 2, ... in order."""
    try:
        log = pd.read_csv(source, keep_default_na=False, na_values={"prediction_waiting_list": [""]})
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
        raise ValueError(f"This file is not a team log (a CSV saved by the simulator): {error}.") from None
    missing = [c for c in ["team", "turn", *DECISIONS] if c not in log.columns]
    if missing:
        raise ValueError(f"This file is not a team log: it lacks the column(s) {missing}. Load a "
                         "CSV that the simulator saved.")
    if log.empty or list(log["turn"]) != list(range(1, len(log) + 1)):
        raise ValueError("A team log needs turns 1, 2, 3, ... in order, one row each.")
    return log


def replay(log: pd.DataFrame | str | Path, turns: int | None = None) -> Game:
    """The game a saved log records, played again turn by turn (runs are deterministic); its
    length from the log's 'turns' column, else `turns`, else twelve quarters."""
    if not isinstance(log, pd.DataFrame):
        log = read_log(log)
    teams = log["team"].astype(str).unique()
    if len(teams) != 1:
        raise ValueError(f"One log holds one team; this one holds {len(teams)}: {', '.join(teams)}.")
    if turns is None:
        turns = int(log["turns"].iloc[0]) if "turns" in log.columns else TURNS
    game = Game(team=teams[0], turns=max(turns, len(log)))
    for row in log.to_dict("records"):
        prediction = row.get("prediction_waiting_list")
        prediction = None if prediction is None or prediction == "" or pd.isna(prediction) else float(prediction)
        game.play_turn({k: float(row[k]) for k in DECISIONS}, prediction, str(row.get("hypothesis", "")))
    return game


def play_plan(plan: list[Mapping[str, float]], team: str, turns: int = TURNS) -> Game:
    """A whole game played with one decision set per turn (a shorter plan keeps its last turn's)."""
    game = Game(team=team, turns=turns)
    for turn in range(turns):
        game.play_turn(plan[turn] if turn < len(plan) else {})
    return game


# One policy that works well in this model (found by trying a few, not an optimum): hire early
# (posts take months to fill), bridge with temporary capacity until they do, give early help while
# waits are long, keep triage as it is, add school support once the list is falling.
GOOD_POLICY: list[dict[str, float]] = (
    [{"hire": 20, "temporary": 30, "early_help": 40}] + [{}] * 3
    + [{"temporary": 0, "school_support": 50}] + [{}] * 3
    + [{"early_help": 20}] + [{}] * 3
)


def comparison(game: Game) -> dict[str, Game]:
    """The team's game beside doing nothing and the good policy (each a finished game)."""
    return {game.team: game, "Doing nothing new": play_plan([], "Doing nothing new", game.turns),
            "A policy that works well": play_plan(GOOD_POLICY, "A policy that works well", game.turns)}


def debrief_table(games: Mapping[str, Game]) -> pd.DataFrame:
    """Three-year figures per game: what a manager sees and what was hidden."""
    rows = {}
    for label, game in games.items():
        end = game.monthly().iloc[-1]
        rows[label] = {
            "Waiting list at the end (children)": end["waiting_list"],
            "Expected wait at the end (months)": end["average_wait"],
            "Severe cases waiting at the end (children)": end["severe_waiting_list"],
            "Unmet need not yet referred (children)": end["children_with_unmet_need"],
            "Children who started treatment": end["treatment_starts_to_date"],
            "Crisis presentations over the game": end["crisis_presentations_to_date"],
            "Closed or not accepted over the game": end["closed_or_not_accepted_to_date"],
            "Spend over the game (full-time posts for a year)": end["spend_to_date"] / 12,
        }
    return pd.DataFrame(rows)


def predictions(game: Game) -> pd.DataFrame:
    """Each quarter's predicted waiting list beside what happened (children); blank if none."""
    log = game.log
    return pd.DataFrame({"quarter": log["turn"], "predicted": log["prediction_waiting_list"],
                         "happened": log["end_waiting_list"]}).set_index("quarter")


# The model's six named loops (as module 03 names them; tests check the names match), each
# recognised by the variables its loops pass through. The first test a loop passes takes it.
LOOP_GROUPS: dict[str, tuple[str, str, Any]] = {  # code: (name, polarity, test on loop's names)
    "R2": ("burnout", "reinforcing", lambda n: {"clinicians_leaving", "average_wait"} <= n),
    "B3": ("hiring replaces leavers", "balancing", lambda n: "recruitment_started" in n),
    "R1": ("deterioration", "reinforcing", lambda n: {"deterioration", "average_wait"} <= n),
    "B1": ("closures hide demand", "balancing",
           lambda n: "average_wait" in n and bool({"mild_closures", "severe_closures"} & n)),
    "R3": ("relapse and return", "reinforcing", lambda n: "re_referrals" in n),
    "B2": ("treatment drains the list", "balancing", lambda n: "treatment_starts" in n),
}


def named_loop_shares(scores: Any) -> pd.DataFrame:
    """Each of the six named loops' share of loop activity (0 to 1) at every step of a run of
    `camhs_system.mdl` or `camhs_simulator.mdl`, from `loop_scores.loop_scores(...)`. Columns:
    'R2 burnout', ..., 'Other loops'. For module 03: `named_loop_shares(loop_scores('camhs_system'))`."""
    from .loop_scores import group_scores

    groups = {f"{code} {name}": test for code, (name, _, test) in LOOP_GROUPS.items()}
    return group_scores(scores, groups)


def loop_dominance(game: Game, by: str = "quarter") -> pd.DataFrame:
    """Each named loop's share of loop activity (0 to 1) in the team's run, averaged per quarter
    (`by='quarter'`, index: quarter 1, 2, ...) or at every time step (`by='step'`, index: month)."""
    from .loop_scores import loop_scores

    if not game._parts:
        raise ValueError("Play at least one quarter first.")
    history = game.history
    rows = [params for part, params in zip(game._parts, game._params)
            for _ in range(len(part) - 1)] + [game._params[-1]]
    constants = pd.DataFrame(rows, index=history.index)
    constants["months_already_played"] = 0.0  # the history's clock is already the game's month
    shares = named_loop_shares(loop_scores(game.model, params=game.scenario, history=history,
                                           constants=constants))
    if by == "step":
        return shares
    shares = shares[shares.sum(axis=1) > 0]  # the first step, before anything has changed
    quarter = np.minimum((shares.index // MONTHS_PER_TURN).astype(int) + 1, game.turn)
    return shares.groupby(quarter).mean().rename_axis("quarter")
