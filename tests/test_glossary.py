"""The glossary has every term the course links to, and every link into it lands on a heading.

JupyterLab gives each markdown heading an anchor made of its text with spaces replaced by '-',
so `## Little's law` is reached by `glossary.ipynb#Little's-law`. A link to an anchor that does
not exist opens the glossary at the top, and the trainee is left to search: these tests catch it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "course" / "glossary.ipynb"
START_HERE = ROOT / "course" / "START_HERE.ipynb"

#: Terms other notebooks link to; their headings must never be renamed.
REQUIRED_TERMS = [
    "Stock", "Flow", "Feedback loop", "Reinforcing loop", "Balancing loop", "Delay", "Equilibrium",
    "Little's law", "Calibration", "Discounting", "Net present cost", "Archetype",
    "Causal loop diagram", "Polarity", "Tipping point", "Ageing chain", "Subscript",
    "Relative poverty", "Before and after housing costs", "Stock-and-flow diagram", "Scenario",
    "Sensitivity",
]
#: Notebooks whose links into the glossary (and the course map) are checked.
LINKING_NOTEBOOKS = sorted(ROOT.glob("notebook_sources/*/*.ipynb")) + [START_HERE, GLOSSARY]
_LINK = r"\]\((?:[^)#\s]*/)?{page}#([^)\s]+)\)"


def anchor(heading: str) -> str:
    """The anchor JupyterLab gives a heading: its text with spaces replaced by '-'."""
    return heading.strip().replace(" ", "-")


def markdown_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def headings(path: Path, level: int | None = None) -> list[str]:
    """Markdown headings of a notebook (only `level`, e.g. 2 for `##`, if given)."""
    hashes = "#" * level if level else "#{1,6}"
    found = []
    for text in markdown_cells(path):
        inside_fence = False
        for line in text.splitlines():
            if line.startswith("```"):
                inside_fence = not inside_fence
            elif not inside_fence and (match := re.match(rf"^{hashes}\s+(.+?)\s*#*\s*$", line)):
                found.append(match.group(1))
    return found


def links_into(page: str, texts: list[str]) -> list[str]:
    """Anchors of markdown links to `page` (e.g. 'glossary.ipynb') in `texts`, decoded like a URL.

    A link inside the glossary itself to `(#Stock)` counts as a link to the glossary.
    """
    found = []
    for text in texts:
        found += [unquote(a) for a in re.findall(_LINK.format(page=re.escape(page)), text)]
    return found


def broken(page: str, texts: list[str], targets: set[str]) -> list[str]:
    """The anchors linked to on `page` that are not among `targets`."""
    return [a for a in links_into(page, texts) if a not in targets]


def glossary_anchors() -> set[str]:
    return {anchor(h) for h in headings(GLOSSARY)}


def test_every_required_term_has_its_own_level_2_heading():
    terms = headings(GLOSSARY, level=2)
    missing = [t for t in REQUIRED_TERMS if t not in terms]
    assert not missing, f"the glossary has no '## ' heading for {missing}"
    assert len(terms) == len(set(terms)), "a term is defined twice"


def test_the_glossary_is_text_only_and_every_entry_says_something():
    cells = json.loads(GLOSSARY.read_text(encoding="utf-8"))["cells"]
    assert {c["cell_type"] for c in cells} == {"markdown"}
    for text in markdown_cells(GLOSSARY)[1:]:
        heading, _, body = text.partition("\n")
        assert heading.startswith("## ") and len(body.split()) >= 25, heading


def test_the_index_at_the_top_lists_every_term():
    index = markdown_cells(GLOSSARY)[0]
    listed = set(re.findall(r"\]\(#([^)]+)\)", index))
    assert listed == {anchor(t) for t in headings(GLOSSARY, level=2)}


@pytest.mark.parametrize("path", LINKING_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_glossary_link_lands_on_a_heading(path: Path):
    texts = markdown_cells(path)
    if path == GLOSSARY:  # links within the glossary are written `(#Stock)`
        texts = [t.replace("](#", "](glossary.ipynb#") for t in texts]
    bad = broken("glossary.ipynb", texts, glossary_anchors())
    assert not bad, f"{path.name} links to glossary entries that do not exist: {bad}"


@pytest.mark.parametrize("path", LINKING_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_to_the_course_map_lands_on_a_heading(path: Path):
    targets = {anchor(h) for h in headings(START_HERE)}
    assert "The-course-map" in targets
    texts = markdown_cells(path)
    if path == START_HERE:  # links within the page are written `(#For-practitioners)`
        texts = [t.replace("](#", "](START_HERE.ipynb#") for t in texts]
    bad = broken("START_HERE.ipynb", texts, targets)
    assert not bad, f"{path.name} links to START_HERE sections that do not exist: {bad}"


def test_the_check_finds_a_link_to_a_missing_entry():
    texts = ["A [stock](../../course/glossary.ipynb#Stock), a [mystery](../../course/glossary.ipynb#Nonsense)",
             "[Little's law](glossary.ipynb#Little%27s-law) and [loops](glossary.ipynb#feedback-loop)"]
    assert links_into("glossary.ipynb", texts) == ["Stock", "Nonsense", "Little's-law", "feedback-loop"]
    assert broken("glossary.ipynb", texts, glossary_anchors()) == ["Nonsense", "feedback-loop"]


def test_anchors_are_made_as_jupyterlab_makes_them():
    assert anchor("Little's law") == "Little's-law"
    assert anchor("Before and after housing costs") == "Before-and-after-housing-costs"
    assert anchor("Stock-and-flow diagram") == "Stock-and-flow-diagram"
