"""Module 04's altair charts: the three outcomes of up to four runs, which policies pay back and
when, exercise 4's gap by year, exercise 5's fund tool, and each year's spend by line.

Money is shown in £ million; every chart has a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ...charts import DASHES, MAX_LINES, PALETTE, WIDTH, alt, runs_chart, tidy_runs
from .policies import (ESCAPE_SHARE_PERCENT, FUND_POLICY, MILLION, cost_gap, fund_gap,
                       model_and_policies, policy_runs, policy_title, spend_by_line)

YEARS_AXIS = "Years from now"
GAP_TITLE = "Extra cost so far (£ million)"
GAP_TOOLTIP = "Cost so far minus today's path (£ million)"
OUTCOMES = {  # output: (title in words with unit, short axis title, divide by); money in £ million
    "children_in_late_intervention": ("Children in late intervention (children)", "Children", 1.0),
    "prevention_share_of_budget": ("Prevention's share of the budget (%)", "% of the budget", 1.0),
    "late_need_over_budget": ("Late need over budget (£ million a year)", "£ million a year", MILLION),
}
BREAK_EVEN_PANELS = {  # at most three lines a panel; the fund and the fund with a ring-fence
    # overlap for 24 years, so they sit in different panels
    "Protecting prevention's share": ["ring_fence_today", "move_5_percent", "fund_and_ring_fence"],
    "A one-off fund, a new mix, and a cut": ["transition_fund", "rebalanced_portfolio", "budget_cut"],
}


def _rule(y: float, **style: Any) -> alt.Chart:
    """A black horizontal line at `y` (zero, or a threshold), to lay over a chart."""
    return alt.Chart(alt.Data(values=[{"y": y}])).mark_rule(color="black", **style).encode(y="y:Q")


def _years_x() -> alt.X:
    """The x axis of the yearly charts: whole years from now."""
    return alt.X("year:Q", title="Year (from now)", axis=alt.Axis(format="d"))


# ---- outcomes of runs --------------------------------------------------------------------------
def outcome_records(runs: Mapping[str, pd.DataFrame], outputs: Iterable[str] = OUTCOMES
                    ) -> list[dict[str, Any]]:
    """Records {run, variable, time, value} for charts, money in £ million."""
    outputs = list(outputs)
    scales = pd.Series({name: OUTCOMES[name][2] for name in outputs})
    return tidy_runs({label: run[outputs] / scales for label, run in runs.items()}, outputs)


def policy_chart(runs: Mapping[str, pd.DataFrame], title: str, subtitle: str = "",
                 outputs: Iterable[str] = OUTCOMES) -> alt.VConcatChart:
    """Outcomes and money for up to four runs, one panel per outcome, lines told apart by colour
    and dash, money in £ million a year."""
    if len(runs) > MAX_LINES:
        raise ValueError(f"{len(runs)} runs is too many lines for one chart: choose at most {MAX_LINES}.")
    outputs = list(outputs)
    chart = runs_chart(outputs, {name: OUTCOMES[name][0] for name in outputs}, YEARS_AXIS, title,
                       subtitle, data=outcome_records(runs, outputs), time_format="d")
    for panel, name in zip(chart.vconcat, outputs):  # the panel title names it; the axis gives the unit
        panel.encoding.y.title = OUTCOMES[name][1]
    return chart


def fund_share_chart(none_run: pd.DataFrame, fund_run: pd.DataFrame, fund_gbp_m: int
                     ) -> alt.VConcatChart:
    """Exercise 5's tool: prevention's share with no fund and with a fund of `fund_gbp_m` (£ million),
    with a dotted line at the 20% that counts as escaping."""
    chart = policy_chart({"No fund": none_run, f"A fund of £{fund_gbp_m} million": fund_run},
                         "Your transition fund", "The dotted line is the 20% that counts as escaping",
                         outputs=["prevention_share_of_budget"])
    chart.vconcat[0] = alt.layer(chart.vconcat[0], _rule(ESCAPE_SHARE_PERCENT, strokeDash=[2, 3]))
    return chart


# ---- paying back -------------------------------------------------------------------------------
def break_even_chart(title: str = "Which policies pay back, and when?") -> alt.VConcatChart:
    """Each policy's cumulative discounted cost minus today's path (£ million), in two panels of
    three lines told apart by colour and dash; below zero the policy has cost less so far."""
    runs, names = policy_runs(), model_and_policies()[1].names
    today = runs[policy_title("base")]
    panels, sentences = [], []
    for panel_title, panel in BREAK_EVEN_PANELS.items():
        titles = [policy_title(name) for name in panel]
        records = []
        for label in titles:
            gap = cost_gap(runs[label], today)["gap_gbp_m"]
            records += [{"policy": label, "year": int(year), "gap": round(float(value), 6)}
                        for year, value in gap.items()]
            sentences.append(f"{label}: {gap.iloc[0]:+,.1f} million in the first year, "
                             f"{gap.iloc[-1]:+,.1f} million at the end.")
        colours = [PALETTE[names.index(name) % len(PALETTE)] for name in panel]
        legend = alt.Legend(title="Policy", orient="bottom", direction="vertical", labelLimit=WIDTH,
                            symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400)
        lines = alt.Chart(alt.Data(values=records)).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
            x=_years_x(),
            y=alt.Y("gap:Q", title=GAP_TITLE, axis=alt.Axis(titleLimit=220)),
            color=alt.Color("policy:N", sort=titles, scale=alt.Scale(domain=titles, range=colours),
                            legend=legend),
            strokeDash=alt.StrokeDash("policy:N", sort=titles, legend=legend,
                                      scale=alt.Scale(domain=titles, range=DASHES[:len(titles)])),
            tooltip=[alt.Tooltip("policy:N", title="Policy"), alt.Tooltip("year:Q", title="Year"),
                     alt.Tooltip("gap:Q", title=GAP_TOOLTIP, format="+,.1f")],
        )
        panels.append((lines + _rule(0)).properties(width=WIDTH, height=220, title=panel_title))
    return alt.vconcat(*panels).resolve_scale(color="independent", strokeDash="independent").properties(
        title=alt.Title(title, subtitle=["Above zero: the policy has cost more so far, discounted.",
                                         "Break-even is where a line goes below zero for good."]),
        description="Line chart in two panels: each policy's cumulative discounted cost minus "
                    "today's path, in £ million, for each of the 30 years. " + " ".join(sentences))


def fund_gap_chart() -> alt.LayerChart:
    """Exercise 4's view: the £15m fund's cost so far minus today's path, one bar a year."""
    gap = fund_gap()["gap_gbp_m"]
    above, below = "Above zero: cost more so far", "At or below zero: cost no more so far"
    records = [{"year": int(year), "gap": round(float(value), 2),
                "side": above if value > 1e-9 else below} for year, value in gap.items()]
    bars = alt.Chart(alt.Data(values=records)).mark_bar().encode(
        x=alt.X("year:O", title="Year (from now)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("gap:Q", title=GAP_TITLE, axis=alt.Axis(titleLimit=260)),
        color=alt.Color("side:N", title="", sort=[above, below],
                        scale=alt.Scale(domain=[above, below], range=[PALETTE[1], PALETTE[0]])),
        tooltip=[alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("gap:Q", title=GAP_TOOLTIP, format="+,.2f")],
    )
    return (bars + _rule(0)).properties(
        width=WIDTH, height=260,
        title=alt.Title(f"{policy_title(FUND_POLICY)}: cost so far minus today's path",
                        subtitle="£ million, discounted. Hover over a bar to read its value."),
        description="Bar chart: for each of the 30 years, how much more the £15m transition fund "
                    "has cost so far than today's path, in £ million, discounted. The same figures "
                    "are in the table below the chart.")


# ---- spending ----------------------------------------------------------------------------------
def spend_chart(run: pd.DataFrame, title: str) -> alt.Chart:
    """Each year's spend (£ million), stacked: late intervention, the overspend, and prevention."""
    ledger = spend_by_line(run)
    lines = list(ledger.columns)
    records = [{"year": int(year), "line": label, "order": i, "spend": float(ledger.loc[year, label])}
               for year in ledger.index for i, label in enumerate(lines)]
    return alt.Chart(alt.Data(values=records)).mark_area().encode(
        x=_years_x(),
        y=alt.Y("spend:Q", title="Spend in the year (£ million)", stack=True),
        color=alt.Color("line:N", title="Spend line", sort=lines,
                        scale=alt.Scale(domain=lines, range=[PALETTE[0], PALETTE[5], PALETTE[2]])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("line:N", title="Spend line"), alt.Tooltip("year:Q", title="Year"),
                 alt.Tooltip("spend:Q", title="£ million", format=",.1f")],
    ).properties(
        width=WIDTH, height=260, title=title,
        description="Stacked area chart of each year's spend in £ million: late intervention paid "
                    "from the budget, late need over budget, and prevention. "
                    f"First year: {ledger.iloc[0].sum():,.1f} million in all; last year: "
                    f"{ledger.iloc[-1].sum():,.1f} million in all.")
