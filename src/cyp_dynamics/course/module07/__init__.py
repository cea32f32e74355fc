"""Module 07, your place, your model: local data, youth and community voice, and a brief.

The notebook uses every name below as `module07.<name>`; the code lives in
- `worked.py`: the worked example (Cheshire and Merseyside's published figures, the synthetic
  voice example) and the brief's saved inputs;
- `exercises.py`: `EXERCISES`, the exercise and reflection builders and their answers;
- `tools.py`: the question picker, the CSV upload tool and the brief button;
- `views.py`: tables and diagrams for the page.
"""

from __future__ import annotations

from .exercises import (
                        EXERCISES,
                        exercise_1,
                        exercise_2,
                        exercise_3,
                        exercise_4,
                        exercise_5,
                        exercise_6,
                        gap_in_points,
                        income_package_share,
                        progress,
                        quote_solution,
                        reflect_question,
                        reflect_voice,
                        reinforcing_loops,
)
from .tools import BriefButton, UploadTool, brief_button, question_picker, upload_tool
from .views import (
                        assets_table,
                        groups_table,
                        local_table,
                        loops_after_solving,
                        provenance_table,
                        quote_records_table,
                        reference_mode_chart,
                        reference_mode_comparison,
                        scenarios_table,
                        start_table,
                        voice_diagram,
                        votes_table,
)
from .worked import worked_inputs

__all__ = [
    "EXERCISES", "BriefButton", "UploadTool", "assets_table", "brief_button", "exercise_1",
    "exercise_2", "exercise_3", "exercise_4", "exercise_5", "exercise_6", "gap_in_points",
    "groups_table", "income_package_share", "local_table", "loops_after_solving", "progress",
    "provenance_table", "question_picker", "quote_records_table", "quote_solution",
    "reference_mode_chart", "reference_mode_comparison", "reflect_question", "reflect_voice",
    "reinforcing_loops", "scenarios_table", "start_table", "upload_tool", "voice_diagram",
    "votes_table", "worked_inputs",
]
