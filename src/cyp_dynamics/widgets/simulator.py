"""`simulator()`: run the CAMHS service for three years, a quarter at a time, then a debrief.

ipywidgets only, with charts drawn inside `ipywidgets.Output`, so it plays in JupyterLab and in
Voilà. Each quarter the team sets five decisions with sliders, writes what they expect (the
waiting list at the quarter's end, and why), then commits; the dashboard shows what a manager
sees. After the last quarter the debrief compares the team's path with doing nothing and with a
policy that works well, their predictions with what happened, reveals the hidden stocks and shows
which loops drove the service. The turn logic lives in `cyp_dynamics.analysis.game`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..analysis import game as rules
from . import simulator_charts as charts
from .answer_reading import AnswerError, read_answer

VEGA_LITE_MIME = "application/vnd.vegalite.v5+json"
LOGS_FOLDER = Path("team_logs")
DEBRIEF_QUESTIONS = [
    "Which decision made the biggest difference, and when did you first see it on the dashboard?",
    ("Where were your predictions furthest from what happened? What did you expect that the "
     "model did not do?"),
    "What was building up that the dashboard did not show? How could a real manager find out?",
    "Which loop drove the service when things got better or worse? Did that match your story?",
    "What would you try first in your own area, and what would you measure to know it works?",
]


def show_chart(output: widgets.Output, chart: Any, label: str) -> None:
    """Draw an altair chart inside an Output (so it also draws in Voilà)."""
    with output:
        display({VEGA_LITE_MIME: chart.to_dict(), "text/plain": f"<{label} chart>"}, raw=True)


def _safe_name(team: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", team).strip("_") or "team"


class Simulator:
    """The simulator's widgets around one `Game`; `widget` is what the notebook shows."""

    def __init__(self, team: str = "Team", turns: int = rules.TURNS, logs_folder: str | Path = LOGS_FOLDER):
        self.game = rules.Game(team=team, turns=turns)
        self.logs_folder = Path(logs_folder)
        self.sliders = {key: self._slider(d) for key, d in rules.DECISIONS.items()}
        self.team_box = widgets.Text(value=self.game.team, description="Team name",
                                     style={"description_width": "initial"})
        self.prediction = widgets.Text(
            placeholder="for example 2,100", description="We expect the waiting list at the end of "
            "this quarter to be about (children)", style={"description_width": "initial"},
            layout=widgets.Layout(width="620px"))
        self.prediction.add_class("cyp-prediction")
        self.hypothesis = widgets.Textarea(
            placeholder="Because ... (what you think will happen, and why)",
            layout=widgets.Layout(width="560px", height="60px"))
        self.commit = widgets.Button(description="Commit and run the quarter", button_style="primary",
                                     layout=widgets.Layout(width="260px"))
        self.save = widgets.Button(description="Save our log", layout=widgets.Layout(width="160px"))
        self.heading = widgets.HTML()
        self.message = widgets.HTML()
        self.dashboard = widgets.Output(layout=widgets.Layout(min_height="420px"))
        self.debrief = widgets.Output()
        self.commit.on_click(lambda _: self.play())
        self.save.on_click(lambda _: self.save_log())
        controls = [widgets.VBox([widgets.HTML(f"{html.escape(d.label)} ({html.escape(d.unit)})"), slider,
                                  widgets.HTML(f"<small>{html.escape(d.help)}</small>")])
                    for slider, d in zip(self.sliders.values(), rules.DECISIONS.values())]
        self.decision_box = widgets.VBox([
            widgets.HTML("<b>Your decisions for this quarter</b>"), *controls,
            widgets.HTML("<b>Before you commit: what do you expect?</b>"), self.prediction,
            self.hypothesis, widgets.HBox([self.commit, self.save])])
        self.widget = widgets.VBox([self.heading, self.team_box, self.decision_box, self.message,
                                    self.dashboard, self.debrief], layout=widgets.Layout(max_width="900px"))
        self.widget.add_class("cyp-simulator")
        self.refresh()

    def _slider(self, d: rules.Decision) -> widgets.Widget:
        kind = widgets.IntSlider if float(d.step).is_integer() else widgets.FloatSlider
        slider = kind(value=d.default, min=d.minimum, max=d.maximum, step=d.step,
                      continuous_update=False, layout=widgets.Layout(width="560px"),
                      **({} if kind is widgets.IntSlider else {"readout_format": ".1f"}))
        slider.add_class(f"cyp-decision-{d.key}")
        return slider

    def _last(self, column: str) -> float:
        return float(self.game.monthly()[column].iloc[-1])

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ---- playing ----------------------------------------------------------------------------
    def decisions(self) -> dict[str, float]:
        """The decisions the sliders show."""
        return {key: float(slider.value) for key, slider in self.sliders.items()}

    def play(self, decisions: dict[str, Any] | None = None) -> bool:
        """Commit `decisions` (default: the sliders') and run the quarter; False, with a message
        saying what to fix, if a decision is refused. Never raises for a person's input."""
        if self.game.finished:
            self.message.value = "<p>The three years are over: read the debrief below.</p>"
            return False
        self.game.team = self.team_box.value.strip() or self.game.team
        try:
            prediction = read_answer(self.prediction.value, "children") if self.prediction.value.strip() else None
        except AnswerError as error:
            self.message.value = f"<p style='color:#B00020'>Your prediction: {html.escape(str(error))}</p>"
            return False
        try:
            self.game.play_turn(self.decisions() if decisions is None else decisions, prediction,
                                self.hypothesis.value)
        except ValueError as error:
            self.message.value = f"<p style='color:#B00020'>{html.escape(str(error))}</p>"
            return False
        quarter = self.game.turn
        end = self.game.log_rows[-1]["end_waiting_list"]
        expected = f"you expected {prediction:,.0f}" if prediction is not None else "no prediction"
        self.message.value = (f"<p>Quarter {quarter} done: the waiting list is now {end:,.0f} "
                              f"children ({expected}).</p>")
        self.hypothesis.value = ""
        self.prediction.value = ""
        self.refresh()
        if self.game.finished:
            self.show_debrief()
        return True

    def refresh(self) -> None:
        """Redraw the heading and the dashboard."""
        if self.game.finished:
            self.heading.value = "<h3>Three years done: the debrief</h3>"
            self.decision_box.layout.display = "none"
        else:
            start = self.game.month
            self.heading.value = (f"<h3>Quarter {self.game.turn + 1} of {self.game.turns}: months "
                                  f"{start:.0f} to {start + rules.MONTHS_PER_TURN:.0f}</h3>")
        self.dashboard.clear_output(wait=True)
        with self.dashboard:
            display(charts.dashboard_table(self.game))
        show_chart(self.dashboard, charts.dashboard_chart(self.game), "Dashboard")

    def show_debrief(self) -> None:
        """The debrief: three paths, predictions, hidden stocks, loops, and questions."""
        games = rules.comparison(self.game)
        out = self.debrief
        out.clear_output()
        with out:
            display(widgets.HTML("<h3>1. Your path beside doing nothing new and a policy that works "
                                 "well</h3>"))
            display(charts.debrief_people_table(games))
        show_chart(out, charts.comparison_chart(games), "Comparison")
        with out:
            display(widgets.HTML("<h3>2. What you expected and what happened</h3>"))
        show_chart(out, charts.predictions_chart(self.game), "Predictions")
        with out:
            display(widgets.HTML("<h3>3. What was building up out of sight</h3><p>A manager's "
                                 "dashboard shows the list and the wait. It does not show how many "
                                 "waiting children are severe, the need not yet referred, crises, "
                                 "or posts still being filled.</p>"))
        show_chart(out, charts.hidden_chart({k: games[k] for k in list(games)[:2]}), "Hidden stocks")
        with out:
            display(widgets.HTML("<h3>4. Which loops drove your service, and when</h3><p>Each line is "
                                 "a named loop's share of all the loops' activity that quarter (the "
                                 "Loops That Matter method). 'Other loops' are mostly each stock "
                                 "draining itself.</p>"))
        show_chart(out, charts.loops_chart(rules.loop_dominance(self.game)), "Loop dominance")
        questions = "".join(f"<li>{html.escape(q)}</li>" for q in DEBRIEF_QUESTIONS)
        with out:
            display(widgets.HTML(f"<h3>5. Talk it through</h3><ol>{questions}</ol>"))
            display(self.save)

    def save_log(self) -> Path | None:
        """Save the team's log as CSV in the logs folder; says where, or what went wrong."""
        self.game.team = self.team_box.value.strip() or self.game.team
        try:
            self.logs_folder.mkdir(parents=True, exist_ok=True)
            path = self.game.save_log(self.logs_folder / f"{_safe_name(self.game.team)}.csv")
        except OSError as error:
            self.message.value = f"<p style='color:#B00020'>The log could not be saved: {html.escape(str(error))}</p>"
            return None
        self.message.value = f"<p>Saved {self.game.turn} quarters to {html.escape(str(path))}.</p>"
        return path

    @classmethod
    def from_log(cls, path: str | Path, logs_folder: str | Path = LOGS_FOLDER) -> Simulator:
        """A simulator with a saved log played back: carry on where the team stopped."""
        game = rules.replay(path)
        simulator = cls(team=game.team, turns=game.turns, logs_folder=logs_folder)
        simulator.game = game
        simulator.team_box.value = game.team
        for key, slider in simulator.sliders.items():
            slider.value = game.decisions[key]
        simulator.refresh()
        if game.finished:
            simulator.show_debrief()
        return simulator


def simulator(team: str = "Team", turns: int = rules.TURNS) -> Simulator:
    """The CAMHS flight simulator for one team; leave the call last in a cell to show it."""
    return Simulator(team=team, turns=turns)


def facilitator_view(folder: str | Path = LOGS_FOLDER) -> widgets.VBox:
    """Every team log (CSV) in `folder`, overlaid: waiting lists and spend by quarter."""
    folder = Path(folder)
    logs, problems = {}, []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        try:
            log = rules.read_log(path)
            logs[str(log["team"].iloc[0])] = log
        except ValueError as error:
            problems.append(f"{path.name}: {error}")
    box = widgets.Output()
    notes = [f"<p>{len(logs)} team log(s) found in {html.escape(str(folder))}.</p>"]
    notes += [f"<p style='color:#B00020'>{html.escape(p)}</p>" for p in problems]
    if logs:
        show_chart(box, charts.teams_chart(logs), "Teams")
    return widgets.VBox([widgets.HTML("".join(notes)), box])
