"""The dependency graph of any model file, with each link's polarity estimated from the model.

Links come from pysd's parsed equations (`cyp_dynamics.models.engine.parsing`). A stock's inflows and
outflows are read from its INTEG: terms added are inflows (+), terms subtracted outflows (-).
Every other link's polarity is estimated by nudging the cause a little at each saved time of a
run and watching which way the effect's equation moves. A link is marked `uncertain` when that
direction changes during the run, or when the cause has no effect in the run (for example one
side of a MIN that never binds); the note says which.

A model with Vensim subscripts is drawn as Vensim draws it: one node per variable, whatever its
subscripts. A link's polarity is then estimated by nudging every element of the cause at once
and watching every element of the effect; when the engine cannot evaluate the equations, the
link is marked uncertain. A link that only joins different elements (an ageing chain's band to
the band above) is noted, since a loop through it may not close on any one element.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from ..models import Model, load_model
from ..models.engine import (HELPERS, SUBSCRIPT_HELPERS, Element, SubscriptCompiler,
                              UnsupportedModel, _Compiler, _local, assignment, element_names,
                              reference_nodes, variable_ranges)
from ..models.export.structure import flow_terms, references
from .diagram import CausalDiagram, Link

NUDGE = 1e-4  # relative size of the nudge given to a cause
PROBE_FACTORS = (0.5, 2.0, 0.1, 10.0, 0.01, 0.0)  # wider changes tried when a nudge has no effect
DELAY_STRUCTURES = (ae.SmoothStructure, ae.SmoothNStructure, ae.DelayStructure,
                    ae.DelayNStructure, ae.DelayFixedStructure)
JOINS_OTHER_ELEMENTS = ("joins different elements (e.g. one age band to the next), so a loop "
                        "through it may not close on any one element")
NO_EFFECT = ("no effect in this run (another input limits it, e.g. the other side of a MIN); "
             "the polarity shown is the direction it acts in when it does")


def _equation(element: Element) -> Any:
    """The element's equation (a stock's net flow); a list when it is defined element by element."""
    asts = [ast for _, ast in element.components] or [element.ast]
    if element.kind == "stock":
        asts = [ast.flow for ast in asts]
    return asts[0] if len(asts) == 1 else asts


def _dynamic(element: Element) -> bool:
    return element.kind in ("stock", "auxiliary") and not _constant_list(element)


def _joins_other_elements(element: Element, cause: str, ranges: dict[str, tuple[str, ...]]) -> bool:
    """True when the element takes `cause` only from other elements of a range than its own,
    e.g. `Ageing in[Place, age_5_10] = Ageing out[Place, age_0_4]` (the band below)."""
    crossing = []
    for subscripts, ast in element.components:
        own = {s: r for s in subscripts for r, items in ranges.items() if s in items}
        for written in _references_to(ast, cause):
            crossing.append(any(other != mine and other in ranges[own[mine]]
                                for mine in own for other in written))
    return bool(crossing) and all(crossing)


def _references_to(node: Any, name: str) -> list[list[str]]:
    """The subscripts written in each reference to `name` in an equation tree."""
    return [list(item.subscripts.subscripts) if item.subscripts else []
            for item in reference_nodes(node) if item.reference == name]


def _constant_list(element: Element) -> bool:
    """A subscripted variable given as numbers only (e.g. `5, 6, 5, 2`): a constant to the reader."""
    return element.subscripted and all(
        isinstance(ast, (int, float, np.ndarray)) and not isinstance(ast, bool)
        for _, ast in element.components)


class _Evaluator:
    """Evaluates single equations of a model on the values of a run (one column per saved time).

    Equations are compiled by the engine's compiler, whose code holds no text from the model
    file (see `models.engine`); as there, a reference to a name the model does not define is
    refused before anything runs, so only the model's own variables are ever evaluated.
    """

    def __init__(self, model: Model, elements: list[Element], params: dict | None,
                 months: float | None, at_time: float | None):
        self.known = {e.py_name for e in elements}
        run = model.run(params, months)
        if at_time is not None:
            if not run.index.min() <= at_time <= run.index.max():
                raise ValueError(f"at_time must be within the run, between {run.index.min():g} "
                                 f"and {run.index.max():g} {model.time_unit.lower()}s; you gave {at_time!r}.")
            run = run.loc[[run.index[np.abs(run.index - at_time).argmin()]]]
        self.namespace: dict[str, Any] = dict(HELPERS, t=run.index.to_numpy(dtype=float))
        self.namespace["dt"] = model._controls["time_step"]
        for key, value in model._controls.items():  # TIME STEP, FINAL TIME, ... as the engine has them
            self.namespace[_local(key)] = np.full(len(run), value)
        internal = model._internal  # the run's (pysd's) names -> the compiler's names
        for name, value in model.resolve(params).items():
            self.namespace[_local(internal.get(name, name))] = np.full(len(run), value)
        for e in elements:
            if e.kind == "fixed" and isinstance(e.ast, (int, float)):
                self.namespace[_local(e.py_name)] = np.full(len(run), float(e.ast))
        lookups = {e.py_name: (e.ast.x, e.ast.y) for e in elements
                   if e.kind == "lookup" and isinstance(e.ast, ae.LookupsStructure)}
        self.subscripted = any(e.subscripted for e in elements)
        if self.subscripted:
            self._load_subscripted(run, elements, model._ranges, lookups, model._public)
        else:
            for column in run.columns:
                self.namespace[_local(internal.get(column, column))] = run[column].to_numpy(dtype=float)
            self.compiler = _Compiler(lookups)

    def _load_subscripted(self, run: Any, elements: list[Element],
                          ranges: dict[str, tuple[str, ...]], lookups: dict,
                          public: dict[str, str]) -> None:
        """Each variable as an array (saved times, *its ranges), as the engine holds it;
        `public`: the compiler's name -> the run's (pysd's) name."""
        self.namespace.update(SUBSCRIPT_HELPERS, R=len(run))
        try:
            dims = {e.py_name: variable_ranges(e, ranges) for e in elements if e.kind != "lookup"}
        except UnsupportedModel as reason:
            self.compiler = None
            self.unsupported = str(reason)
            return
        self.compiler = SubscriptCompiler(lookups, ranges, dims)
        for e in elements:
            base = public.get(e.py_name, e.py_name)
            names = [base + suffix for suffix in element_names(dims.get(e.py_name, ()), ranges)]
            if all(name in run.columns for name in names):
                shape = (len(run), *(len(ranges[d]) for d in dims[e.py_name]))
                self.namespace[_local(e.py_name)] = run[names].to_numpy(dtype=float).reshape(shape)
            elif e.subscripted and e.kind in ("constant", "fixed"):  # not an output: from the file
                try:
                    lines, refs = assignment(e, self.compiler, _local(e.py_name))
                    self._check(refs)
                    self._exec(lines)
                except UnsupportedModel:
                    pass

    def _check(self, refs: set[str]) -> None:
        """Refuse names the model does not define (the engine's own check before it runs code)."""
        unknown = set(refs) - self.known
        if unknown:
            raise UnsupportedModel(f"refers to names the model does not define: {sorted(unknown)}")

    def _exec(self, lines: list[str]) -> None:
        self.namespace.update({f"_tab_{k}": v for k, v in self.compiler.tables.items()})
        self.namespace.update(getattr(self.compiler, "arrays", {}))
        exec("\n".join(lines), self.namespace)  # noqa: S102 (code compiled from the model's equations)

    def polarity(self, element: Element, cause: str) -> tuple[str, bool, str]:
        """(polarity, uncertain, note) of the link cause -> element."""
        try:
            if self.compiler is None:
                raise UnsupportedModel(self.unsupported)
            if self.subscripted:
                part = "flow" if element.kind == "stock" else "value"
                lines, refs = assignment(element, self.compiler, "_effect", part)
            else:
                code, refs = self.compiler.compile(_equation(element))
                lines = [f"_effect = {code}"]
            self._check(refs)
            values = self.namespace[_local(cause)]
            self._exec(lines)
        except (UnsupportedModel, KeyError, NameError, SyntaxError, TypeError, ValueError,
                IndexError) as reason:
            return "?", True, f"could not be evaluated ({reason})"
        source = compile("\n".join(lines), "<equation>", "exec")

        def effect(changed: np.ndarray) -> np.ndarray:
            saved = self.namespace[_local(cause)]
            self.namespace[_local(cause)] = changed
            try:
                with np.errstate(all="ignore"):
                    exec(source, self.namespace)  # noqa: S102
                    result = np.asarray(self.namespace["_effect"], dtype=float)
                    return result if result.ndim else np.broadcast_to(result, values.shape[:1])
            finally:
                self.namespace[_local(cause)] = saved

        scale = max(float(np.nanmax(np.abs(values))) if values.size else 0.0, 1e-9)
        step = NUDGE * np.maximum(np.abs(values), scale * 1e-3)
        signs = np.sign(effect(values + step) - effect(values - step)).ravel()
        signs = signs[np.isfinite(signs)]
        acting = signs[signs != 0]
        if acting.size and (acting > 0).all():
            return "+", False, ""
        if acting.size and (acting < 0).all():
            return "-", False, ""
        if acting.size:
            majority = "+" if (acting > 0).sum() >= (acting < 0).sum() else "-"
            return majority, True, "changes direction during the run; the polarity shown holds most of the time"
        base = effect(values)
        probes = []
        for factor in PROBE_FACTORS:
            changed = np.where(values == 0, factor, values * factor)
            direction = np.sign(changed - values)
            if direction.shape != base.shape:  # subscripted: cause and effect differ in shape
                moves = set(direction[direction != 0].ravel().tolist())
                if len(moves) != 1:
                    continue
                direction = moves.pop()
            change = np.sign((effect(changed) - base) * direction).ravel()
            probes.extend(change[np.isfinite(change) & (change != 0)])
        if probes and all(p > 0 for p in probes):
            return "+", True, NO_EFFECT
        if probes and all(p < 0 for p in probes):
            return "-", True, NO_EFFECT
        return "?", True, "no effect found in this run, so its direction is unknown"


def model_diagram(model: Model | str | Path, params: dict | None = None, months: float | None = None,
                  at_time: float | None = None, constants: bool = False,
                  hide: tuple[str, ...] | list[str] = (), title: str | None = None) -> CausalDiagram:
    """The stock-and-flow structure of a model as a diagram, polarities estimated from a run.

    `model`: a `Model`, a course model name, or a path to any Vensim (.mdl) or XMILE file.
    `params`/`months`: the run the polarities are estimated on (defaults: the model's).
    `at_time`: estimate at that time only, instead of over the whole run. `constants`: also
    show constants (they never take part in loops). `hide`: variables to leave out, by name.
    `title`: shown above the diagram (default: the model's name).
    """
    if not isinstance(model, Model):
        model = load_model(model)
    elements = [e for e in model._elements if e.kind not in ("control",)]
    by_name = {e.py_name: e for e in elements}
    hidden = {_known(h, by_name, model) for h in hide}
    constant_kinds = ("constant", "fixed", "initial")
    shown = {e.py_name for e in elements
             if _dynamic(e) or (constants and (e.kind in constant_kinds or _constant_list(e)))} - hidden

    direct: dict[str, dict[str, int]] = {}  # stock -> {flow: +1/-1}
    for e in elements:
        if e.kind == "stock":
            terms: dict[str, int] = {}
            equations = _equation(e)
            for equation in equations if isinstance(equations, list) else [equations]:
                for name, sign in flow_terms(equation):
                    terms[name] = 0 if terms.get(name, sign) != sign else sign
            direct[e.py_name] = terms
    flows = {name for terms in direct.values() for name in terms} - set(direct)

    evaluator = _Evaluator(model, model._elements, params, months, at_time)
    links: list[Link] = []
    for e in elements:
        if e.py_name not in shown or not _dynamic(e):
            continue
        equation = _equation(e)
        delayed = isinstance(equation, DELAY_STRUCTURES)
        for cause in sorted(references(equation)):
            if cause not in shown:
                continue
            sign = direct.get(e.py_name, {}).get(cause, 0)
            if sign:
                kind = "inflow" if sign > 0 else "outflow"
                links.append(Link(cause, e.py_name, "+" if sign > 0 else "-", kind=kind))
                continue
            if delayed:  # SMOOTH or DELAY: passes its input on, later; the rest set its timing
                passes_on = cause in references(equation.input)
                links.append(Link(cause, e.py_name, "+" if passes_on else "?", delay=passes_on,
                                  uncertain=not passes_on,
                                  note="" if passes_on else "sets the delay's timing or start"))
                continue
            polarity, uncertain, note = evaluator.polarity(e, cause)
            if _joins_other_elements(e, cause, model._ranges):
                note = "; ".join(filter(None, [note, JOINS_OTHER_ELEMENTS]))
            links.append(Link(cause, e.py_name, polarity, uncertain=uncertain, note=note))
    order = {e.py_name: i for i, e in enumerate(elements)}
    links.sort(key=lambda k: (order[k.target], order[k.source]))
    used = [e for e in elements if e.py_name in shown]
    labels = {e.py_name: e.name for e in used}
    kinds = {e.py_name: ("flow" if e.py_name in flows else
                         "constant" if e.kind in ("constant", "fixed", "initial") or _constant_list(e)
                         else e.kind) for e in used}
    units = {e.py_name: e.unit for e in used}
    default_title = f"Model '{model.name}', drawn from its equations"
    return CausalDiagram(links, labels, kinds, units, title=default_title if title is None else title)


def _known(name: str, by_name: dict[str, Element], model: Model) -> str:
    """The compiler's name of a variable given by any name `Model` accepts (pysd's, the label,
    snake_case); ValueError listing the variables when there is none."""
    try:
        public = model.python_name(name)
    except ValueError:
        public = name
    key = model._internal.get(public, public)
    if key not in by_name:
        raise ValueError(f"'{name}' is not a variable of the model '{model.name}'. Variables are: "
                         f"{', '.join(by_name)}.")
    return key
