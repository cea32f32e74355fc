"""Charts and tables for the CAMHS flight simulator: the manager's dashboard, the debrief and the
facilitator's overlay of teams. Every chart has a title, axis titles with units in words, at most
four lines per panel told apart by colour and dash, and a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..analysis import game as rules
from ..charts import DASHES, MAX_LINES, alt
from ..charts.tables import Column, PeopleTable, people_table

MONTHS = "Months from start"
QUARTER = "Quarter"
PANEL_WIDTH, PANEL_HEIGHT = 250, 120


def describe(records: list[dict[str, Any]], x_title: str) -> str:
    """'Line chart. Waiting list, Team A: 2,280 at months from start 0, 1,900 at 36. ...'"""
    sentences = []
    seen: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in records:
        seen.setdefault((r["panel"], r["line"]), []).append((r["x"], r["value"]))
    for (panel, line), points in seen.items():
        (x0, v0), (x1, v1) = points[0], points[-1]
        sentences.append(f"{panel}, {line}: {v0:,.0f} at {x_title.lower()} {x0:g}, {v1:,.0f} at {x1:g}.")
    return "Line chart. " + " ".join(sentences)


def lines_chart(records: list[dict[str, Any]], title: str, x_title: str, y_titles: Mapping[str, str],
                columns: int = 1, points: bool = False, width: int = 560, height: int = 180,
                own_legends: bool = False) -> alt.TopLevelMixin:
    """Panels (one per key of `y_titles`, in order) of lines from records {panel, line, x, value};
    at most four lines a panel, told apart by colour and dash. `own_legends`: each panel its own
    colours and legend (for panels that show different lines)."""
    for panel in y_titles:
        count = len({r["line"] for r in records if r["panel"] == panel})
        if count > MAX_LINES:
            raise ValueError(f"{count} lines in the panel '{panel}': at most {MAX_LINES} can be told apart.")
    x_format = "d" if x_title == QUARTER else ",.0f"
    panels = []
    for panel, y_title in y_titles.items():
        values = [r for r in records if r["panel"] == panel]
        lines = list(dict.fromkeys(r["line"] for r in (values if own_legends else records)))
        legend = alt.Legend(title="Line", symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=300,
                            labelLimit=400, columns=2 if own_legends else alt.Undefined)
        base = alt.Chart(alt.Data(values=values)).encode(
            x=alt.X("x:Q", title=x_title, axis=alt.Axis(format=x_format, tickMinStep=1)),
            y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=True), axis=alt.Axis(format=",~r")),
            color=alt.Color("line:N", sort=lines, legend=legend, scale=alt.Scale(domain=lines)),
            tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("x:Q", title=x_title, format=x_format),
                     alt.Tooltip("value:Q", title=y_title, format=",.1f")])
        layer = base.mark_line().encode(strokeDash=alt.StrokeDash(
            "line:N", sort=lines, legend=legend, scale=alt.Scale(domain=lines, range=DASHES[:len(lines)])))
        if points:
            layer = layer + base.mark_point(filled=True, size=50)
        panels.append(layer.properties(width=width, height=height,
                                       title=alt.Title(panel, limit=width + 40)))
    rows = [alt.hconcat(*panels[i:i + columns]) for i in range(0, len(panels), columns)]
    chart = rows[0] if len(rows) == 1 else alt.vconcat(*rows)
    if own_legends:
        chart = chart.resolve_scale(color="independent", strokeDash="independent")
    return chart.properties(title=alt.Title(title, limit=columns * (width + 80)),
                            description=describe(records, x_title))


def _monthly_records(games: Mapping[str, rules.Game], columns: Mapping[str, tuple[str, str]]) -> list[dict]:
    records = []
    for line, game in games.items():
        frame = game.monthly()
        for column, (label, _) in columns.items():
            records += [{"panel": label, "line": line, "x": float(t), "value": float(v)}
                        for t, v in frame[column].items()]
    return records


def dashboard_chart(game: rules.Game) -> alt.TopLevelMixin:
    """What a manager sees, month by month so far: referrals, list, wait, staff and spend."""
    records = _monthly_records({game.team: game}, rules.DASHBOARD)
    titles = {label: unit for label, unit in rules.DASHBOARD.values()}
    quarter = f"after quarter {game.turn} of {game.turns}" if game.turn else "at the start"
    return lines_chart(records, f"Your service, {quarter}", MONTHS, titles, columns=2,
                       width=PANEL_WIDTH, height=PANEL_HEIGHT)


def dashboard_table(game: rules.Game) -> PeopleTable:
    """The latest month's figures as a manager's report."""
    end = game.monthly().iloc[-1]
    frame = pd.DataFrame({"measure": [f"{label} ({unit})" for label, unit in rules.DASHBOARD.values()],
                          "value": [end[c] for c in rules.DASHBOARD]})
    return people_table(frame, {"measure": Column("Measure", "text"), "value": Column("Now", 1)},
                        caption=f"Month {game.month:.0f}")


def comparison_chart(games: Mapping[str, rules.Game]) -> alt.TopLevelMixin:
    """The team's path beside doing nothing and the good policy: list, wait, severe cases, spend."""
    columns = {"waiting_list": rules.DASHBOARD["waiting_list"],
               "average_wait": rules.DASHBOARD["average_wait"],
               "severe_waiting_list": rules.HIDDEN["severe_waiting_list"],
               "spend": rules.DASHBOARD["spend"]}
    titles = {label: unit for label, unit in columns.values()}
    return lines_chart(_monthly_records(games, columns), "Your three years beside two others",
                       MONTHS, titles, columns=2, width=PANEL_WIDTH, height=PANEL_HEIGHT)


def hidden_chart(games: Mapping[str, rules.Game]) -> alt.TopLevelMixin:
    """What the dashboard did not show: severe cases, unmet need, crises and posts being filled."""
    titles = {label: unit for label, unit in rules.HIDDEN.values()}
    return lines_chart(_monthly_records(games, rules.HIDDEN), "What the dashboard did not show",
                       MONTHS, titles, columns=2, width=PANEL_WIDTH, height=PANEL_HEIGHT)


def predictions_chart(game: rules.Game) -> alt.TopLevelMixin:
    """The team's predicted waiting list for each quarter's end beside what happened."""
    table = rules.predictions(game)
    records = [{"panel": "Waiting list at the quarter's end", "line": "What happened", "x": float(q),
                "value": float(v)} for q, v in table["happened"].items()]
    records += [{"panel": "Waiting list at the quarter's end", "line": "What you expected", "x": float(q),
                 "value": float(v)} for q, v in table["predicted"].items() if pd.notna(v)]
    return lines_chart(records, "What you expected and what happened", QUARTER,
                       {"Waiting list at the quarter's end": "children"}, points=True)


def loops_chart(shares: pd.DataFrame, title: str = "Which loops drove the service, quarter by quarter"
                ) -> alt.TopLevelMixin:
    """Each named loop's share of all loop activity (%), per quarter: reinforcing loops in one
    panel, balancing loops and the rest in the other."""
    reinforcing = "Reinforcing loops: share of loop activity"
    balancing = "Balancing and other loops: share of loop activity"
    records = [{"panel": reinforcing if name.startswith("R") else balancing, "line": name,
                "x": float(q), "value": 100 * float(v)}
               for name in shares.columns for q, v in shares[name].items()]
    return lines_chart(records, title, QUARTER, {reinforcing: "%", balancing: "%"}, points=True,
                       own_legends=True)


def debrief_people_table(games: Mapping[str, rules.Game]) -> PeopleTable:
    """The three-year figures of each game, a column each (waits to one decimal)."""
    table = rules.debrief_table(games)
    shown = pd.DataFrame({"measure": table.index})
    for name in games:
        shown[name] = [f"{v:,.1f}" if "(months)" in m else f"{v:,.0f}" for m, v in table[name].items()]
    columns = {"measure": Column("After three years", "text")}
    columns.update({name: Column(name, "text") for name in games})
    return people_table(shown, columns)


def teams_chart(logs: Mapping[str, pd.DataFrame]) -> alt.TopLevelMixin:
    """Several teams' waiting lists and spend quarter by quarter (four teams a panel)."""
    names = list(logs)
    records = []
    for start in range(0, len(names), MAX_LINES):
        group = names[start:start + MAX_LINES]
        suffix = f" (teams {start + 1} to {start + len(group)})" if len(names) > MAX_LINES else ""
        for team in group:
            log = logs[team]
            for column, label in [("end_waiting_list", "Waiting list"), ("end_spend", "Spend")]:
                records += [{"panel": f"{label}{suffix}", "line": team, "x": float(q), "value": float(v)}
                            for q, v in zip(log["turn"], log[column])]
    panels = list(dict.fromkeys(r["panel"] for r in records))
    titles = {p: "children" if p.startswith("Waiting") else "full-time posts paid for" for p in panels}
    return lines_chart(records, "The teams' services, quarter by quarter", QUARTER, titles,
                       columns=2, width=PANEL_WIDTH, height=PANEL_HEIGHT)
