"""Module 04's tables and sentences for people: the national spending figures, the model's inputs,
the policies and how they compare, a run's ledger, exercise 4's gap by year, the loops through the
budget, and checks that the books balance.

Money is shown in £ million (national sums in £ billion or £ million), never as GBP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ...analysis.ledger import discount_factors
from ...analysis.loops import find_loops
from ...charts.tables import Column, PeopleTable, dataset_table, people_table
from ...charts.words import unit_in_words
from ...data.datasets import dataset_metadata, load_dataset
from ...models import load_model
from .policies import (DATASET, MILLION, MODEL, REBALANCED, fund_gap, model_and_policies,
                       policy_ledger, policy_table, policy_title, spend_by_line, with_pound_signs)

LEDGER_YEARS = [1, 5, 10, 15, 20, 25, 30]
MONEY_INPUTS = ("base_budget", "transition_fund")  # shown in £ million


# ---- words for numbers and sources -------------------------------------------------------------
def _big_money(pounds: float) -> str:
    """£3.6 billion, £800 million: national sums as people say them."""
    if abs(pounds) >= 1e9:
        return f"£{pounds / 1e9:,.3f}".rstrip("0").rstrip(".") + " billion"
    return f"£{pounds / MILLION:,.3f}".rstrip("0").rstrip(".") + " million"


def _plain(value: float) -> str:
    """A number without needless decimals: 100,000; 68.9; 0.1022."""
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def source_in_words(source: str) -> str:
    """A model input's source for people: '£' for 'GBP', and a dataset named by its title, not
    its folder ('see datasets/unit_costs_cyp_services' -> 'see the course dataset “Unit costs...”')."""

    def title(match: re.Match) -> str:
        try:
            return f"the course dataset “{dataset_metadata(match.group(1))['title'].split(',')[0]}”"
        except (KeyError, ValueError, OSError):
            return match.group(0)

    return re.sub(r"datasets/([a-z0-9_]+)", title, with_pound_signs(source))


def discounting_sentence() -> str:
    """What £1 million spent later counts as today, at the Green Book rates."""
    factors = discount_factors(41)
    return (f"£1 million spent 10 years from now counts as £{factors[10]:.2f} million today; spent "
            f"30 years from now, £{factors[30]:.2f} million; 40 years from now, "
            f"£{factors[40]:.2f} million.")


# ---- the data and the model --------------------------------------------------------------------
def spending_table() -> PeopleTable:
    """The national spending figures of the course dataset (not the model's local-area rows)."""
    spending = load_dataset(DATASET)
    national = spending[~spending.geography.str.startswith("local area")]
    table = dataset_table(national.assign(definition=national.definition.map(with_pound_signs)))
    money = (national.unit == "GBP").to_numpy()
    table.frame.loc[money, "Figure"] = [_big_money(v) for v in national.value[money]]
    return table


def inputs_table() -> PeopleTable:
    """Every input with its default, range, unit and source; large sums of money in £ million."""
    inputs = load_model(MODEL).parameters.copy()
    for name in MONEY_INPUTS:
        inputs.loc[name, ["default", "min", "max"]] = inputs.loc[name, ["default", "min", "max"]] / MILLION
    units = []
    for name, unit in inputs["unit"].items():
        words = unit_in_words(unit)
        units.append(words.replace("£", "£ million", 1) if name in MONEY_INPUTS else words)
    inputs["unit_in_words"] = units
    inputs["source"] = [source_in_words(source) for source in inputs["source"]]
    inputs["default_shown"] = [_plain(value) for value in inputs["default"]]
    inputs["range"] = [f"{_plain(low)} to {_plain(high)}" for low, high in zip(inputs["min"], inputs["max"])]
    return people_table(inputs, {"label": Column("Input", "text"),
                                 "default_shown": Column("Default", "text"),
                                 "range": Column("Range", "text"),
                                 "unit_in_words": Column("Unit", "text"),
                                 "source": Column("Source", "text")})


def budget_loops() -> tuple[str, PeopleTable]:
    """A sentence about the model's loops through the budget, and a table of the first three."""
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


# ---- the policies ------------------------------------------------------------------------------
def policy_list_table() -> PeopleTable:
    """The policies in the scenario file: title and what each does, in words.

    The rebalanced mix's description is summarised, because exercise 6 asks trainees to find
    such a mix themselves."""
    _, scenarios = model_and_policies()
    described = {REBALANCED: "The same money, moved from community prevention towards "
                             "school-based support and family early help."}
    frame = pd.DataFrame({
        "title": [policy_title(name) for name in scenarios.names],
        "description": [described.get(name, with_pound_signs(scenarios[name].description))
                        for name in scenarios.names]})
    return people_table(frame, {"title": Column("Policy", "text"),
                                "description": Column("What it does", "text")})


def _break_even_words(value: Any) -> str:
    if pd.isna(value):
        return "not within 30 years"
    return "never dearer" if int(value) == 0 else f"{int(value)}"


def side_by_side_table(with_break_even: bool) -> PeopleTable:
    """Every policy against today's path over 30 years, in £ million and children."""
    table = policy_table()
    table["title"] = [policy_title(name) for name in table.index]
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


# ---- ledgers -----------------------------------------------------------------------------------
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
