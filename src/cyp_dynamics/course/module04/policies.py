"""Module 04's model and its policies: the constants, runs of the scenario file, the cost ledger,
the policy table, and model facts the exercises and tools share (a transition fund's effect).

Money here is in GBP or GBP million, as the names say; `with_pound_signs` and `millions` turn it
into words for people.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import pandas as pd

from ...analysis.ledger import break_even_year, cost_ledger, cost_per_child_helped, net_present_cost
from ...analysis.scenarios import Scenarios, load_scenarios
from ...models import Model, load_model

MODEL = "prevention_vs_late_intervention"
DATASET = "cyp_spending_prevention_late_intervention"
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
REBALANCED = "rebalanced_portfolio"  # a mix in the scenario file that does better on both counts
PORTFOLIO = ("community_prevention_weight", "school_support_weight", "family_early_help_weight")
MILLION = 1e6


# ---- words for people ------------------------------------------------------------------------
def with_pound_signs(text: str) -> str:
    """Money as people write it: 'GBP 15m fund' -> '£15m fund', 'GBP 33,600' -> '£33,600'."""
    return re.sub(r"\bGBP\s?(?=\d)", "£", str(text))


def millions(pounds: float, decimals: int = 1) -> str:
    """'£15.0 million' from 15000000 (a pound amount as people read it)."""
    return f"£{pounds / MILLION:,.{decimals}f} million"


# ---- the policies of the scenario file ---------------------------------------------------------
@functools.lru_cache(maxsize=1)
def model_and_policies() -> tuple[Model, Scenarios]:
    """The model and its scenario file (loaded once)."""
    model = load_model(MODEL)
    return model, load_scenarios(MODEL, model)


def policy_runs() -> dict[str, pd.DataFrame]:
    """Every policy of the scenario file run for 30 years, keyed by its title in words."""
    model, scenarios = model_and_policies()
    return {policy_title(name): model.run(scenarios.parameters(name)) for name in scenarios.names}


def policy_title(name: str) -> str:
    """The title in words of the scenario `name` (e.g. 'transition_fund')."""
    return with_pound_signs(model_and_policies()[1][name].title)


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
    model, scenarios = model_and_policies()
    chosen = list(scenarios.names if names is None else names)
    base_run = model.run(scenarios.parameters("base"), years)
    base_ledger = policy_ledger(base_run)
    base_cost = net_present_cost(base_ledger)
    rows = []
    for name in chosen:
        is_base = name == "base"
        run = base_run if is_base else model.run(scenarios.parameters(name), years)
        ledger = base_ledger if is_base else policy_ledger(run)
        cost = net_present_cost(ledger)
        helped = float(base_run.escalations_to_date.iloc[-1] - run.escalations_to_date.iloc[-1])
        rows.append({
            "name": name,
            "title": scenarios[name].title,
            "net_present_cost_gbp_m": cost / MILLION,
            "extra_cost_gbp_m": (cost - base_cost) / MILLION,
            "break_even_year": pd.NA if is_base else break_even_year(ledger, base_ledger),
            "children_helped": helped,
            "cost_per_child_helped_gbp": (float("nan") if is_base
                                          else cost_per_child_helped(ledger, base_ledger, helped)),
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


def fund_gap() -> pd.DataFrame:
    """The £15m transition fund's cumulative discounted cost minus today's path, by year (GBP m)."""
    runs = policy_runs()
    return cost_gap(runs[policy_title(FUND_POLICY)], runs[policy_title("base")])


def spend_by_line(run: pd.DataFrame) -> pd.DataFrame:
    """Each year's spend in £ million in three lines: late intervention, overspend, prevention."""
    ledger = policy_ledger(run)
    return pd.DataFrame({
        "Late intervention (budget)": ledger["Late intervention (budget)"],
        "Late need over budget": ledger["Late need over budget"],
        "Prevention (all three kinds)": ledger[PREVENTION_LINES].sum(axis=1),
    }) / MILLION


# ---- a transition fund -------------------------------------------------------------------------
def fund_run(fund_gbp_m: float) -> pd.DataFrame:
    """A 30-year run with a transition fund (GBP m) spent on prevention over the first 3 years."""
    return load_model(MODEL).run({"transition_fund": fund_gbp_m * MILLION, **TRANSITION})


def prevention_share_at_end(fund_gbp_m: float) -> float:
    """Prevention's share of the budget (percent) after 30 years with a transition fund (GBP m)."""
    return float(fund_run(fund_gbp_m).prevention_share_of_budget.iloc[-1])


def escapes(fund_gbp_m: float) -> bool:
    """True if prevention still has at least 20% of the budget after 30 years."""
    return prevention_share_at_end(fund_gbp_m) >= ESCAPE_SHARE_PERCENT


def largest_fund_gbp_m() -> int:
    """The largest transition fund the model allows, in GBP m."""
    return int(load_model(MODEL).parameters.loc["transition_fund", "max"] / MILLION)
