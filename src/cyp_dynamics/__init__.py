"""cyp-dynamics: system dynamics for children's and young people's health and wellbeing.

The course's models, widgets, charts, data and analysis as a library:

>>> from cyp_dynamics import load_model
>>> model = load_model("camhs_waiting_list")
>>> run = model.run({"clinicians": 55}, months=24)
"""

from .analysis import (causal_diagram, ensemble, find_loops, load_scenarios, model_diagram,
                       run_scenarios, sample_parameters)
from .charts.diagrams import show_diagram
from .data import cite, list_datasets, load_dataset, read_local_csv
from .models import Model, list_models, load_model
from .widgets import explore

__version__ = "0.1.0"

__all__ = ["Model", "cite", "ensemble", "explore", "list_datasets", "list_models", "load_dataset",
           "load_model", "load_scenarios", "read_local_csv", "run_scenarios", "sample_parameters",
           "__version__", "causal_diagram", "find_loops", "model_diagram", "show_diagram"]
