"""A module's exercises in one place: each built by a function, found by its key.

A course module declares `EXERCISES = ExerciseSet("02")` and decorates each exercise's builder
with `@EXERCISES.add("02-ex1")`. The notebook calls the builder (`module02.exercise_1()`), which
shows the answer widget; tests and the browser walkthrough build every exercise from the set,
so they always cover all of them. `after_solving` shows a view that fills in once an exercise is
done (e.g. a table whose answer column stays hidden until then).
"""

from __future__ import annotations

import html
from typing import Any, Callable, Iterator, TypeVar

import ipywidgets as widgets
from IPython.display import display

from ..widgets.progress import ProgressBoard, Reflection, progress_board
from ..widgets.questions import Question

Built = TypeVar("Built", Question, Reflection)

# Every module's set by its number, so an exercise key ("03-ex5") finds its module's board.
_SETS: dict[str, "ExerciseSet"] = {}


class ExerciseSet:
    """The exercises of one module (`module` is its two-digit number, e.g. "02")."""

    def __init__(self, module: str):
        self.module = module
        self.builders: dict[str, Callable[[], Question | Reflection]] = {}
        _SETS[module] = self

    def add(self, key: str) -> Callable[[Callable[[], Built]], Callable[[], Built]]:
        """Register an exercise builder under `key` (which must start with the module number)."""
        if not key.startswith(f"{self.module}-"):
            raise ValueError(f"Exercise key {key!r} should start with '{self.module}-'.")

        def register(builder: Callable[[], Built]) -> Callable[[], Built]:
            if key in self.builders:
                raise ValueError(f"Exercise key {key!r} is used twice.")
            self.builders[key] = builder
            return builder

        return register

    def reflection(self, key: str, prompt: str) -> Callable[[], Reflection]:
        """Register a reflection box (kept, never marked) and return its builder, named after the
        key ("02-reflect-wait" -> `reflect_wait`), the name a module gives it."""
        if "-reflect-" not in key:
            raise ValueError(f"A reflection's key looks like 'NN-reflect-topic', not {key!r}.")

        def builder() -> Reflection:
            return Reflection(key, prompt)

        builder.__name__ = builder.__qualname__ = "reflect_" + key.split("-reflect-")[1].replace("-", "_")
        builder.__doc__ = f"Reflection {key}: {prompt}"
        return self.add(key)(builder)

    def keys(self, marked_only: bool = True) -> list[str]:
        """Exercise keys in order; with `marked_only`, without the (unmarked) reflections."""
        return [k for k in self.builders if not (marked_only and "-reflect" in k)]

    def build(self, key: str) -> Question | Reflection:
        """A fresh widget for the exercise `key`."""
        return self.builders[key]()

    def questions(self) -> Iterator[Question]:
        """A fresh widget for every marked exercise, in order."""
        for key in self.keys():
            built = self.build(key)
            if isinstance(built, Question):
                yield built

    def progress(self) -> ProgressBoard:
        """The module's progress bar ("2 of 5 exercises done"); show it at the top and bottom."""
        return progress_board(self.module, self.keys())


def after_solving(key: str, show: Callable[[bool], Any], waiting: str = "") -> widgets.VBox:
    """A view that `show(False)` draws now and `show(True)` redraws once exercise `key` is done.

    Done means answered right, or its answer shown. `show` returns what to display (None shows
    nothing); `waiting`, if given, is a note in italics until then, saying what will appear.
    """
    board = _SETS[key.split("-")[0]].progress()
    area, note = widgets.Output(), widgets.HTML()

    def draw(*_: Any) -> None:
        solved = key in board.done
        with area:
            area.clear_output(wait=True)
            shown = show(solved)
            if shown is not None:
                display(shown)
        note.value = "" if solved or not waiting else f"<i>{html.escape(waiting)}</i>"

    draw()
    board.bar.observe(draw, names="value")
    return widgets.VBox([area, note])
