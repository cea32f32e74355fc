"""Each module's stated "time to learn" against a walkthrough of what is on its page."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyp_dynamics.course.timing import stated_minutes, walkthrough

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "modules").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", MODULES, ids=[p.parent.name[:2] for p in MODULES])
def test_stated_time_to_learn_matches_the_walkthrough(path: Path) -> None:
    trip = walkthrough(path)
    assert trip.stated_minutes, f"{path.name} states no time to learn"
    assert trip.minutes <= trip.stated_minutes <= 2 * trip.minutes, (
        f"{path.name} says about {trip.stated_minutes:.0f} minutes; a walkthrough of its "
        f"{trip.words} words, {trip.charts} charts, {trip.explorers} explorers, {trip.exercises} "
        f"exercises and {trip.reflections} reflections takes about {trip.minutes:.0f}")


def test_stated_times_are_read_in_minutes_and_hours() -> None:
    assert stated_minutes("| **Time to learn** | about 90 minutes (50 reading) |") == 90
    assert stated_minutes("| **Time to learn** | about 2 hours (70 minutes exploring) |") == 120
    assert stated_minutes("no time here") is None
