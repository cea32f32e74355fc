"""Module 07's worked example: Cheshire and Merseyside's published child poverty figures.

Every figure comes from `datasets/local_child_poverty_rates` (cited); the voice inputs come from
the SYNTHETIC example folder and are labelled so wherever they are shown.
"""

from __future__ import annotations

from functools import lru_cache

from ...data import figure, load_dataset
from ...data.local_series import (
    LocalSeries,
    compare_with_national,
    fit_to_series,
    series_from_table,
    starting_point,
)
from ...data.voice import VoiceData, example_voice_folder, lead_outputs, load_voice
from ...models import load_model
from ..brief import BriefInputs

DATASET = "local_child_poverty_rates"
PLACE = "Cheshire and Merseyside"
MEASURE = "children_in_relative_low_income_families_share"
NUMBER = "children_in_relative_low_income_families_number"
REPORTED = "as reported September 2024"
LATER = "as reported July 2025"
MODEL = "child_poverty_and_health"
SLOT = "inner_city"  # the model's place whose rates stand for the sub-region (an assumption)
# The statement does not give its data year; the dataset's notes say the latest DWP local data
# then was 2022/23, so the figure is placed in that financial year.
DATA_YEAR = "2022/23"
PRIORITY_OUTPUTS = {"children in poverty": f"poverty_share_percent[{SLOT}]",
                    "mental health difficulties": f"mental_health_difficulties_11_to_15[{SLOT}]",
                    "year 6 obesity": f"year_6_obesity_percent[{SLOT}]"}
SCENARIOS = ["base", "exits_up_a_tenth", "income_package"]
HORIZON = 2035.0
UNCERTAIN = [f"{SLOT}_poverty_exit_rate", "persistent_exit_ratio", "difficulty_excess_in_poverty"]


def local_rate() -> float:
    """The sub-region's published share of children in relative low-income families (%)."""
    return figure(DATASET, MEASURE, REPORTED, PLACE)


def england_rate() -> float:
    """England's share on the same measure, from the same statement (%)."""
    return figure(DATASET, MEASURE, REPORTED, "England")


def later_rate() -> float:
    """The July 2025 figure for the sub-region: a different definition (ages 0-16)."""
    return figure(DATASET, MEASURE, LATER, PLACE)


def children_in_low_income() -> float:
    """Children in relative low-income families in the sub-region, as published."""
    return figure(DATASET, NUMBER, REPORTED, PLACE)


def children_in_place() -> float:
    """All children implied: the published number divided by the published share (derived)."""
    return children_in_low_income() / (local_rate() / 100)


def local_series() -> LocalSeries:
    """The published rate as a one-point local series, placed in its data year."""
    return series_from_table([DATA_YEAR], [local_rate()], name="share of children (%)",
                             source=DATASET)


def national_gap() -> dict:
    """The sub-region beside England (percentage points and ratio)."""
    return compare_with_national(local_rate(), england_rate())


@lru_cache(maxsize=1)
def start() -> dict[str, float]:
    """Parameter overrides that set the model to the sub-region: size, starting share, matched entry rate."""
    model = load_model(MODEL)
    base = {f"{SLOT}_children": round(children_in_place(), -2),
            **starting_point(model, local_series(), SLOT)}
    fit = fit_to_series(model, local_series(), fixed=base, place=SLOT)
    return {**base, **{k: round(v, 4) for k, v in fit.parameters.items()}}


def voice() -> VoiceData:
    """The synthetic example's voice inputs, after the safeguards."""
    return load_voice(example_voice_folder())


def lead() -> list[str]:
    """The outputs the brief leads with, in dot-vote order."""
    return lead_outputs(voice().votes, PRIORITY_OUTPUTS, count=2)


def local_figures() -> list[dict]:
    """The local figures the brief shows, each with its period and dataset."""
    rows = load_dataset(DATASET)
    chosen = [(MEASURE, REPORTED, PLACE), (NUMBER, REPORTED, PLACE), (MEASURE, REPORTED, "England"),
              (MEASURE, LATER, PLACE)]
    out = []
    for measure, period, place in chosen:
        row = rows[(rows["measure"] == measure) & (rows["period"] == period) & (rows["geography"] == place)].iloc[0]
        shown = f"{row['value']:,.0f} children" if row["unit"] == "children" else f"{row['value']:g}%"
        what = "Children in relative low-income families" + ("" if row["unit"] == "children" else " (share)")
        out.append({"label": f"{what}, {place}", "period": period, "value": float(row["value"]),
                    "unit": row["unit"], "shown": shown, "dataset": DATASET,
                    "definition": row["definition"]})
    return out


def assumptions() -> list[str]:
    return [
        f"{PLACE} is modelled as the model's inner-city place: its rates of falling into and "
        "leaving poverty start from the model's inner-city settings.",
        "The local share counts children in families claiming benefits, before housing costs; the "
        "model's national figures are after housing costs. The two measures differ.",
        f"The September 2024 statement does not give its data year; it is placed in {DATA_YEAR}, "
        "the latest local data then published (dataset notes).",
        "The July 2025 figure uses a different definition (ages 0-16, sub-region), so it is not "
        "read as a rise from the 2024 figure.",
        "The number of children in the sub-region is derived: children in low-income families "
        "divided by their share.",
        "The model starts in 2010 at the published share, and the rate of falling into poverty is "
        "matched so the model passes through the published figure: one point, so this is not a test.",
        "Policies start in 2026 and are the course's scenario file for this model, unchanged.",
        "Voice inputs are a SYNTHETIC example of the method, not from this place.",
    ]


def worked_inputs(voice_folder: str | None = None) -> BriefInputs:
    """The saved inputs of the worked example's brief."""
    return BriefInputs(
        title=f"Child poverty and young people's health in {PLACE}: a brief for the board",
        question=("If the partnership backs income measures from 2026, what happens to child poverty "
                  "and to young people's mental health by 2035, and how sure can we be?"),
        place=PLACE, model=MODEL, local_figures=local_figures(), start=start(),
        scenarios=SCENARIOS, outputs=lead(), horizon=HORIZON, uncertain=UNCERTAIN,
        voice_folder=str(voice_folder or example_voice_folder()), slot=SLOT,
        reference_modes={"money worries at home": PRIORITY_OUTPUTS["children in poverty"]},
        assumptions=assumptions())


# ---- a brief from a trainee's own uploaded series ---------------------------------------------
OWN_DATA = {  # per model: scenarios, lead outputs, comparison time, uncertain inputs
    "child_poverty_and_health": (SCENARIOS, None, HORIZON, UNCERTAIN),
    "camhs_waiting_list": (["base", "ten_more_clinicians", "referrals_up_10_percent"],
                           ["waiting_list", "average_wait_in_weeks"], 36.0,
                           ["closure_rate", "new_starts_per_clinician"]),
}


def inputs_from_upload(series: LocalSeries, model_name: str, start: dict[str, float],
                       fitted: dict[str, float], fit_message: str) -> BriefInputs:
    """Brief inputs for a trainee's own uploaded series (their file is the only local source)."""
    scenarios, outputs, horizon, uncertain = OWN_DATA[model_name]
    poverty = model_name == MODEL
    place = "your area" if poverty else "your service"
    unit = "%" if poverty else ""
    figures = [{"label": f"{series.name.replace('_', ' ')} (your file {series.source})", "period": period,
                "value": float(value), "unit": unit,
                "shown": "suppressed or blank" if value != value else f"{value:,.1f}{unit}".replace(".0", "")}
               for period, value in zip(series.labels, series.values.to_numpy())]
    return BriefInputs(
        title=f"Your data, your model: a draft brief for {place}",
        question="A draft built from your own uploaded figures: write your board's question here.",
        place=place, model=model_name, local_figures=figures, start={**start, **fitted},
        scenarios=scenarios, outputs=outputs or lead(), horizon=horizon, uncertain=uncertain,
        voice_folder=str(example_voice_folder()), slot=SLOT if poverty else "",
        outputs_from_votes=poverty,
        reference_modes=({"money worries at home": PRIORITY_OUTPUTS["children in poverty"]}
                         if poverty else {}),
        assumptions=[f"The local figures are from your file {series.source}, as uploaded; the course "
                     "has not checked their source or definition.",
                     f"The model starts at the file's first value. {fit_message}",
                     "Policies are the course's scenario file for this model, unchanged.",
                     "Voice inputs are a SYNTHETIC example of the method, not from your area."])
