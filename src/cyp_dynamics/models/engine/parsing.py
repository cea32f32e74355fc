"""Read a Vensim (.mdl) or XMILE (.xmile, .stmx) file into plain element records.

pysd's translators parse the file into an abstract model; this module flattens it into the few
facts the rest of the library needs: each element's name, kind, equation tree, units, range and
documentation. Nothing is written to disk here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from numbers import Number
from pathlib import Path
from typing import Any

from pysd.translators.structures import abstract_expressions as ae

from ..sanitise import SafeVensimFile, SafeXmileFile
from .ranges import Ranges, read_ranges

CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")
SOURCE_MARKER = re.compile(r"\bsource\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Element:
    """One model variable as written in the model file."""

    name: str  # as written, e.g. "Waiting list"
    py_name: str  # snake_case, e.g. "waiting_list"
    kind: str  # "constant", "fixed", "stock", "auxiliary", "lookup", "initial" or "control"
    ast: Any
    unit: str
    limits: tuple[float | None, float | None, float | None]  # (min, max, step)
    documentation: str
    subscripted: bool = False
    # Every (subscripts, equation) pair as written: one for most variables, one per element or
    # block of elements when a subscripted variable is defined piece by piece.
    components: tuple[tuple[tuple[str, ...], Any], ...] = ()
    # How equations refer to it: pysd's reference form, "name as written" in lower case with
    # spaces as underscores (quotes, accents and other characters kept), e.g. '"expert-hours"'.
    reference: str = ""
    # The file's :MACRO: sections as pysd parsed them, which `macros.expand` writes out.
    macros: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def description(self) -> str:
        """The documentation before any 'Source:' note."""
        match = SOURCE_MARKER.search(self.documentation)
        text = self.documentation[: match.start()] if match else self.documentation
        return " ".join(text.split())

    @property
    def source(self) -> str:
        """The text after 'Source:' in the documentation, or '' when none is given."""
        match = SOURCE_MARKER.search(self.documentation)
        return " ".join(self.documentation[match.end():].split()) if match else ""


def snake_case(name: str) -> str:
    """The python name pysd gives a model variable: lower case, words joined by underscores."""
    text = re.sub(r"[^0-9a-zA-Z_]+", "_", name.strip().lower())
    return re.sub(r"_+", "_", text).strip("_")


def _is_number(node: Any) -> bool:
    return isinstance(node, Number) and not isinstance(node, bool)


def _kind(py_name: str, component: Any) -> str:
    if py_name in CONTROL_NAMES:
        return "control"
    if type(component).__name__ == "AbstractLookup" or isinstance(component.ast, ae.LookupsStructure):
        return "lookup"
    if type(component).__name__ == "AbstractUnchangeableConstant":
        return "fixed"  # Vensim '==': a conversion factor, not a policy lever
    if isinstance(component.ast, ae.IntegStructure):
        return "stock"
    if isinstance(component.ast, ae.InitialStructure):
        return "initial"
    if _is_number(component.ast):
        return "constant"
    return "auxiliary"


def _element_kind(py_name: str, components: list[Any]) -> str:
    """The kind of a variable from all its definitions: one defined element by element is a
    constant only when every element is a number (`x[A] = 3`, `x[C] = 1.5 + Time/10` is not)."""
    kind = _kind(py_name, components[0])
    if kind == "constant" and not all(_is_number(c.ast) for c in components):
        return "auxiliary"
    return kind


def _limits(raw: tuple | None) -> tuple[float | None, float | None, float | None]:
    values = list(raw or ()) + [None, None, None]
    return tuple(None if v is None or v != v else float(v) for v in values[:3])  # noqa: PLR0124  # type: ignore[return-value]


def _note_ranges(ranges: Ranges, element: Any) -> None:
    """Keep what the engine needs beyond each (subscripts, equation): the EXCEPT lists of a
    variable's definitions and the table of each element of a subscripted lookup."""
    py_name = snake_case(element.name)
    lists = tuple(tuple(tuple(e) for e in c.subscripts[1]) for c in element.components)
    if any(lists):
        ranges.exceptions[py_name] = lists
    tables = [(tuple(c.subscripts[0]), c.ast.x, c.ast.y, c.ast.type) for c in element.components
              if c.subscripts[0] and isinstance(c.ast, ae.LookupsStructure)]
    if tables:
        ranges.tables[py_name] = tables


def read_elements(path: Path) -> list[Element]:
    """Parse a model file and return its elements in file order.

    Raises ValueError with a plain message when the file cannot be read as a model, and
    `sanitise.ModelFileError` (a ValueError) when it holds text that could run as code.
    """
    return read_model(path)[0]


def read_model(path: Path) -> tuple[list[Element], dict[str, tuple[str, ...]]]:
    """The model's elements in file order and its subscript ranges ({range: its elements}).

    The ranges are a `ranges.Ranges`, as pysd reads them: copies hold their source's elements,
    subranges written inside a range are expanded, and it carries the mappings between ranges,
    each variable's EXCEPT lists and the tables of subscripted lookups.
    """
    suffix = path.suffix.lower()
    try:
        # Only checked text reaches pysd's parsers (they eval lookup ranges): see `sanitise`.
        if suffix == ".mdl":
            source = SafeVensimFile(path)
        elif suffix in (".xmile", ".xml", ".stmx"):
            source = SafeXmileFile(path)
        else:
            raise ValueError(
                f"'{path.name}' is not a model file: use a Vensim .mdl or an XMILE .xmile/.stmx file."
            )
        source.parse()
        abstract = source.get_abstract_model()
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 (pysd raises many kinds of parser errors)
        raise ValueError(
            f"Could not read the model file '{path}'. Open it in Vensim or Stella to check "
            f"that it is a valid model. (The parser said: {error})"
        ) from None

    elements: list[Element] = []
    ranges = Ranges()
    for section in abstract.sections:
        if section.name != "__main__":
            continue
        ranges = read_ranges(section.subscripts, path.parent)
        for element in section.elements:
            _note_ranges(ranges, element)
            if not element.components:
                continue
            component = element.components[0]
            for c in element.components:  # DATA's method (:HOLD BACKWARD: ...), for `external`
                if getattr(c, "keyword", None) and hasattr(c.ast, "__dict__"):
                    c.ast.keyword = c.keyword
            subscripted = any(c.subscripts[0] for c in element.components)
            py_name = snake_case(element.name)
            elements.append(
                Element(
                    name=element.name.strip(),
                    py_name=py_name,
                    kind=_element_kind(py_name, element.components),
                    ast=component.ast,
                    unit=(element.units or "").strip(),
                    limits=_limits(element.limits),
                    documentation=(element.documentation or "").strip(),
                    subscripted=subscripted or len(element.components) > 1,
                    components=tuple((tuple(c.subscripts[0]), c.ast) for c in element.components),
                    reference=element.name.strip().lower().replace(" ", "_"),
                )
            )
    macros = tuple(s for s in abstract.sections if s.type == "macro")
    if macros:
        elements = [replace(e, macros=macros) for e in elements]
    return elements, ranges
