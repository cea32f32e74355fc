"""Module 01's exercise checks: right answers pass, wrong ones get a hint, nothing raises."""
from __future__ import annotations

import pytest

from cyp_dynamics.course import module01

RIGHT_LEVELS = {k: level for k, (_, level) in module01.ICEBERG_STATEMENTS.items()}
RIGHT_MATCHES = dict(module01.MYSTERY_LETTERS)


@pytest.mark.parametrize("check", [module01.check_iceberg, module01.check_loop_polarity,
                                   module01.check_extended_diagram, module01.check_archetype_matches,
                                   module01.check_camhs_loops])
def test_unanswered_exercises_prompt_and_never_raise(check, capsys):
    assert not check(...)
    assert "Not answered yet" in capsys.readouterr().out


def test_placeholder_dictionaries_count_as_unanswered(capsys):
    assert module01.check_iceberg({k: ... for k in "ABCDE"}).message == "not answered"
    assert module01.check_camhs_loops({"reinforcing": ..., "balancing": ...}).message == "not answered"


def test_iceberg():
    assert module01.check_iceberg(RIGHT_LEVELS)
    wrong = {**RIGHT_LEVELS, "C": "event"}
    result = module01.check_iceberg(wrong)
    assert not result and "C" in result.message
    assert "use only these levels" in module01.check_iceberg({"A": "tip"}).message


def test_the_crisis_loop_is_reinforcing():
    assert module01.crisis_loop_polarity() == "R"
    assert module01.check_loop_polarity("r")
    assert not module01.check_loop_polarity("B")
    assert "answer" in module01.check_loop_polarity("maybe").message


def test_extending_the_diagram_needs_a_new_loop():
    made = module01.check_extended_diagram("children struggling -> use of positive activities (-)")
    assert made and "reinforcing" in made.message
    assert not module01.check_extended_diagram("loneliness -> sleep problems (+)")
    broken = module01.check_extended_diagram("loneliness sleep problems (+)")
    assert not broken and "Line 1" in broken.message


def test_extended_diagram_is_drawn_even_with_bad_links(capsys):
    module01.show_extended_diagram("loneliness sleep (+)")
    out = capsys.readouterr().out
    assert "could not be added" in out and "```mermaid" in out


def test_archetype_matching_accepts_short_names():
    assert module01.check_archetype_matches(RIGHT_MATCHES)
    short = {"A": "Success", "B": "limits", "C": "burden", "D": "eroding goals", "E": "fixes"}
    assert module01.check_archetype_matches(short)
    swapped = {**RIGHT_MATCHES, "A": "limits to growth", "B": "success to the successful"}
    result = module01.check_archetype_matches(swapped)
    assert not result and "A, B" in result.message


def test_mystery_graphs_start_at_100_percent():
    graphs = module01.mystery_graphs()
    assert set(graphs.graph) == {f"Graph {x}" for x in "ABCDE"}
    assert (graphs[graphs.month == 0].percent.round(6) == 100).all()


def test_camhs_loop_count_comes_from_the_model():
    assert module01.camhs_loop_counts() == {"reinforcing": 0, "balancing": 2}
    assert module01.check_camhs_loops({"reinforcing": 0, "balancing": 2})
    assert not module01.check_camhs_loops({"reinforcing": 1, "balancing": 1})
    assert "whole number" in module01.check_camhs_loops({"reinforcing": "0", "balancing": 2}).message


def test_iceberg_events_are_sourced_figures():
    events = module01.iceberg_events()
    assert len(events) == 7 and events.value.gt(0).all()
    spend = events[events.event.str.startswith("Council")].value.tolist()
    assert spend == [3.6, 2.1]
