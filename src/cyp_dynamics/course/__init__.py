"""Course tooling: each module's exercises (answer widgets), the notebook builder, timing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

__all__ = ["ExerciseSet"]

# Imported when first used (PEP 562), so the notebook builder does not load ipywidgets.
_WHERE = {"ExerciseSet": ".exercises"}


__getattr__, __dir__ = lazy_names(__name__, globals(), _WHERE)


if TYPE_CHECKING:
    from .exercises import ExerciseSet
