"""Draw a Vensim sketch section as SVG, from the coordinates written in the file.

This shows what Vensim will show (boxes, valves, clouds, pipes and arrows where the sketch puts
them), so a sketch can be looked at without Vensim.
"""

from __future__ import annotations

import html
import re

from .vensim_sketch import split_sketch

RECORD = re.compile(r"^(10|11|12|1),(\d+),")



def parse_records(sketch: str) -> dict[int, dict]:
    """The sketch's elements by number: kind, name, x, y, w, h, and an arrow's ends."""
    elements: dict[int, dict] = {}
    for line in sketch.splitlines():
        if not RECORD.match(line):
            continue
        code, number = line.split(",", 2)[:2]
        if code == "1":
            parts = line.split(",")
            mid = re.search(r"\|\((-?\d+),(-?\d+)\)\|", line)
            elements[int(number)] = {"kind": "arrow", "start": int(parts[2]), "end": int(parts[3]),
                                     "pipe": parts[7] == "22", "head": parts[4],
                                     "mid": (int(mid.group(1)), int(mid.group(2))) if mid else None}
            continue
        match = re.match(r'^\d+,\d+,("(?:[^"\\]|\\.)*"|[^,]*),(-?\d+),(-?\d+),(\d+),(\d+),(\d+)', line)
        name, x, y, w, h, shape = match.groups()
        kind = {"11": "valve", "12": "cloud"}.get(code) or {"3": "stock", "40": "flow"}.get(shape, "aux")
        if kind == "aux" and line.split(",")[8] == "2":
            kind = "shadow"
        elements[int(number)] = {"kind": kind, "name": name.strip('"'), "x": int(x), "y": int(y),
                                 "w": int(w), "h": int(h)}
    return elements


def sketch_views(sketch: str) -> list[tuple[str, dict[int, dict]]]:
    """Each view of a sketch section: its title and its elements (numbered per view)."""
    views = []
    for part in sketch.split("\\\\\\---/// ")[1:]:
        title = next((line[1:] for line in part.splitlines() if line.startswith("*")), "")
        views.append((title, parse_records(part)))
    return views


def sketch_svg(mdl_text: str, title: str = "") -> str:
    """An SVG picture of the sketch in a .mdl file's text: its views one below the other."""
    _, sketch, _ = split_sketch(mdl_text)
    views = sketch_views(sketch)
    panels = [_view_svg(elements, ": ".join(t for t in (title, "" if len(views) == 1 else name) if t))
              for name, elements in views]
    width = max(int(p.split('width="')[1].split('"')[0]) for p in panels)
    heights = [int(p.split('height="')[1].split('"')[0]) for p in panels]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{sum(heights)}">']
    for panel, top in zip(panels, [sum(heights[:i]) for i in range(len(heights))]):
        out.append(f'<g transform="translate(0,{top})">{panel}</g>')
    return "\n".join(out + ["</svg>"])


def _view_svg(elements: dict[int, dict], title: str) -> str:
    """One view as an SVG panel."""
    shapes = [e for e in elements.values() if e["kind"] != "arrow"]
    width = max((e["x"] + e["w"] for e in shapes), default=100) + 60
    height = max((e["y"] + e["h"] for e in shapes), default=100) + 100
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="Times New Roman, serif" font-size="12">',
           '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
           f'<rect width="{width}" height="{height}" fill="white"/>', '<g transform="translate(0,40)">']
    if title:
        out.insert(3, f'<text x="12" y="24" font-size="16" font-weight="bold">{html.escape(title)}</text>')
    for e in elements.values():
        if e["kind"] != "arrow":
            continue
        a, b = elements.get(e["start"]), elements.get(e["end"])
        if not a or not b or a["kind"] == "arrow" or b["kind"] == "arrow":
            continue
        if e["pipe"]:
            out.append(f'<line x1="{a["x"]}" y1="{a["y"]}" x2="{b["x"]}" y2="{b["y"]}" '
                       f'stroke="#555" stroke-width="5"'
                       + (' marker-end="url(#head)"' if e["head"] == "4" else "") + "/>")
        else:
            x1, y1 = _edge(b, a["x"], a["y"])
            out.append(f'<line x1="{a["x"]}" y1="{a["y"]}" x2="{x1}" y2="{y1}" stroke="#1f5fbf" '
                       'stroke-width="1" marker-end="url(#head)" opacity="0.8"/>')
    for e in shapes:
        x, y, w, h = e["x"], e["y"], e["w"], e["h"]
        if e["kind"] == "stock":
            out.append(f'<rect x="{x - w}" y="{y - h}" width="{2 * w}" height="{2 * h}" '
                       'fill="#f4f1e8" stroke="#333" stroke-width="1.5"/>')
        elif e["kind"] == "valve":
            out.append(f'<path d="M{x - 6},{y - 8} L{x + 6},{y + 8} L{x + 6},{y - 8} L{x - 6},{y + 8} z" '
                       'fill="#fff" stroke="#333"/>')
        elif e["kind"] == "cloud":
            out.append(f'<ellipse cx="{x}" cy="{y}" rx="{w}" ry="{h}" fill="#eef" stroke="#333"/>')
        else:
            out.append(f'<rect x="{x - w}" y="{y - h}" width="{2 * w}" height="{2 * h}" fill="white" '
                       'fill-opacity="0.85"/>')
        if e["kind"] == "shadow":  # a variable defined in another view, grey in angle brackets
            out += [t.replace("<text ", '<text fill="#777" ') for t in _label(f"<{e['name']}>", x, y, w)]
        elif e["kind"] in ("stock", "flow", "aux"):
            out += _label(e["name"], x, y, w)
    out.append("</g></svg>")
    return "\n".join(out)


def _edge(box: dict, x: float, y: float) -> tuple[float, float]:
    """Where a line from (x, y) to the box's centre meets the box's edge."""
    dx, dy = box["x"] - x, box["y"] - y
    if dx == dy == 0:
        return x, y
    scale = max(abs(dx) / (box["w"] + 3) if box["w"] else 0, abs(dy) / (box["h"] + 3) if box["h"] else 0, 1)
    return round(box["x"] - dx / scale, 1), round(box["y"] - dy / scale, 1)


def _label(name: str, x: float, y: float, half_width: float) -> list[str]:
    """The name wrapped to the box's width, centred on (x, y)."""
    words, lines, line = name.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > max(4, int(2 * half_width / 6.2)):
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    top = y - 7 * (len(lines) - 1) + 4
    return [f'<text x="{x}" y="{top + 14 * i}" text-anchor="middle">{html.escape(t)}</text>'
            for i, t in enumerate(lines)]
