"""Module 04, prevention versus late intervention: exercises, tools, charts and tables for people.

Each `exercise_N()` shows an answer widget (a number box, choices or drop-downs with a Check
button); the trainee never types Python. The right answers are computed from the model and the
cited datasets, never typed in. `policy_table()` sets each policy of the course's scenario file
against today's path (net present cost at the Green Book rate, break-even year, children helped).
Money is shown to people in £ million; policy titles say "£15m", never "GBP 15m".

The notebooks use every name below as `module04.<name>`; the code lives in
- `policies.py`: the model's constants, runs of the scenario file, the ledger and policy table,
  and what a transition fund does;
- `exercises.py`: `EXERCISES`, the exercise and reflection builders, their judges and answers;
- `charts.py`: the altair charts;
- `tables.py`: tables and sentences for people;
- `tools.py`: the interactive tools (explorer, fund tool, policy picker, side-by-side table).
`after_solving` (a view that fills in once an exercise is done) is shared by the modules and
lives in `course/exercises.py`.
"""

from __future__ import annotations

from ...models import load_model
from ..exercises import after_solving
from .charts import (BREAK_EVEN_PANELS, OUTCOMES, YEARS_AXIS, break_even_chart, fund_gap_chart,
                     fund_share_chart, outcome_records, policy_chart, spend_chart)
from .exercises import (EXERCISES, PORTFOLIO_ITEMS, RECOMMENDATION_CHOICES, SHARE_CHOICES,
                        SHARE_OPTIONS, PortfolioQuestion, exercise_1, exercise_2, exercise_3,
                        exercise_4, exercise_5, exercise_6, exercise_7, extra_late_children_after_cut,
                        fund_break_even_year, judge_portfolio, late_share_of_total_2015_16,
                        portfolio_result, progress, reflect_for_whom, reflect_payback,
                        shares_to_weights, smallest_escaping_fund, worked_portfolio)
from .policies import (BUDGET_CUT, DATASET, ESCAPE_SHARE_PERCENT, FUND_POLICY, HORIZON_YEARS,
                       LEDGER_LINES, MILLION, MODEL, NO_GROWTH, PORTFOLIO, PREVENTION_LINES,
                       REBALANCED, TRANSITION, cost_gap, escapes, fund_gap, fund_run,
                       largest_fund_gbp_m, millions, policy_ledger, policy_runs, policy_table,
                       policy_title, prevention_share_at_end, spend_by_line, with_pound_signs)
from .tables import (LEDGER_YEARS, MONEY_INPUTS, books_balance, budget_loops, discounting_sentence,
                     fund_gap_table, inputs_table, ledger_table, policy_list_table,
                     side_by_side_table, spending_table)
from .tools import (LEVERS, FundTool, PolicyExplorer, PolicyPicker, compare_policies, explore_policies,
                    fund_tool, policies_side_by_side)

__all__ = [
    # policies
    "BUDGET_CUT", "DATASET", "ESCAPE_SHARE_PERCENT", "FUND_POLICY", "HORIZON_YEARS", "LEDGER_LINES",
    "MILLION", "MODEL", "NO_GROWTH", "PORTFOLIO", "PREVENTION_LINES", "REBALANCED", "TRANSITION",
    "cost_gap", "escapes", "fund_gap", "fund_run", "largest_fund_gbp_m", "load_model", "millions",
    "policy_ledger", "policy_runs", "policy_table", "policy_title", "prevention_share_at_end",
    "spend_by_line", "with_pound_signs",
    # exercises
    "EXERCISES", "PORTFOLIO_ITEMS", "RECOMMENDATION_CHOICES", "SHARE_CHOICES", "SHARE_OPTIONS",
    "PortfolioQuestion", "exercise_1", "exercise_2", "exercise_3", "exercise_4", "exercise_5",
    "exercise_6", "exercise_7", "extra_late_children_after_cut", "fund_break_even_year",
    "judge_portfolio", "late_share_of_total_2015_16", "portfolio_result", "progress",
    "reflect_for_whom", "reflect_payback", "shares_to_weights", "smallest_escaping_fund",
    "worked_portfolio",
    # charts
    "BREAK_EVEN_PANELS", "OUTCOMES", "YEARS_AXIS", "break_even_chart", "fund_gap_chart",
    "fund_share_chart", "outcome_records", "policy_chart", "spend_chart",
    # tables
    "LEDGER_YEARS", "MONEY_INPUTS", "books_balance", "budget_loops", "discounting_sentence",
    "fund_gap_table", "inputs_table", "ledger_table", "policy_list_table", "side_by_side_table",
    "spending_table",
    # tools
    "LEVERS", "FundTool", "PolicyExplorer", "PolicyPicker", "after_solving", "compare_policies",
    "explore_policies", "fund_tool", "policies_side_by_side",
]
