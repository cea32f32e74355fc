"""The course's notebooks and their exercise sets, shared by the leak test and the browser walkthrough."""

from __future__ import annotations

import html
import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CourseNotebook:
    """One trainee notebook, its solution, and the course module holding its exercises."""

    number: str
    trainee: str
    solution: str | None

    @property
    def exercises(self):
        """The module's ExerciseSet, or None if the notebook has no exercises module yet."""
        try:
            module = importlib.import_module(f"cyp_dynamics.course.module{self.number}")
        except ModuleNotFoundError:
            return None
        return getattr(module, "EXERCISES", None)


def course_notebooks() -> list[CourseNotebook]:
    """START_HERE (00) and every generated module, in course order."""
    found = [CourseNotebook("00", "course/START_HERE.ipynb", None)]
    for trainee in sorted((REPO / "modules").glob("*/*.ipynb")):
        relative = trainee.relative_to(REPO).as_posix()
        solution = "solutions/" + relative.removeprefix("modules/")
        found.append(CourseNotebook(trainee.parent.name[:2], relative,
                                    solution if (REPO / solution).exists() else None))
    return found


_TAG = re.compile(r"<[^>]+>")


def visible_text(value: Any) -> str:
    """Text a reader could see in an output or widget value (HTML tags removed, entities decoded)."""
    if isinstance(value, list):
        value = "".join(map(str, value))
    return html.unescape(_TAG.sub(" ", str(value)))


def notebook_texts(notebook: dict) -> list[tuple[str, str]]:
    """(where, text) for every markdown cell, output and widget value of an executed notebook."""
    texts: list[tuple[str, str]] = []
    for index, cell in enumerate(notebook["cells"]):
        where = f"cell {index + 1}"
        if cell["cell_type"] == "markdown":
            texts.append((f"{where} (markdown)", visible_text(cell["source"])))
            continue
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append((f"{where} (printed)", visible_text(output["text"])))
            for mime, data in output.get("data", {}).items():
                if mime in ("text/plain", "text/html", "text/markdown"):
                    texts.append((f"{where} ({mime})", visible_text(data)))
                elif "vegalite" in mime:
                    spec = data if isinstance(data, dict) else json.loads(data)
                    texts.append((f"{where} (chart text)", _chart_words(spec)))
    state = notebook.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id, model in state.items():
        values = model.get("state", {})
        for key in ("value", "description", "placeholder", "tooltip", "_options_labels"):
            if key in values and values[key]:
                texts.append((f"widget {model_id[:8]} {key}", visible_text(values[key])))
    return texts


def _chart_words(spec: Any) -> str:
    """Titles, axis titles and descriptions in a Vega-Lite spec (not its data values)."""
    words: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in ("data", "datasets", "values"):
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key in ("title", "text", "subtitle", "description"):
            words.append(node)

    walk(spec)
    return " | ".join(words)
