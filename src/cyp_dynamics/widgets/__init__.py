"""Interactive controls for models in JupyterLab, and answer widgets for exercises."""

from .answer_reading import AnswerError, read_answer
from .explorer import Explorer, explore, slider_range
from .progress import Reflection
from .questions import ChoiceQuestion, MatchQuestion, NumberQuestion, PredictQuestion, Question
from .scenario_picker import ScenarioPicker, compare_scenarios

__all__ = ["AnswerError", "ChoiceQuestion", "Explorer", "MatchQuestion", "NumberQuestion",
           "PredictQuestion", "Question", "Reflection", "ScenarioPicker", "compare_scenarios",
           "explore", "read_answer", "slider_range"]
