"""Moved to `cyp_dynamics.models.engine.subscripts`; this name stays until analysis/graph.py changes."""

from .engine.subscripts import (SUBSCRIPT_HELPERS, SubscriptCompiler, assignment, element_names,
                                reference_nodes, variable_ranges)

__all__ = ["SUBSCRIPT_HELPERS", "SubscriptCompiler", "assignment", "element_names",
           "reference_nodes", "variable_ranges"]
