"""Draw causal loop and stock-and-flow diagrams with Mermaid.

JupyterLab 4.1 and later draw a Markdown ```mermaid block themselves, offline, with no extra
install, so a diagram shown as Markdown works on Binder and on a practitioner's laptop alike.
Mermaid's own layout engine places the boxes. The same text works in GitHub and in most
Markdown documentation tools (`to_mermaid`).

Shapes: stocks are boxes, flows are rounded "valves", other variables are plain rounded labels.
Thick arrows are flows filling (+) or draining (−) a stock; thin arrows are causal links with
their polarity; dotted arrows are links marked as delays.
"""

from __future__ import annotations

from typing import Any

from .words import describe_loops, unit_in_words

PALETTE_FILLS = {  # light fills of the house palette's blue, orange and grey
    "stock": "fill:#DCEEFB,stroke:#0072B2,stroke-width:2px,color:#000",
    "flow": "fill:#FCEBCB,stroke:#E69F00,stroke-width:1.5px,color:#000",
    "auxiliary": "fill:#FFFFFF,stroke:#555555,color:#000",
    "variable": "fill:#FFFFFF,stroke:#555555,color:#000",
    "constant": "fill:#F4F4F4,stroke:#999999,stroke-dasharray:3 3,color:#333",
}
SHAPES = {"stock": '["{}"]', "flow": '(["{}"])', "constant": '("{}")'}
SIGN = {"+": "+", "-": "−", "?": "?"}
DIRECTIONS = ("auto", "LR", "TB", "RL", "BT")
LONG_CHAIN = 7  # links; a longer chain drawn left to right is shrunk too small to read


def chain_length(diagram: Any) -> int:
    """Links in the longest chain of shortest paths from a variable nothing points to (or any)."""
    import networkx as nx

    graph = nx.DiGraph([(k.source, k.target) for k in diagram.links])
    starts = [n for n in graph if graph.in_degree(n) == 0] or list(graph)
    return max((max(nx.single_source_shortest_path_length(graph, s).values()) for s in starts),
               default=0)


def _text(label: str) -> str:
    """A label safe inside Mermaid's quotes."""
    return (label.replace("&", "#38;").replace('"', "#quot;")
            .replace("<", "#60;").replace(">", "#62;"))


def _edge_label(link: Any) -> str:
    label = SIGN[link.polarity]
    if link.kind in ("inflow", "outflow"):
        label += " in" if link.kind == "inflow" else " out"
    if link.uncertain and link.polarity != "?":
        label += "?"
    if link.delay:
        label += " delay"
    return label


def to_mermaid(diagram: Any, direction: str = "auto", units: bool = True) -> str:
    """Mermaid flowchart source for a `CausalDiagram` (`analysis.as_diagram` makes one from a
    model, a file or diagram text).

    `direction`: "LR" (left to right), "TB" (top to bottom), or "auto": top to bottom when a
    chain of links is long, else left to right. `units`: show stocks' and flows' units under
    their names (model diagrams only).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; you gave {direction!r}.")
    if direction == "auto":
        direction = "TB" if chain_length(diagram) >= LONG_CHAIN else "LR"
    ids = {key: f"v{i}" for i, key in enumerate(diagram.labels)}
    lines = [f"flowchart {direction}"]
    kinds_used = []
    for key, label in diagram.labels.items():
        kind = diagram.kinds.get(key, "variable")
        text = _text(label)
        unit = unit_in_words(diagram.units.get(key, ""))
        if units and unit and kind in ("stock", "flow"):
            text += f"<br/><small>{_text(unit)}</small>"
        shape = SHAPES.get(kind, '("{}")').format(text)
        lines.append(f"    {ids[key]}{shape}:::{kind}")
        if kind not in kinds_used:
            kinds_used.append(kind)
    for link in diagram.links:
        arrow = "==>" if link.kind in ("inflow", "outflow") else "-.->" if link.delay else "-->"
        lines.append(f'    {ids[link.source]} {arrow}|"{_edge_label(link)}"| {ids[link.target]}')
    for kind in kinds_used:
        lines.append(f"    classDef {kind} {PALETTE_FILLS.get(kind, PALETTE_FILLS['variable'])}")
    return "\n".join(lines)


def legend(diagram: Any) -> str:
    """One line explaining the shapes and marks the diagram uses."""
    kinds = set(diagram.kinds.values())
    parts = []
    if "stock" in kinds:
        parts.append("boxes are **stocks**")
    if "flow" in kinds:
        parts.append("rounded orange shapes are **flows**; thick arrows fill (+ in) or drain (− out) a stock")
    parts.append("**+**: the effect moves the same way as the cause; **−**: the opposite way")
    if any(k.delay for k in diagram.links):
        parts.append("dotted arrows are **delays**")
    if any(k.uncertain for k in diagram.links):
        parts.append("**?** marks a polarity that is uncertain in this run")
    return "*Key:* " + "; ".join(parts) + "."


def diagram_markdown(diagram: Any, loops: bool = True, **options: Any) -> str:
    """Markdown for a notebook: title, the Mermaid diagram of a `CausalDiagram`, a key, and its
    loops listed below."""
    parts = [f"**{diagram.title}**"] if diagram.title else []
    parts += [f"```mermaid\n{to_mermaid(diagram, **options)}\n```", legend(diagram)]
    if loops:
        found = describe_loops(diagram.loops()).splitlines()
        parts.append("**Feedback loops**\n\n" + "\n".join(f"* {line}" for line in found))
    return "\n\n".join(parts)


def show(markdown: str) -> None:
    """Show Markdown (a diagram, a sentence) in a notebook, or print it elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(markdown))
            return
    except ImportError:  # pragma: no cover - IPython comes with the course
        pass
    print(markdown)


class ZoomableDiagram:
    """A big diagram in a scrolling frame with a zoom slider, so every label can be read."""

    def __init__(self, markdown: str, height_px: int = 520):
        import uuid

        import ipywidgets as widgets
        from IPython.display import Markdown, display

        self.css_class = f"cyp-zoom-{uuid.uuid4().hex[:8]}"
        self.zoom = widgets.IntSlider(value=100, min=50, max=400, step=25, description="Zoom (%)",
                                      continuous_update=False)
        self.style = widgets.HTML(self._css(100))
        self.picture = widgets.Output(layout=widgets.Layout(height=f"{height_px}px", overflow="auto",
                                                            border="1px solid #ddd"))
        self.picture.add_class(self.css_class)
        with self.picture:
            display(Markdown(markdown))
        self.zoom.observe(lambda change: setattr(self.style, "value", self._css(change["new"])),
                          names="value")
        hint = widgets.HTML("<i>Drag the slider to zoom; scroll inside the frame to move around.</i>")
        self.widget = widgets.VBox([widgets.HBox([self.zoom, hint]), self.style, self.picture])

    def _css(self, percent: int) -> str:
        return (f"<style>.{self.css_class} .jp-RenderedMermaid svg{{width:{percent * 9}px !important;"
                "max-width:none !important;height:auto}</style>")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
