"""Safe internal names for variables whose python name cannot be a code name.

pysd names a variable "€/$" `nvs_` and "1995€/$" `nvs_1995`; its snake_case form, by which the
engine knows variables, is '' or starts with a digit. `with_safe_names` wraps `compile_model`:
such a variable is compiled under an internal name (`_N0`, `_N1`, ...: upper case, so never a
model's own name), and the compiled model then shows its outputs, columns and constants under
the variable's own snake_case name again (`CompiledModel.renamed`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Any

from .common import UnsupportedModel
from .parsing import Element

CODE_NAME = re.compile(r"[a-z_][a-z0-9_]*")
PREFIX = "_N"


def safe_names(elements: list[Element]) -> tuple[list[Element], dict[str, str]]:
    """`elements` with an internal name for each that needs one, and {internal: own name}."""
    renamed: dict[str, str] = {}
    found = []
    for element in elements:
        if CODE_NAME.fullmatch(element.py_name):
            found.append(element)
            continue
        internal = f"{PREFIX}{len(renamed)}"
        renamed[internal] = element.py_name
        reference = element.reference or element.py_name
        found.append(dataclasses.replace(element, py_name=internal, reference=reference))
    own = [e.py_name for e in elements]
    if renamed and len(set(own)) != len(own):
        raise UnsupportedModel("two variables with the same python name")
    return found, renamed


def with_safe_names(compile_model: Callable) -> Callable:
    """`compile_model` for models with variables that need an internal name."""
    @functools.wraps(compile_model)
    def compile_safely(elements: list[Element], *args: Any, **kwargs: Any) -> Any:
        elements, renamed = safe_names(elements)
        compiled = compile_model(elements, *args, **kwargs)
        return compiled.renamed(renamed) if renamed else compiled
    return compile_safely
