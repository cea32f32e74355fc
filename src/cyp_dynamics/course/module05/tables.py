"""Module 05's tables and sentences for people: the model's inputs and outputs, each place's
poverty share by year, the delays after exits rise a tenth, the 2022-24 shock, the model beside
HBAI's national figures, and the books of the ageing chain.

Years are calendar years ("2030"), places and outputs are named in words, and dataset paths in
sources are named as the notebook's reader knows them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from ...charts import unit_in_words
from ...charts.tables import Column, PeopleTable, people_table
from ...data import dataset_metadata, load_dataset
from ...models import by_element, load_model
from .runs import (MODEL, PLACES, SHOCK, STATUSES, by_place, capital, long_runs, output_unit,
                   output_words, response_delay, run)

#: The datasets the model's sources cite, as this notebook's reader knows them.
DATASETS_IN_WORDS = {"hbai_child_poverty_uk": "the national figures (HBAI) above",
                     "local_child_poverty_rates": "the local figures above",
                     "ncmp_obesity_and_infant_mortality": "the obesity and infant mortality figures above"}
DELAY_OUTPUTS = {"poverty_share_percent[uk_average]": "Children in poverty",
                 "persistent_poverty_share_of_band[uk_average,age_5_10]":
                     "Children in persistent poverty, ages 5 to 10",
                 "mental_health_difficulties_11_to_15[uk_average]":
                     "11 to 15 year olds with mental-health difficulties",
                 "camhs_referrals_from_11_to_15s[uk_average]": "CAMHS referrals of 11 to 15 year olds"}


# ---- words for numbers and sources ------------------------------------------------------------
def source_in_words(source: str) -> str:
    """A model input's source with dataset paths ('datasets/hbai_child_poverty_uk') named in words."""

    def words(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in DATASETS_IN_WORDS:
            return DATASETS_IN_WORDS[name]
        try:
            return f"the dataset “{dataset_metadata(name)['title']}”"
        except (OSError, KeyError, ValueError):
            return name.replace("_", " ")

    return re.sub(r"datasets/(\w+)", words, str(source))


def _number(value: float, unit: str = "") -> str:
    """A model input as people write it: 2026, 20,000, 0.145."""
    if unit == "Year" and value >= 1900:
        return f"{value:.0f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _year_index(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_axis([f"{y:.0f}" if float(y).is_integer() else f"{y:g}" for y in frame.index])


# ---- the model --------------------------------------------------------------------------------
def inputs_table() -> PeopleTable:
    """Every input of the model: label, unit in words, default, range, source."""
    table = load_model(MODEL).parameters
    shown = pd.DataFrame({
        "label": table["label"],
        "default": [_number(v, u) for v, u in zip(table["default"], table["unit"])],
        "range": [f"{_number(lo, u)} to {_number(hi, u)}" for lo, hi, u in
                  zip(table["min"], table["max"], table["unit"])],
        "unit": [unit_in_words(u) for u in table["unit"]],
        "source": [source_in_words(t) for t in table["source"]]})
    return people_table(shown, {"label": Column("Input", "text"), "unit": Column("Unit", "text"),
                                "default": Column("Default", "text"), "range": Column("Range", "text"),
                                "source": Column("Source", "text")})


def outputs_table() -> PeopleTable:
    """Every output of the model, with its unit in words and what it is."""
    model = load_model(MODEL)
    table = model.variables.loc[model.outputs]
    shown = table.assign(unit_words=[unit_in_words(u) for u in table["unit"]])
    return people_table(shown, {"label": Column("Output", "text"), "unit_words": Column("Unit", "text"),
                                "description": Column("What it is", "text")})


def books_sentences(result: pd.DataFrame) -> list[str]:
    """For each place, how closely the chain matches births in minus 18th birthdays out."""
    sentences = []
    for place, name in PLACES.items():
        chain = sum(by_element(result, stock, place=place).sum(axis=1) for stock in STATUSES)
        books = (chain.iloc[0] + result[f"births_to_date[{place}]"]
                 - result[f"reached_adulthood_to_date[{place}]"])
        gap = float((books - chain).abs().max())
        within = "a millionth of a child" if gap < 1e-6 else f"{gap:,.3f} children"
        sentences.append(f"{capital(name)}: in every year the chain matches its books to within {within}.")
    return sentences


# ---- runs by year -----------------------------------------------------------------------------
def place_table(result: pd.DataFrame, variable: str = "poverty_share_percent",
                years: Sequence[float] = (2010, 2015, 2020, 2025, 2030, 2040),
                decimals: int = 1) -> PeopleTable:
    """One row per year, one column per place, for a [Place] output such as the poverty share."""
    frame = _year_index(by_place(result, variable).loc[list(years)])
    unit = output_unit(variable)
    suffix = " (%)" if unit.startswith("%") else f" ({unit})" if unit else ""
    return people_table(frame, {p: Column(f"{p}{suffix}", decimals) for p in frame.columns},
                        index=Column("Year", "text"), caption=output_words(variable))


def delay_table(years: Sequence[int] = tuple(range(2026, 2041))) -> PeopleTable:
    """The fall in UK-average Year 6 obesity after exits rise a tenth, each year, and its share of the fall by 2060."""
    base, policy = long_runs()
    change = (policy - base)["year_6_obesity_percent[uk_average]"]
    frame = pd.DataFrame({"fall": -change.loc[list(years)],
                          "share": 100 * change.loc[list(years)] / change.iloc[-1]})
    return people_table(_year_index(frame),
                        {"fall": Column("Fall in Year 6 obesity (percentage points)", 3),
                         "share": Column("Share of the fall by 2060 (%)", 1)},
                        index=Column("Year", "text"))


def delays_table() -> PeopleTable:
    """Years until half the response to exits up a tenth, for outputs other than Year 6 obesity."""
    base, policy = long_runs()
    frame = pd.DataFrame({"output": list(DELAY_OUTPUTS.values()),
                          "years": [response_delay(base, policy, c) for c in DELAY_OUTPUTS]})
    return people_table(frame, {"output": Column("What responds (UK-average place)", "text"),
                                "years": Column("Years until half the response", 1)})


def shock_table(years: Sequence[float] = (2021, 2022, 2023, 2024, 2026, 2030)) -> PeopleTable:
    """The UK-average place's poverty share with and without the 2022-24 shock."""
    column = "poverty_share_percent[uk_average]"
    frame = pd.DataFrame({"without": run()[column], "with": run(SHOCK)[column]}).loc[list(years)]
    return people_table(_year_index(frame), {"without": Column("Without the shock (%)", 2),
                                             "with": Column("With the shock (%)", 2)},
                        index=Column("Year", "text"),
                        caption="Children in poverty, UK-average place")


# ---- the model beside the data ----------------------------------------------------------------
def hbai_comparison(result: pd.DataFrame) -> pd.DataFrame:
    """HBAI's UK child poverty rate (relative, after housing costs) beside the UK-average place.

    A financial year 2010/11 is read at model time 2010.5, its middle.
    """
    data = load_dataset("hbai_child_poverty_uk")
    hbai = data[data.measure == "children_relative_low_income_ahc_share"]
    rows = []
    for _, row in hbai.iterrows():
        time = int(row.period[:4]) + 0.5
        modelled = result["poverty_share_percent[uk_average]"].loc[time]
        rows.append({"financial year": row.period, "HBAI (%)": row.value,
                     "model, UK-average place (%)": round(float(modelled), 1),
                     "difference (points)": round(float(modelled) - row.value, 1)})
    return pd.DataFrame(rows)


def hbai_table(result: pd.DataFrame) -> PeopleTable:
    """`hbai_comparison` as a table for people."""
    return people_table(hbai_comparison(result), {
        "financial year": Column("Financial year", "text"), "HBAI (%)": Column("HBAI, UK (%)", 0),
        "model, UK-average place (%)": Column("Model, UK-average place (%)", 1),
        "difference (points)": Column("Difference (percentage points)", 1)})
