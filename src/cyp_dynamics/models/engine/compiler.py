"""The expression compiler: pysd's equation trees to numpy (or plain float) code strings.

`ExpressionCompiler.compile(tree)` returns the code of one expression and the model variables it
refers to. Calls of Vensim functions come from the fixed tables in `functions`; SMOOTH, DELAY,
TREND, FORECAST, SAMPLE IF TRUE and INITIAL inside an expression become hidden state variables
(`stateful`), which the builder integrates like stocks. `subscripts.SubscriptCompiler` extends
this class for models with Vensim subscripts.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from . import calls, external_code, stateful
from .common import PLAIN_NAME, UnsupportedModel, local, number
from .functions import FUNCTIONS, LOOKUP_HELPERS, OPERATORS, TIME_FUNCTIONS


class ExpressionCompiler:
    """Turns equation trees into code strings and records what each refers to.

    `lookups`: the model's tables, {name: (xs, ys, interpolation type)}. `mode`: "vector" (numpy
    arrays, one column per run) or "scalar" (floats, one run). `names`: {reference as written in
    equations: python name}, for names that are not plain (quotes, accents). `phase`: "run", or
    "initial" for the values at the initial time (ACTIVE INITIAL gives its initial value there).
    """

    def __init__(self, lookups: dict[str, tuple], mode: str = "vector",
                 names: dict[str, str] | None = None):
        self.names = names or {}  # how equations refer to a variable -> its python name
        self.lookups = {k: v if len(v) == 3 else (*v, "interpolate") for k, v in lookups.items()}
        self.mode = mode
        self.functions = FUNCTIONS[mode]
        self.tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.references: set[str] = set()
        self.phase = "run"
        self.hidden: list[stateful.Hidden] = []
        self._hidden_by_node: dict[tuple, tuple[str, set[str]]] = {}
        self.groups = 0  # stateful calls compiled so far

    def compile(self, node: Any) -> tuple[str, set[str]]:
        self.references = set()
        return self._expr(node), self.references

    def sub(self, node: Any) -> tuple[str, set[str]]:
        """Code and references of a part of an expression, kept apart from the enclosing one's."""
        outer = self.references
        self.references = set()
        try:
            return self._expr(node), self.references
        finally:
            self.references = outer

    # ---- pieces the subscript compiler changes -------------------------------------------------
    def _time(self) -> str:
        return "t"

    def shape_code(self) -> str:
        """Code for the shape of a value in the current context ('' when a number will do)."""
        return ""

    def full(self, code: str) -> str:
        """`code` as a value of the current context's full shape (plain models: unchanged)."""
        return code

    # ---- the tree ------------------------------------------------------------------------------
    def _table(self, key: str, xs: Any, ys: Any) -> str:
        if not PLAIN_NAME.fullmatch(key):
            raise UnsupportedModel(f"the table name {key!r}, which is not a plain identifier")
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if xs.ndim != 1 or xs.shape != ys.shape or len(xs) < 2 or np.any(np.diff(xs) < 0):
            raise UnsupportedModel(f"the table {key}, which is not one increasing list of points")
        self.tables[key] = (xs, ys)
        return f"_tab_{key}"

    def _lookup_call(self, kind: str, argument: str, table: str) -> str:
        helper = LOOKUP_HELPERS[self.mode].get(kind)
        if helper is None:
            raise UnsupportedModel(f"lookup type {kind}")
        return f"{helper}({argument}, *{table})"

    def _expr(self, node: Any) -> str:
        if isinstance(node, Number) and not isinstance(node, bool):
            return number(node)
        if isinstance(node, ae.ReferenceStructure):
            if node.subscripts:
                raise UnsupportedModel("subscripts")
            if node.reference == "time":
                return self._time()
            name = self.names.get(node.reference, node.reference)
            self.references.add(name)
            return local(name)
        if isinstance(node, (ae.ArithmeticStructure, ae.LogicStructure)):
            return self._operation(node)
        special = calls.compile_special(self, node)  # GAME, VECTOR SELECT, ALLOCATE ... (`calls`)
        if special is not None:
            return special
        if isinstance(node, ae.CallStructure):
            return self._call(node)
        if isinstance(node, ae.InlineLookupsStructure):
            table = node.lookups
            name = self._table(f"inline{len(self.tables)}", table.x, table.y)
            return self._lookup_call(table.type, self._expr(node.argument), name)
        if isinstance(node, external_code.FileValues):  # values read from a file (`external`)
            return external_code.compile_values(self, node)
        if isinstance(node, stateful.STRUCTURES):
            return stateful.compile_stateful(self, node)
        raise UnsupportedModel(type(node).__name__)

    def _power(self, base: str, exponent: str, literal: Any) -> str:
        if self.mode == "scalar" and not (isinstance(literal, Number) and float(literal).is_integer()):
            if base.startswith("-"):  # a negative number: -(30 ** x), as Python (and pysd) read it
                return f"(-_s_power({base[1:]}, {exponent}))"
            return f"_s_power({base}, {exponent})"
        return f"({base} ** {exponent})"

    def _operation(self, node: Any) -> str:
        args = [self._expr(a) for a in node.arguments]
        ops = list(node.operators)
        scalar = self.mode == "scalar"
        if len(args) == 1:
            op = ops[0]
            if op == "negative":
                return f"(-{args[0]})"
            if op == "positive":
                return args[0]
            if op == ":NOT:":
                return f"(not {args[0]})" if scalar else f"np.logical_not({args[0]})"
            raise UnsupportedModel(f"operator {op}")
        if all(op == "^" for op in ops):  # a^b^c is a^(b^c), as in Vensim and pysd
            text, literal = args[-1], node.arguments[-1]
            for arg in reversed(args[:-1]):
                text = self._power(arg, text, literal)
                literal = None
            return text
        text = args[0]
        for op, arg, raw in zip(ops, args[1:], node.arguments[1:]):
            if op == ":AND:":
                text = f"(bool({text}) and bool({arg}))" if scalar else f"np.logical_and({text}, {arg})"
            elif op == ":OR:":
                text = f"(bool({text}) or bool({arg}))" if scalar else f"np.logical_or({text}, {arg})"
            elif op == "^":
                text = self._power(text, arg, raw)
            elif op in OPERATORS:
                text = f"({text} {OPERATORS[op]} {arg})"
            else:
                raise UnsupportedModel(f"operator {op}")
        return text

    def _call(self, node: Any) -> str:
        name = node.function.reference
        name = self.names.get(name, name)
        if name in ("active_initial", "initial") or name in stateful.FUNCTION_CALLS:
            return stateful.compile_call(self, name, node.arguments)
        args = [self._expr(a) for a in node.arguments]
        if name in self.lookups:
            if len(args) != 1:
                raise UnsupportedModel(f"lookup {name} with {len(args)} arguments")
            xs, ys, kind = self.lookups[name]
            return self._lookup_call(kind, args[0], self._table(name, xs, ys))
        builder = self.functions.get(name)
        if builder is None:
            raise UnsupportedModel(f"function {name}")
        code = builder(args)
        if name in TIME_FUNCTIONS:
            code = code.replace("(t, ", f"({self._time()}, ", 1)
        return code
