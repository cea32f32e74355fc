"""Split a big model's diagram into views, one per sector, as Vensim and Stella users do.

A sector is a group of stocks joined by pipes (e.g. the patients' pathway, the workforce).
Each auxiliary goes to the view of what it feeds. Where a link crosses views, the cause appears
again in the effect's view as a shadow (Vensim) or alias (Stella), so each view reads alone while
every variable is still defined in exactly one place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .layout import _sectors
from .structure import StockFlowStructure

BIG_MODEL = 45  # drawn variables above which a model with several sectors gets several views


@dataclass
class View:
    """One view: its title, the part of the structure drawn in it, and its shadow variables."""

    title: str
    structure: StockFlowStructure
    shadows: set[str] = field(default_factory=set)


def _title(stocks: list[str], names: dict[str, str]) -> str:
    title = ", ".join(names[s] for s in stocks[:3]) + (" and more" if len(stocks) > 3 else "")
    return title.replace(",", " -") if len(stocks) > 1 else title


def split_views(structure: StockFlowStructure) -> list[View]:
    """The views to draw: one for a small model, one per sector of a big one."""
    sectors = [s for s in _sectors(structure)]
    piped = {end for p in structure.pipes for end in (p.source, p.sink) if end}
    chains = [s for s in sectors if len(s) > 1]
    if len(structure.names) <= BIG_MODEL or not chains or len(chains) + (len(sectors) > len(chains)) < 2:
        return [View("View 1", structure)]
    groups = chains + [[s for sector in sectors if len(sector) == 1 for s in sector]]
    groups = [g for g in groups if g]
    view_of: dict[str, int] = {s: i for i, g in enumerate(groups) for s in g}
    for p in structure.pipes:
        view_of[p.flow] = view_of[p.source if p.source in piped and p.source else p.sink]
    effects = {v: [e for c, e in structure.links if c == v] for v in structure.names}
    causes = {v: [c for c, e in structure.links if e == v] for v in structure.names}
    pending = [v for v in structure.names if v not in view_of]
    while pending:
        progress = False
        for v in list(pending):
            votes = Counter(view_of[e] for e in effects[v] if e in view_of) or \
                Counter(view_of[c] for c in causes[v] if c in view_of)
            if votes:
                view_of[v] = min(votes, key=lambda k: (-votes[k], k))
                pending.remove(v)
                progress = True
        if not progress:
            view_of[pending.pop(0)] = 0
    views = []
    for i, stocks in enumerate(groups):
        own = [v for v in structure.names if view_of[v] == i]
        links = [(c, e) for c, e in structure.links if view_of[e] == i]
        shadows = {c for c, _ in links if view_of[c] != i}
        keep = set(own) | shadows
        names = {v: n for v, n in structure.names.items() if v in keep}
        kinds = {v: ("shadow" if v in shadows else k) for v, k in structure.kinds.items() if v in keep}
        sub = StockFlowStructure(
            names, kinds, [s for s in structure.stocks if s in own],
            [p for p in structure.pipes if view_of[p.flow] == i], links,
            {s: t for s, t in structure.net_flows.items() if s in own})
        title = _title(stocks, structure.names) if i < len(chains) else "Running totals and outcomes"
        views.append(View(title, sub, shadows))
    return views
