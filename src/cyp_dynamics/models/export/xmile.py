"""Export a model to XMILE, the open standard Stella (and pysd) read, with its diagram.

Equations are printed from the parsed model (not copied as text), so Vensim's functions become
their XMILE forms (IF THEN ELSE, SAFEDIV, INIT, graphical functions); units, ranges and
comments travel with each variable; the diagram is the same layout as the Vensim sketch.
"""

from __future__ import annotations

import re
from itertools import product
from numbers import Number
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from .layout import layout
from .structure import equation_trees, flow_terms, stock_flow_structure
from .views import split_views

FUNCTIONS = {"min": "MIN", "max": "MAX", "exp": "EXP", "ln": "LN", "abs": "ABS", "sqrt": "SQRT",
             "integer": "INT", "sum": "SUM", "step": "STEP", "sin": "SIN", "cos": "COS",
             "tan": "TAN", "arcsin": "ARCSIN", "arccos": "ARCCOS", "arctan": "ARCTAN",
             "ramp": "RAMP", "zidz": "SAFEDIV", "xidz": "SAFEDIV"}
LOGIC = {":and:": "AND", ":or:": "OR", ":not:": "NOT", "and": "AND", "or": "OR", "not": "NOT"}
CONTROL = {"initial_time": "start", "final_time": "stop", "time_step": "dt"}


class XmileExportError(ValueError):
    """A part of a model that XMILE export cannot write yet, named with what to do."""


def xmile_name(name: str) -> str:
    """How an equation refers to a variable in XMILE: spaces become underscores."""
    return "_".join(name.split())


def display_name(name: str) -> str:
    """A name as XMILE declares it: underscores are how equations write spaces, so they become
    spaces (`age_0_4` is declared `age 0 4` and still written `age_0_4` in equations)."""
    return " ".join(name.replace("_", " ").split())


def _stateful(self: Any, node: Any, bound: dict[str, str]) -> str | None:
    """Delays, smooths, trends and forecasts in their XMILE spelling (argument orders differ)."""
    p = lambda *parts: ", ".join(self.expr(x, bound) for x in parts)  # noqa: E731
    if isinstance(node, ae.DelayStructure):
        return f"DELAY{int(node.order)}({p(node.input, node.delay_time, node.initial)})"
    if isinstance(node, ae.DelayNStructure):
        return f"DELAYN({p(node.input, node.delay_time, node.order, node.initial)})"
    if isinstance(node, ae.DelayFixedStructure):
        return f"DELAY({p(node.input, node.delay_time, node.initial)})"
    if isinstance(node, ae.SmoothStructure):
        return f"SMTH{int(node.order)}({p(node.input, node.smooth_time, node.initial)})"
    if isinstance(node, ae.SmoothNStructure):
        return f"SMTHN({p(node.input, node.smooth_time, node.order, node.initial)})"
    if isinstance(node, ae.TrendStructure):
        return f"TREND({p(node.input, node.average_time, node.initial_trend)})"
    if isinstance(node, ae.ForecastStructure):
        return f"FORCST({p(node.input, node.average_time, node.horizon, node.initial_trend)})"
    return None


class _Printer:
    """Prints pysd's equation trees as XMILE equations."""

    def __init__(self, names: dict[str, str], lookups: set[str], dimensions: dict[str, tuple]):
        self.names, self.lookups, self.dimensions = names, lookups, dimensions

    stateful = _stateful

    def __call__(self, node: Any, bound: dict[str, str] | None = None) -> str:
        return self.expr(node, bound or {})

    def subscripts(self, subs: tuple, bound: dict[str, str]) -> str:
        return "[" + ", ".join(self.subscript(s, bound) for s in subs) + "]"

    def subscript(self, s: str, bound: dict[str, str]) -> str:
        bang = s.endswith("!")
        s = s.rstrip("!")
        return xmile_name(bound.get(s, s)) + ("!" if bang else "")

    def expr(self, node: Any, bound: dict[str, str]) -> str:
        if isinstance(node, bool):
            raise XmileExportError("a true/false constant; write it as 1 or 0")
        if isinstance(node, Number):
            return repr(float(node)) if isinstance(node, float) else str(node)
        if isinstance(node, ae.ReferenceStructure):
            if node.reference == "time":
                return "TIME"
            name = xmile_name(self.names.get(node.reference, node.reference))
            subs = node.subscripts.subscripts if node.subscripts else ()
            return name + (self.subscripts(subs, bound) if subs else "")
        if isinstance(node, ae.ArithmeticStructure):
            if list(node.operators) == ["negative"]:
                return f"(-{self.expr(node.arguments[0], bound)})"
            parts = [self.expr(node.arguments[0], bound)]
            for op, argument in zip(node.operators, node.arguments[1:]):
                parts += [op, self.expr(argument, bound)]
            return "(" + " ".join(parts) + ")"
        if isinstance(node, ae.LogicStructure):
            if len(node.arguments) == 1:
                return f"(NOT {self.expr(node.arguments[0], bound)})"
            parts = [self.expr(node.arguments[0], bound)]
            for op, argument in zip(node.operators, node.arguments[1:]):
                parts += [LOGIC.get(op, op), self.expr(argument, bound)]
            return "(" + " ".join(parts) + ")"
        stateful = self.stateful(node, bound)
        if stateful:
            return stateful
        if isinstance(node, ae.InitialStructure):
            return f"INIT({self.expr(node.initial, bound)})"
        if isinstance(node, ae.CallStructure):
            function = node.function.reference
            arguments = [self.expr(a, bound) for a in node.arguments]
            if function == "modulo":
                return f"({arguments[0]} mod {arguments[1]})"
            if function == "if_then_else":
                return f"(IF {arguments[0]} THEN {arguments[1]} ELSE {arguments[2]})"
            if function in self.lookups:
                return f"{xmile_name(self.names[function])}({arguments[0]})"
            if function in FUNCTIONS:
                return f"{FUNCTIONS[function]}({', '.join(arguments)})"
            raise XmileExportError(f"the function {function.upper()} has no XMILE form in this "
                                   "exporter yet; the Vensim .mdl file keeps it")
        raise XmileExportError(f"an equation part of type {type(node).__name__} has no XMILE form "
                               "in this exporter yet; the Vensim .mdl file keeps it")




def _concrete(subscripts: tuple[str, ...], ranges: dict[str, tuple]) -> list[dict[str, str]]:
    """Every element combination a component's subscripts cover, as {position or dim: element}."""
    choices = [[(s, e) for e in ranges[s]] if s in ranges else [(None, s)] for s in subscripts]
    return [dict(enumerate(combo)) for combo in product(*choices)]


def _element_values(element: Any, ranges: dict[str, tuple], printer: _Printer,
                    part=lambda ast: ast) -> tuple[list[str], list[tuple[str, str]]]:
    """(dimensions, [(subscript, equation)]) for a subscripted element, one entry per element."""
    first = element.components[0][0]
    dims = [next((d for d, items in ranges.items() if s == d or s in items), s) for s in first]
    entries: list[tuple[str, str]] = []
    for subscripts, ast in element.components:
        ast = part(ast)
        for combo in _concrete(subscripts, ranges):
            labels = [element_name for _, element_name in combo.values()]
            bound = {dim: label for (dim, label) in combo.values() if dim}
            if isinstance(ast, np.ndarray):
                index = tuple(ranges[d].index(label) if d in ranges else 0
                              for d, label in zip(subscripts, labels) if d in ranges)
                value = ast[index] if ast.ndim else ast
                equation = printer(float(value))
            else:
                equation = printer(ast, bound)
            entries.append((",".join(display_name(label) for label in labels), equation))
    return dims, entries


def _variable_xml(tag: str, element: Any, ranges: dict, printer: _Printer, extra: str = "",
                  part=lambda ast: ast) -> str:
    attrs = f"name={quoteattr(element.name)}"
    lines = [f"<{tag} {attrs}>"]
    apply_to_all = (element.subscripted and len(element.components) == 1
                    and all(sub in ranges for sub in element.components[0][0])
                    and not isinstance(part(element.components[0][1]), np.ndarray))
    if apply_to_all:  # one equation for every element (pysd reads a stock's initial value only so)
        subscripts, ast = element.components[0]
        lines.append("<dimensions>" + "".join(f"<dim name={quoteattr(d)}/>" for d in subscripts)
                     + "</dimensions>")
        lines.append(f"<eqn>{escape(printer(part(ast)))}</eqn>")
    elif element.subscripted and element.components:
        dims, entries = _element_values(element, ranges, printer, part)
        lines.append("<dimensions>" + "".join(f"<dim name={quoteattr(d)}/>" for d in dims)
                     + "</dimensions>")
        lines += [f"<element subscript={quoteattr(s)}><eqn>{escape(eq)}</eqn></element>"
                  for s, eq in entries]
    else:
        lines.append(f"<eqn>{escape(printer(part(element.ast)))}</eqn>")
    lines.append(extra)
    if element.unit:
        lines.append(f"<units>{escape(element.unit)}</units>")
    low, high, _ = element.limits
    if low is not None or high is not None:
        bounds = "".join(f' {k}="{v}"' for k, v in (("min", low), ("max", high)) if v is not None)
        lines.append(f"<range{bounds}/>")
    if element.documentation:
        lines.append(f"<doc>{escape(element.documentation)}</doc>")
    lines.append(f"</{tag}>")
    return "\n".join(line for line in lines if line)


def _control_values(controls: dict[str, Any], printer: _Printer) -> dict[str, float]:
    """The time controls as numbers (SAVEPER is often written `= TIME STEP`)."""
    values: dict[str, float] = {}
    for _ in range(len(controls) + 1):
        for name, e in controls.items():
            if isinstance(e.ast, Number):
                values[name] = e.ast
            elif isinstance(e.ast, ae.ReferenceStructure) and e.ast.reference in values:
                values[name] = values[e.ast.reference]
    for name, e in controls.items():
        if name not in values:
            raise XmileExportError(f"{e.name} is an equation ({printer(e.ast)}); XMILE needs a "
                                   "number there: set it to a number in the model file first")
    return values


def _named_flows(element: Any) -> list[tuple[str, int]] | None:
    """A stock's flows when its rate is a plain sum of whole flow variables (as XMILE needs),
    else None."""
    terms: list[tuple[str, int]] | None = None
    for subscripts, tree in element.components or [((), element.ast)]:
        found = flow_terms(tree.flow)
        whole = all(not r.subscripts or tuple(r.subscripts.subscripts) == tuple(subscripts)
                    for r in _references_in(tree.flow))
        if not found or not whole or (terms is not None and found != terms):
            return None
        terms = found
    return terms


def _references_in(node: Any) -> list[ae.ReferenceStructure]:
    if isinstance(node, ae.ReferenceStructure):
        return [node]
    if isinstance(node, ae.ArithmeticStructure):
        return [r for a in node.arguments for r in _references_in(a)]
    return []


def _stock_xml(e: Any, ranges: dict, printer: _Printer, names: dict[str, str]) -> list[str]:
    """A stock, and, when its rate is an expression rather than named flows, one flow added to
    carry that expression (XMILE lets a stock change only through flows)."""
    extra: list[str] = []
    terms = _named_flows(e)
    if terms is None:
        flow_name = f"{e.name} net flow"
        if flow_name in names.values():
            raise XmileExportError(f"the stock '{e.name}' needs a flow named '{flow_name}' in XMILE "
                                   "but the model already has a variable of that name")
        rate = e.__class__(**{**e.__dict__, "name": flow_name, "kind": "auxiliary",
                              "ast": getattr(e.ast, "flow", e.ast), "limits": (None, None, None),
                              "components": tuple((s, t.flow) for s, t in e.components),
                              "documentation": f"Added on export: XMILE needs every stock to change "
                                               f"through flows; this is the rate of '{e.name}' as the "
                                               "Vensim model writes it."})
        extra.append(_variable_xml("flow", rate, ranges, printer))
        terms = [(flow_name, 1)]
        names = {**names, flow_name: flow_name}
    inout = "".join(f"<{'inflow' if sign > 0 else 'outflow'}>{escape(xmile_name(names[f]))}"
                    f"</{'inflow' if sign > 0 else 'outflow'}>" for f, sign in terms)
    if getattr(equation_trees(e)[0], "non_negative", False):
        inout += "<non_negative/>"
    if e.subscripted and not (len(e.components) == 1
                              and all(sub in ranges for sub in e.components[0][0])):
        # pysd reads a subscripted stock's initial value only as one equation for all elements,
        # so element-by-element starting values move to an auxiliary the stock starts from
        start_name = f"{e.name} initial value"
        start = e.__class__(**{**e.__dict__, "name": start_name, "kind": "auxiliary",
                               "limits": (None, None, None),
                               "components": tuple((s, t.initial) for s, t in e.components),
                               "documentation": f"Added on export: the starting values of '{e.name}', "
                                                "element by element, as the Vensim model gives them."})
        dims, _ = _element_values(start, ranges, printer)
        extra.append(_variable_xml("aux", start, ranges, printer))
        reference = f"{xmile_name(start_name)}[{', '.join(xmile_name(d) for d in dims)}]"
        stock = e.__class__(**{**e.__dict__, "components": ()})
        lines = _variable_xml("stock", stock, ranges, printer, inout,
                              part=lambda a: ae.ReferenceStructure("__start__")).splitlines()
        lines[1:2] = ["<dimensions>" + "".join(f"<dim name={quoteattr(d)}/>" for d in dims)
                      + "</dimensions>", f"<eqn>{escape(reference)}</eqn>"]
        return ["\n".join(lines)] + extra
    return [_variable_xml("stock", e, ranges, printer, inout, part=lambda a: a.initial)] + extra


def _gf_xml(element: Any) -> str:
    table = element.ast
    if not isinstance(table, ae.LookupsStructure) or element.subscripted:
        raise XmileExportError(f"the lookup '{element.name}' is subscripted or defined in a way "
                               "this exporter cannot write yet")
    xs = ",".join(repr(float(x)) for x in table.x)
    ys = ",".join(repr(float(y)) for y in table.y)
    doc = f"<doc>{escape(element.documentation)}</doc>" if element.documentation else ""
    units = f"<units>{escape(element.unit)}</units>" if element.unit else ""
    return (f"<gf name={quoteattr(element.name)}><xpts>{xs}</xpts><ypts>{ys}</ypts>"
            f"{units}{doc}</gf>")


def _view_xml(model: Any) -> str:
    """The diagram: one <view> per view of the Vensim sketch; shadows become aliases."""
    lines = ["<views>"]
    for view in split_views(stock_flow_structure(model)):
        structure, places = view.structure, layout(view.structure)
        lines.append(f"<view name={quoteattr(view.title)}>")
        alias: dict[str, int] = {}
        for name, box in places.variables.items():
            label = quoteattr(xmile_name(structure.names[name]))
            if name in view.shadows:
                alias[name] = 10_000 + len(alias)
                lines.append(f'<alias uid="{alias[name]}" x="{box.x}" y="{box.y}"><of>'
                             f'{escape(xmile_name(structure.names[name]))}</of></alias>')
            else:
                tag = "stock" if structure.kinds[name] == "stock" else "aux"
                lines.append(f'<{tag} name={label} x="{box.x}" y="{box.y}"/>')
        for p in places.pipes:
            ends = [places.variables.get(p.pipe.source) or p.source_cloud,
                    places.variables.get(p.pipe.sink) or p.sink_cloud]
            points = "".join(f'<pt x="{b.x}" y="{b.y}"/>' for b in ends)
            lines.append(f'<flow name={quoteattr(xmile_name(structure.names[p.pipe.flow]))} '
                         f'x="{p.valve.x}" y="{p.valve.y}"><pts>{points}</pts></flow>')
        for i, (cause, effect) in enumerate(structure.links, start=1):
            source = (f'<alias uid="{alias[cause]}"/>' if cause in alias
                      else escape(xmile_name(structure.names[cause])))
            lines.append(f'<connector uid="{i}"><from>{source}</from>'
                         f'<to>{escape(xmile_name(structure.names[effect]))}</to></connector>')
        lines.append("</view>")
    lines.append("</views>")
    return "\n".join(lines)


def xmile_text(model: Any) -> str:
    """The model as an XMILE document (equations, units, ranges, comments and a diagram)."""
    elements = model._elements
    ranges = dict(model._ranges)
    equations = Path(model.path).read_text(encoding="utf-8", errors="replace").split("\\\\\\---///")[0]
    if Path(model.path).suffix.lower() == ".mdl" and re.search(  # a range definition, not a comment
            r"^(?![\t ])[^~|\n:]+:[^~|\n=]*->", equations, re.M):
        raise XmileExportError("the model maps one subscript range onto another (->), which XMILE "
                               "cannot say; the Vensim .mdl file keeps it")
    names = {e.py_name: e.name for e in elements}
    lookups = {e.py_name for e in elements if e.kind == "lookup"}
    printer = _Printer(names, lookups, ranges)
    controls = {e.py_name: e for e in elements if e.kind == "control"}
    values = _control_values(controls, printer)
    time_units = controls["time_step"].unit if "time_step" in controls else ""
    spec = "".join(f"<{tag}>{values[k]}</{tag}>" for k, tag in CONTROL.items() if k in values)
    save = f' isee:save_interval="{values["saveper"]}"' if "saveper" in values else ""
    stock_flows = {e.py_name: [t for tree in equation_trees(e) for t in flow_terms(tree.flow)]
                   for e in elements if e.kind == "stock"}
    flows = {name for terms in stock_flows.values() for name, _ in terms}
    body = []
    for e in elements:
        if e.kind == "control":
            continue
        if e.kind == "lookup":
            body.append(_gf_xml(e))
        elif e.kind == "stock":
            body += _stock_xml(e, ranges, printer, names)
        else:
            body.append(_variable_xml("flow" if e.py_name in flows else "aux", e, ranges, printer))
    dims = "".join(f"<dim name={quoteattr(d)}>"
                   + "".join(f"<elem name={quoteattr(display_name(x))}/>" for x in items)
                   + "</dim>" for d, items in ranges.items())
    return "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0" '
        'xmlns:isee="http://iseesystems.com/XMILE">',
        "<header><options namespace=\"std\"/><vendor>cyp-dynamics</vendor>"
        f"<product lang=\"en\">cyp-dynamics</product><name>{escape(Path(model.path).stem)}</name></header>",
        f'<sim_specs method="Euler" time_units={quoteattr(time_units)}{save}>{spec}</sim_specs>',
        f"<dimensions>{dims}</dimensions>" if dims else "",
        "<model><variables>", *body, "</variables>", _view_xml(model), "</model></xmile>", ""])


def to_xmile(model: Any, path: str | Path) -> Path:
    """Write `model` (a loaded `Model`) as an XMILE file Stella and pysd open, with its diagram."""
    target = Path(path)
    if target.suffix.lower() not in (".xmile", ".stmx", ".xml"):
        raise XmileExportError(f"{target.name}: give the file an .xmile (or .stmx) ending so "
                               "Stella and pysd recognise it")
    text = xmile_text(model)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
