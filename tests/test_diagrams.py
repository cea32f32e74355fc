"""Mermaid text for diagrams: shapes for stocks and flows, polarity and delay marks, loop list."""
from __future__ import annotations

import re

import pytest

from cyp_dynamics import causal_diagram, model_diagram, show_diagram
from cyp_dynamics.analysis import as_diagram
from cyp_dynamics.charts.diagrams import diagram_markdown
from cyp_dynamics.charts.diagrams import to_mermaid as mermaid_of_diagram

from .conftest import TEST_MODELS


def to_mermaid(source, **options):
    """Mermaid text of a diagram, a model or diagram text."""
    return mermaid_of_diagram(as_diagram(source), **options)


def node_ids(mermaid: str) -> dict[str, str]:
    """Label -> node id, read back from the Mermaid text."""
    return {m[2]: m[0] for m in re.findall(r'^\s+(v\d+)(\[|\(\[|\()"([^"<]+)', mermaid, re.M)}


def edges(mermaid: str) -> list[tuple[str, str, str, str]]:
    """(source id, arrow, label, target id) for every edge."""
    return re.findall(r'^\s+(v\d+) (-->|==>|-\.->)\|"([^"]*)"\| (v\d+)$', mermaid, re.M)


def test_camhs_stocks_are_boxes_and_flows_are_valves():
    text = to_mermaid("camhs_waiting_list")
    assert text.startswith("flowchart LR")
    assert re.search(r'v\d+\["Waiting list<br/><small>children</small>"\]:::stock', text)
    assert re.search(r'v\d+\(\["Closures before treatment<br/>.*"\]\):::flow', text)
    assert re.search(r'v\d+\("Average wait"\):::auxiliary', text)
    assert "classDef stock" in text and "classDef flow" in text


def test_every_model_link_is_drawn_once_with_its_polarity():
    diagram = model_diagram(TEST_MODELS / "sir.mdl")
    text = diagram.to_mermaid()
    ids = node_ids(text)
    drawn = edges(text)
    assert len(drawn) == len(diagram.links)
    assert (ids["Infections"], "==>", "− out", ids["Susceptible"]) in drawn
    assert (ids["Infections"], "==>", "+ in", ids["Infected"]) in drawn
    assert (ids["Infected"], "-->", "+", ids["Infections"]) in drawn


def test_delays_are_dotted_and_uncertain_polarities_marked():
    text = to_mermaid("fewer staff -> longer waits (+, delay)\nlonger waits -> fewer staff (+)")
    ids = node_ids(text)
    assert (ids["fewer staff"], "-.->", "+ delay", ids["longer waits"]) in edges(text)
    camhs = to_mermaid(model_diagram("camhs_waiting_list"))
    ids = node_ids(camhs)
    assert (ids["Waiting list"], "-->", "+?", ids["Treatment starts"]) in edges(camhs)


def test_quotes_and_angle_brackets_in_names_cannot_break_the_diagram():
    text = to_mermaid('"safe" streets -> use of <youth clubs> (+)\nuse of <youth clubs> -> "safe" streets (+)')
    assert '"safe"' not in text.split("\n", 1)[1].replace('["', "").replace('("', "")
    assert "#quot;safe#quot; streets" in text and "#60;youth clubs#62;" in text


def test_top_to_bottom_and_bad_direction():
    assert to_mermaid("a -> b (+)", direction="TB").startswith("flowchart TB")
    with pytest.raises(ValueError, match="direction must be one of auto, LR, TB"):
        to_mermaid("a -> b (+)", direction="up")


def test_notebook_markdown_has_a_mermaid_block_a_key_and_the_loops():
    diagram = causal_diagram("list -> closures (+)\nclosures -> list (-)", title="A tiny service")
    markdown = diagram._repr_markdown_()
    assert markdown == diagram_markdown(diagram)
    assert markdown.startswith("**A tiny service**")
    block = re.search(r"```mermaid\n(.*?)\n```", markdown, re.S)
    assert block and block.group(1) == diagram.to_mermaid()
    assert "*Key:*" in markdown
    assert "* B1 (balancing): list → closures → list." in markdown


def test_stocks_can_be_marked_in_a_hand_written_diagram():
    diagram = causal_diagram("referrals -> waiting list (+)", stocks=["Waiting list"])
    assert re.search(r'\["waiting list"\]:::stock', diagram.to_mermaid())
    with pytest.raises(ValueError, match="'beds' is listed as a stock but is not in any link"):
        causal_diagram("referrals -> waiting list (+)", stocks=["beds"])


def test_show_diagram_prints_outside_a_notebook(capsys):
    assert show_diagram("a -> b (+)\nb -> a (+)") is None
    printed = capsys.readouterr().out
    assert "```mermaid" in printed and "R1 (reinforcing)" in printed


def test_long_chains_are_drawn_top_to_bottom_so_they_stay_readable():
    chain = "\n".join(f"step {i} -> step {i + 1} (+)" for i in range(8))
    assert to_mermaid(chain).startswith("flowchart TB")
    assert to_mermaid("a -> b (+)\nb -> a (-)").startswith("flowchart LR")
    assert to_mermaid(chain, direction="LR").startswith("flowchart LR")


def test_a_big_diagram_can_be_zoomed():
    from cyp_dynamics.analysis.loops import zoomable_diagram

    view = zoomable_diagram("camhs_system", loops=False)
    assert "width:900px" in view.style.value
    view.zoom.value = 200
    assert "width:1800px" in view.style.value and view.css_class in view.style.value
    assert view.picture.layout.overflow == "auto"  # scroll around the zoomed picture
