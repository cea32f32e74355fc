"""A module's exercises in one place: each built by a function, found by its key.

A course module declares `EXERCISES = ExerciseSet("02")` and decorates each exercise's builder
with `@EXERCISES.add("02-ex1")`. The notebook calls the builder (`module02.exercise_1()`), which
shows the answer widget; tests and the browser walkthrough build every exercise from the set,
so they always cover all of them.
"""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

from ..widgets.progress import ProgressBoard, Reflection, progress_board
from ..widgets.questions import Question

Built = TypeVar("Built", Question, Reflection)


class ExerciseSet:
    """The exercises of one module (`module` is its two-digit number, e.g. "02")."""

    def __init__(self, module: str):
        self.module = module
        self.builders: dict[str, Callable[[], Question | Reflection]] = {}

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
        """Register a reflection box (kept, never marked) and return its builder."""
        builder = lambda: Reflection(key, prompt)  # noqa: E731
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
