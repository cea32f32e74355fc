"""Feedback loops: find every loop in a diagram or model and say whether it reinforces or balances.

A loop is reinforcing (R) when the product of its link polarities is positive (an even number
of negative links): a change travels round it and comes back bigger. It is balancing (B) when
the product is negative: a change comes back opposed. Loops are found with Johnson's
simple-cycles algorithm (networkx).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..charts.diagrams import ZoomableDiagram, diagram_markdown, show
from ..charts.words import MEANING, describe_loops
from ..models import MODEL_SUFFIXES, Model
from .cycles import LOOP_COLUMNS, MAX_LOOPS, diagram_loops, loop_polarity
from .diagram import CausalDiagram, causal_diagram


def as_diagram(source: Any, **model_options: Any) -> CausalDiagram:
    """A `CausalDiagram` from a diagram, diagram text or tuples, a `Model`, a course model name
    or a model file path. `model_options` go to `model_diagram` (params, months, at_time, ...)."""
    if isinstance(source, CausalDiagram):
        return source
    is_text = isinstance(source, str) and (not source.strip() or any(
        mark in source for mark in ("->", "→", "\n", "(", "#")))
    is_file = isinstance(source, str) and source.strip().lower().endswith(MODEL_SUFFIXES)
    if isinstance(source, (Model, Path)) or is_file or (isinstance(source, str) and not is_text):
        from .graph import model_diagram

        return model_diagram(source, **model_options)
    return causal_diagram(source)


def find_loops(source: Any, **model_options: Any) -> pd.DataFrame:
    """Every feedback loop in a diagram or model, one row each.

    Columns: `loop` (R1, R2, B1, ...), `polarity` (R reinforcing, B balancing), `variables`
    (in order round the loop), `length` (links), `name` (readable), `uncertain` (a link's
    polarity was uncertain), `delays` (links marked as delays). An empty table if there are none.
    """
    return diagram_loops(as_diagram(source, **model_options))


def show_diagram(source: Any, loops: bool = True, direction: str = "auto", units: bool = True,
                 **model_options: Any) -> None:
    """Draw a diagram in the notebook, with its loops listed under it.

    `source`: diagram text or tuples, a `CausalDiagram`, a `Model`, a course model name or a
    model file path. `model_options` (params, months, at_time, constants, hide) apply to models.
    Outside a notebook the Mermaid text is printed instead.
    """
    diagram = as_diagram(source, **model_options)
    show(diagram_markdown(diagram, loops=loops, direction=direction, units=units))


def zoomable_diagram(source: Any, loops: bool = False, direction: str = "auto", units: bool = True,
                     **model_options: Any) -> ZoomableDiagram:
    """`show_diagram` for a big model: the whole diagram in a frame you can zoom and scroll."""
    diagram = as_diagram(source, **model_options)
    return ZoomableDiagram(diagram_markdown(diagram, loops=loops, direction=direction, units=units))


__all__ = ["LOOP_COLUMNS", "MAX_LOOPS", "MEANING", "as_diagram", "describe_loops", "find_loops",
           "loop_polarity", "show_diagram", "zoomable_diagram"]
