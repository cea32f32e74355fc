"""Interactive controls for models in JupyterLab, and answer widgets for exercises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

# Each name is imported from its module when first used (PEP 562): ipywidgets and altair load
# only then, so `import cyp_dynamics` stays quick.
_WHERE = {
    "AnswerError": ".answer_reading", "read_answer": ".answer_reading",
    "Explorer": ".explorer", "explore": ".explorer", "slider_range": ".explorer",
    "Reflection": ".progress",
    **dict.fromkeys(["ChoiceQuestion", "MatchQuestion", "NumberQuestion", "PredictQuestion",
                     "Question"], ".questions"),
    "ScenarioPicker": ".scenario_picker", "compare_scenarios": ".scenario_picker",
}

__all__ = ["AnswerError", "ChoiceQuestion", "Explorer", "MatchQuestion", "NumberQuestion",
           "PredictQuestion", "Question", "Reflection", "ScenarioPicker", "compare_scenarios",
           "explore", "read_answer", "slider_range"]


__getattr__, __dir__ = lazy_names(__name__, globals(), _WHERE)


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .answer_reading import AnswerError, read_answer
    from .explorer import Explorer, explore, slider_range
    from .progress import Reflection
    from .questions import ChoiceQuestion, MatchQuestion, NumberQuestion, PredictQuestion, Question
    from .scenario_picker import ScenarioPicker, compare_scenarios
