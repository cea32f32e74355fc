"""Module 03's model and its runs: the constants the notebook's experiments use, and cached runs
of the course scenarios (hiring now or a year late, the upstream policies).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ...analysis.scenarios import load_scenarios, run_scenarios
from ...models import load_model

MODEL = "camhs_system"

# A service with 10 more funded posts per 100,000 than today, already in post: in the range
# where the model has two stable states (see the notebook's bi-stability experiment).
BISTABLE = {"funded_posts_per_100k": 134, "initial_clinicians_per_100k": 125.2}
BISTABLE_MONTHS = 240
ENGLAND = {"population_scale": 119}  # 11.9 million children (datasets/ons_population_england_0_17)
CALIBRATED = {
    "new_need_per_month_per_100k": (200, 3000),
    "need_growth_percent_per_year": (-20, 40),
    "funded_posts_per_100k": (20, 300),
    "closure_rate": (0.01, 0.5),
    "initial_waiting_list_per_100k": (0, 10000),
}
FINANCIAL_YEARS = ["2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]
FIRST_YEAR = 2017.25  # month 0 of the national runs is 1 April 2017
LATE_HIRING_MONTH = 60
UPSTREAM = ["base", "more_upstream_identification", "reduce_attrition", "early_help"]


# ---- experiment 2: the cost of hiring late -------------------------------------------------------
@lru_cache(maxsize=2)
def hiring_runs(months: float = LATE_HIRING_MONTH) -> dict[str, pd.DataFrame]:
    """'Fund 20 more posts now' and '... in month 12', by title."""
    model = load_model(MODEL)
    return run_scenarios(model, load_scenarios(MODEL, model), names=["hire_now", "hire_in_12_months"],
                         months=months)

# ---- experiment 3: upstream and early ------------------------------------------------------------
def upstream_runs(months: float = 120) -> dict[str, pd.DataFrame]:
    """Today's service and the three upstream policies, by title."""
    model = load_model(MODEL)
    return run_scenarios(model, load_scenarios(MODEL, model), names=UPSTREAM, months=months)
