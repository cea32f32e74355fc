"""Moved to `cyp_dynamics.models.engine.parsing`; this name stays until its importers change."""

from .engine.parsing import (CONTROL_NAMES, SOURCE_MARKER, Element, read_elements, read_model,
                             snake_case)

__all__ = ["CONTROL_NAMES", "SOURCE_MARKER", "Element", "read_elements", "read_model", "snake_case"]
