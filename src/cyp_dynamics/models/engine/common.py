"""What every part of the engine shares: the refusal, Vensim's small numbers, safe names.

Why running compiled source is safe: no text from the model file is pasted into it. Numbers are
written by `number` (repr of a float), operators and functions come from fixed tables in
`functions`, tables and constant lists are passed in as arrays, not written out, and every
variable name goes through `local`, which refuses anything but ASCII letters, digits and
underscores (pysd's raw references can hold any character inside quotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from typing import Any

from pysd.translators.structures import abstract_expressions as ae

SMALL_VENSIM = 1e-6  # what Vensim (and pysd) treat as zero in ZIDZ, XIDZ, PULSE and DELAY FIXED
TIME_PRECISION = 1e-5  # pysd's relative precision for final and saving times
PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


class UnsupportedModel(Exception):
    """The model uses a feature this engine does not compile; use pysd for it."""


def local(py_name: str) -> str:
    """The compiled code's variable for a model variable; only plain names are ever written."""
    if not isinstance(py_name, str) or not PLAIN_NAME.fullmatch(py_name):
        raise UnsupportedModel(f"the name {py_name!r}, which is not a plain identifier")
    return "v_" + py_name


def number(value: Any) -> str:
    """Python source for a number: repr of the float, NaN (Vensim's :NA:) and infinities too."""
    value = float(value)
    if value != value:  # noqa: PLR0124 (NaN)
        return "_nan"
    if value in (float("inf"), float("-inf")):
        return "_inf" if value > 0 else "(-_inf)"
    return repr(value)


def order(nodes: dict[str, set[str]]) -> list[str]:
    """Names in an order where each comes after what it needs; ValueError naming a loop."""
    try:
        return list(TopologicalSorter(nodes).static_order())
    except CycleError as error:
        cycle = " -> ".join(error.args[1])
        raise ValueError(
            f"The model has a loop with no stock in it ({cycle}). Every feedback loop must pass "
            "through a stock (INTEG); check these equations."
        ) from None


def tree_nodes(node: Any, skip_function_names: bool = False) -> Iterator[Any]:
    """Every node of an equation tree (pysd's structures and the numbers and names in them).

    With `skip_function_names`, a call's function (a ReferenceStructure naming a function or a
    lookup table, not a variable) is not visited: only the call and its arguments are.
    """
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, (list, tuple)):
            pending.extend(item)
            continue
        yield item
        if skip_function_names and isinstance(item, ae.CallStructure):
            pending.extend(item.arguments)
        elif hasattr(item, "__dict__"):
            pending.extend(vars(item).values())
