"""Units check for any model file: does every equation add like to like?

`check_units(model)` reads each equation's units from the unit strings of the model file
(children, people, FTE, £ or GBP, thousand pounds, hours, months, years, weeks, Dmnl, percent,
per month...) and works out, with pint, the units of the right-hand side. It returns a table of
the problems found: the equation, the units its variable declares (left), the units its equation
gives (right) and what to fix. An empty table means the model is dimensionally consistent, one
of the standard checks of a system dynamics model (Sterman, Business Dynamics, ch. 21; Vensim's
units check).

Conventions, as in Vensim: a number written in an equation has no units (so `Rate * 12` turns
per month into per year only if 12 is a constant with units such as Month/Year); Dmnl, fraction,
share and percent have no units; a stock's inflows and outflows are in its units per unit of
time; functions such as EXP and LN need an argument without units. Singular and plural are one
unit (child and children; person and people; bed and beds); any other word is a unit of its own,
so children and people are different units, as in Vensim.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pint
from pysd.translators.structures import abstract_expressions as ae

from ..models import COURSE_MODELS, MODEL_SUFFIXES, Model, load_model, models_folder
from ..models.engine import Element, read_model, snake_case

COLUMNS = ["variable", "equation", "left_units", "right_units", "what_to_fix"]
NO_UNITS = {"dmnl", "dimensionless", "fraction", "share", "percent", "percentage", "1", "unitless",
            "proportion", "ratio", "index"}
# name = definition: units the course's models use, with their spellings.
DEFINITIONS = [
    "year = [time] = _ = years = yr = annum",
    "month = year / 12 = _ = months",
    "week = 7 * day = _ = weeks",
    "day = year / 365.25 = _ = days",
    "hour = day / 24 = _ = hours = hr",
    "minute = hour / 60 = _ = minutes",
    "children = [children] = _ = child = young_people = young_person",
    "people = [people] = _ = person = persons",
    "FTE = [staff] = _ = fte = WTE = wte",
    "GBP = [money] = _ = pounds = pound = gbp",
    "thousand_pounds = 1000 * GBP = _ = thousand_GBP = k_GBP",
    "million_pounds = 1000000 * GBP = _ = million_GBP = GBP_million",
]
WORD = re.compile(r"[A-Za-z_£][A-Za-z0-9_£]*(?:\s+[A-Za-z_£][A-Za-z0-9_£]*)*")
TIME_FUNCTIONS = {"step": 1, "pulse": 0, "ramp": 1}  # argument index where a time starts


class _Number:
    """A number written in an equation: no units when it multiplies or divides, and the units of
    what it is added to, compared with or chosen instead of otherwise (the 0 in MAX(0, x))."""

    def __repr__(self) -> str:
        return "a number"


NUMBER = _Number()


class UnitsError(ValueError):
    """A unit string that cannot be read, or an equation that mixes units."""


class _Registry:
    """A pint registry with the course's units, which learns any other word as a unit of its own."""

    def __init__(self) -> None:
        self.ureg = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=False)
        for definition in DEFINITIONS:
            self.ureg.define(definition)
        self.one = self.ureg.Quantity(1, "")

    def _name(self, words: str) -> str:
        """A word (or words) of a unit string as a pint name; new words become new units."""
        name = "_".join(words.split()).replace("£", "GBP")
        if name.lower() in NO_UNITS:
            return "1"
        for candidate in (name, name.lower()):
            if candidate in self.ureg:
                return candidate
        singular = name.lower()[:-1] if name.lower().endswith("s") and len(name) > 3 else None
        if singular and singular in self.ureg:
            return singular
        self.ureg.define(f"{name} = [{name}]" + (f" = _ = {singular}" if singular else ""))
        return name

    def parse(self, unit: str) -> pint.Quantity:
        """The quantity 1 in `unit` (a Vensim unit string such as 'children/(FTE*Month)')."""
        text = (unit or "").strip()
        if not text:
            raise UnitsError("no units given")
        expression = WORD.sub(lambda m: self._name(m.group(0)), text.replace("£", "GBP "))
        try:
            quantity = self.ureg.parse_expression(expression)
        except Exception as error:  # pint raises many kinds for text it cannot read
            raise UnitsError(f"the units '{unit}' cannot be read ({error})") from None
        if not isinstance(quantity, pint.Quantity):
            quantity = self.ureg.Quantity(quantity, "")
        return self.ureg.Quantity(1, quantity.units)  # a number in the string is not a unit


def in_words(quantity: pint.Quantity | None) -> str:
    """Units as people write them: 'children / month', 'no units'."""
    if quantity is None:
        return "not known"
    text = str(quantity.units).replace(" ** ", "^").replace("dimensionless", "no units")
    return text or "no units"


def _factor(left: pint.Quantity, right: pint.Quantity) -> float | None:
    """How many `right`s make one `left`, or None if they measure different things."""
    if left.dimensionality != right.dimensionality:
        return None
    return float((left / right).to("").magnitude)


def _same(left: pint.Quantity, right: pint.Quantity) -> bool:
    factor = _factor(left, right)
    return factor is not None and math.isclose(factor, 1.0, rel_tol=1e-9)


class _Mismatch(Exception):
    def __init__(self, where: str, left: pint.Quantity, right: pint.Quantity, fix: str = ""):
        super().__init__(where)
        self.where, self.left, self.right, self.fix = where, left, right, fix


class _Checker:
    """Works out the units of one model's equations."""

    def __init__(self, elements: list[Element], time_unit: str, registry: _Registry):
        self.registry = registry
        self.labels = {e.py_name: e.name for e in elements}
        self.units: dict[str, pint.Quantity | None] = {}
        self.unreadable: dict[str, str] = {}
        for e in elements:
            if e.kind == "control":
                continue
            try:
                self.units[e.py_name] = registry.parse(e.unit)
            except UnitsError as reason:
                self.units[e.py_name] = None
                self.unreadable[e.py_name] = str(reason)
        self.time = registry.parse(time_unit or "Month")
        self.one = registry.one

    # ---- text of an equation, for people --------------------------------------------------
    def text(self, node: Any) -> str:
        if isinstance(node, bool):
            return str(node)
        if isinstance(node, (int, float)):
            return f"{node:g}"
        if isinstance(node, ae.ReferenceStructure):
            return "Time" if node.reference == "time" else self.labels.get(node.reference, node.reference)
        if isinstance(node, ae.InitialStructure):
            return f"INITIAL({self.text(node.initial)})"
        if isinstance(node, (ae.ArithmeticStructure, ae.LogicStructure)):
            args = [self.text(a) for a in node.arguments]
            if len(args) == 1:
                return ("-" if node.operators[0] == "negative" else f"{node.operators[0]} ") + args[0]
            out = args[0]
            for op, arg in zip(node.operators, args[1:]):
                out = f"{out} {op} {arg}"
            return f"({out})" if any(op in "+-" for op in node.operators) else out
        if isinstance(node, ae.CallStructure):
            name = self.labels.get(node.function.reference,
                                   node.function.reference.upper().replace("_", " "))
            return f"{name}({', '.join(self.text(a) for a in node.arguments)})"
        if isinstance(node, ae.IntegStructure):
            return f"INTEG({self.text(node.flow)}, {self.text(node.initial)})"
        return type(node).__name__.removesuffix("Structure").upper() + "(...)"

    # ---- units of an expression --------------------------------------------------------------
    def plain(self, a: Any) -> pint.Quantity | None:
        """Units for multiplying: a number written in the equation has none."""
        return self.one if a is NUMBER else a

    def must_match(self, a: Any, b: Any, where: str) -> Any:
        """Check that a and b are in the same units; return those units."""
        if a is NUMBER or a is None:
            return b if a is NUMBER or b is NUMBER else a if b is None else b
        if b is NUMBER or b is None:
            return a
        if not _same(a, b):
            raise _Mismatch(where, a, b)
        return a

    def no_units(self, a: Any, where: str) -> None:
        if a is not None and a is not NUMBER and not _same(a, self.one):
            raise _Mismatch(where, self.one, a, "its argument must have no units")

    def units_of(self, node: Any) -> pint.Quantity | None:
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            return NUMBER
        if isinstance(node, ae.ReferenceStructure):
            if node.reference == "time":
                return self.time
            return self.units.get(node.reference)
        if isinstance(node, ae.ArithmeticStructure):
            return self._arithmetic(node)
        if isinstance(node, ae.LogicStructure):
            units = [self.units_of(a) for a in node.arguments]
            for op, a, b in zip(node.operators, units, units[1:]):
                if op not in (":AND:", ":OR:"):
                    self.must_match(a, b, f"the two sides of '{op}' in {self.text(node)}")
            return self.one
        if isinstance(node, ae.CallStructure):
            return self._call(node)
        if isinstance(node, (ae.SmoothStructure, ae.SmoothNStructure)):
            return self._delayed(node.input, node.smooth_time, node.initial, node)
        if isinstance(node, (ae.DelayStructure, ae.DelayNStructure, ae.DelayFixedStructure)):
            return self._delayed(node.input, node.delay_time, node.initial, node)
        if isinstance(node, ae.InitialStructure):
            return self.units_of(node.initial)
        return None  # lookups written inline, data, ...: not checked

    def _delayed(self, value: Any, time: Any, initial: Any, node: Any) -> pint.Quantity | None:
        units = self.units_of(value)
        self.must_match(self.units_of(time), self.time, f"the delay time in {self.text(node)}")
        if initial is not None:
            units = self.must_match(units, self.units_of(initial), f"the starting value in {self.text(node)}")
        return units

    def _arithmetic(self, node: ae.ArithmeticStructure) -> pint.Quantity | None:
        args = list(node.arguments)
        if len(args) == 1:  # -x
            return self.units_of(args[0])
        if all(op == "^" for op in node.operators):
            base = self.units_of(args[0])
            for exponent in args[1:]:
                if base is None or base is NUMBER:
                    return base
                if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
                    base = base ** exponent
                else:
                    self.no_units(self.units_of(exponent), f"the power in {self.text(node)}")
                    if base is not None and not base.dimensionless:
                        raise _Mismatch(f"{self.text(node)}: a quantity with units raised to a "
                                        "power that is not a plain number", self.one, base,
                                        "raise only quantities without units to such a power")
            return base
        result = self.units_of(args[0])
        for op, arg in zip(node.operators, args[1:]):
            units = self.units_of(arg)
            if op in ("+", "-"):
                result = self.must_match(result, units,
                                         f"the terms added or subtracted in {self.text(node)}")
            elif result is None or units is None:
                result = None
            elif result is NUMBER and units is NUMBER:
                result = NUMBER
            elif op == "*":
                result = self.plain(result) * self.plain(units)
            elif op == "/":
                result = self.plain(result) / self.plain(units)
            else:
                return None
        return result

    def _call(self, node: ae.CallStructure) -> pint.Quantity | None:
        name = node.function.reference
        args = list(node.arguments)
        here = self.text(node)
        if name in self.units and name not in ("min", "max"):  # a lookup (graphical function)
            return self.units.get(name)
        units = [self.units_of(a) for a in args]
        if name in ("min", "max", "modulo"):
            result = units[0]
            for u in units[1:]:
                result = self.must_match(result, u, f"the arguments of {name.upper()} in {here}")
            return result
        if name in ("abs", "integer", "sum", "prod", "vmin", "vmax"):
            return units[0]
        if name in ("exp", "ln", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan"):
            for u in units[:1]:
                self.no_units(u, f"the argument of {name.upper()} in {here}")
            return self.one
        if name == "sqrt":
            return units[0] if units[0] is None or units[0] is NUMBER else units[0] ** 0.5
        if name == "if_then_else":
            return self.must_match(units[1], units[2], f"the two results of IF THEN ELSE in {here}")
        if name in ("xidz", "zidz"):
            ratio = (None if units[0] is None or units[1] is None
                     else self.plain(units[0]) / self.plain(units[1]))
            if name == "xidz" and len(units) > 2 and not isinstance(args[2], (int, float)):
                self.must_match(ratio, units[2], f"the value used when dividing by zero in {here}")
            return ratio
        if name in TIME_FUNCTIONS:
            for u, a in zip(units[TIME_FUNCTIONS[name]:], args[TIME_FUNCTIONS[name]:]):
                if not isinstance(a, (int, float)):
                    self.must_match(u, self.time, f"a time given to {name.upper()} in {here}")
            if name == "step":
                return units[0]
            if name == "ramp":
                return None if units[0] is None else self.plain(units[0]) * self.time
            return self.one
        return None  # a function this check does not know: not checked

    # ---- one variable ----------------------------------------------------------------------
    def problems(self, element: Element) -> list[dict[str, str]]:
        label = element.name
        if element.py_name in self.unreadable:
            reason = self.unreadable[element.py_name]
            fix = ("Give its units after the first ~ (for example children/Month, or Dmnl for a "
                   "number without units)." if reason == "no units given" else
                   "Write the units with names, * and / only, for example children/(FTE*Month).")
            return [self._row(label, "", element.unit or "none", "", f"{reason[0].upper()}{reason[1:]}. {fix}")]
        if element.kind in ("constant", "fixed", "lookup", "control"):
            return []
        declared = self.units[element.py_name]
        equations = ([ast for _, ast in element.components] if element.subscripted and element.components
                     else [element.ast])
        rows = []
        for ast in equations:
            try:
                rows += self._equation(label, declared, ast)
            except _Mismatch as m:
                rows.append(self._row(label, self.text(ast), in_words(m.left), in_words(m.right),
                                      self._fix(m, label)))
        return rows

    def _equation(self, label: str, declared: pint.Quantity, ast: Any) -> list[dict[str, str]]:
        if isinstance(ast, ae.IntegStructure):
            rows = []
            flow = self.units_of(ast.flow)
            flow = None if flow is NUMBER else flow
            per_time = declared / self.time
            if flow is not None and not _same(flow, per_time):
                rows.append(self._row(label, self.text(ast.flow), in_words(per_time), in_words(flow),
                                      self._advice(per_time, flow, f"The net flow into the stock "
                                                   f"'{label}' must be in its units per "
                                                   f"{in_words(self.time)}")))
            if not isinstance(ast.initial, (int, float)):
                start = self.units_of(ast.initial)
                if start is not None and start is not NUMBER and not _same(start, declared):
                    rows.append(self._row(label, f"starting value {self.text(ast.initial)}",
                                          in_words(declared), in_words(start),
                                          self._advice(declared, start, f"The starting value of "
                                                       f"'{label}' must be in its own units")))
            return rows
        right = self.units_of(ast)
        if right is None or right is NUMBER or _same(right, declared):
            return []
        return [self._row(label, self.text(ast), in_words(declared), in_words(right),
                          self._advice(declared, right, f"'{label}' is declared in "
                                       f"{in_words(declared)} but its equation gives "
                                       f"{in_words(right)}"))]

    def _advice(self, left: pint.Quantity, right: pint.Quantity, opening: str) -> str:
        factor = _factor(left, right)
        if factor is not None:
            return (f"{opening}: the same kind of quantity, but one {in_words(left)} is "
                    f"{1 / factor:g} {in_words(right)}. Convert with a constant that has units "
                    f"(for example Months per year = 12 ~ Month/Year), not a bare number.")
        return (f"{opening}. The equation gives {in_words(right / left)} more than declared: "
                "correct the units of an input, or the declared units if they are the wrong ones.")

    def _fix(self, m: _Mismatch, label: str) -> str:
        if m.fix:
            return f"In '{label}', {m.where}: {m.fix} (it has {in_words(m.right)})."
        factor = _factor(m.left, m.right)
        if factor is not None:
            return (f"In '{label}', {m.where} are the same kind of quantity in different units "
                    f"({in_words(m.left)} and {in_words(m.right)}): convert with a constant "
                    "that has units, not a bare number.")
        return (f"In '{label}', {m.where} have different units ({in_words(m.left)} and "
                f"{in_words(m.right)}): only like can be added to, compared with or chosen "
                "instead of like. Check the units of the inputs named there.")

    @staticmethod
    def _row(variable: str, equation: str, left: str, right: str, fix: str) -> dict[str, str]:
        return {"variable": variable, "equation": equation, "left_units": left, "right_units": right,
                "what_to_fix": fix}


def _model_path(model: Model | str | Path) -> Path:
    """The model file to read: the file is checked as written, without compiling or running it."""
    if isinstance(model, Model):
        return model.path
    if not isinstance(model, (str, Path)):
        raise TypeError(f"check_units needs a model, a course model's name or a model file's "
                        f"path; you gave {type(model).__name__}.")
    name = snake_case(str(model))
    if isinstance(model, str) and name in COURSE_MODELS:
        return models_folder() / f"{name}.mdl"
    path = Path(model).expanduser()
    if path.is_file() and path.suffix.lower() in MODEL_SUFFIXES:
        return path
    return load_model(model).path  # raises, saying what is wrong with the name or path


def check_units(model: Model | str | Path) -> pd.DataFrame:
    """The unit problems of a model (a `Model`, a course model's name, or a model file's path).

    Returns one row per problem: variable, equation, left_units (what the variable declares),
    right_units (what its equation gives) and what_to_fix. No rows: every equation is consistent.
    """
    path = _model_path(model)
    elements, _ = read_model(path)
    time_step = next((e for e in elements if e.py_name == "time_step"), None)
    checker = _Checker(elements, (time_step.unit if time_step else "") or "Month", _Registry())
    rows = [row for e in elements for row in checker.problems(e)]
    return pd.DataFrame(rows, columns=COLUMNS)


def units_table(problems: pd.DataFrame):
    """The problems of `check_units` as a table for people (headings in words)."""
    from ..charts.tables import Column, people_table

    return people_table(problems, {"variable": Column("Variable", "text"),
                                   "equation": Column("Equation", "text"),
                                   "left_units": Column("Declared units", "text"),
                                   "right_units": Column("Units the equation gives", "text"),
                                   "what_to_fix": Column("What to fix", "text")})
