"""Course tooling: each module's exercises (answer widgets), the notebook builder, timing."""

from .exercises import ExerciseSet

__all__ = ["ExerciseSet"]
