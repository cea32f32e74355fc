"""Write a stock-and-flow diagram into a Vensim `.mdl` file's sketch section.

Record types (one per line after `*View N`): 10 a variable (shape 3 a stock, 8 an auxiliary,
40 a flow's name), 11 a valve (written just before its flow's name), 12 with glyph 48 a cloud,
and 1 an arrow: pipes (thickness 22) carry 4 at the end they fill and 100 at the end they drain;
influence arrows carry 64. Only the sketch changes: every byte of the equations is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .layout import Box, Layout, layout
from .structure import StockFlowStructure, stock_flow_structure
from .views import split_views

SKETCH_START = "\\\\\\---/// Sketch information - do not modify anything except names"
SKETCH_END = "///---\\\\\\"
VIEW_HEADER = ("V300  Do not put anything below this section - it will be ignored\n"
               "*{title}\n"
               "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0")


class SketchError(ValueError):
    """A model file whose sketch cannot be written, with what to do about it."""


def _quoted(name: str) -> str:
    """A name as a sketch record can hold it (commas and quotes need quotes)."""
    if any(c in name for c in ',"|'):
        return '"' + name.replace('"', '\\"') + '"'
    return name


def _arrow(start: int, end: int, mid: tuple[float, float], pipe_end: int | None = None) -> str:
    """An arrow record numbered `{n}`: a pipe half when `pipe_end` is 4 or 100, else an influence."""
    x, y = round(mid[0]), round(mid[1])
    if pipe_end is None:
        return f"1,{{n}},{start},{end},0,0,0,0,0,64,0,-1--1--1,,1|({x},{y})|"
    return f"1,{{n}},{start},{end},{pipe_end},0,0,22,0,0,0,-1--1--1,,1|({x},{y})|"


def sketch_records(structure: StockFlowStructure, places: Layout | None = None) -> list[str]:
    """The sketch's records (without the view header), numbered from 1."""
    places = places or layout(structure)
    records: list[str] = []
    ids: dict[str, int] = {}

    def add(record: str) -> int:
        records.append(record.replace("{n}", str(len(records) + 1), 1))
        return len(records)

    def variable(name: str, box: Box, shape: int, shadow: bool = False) -> int:
        # the field after the shape is odd for a variable defined here, even for a shadow of one
        # defined in another view
        return add(f"10,{{n}},{_quoted(name)},{box.x},{box.y},{box.w},{box.h},{shape},"
                   f"{2 if shadow else 3},0,0,{-1 if shape == 40 else 0},0,0,0")

    for s in structure.stocks:
        ids[s] = variable(structure.names[s], places.variables[s], 3)
    mids: dict[str, tuple[float, float]] = {}
    for p in places.pipes:
        clouds = {}
        for end, cloud in (("source", p.source_cloud), ("sink", p.sink_cloud)):
            if cloud:
                clouds[end] = add(f"12,{{n}},48,{cloud.x},{cloud.y},10,8,0,3,0,0,-1,0,0,0")
        valve_id = len(records) + 1
        source = ids[p.pipe.source] if p.pipe.source else clouds["source"]
        sink = ids[p.pipe.sink] if p.pipe.sink else clouds["sink"]
        source_box = places.variables.get(p.pipe.source) or p.source_cloud
        sink_box = places.variables.get(p.pipe.sink) or p.sink_cloud
        # the two pipe halves are written first, then the valve and, straight after it, the flow
        add(_arrow(valve_id + 2, sink, ((p.valve.x + sink_box.x) / 2, (p.valve.y + sink_box.y) / 2), 4))
        add(_arrow(valve_id + 2, source,
                   ((p.valve.x + source_box.x) / 2, (p.valve.y + source_box.y) / 2), 100))
        add(f"11,{{n}},48,{p.valve.x},{p.valve.y},6,8,34,3,0,0,1,0,0,0")
        ids[p.pipe.flow] = variable(structure.names[p.pipe.flow], p.label, 40)
        mids[p.pipe.flow] = (p.valve.x, p.valve.y)
    for name, box in places.variables.items():
        if name not in ids:
            ids[name] = variable(structure.names[name], box, 8, structure.kinds[name] == "shadow")
    centre = {n: (places.variables[n].x, places.variables[n].y) for n in places.variables}
    centre.update(mids)
    for cause, effect in structure.links:
        (x0, y0), (x1, y1) = centre[cause], centre[effect]
        add(_arrow(ids[cause], ids[effect], ((x0 + x1) / 2, (y0 + y1) / 2)))
    return records


def split_sketch(text: str) -> tuple[str, str, str]:
    """(equations, sketch, settings): the text before the sketch marker, the sketch, the rest."""
    start = text.find(SKETCH_START)
    if start < 0:  # equations written by hand, with no sketch yet
        return text, "", ""
    end = text.find(SKETCH_END, start)
    end = len(text) if end < 0 else end
    return text[:start], text[start:end], text[end:]


def with_sketch(text: str, structure: StockFlowStructure) -> str:
    """`text` (a whole .mdl file) with its sketch replaced by a drawing of `structure`."""
    equations, _, settings = split_sketch(text)
    if not equations.rstrip().endswith("|"):
        raise SketchError("The file's equations do not end with '|', so a sketch cannot be added "
                          "after them safely: check the last equation is complete.")
    newline = "\r\n" if "\r\n" in equations else "\n"
    sketch = "".join(f"{SKETCH_START}\n{VIEW_HEADER.format(title=view.title)}\n"
                     + "\n".join(sketch_records(view.structure)) + "\n"
                     for view in split_views(structure)).replace("\n", newline)
    return equations + sketch + (settings or SKETCH_END + newline)


def write_sketch(model: Any, path: str | Path | None = None) -> Path:
    """Draw `model`'s stock-and-flow diagram into a Vensim .mdl file.

    `model`: a loaded `Model` (from `load_model`) read from a .mdl file. `path`: where to write
    (default: over the model's own file). The equations are kept byte for byte; only the sketch
    section changes, so Vensim opens the model with its diagram.
    """
    source = Path(model.path)
    if source.suffix.lower() != ".mdl":
        raise SketchError(f"{source.name} is not a Vensim .mdl file; a sketch can only be written "
                          "into one. For Stella, export XMILE instead: model.to_xmile(path).")
    text = source.read_bytes().decode("utf-8")
    target = Path(path) if path else source
    result = with_sketch(text, stock_flow_structure(model))
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(result.encode("utf-8"))
    tmp.replace(target)
    return target
