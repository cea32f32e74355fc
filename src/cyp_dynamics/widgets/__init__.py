"""Interactive controls for models in JupyterLab."""

from .explorer import Explorer, explore, slider_range
from .scenario_picker import ScenarioPicker, compare_scenarios

__all__ = ["Explorer", "ScenarioPicker", "compare_scenarios", "explore", "slider_range"]
