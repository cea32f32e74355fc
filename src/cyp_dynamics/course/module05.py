"""Module 05, child poverty and inequalities: helpers, charts and exercise checks.

The model `child_poverty_and_health` has three places and four age bands (Vensim subscripts), so
its runs have one column per element, e.g. `poverty_share_percent[coastal]`. The helpers here turn
runs into tables and charts by place. Exercise answers are computed from the model, never typed
in; each check shows feedback and never raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.checks import CheckResult
from ..charts import alt, gap_chart, output_titles, runs_chart, stacked_areas, tidy_runs
from ..data import load_dataset
from ..models import by_element, load_model, tidy_elements
from .feedback import as_number, choice_feedback, give_feedback, number_feedback

if TYPE_CHECKING:
    from ..widgets.scenario_picker import ScenarioPicker

MODEL = "child_poverty_and_health"
PLACES = {"coastal": "Coastal district", "inner_city": "Inner-city borough",
          "uk_average": "UK-average place"}
AGE_BANDS = {"age_0_4": "Ages 0-4", "age_5_10": "Ages 5-10", "age_11_15": "Ages 11-15",
             "age_16_17": "Ages 16-17"}
STATUSES = {"children_not_in_poverty": "Not in poverty",
            "children_in_new_poverty": "New spell of poverty",
            "children_in_persistent_poverty": "Persistent poverty"}
POLICY_START_YEAR = 2026
END_YEAR = 2040
LONG_RUN_YEARS = 50  # to 2060: long enough for outcomes to finish responding to a 2026 policy
EXITS_UP_A_TENTH = {"exit_rise_percent": 10, "policy_start_year": POLICY_START_YEAR}
SHOCK = {"shock_entry_rise_percent": 30, "shock_start_year": 2022, "shock_length": 2}


# ---- runs and tables ------------------------------------------------------------------------
@lru_cache(maxsize=32)
def _cached_run(params: tuple[tuple[str, float], ...], years: float | None) -> pd.DataFrame:
    return load_model(MODEL).run(dict(params), years)


def run(params: dict[str, float] | None = None, years: float | None = None) -> pd.DataFrame:
    """A run of the module's model from 2010, `years` long (default to 2040).

    Runs are kept, so asking for the same run again is instant (each takes a few seconds).
    """
    return _cached_run(tuple(sorted((params or {}).items())), years).copy()


def by_place(result: pd.DataFrame, variable: str) -> pd.DataFrame:
    """One column per place (named for people, e.g. 'Coastal district') for a [Place] output."""
    return by_element(result, variable).rename(columns=PLACES)


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


# ---- charts ---------------------------------------------------------------------------------
def chain_chart(result: pd.DataFrame, place: str = "inner_city",
                title: str | None = None) -> alt.FacetChart:
    """Stacked areas: children in each age band by poverty status, in one place, over time."""
    if place not in PLACES:
        raise ValueError(f"place must be one of {', '.join(PLACES)}; you gave {place!r}.")
    tidy = tidy_elements(result, list(STATUSES), ["place", "age_band"])
    tidy = tidy[tidy.place == place].assign(
        status=lambda t: t.variable.map(STATUSES), age=lambda t: t.age_band.map(AGE_BANDS))
    return stacked_areas(
        tidy, x=result.index.name or "year", y="value", stack="status",
        title=title or f"Children by age and poverty status: {PLACES[place]}",
        x_title="Year", y_title="Children", stack_title="Poverty status",
        stack_order=list(STATUSES.values())[::-1], facet="age", facet_title="Age band")


def compare_runs_chart(runs: dict[str, pd.DataFrame], outputs: list[str],
                       title: str) -> alt.VConcatChart:
    """One panel per output (columns such as 'poverty_share_percent[uk_average]'), a line per run."""
    model = load_model(MODEL)
    chart = runs_chart(outputs, output_titles(model, outputs), "Year", title,
                       data=tidy_runs(runs, outputs))
    for panel in chart.vconcat:  # calendar years: 2026, not 2,026
        panel.encoding.x.axis = alt.Axis(format="d")
    return chart


def place_gap_chart(result: pd.DataFrame, variable: str = "poverty_share_percent",
                    reference: str = "uk_average", title: str | None = None) -> alt.VConcatChart:
    """Each place's `variable` over time and its gap to the `reference` place."""
    model = load_model(MODEL)
    row = model.variables.loc[variable]
    frame = by_place(result, variable)
    return gap_chart(frame, PLACES[reference], title=title or f"{row['label']}: the gap between places",
                     y_title=f"{row['label']} ({row['unit']})", time_title="Year")


def compare_policies(names: Sequence[str] = ("base", "income_package", "early_years_support"),
                     place: str = "inner_city",
                     times: tuple[float, ...] = (2026, 2030, 2040)) -> ScenarioPicker:
    """A scenario picker for some of the course's scenarios (each runs in a few seconds).

    `names` come from `src/cyp_dynamics/models/scenarios/child_poverty_and_health.toml`.
    """
    from ..analysis import Scenarios, load_scenarios
    from ..widgets import compare_scenarios

    model = load_model(MODEL)
    every = load_scenarios(MODEL, model)
    chosen = Scenarios(model, [every[name] for name in names], source=every.source)
    outputs = [f"poverty_share_percent[{place}]", f"year_6_obesity_percent[{place}]"]
    return compare_scenarios(model, chosen, outputs=outputs, times=list(times))


# ---- exercise checks ------------------------------------------------------------------------


def exits_up_share_2040() -> float:
    """UK-average poverty share (%) in 2040 when exits from poverty rise by a tenth from 2026."""
    return float(run(EXITS_UP_A_TENTH)["poverty_share_percent[uk_average]"].loc[END_YEAR])


def check_prediction(predicted_percent: Any) -> CheckResult:
    """Exercise 1: any numeric prediction passes; the feedback says how close it was."""

    def check(answer: Any) -> CheckResult:
        guess, truth = as_number(answer), exits_up_share_2040()
        base = float(run()["poverty_share_percent[uk_average]"].loc[END_YEAR])
        verdict = ("Very close!" if abs(guess - truth) <= 0.5 else
                   "In the right area." if abs(guess - truth) <= 1.5 else
                   "Quite far off, which is normal: flows between stocks are hard to judge.")
        return CheckResult(True, f"You predicted {guess:.1f}%; the model gives {truth:.1f}% "
                                 f"(against {base:.1f}% with no policy). {verdict}")

    return give_feedback(predicted_percent, check,
                         "Replace `...` with your prediction (a percentage such as 28), then run the cell.")


def obesity_delay_years() -> float:
    """Years after 2026 until UK-average Year 6 obesity has made half its fall (runs to 2060)."""
    return response_delay(run(years=LONG_RUN_YEARS), run(EXITS_UP_A_TENTH, LONG_RUN_YEARS),
                          "year_6_obesity_percent[uk_average]")


def check_obesity_delay(years: Any) -> CheckResult:
    """Exercise 2: the half-response time of Year 6 obesity, within a year."""

    def check(answer: Any) -> CheckResult:
        value, truth = as_number(answer), obesity_delay_years()
        if abs(value - truth) <= 1:
            return CheckResult(True, f"About {truth:.1f} years: poverty falls first, then the share "
                                     "of children with long spells, then obesity catches up.")
        return CheckResult(False, f"You have {value:g} years; the table gives about {truth:.0f}.")

    return give_feedback(
        years, check, "Replace `...` with a number of years, then run the cell.",
        hint="Find the first year in which the fall is at least half of the fall in 2060, and "
             "subtract 2026.")


def inner_city_share_with_uk_entry_rate() -> float:
    """Inner-city poverty share (%) in 2040 if its entry rate were the UK-average place's."""
    defaults = load_model(MODEL).parameters["default"]
    result = run({"inner_city_poverty_entry_rate": float(defaults["uk_poverty_entry_rate"])})
    return float(result["poverty_share_percent[inner_city]"].loc[END_YEAR])


def check_inner_city_share(percent: Any) -> CheckResult:
    """Exercise 3: the inner city's share in 2040 with the UK's entry rate, within 2%."""

    return number_feedback(
        percent, inner_city_share_with_uk_entry_rate, 0.02,
        right="{truth:.1f}%: still above the UK-average place, because its households also leave "
              "poverty less often.",
        wrong="You have {value:.1f}%; the model gives about {truth:.0f}%.",
        prompt="Replace `...` with a percentage, then run the cell.",
        hint="Run the model with inner_city_poverty_entry_rate set to the UK-average place's "
             "entry rate, and read poverty_share_percent[inner_city] in 2040.")


def shock_legacy_points() -> float:
    """Extra points of UK-average poverty in 2030 after a 2022-24 cost-of-living shock."""
    column = "poverty_share_percent[uk_average]"
    return float(run(SHOCK)[column].loc[2030] - run()[column].loc[2030])


def check_shock_legacy(points: Any) -> CheckResult:
    """Exercise 5: the shock's legacy in 2030, in percentage points, within 10%."""

    return number_feedback(
        points, shock_legacy_points, 0.10,
        right="About {truth:.2f} points, six years after the shock ended: spells that began in the "
              "shock became persistent.",
        wrong="You have {value:.2f}; the model gives about {truth:.2f} points.",
        prompt="Replace `...` with a number of percentage points, then run the cell.",
        hint="Subtract the run without the shock from the run with it, in 2030.")


WHY_CHOICES = {
    "A": "Each place settles where its own entries and exits balance. A lever that changes "
         "every place's rates by the same percentage moves every level, but leaves the local "
         "differences in those rates, so a gap remains.",
    "B": "The inner city has more children, so any policy takes longer to reach them all.",
    "C": "Averages always improve more slowly than the worst places.",
}


def check_why_gap_persists(choice: Any) -> CheckResult:
    """Exercise 4: multiple choice; A is right."""
    return choice_feedback(
        choice, WHY_CHOICES, correct="A",
        praise="The structure is shared; the local rates are not. Closing "
               "a gap needs levers aimed at what differs between places.",
        reasons={"B": "shares do not depend on the number of children: try changing "
                      "inner_city_children and the share does not move.",
                 "C": "in this model the inner city's share falls by about as many points as the "
                      "UK-average place's, or more (look at the gap chart)."},
    )
