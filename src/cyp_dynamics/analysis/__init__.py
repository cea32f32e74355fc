"""Behaviour checks, ensembles, parameter sampling and scenarios."""

from .checks import (CheckResult, at_or_below, declines, does_not_return, goal_seeking, grows,
                     returns_to_baseline, settles_by, stays_between)
from .ensemble import ensemble, sample_parameters
from .scenarios import ScenarioError, Scenarios, compare_at, load_scenarios, run_scenarios

__all__ = ["CheckResult", "at_or_below", "declines", "does_not_return", "goal_seeking", "grows",
           "returns_to_baseline", "settles_by", "stays_between", "ensemble", "sample_parameters",
           "ScenarioError", "Scenarios", "compare_at", "load_scenarios", "run_scenarios"]
