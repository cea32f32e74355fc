"""Module 01's diagrams, loops and mystery graphs: the facts its exercises are built on."""
from __future__ import annotations

import re

from cyp_dynamics.analysis.loops import find_loops
from cyp_dynamics.course import module01


def test_the_crisis_loop_is_reinforcing():
    assert module01.crisis_loop_polarity() == "R"


def test_each_candidate_link_makes_the_loop_the_exercise_expects():
    """A and D close reinforcing loops, C a balancing one, B and E none: worked out by hand."""
    assert module01.candidate_effects() == {
        "A": module01.NEW_LOOP["R"], "B": module01.NEW_LOOP[""], "C": module01.NEW_LOOP["B"],
        "D": module01.NEW_LOOP["R"], "E": module01.NEW_LOOP[""]}


def test_new_loops_are_found_whatever_order_the_links_are_written_in():
    loops = module01.new_loops("children struggling -> use of positive activities (-)\n")
    assert loops.name.tolist() == [
        "children struggling → use of positive activities → children struggling"]
    assert module01.new_loops("loneliness -> sleep problems (+)\n").empty


def test_every_candidate_link_is_drawn_in_one_readable_view():
    views = module01.extended_views()
    links = {(k.source, k.target) for view in views for k in view.links}
    for candidate in module01.CANDIDATES.values():
        link = module01.causal_diagram(candidate.link).links[0]
        assert (link.source, link.target) in links
    for view in views:
        assert len(view.labels) <= 9, f"{view.title}: too many variables to read at page width"


def test_the_views_together_hold_every_loop_of_the_full_extended_diagram():
    everything = module01.LOCAL_SYSTEM + "".join(c.link + "\n" for c in module01.CANDIDATES.values())
    in_views = {frozenset(v) for view in module01.extended_views() for v in find_loops(view).variables}
    assert {frozenset(v) for v in find_loops(everything).variables} == in_views


def test_the_extended_views_list_their_new_links_and_loops(capsys):
    module01.show_extended_views()
    out = capsys.readouterr().out
    assert out.count("```mermaid") == 2 and "New links in this view" in out
    assert "rankSpacing" in out  # spaced, so that labels on neighbouring arrows do not overlap
    loop = "children struggling → access to work or training → loneliness → children struggling"
    assert loop in out and "children struggling → access to work or training (−, delay)" in out


def test_model_diagrams_have_titles_and_units_in_words(capsys):
    module01.show_model_diagram(module01.CAMHS, "The waiting list", loops=False,
                                hide=module01.RUNNING_TOTALS)
    out = capsys.readouterr().out
    assert "**The waiting list**" in out and "children a month" in out
    assert not re.search(r"camhs_waiting_list|/Month|Dmnl|GBP", out)
    assert "flowchart TB" in out


def test_mystery_graphs_start_at_100_percent():
    graphs = module01.mystery_graphs()
    assert set(graphs.graph) == {f"Graph {x}" for x in "ABCDE"}
    assert (graphs[graphs.month == 0].percent.round(6) == 100).all()


def test_the_mystery_chart_is_told_apart_by_dash_and_described():
    spec = module01.mystery_chart().to_dict()
    assert "strokeDash" in spec["spec"]["encoding"]
    assert spec["description"].startswith("Five small line charts")
    assert all(f"Graph {x}" in spec["description"] for x in "ABCDE")
    assert spec["spec"]["width"] * spec["columns"] <= 560
    for graph in module01.mystery_graphs().groupby("graph").line.nunique():
        assert graph <= 4


def test_camhs_loop_count_comes_from_the_model():
    assert module01.camhs_loop_counts() == {"reinforcing": 0, "balancing": 2}


def test_iceberg_events_are_sourced_figures():
    events = module01.iceberg_events()
    assert len(events) == 7 and events.value.gt(0).all()
    spend = events[events.event.str.startswith("Council")].value.tolist()
    assert spend == [3.6, 2.1]
    table = module01.iceberg_table()._repr_html_()
    assert "£3.6 billion" in table and "958,200" in table and "dataset" not in table


def test_the_loops_table_is_for_people():
    html = module01.loops_table(module01.CAMHS, hide=module01.RUNNING_TOTALS)._repr_html_()
    assert "balancing" in html and "Round the loop" in html
    assert "polarity" not in html and "_" not in html
