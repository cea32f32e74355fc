"""The board brief: regenerates byte for byte from its saved inputs, offline, with every part."""

from __future__ import annotations

from pathlib import Path

from cyp_dynamics.course.brief import BriefInputs, build_brief, write_brief
from cyp_dynamics.course.module07.worked import worked_inputs


def test_the_brief_regenerates_identically_from_its_saved_inputs(tmp_path: Path):
    first = write_brief(worked_inputs(), tmp_path / "one")
    inputs = BriefInputs.load(tmp_path / "one" / "brief_inputs.json")
    second = write_brief(inputs, tmp_path / "two")
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "one" / "brief_inputs.json").read_bytes() == (tmp_path / "two" / "brief_inputs.json").read_bytes()


def test_the_brief_has_every_part_and_needs_no_network():
    text = build_brief(worked_inputs())
    for part in ("The question.", "1. Local data", "2. The structure", "3. Policies compared",
                 "4. Youth and community voice", "5. Assumptions", "Synthetic example.",
                 "Sources:", "R1 (reinforcing)", "B1 (balancing)"):
        assert part in text, part
    assert "<script" not in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "").replace("http://www.w3.org/1999/xlink", "")
    assert text.count("<svg") >= 3  # the diagram and one chart per lead output
    assert "no consent" not in text or "not shown" in text
    assert "youth workers" in text and "fewer than 5 people" in text  # suppressed, and said so
    assert "dtype" not in text and "Dmnl" not in text and "e+0" not in text and "inner city" not in text
