"""Course tooling: exercise feedback, per-module exercise checks, and the notebook builder."""

from .feedback import assert_correct, give_feedback, is_unanswered

__all__ = ["assert_correct", "give_feedback", "is_unanswered"]
