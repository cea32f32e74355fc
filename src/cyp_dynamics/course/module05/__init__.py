"""Module 05, child poverty and inequalities: runs, tables and charts for people, and the exercises.

The model `child_poverty_and_health` has three places and four age bands (Vensim subscripts), so
its runs have one column per element, e.g. `poverty_share_percent[coastal]`. The helpers here
show them as people say them ("inner-city borough", "ages 0 to 4", "% of children"), with
calendar years ("2030") on every axis and table. Each `exercise_N()` shows an answer widget; the
right answers are computed from the model, never typed in.

The notebooks use every name below as `module05.<name>`; the code lives in
- `runs.py`: the model's constants (places, age bands, outputs, levers, the policy and the shock),
  cached runs, response delays, and outputs named in words;
- `exercises.py`: `EXERCISES`, the exercise and reflection builders, their judges and answers;
- `charts.py`: the model's diagram in two parts and the altair charts;
- `tables.py`: tables and sentences for people, and sources named in words;
- `tools.py`: the interactive tools (lever explorer, entry-rate tool, policy picker).
"""

from __future__ import annotations

from .charts import DIAGRAM_PARTS, chain_chart, diagram_part, place_gap_chart, plot_runs
from .exercises import (EXERCISES, WHY_CHOICES, exercise_1, exercise_2, exercise_3, exercise_4,
                        exercise_5, exits_up_share_2040, inner_city_share_with_uk_entry_rate,
                        obesity_delay_years, progress, reflect_board, reflect_shock,
                        shock_legacy_points)
from .runs import (AGE_BANDS, END_YEAR, EXITS_UP_A_TENTH, LEVERS, LONG_RUN_YEARS, MODEL, OUTPUTS,
                   PLACES, POLICY_START_YEAR, SHOCK, STATUSES, by_place, long_runs, output_title,
                   output_words, response_delay, run, share_with_inner_city_entry_rate)
from .tables import (DATASETS_IN_WORDS, DELAY_OUTPUTS, books_sentences, delay_table, delays_table,
                     hbai_comparison, hbai_table, inputs_table, outputs_table, place_table,
                     shock_table, source_in_words)
from .tools import (EntryRateTool, LeverExplorer, PolicyPicker, compare_policies, entry_rate_tool,
                    explore)

__all__ = [
    # runs
    "AGE_BANDS", "END_YEAR", "EXITS_UP_A_TENTH", "LEVERS", "LONG_RUN_YEARS", "MODEL", "OUTPUTS",
    "PLACES", "POLICY_START_YEAR", "SHOCK", "STATUSES", "by_place", "long_runs", "output_title",
    "output_words", "response_delay", "run", "share_with_inner_city_entry_rate",
    # exercises
    "EXERCISES", "WHY_CHOICES", "exercise_1", "exercise_2", "exercise_3", "exercise_4", "exercise_5",
    "exits_up_share_2040", "inner_city_share_with_uk_entry_rate", "obesity_delay_years", "progress",
    "reflect_board", "reflect_shock", "shock_legacy_points",
    # charts
    "DIAGRAM_PARTS", "chain_chart", "diagram_part", "place_gap_chart", "plot_runs",
    # tables
    "DATASETS_IN_WORDS", "DELAY_OUTPUTS", "books_sentences", "delay_table", "delays_table",
    "hbai_comparison", "hbai_table", "inputs_table", "outputs_table", "place_table", "shock_table",
    "source_in_words",
    # tools
    "EntryRateTool", "LeverExplorer", "PolicyPicker", "compare_policies", "entry_rate_tool", "explore",
]
