"""Module 05's exercises: `EXERCISES`, one builder per exercise and reflection (in the order the
notebook asks them), the judges that mark answers, and the right answers, computed from the model,
never typed in.
"""

from __future__ import annotations

from ...analysis.checks import CheckResult
from ...widgets import ChoiceQuestion, NumberQuestion, PredictQuestion
from ..exercises import ExerciseSet
from .runs import (END_YEAR, EXITS_UP_A_TENTH, POLICY_START_YEAR, SHOCK, long_runs, response_delay,
                   run, share_with_inner_city_entry_rate, uk_entry_rate)

EXERCISES = ExerciseSet("05")


# ---- exercise 1: predict the share when exits rise by a tenth --------------------------------
def exits_up_share_2040() -> float:
    """UK-average poverty share (%) in 2040 when exits from poverty rise by a tenth from 2026."""
    return float(run(EXITS_UP_A_TENTH)["poverty_share_percent[uk_average]"].loc[END_YEAR])


@EXERCISES.add("05-ex1")
def exercise_1() -> PredictQuestion:
    """Exercise 1: predict the UK-average share in 2040 with exits up a tenth; any share is fine."""
    return PredictQuestion("05-ex1", exits_up_share_2040, unit="%", kind="percent", decimals=1,
                           minimum=0, maximum=100,
                           reflection="The chart below shows how the share gets there.")


# ---- exercise 2: the delay before Year 6 obesity responds ------------------------------------
def obesity_delay_years() -> float:
    """Years after 2026 until UK-average Year 6 obesity has made half its fall (runs to 2060)."""
    return response_delay(*long_runs(), "year_6_obesity_percent[uk_average]")


def _judge_delay(years: float) -> CheckResult:
    truth = obesity_delay_years()
    if years >= 1900:
        return CheckResult(False, f"{years:.0f} looks like a calendar year. The question asks "
                                  f"<i>how many years</i> the fall takes, counted from "
                                  f"{POLICY_START_YEAR}: take {POLICY_START_YEAR} away from the year "
                                  "you found in the table.")
    if years < 0:
        return CheckResult(False, "A delay cannot be negative: count the years forward from "
                                  f"{POLICY_START_YEAR}.")
    if abs(years - truth) <= 0.5:  # the model moves in half-year steps
        return CheckResult(True, f"About {truth:.0f} years: poverty falls first, then fewer spells "
                                 "become persistent, then obesity catches up.")
    return CheckResult(False, f"{years:g} years is too {'high' if years > truth else 'low'}.")


@EXERCISES.add("05-ex2")
def exercise_2() -> NumberQuestion:
    """Exercise 2: years after 2026 until Year 6 obesity has made half its fall, within half a year."""
    return NumberQuestion(
        "05-ex2", obesity_delay_years, unit="years", judge=_judge_delay,
        hint="In the table above, find the first year in which the share of the fall reaches 50%, "
             f"then count the years from {POLICY_START_YEAR} to that year.")


# ---- exercise 3: the inner city with the UK's entry rate -------------------------------------
def inner_city_share_with_uk_entry_rate() -> float:
    """Inner-city poverty share (%) in 2040 if its entry rate were the UK-average place's."""
    return share_with_inner_city_entry_rate(uk_entry_rate())


def _judge_inner_city(percent: float) -> CheckResult:
    truth = inner_city_share_with_uk_entry_rate()
    base = run()
    own = float(base["poverty_share_percent[inner_city]"].loc[END_YEAR])
    uk = float(base["poverty_share_percent[uk_average]"].loc[END_YEAR])
    if abs(percent - truth) <= 0.03 * truth:
        return CheckResult(True, f"{percent:.1f}%: well below the {own:.1f}% the borough reaches with "
                                 f"its own entry rate, but still above the UK-average place's {uk:.1f}%, "
                                 "because the borough's households also leave poverty less often.")
    if 0 < percent < 1 and abs(percent * 100 - truth) <= 0.03 * truth:
        return CheckResult(False, "That looks like a fraction: type it as a percentage (times 100).")
    if abs(percent - own) <= 0.5:
        return CheckResult(False, f"{percent:.1f}% is the borough's share with its <i>own</i> entry "
                                  "rate. Set the slider to the UK-average place's rate first.")
    if abs(percent - uk) <= 0.5:
        return CheckResult(False, f"{percent:.1f}% is the UK-average place's share. The question asks "
                                  "for the inner-city borough's, with the UK's entry rate.")
    return CheckResult(False, f"{percent:.1f}% is too {'high' if percent > truth else 'low'}.")


@EXERCISES.add("05-ex3")
def exercise_3() -> NumberQuestion:
    """Exercise 3: the inner city's share in 2040 with the UK's entry rate, within 3%."""
    return NumberQuestion(
        "05-ex3", inner_city_share_with_uk_entry_rate, unit="%", kind="percent", decimals=1,
        tolerance=0.03, judge=_judge_inner_city,
        hint=f"In the tool above, set the inner-city entry rate to {uk_entry_rate():.3f} (the UK-average "
             "place's rate) and read the share in the sentence below the slider.")


# ---- exercise 4: why the gap persists --------------------------------------------------------
WHY_CHOICES = {
    "A": "Each place settles where its own entries and exits balance. A lever that changes "
         "every place's rates by the same percentage moves every level, but leaves the local "
         "differences in those rates, so a gap remains.",
    "B": "The inner city has more children, so any policy takes longer to reach them all.",
    "C": "Averages always improve more slowly than the worst places.",
}


@EXERCISES.add("05-ex4")
def exercise_4() -> ChoiceQuestion:
    """Exercise 4: why the gap between places persists; A is right."""
    return ChoiceQuestion(
        "05-ex4", WHY_CHOICES, correct="A",
        praise="The structure is shared; the local rates are not. Closing a gap needs levers aimed "
               "at what differs between places.",
        reasons={"B": "a share does not depend on the number of children: give the inner city more "
                      "or fewer children and its share does not move.",
                 "C": "in this model the inner city's share falls by about as many points as the "
                      "UK-average place's, or more (look at the gap chart)."},
        hint="Look at what differs between the places (their entry and exit rates), and whether "
             "the policy changes that difference.")


# ---- exercise 5: the legacy of a cost-of-living shock -----------------------------------------
def shock_legacy_points() -> float:
    """Extra points of UK-average poverty in 2030 after a 2022-24 cost-of-living shock."""
    column = "poverty_share_percent[uk_average]"
    return float(run(SHOCK)[column].loc[2030] - run()[column].loc[2030])


@EXERCISES.add("05-ex5")
def exercise_5() -> NumberQuestion:
    """Exercise 5: the shock's legacy in 2030, in percentage points, within 10%."""
    return NumberQuestion(
        "05-ex5", shock_legacy_points, unit="percentage points", decimals=2, tolerance=0.10,
        right="About {truth:.2f} points, six years after the shock ended: spells that began in "
              "the shock became persistent.",
        hint="In the table above, take the 2030 value without the shock away from the 2030 value "
             "with it.",
        leaks=[r"quarter of a (?:percentage )?point"])


# ---- reflections --------------------------------------------------------------------------
reflect_board = EXERCISES.reflection(
    "05-reflect-board",
    "A board reviewing this policy after two years would see poverty fall but "
    "almost no change in obesity. What would you tell them? Which measure would "
    "you track to see early progress?")


reflect_shock = EXERCISES.reflection(
    "05-reflect-shock",
    "The shock lasted two years; its mark lasts much longer, in children who spent "
    "more of their childhood in poverty. Where would that show up first in your "
    "services?")


progress = EXERCISES.progress
