"""Course tooling: each module's exercises (answer widgets), the notebook builder, timing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ExerciseSet"]


def __getattr__(name: str) -> Any:
    # Imported when first used (PEP 562), so the notebook builder does not load ipywidgets.
    if name != "ExerciseSet":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .exercises import ExerciseSet

    globals()[name] = ExerciseSet
    return ExerciseSet


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .exercises import ExerciseSet
