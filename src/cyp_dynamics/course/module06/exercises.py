"""Module 06's exercises: `EXERCISES`, one builder per exercise and reflection in the order the
notebook asks them, their judges, and the right answers, computed from the runs, never typed in.
"""

from __future__ import annotations

import html

from ...analysis.checks import CheckResult
from ...widgets import ChoiceQuestion, NumberQuestion, PredictQuestion
from ...models import load_model
from ..exercises import ExerciseSet
from .inputs import CAMHS
from .charts import input_label
from .runs import (TARGET_SHARE, best_policy_under_defaults, camhs_at_end, chance_beats_today,
                   good_state_share, policy_title, posts_for_target,
                   robust_policy, robustness_table, sobol_table, todays_posts,
                   top_three_share_percent)

EXERCISES = ExerciseSet("06")
PREDICT_POLICY = "ring_fence_today"  # exercise 5 asks about this policy


# ---- exercise 1: what a band means ------------------------------------------------------------
BAND_CHOICES = {
    "A": "There is a 90% chance that the real waiting list will be inside the band.",
    "B": "Of the runs we made, with inputs drawn from the ranges we chose, 9 in 10 are inside the "
         "band at that date.",
    "C": "The model is right 90% of the time.",
}


@EXERCISES.add("06-ex1")
def exercise_1() -> ChoiceQuestion:
    """Exercise 1: what the 90% band says; B is right."""
    return ChoiceQuestion(
        "06-ex1", BAND_CHOICES, correct="B",
        praise="The band describes our runs, not the future. It carries only the uncertainty we put "
               "in (the input ranges), so the real list could fall outside it: a new policy, a "
               "pandemic or a change in how referrals are counted is in no run.",
        reasons={"A": "that would be a forecast interval. The band only reflects the input ranges we "
                      "chose; anything the model leaves out is not in it.",
                 "C": "the band says nothing about how often the model is right; every run uses the "
                      "same model, only its inputs change."},
        hint="Ask what produced the band: many runs of one model, each with different inputs.")


# ---- exercise 2: read a band ---------------------------------------------------------------------
def high_end_of_band() -> float:
    """The high end of the 90% band (95th percentile) of children waiting per 100,000 in April 2027."""
    return float(camhs_at_end().quantile(0.95))


@EXERCISES.add("06-ex2")
def exercise_2() -> NumberQuestion:
    """Exercise 2: the high end of the 90% band in April 2027, within 5%."""
    return NumberQuestion(
        "06-ex2", high_end_of_band, unit="children per 100,000", tolerance=0.05,
        right="{value:,.0f} is right: in 1 run in 20 the list is even longer than that by April 2027.",
        hint="Hover over the right-hand end of the fan chart (April 2027) and read "
             "'90% band, high end'.")


# ---- exercise 3: which unknown matters most -------------------------------------------------------
INFLUENCE_CANDIDATES = ["need_growth_percent_per_year", "burnout_sensitivity",
                        "identification_time", "did_not_attend_percent"]


def influence_choices() -> dict[str, str]:
    """The four inputs offered in exercise 3, by letter."""
    return {letter: input_label(name) for letter, name in zip("ABCD", INFLUENCE_CANDIDATES)}


def most_influential_letter() -> str:
    """The letter of the offered input with the largest Sobol total index."""
    totals = sobol_table()["total"]
    best = max(INFLUENCE_CANDIDATES, key=lambda name: float(totals.get(name, -1.0)))
    return "ABCD"[INFLUENCE_CANDIDATES.index(best)]


@EXERCISES.add("06-ex3")
def exercise_3() -> ChoiceQuestion:
    """Exercise 3: predict which of four inputs drives the most spread; computed from Sobol."""
    letter = most_influential_letter()
    growth = INFLUENCE_CANDIDATES["ABCD".index(letter)] == "need_growth_percent_per_year"
    question = ("Which input keeps compounding, month after month?" if growth else
                "Which input changes how many children join or leave the list most?")
    reasons = {other: f"its range matters less for the list in April 2027 than another input's. {question}"
               for other in "ABCD" if other != letter}
    label = influence_choices()[letter]
    why = (" Growth in need compounds month after month, so its range fans the list out further "
           "each year." if growth else "")
    return ChoiceQuestion(
        "06-ex3", influence_choices(), correct=letter,
        praise=f"Yes: of these four, {label.lower()} drives the most spread.{why} The charts below "
               "show how it compares with every other input.",
        reasons=reasons,
        hint="Think about which uncertainty grows with time rather than staying the same size, and "
             "which input moves the most children.")


# ---- exercise 4: three numbers drive most of the spread --------------------------------------------
@EXERCISES.add("06-ex4")
def exercise_4() -> NumberQuestion:
    """Exercise 4: the share of the spread the top three inputs explain on their own, within 3 points."""
    def judge(value: float) -> CheckResult:
        truth = top_three_share_percent()
        if 0 < value <= 1:
            return CheckResult(False, "That looks like a fraction: type the share as a percentage, "
                                      "e.g. 50 or 50% for a half.")
        if abs(value - truth) <= 3:
            share = "most" if truth >= 50 else "a large part"
            return CheckResult(True, f"{value:.0f}% is right: three inputs explain {share} of the "
                                     "spread, so better data on those three would narrow the fan most.")
        return CheckResult(False, f"{html.escape(f'{value:.0f}%')} is {'too high' if value > truth else 'too low'}.")

    return NumberQuestion(
        "06-ex4", top_three_share_percent, unit="%", kind="percent", judge=judge,
        hint="In the Sobol chart, hover over the dark bars ('on its own') of the top three inputs "
             "and add the three percentages.")


# ---- exercise 5: predict a policy's chance ---------------------------------------------------------
def predicted_policy_chance() -> float:
    """The share of worlds (percent) in which exercise 5's policy beats today's path."""
    return chance_beats_today(PREDICT_POLICY) * 100


@EXERCISES.add("06-ex5")
def exercise_5() -> PredictQuestion:
    """Exercise 5: predict how often the ring-fence beats today's path; any share is fine."""
    return PredictQuestion(
        "06-ex5", predicted_policy_chance, unit="%", kind="percent", minimum=0, maximum=100,
        reflection="The table below now shows every policy.")


# ---- exercise 6: the robust choice ------------------------------------------------------------------
def robust_choices() -> dict[str, str]:
    """Three candidate answers, each a policy and a reason (built from the runs)."""
    robust, best = robust_policy(), best_policy_under_defaults()
    table = robustness_table()
    likeliest = table.drop(index="base")["chance_beats_baseline"].idxmax()
    if likeliest in (robust, best):
        likeliest = "transition_fund" if "transition_fund" not in (robust, best) else "ring_fence_today"
    return {
        "A": f"{policy_title(best)}: it leaves the fewest children in late intervention under the "
             "model's defaults.",
        "B": f"{policy_title(robust)}: in every world it stays close to the best policy for that "
             "world (its largest regret is the smallest).",
        "C": f"{policy_title(likeliest)}: it beats today's path in more worlds than most.",
    }


@EXERCISES.add("06-ex6")
def exercise_6() -> ChoiceQuestion:
    """Exercise 6: pick the robust policy and say why; B is right by construction of the choices."""
    return ChoiceQuestion(
        "06-ex6", robust_choices(), correct="B",
        praise="A robust choice is one you will not badly regret, whichever world turns out to be "
               "true. It need not be best under the defaults, nor in any single world.",
        reasons={"A": "the defaults are one world among many; look at how that policy does across "
                      "the others (its worst plausible outcome and largest regret).",
                 "C": "beating today's path often is good, but by how much? Compare its median and "
                      "largest regret with the others."},
        hint="Look at the 'Largest regret' column: a small largest regret means you are never far "
             "from the best.")


# ---- exercise 7: posts that put 9 worlds in 10 on the good side --------------------------------------
def _judge_posts(posts: float) -> CheckResult:
    if posts != int(posts) or posts < 0:
        return CheckResult(False, "Funded posts here are whole posts per 100,000: type a whole "
                                  "number, like 150.")
    most = int(load_model(CAMHS).parameters.loc["funded_posts_per_100k", "max"])
    if posts > most:
        return CheckResult(False, f"The model allows at most {most} funded posts per 100,000: that is "
                                  "far more than needed. Try fewer.")
    share = good_state_share(posts)
    said = f"With {posts:,.0f} funded posts, {share * 100:.0f}% of the worlds end in the good state"
    if share < TARGET_SHARE:
        return CheckResult(False, f"{said}: fewer than 9 in 10. Try more posts.")
    if posts > posts_for_target():
        return CheckResult(False, f"{said}, so it reaches 9 in 10, but fewer posts would do it too. "
                                  "Try fewer.")
    return CheckResult(True, f"{said}, and one post fewer would not reach 9 in 10.")


@EXERCISES.add("06-ex7")
def exercise_7() -> NumberQuestion:
    """Exercise 7: the fewest whole funded posts per 100,000 putting 90% of worlds in the good state."""
    return NumberQuestion(
        "06-ex7", posts_for_target, unit="posts per 100,000", judge=_judge_posts,
        hint=f"Use the posts tool above: start from today's {todays_posts()} and move the slider "
             "up until 9 worlds in 10 end in the good state, then come down one at a time.")


reflect_data = EXERCISES.reflection(
    "06-reflect-data",
    "The sensitivity charts say which unknowns matter most. Which one could your area measure "
    "better, how, and who holds the data?")
reflect_board = EXERCISES.reflection(
    "06-reflect-board",
    "How would you explain the fan chart to a board in two sentences, without saying "
    "'90% confidence'?")
progress = EXERCISES.progress
