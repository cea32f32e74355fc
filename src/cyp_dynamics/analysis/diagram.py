"""Causal loop diagrams as data: variables, links with polarity, optional delay marks.

A diagram can be typed in a notebook cell, one link per line::

    waiting list -> average wait (+)
    average wait -> closures before treatment (+, delay)

or given as a list of tuples such as ``("waiting list", "average wait", "+")``. Diagrams drawn
from a model file (`cyp_dynamics.analysis.graph.model_diagram`) use the same class, with stocks
and flows marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..charts.diagrams import diagram_markdown, to_mermaid
from .cycles import diagram_loops

POLARITY_WORDS = {
    "+": "+", "positive": "+", "same": "+", "s": "+",
    "-": "-", "−": "-", "–": "-", "negative": "-", "opposite": "-", "o": "-",
    "?": "?", "unknown": "?",
}
DELAY_WORDS = {"delay", "delayed", "||", "slow"}
ARROW = re.compile(r"\s*(?:->|→|-->|=>)\s*")
MARKS = re.compile(r"^(?P<link>.*?)\s*\((?P<marks>[^()]*)\)\s*$")
KINDS = ("stock", "flow", "auxiliary", "constant", "initial", "variable")
EXAMPLE = "waiting list -> average wait (+)"


def variable_key(name: str) -> str:
    """How variables are matched: case and extra spaces ignored ('Waiting  list' = 'waiting list')."""
    return " ".join(str(name).split()).lower()


@dataclass(frozen=True)
class Link:
    """One causal link: `source` changes `target` in the same (+) or opposite (-) direction.

    `kind` is "link" for an ordinary causal link, "inflow"/"outflow" for a flow filling or
    draining a stock. `uncertain` marks a polarity that could not be settled (see `note`).
    """

    source: str
    target: str
    polarity: str  # "+", "-" or "?"
    delay: bool = False
    kind: str = "link"
    uncertain: bool = False
    note: str = ""


@dataclass
class CausalDiagram:
    """Variables and the links between them. Show one in a notebook by making it a cell's last line."""

    links: list[Link]
    labels: dict[str, str] = field(default_factory=dict)  # key -> label as written
    kinds: dict[str, str] = field(default_factory=dict)  # key -> "stock", "flow", ...
    units: dict[str, str] = field(default_factory=dict)  # key -> unit, for model diagrams
    title: str = ""

    def __post_init__(self) -> None:
        for link in self.links:
            for name in (link.source, link.target):
                self.labels.setdefault(name, name)
        for key in self.labels:
            self.kinds.setdefault(key, "variable")

    @property
    def variables(self) -> list[str]:
        """Variable labels, in the order they first appear."""
        return list(self.labels.values())

    def label(self, key: str) -> str:
        """The label of a variable key."""
        return self.labels.get(key, key)

    def links_table(self) -> pd.DataFrame:
        """One row per link: source, target, polarity, delay, kind, uncertain, note."""
        rows = [{"source": self.label(k.source), "target": self.label(k.target),
                 "polarity": k.polarity, "delay": k.delay, "kind": k.kind,
                 "uncertain": k.uncertain, "note": k.note} for k in self.links]
        columns = ["source", "target", "polarity", "delay", "kind", "uncertain", "note"]
        return pd.DataFrame(rows, columns=columns)

    def loops(self) -> pd.DataFrame:
        """Every feedback loop, one row each (see `find_loops`)."""
        return diagram_loops(self)

    def extended(self, more_links: Any, title: str | None = None) -> "CausalDiagram":
        """A new diagram: this one plus `more_links` (text or tuples, as for `causal_diagram`)."""
        extra = causal_diagram(more_links)
        links = list(self.links)
        known = {(k.source, k.target): k for k in links}
        for link in extra.links:
            old = known.get((link.source, link.target))
            if old is not None and old.polarity != link.polarity:
                raise ValueError(
                    f"The link '{extra.label(link.source)} -> {extra.label(link.target)}' is already "
                    f"in the diagram with polarity ({old.polarity}); you gave ({link.polarity}). "
                    "Keep one of them."
                )
            if old is None:
                links.append(link)
        labels = {**extra.labels, **self.labels}
        kinds = {**extra.kinds, **self.kinds}
        return CausalDiagram(links, labels, kinds, dict(self.units), title or self.title)

    def to_mermaid(self, **options: Any) -> str:
        """Mermaid flowchart source for this diagram (for docs, or to paste into Markdown)."""
        return to_mermaid(self, **options)

    def _repr_markdown_(self) -> str:
        return diagram_markdown(self)

    def __repr__(self) -> str:
        return f"<CausalDiagram {self.title!r}: {len(self.labels)} variables, {len(self.links)} links>"


def _polarity_and_delay(marks: str, where: str, text: str) -> tuple[str, bool]:
    polarity, delay = "", False
    for raw in marks.split(","):
        word = raw.strip().lower()
        if not word:
            continue
        if word in DELAY_WORDS:
            delay = True
        elif word in POLARITY_WORDS and not polarity:
            polarity = POLARITY_WORDS[word]
        elif word in POLARITY_WORDS:
            raise ValueError(f"{where}: '{text}' has two polarities; give one, (+) or (-).")
        else:
            raise ValueError(
                f"{where}: '{text}': '{raw.strip()}' is not a polarity or a delay mark. Inside the "
                "brackets write + or -, and optionally ', delay', e.g. (+) or (-, delay)."
            )
    if not polarity:
        raise ValueError(f"{where}: '{text}' has no polarity. Add (+) or (-) at the end, e.g. "
                         f"'{EXAMPLE}'.")
    return polarity, delay


def _parse_line(text: str, where: str) -> tuple[str, str, str, bool]:
    match = MARKS.match(text)
    if not match:
        raise ValueError(f"{where}: '{text}' has no polarity in brackets at the end. Write "
                         f"it like '{EXAMPLE}'.")
    parts = ARROW.split(match["link"])
    if len(parts) != 2:
        problem = "no arrow '->'" if len(parts) < 2 else "more than one arrow '->'"
        raise ValueError(f"{where}: '{text}' has {problem}. Write one link per line, like "
                         f"'{EXAMPLE}'.")
    source, target = (" ".join(p.split()) for p in parts)
    if not source or not target:
        side = "before" if not source else "after"
        raise ValueError(f"{where}: '{text}' has no variable name {side} the arrow.")
    polarity, delay = _polarity_and_delay(match["marks"], where, text)
    return source, target, polarity, delay


def _parse_tuple(item: Any, where: str) -> tuple[str, str, str, bool]:
    if not isinstance(item, (tuple, list)) or not 3 <= len(item) <= 4:
        raise ValueError(f"{where}: {item!r} should be (source, target, polarity) or "
                         "(source, target, polarity, 'delay'), e.g. ('waiting list', 'average wait', '+').")
    source, target, polarity = (" ".join(str(x).split()) for x in item[:3])
    if not source or not target:
        raise ValueError(f"{where}: {item!r} has an empty variable name.")
    delay_mark = item[3] if len(item) == 4 else None
    marks = polarity if delay_mark in (None, False, "") else \
        f"{polarity}, {'delay' if delay_mark is True else delay_mark}"
    return (source, target, *_polarity_and_delay(marks, where, str(item)))


def _items(links: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(links, str):
        for number, line in enumerate(links.splitlines(), start=1):
            text = line.split("#", 1)[0].strip()
            if text:
                yield f"Line {number}", text
    elif isinstance(links, Iterable):
        for number, item in enumerate(links, start=1):
            yield f"Link {number}", item
    else:
        raise ValueError("A diagram is text with one link per line (like "
                         f"'{EXAMPLE}') or a list of (source, target, polarity) tuples; "
                         f"you gave {type(links).__name__}.")


def causal_diagram(links: Any, title: str = "", stocks: Iterable[str] = ()) -> CausalDiagram:
    """A causal loop diagram from text (one link per line) or a list of tuples.

    Lines look like ``source -> target (+)`` or ``source -> target (-, delay)``; text after
    ``#`` is a comment. Variable names are matched ignoring case and extra spaces. `stocks`
    names variables to draw as stocks (boxes). Raises ValueError naming the line to fix.
    """
    if isinstance(links, CausalDiagram):
        return links
    parsed: dict[tuple[str, str], Link] = {}
    labels: dict[str, str] = {}
    for where, item in _items(links):
        source, target, polarity, delay = (_parse_line(item, where) if isinstance(item, str)
                                           else _parse_tuple(item, where))
        key_source, key_target = variable_key(source), variable_key(target)
        if key_source == key_target:
            raise ValueError(f"{where}: '{source}' points to itself. A loop needs at least two "
                             "variables: add the variable in between.")
        labels.setdefault(key_source, source)
        labels.setdefault(key_target, target)
        old = parsed.get((key_source, key_target))
        if old is not None and old.polarity != polarity:
            raise ValueError(f"{where}: the link '{source} -> {target}' appears twice with "
                             "different polarities. Keep one of them.")
        parsed[(key_source, key_target)] = Link(key_source, key_target, polarity, delay)
    if not parsed:
        raise ValueError(f"The diagram has no links. Write one link per line, like '{EXAMPLE}'.")
    kinds = {}
    for name in stocks:
        key = variable_key(name)
        if key not in labels:
            raise ValueError(f"'{name}' is listed as a stock but is not in any link.")
        kinds[key] = "stock"
    return CausalDiagram(list(parsed.values()), labels, kinds, title=title)

