"""cyp-dynamics: system dynamics for children's and young people's health and wellbeing.

The course's models, widgets, charts, data and analysis as a library:

>>> from cyp_dynamics import load_model
>>> model = load_model("camhs_waiting_list")
>>> run = model.run({"clinicians": 55}, months=24)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

__version__ = "0.1.0"

# Each name is imported from its module when first used (PEP 562), so `import cyp_dynamics` is
# quick and charts (altair), widgets (ipywidgets), loops (networkx), sampling (scipy) and pysd
# load only when a notebook uses them.
_WHERE = {
    "causal_diagram": ".analysis", "ensemble": ".analysis", "ensemble_dataset": ".analysis",
    "ensemble_summary": ".analysis", "find_loops": ".analysis", "load_scenarios": ".analysis",
    "model_diagram": ".analysis", "run_scenarios": ".analysis", "sample_parameters": ".analysis",
    "show_diagram": ".analysis.loops",
    "cite": ".data", "list_datasets": ".data", "load_dataset": ".data", "read_local_csv": ".data",
    "Model": ".models", "list_models": ".models", "load_model": ".models",
    "explore": ".widgets",
}
_SUBPACKAGES = {"analysis", "charts", "course", "data", "models", "widgets"}

__all__ = ["Model", "cite", "ensemble", "explore", "list_datasets", "list_models", "load_dataset",
           "load_model", "load_scenarios", "read_local_csv", "run_scenarios", "sample_parameters",
           "__version__", "causal_diagram", "find_loops", "model_diagram", "show_diagram",
           "ensemble_dataset", "ensemble_summary"]


__getattr__, __dir__ = lazy_names(__name__, globals(), _WHERE, frozenset(_SUBPACKAGES))


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .analysis import (causal_diagram, ensemble, ensemble_dataset, ensemble_summary,
                           find_loops, load_scenarios, model_diagram, run_scenarios,
                           sample_parameters)
    from .analysis.loops import show_diagram
    from .data import cite, list_datasets, load_dataset, read_local_csv
    from .models import Model, list_models, load_model
    from .widgets import explore
