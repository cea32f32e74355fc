"""Behaviour checks, ensembles and parameter sampling."""

from .checks import (CheckResult, at_or_below, declines, does_not_return, goal_seeking, grows,
                     returns_to_baseline, settles_by, stays_between)
from .ensemble import ensemble, sample_parameters

__all__ = ["CheckResult", "at_or_below", "declines", "does_not_return", "goal_seeking", "grows",
           "returns_to_baseline", "settles_by", "stays_between", "ensemble", "sample_parameters"]
