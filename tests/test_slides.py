"""Slide decks project offline: each course/slides/*.md has an up-to-date, self-contained HTML deck
with the models' own diagrams and real charts, and nothing in it is fetched from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cyp_dynamics.course import slides

ROOT = Path(__file__).resolve().parents[1]
DECKS = sorted((ROOT / "course" / "slides").glob("*.md"))


def test_every_deck_is_built_and_up_to_date():
    assert DECKS
    assert slides.main(["--check"]) == 0, "run `make slides` and commit course/slides/html/"


@pytest.mark.parametrize("markdown", DECKS, ids=lambda p: p.stem)
def test_a_deck_needs_nothing_from_the_network(markdown):
    deck = (ROOT / "course" / "slides" / "html" / (markdown.stem + ".html")).read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=\"https?:", deck)
    assert "@import" not in deck and "url(http" not in deck
    assert deck.count('class="slide"') == len([s for s in slides.build_deck(markdown).split(
        '<section class="slide"')[1:]])


def test_directives_put_the_models_diagram_and_a_chart_on_slides(tmp_path):
    source = tmp_path / "99-test.md"
    source.write_text("# Deck\n\n---\n\n## Diagram\n\n<!--diagram: camhs_waiting_list-->\n```\n"
                      "ASCII PICTURE\n```\n\n---\n\n## Chart\n\n<!--chart: camhs_waiting_list "
                      "waiting_list title=\"The list if nothing changes\"-->\n", encoding="utf-8")
    deck = slides.build_deck(source)
    assert "ASCII PICTURE" not in deck, "the text picture is replaced by the real diagram"
    assert deck.count("<figure>") == 2 and "Waiting list" in deck
    assert "The list if nothing changes" in deck and "<svg" in deck


def test_the_course_decks_show_real_diagrams_not_only_text_pictures():
    with_diagrams = [p.stem for p in DECKS if "<!--diagram:" in p.read_text(encoding="utf-8")]
    assert len(with_diagrams) >= 4, with_diagrams
