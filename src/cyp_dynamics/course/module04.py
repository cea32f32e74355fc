"""Module 04, prevention versus late intervention: the policy ledger and exercise checks.

`policy_table()` runs the course's policies (scenarios/prevention_vs_late_intervention.toml) and
sets each against today's path: net present cost at the Green Book rate, break-even year,
children helped and cost per child helped. The exercise checks compute their answers from the
model and the cited datasets, never from typed-in numbers, and never raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.checks import CheckResult
from ..analysis.ledger import break_even_year, cost_ledger, cost_per_child_helped, net_present_cost
from ..analysis.scenarios import load_scenarios
from ..data.datasets import figure
from ..models import load_model
from .feedback import as_choice, as_number, choice_feedback, give_feedback, relative_gap

if TYPE_CHECKING:
    import altair as alt

MODEL = "prevention_vs_late_intervention"
DATASET = "cyp_spending_prevention_late_intervention"
LEDGER_LINES = {  # label: running total (GBP) in a run; every pound is in exactly one line
    "Late intervention (budget)": "late_intervention_spend_to_date",
    "Late need over budget": "late_need_over_budget_to_date",
    "Community prevention": "community_prevention_spend_to_date",
    "School support": "school_support_spend_to_date",
    "Family early help": "family_early_help_spend_to_date",
}
HORIZON_YEARS = 30
BUDGET_CUT = {"budget_change_percent": -5, "budget_change_year": 1}
ESCAPE_SHARE_PERCENT = 20  # prevention still at least this share of the budget at year 30
TRANSITION = {"transition_start_year": 0, "transition_years": 3}
PORTFOLIO = ("community_prevention_weight", "school_support_weight", "family_early_help_weight")


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
    model = load_model(MODEL)
    scenarios = load_scenarios(MODEL, model)
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
            "net_present_cost_gbp_m": cost / 1e6,
            "extra_cost_gbp_m": (cost - base_cost) / 1e6,
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


# ---- exercise 1: share of the total ------------------------------------------------------------
def late_share_of_total_2015_16() -> float:
    """Late intervention as a percentage of early plus late council spending in 2015/16 (NCB)."""
    late = figure(DATASET, "late_intervention_spend", "2015/16", "England")
    early = figure(DATASET, "early_intervention_spend", "2015/16", "England")
    return 100 * late / (late + early)


def check_late_share(percent: Any) -> CheckResult:
    """Exercise 1: late intervention's share of the 2015/16 total, within 1 percentage point."""

    def check(answer: Any) -> CheckResult:
        value, truth = as_number(answer, "74"), late_share_of_total_2015_16()
        if abs(value - truth) <= 1:
            return CheckResult(True, f"{truth:.0f}% of the total went on late intervention in 2015/16.")
        if value <= 1:
            return CheckResult(False, f"You have {value:g}: give a percentage (like 50), not a fraction.")
        return CheckResult(False, f"You have {value:.1f}%; the figures give about {truth:.0f}%.")

    return give_feedback(percent, check, "Replace `...` with a percentage, then run the cell.",
                         hint="Divide late spending by early plus late spending, then multiply by 100.")


# ---- exercise 2: share of an increase ------------------------------------------------------------
SHARE_CHOICES = {
    "A": "81% of all council spending on children's services in 2021/22 went on late intervention.",
    "B": "Of the extra money councils spent in 2021/22 compared with the year before, 81% went on "
         "late intervention.",
    "C": "Late intervention spending rose by 81% in 2021/22.",
}


def check_share_of_increase(choice: Any) -> CheckResult:
    """Exercise 2: multiple choice; B is right."""
    return choice_feedback(
        choice, SHARE_CHOICES, correct="B",
        praise="It is a share of the increase (about GBP 800m), not of the "
               "total and not a growth rate.",
        reasons={"A": "that would be a share of the total; the 81% is a share of the rise.",
                 "C": "that would be a growth rate; total spending rose by about 8% that year."},
        verdict="is a common misreading",
    )


# ---- exercise 3: predict the vicious cycle -------------------------------------------------------
def extra_late_children_after_cut(year: int = 10) -> float:
    """Extra children in late intervention at `year` after a lasting 5% budget cut from year 1."""
    model = load_model(MODEL)
    cut = model.run(BUDGET_CUT).children_in_late_intervention.loc[year]
    return float(cut - model.run().children_in_late_intervention.loc[year])


def check_cut_prediction(predicted_extra_children: Any) -> CheckResult:
    """Exercise 3: any numeric prediction passes; the feedback says how close it was."""

    def check(answer: Any) -> CheckResult:
        guess, truth = as_number(answer, "100"), extra_late_children_after_cut()
        verdict = ("Very close!" if relative_gap(guess, truth) <= 0.15 else
                   "Your guess was low: the loop keeps adding children year after year." if guess < truth
                   else "Your guess was high.")
        return CheckResult(True, f"You predicted {guess:,.0f}; the model gives {truth:,.0f} extra "
                                 f"children in late intervention by year 10. {verdict}")

    return give_feedback(predicted_extra_children, check,
                         "Replace `...` with your prediction (a number of children), then run the cell.")


# ---- exercise 4: how big a transition fund escapes the cycle? ------------------------------------
def prevention_share_at_end(fund_gbp_m: float) -> float:
    """Prevention's share of the budget (percent) at year 30 with a transition fund (GBP m)."""
    run = load_model(MODEL).run({"transition_fund": fund_gbp_m * 1e6, **TRANSITION})
    return float(run.prevention_share_of_budget.iloc[-1])


def escapes(fund_gbp_m: float) -> bool:
    """True if prevention still has at least 20% of the budget at year 30."""
    return prevention_share_at_end(fund_gbp_m) >= ESCAPE_SHARE_PERCENT


def smallest_escaping_fund() -> int:
    """The smallest whole number of GBP millions of transition fund that escapes the cycle."""
    low, high = 0, int(load_model(MODEL).parameters.loc["transition_fund", "max"] / 1e6)
    while low < high:  # bisection: a bigger fund never leaves prevention worse off
        middle = (low + high) // 2
        low, high = (low, middle) if escapes(middle) else (middle + 1, high)
    return low


def check_transition_fund(fund_gbp_m: Any) -> CheckResult:
    """Exercise 4: passes if the fund (GBP m) escapes; says how close to the smallest it is."""

    def check(answer: Any) -> CheckResult:
        fund = as_number(answer, "12")
        if fund > 100:
            raise ValueError(f"give the fund in millions of pounds (for GBP 12m type 12), not {fund:,.0f}.")
        share = prevention_share_at_end(fund)
        if share < ESCAPE_SHARE_PERCENT:
            return CheckResult(False, f"With GBP {fund:g}m, prevention has {share:.0f}% of the budget "
                                      f"at year 30: the cycle still wins.")
        smallest = smallest_escaping_fund()
        extra = (" That is the smallest whole number of millions that does it." if fund <= smallest
                 else f" It works; a smaller fund would too (try below GBP {fund:g}m).")
        return CheckResult(True, f"With GBP {fund:g}m, prevention keeps {share:.0f}% of the budget "
                                 f"at year 30.{extra}")

    return give_feedback(fund_gbp_m, check,
                         "Replace `...` with a fund size in GBP millions, then run the cell.",
                         hint="Try a bigger fund: move the transition fund slider in the explorer.")


# ---- exercise 5: break-even year of the transition fund ------------------------------------------
def fund_break_even_year() -> int | None:
    """Break-even year (discounted) of the GBP 15m transition fund against today's path."""
    value = policy_table(["transition_fund"]).loc["transition_fund", "break_even_year"]
    return None if pd.isna(value) else int(value)


def check_break_even(year: Any) -> CheckResult:
    """Exercise 5: the break-even year read from the ledger, exactly."""

    def check(answer: Any) -> CheckResult:
        value, truth = as_number(answer, "20"), fund_break_even_year()
        if truth is not None and value == truth:
            return CheckResult(True, f"Year {truth}: from then on the fund has paid for itself, "
                                     "even at the Green Book's 3.5% discount rate.")
        return CheckResult(False, f"You have year {value:g}; look for the first year after which "
                                  "the gap stays at or below zero.")

    return give_feedback(year, check, "Replace `...` with a year (a whole number), then run the cell.",
                         hint="Print the `gap` column and find where it last turns negative.")


# ---- exercise 6: a better portfolio ---------------------------------------------------------------
def portfolio_result(weights: Mapping[str, float]) -> tuple[float, float]:
    """(net present cost in GBP m, escalations to late intervention) over 30 years for `weights`."""
    run = load_model(MODEL).run(dict(weights))
    return net_present_cost(policy_ledger(run)) / 1e6, float(run.escalations_to_date.iloc[-1])


def check_portfolio(weights: Any) -> CheckResult:
    """Exercise 6: passes if the weights beat today's mix on cost and on children escalating."""

    def check(answer: Any) -> CheckResult:
        if not isinstance(answer, Mapping) or set(answer) - set(PORTFOLIO):
            raise ValueError("give a dictionary with the three weights, e.g. "
                             "{'community_prevention_weight': 0.3, 'school_support_weight': 0.2, "
                             "'family_early_help_weight': 0.5}.")
        cost, escalations = portfolio_result(answer)
        base_cost, base_escalations = portfolio_result({})
        message = (f"Net present cost GBP {cost:,.0f}m (today's mix: {base_cost:,.0f}m); "
                   f"{escalations:,.0f} children escalate (today's mix: {base_escalations:,.0f}).")
        return CheckResult(cost <= base_cost and escalations < base_escalations, message)

    return give_feedback(weights, check, "Replace `...` with a dictionary of three weights, then run the cell.",
                         hint="Which intervention acts closest to late intervention, at what cost per child?")


# ---- exercise 7: the Cheshire and Merseyside recommendations ---------------------------------------
RECOMMENDATION_CHOICES = {
    "A": "Community prevention weight",
    "B": "Ring fence percent",
    "C": "Nothing in this model: it has no lever for it",
}


def check_lived_experience_lever(choice: Any) -> CheckResult:
    """Exercise 7: 'incorporating lived experience' has no lever in the model; C is right."""

    def check(answer: Any) -> CheckResult:
        letter = as_choice(answer, RECOMMENDATION_CHOICES)
        if letter == "C":
            return CheckResult(True, "Right: the model cannot show what young people's voices change. "
                                     "Say so when you present it, and ask them what it leaves out.")
        return CheckResult(False, f"{RECOMMENDATION_CHOICES[letter]} changes money or its use, not "
                                  "whose experience shapes the services.")

    return give_feedback(choice, check, "Replace `...` with \"A\", \"B\" or \"C\", then run the cell.")


# ---- charts for the notebook ------------------------------------------------------------------------
LINKED_OUTPUTS = ["children_in_late_intervention", "prevention_share_of_budget", "late_need_over_budget"]


def _policy_colours(runs: Mapping[str, pd.DataFrame]) -> alt.Scale:
    """One house-palette colour per run, in the runs' order, so a policy keeps its colour in
    every chart (including charts that leave the baseline out)."""
    from ..charts import PALETTE, alt

    labels = list(runs)
    return alt.Scale(domain=labels, range=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])


def linked_policy_chart(runs: Mapping[str, pd.DataFrame], title: str,
                        subtitle: str = "") -> alt.VConcatChart:
    """Outcomes and money for several runs, one panel each, linked: click a policy in the legend
    to pick it out in every panel."""
    from ..charts import alt, output_titles, tidy_runs

    model = load_model(MODEL)
    titles = output_titles(model, LINKED_OUTPUTS)
    records = tidy_runs(dict(runs), LINKED_OUTPUTS)
    pick = alt.selection_point(fields=["run"], bind="legend")
    panels = []
    for name in LINKED_OUTPUTS:
        panels.append(
            alt.Chart(alt.Data(values=records)).transform_filter(alt.datum.variable == name)
            .mark_line().encode(
                x=alt.X("time:Q", title="Year (from now)"),
                y=alt.Y("value:Q", title=titles[name], scale=alt.Scale(zero=True)),
                color=alt.Color("run:N", title="Policy (click to pick one out)", sort=None,
                                scale=_policy_colours(runs), legend=alt.Legend(columns=2)),
                opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
                tooltip=[alt.Tooltip("run:N", title="Policy"), alt.Tooltip("time:Q", title="Year"),
                         alt.Tooltip("value:Q", title=titles[name], format=",.1f")],
            ).properties(width=560, height=170, title=titles[name].split(" (")[0])
        )
    panels[0] = panels[0].add_params(pick)
    return alt.vconcat(*panels).properties(title=alt.Title(title, subtitle=subtitle or alt.Undefined))


def cost_gap(policy_run: pd.DataFrame, baseline_run: pd.DataFrame) -> pd.DataFrame:
    """Year by year, the policy's cumulative discounted cost minus the baseline's (GBP m)."""
    policy, baseline = policy_ledger(policy_run), policy_ledger(baseline_run)
    gap = (policy["cumulative_discounted_total"] - baseline["cumulative_discounted_total"]) / 1e6
    return pd.DataFrame({"gap_gbp_m": gap})


def break_even_chart(runs: Mapping[str, pd.DataFrame], baseline: str, title: str) -> alt.LayerChart:
    """Cumulative discounted cost of each run minus the baseline's (GBP m); below zero = cheaper."""
    from ..charts import alt

    records = []
    for label, run in runs.items():
        if label == baseline:
            continue
        for year, value in cost_gap(run, runs[baseline])["gap_gbp_m"].items():
            records.append({"run": label, "year": int(year), "gap": float(value)})
    lines = alt.Chart(alt.Data(values=records)).mark_line(point=True).encode(
        x=alt.X("year:Q", title="Year (from now)"),
        y=alt.Y("gap:Q", title="Cumulative cost minus today's path (GBP m, discounted)"),
        color=alt.Color("run:N", title="Policy", sort=None, scale=_policy_colours(runs),
                        legend=alt.Legend(columns=2)),
        tooltip=[alt.Tooltip("run:N", title="Policy"), alt.Tooltip("year:Q", title="Year"),
                 alt.Tooltip("gap:Q", title="Gap (GBP m)", format=",.1f")],
    )
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="black").encode(y="y:Q")
    return (lines + zero).properties(
        width=560, height=280,
        title=alt.Title(title, subtitle="Above zero: the policy has cost more so far. Break-even is "
                                        "where a line crosses zero for good."))


def spend_chart(run: pd.DataFrame, title: str) -> alt.Chart:
    """Each year's spend by line (GBP m), stacked: late intervention, overspend and prevention."""
    from ..charts import alt

    ledger = policy_ledger(run)
    records = [{"year": int(year), "line": label, "spend": float(ledger.loc[year, label]) / 1e6}
               for year in ledger.index for label in LEDGER_LINES]
    return alt.Chart(alt.Data(values=records)).mark_area().encode(
        x=alt.X("year:Q", title="Year (from now)"),
        y=alt.Y("spend:Q", title="Spend in the year (GBP m)", stack=True),
        color=alt.Color("line:N", title="Spend line", sort=list(LEDGER_LINES)),
        order=alt.Order("line_order:Q"),
        tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("year:Q", title="Year"),
                 alt.Tooltip("spend:Q", title="GBP m", format=",.2f")],
    ).transform_calculate(
        line_order=f"indexof({list(LEDGER_LINES)}, datum.line)"
    ).properties(width=560, height=260, title=title)
