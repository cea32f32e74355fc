"""Behaviour checks, ensembles, parameter sampling, scenarios, the cost ledger, diagrams and loops,
calibration and tipping points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

# Imported now: the function `ensemble` shares its name with the module `ensemble.py`, and a
# module imported later would take the name (ensemble.py needs only numpy and pandas).
from .ensemble import ensemble, ensemble_dataset, sample_parameters
from .memory import MemoryLimitError

# The rest is imported when first used (PEP 562): networkx, scipy and altair load only then.
_WHERE = {
    "CalibrationResult": ".calibration", "calibrate": ".calibration",
    "calibration_chart": ".calibration",
    **dict.fromkeys(["CheckResult", "at_or_below", "declines", "does_not_return", "goal_seeking",
                     "grows", "returns_to_baseline", "settles_by", "stays_between"], ".checks"),
    "CausalDiagram": ".diagram", "Link": ".diagram", "causal_diagram": ".diagram",
    **dict.fromkeys(["GREEN_BOOK_SCHEDULE", "annual_spend", "break_even_year", "cost_ledger",
                     "cost_per_child_helped", "discount_factors", "discount_rates",
                     "net_present_cost"], ".ledger"),
    "model_diagram": ".graph",
    "as_diagram": ".loops", "describe_loops": ".loops", "find_loops": ".loops",
    **dict.fromkeys(["ScenarioError", "Scenarios", "compare_at", "load_scenarios",
                     "run_scenarios"], ".scenarios"),
    "Threshold": ".thresholds", "end_states": ".thresholds", "find_threshold": ".thresholds",
    "EnsembleSummary": ".reductions", "ensemble_summary": ".reductions",
    "local_cluster": ".cluster",
    **dict.fromkeys(["best_under_defaults", "policy_outcomes", "policy_robustness", "regret"],
                    ".robustness"),
    "sensitivity": ".sensitivity", "sensitivity_of": ".sensitivity",
    "check_units": ".units", "units_table": ".units", "all_finite": ".checks",
    "loop_scores": ".loop_scores",
}

__all__ = ["CheckResult", "at_or_below", "declines", "does_not_return", "goal_seeking", "grows",
           "returns_to_baseline", "settles_by", "stays_between", "ensemble", "sample_parameters",
           "ScenarioError", "Scenarios", "compare_at", "load_scenarios", "run_scenarios",
           "GREEN_BOOK_SCHEDULE", "annual_spend", "break_even_year", "cost_ledger",
           "cost_per_child_helped", "discount_factors", "discount_rates", "net_present_cost",
           "CausalDiagram", "Link", "as_diagram", "causal_diagram", "describe_loops", "find_loops",
           "model_diagram",
           "CalibrationResult", "calibrate", "calibration_chart", "Threshold", "end_states",
           "find_threshold",
           "EnsembleSummary", "MemoryLimitError", "ensemble_dataset", "ensemble_summary",
           "local_cluster", "best_under_defaults", "policy_outcomes", "policy_robustness", "regret",
           "sensitivity", "sensitivity_of", "check_units", "units_table", "all_finite",
           "loop_scores"]


__getattr__, __dir__ = lazy_names(__name__, globals(), _WHERE)


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .calibration import CalibrationResult, calibrate, calibration_chart
    from .checks import (CheckResult, at_or_below, declines, does_not_return, goal_seeking, grows,
                         returns_to_baseline, settles_by, stays_between)
    from .cluster import local_cluster
    from .diagram import CausalDiagram, Link, causal_diagram
    from .graph import model_diagram
    from .ledger import (GREEN_BOOK_SCHEDULE, annual_spend, break_even_year, cost_ledger,
                         cost_per_child_helped, discount_factors, discount_rates, net_present_cost)
    from .loops import as_diagram, describe_loops, find_loops
    from .reductions import EnsembleSummary, ensemble_summary
    from .scenarios import ScenarioError, Scenarios, compare_at, load_scenarios, run_scenarios
    from .thresholds import Threshold, end_states, find_threshold
