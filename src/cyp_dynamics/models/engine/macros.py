"""Vensim macros (:MACRO: ... :END OF MACRO:): every call written out as ordinary elements.

pysd runs each call of a macro as a small model of its own (`pysd.py_backend.model.Macro`): its
inputs are the call's arguments, evaluated in the calling model at the current time, its stocks
are initialised with the model's and stepped by the same Euler steps, and the call's value is the
macro's variable named like the macro. Those are the numbers of the model with each call written
out in place, so `expand` does that before compiling:

* each call site is an instance with its own copy of the macro's variables (a macro with a stock
  called twice has two stocks), named `_M<k>_<name>` (k counts instances in file order);
* each input becomes an auxiliary `_M<k>_<input>` holding the call's argument (so an argument
  with a SMOOTH in it is one smooth, however often the macro reads the input);
* a macro calling a macro gets an instance of its own inside the caller's instance;
* the call itself is replaced by a reference to the instance's copy of the macro's variable.

The names cannot clash with the model's: the model's names (and pysd's references to them) are
lower case, these start with `_M`. They are not outputs of the compiled model (pysd's runs have
no column for a macro's insides either). A macro's extra outputs (after `:` in its header) are
variables of its own like any other: pysd cannot read a call that asks for them.

Refused (`UnsupportedModel`), so that pysd has the model: a macro called in a subscripted
variable, subscripts inside a macro, a macro calling itself, a macro using anything but its
inputs, its own variables and Time (pysd fails on those: its macro has no other names), and a
DELAY inside a macro (pysd fails on it too).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

from pysd.translators.structures import abstract_expressions as ae

from .common import UnsupportedModel
from .parsing import Element, _element_kind, _limits, snake_case

INSTANCE = "_M"  # upper case: never a model name or a reference to one (both are lower case)
# pysd builds these with the model's TIME STEP, which a macro's module lacks (NameError)
DELAYS = (ae.DelayStructure, ae.DelayNStructure, ae.DelayFixedStructure)
MAX_DEPTH = 20  # macros inside macros: deeper nests are refused (Python's recursion limit)


def is_instance_name(py_name: str) -> bool:
    """Whether a compiled variable belongs to a macro call (and so is not a model output)."""
    return py_name.startswith(INSTANCE)


def _reference(name: str) -> str:
    """How equations refer to a name: pysd's form, lower case with spaces as underscores."""
    return name.strip().lower().replace(" ", "_")


class _Macro:
    """One :MACRO: section: its inputs and its variables as pysd parsed them."""

    def __init__(self, section: Any):
        self.name = section.name  # pysd's reference form, e.g. "expression_macro"
        if section.subscripts:
            raise UnsupportedModel(f"subscript ranges inside the macro {section.name}")
        self.inputs = [_reference(p) for p in section.params]
        self.elements = [e for e in section.elements if e.components]
        if not any(_reference(e.name) == self.name for e in self.elements):
            raise UnsupportedModel(f"the macro {section.name}, which has no variable named like it")
        for e in self.elements:
            if any(c.subscripts[0] for c in e.components):
                raise UnsupportedModel(f"subscripts inside the macro {section.name}")


class _Expander:
    """Writes out every macro call of a model; `added` collects the instances' elements."""

    def __init__(self, sections: tuple, model_names: set[str]):
        self.sections = {s.name: s for s in sections}
        self.macros: dict[str, _Macro] = {}  # read when first called: an unused one may be odd
        self.model_names = model_names  # what a macro may not use: its module lacks them
        self.added: list[Element] = []
        self.inputs: set[str] = set()  # the instances' inputs
        self.calls = 0  # calls written out so far

    def rewrite(self, node: Any, scope: dict[str, str] | None, stack: tuple[str, ...]) -> Any:
        """`node` with macro calls replaced by their instances' values; inside a macro (`scope`:
        {reference: instance name}) every reference renamed to its instance's variable."""
        if isinstance(node, ae.ReferenceStructure):
            if scope is None or (node.reference == "time" and "time" not in scope):
                return node  # Time, unless an input of the macro is called Time
            if node.subscripts:
                raise UnsupportedModel(f"subscripts inside the macro {stack[-1]}")
            if node.reference not in scope:
                raise UnsupportedModel(f"the macro {stack[-1]} refers to {node.reference!r}, "
                                       "which is not one of its inputs or variables")
            return ae.ReferenceStructure(reference=scope[node.reference])
        if scope is not None and isinstance(node, DELAYS):
            raise UnsupportedModel(f"a DELAY inside the macro {stack[-1]}, which pysd cannot run")
        if isinstance(node, ae.CallStructure) and isinstance(node.function, ae.ReferenceStructure):
            arguments = tuple(self.rewrite(a, scope, stack) for a in node.arguments)
            name = node.function.reference
            if name in self.sections:
                return ae.ReferenceStructure(reference=self.instance(name, arguments, stack))
            if scope is not None and name in scope:  # a table of the macro's own
                if scope[name] in self.inputs:
                    raise UnsupportedModel(f"the macro {stack[-1]} uses an input as a table")
                return ae.CallStructure(ae.ReferenceStructure(scope[name]), arguments)
            if scope is not None and name in self.model_names:
                raise UnsupportedModel(f"the macro {stack[-1]} uses the model's table {name}")
            return replace(node, arguments=arguments)
        if isinstance(node, (list, tuple)):
            return type(node)(self.rewrite(item, scope, stack) for item in node)
        if is_dataclass(node) and not isinstance(node, type):
            changes = {f.name: self.rewrite(getattr(node, f.name), scope, stack)
                       for f in fields(node)}
            return replace(node, **changes)
        return node

    def instance(self, name: str, arguments: tuple, stack: tuple[str, ...]) -> str:
        """Add the elements of one call of macro `name`; the name of its value."""
        if name in stack:
            raise UnsupportedModel(f"the macro {name}, which calls itself")
        if len(stack) > MAX_DEPTH:
            raise UnsupportedModel(f"macros nested more than {MAX_DEPTH} deep")
        if name not in self.macros:
            self.macros[name] = _Macro(self.sections[name])
        macro = self.macros[name]
        if len(arguments) != len(macro.inputs):
            raise UnsupportedModel(f"a call of the macro {name} with {len(arguments)} arguments "
                                   f"(it has {len(macro.inputs)} inputs)")
        self.calls += 1
        prefix = f"{INSTANCE}{self.calls}_"
        scope = {r: prefix + snake_case(r) for r in macro.inputs}
        scope.update({_reference(e.name): prefix + snake_case(e.name) for e in macro.elements})
        if len(set(scope.values())) != len(macro.inputs) + len(macro.elements):
            raise UnsupportedModel(f"names in the macro {name} that differ only in punctuation")
        inputs = [scope[r] for r in macro.inputs]
        for py_name, argument in zip(inputs, arguments):
            self.added.append(_element(py_name, "auxiliary", ((), argument), f"input of {name}"))
        self.inputs.update(inputs)
        inner = (*stack, name)
        for e in macro.elements:
            py_name = scope[_reference(e.name)]
            kind = _element_kind(snake_case(e.name), e.components)
            if kind == "control":
                raise UnsupportedModel(f"the control variable {e.name} inside the macro {name}")
            if kind == "constant":  # a number of the macro, not a parameter of the model
                kind = "auxiliary"
            components = tuple(((), self.rewrite(c.ast, scope, inner)) for c in e.components)
            self.added.append(replace(
                _element(py_name, kind, components[0], (e.documentation or "").strip()),
                unit=(e.units or "").strip(), limits=_limits(e.limits),
                components=components, subscripted=len(components) > 1))
        return scope[name]


def _element(py_name: str, kind: str, component: tuple, documentation: str) -> Element:
    return Element(name=py_name, py_name=py_name, kind=kind, ast=component[1], unit="",
                   limits=(None, None, None), documentation=documentation,
                   components=(component,), reference=py_name)


def expand(elements: list[Element]) -> list[Element]:
    """The model's elements with every macro call written out (`elements` itself when the
    model defines no macro); the instances' elements follow the model's own."""
    sections = next((e.macros for e in elements if e.macros), ())
    if not sections:
        return elements
    expander = _Expander(sections, {e.reference for e in elements} | {e.py_name for e in elements})
    expanded = []
    for e in elements:
        before = expander.calls
        components = tuple((subscripts, expander.rewrite(ast, None, ()))
                           for subscripts, ast in e.components)
        if expander.calls == before:  # no macro called: the element as it was
            expanded.append(e)
        elif e.subscripted:
            raise UnsupportedModel(f"a macro called in the subscripted variable {e.name}")
        else:
            expanded.append(replace(e, ast=components[0][1], components=components))
    return expanded + expander.added


__all__ = ["INSTANCE", "expand", "is_instance_name"]
