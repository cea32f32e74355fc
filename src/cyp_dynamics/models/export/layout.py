"""A deterministic, readable layout of a stock-and-flow structure.

Stocks connected by pipes form a sector; each sector is laid out in columns (a stock after the
stocks that feed it) and sectors are stacked top to bottom. Valves sit between the stocks they
join, clouds sit at open ends, and every other variable takes the free place nearest to what it
feeds. Places are found on a grid and checked against everything already placed, so no two
elements overlap and no variable sits on a pipe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .structure import Pipe, StockFlowStructure

COLUMN = 260  # pixels between stock columns
ROW = 210  # pixels between stock rows
MARGIN = 6  # clear space kept around every element
GRID = 15  # candidate places for auxiliaries lie on this grid
SEARCH_RADIUS = 900
LEFT = 420  # the first column of stocks, leaving room for clouds and inputs on its left


@dataclass(frozen=True)
class Box:
    """An element's place: centre (x, y) and half-width/half-height, as a Vensim sketch stores them."""

    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: "Box", margin: float = MARGIN) -> bool:
        return (abs(self.x - other.x) < self.w + other.w + margin
                and abs(self.y - other.y) < self.h + other.h + margin)

    def crosses(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """True when the straight segment start-end passes through this box."""
        (x0, y0), (x1, y1) = start, end
        steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 4))
        return any(abs(x0 + (x1 - x0) * i / steps - self.x) < self.w + 2
                   and abs(y0 + (y1 - y0) * i / steps - self.y) < self.h + 2
                   for i in range(steps + 1))


def text_box(name: str, x: float, y: float, min_half_width: float = 20) -> Box:
    """The box a name needs in 12-point type, wrapped at about 120 pixels."""
    width = min(60.0, max(min_half_width, 3.1 * len(name)))
    lines = math.ceil(6.2 * len(name) / (2 * width))
    return Box(round(x), round(y), round(width), 7 * lines + 1)


def stock_box(name: str, x: float, y: float) -> Box:
    width = min(60.0, max(40.0, 3.1 * len(name)))
    lines = math.ceil(6.2 * len(name) / (2 * width - 8))
    return Box(round(x), round(y), round(width), max(20, 7 * lines + 6))


@dataclass
class PipeLayout:
    pipe: Pipe
    valve: Box
    label: Box
    source_cloud: Box | None = None
    sink_cloud: Box | None = None


@dataclass
class Layout:
    """Where each element of a structure is drawn."""

    variables: dict[str, Box] = field(default_factory=dict)  # stocks and auxiliaries
    pipes: list[PipeLayout] = field(default_factory=list)
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=list)

    def boxes(self) -> list[tuple[str, Box]]:
        """Every drawn element with its box: variables, valves, flow labels and clouds."""
        found = list(self.variables.items())
        for p in self.pipes:
            found += [(f"valve of {p.pipe.flow}", p.valve), (p.pipe.flow, p.label)]
            found += [(f"cloud of {p.pipe.flow}", c) for c in (p.source_cloud, p.sink_cloud) if c]
        return found


def _sectors(structure: StockFlowStructure) -> list[list[str]]:
    """Groups of stocks joined by pipes, in the model file's order."""
    group = {s: s for s in structure.stocks}

    def root(s: str) -> str:
        while group[s] != s:
            s = group[s]
        return s

    for p in structure.pipes:
        if p.source and p.sink:
            group[root(p.source)] = root(p.sink)
    sectors: dict[str, list[str]] = {}
    for s in structure.stocks:
        sectors.setdefault(root(s), []).append(s)
    return list(sectors.values())


def _columns(stocks: list[str], pipes: list[Pipe]) -> dict[str, int]:
    """Each stock's column: the longest chain of pipes leading to it, back edges ignored."""
    feeds = {s: [p.sink for p in pipes if p.source == s and p.sink in stocks] for s in stocks}
    fed = {p.sink for p in pipes if p.source in stocks and p.sink in stocks}
    roots = [s for s in stocks if s not in fed] or stocks[:1]
    order: list[str] = []
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()

    def visit(s: str) -> None:
        state[s] = 1
        for t in feeds[s]:
            if state.get(t) == 1:
                back.add((s, t))
            elif t not in state:
                visit(t)
        state[s] = 2
        order.append(s)

    for s in roots + stocks:
        if s not in state:
            visit(s)
    column = {s: 0 for s in stocks}
    for s in reversed(order):
        for t in feeds[s]:
            if (s, t) not in back:
                column[t] = max(column[t], column[s] + 1)
    return column


class _Placer:
    def __init__(self, layout: Layout):
        self.layout = layout
        self.taken: list[Box] = []

    def free(self, box: Box) -> bool:
        return (not any(box.overlaps(other) for other in self.taken)
                and not any(box.crosses(a, b) for a, b in self.layout.segments))

    def segment_clear(self, start: tuple[float, float], end: tuple[float, float],
                      ignore: tuple[Box, ...]) -> bool:
        return not any(b.crosses(start, end) for b in self.taken if b not in ignore)

    def take(self, box: Box) -> Box:
        self.taken.append(box)
        return box

    def nearest(self, make, x: float, y: float) -> Box:
        """The free box nearest (x, y), made by `make(x, y)`, searched outwards on the grid."""
        x, y = round(x / GRID) * GRID, round(y / GRID) * GRID
        offsets = sorted(((dx, dy) for dx in range(-SEARCH_RADIUS, SEARCH_RADIUS + 1, GRID)
                          for dy in range(-SEARCH_RADIUS // 2, SEARCH_RADIUS // 2 + 1, GRID)),
                         key=lambda d: (d[0] ** 2 + 1.5 * d[1] ** 2, d))
        for dx, dy in offsets:
            box = make(x + dx, y + dy)
            if box.x - box.w > MARGIN and box.y - box.h > MARGIN and self.free(box):
                return self.take(box)
        low = max((b.y + b.h for b in self.taken), default=0)
        return self.take(make(x, low + 60))


def layout(structure: StockFlowStructure) -> Layout:
    """Place every stock, flow, cloud and auxiliary of `structure`."""
    result = Layout()
    placer = _Placer(result)
    names = structure.names
    top = 170.0  # room above the first row for clouds and inputs
    piped = {end for p in structure.pipes for end in (p.source, p.sink) if end}
    sectors = [s for s in _sectors(structure) if set(s) & piped]  # a running total with no pipe
    # is drawn beside the flows it adds up; single stocks fed from clouds share rows, four a row
    singles = [s[0] for s in sectors if len(s) == 1]
    for stocks in [s for s in sectors if len(s) > 1]:
        pipes = [p for p in structure.pipes if p.source in stocks or p.sink in stocks]
        column = _columns(stocks, pipes)
        rows: dict[int, int] = {}
        for s in stocks:
            row = rows.get(column[s], 0)
            rows[column[s]] = row + 1
            box = stock_box(names[s], LEFT + COLUMN * column[s], top + ROW * row)
            result.variables[s] = placer.take(box)
        top += ROW * max(rows.values()) + ROW * 0.6
    for i, s in enumerate(singles):
        result.variables[s] = placer.take(
            stock_box(names[s], LEFT + 1.4 * COLUMN * (i % 4), top + ROW * (i // 4)))
    top += ROW * math.ceil(len(singles) / 4) + (ROW * 0.6 if singles else 0)
    _place_pipes(structure, result, placer)
    _place_auxiliaries(structure, result, placer, top)
    return result


def _place_pipes(structure: StockFlowStructure, result: Layout, placer: _Placer) -> None:
    names, boxes = structure.names, result.variables
    between: dict[frozenset, int] = {}
    for pipe in structure.pipes:
        label_of = lambda x, y: _label_below(names[pipe.flow], x, y)  # noqa: E731
        if pipe.source and pipe.sink:
            a, b = boxes[pipe.source], boxes[pipe.sink]
            key = frozenset((pipe.source, pipe.sink))
            nth = between.get(key, 0)
            between[key] = nth + 1
            mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
            blocked = not placer.segment_clear((a.x, a.y), (b.x, b.y), (a, b))
            if nth or blocked:
                # a second pipe between the same stocks, or one that would run through another
                # stock, bends away from the straight line
                side = 1 if (nth % 2 == 0) else -1
                length = math.hypot(b.x - a.x, b.y - a.y) or 1
                lift = 0.42 * ROW * (1 + nth // 2) * side
                mx, my = mx + lift * (b.y - a.y) / length, my - lift * (b.x - a.x) / length
            valve = _free_near(placer, lambda x, y: Box(round(x), round(y), 6, 8), mx, my, label_of)
            label = placer.take(label_of(valve.x, valve.y))
            result.pipes.append(PipeLayout(pipe, valve, label))
            result.segments += [((a.x, a.y), (valve.x, valve.y)), ((valve.x, valve.y), (b.x, b.y))]
            continue
        stock = boxes[pipe.source or pipe.sink]
        direction = [(-1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1)] if pipe.sink \
            else [(1, 0), (0, 1), (0, -1), (1, 1), (1, -1)]
        placed = None
        for distance in (0.8, 1.1, 1.4, 1.8):
            for dx, dy in direction:
                cx, cy = stock.x + dx * COLUMN * distance, stock.y + dy * ROW * 0.62 * distance
                cloud = Box(round(cx), round(cy), 10, 8)
                if cloud.x - cloud.w <= MARGIN or cloud.y - cloud.h <= MARGIN:
                    continue
                vx, vy = (stock.x + cx) / 2, (stock.y + cy) / 2
                valve = Box(round(vx), round(vy), 6, 8)
                label = label_of(vx, vy)
                if all(placer.free(b) for b in (cloud, valve, label)) \
                        and not cloud.overlaps(label) and not cloud.overlaps(valve) \
                        and placer.segment_clear((stock.x, stock.y), (cx, cy), (stock,)):
                    placed = (cloud, valve, label)
                    break
            if placed:
                break
        if placed is None:
            valve = placer.nearest(lambda x, y: Box(round(x), round(y), 6, 8), stock.x, stock.y + ROW / 2)
            cloud = placer.nearest(lambda x, y: Box(round(x), round(y), 10, 8), valve.x + 60, valve.y)
            placed = (cloud, valve, placer.nearest(label_of, valve.x, valve.y))
        else:
            for b in placed:
                placer.take(b)
        cloud, valve, label = placed
        result.pipes.append(PipeLayout(pipe, valve, label, source_cloud=None if pipe.source else cloud,
                                       sink_cloud=None if pipe.sink else cloud))
        result.segments += [((stock.x, stock.y), (valve.x, valve.y)),
                            ((valve.x, valve.y), (cloud.x, cloud.y))]


def _label_below(name: str, x: float, y: float) -> Box:
    """A flow's name, just below its valve."""
    box = text_box(name, x, y)
    return Box(box.x, round(y + 8 + MARGIN + box.h), box.w, box.h)


def _free_near(placer: _Placer, make, x: float, y: float, label_of) -> Box:
    """A free valve place near (x, y) that leaves room for its label below."""
    for dx, dy in sorted(((dx, dy) for dx in range(-90, 91, GRID) for dy in range(-90, 91, GRID)),
                         key=lambda d: (d[0] ** 2 + d[1] ** 2, d)):
        box = make(x + dx, y + dy)
        if placer.free(box) and placer.free(label_of(box.x, box.y)):
            return placer.take(box)
    return placer.nearest(make, x, y)


def _place_auxiliaries(structure: StockFlowStructure, result: Layout, placer: _Placer,
                       bottom: float) -> None:
    """Each variable that is neither stock nor flow goes to the free place nearest the middle of
    what it feeds (or, failing that, what feeds it), nearest the stocks and flows first."""
    placed = dict(result.variables)
    for p in result.pipes:
        placed[p.pipe.flow] = p.valve
    pending = [v for v in structure.variables if v not in placed]
    effects = {v: [e for c, e in structure.links if c == v] for v in structure.variables}
    causes = {v: [c for c, e in structure.links if e == v] for v in structure.variables}
    spare_x = 200.0
    while pending:
        def anchored(v: str) -> int:
            return sum(n in placed for n in effects[v] + causes[v])
        ready = [v for v in pending if anchored(v)]
        if not ready:  # a variable linked to nothing drawn yet goes below the sectors
            v = pending[0]
            make = stock_box if structure.kinds[v] == "stock" else text_box
            box = placer.nearest(lambda x, y, v=v: make(structure.names[v], x, y), spare_x, bottom)
            spare_x += 2 * box.w + 20
        else:
            v = max(ready, key=lambda n: (anchored(n), -pending.index(n)))
            near = [placed[n] for n in effects[v] if n in placed] or \
                [placed[n] for n in causes[v] if n in placed]
            x = sum(b.x for b in near) / len(near)
            y = sum(b.y for b in near) / len(near) - 45
            if structure.kinds[v] == "stock":  # a running total: below the flows it adds up
                box = placer.nearest(lambda x, y, v=v: stock_box(structure.names[v], x, y), x, y + 125)
            else:
                box = placer.nearest(lambda x, y, v=v: text_box(structure.names[v], x, y), x, y)
        result.variables[v] = box
        placed[v] = box
        pending.remove(v)
