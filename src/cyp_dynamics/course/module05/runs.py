"""Module 05's model and its runs: the constants (places, age bands, outputs, levers, policies),
cached runs, the delay before an output responds, and outputs named in words.

The model `child_poverty_and_health` has three places and four age bands (Vensim subscripts), so
its runs have one column per element, e.g. `poverty_share_percent[coastal]`; `output_words` and
`output_title` say them as people do ("Children in poverty, inner-city borough (% of children)").
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ...charts import unit_in_words
from ...models import by_element, load_model
from ...models.subscripts import split_column

MODEL = "child_poverty_and_health"
PLACES = {"coastal": "coastal district", "inner_city": "inner-city borough",
          "uk_average": "UK-average place"}
AGE_BANDS = {"age_0_4": "Ages 0 to 4", "age_5_10": "Ages 5 to 10", "age_11_15": "Ages 11 to 15",
             "age_16_17": "Ages 16 and 17"}
STATUSES = {"children_not_in_poverty": "Not in poverty",
            "children_in_new_poverty": "New spell of poverty",
            "children_in_persistent_poverty": "Persistent poverty"}
#: Outputs in words: (what it is, the axis title with its unit).
OUTPUTS = {"poverty_share_percent": ("Children in poverty", "% of children"),
           "year_6_obesity_percent": ("Year 6 children living with obesity", "% of Year 6 children"),
           "camhs_referrals_from_11_to_15s": ("CAMHS referrals of 11 to 15 year olds", "children a year"),
           "mental_health_difficulties_11_to_15": ("11 to 15 year olds with mental-health difficulties",
                                                   "share of 11 to 15 year olds"),
           "persistent_poverty_share_of_band": ("Children in persistent poverty",
                                                "share of the age band")}
#: The policy levers the explorer offers.
LEVERS = ["exit_rise_percent", "entry_cut_percent", "shock_entry_rise_percent",
          "early_years_support_coverage"]
POLICY_START_YEAR = 2026
END_YEAR = 2040
LONG_RUN_YEARS = 50  # to 2060: long enough for outcomes to finish responding to a 2026 policy
EXITS_UP_A_TENTH = {"exit_rise_percent": 10, "policy_start_year": POLICY_START_YEAR}
SHOCK = {"shock_entry_rise_percent": 30, "shock_start_year": 2022, "shock_length": 2}


def capital(text: str) -> str:
    """`text` with its first letter in capitals: 'coastal district' -> 'Coastal district'."""
    return text[:1].upper() + text[1:]


# ---- runs -----------------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _cached_run(params: tuple[tuple[str, float], ...], years: float | None) -> pd.DataFrame:
    return load_model(MODEL).run(dict(params), years)


def run(params: dict[str, float] | None = None, years: float | None = None) -> pd.DataFrame:
    """A run of the module's model from 2010, `years` long (default to 2040); runs are kept."""
    return _cached_run(tuple(sorted((params or {}).items())), years).copy()


def by_place(result: pd.DataFrame, variable: str) -> pd.DataFrame:
    """One column per place (named for people, e.g. 'Coastal district') for a [Place] output."""
    return by_element(result, variable).rename(columns=lambda place: capital(PLACES[place]))


def response_delay(base: pd.DataFrame, policy: pd.DataFrame, column: str,
                   start_year: float = POLICY_START_YEAR) -> float:
    """Years from `start_year` until `column` has moved half of its change by the end of the run.

    The change is policy minus base; its value at the last year stands for the full response,
    so runs should be long (`LONG_RUN_YEARS`). NaN if the policy changes nothing.
    """
    change = (policy[column] - base[column]).loc[start_year:]
    full = change.iloc[-1]
    if abs(full) < 1e-12:
        return float("nan")
    reached = change[(change / full) >= 0.5]
    return float(reached.index[0] - start_year)


def long_runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs to 2060 without and with exits up a tenth from 2026 (for the delays)."""
    return run(years=LONG_RUN_YEARS), run(EXITS_UP_A_TENTH, LONG_RUN_YEARS)


def share_with_inner_city_entry_rate(rate: float) -> float:
    """The inner-city borough's poverty share (%) in 2040 with entry rate `rate` a year."""
    result = run({"inner_city_poverty_entry_rate": float(rate)})
    return float(result["poverty_share_percent[inner_city]"].loc[END_YEAR])


def uk_entry_rate() -> float:
    """The UK-average place's poverty entry rate (a year), the model's default."""
    return float(load_model(MODEL).parameters.loc["uk_poverty_entry_rate", "default"])


# ---- words for outputs ----------------------------------------------------------------------
def _element(element: str) -> str:
    return PLACES.get(element) or AGE_BANDS.get(element, element.replace("_", " ")).lower()


def output_unit(column: str) -> str:
    """The unit in words of one of the module's main `OUTPUTS` ('% of children'); '' for others."""
    variable, _ = split_column(column)
    return OUTPUTS[variable][1] if variable in OUTPUTS else ""


def output_words(column: str) -> str:
    """'poverty_share_percent[inner_city]' -> 'Children in poverty, inner-city borough'."""
    variable, elements = split_column(column)
    label = OUTPUTS[variable][0] if variable in OUTPUTS else \
        load_model(MODEL).variables.loc[variable, "label"]
    return ", ".join([label, *(_element(e) for e in elements)])


def output_title(column: str) -> str:
    """The output in words with its unit: 'Children in poverty, inner-city borough (% of children)'."""
    variable, _ = split_column(column)
    unit = output_unit(column) or unit_in_words(load_model(MODEL).variables.loc[variable, "unit"])
    return f"{output_words(column)} ({unit})" if unit else output_words(column)
