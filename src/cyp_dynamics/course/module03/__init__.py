"""Module 03, feedback and delays in CAMHS: loops, tipping points, calibration, and the exercises.

Each `exercise_N()` shows an answer widget (a number box or choices with a Check button); the
trainee never types Python. Right answers are computed from the model, never typed in, so they
follow the model file if its defaults are revised. Tables and charts here are written for people:
headings in words with units, no code-style names, at most four lines per chart panel.

The notebooks use every name below as `module03.<name>`; the code lives in
- `runs.py`: the model's constants (the two-state service, England, the calibrated inputs) and
  cached runs of the scenarios (hiring now or late, the upstream policies);
- `loops.py`: the six named loops, as a table and as diagrams drawn from the model's equations;
- `tables.py`: tables and views for people (national figures, inputs and their sources,
  scenarios, the results of experiments 2 and 3);
- `tipping.py`: the tipping point (the two end states and the share that divides them) and
  exercise 5's tool;
- `calibration.py`: the Commissioner's figures as observations, the national fit, and its chart
  and tables;
- `exercises.py`: `EXERCISES`, the exercise and reflection builders, their judges and answers;
- `views.py`: views that fill in once an exercise is done, and the closing note.
`after_solving` (a view that fills in once an exercise is done) is shared by the modules and
lives in `course/exercises.py`.
"""

from __future__ import annotations

from ...analysis.scenarios import load_scenarios
from ..exercises import after_solving
from .calibration import (BASES, MAIN_BASIS, basis_comparison, commissioner_targets, fit_chart, fit_error_table, fit_table, fitted_table,
                          identifiability_demo, national_calibration, targets_table, trade_offs,
                          trade_offs_note)
from .exercises import (CALIBRATION_CHOICES, EXERCISES, POLARITY_CHOICES, REBOUND_CHOICES,
                        exercise_1, exercise_2, exercise_3, exercise_4, exercise_5, exercise_6,
                        late_hiring_extra_crises, progress, reflect_board, reflect_upstream,
                        safe_start)
from .loops import (ASKED_LOOP, LOOP_VARIABLES, LOOPS, loop_count_in_words, loop_diagram,
                    loop_markdown, loops_people_table, loops_table, show_loops)
from .runs import (BISTABLE, BISTABLE_MONTHS, CALIBRATED, ENGLAND, FINANCIAL_YEARS, FIRST_YEAR,
                   LATE_HIRING_MONTH, MODEL, UPSTREAM, hiring_runs, upstream_runs)
from .tables import (HEADLINE, commissioner_headline_table, crisis_table, first_contact_table,
                     input_details, inputs_table, inputs_view, scenarios_table, source_kind,
                     upstream_table)
from .tipping import (TippingTool, bistability_threshold, bistable_run, end_state_sentence,
                      ends_in_low_state, tipping_tool, todays_service_in_words)
from .views import (closing_note, closing_tipping_point, loops_view, threshold_in_words,
                    threshold_view)

__all__ = [
    # runs
    "BISTABLE", "BISTABLE_MONTHS", "CALIBRATED", "ENGLAND", "FINANCIAL_YEARS", "FIRST_YEAR",
    "LATE_HIRING_MONTH", "MODEL", "UPSTREAM", "hiring_runs", "load_scenarios", "upstream_runs",
    # loops
    "ASKED_LOOP", "LOOPS", "LOOP_VARIABLES", "loop_count_in_words", "loop_diagram", "loop_markdown",
    "loops_people_table", "loops_table", "show_loops",
    # tables
    "HEADLINE", "commissioner_headline_table", "crisis_table", "first_contact_table",
    "input_details", "inputs_table", "inputs_view", "scenarios_table", "source_kind",
    "upstream_table",
    # tipping point
    "TippingTool", "bistability_threshold", "bistable_run", "end_state_sentence",
    "ends_in_low_state", "tipping_tool", "todays_service_in_words",
    # calibration
    "BASES", "MAIN_BASIS", "basis_comparison", "commissioner_targets", "fit_chart", "fit_error_table", "fit_table", "fitted_table",
    "identifiability_demo", "national_calibration", "targets_table", "trade_offs",
    "trade_offs_note",
    # exercises
    "CALIBRATION_CHOICES", "EXERCISES", "POLARITY_CHOICES", "REBOUND_CHOICES", "exercise_1",
    "exercise_2", "exercise_3", "exercise_4", "exercise_5", "exercise_6",
    "late_hiring_extra_crises", "progress", "reflect_board", "reflect_upstream", "safe_start",
    # views
    "after_solving", "closing_note", "closing_tipping_point", "loops_view", "threshold_in_words",
    "threshold_view",
]
