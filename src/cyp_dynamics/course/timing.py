"""How long a notebook takes a trainee, from what is on the page, to check its stated "time to learn".

The walkthrough counts what a trainee does: read the prose (at 180 words a minute, a careful
pace for new ideas), look at each chart (1 minute), play with each explorer (8 minutes), answer
each exercise (6 minutes: read, search with a slider or work it out, check, perhaps try again) and write each
reflection (3 minutes). The stated time should be neither shorter than the estimate nor more
than twice it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

WORDS_PER_MINUTE = 180
MINUTES = {"chart": 1.0, "explorer": 8.0, "exercise": 6.0, "reflection": 3.0}


@dataclass(frozen=True)
class Walkthrough:
    """What a trainee meets in a notebook, and the minutes it takes."""

    words: int
    charts: int
    explorers: int
    exercises: int
    reflections: int
    stated_minutes: float | None

    @property
    def minutes(self) -> float:
        return (self.words / WORDS_PER_MINUTE + self.charts * MINUTES["chart"]
                + self.explorers * MINUTES["explorer"] + self.exercises * MINUTES["exercise"]
                + self.reflections * MINUTES["reflection"])


def stated_minutes(text: str) -> float | None:
    """'about 90 minutes' -> 90; 'about 2 hours' -> 120; None if the page states no time."""
    match = re.search(r"Time to learn\*\*\s*\|\s*about ([\d.]+) (minutes|hours?)", text)
    if not match:
        return None
    value = float(match.group(1))
    return value * 60 if match.group(2).startswith("hour") else value


def walkthrough(path: Path) -> Walkthrough:
    """Count what a trainee meets in the notebook at `path` (sources or generated versions)."""
    notebook = nbformat.read(path, as_version=4)
    prose = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    words = len(re.findall(r"[A-Za-z£\d][\w'’%,.£-]*", re.sub(r"<[^>]+>|\(\.\./[^)]*\)", " ", prose)))
    return Walkthrough(
        words=words,
        charts=len(re.findall(r"\b(plot_runs|\w*_chart|show_diagram|stacked_areas)\(", code)),
        explorers=len(re.findall(r"\bexplore\(", code)),
        exercises=len(re.findall(r"\.exercise_\w+\(\)", code)),
        reflections=len(re.findall(r"\.reflect_\w+\(\)", code)),
        stated_minutes=stated_minutes(prose),
    )
