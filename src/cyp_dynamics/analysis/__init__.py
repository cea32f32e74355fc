"""Behaviour checks, ensembles, parameter sampling, scenarios, the cost ledger, diagrams and loops."""

from .checks import (CheckResult, at_or_below, declines, does_not_return, goal_seeking, grows,
                     returns_to_baseline, settles_by, stays_between)
from .diagram import CausalDiagram, Link, causal_diagram
from .ensemble import ensemble, sample_parameters
from .ledger import (GREEN_BOOK_SCHEDULE, annual_spend, break_even_year, cost_ledger,
                     cost_per_child_helped, discount_factors, discount_rates, net_present_cost)
from .graph import model_diagram
from .loops import as_diagram, describe_loops, find_loops
from .scenarios import ScenarioError, Scenarios, compare_at, load_scenarios, run_scenarios

__all__ = ["CheckResult", "at_or_below", "declines", "does_not_return", "goal_seeking", "grows",
           "returns_to_baseline", "settles_by", "stays_between", "ensemble", "sample_parameters",
           "ScenarioError", "Scenarios", "compare_at", "load_scenarios", "run_scenarios",
           "GREEN_BOOK_SCHEDULE", "annual_spend", "break_even_year", "cost_ledger",
           "cost_per_child_helped", "discount_factors", "discount_rates", "net_present_cost",
           "CausalDiagram", "Link", "as_diagram", "causal_diagram", "describe_loops", "find_loops",
           "model_diagram"]
