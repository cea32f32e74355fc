"""Module 04, prevention versus late intervention: exercises, tools, charts and tables for people.

Each `exercise_N()` shows an answer widget (a number box, choices or drop-downs with a Check
button); the trainee never types Python. The right answers are computed from the model and the
cited datasets, never typed in. `policy_table()` sets each policy of the course's scenario file
against today's path (net present cost at the Green Book rate, break-even year, children helped).
Money is shown to people in £ million; policy titles say "£15m", never "GBP 15m".
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ..analysis.checks import CheckResult
from ..analysis.ledger import break_even_year, cost_ledger, cost_per_child_helped, net_present_cost
from ..analysis.scenarios import load_scenarios
from ..charts.tables import Column, PeopleTable, people_table
from ..data.datasets import figure
from ..models import load_model
from ..widgets import ChoiceQuestion, MatchQuestion, NumberQuestion, PredictQuestion, Reflection
from .exercises import ExerciseSet

if TYPE_CHECKING:
    import altair as alt

MODEL = "prevention_vs_late_intervention"
DATASET = "cyp_spending_prevention_late_intervention"
EXERCISES = ExerciseSet("04")
LEDGER_LINES = {  # label: running total (GBP) in a run; every pound is in exactly one line
    "Late intervention (budget)": "late_intervention_spend_to_date",
    "Late need over budget": "late_need_over_budget_to_date",
    "Community prevention": "community_prevention_spend_to_date",
    "School support": "school_support_spend_to_date",
    "Family early help": "family_early_help_spend_to_date",
}
PREVENTION_LINES = ["Community prevention", "School support", "Family early help"]
HORIZON_YEARS = 30
NO_GROWTH = {"need_growth_percent_per_year": 0}
BUDGET_CUT = {"budget_change_percent": -5, "budget_change_year": 1}
ESCAPE_SHARE_PERCENT = 20  # prevention still at least this share of the budget after 30 years
TRANSITION = {"transition_start_year": 0, "transition_years": 3}
FUND_POLICY = "transition_fund"  # the scenario whose break-even year exercise 4 asks for
PORTFOLIO = ("community_prevention_weight", "school_support_weight", "family_early_help_weight")
MILLION = 1e6
YEARS_AXIS = "Years from now"


# ---- words for people ------------------------------------------------------------------------
def with_pound_signs(text: str) -> str:
    """Money as people write it: 'GBP 15m fund' -> '£15m fund', 'GBP 33,600' -> '£33,600'."""
    return re.sub(r"\bGBP\s?(?=\d)", "£", str(text))


def millions(pounds: float, decimals: int = 1) -> str:
    """'£15.0 million' from 15000000 (a pound amount as people read it)."""
    return f"£{pounds / MILLION:,.{decimals}f} million"


@functools.lru_cache(maxsize=1)
def _policies():
    model = load_model(MODEL)
    return model, load_scenarios(MODEL, model)


def policy_runs() -> dict[str, pd.DataFrame]:
    """Every policy of the scenario file run for 30 years, keyed by its title in words."""
    model, scenarios = _policies()
    return {with_pound_signs(scenarios[name].title): model.run(scenarios.parameters(name))
            for name in scenarios.names}


def policy_title(name: str) -> str:
    """The title in words of the scenario `name` (e.g. 'transition_fund')."""
    return with_pound_signs(_policies()[1][name].title)


# ---- the ledger for this model ---------------------------------------------------------------
def policy_ledger(run: pd.DataFrame) -> pd.DataFrame:
    """The cost ledger (GBP, Green Book discounting) of one run of the model."""
    return cost_ledger(run, LEDGER_LINES)


def policy_table(names: Iterable[str] | None = None, years: int = HORIZON_YEARS) -> pd.DataFrame:
    """Each policy against today's path over `years` years (default 30).

    Columns: title, net present cost (GBP m), extra cost over today's path (GBP m), break-even
    year (ledger year from which the policy's discounted cumulative cost stays at or below
    today's path; 0 if it never costs more, <NA> if not within the horizon), children helped
    (escalations to late intervention avoided), cost per child helped (GBP; negative is a saving),
    children in late intervention and prevention share of the budget at the end.
    """
    model, scenarios = _policies()
    chosen = list(scenarios.names if names is None else names)
    base_run = model.run(scenarios.parameters("base"), years)
    base_ledger = policy_ledger(base_run)
    base_cost = net_present_cost(base_ledger)
    rows = []
    for name in chosen:
        run = base_run if name == "base" else model.run(scenarios.parameters(name), years)
        ledger = base_ledger if name == "base" else policy_ledger(run)
        cost = net_present_cost(ledger)
        helped = float(base_run.escalations_to_date.iloc[-1] - run.escalations_to_date.iloc[-1])
        rows.append({
            "name": name,
            "title": scenarios[name].title,
            "net_present_cost_gbp_m": cost / MILLION,
            "extra_cost_gbp_m": (cost - base_cost) / MILLION,
            "break_even_year": break_even_year(ledger, base_ledger) if name != "base" else pd.NA,
            "children_helped": helped,
            "cost_per_child_helped_gbp": (cost_per_child_helped(ledger, base_ledger, helped)
                                          if name != "base" else float("nan")),
            "children_in_late_intervention_at_end": float(run.children_in_late_intervention.iloc[-1]),
            "prevention_share_at_end_percent": float(run.prevention_share_of_budget.iloc[-1]),
        })
    table = pd.DataFrame(rows).set_index("name")
    table["break_even_year"] = table["break_even_year"].astype("Int64")
    return table


def cost_gap(policy_run: pd.DataFrame, baseline_run: pd.DataFrame) -> pd.DataFrame:
    """Year by year, the policy's cumulative discounted cost minus the baseline's (GBP m)."""
    policy, baseline = policy_ledger(policy_run), policy_ledger(baseline_run)
    gap = (policy["cumulative_discounted_total"] - baseline["cumulative_discounted_total"]) / MILLION
    return pd.DataFrame({"gap_gbp_m": gap})


# ---- exercise 1: share of the total ------------------------------------------------------------
def late_share_of_total_2015_16() -> float:
    """Late intervention as a percentage of early plus late council spending in 2015/16 (NCB)."""
    late = figure(DATASET, "late_intervention_spend", "2015/16", "England")
    early = figure(DATASET, "early_intervention_spend", "2015/16", "England")
    return 100 * late / (late + early)


@EXERCISES.add("04-ex1")
def exercise_1() -> NumberQuestion:
    """Exercise 1: late intervention's share of early plus late spending in 2015/16 (percent)."""
    return NumberQuestion(
        "04-ex1", late_share_of_total_2015_16, unit="%", kind="percent", tolerance=0.015,
        right="{value:.0f}% is right: about three pounds in every four went on late intervention "
              "in 2015/16.",
        hint="Divide late spending by early plus late spending, then multiply by 100.")


# ---- exercise 2: share of an increase ------------------------------------------------------------
SHARE_CHOICES = {
    "A": "81% of all council spending on children's services in 2021/22 went on late intervention.",
    "B": "Of the extra money councils spent in 2021/22 compared with the year before, 81% went on "
         "late intervention.",
    "C": "Late intervention spending rose by 81% in 2021/22.",
}


@EXERCISES.add("04-ex2")
def exercise_2() -> ChoiceQuestion:
    """Exercise 2: what '81% of the increase' means; B is right."""
    return ChoiceQuestion(
        "04-ex2", SHARE_CHOICES, correct="B",
        praise="It is a share of the increase (about £800m), not of the total and not a growth "
               "rate. Always ask: a share of what?",
        reasons={"A": "that would be a share of the total; the 81% is a share of the rise.",
                 "C": "that would be a growth rate; total spending rose by about 8% that year."},
        hint="Read the headline again: what is the 81% a share of?")


# ---- exercise 3: predict the vicious cycle -------------------------------------------------------
def extra_late_children_after_cut(year: int = 10) -> float:
    """Extra children in late intervention at `year` after a lasting 5% budget cut from year 1,
    with need not growing (as in experiment 1)."""
    model = load_model(MODEL)
    cut = model.run({**NO_GROWTH, **BUDGET_CUT}).children_in_late_intervention.loc[year]
    return float(cut - model.run(NO_GROWTH).children_in_late_intervention.loc[year])


@EXERCISES.add("04-ex3")
def exercise_3() -> PredictQuestion:
    """Exercise 3: predict the extra children in late intervention at year 10; any number is fine."""
    return PredictQuestion("04-ex3", extra_late_children_after_cut, unit="children",
                           reflection="The chart below shows how the loop gets there.")


# ---- exercise 4: break-even year of the transition fund ------------------------------------------
def fund_gap() -> pd.DataFrame:
    """The £15m transition fund's cumulative discounted cost minus today's path, by year (GBP m)."""
    runs = policy_runs()
    return cost_gap(runs[policy_title(FUND_POLICY)], runs[policy_title("base")])


def fund_break_even_year() -> int:
    """Break-even year (discounted) of the £15m transition fund against today's path."""
    value = policy_table(["base", FUND_POLICY]).loc[FUND_POLICY, "break_even_year"]
    if pd.isna(value):
        raise ValueError("The transition fund does not break even within 30 years any more: "
                         "exercise 4 needs rewording.")
    return int(value)


def _year_leaks() -> list[str]:
    """Other ways the break-even year could be written out: 'year 30', '30th year'."""
    year = fund_break_even_year()
    return [rf"\byears?\s*{year}\b", rf"\b{year}(?:st|nd|rd|th)\s+year\b"]


@EXERCISES.add("04-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: the fund's break-even year, read from the chart or table of the gap, exactly."""
    return NumberQuestion(
        "04-ex4", fund_break_even_year, unit="year", kind="year", tolerance=0.0,
        right="Year {truth:.0f}: from then on the fund has paid for itself, even after "
              "discounting at the Green Book rate.",
        hint="Find the last year in which the gap is still above zero (hover over the bars, or "
             "open the table under the chart): break-even is the year after it.",
        leaks=_year_leaks())


@EXERCISES.add("04-reflect-payback")
def reflect_payback() -> Reflection:
    """Reflection after exercise 4: paying back in what?"""
    return Reflection("04-reflect-payback",
                      "What would count as “paying back” for your board: cash, children, or both? "
                      "How would you explain a saving that is real but not cashable?")


# ---- exercise 5: how big a transition fund escapes the cycle? ------------------------------------
def prevention_share_at_end(fund_gbp_m: float) -> float:
    """Prevention's share of the budget (percent) after 30 years with a transition fund (GBP m)."""
    run = load_model(MODEL).run({"transition_fund": fund_gbp_m * MILLION, **TRANSITION})
    return float(run.prevention_share_of_budget.iloc[-1])


def escapes(fund_gbp_m: float) -> bool:
    """True if prevention still has at least 20% of the budget after 30 years."""
    return prevention_share_at_end(fund_gbp_m) >= ESCAPE_SHARE_PERCENT


def largest_fund_gbp_m() -> int:
    """The largest transition fund the model allows, in GBP m."""
    return int(load_model(MODEL).parameters.loc["transition_fund", "max"] / MILLION)


def smallest_escaping_fund() -> int:
    """The smallest whole number of GBP millions of transition fund that escapes the cycle."""
    low, high = 0, largest_fund_gbp_m()
    while low < high:  # bisection: a bigger fund never leaves prevention worse off
        middle = (low + high) // 2
        low, high = (low, middle) if escapes(middle) else (middle + 1, high)
    return low


def _judge_fund(fund: float) -> CheckResult:
    largest = largest_fund_gbp_m()
    if fund < 0 or fund > largest:
        return CheckResult(False, f"The fund in this model can be from £0 to £{largest} million: "
                                  "type a number in that range.")
    if fund != int(fund):
        return CheckResult(False, "Give the fund in whole millions of pounds, like 12.")
    share = prevention_share_at_end(fund)
    if share < ESCAPE_SHARE_PERCENT:
        return CheckResult(False, f"With {millions(fund * MILLION, 0)}, prevention has {share:.1f}% "
                                  "of the budget after 30 years: the cycle still wins. Try more.")
    if fund > smallest_escaping_fund():
        return CheckResult(False, f"With {millions(fund * MILLION, 0)}, prevention keeps "
                                  f"{share:.1f}% of the budget after 30 years, so it escapes, but a "
                                  "smaller fund would do it too. Try less.")
    return CheckResult(True, f"With {millions(fund * MILLION, 0)}, prevention keeps {share:.1f}% of "
                             "the budget after 30 years, and one million less would not do it.")


@EXERCISES.add("04-ex5")
def exercise_5() -> NumberQuestion:
    """Exercise 5: the smallest whole-million transition fund that escapes the cycle."""
    return NumberQuestion(
        "04-ex5", smallest_escaping_fund, unit="£ million", kind="money_million", judge=_judge_fund,
        hint="Move the fund slider in the tool above until prevention keeps 20% of the budget; "
             "the feedback also tells you the share for the fund you type.")


# ---- exercise 6: a better portfolio ---------------------------------------------------------------
PORTFOLIO_ITEMS = {"A": "Community prevention", "B": "School-based support", "C": "Family early help"}
SHARE_OPTIONS = [f"{percent}%" for percent in range(0, 101, 10)]
REBALANCED = "rebalanced_portfolio"  # a mix in the scenario file that does better on both counts


def portfolio_result(weights: Mapping[str, float]) -> tuple[float, float]:
    """(net present cost in GBP m, escalations to late intervention) over 30 years for `weights`."""
    run = load_model(MODEL).run(dict(weights))
    return net_present_cost(policy_ledger(run)) / MILLION, float(run.escalations_to_date.iloc[-1])


def shares_to_weights(shares: Mapping[str, str]) -> dict[str, float]:
    """Drop-down shares {'A': '10%', ...} as the model's portfolio weights (fractions)."""
    return {weight: int(shares[item].rstrip("%")) / 100
            for item, weight in zip(PORTFOLIO_ITEMS, PORTFOLIO)}


def worked_portfolio() -> dict[str, str]:
    """The rebalanced mix of the scenario file, as drop-down shares: one mix that passes."""
    parameters = _policies()[1].parameters(REBALANCED)
    return {item: f"{round(100 * parameters[weight]):d}%"
            for item, weight in zip(PORTFOLIO_ITEMS, PORTFOLIO)}


def judge_portfolio(shares: Mapping[str, str]) -> CheckResult:
    """Right if the mix costs no more than today's mix and fewer children escalate, over 30 years."""
    if any(value not in SHARE_OPTIONS for value in shares.values()):
        return CheckResult(False, "Choose a share for each of the three kinds of prevention.")
    total = sum(int(value.rstrip("%")) for value in shares.values())
    if total != 100:
        return CheckResult(False, f"Your shares add up to {total}%: the three shares of the "
                                  "prevention money must add up to 100%.")
    cost, escalations = portfolio_result(shares_to_weights(shares))
    base_cost, base_escalations = portfolio_result({})
    cheaper, fewer = cost <= base_cost + 1e-9, escalations < base_escalations
    figures = (f"Your mix: net present cost {millions(cost * MILLION)} (today's mix: "
               f"{millions(base_cost * MILLION)}); {escalations:,.0f} children escalate to late "
               f"intervention over 30 years (today's mix: {base_escalations:,.0f}).")
    if cheaper and fewer:
        return CheckResult(True, f"It does more for less than today's mix. {figures}")
    worse = ("it costs more and no fewer children escalate" if not cheaper and not fewer else
             "it costs more" if not cheaper else "no fewer children escalate")
    return CheckResult(False, f"Not better than today's mix on both counts: {worse}. {figures}")


class PortfolioQuestion(MatchQuestion):
    """Three drop-downs of shares (0% to 100%), judged by running the model, not against one
    fixed answer: many mixes pass."""

    def judge(self, answer: Mapping[str, str]) -> CheckResult:
        return judge_portfolio(answer)


@EXERCISES.add("04-ex6")
def exercise_6() -> PortfolioQuestion:
    """Exercise 6: a prevention mix that costs less than today's and lets fewer children escalate."""
    return PortfolioQuestion(
        "04-ex6", PORTFOLIO_ITEMS, SHARE_OPTIONS, worked_portfolio(),
        hint="Which kind of prevention acts closest to late intervention, and which acts soonest? "
             "Try moving ten points at a time between them.")


@EXERCISES.add("04-reflect-for-whom")
def reflect_for_whom() -> Reflection:
    """Reflection after exercise 6: a cheaper mix is not automatically a fairer one."""
    return Reflection("04-reflect-for-whom",
                      "Your mix moved money between kinds of prevention. Which children gain, which "
                      "lose, and who in your area would you ask before making that change?")


# ---- exercise 7: the Cheshire and Merseyside recommendations ---------------------------------------
RECOMMENDATION_CHOICES = {
    "A": "The community prevention weight (the share of prevention money for community prevention)",
    "B": "The ring-fence for prevention",
    "C": "Nothing in this model: it has no lever for it",
}


@EXERCISES.add("04-ex7")
def exercise_7() -> ChoiceQuestion:
    """Exercise 7: 'incorporating lived experience' has no lever in the model; C is right."""
    return ChoiceQuestion(
        "04-ex7", RECOMMENDATION_CHOICES, correct="C",
        praise="Right: nothing in this model stands for lived experience. The model cannot show "
               "what young people's voices change: say so when you present it, and ask them what "
               "it leaves out.",
        reasons={"A": "the community prevention weight changes how money is used, not whose "
                      "experience shapes the services.",
                 "B": "a ring-fence protects money for prevention; it says nothing about whose "
                      "experience shapes the services."},
        hint="Ask of each lever: does it change money, or who is listened to?")


def progress():
    """This module's progress bar."""
    return EXERCISES.progress()


# ---- charts --------------------------------------------------------------------------------------
OUTCOMES = {  # output: (title in words with unit, short axis title, divide by); money in £ million
    "children_in_late_intervention": ("Children in late intervention (children)", "Children", 1.0),
    "prevention_share_of_budget": ("Prevention's share of the budget (%)", "% of the budget", 1.0),
    "late_need_over_budget": ("Late need over budget (£ million a year)", "£ million a year", MILLION),
}


def outcome_records(runs: Mapping[str, pd.DataFrame], outputs: Iterable[str] = OUTCOMES
                    ) -> list[dict[str, Any]]:
    """Records {run, variable, time, value} for charts, money in £ million."""
    records = []
    for label, run in runs.items():
        times = run.index.to_numpy(dtype=float).tolist()
        for name in outputs:
            scale = OUTCOMES[name][2]
            records.extend({"run": label, "variable": name, "time": t, "value": float(v) / scale}
                           for t, v in zip(times, run[name].to_numpy(dtype=float)))
    return records


def policy_chart(runs: Mapping[str, pd.DataFrame], title: str, subtitle: str = "",
                 outputs: Iterable[str] = OUTCOMES) -> alt.VConcatChart:
    """Outcomes and money for up to four runs, one panel per outcome, lines told apart by colour
    and dash, money in £ million a year."""
    from ..charts import MAX_LINES, runs_chart

    if len(runs) > MAX_LINES:
        raise ValueError(f"{len(runs)} runs is too many lines for one chart: choose at most {MAX_LINES}.")
    outputs = list(outputs)
    chart = runs_chart(outputs, {name: OUTCOMES[name][0] for name in outputs}, YEARS_AXIS, title,
                       subtitle, data=outcome_records(runs, outputs), time_format="d")
    for panel, name in zip(chart.vconcat, outputs):  # the panel title names it; the axis gives the unit
        panel.encoding.y.title = OUTCOMES[name][1]
    return chart


BREAK_EVEN_PANELS = {  # at most three lines a panel; the fund and the fund with a ring-fence
    # overlap for 24 years, so they sit in different panels
    "Protecting prevention's share": ["ring_fence_today", "move_5_percent", "fund_and_ring_fence"],
    "A one-off fund, a new mix, and a cut": ["transition_fund", "rebalanced_portfolio", "budget_cut"],
}


def break_even_chart(title: str = "Which policies pay back, and when?") -> alt.VConcatChart:
    """Each policy's cumulative discounted cost minus today's path (£ million), in two panels of
    three lines told apart by colour and dash; below zero the policy has cost less so far."""
    from ..charts import DASHES, PALETTE, WIDTH, alt

    runs, names = policy_runs(), _policies()[1].names
    today = runs[policy_title("base")]
    y_title = "Extra cost so far (£ million)"
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
            x=alt.X("year:Q", title="Year (from now)", axis=alt.Axis(format="d")),
            y=alt.Y("gap:Q", title=y_title, axis=alt.Axis(titleLimit=220)),
            color=alt.Color("policy:N", sort=titles, scale=alt.Scale(domain=titles, range=colours),
                            legend=legend),
            strokeDash=alt.StrokeDash("policy:N", sort=titles, legend=legend,
                                      scale=alt.Scale(domain=titles, range=DASHES[:len(titles)])),
            tooltip=[alt.Tooltip("policy:N", title="Policy"), alt.Tooltip("year:Q", title="Year"),
                     alt.Tooltip("gap:Q", title="Cost so far minus today's path (£ million)",
                                 format="+,.1f")],
        )
        zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="black").encode(y="y:Q")
        panels.append((lines + zero).properties(width=WIDTH, height=220, title=panel_title))
    return alt.vconcat(*panels).resolve_scale(color="independent", strokeDash="independent").properties(
        title=alt.Title(title, subtitle=["Above zero: the policy has cost more so far, discounted.",
                                         "Break-even is where a line goes below zero for good."]),
        description="Line chart in two panels: each policy's cumulative discounted cost minus "
                    "today's path, in £ million, for each of the 30 years. " + " ".join(sentences))


def fund_gap_chart() -> alt.LayerChart:
    """Exercise 4's view: the £15m fund's cost so far minus today's path, one bar a year."""
    from ..charts import PALETTE, WIDTH, alt

    gap = fund_gap()["gap_gbp_m"]
    above, below = "Above zero: cost more so far", "At or below zero: cost no more so far"
    records = [{"year": int(year), "gap": round(float(value), 2),
                "side": above if value > 1e-9 else below} for year, value in gap.items()]
    bars = alt.Chart(alt.Data(values=records)).mark_bar().encode(
        x=alt.X("year:O", title="Year (from now)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("gap:Q", title="Extra cost so far (£ million)", axis=alt.Axis(titleLimit=260)),
        color=alt.Color("side:N", title="", sort=[above, below],
                        scale=alt.Scale(domain=[above, below], range=[PALETTE[1], PALETTE[0]])),
        tooltip=[alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("gap:Q", title="Cost so far minus today's path (£ million)",
                             format="+,.2f")],
    )
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="black").encode(y="y:Q")
    return (bars + zero).properties(
        width=WIDTH, height=260,
        title=alt.Title(f"{policy_title(FUND_POLICY)}: cost so far minus today's path",
                        subtitle="£ million, discounted. Hover over a bar to read its value."),
        description="Bar chart: for each of the 30 years, how much more the £15m transition fund "
                    "has cost so far than today's path, in £ million, discounted. The same figures "
                    "are in the table below the chart.")


def fund_gap_table() -> widgets.Accordion:
    """Exercise 4's figures as a table, folded away under the chart (open it to read)."""
    table = people_table(fund_gap(), {"gap_gbp_m": Column("Cost so far minus today's path "
                                                          "(£ million, discounted)", 2)},
                         index=Column("Year", 0))
    shown = widgets.Output()
    with shown:
        display(table)
    folded = widgets.Accordion(children=[shown])
    folded.set_title(0, "The same figures as a table")
    folded.selected_index = None
    return folded


def spend_chart(run: pd.DataFrame, title: str) -> alt.Chart:
    """Each year's spend (£ million), stacked: late intervention, the overspend, and prevention."""
    from ..charts import PALETTE, WIDTH, alt

    ledger = spend_by_line(run)
    lines = list(ledger.columns)
    records = [{"year": int(year), "line": label, "order": i, "spend": float(ledger.loc[year, label])}
               for year in ledger.index for i, label in enumerate(lines)]
    return alt.Chart(alt.Data(values=records)).mark_area().encode(
        x=alt.X("year:Q", title="Year (from now)", axis=alt.Axis(format="d")),
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


# ---- tables for people -----------------------------------------------------------------------------
def spend_by_line(run: pd.DataFrame) -> pd.DataFrame:
    """Each year's spend in £ million in three lines: late intervention, overspend, prevention."""
    ledger = policy_ledger(run)
    return pd.DataFrame({
        "Late intervention (budget)": ledger["Late intervention (budget)"],
        "Late need over budget": ledger["Late need over budget"],
        "Prevention (all three kinds)": ledger[PREVENTION_LINES].sum(axis=1),
    }) / MILLION


def spending_table() -> PeopleTable:
    """The national spending figures of the course dataset (not the model's local-area rows)."""
    from ..charts.tables import dataset_table
    from ..data.datasets import load_dataset

    spending = load_dataset(DATASET)
    national = spending[~spending.geography.str.startswith("local area")]
    table = dataset_table(national.assign(definition=national.definition.map(with_pound_signs)))
    money = (national.unit == "GBP").to_numpy()
    table.frame.loc[money, "Figure"] = [_big_money(v) for v in national.value[money]]
    return table


def _big_money(pounds: float) -> str:
    """£3.6 billion, £800 million: national sums as people say them."""
    if abs(pounds) >= 1e9:
        return f"£{pounds / 1e9:,.3f}".rstrip("0").rstrip(".") + " billion"
    return f"£{pounds / MILLION:,.3f}".rstrip("0").rstrip(".") + " million"


LEDGER_YEARS = [1, 5, 10, 15, 20, 25, 30]


def ledger_table(run: pd.DataFrame, deep: bool = False) -> PeopleTable:
    """The ledger of a run for selected years, in £ million; `deep` adds the discounting columns."""
    ledger = policy_ledger(run)
    frame = spend_by_line(run)
    frame["total"] = ledger["total"] / MILLION
    columns: dict[str, Column] = {
        "Late intervention (budget)": Column("Late intervention from the budget (£ million)", 1),
        "Late need over budget": Column("Late need over budget (£ million)", 1),
        "Prevention (all three kinds)": Column("Prevention (£ million)", 1),
        "total": Column("Total spend in the year (£ million)", 1),
    }
    if deep:
        frame["discount_factor"] = ledger["discount_factor"]
        frame["discounted_total"] = ledger["discounted_total"] / MILLION
        frame["cumulative_discounted_total"] = ledger["cumulative_discounted_total"] / MILLION
        columns = {"total": columns["total"],
                   "discount_factor": Column("Discount factor", 3),
                   "discounted_total": Column("Discounted total (£ million)", 1),
                   "cumulative_discounted_total": Column("Net present cost so far (£ million)", 1)}
    shown = frame.loc[[year for year in LEDGER_YEARS if year in frame.index]]
    return people_table(shown, columns, index=Column("Year", 0))


def discounting_sentence() -> str:
    """What £1 million spent later counts as today, at the Green Book rates."""
    from ..analysis.ledger import discount_factors

    factors = discount_factors(41)
    return (f"£1 million spent 10 years from now counts as £{factors[10]:.2f} million today; spent "
            f"30 years from now, £{factors[30]:.2f} million; 40 years from now, "
            f"£{factors[40]:.2f} million.")


def policy_list_table() -> PeopleTable:
    """The policies in the scenario file: title and what each does, in words.

    The rebalanced mix's description is summarised, because exercise 6 asks trainees to find
    such a mix themselves."""
    _, scenarios = _policies()
    described = {REBALANCED: "The same money, moved from community prevention towards "
                             "school-based support and family early help."}
    frame = pd.DataFrame({
        "title": [with_pound_signs(scenarios[name].title) for name in scenarios.names],
        "description": [described.get(name, with_pound_signs(scenarios[name].description))
                        for name in scenarios.names]})
    return people_table(frame, {"title": Column("Policy", "text"),
                                "description": Column("What it does", "text")})


MONEY_INPUTS = ("base_budget", "transition_fund")  # shown in £ million


def inputs_table() -> PeopleTable:
    """Every input with its default, range, unit and source; large sums of money in £ million."""
    from ..charts.words import unit_in_words

    inputs = load_model(MODEL).parameters.copy()
    for name in MONEY_INPUTS:
        inputs.loc[name, ["default", "min", "max"]] = inputs.loc[name, ["default", "min", "max"]] / MILLION
    units = []
    for name, unit in inputs["unit"].items():
        words = unit_in_words(unit)
        units.append(words.replace("£", "£ million", 1) if name in MONEY_INPUTS else words)
    inputs["unit_in_words"] = units
    inputs["source"] = [_source_in_words(source) for source in inputs["source"]]
    inputs["default_shown"] = [_plain(value) for value in inputs["default"]]
    inputs["range"] = [f"{_plain(low)} to {_plain(high)}" for low, high in zip(inputs["min"], inputs["max"])]
    return people_table(inputs, {"label": Column("Input", "text"),
                                 "default_shown": Column("Default", "text"),
                                 "range": Column("Range", "text"),
                                 "unit_in_words": Column("Unit", "text"),
                                 "source": Column("Source", "text")})


def _source_in_words(source: str) -> str:
    """A model input's source for people: '£' for 'GBP', and a dataset named by its title, not
    its folder ('see datasets/unit_costs_cyp_services' -> 'see the course dataset “Unit costs...”')."""
    from ..data.datasets import dataset_metadata

    def title(match: re.Match) -> str:
        try:
            return f"the course dataset “{dataset_metadata(match.group(1))['title'].split(',')[0]}”"
        except (KeyError, ValueError, OSError):
            return match.group(0)

    return re.sub(r"datasets/([a-z0-9_]+)", title, with_pound_signs(source))


def _plain(value: float) -> str:
    """A number without needless decimals: 100,000; 68.9; 0.1022."""
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def budget_loops() -> tuple[str, PeopleTable]:
    """A sentence about the model's loops through the budget, and a table of the first three."""
    from ..analysis.loops import find_loops

    loops = find_loops(load_model(MODEL))
    through = loops[loops.name.str.contains("Prevention from budget")]
    kinds = {"R": "reinforcing", "B": "balancing"}
    kind = kinds.get(through.polarity.iloc[0], "mixed") if through.polarity.nunique() == 1 else "mixed"
    sentence = (f"The model has {len(loops)} loops; {len(through)} run through the budget, and all "
                f"of them are {kind}." if kind != "mixed" else
                f"The model has {len(loops)} loops; {len(through)} run through the budget.")
    shown = through.head(3).assign(kind=[kinds.get(p, p) for p in through.head(3).polarity])
    return sentence, people_table(shown, {"loop": Column("Loop", "text"), "kind": Column("Kind", "text"),
                                          "length": Column("Links in the loop", 0),
                                          "name": Column("Path", "text")})


def books_balance(runs: Mapping[str, pd.DataFrame]) -> str:
    """A sentence: does every policy keep every child and every pound in exactly one place?"""
    worst_children = worst_pounds = 0.0
    for run in runs.values():
        children = float((run.children_in_all_states - run.children_in_all_states.iloc[0]).abs().max())
        spent = (run.late_intervention_spend + run.community_prevention_spend
                 + run.school_support_spend + run.family_early_help_spend)
        pounds = float((spent - run.budget - run.transition_spend).abs().max())
        worst_children, worst_pounds = max(worst_children, children), max(worst_pounds, pounds)
    if worst_children < 1e-6 and worst_pounds < 0.01:
        return (f"The books balance for all {len(runs)} policies: no child is lost or counted "
                "twice (to within a millionth of a child), and every pound is in exactly one "
                "spend line (to within a penny).")
    return (f"The books do not balance: the largest gaps are {worst_children:,.3f} children and "
            f"£{worst_pounds:,.2f}. Please tell your trainer.")


def _break_even_words(value: Any) -> str:
    if pd.isna(value):
        return "not within 30 years"
    return "never dearer" if int(value) == 0 else f"{int(value)}"


def side_by_side_table(with_break_even: bool) -> PeopleTable:
    """Every policy against today's path over 30 years, in £ million and children."""
    table = policy_table()
    table["title"] = [with_pound_signs(t) for t in table["title"]]
    columns = {"title": Column("Policy", "text"),
               "net_present_cost_gbp_m": Column("Net present cost (£ million)", 1),
               "extra_cost_gbp_m": Column("Extra cost over today's path (£ million; minus is a saving)", 1)}
    if with_break_even:
        table["break_even"] = [_break_even_words(v) if name != "base" else "–"
                               for name, v in table["break_even_year"].items()]
        columns["break_even"] = Column("Break-even year", "text")
    columns.update({"children_helped": Column("Children kept out of late intervention", 0),
                    "cost_per_child_helped_gbp": Column("Cost per child helped (£)", 0),
                    "prevention_share_at_end_percent": Column("Prevention's share after 30 years (%)", 1)})
    return people_table(table, columns)


def after_solving(key: str, show: Callable[[bool], Any], waiting: str) -> widgets.VBox:
    """A view that `show(False)` draws now and `show(True)` redraws once exercise `key` is done
    (answered right, or its answer shown), with a note saying what will appear."""
    board = EXERCISES.progress()
    area, note = widgets.Output(), widgets.HTML()

    def draw(*_: Any) -> None:
        solved = key in board.done
        with area:
            area.clear_output(wait=True)
            display(show(solved))
        note.value = "" if solved else f"<i>{html.escape(waiting)}</i>"

    draw()
    board.bar.observe(draw, names="value")
    return widgets.VBox([area, note])


def policies_side_by_side() -> widgets.VBox:
    """The closing table; its break-even column appears once exercise 4 is done."""
    return after_solving("04-ex4", side_by_side_table,
                         "The break-even year of each policy appears in this table once you "
                         "have answered exercise 4.")


# ---- tools (not marked) ------------------------------------------------------------------------
class _Lever:
    """One slider of the policy explorer: a model input shown in people's units."""

    def __init__(self, name: str, label: str, unit: str, scale: float = 1.0, short: str = ""):
        self.name, self.label, self.unit, self.scale = name, label, unit, scale
        self.short = short or label.lower()

    def words(self, value: float) -> str:
        shown = f"{value:g}"
        if self.unit == "£ million":
            return f"{self.short} £{shown} million"
        return f"{self.short} {shown}{'%' if self.unit.startswith('%') else ''}"


LEVERS = [
    _Lever("ring_fence_percent", "Ring-fence for prevention", "% of the budget", short="ring-fence"),
    _Lever("transition_fund", "Transition fund, spent over 3 years", "£ million", MILLION, "fund"),
    _Lever("budget_change_percent", "Lasting budget change from year 1", "% (minus is a cut)",
           short="budget change"),
    _Lever("need_growth_percent_per_year", "Growth in need", "% a year", short="need growth"),
    _Lever("family_early_help_weight", "Family early help weight",
           "(community prevention 0.3, school support 0.2)", short="family early help weight"),
]


def _vega(spec: dict[str, Any], title: str) -> None:
    from ..widgets.explorer import VEGA_LITE_MIME

    display({VEGA_LITE_MIME: spec, "text/plain": f"<{title} chart>"}, raw=True)


class PolicyExplorer:
    """Sliders for the policy levers (money in £ million) beside the three outcome panels."""

    TITLE = "Prevention and late intervention for 100,000 children and young people"

    def __init__(self) -> None:
        from ..charts import MAX_LINES

        self.model, self.max_lines = load_model(MODEL), MAX_LINES
        table = self.model.parameters
        self.defaults = {lever.name: float(table.loc[lever.name, "default"]) / lever.scale
                         for lever in LEVERS}
        self.sliders: dict[str, widgets.FloatSlider] = {}
        rows = []
        for lever in LEVERS:
            row = table.loc[lever.name]
            step = float(row["step"]) / lever.scale if pd.notna(row["step"]) else 1.0
            slider = widgets.FloatSlider(
                value=self.defaults[lever.name], min=float(row["min"]) / lever.scale,
                max=float(row["max"]) / lever.scale, step=step, continuous_update=False,
                readout_format=",.2f" if step < 0.1 else ",.1f" if step < 1 else ",.0f",
                layout=widgets.Layout(width="260px"))
            slider.observe(lambda _: self.update(), names="value")
            self.sliders[lever.name] = slider
            tip = html.escape(f"{row['description']} Source: {_source_in_words(row['source'])}",
                              quote=True)
            rows.append(widgets.HBox([
                widgets.HTML(f'<span title="{tip}">{html.escape(lever.label)}</span>',
                             layout=widgets.Layout(width="220px")),
                slider, widgets.Label(lever.unit)], layout=widgets.Layout(align_items="center")))
        self.kept: dict[str, pd.DataFrame] = {}
        self.runs_kept = 0  # numbers kept runs, so a label is never reused after one is dropped
        self.status, self.chart = widgets.HTML(), widgets.Output(layout=widgets.Layout(min_height="260px"))
        buttons = [widgets.Button(description=text, tooltip=tip) for text, tip in (
            ("Keep this run", "Leave this run on the chart to compare with the next"),
            ("Reset", "Put every slider back to its default"),
            ("Clear kept runs", "Remove the runs you kept"))]
        for button, action in zip(buttons, (self.keep, self.reset, self.clear)):
            button.on_click(lambda _, act=action: act())
        self.widget = widgets.VBox([widgets.HTML(f"<b>{self.TITLE}</b>"), *rows,
                                    widgets.HBox(buttons), self.status, self.chart])
        self.results = pd.DataFrame()
        self.update()

    @property
    def params(self) -> dict[str, float]:
        """The slider values as model inputs (pounds, not millions)."""
        return {lever.name: self.sliders[lever.name].value * lever.scale for lever in LEVERS}

    def label(self) -> str:
        """What differs from the defaults, in words: 'ring-fence 26%, fund £15 million'."""
        changed = [lever.words(self.sliders[lever.name].value) for lever in LEVERS
                   if abs(self.sliders[lever.name].value - self.defaults[lever.name]) > 1e-9]
        return ", ".join(changed) if changed else "defaults"

    def update(self) -> None:
        try:
            self.results = self.model.run(self.params)
        except ValueError as error:
            self.status.value = f"<span style='color:#D55E00'>Could not run: {html.escape(str(error))}</span>"
            return
        self.status.value = ""
        self.redraw()

    def keep(self) -> None:
        if len(self.kept) >= self.max_lines - 1:
            dropped = next(iter(self.kept))
            del self.kept[dropped]
            self.status.value = f"At most {self.max_lines - 1} kept runs: “{html.escape(dropped)}” was removed."
        self.runs_kept += 1
        self.kept[f"Run {self.runs_kept}: {self.label()}"] = self.results
        self.redraw()

    def reset(self) -> None:
        for name, slider in self.sliders.items():
            slider.value = self.defaults[name]
        self.update()

    def clear(self) -> None:
        self.kept.clear()
        self.runs_kept = 0
        self.redraw()

    def redraw(self) -> None:
        chart = policy_chart({**self.kept, f"Now: {self.label()}": self.results}, self.TITLE,
                             "Move a slider to re-run; 'Keep this run' to compare.")
        with self.chart:
            self.chart.clear_output(wait=True)
            _vega(chart.to_dict(), self.TITLE)

    def _ipython_display_(self) -> None:
        display(self.widget)


def explore_policies() -> PolicyExplorer:
    """The module's explorer: ring-fence, fund (£ million), budget change, need growth, mix."""
    return PolicyExplorer()


class FundTool:
    """Exercise 5's search tool: one fund slider (£ million) and what it leaves prevention after
    30 years. It never states which fund is the smallest that escapes."""

    def __init__(self, start_gbp_m: int = 10) -> None:
        self.model = load_model(MODEL)
        self.slider = widgets.IntSlider(value=start_gbp_m, min=0, max=largest_fund_gbp_m(), step=1,
                                        continuous_update=False, layout=widgets.Layout(width="360px"))
        self.slider.observe(lambda _: self.update(), names="value")
        self.sentence, self.chart = widgets.HTML(), widgets.Output(layout=widgets.Layout(min_height="220px"))
        self.none_run = self.model.run(TRANSITION)
        self.widget = widgets.VBox([
            widgets.HTML("<b>Transition fund tool</b>: choose a fund, spent on prevention over "
                         "the first three years."),
            widgets.HBox([widgets.Label("Transition fund"), self.slider, widgets.Label("£ million")]),
            self.sentence, self.chart])
        self.update()

    def update(self) -> None:
        from ..charts import alt

        fund = self.slider.value
        run = self.model.run({"transition_fund": fund * MILLION, **TRANSITION})
        share = float(run.prevention_share_of_budget.iloc[-1])
        verdict = ("it has escaped the cycle (20% or more)." if share >= ESCAPE_SHARE_PERCENT
                   else "the cycle still wins (below 20%).")
        self.sentence.value = (f"With a fund of <b>£{fund} million</b>, prevention has "
                               f"<b>{share:.1f}%</b> of the budget after 30 years: {verdict}")
        chart = policy_chart({"No fund": self.none_run, f"A fund of £{fund} million": run},
                             "Your transition fund", "The dotted line is the 20% that counts as escaping",
                             outputs=["prevention_share_of_budget"])
        chart.vconcat[0] = alt.layer(chart.vconcat[0], alt.Chart(alt.Data(values=[{"y": ESCAPE_SHARE_PERCENT}]))
                                     .mark_rule(color="black", strokeDash=[2, 3]).encode(y="y:Q"))
        with self.chart:
            self.chart.clear_output(wait=True)
            _vega(chart.to_dict(), "Transition fund tool")

    def _ipython_display_(self) -> None:
        display(self.widget)


def fund_tool() -> FundTool:
    """Exercise 5's tool: try a fund and see prevention's share after 30 years."""
    return FundTool()


class PolicyPicker:
    """Tick up to four policies; the chart and a table of values after 10 and 30 years follow."""

    TITLE = "Compare policies"

    def __init__(self, ticked: Iterable[str] = ("base", "ring_fence_today", FUND_POLICY, REBALANCED)):
        from ..charts import MAX_LINES

        _, scenarios = _policies()
        self.max_lines, self.runs, ticked = MAX_LINES, policy_runs(), set(ticked)
        self.boxes = {policy_title(name): widgets.Checkbox(
            value=name in ticked, description=policy_title(name), indent=False,
            layout=widgets.Layout(width="auto")) for name in scenarios.names}
        for box in self.boxes.values():
            box.observe(self._on_tick, names="value")
        self.status, self.chart, self.table = widgets.HTML(), widgets.Output(), widgets.Output()
        self.widget = widgets.VBox([
            widgets.HTML(f"<b>{self.TITLE}</b>: tick up to {MAX_LINES} policies."),
            widgets.VBox(list(self.boxes.values())), self.status, self.chart, self.table])
        self.redraw()

    @property
    def chosen(self) -> dict[str, pd.DataFrame]:
        return {title: self.runs[title] for title, box in self.boxes.items() if box.value}

    def _on_tick(self, change: dict[str, Any]) -> None:
        if change["new"] and len(self.chosen) > self.max_lines:
            change["owner"].value = False  # untick: at most four lines a chart
            self.status.value = (f"<i>At most {self.max_lines} policies at once, so the lines stay "
                                 "readable: untick one first.</i>")
            return
        self.status.value = ""
        self.redraw()

    def value_table(self) -> PeopleTable:
        rows = [{"policy": title,
                 "late_10": run.children_in_late_intervention.loc[10],
                 "late_30": run.children_in_late_intervention.iloc[-1],
                 "share_30": run.prevention_share_of_budget.iloc[-1],
                 "over_30": run.late_need_over_budget.iloc[-1] / MILLION}
                for title, run in self.chosen.items()]
        return people_table(pd.DataFrame(rows), {
            "policy": Column("Policy", "text"),
            "late_10": Column("Children in late intervention after 10 years", 0),
            "late_30": Column("Children in late intervention after 30 years", 0),
            "share_30": Column("Prevention's share after 30 years (%)", 1),
            "over_30": Column("Late need over budget after 30 years (£ million a year)", 1)})

    def redraw(self) -> None:
        chosen = self.chosen
        with self.chart:
            self.chart.clear_output(wait=True)
            if chosen:
                _vega(policy_chart(chosen, "Policies: children and money",
                                   "30 years, need rising 0.5% a year").to_dict(), self.TITLE)
            else:
                display(widgets.HTML("<i>Tick at least one policy to draw it.</i>"))
        with self.table:
            self.table.clear_output(wait=True)
            if chosen:
                display(self.value_table())

    def _ipython_display_(self) -> None:
        display(self.widget)


def compare_policies() -> PolicyPicker:
    """Tick up to four of the policies to compare them on a chart and in a table."""
    return PolicyPicker()
