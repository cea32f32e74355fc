"""Module 06, uncertainty and policy experiments: how sure can we be, and which policy holds up?

Each `exercise_N()` shows an answer widget (a number box or choices with a Check button); the
trainee never types Python. Right answers are computed from seeded runs, never typed in, so the
notebook shows the same figures every time and follows the model files if they change.

The notebooks use every name below as `module06.<name>`; the code lives in
- `inputs.py`: the uncertain inputs, their ranges and where each comes from (calibration, cited
  figure, assumption), and the samples of plausible worlds;
- `runs.py`: the ensembles, the sensitivity analysis (Morris, then Sobol), the policies across the
  same worlds with the cost ledger, and the tipping point across worlds;
- `charts.py`, `tables.py`: charts and tables for people;
- `tools.py`: exercise 7's posts tool;
- `views.py`: views that fill in once an exercise is done;
- `exercises.py`: `EXERCISES`, the exercise and reflection builders, their judges and answers.
The reusable parts are in the library: `analysis.sensitivity`, `analysis.robustness`, `charts.fan`.
"""

from __future__ import annotations

from ...models import load_model
from ..exercises import after_solving
from . import exercises
from .charts import (camhs_fan_chart, cost_band_chart, input_label, morris_chart,
                     prevention_fan_chart, sobol_chart, tipping_chart)
from .exercises import (BAND_CHOICES, EXERCISES, PREDICT_POLICY, exercise_1, exercise_2, exercise_3,
                        exercise_4, exercise_5, exercise_6, exercise_7, high_end_of_band,
                        influence_choices, most_influential_letter, predicted_policy_chance,
                        progress, reflect_board, reflect_data, robust_choices)
from .inputs import (CAMHS, CAMHS_MONTHS, CAMHS_WORLDS, PREVENTION, PREVENTION_WORLDS, SEED,
                     camhs_fitted, camhs_inputs, camhs_worlds, prevention_inputs, prevention_worlds,
                     ranges_of)
from .runs import (METRIC, camhs_at_end, camhs_ensemble, camhs_fitted_run, chance_beats_today,
                   default_outcomes, good_state_share, morris_table, most_influential,
                   policy_results, policy_title, posts_for_target, robust_policy, robustness_table,
                   sobol_table, tipping_table, todays_posts, top_three_share_percent)
from .tables import (end_of_fan_sentence, inputs_table, kinds_in_words, policy_worlds_sentence,
                     posts_in_words, robust_versus_default, robustness_people_table,
                     screening_sentence, sobol_people_table, trade_off_sentence)
from .tools import PostsTool, posts_tool
from .views import robust_view, robustness_view, sensitivity_view

__all__ = [
    "after_solving", "exercises", "load_model",
    # inputs and runs
    "CAMHS", "CAMHS_MONTHS", "CAMHS_WORLDS", "METRIC", "PREVENTION", "PREVENTION_WORLDS", "SEED",
    "camhs_at_end", "camhs_ensemble", "camhs_fitted", "camhs_fitted_run", "camhs_inputs",
    "camhs_worlds", "chance_beats_today", "default_outcomes", "good_state_share", "morris_table",
    "most_influential", "policy_results", "policy_title", "posts_for_target", "prevention_inputs",
    "prevention_worlds", "ranges_of", "robust_policy", "robustness_table", "sobol_table",
    "tipping_table", "todays_posts", "top_three_share_percent",
    # charts and tables
    "camhs_fan_chart", "cost_band_chart", "input_label", "morris_chart", "prevention_fan_chart",
    "sobol_chart", "tipping_chart", "end_of_fan_sentence", "inputs_table", "kinds_in_words",
    "policy_worlds_sentence", "posts_in_words", "robust_versus_default", "robustness_people_table",
    "screening_sentence", "sobol_people_table", "trade_off_sentence",
    # exercises and tools
    "BAND_CHOICES", "EXERCISES", "PREDICT_POLICY", "PostsTool", "exercise_1", "exercise_2",
    "exercise_3", "exercise_4", "exercise_5", "exercise_6", "exercise_7", "high_end_of_band",
    "influence_choices", "most_influential_letter", "posts_tool", "predicted_policy_chance",
    "progress", "reflect_board", "reflect_data", "robust_choices",
    # views that fill in once an exercise is done
    "robust_view", "robustness_view", "sensitivity_view",
]
