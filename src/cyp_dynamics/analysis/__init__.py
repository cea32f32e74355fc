"""Behaviour checks, ensembles, parameter sampling, scenarios, calibration and tipping points."""

from .calibration import CalibrationResult, calibrate, calibration_chart
from .checks import (CheckResult, at_or_below, declines, does_not_return, goal_seeking, grows,
                     returns_to_baseline, settles_by, stays_between)
from .ensemble import ensemble, sample_parameters
from .scenarios import ScenarioError, Scenarios, compare_at, load_scenarios, run_scenarios
from .thresholds import Threshold, end_states, find_threshold

__all__ = ["CheckResult", "at_or_below", "declines", "does_not_return", "goal_seeking", "grows",
           "returns_to_baseline", "settles_by", "stays_between", "ensemble", "sample_parameters",
           "ScenarioError", "Scenarios", "compare_at", "load_scenarios", "run_scenarios",
           "CalibrationResult", "calibrate", "calibration_chart", "Threshold", "end_states",
           "find_threshold"]
