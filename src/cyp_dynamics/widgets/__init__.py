"""Interactive controls for models in JupyterLab."""

from .explorer import Explorer, explore, slider_range

__all__ = ["Explorer", "explore", "slider_range"]
