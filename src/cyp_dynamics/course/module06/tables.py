"""Module 06's tables and sentences for people: the uncertain inputs and where their ranges come
from, the calibration's trade-off, the bands at the end, the policies across the worlds, and the
tipping point. Figures are computed, never typed.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from ...charts.tables import Column, PeopleTable, people_table
from ..module03.calibration import national_calibration
from ..module03.tables import figure_in_words
from .charts import input_label, unit_words
from .inputs import (CAMHS, CAMHS_WORLDS, KINDS, PREVENTION, PREVENTION_WORLDS, camhs_inputs,
                     prevention_inputs)
from .runs import (SOBOL_KEEP, best_policy_under_defaults, camhs_at_end, default_outcomes,
                   morris_table, policy_results, policy_title, robust_policy, robustness_table,
                   sobol_table, todays_posts)

STRONG_CORRELATION = 0.5  # a trade-off worth a sentence


def number_in_words(value: float) -> str:
    """A range's end as people read it; a value too small to matter is 0, never 7e-08."""
    return "0" if abs(value) < 1e-3 else figure_in_words(value)


KIND_SHORT = {"calibration": "Calibration (module 03): fitted ± 2 standard errors",
              "loose": "Fitted but not pinned down: half to 1.5 × fitted", "cited": "Cited figure ± 20% (assumed margin)",
              "assumption": "Assumption: half to 1.5 × default"}


def kinds_in_words() -> Markdown:
    """The kinds of range, as a list."""
    return Markdown("\n".join(f"* {text}." for text in KINDS.values()))


def inputs_table(which: str = "camhs") -> PeopleTable:
    """The uncertain inputs: low, central and high values, unit, and where the range comes from."""
    inputs, model_name = (camhs_inputs(), CAMHS) if which == "camhs" else (prevention_inputs(), PREVENTION)
    rows = pd.DataFrame({
        "input": [input_label(u.name, model_name) for u in inputs],
        "low": [number_in_words(u.low) for u in inputs],
        "central": [number_in_words(u.central) for u in inputs],
        "high": [number_in_words(u.high) for u in inputs],
        "unit": [unit_words(u.name, model_name) or "(no unit)" for u in inputs],
        "kind": [KIND_SHORT[u.kind] for u in inputs]})
    return people_table(rows, {"input": Column("Input", "text"), "low": Column("Lowest", "text"),
                               "central": Column("Central", "text"), "high": Column("Highest", "text"),
                               "unit": Column("Unit", "text"),
                               "kind": Column("Where the range comes from", "text")})


def trade_off_sentence() -> Markdown:
    """What the calibration pins down, its strongest trade-off, and what it cannot pin down."""
    inputs = camhs_inputs()
    pinned = [u.name for u in inputs if u.kind == "calibration"]
    loose = [input_label(u.name).lower() for u in inputs if u.kind == "loose"]
    sentences = []
    correlations = national_calibration().correlations
    pairs = [(abs(correlations.loc[a, b]), a, b) for i, a in enumerate(pinned) for b in pinned[i + 1:]]
    strongest = max(pairs) if pairs else None
    if strongest is not None and strongest[0] >= STRONG_CORRELATION:
        _, first, second = strongest
        value = float(correlations.loc[first, second])
        direction = "one is high when the other is low" if value < 0 else "they rise and fall together"
        sentences.append(
            f"In module 03's fit, the estimates of **{input_label(first).lower()}** and "
            f"**{input_label(second).lower()}** have a correlation of **{value:+.2f}**: the figures "
            f"fit almost as well if {direction}. So the fan chart draws them together, keeping that "
            "trade-off, rather than each on its own.")
    elif pinned:
        sentences.append("The inputs module 03's fit pins down barely trade off against each other, "
                         "so drawing them together or one by one gives much the same worlds.")
    if loose:
        listed = ", ".join(loose[:-1]) + (" and " if len(loose) > 1 else "") + loose[-1]
        sentences.append(
            f"The figures could not pin down {listed}: each standard error is as large as the "
            "value itself. Their ranges are therefore an assumption around the fitted value, and "
            "the table says so.")
    return Markdown(" ".join(sentences) or "Module 03's fit pins down none of its inputs.")


def end_of_fan_sentence() -> Markdown:
    """The median and 50% band of the waiting list in April 2027 (not the 90% band: exercise 2)."""
    end = camhs_at_end()
    return Markdown(
        f"In April 2027 the median of the {CAMHS_WORLDS:,} runs is **{end.median():,.0f} children "
        f"waiting per 100,000**, and the middle half of the runs lie between {end.quantile(0.25):,.0f} "
        f"and {end.quantile(0.75):,.0f}.")


def screening_sentence() -> Markdown:
    """Which inputs screening keeps and which it sets aside, in words."""
    table = morris_table()
    kept = [input_label(n).lower() for n in table.index[:SOBOL_KEEP]]
    dropped = len(table) - SOBOL_KEEP
    return Markdown(
        f"Screening keeps the {SOBOL_KEEP} inputs with the longest bars ({', '.join(kept)}) and holds "
        f"the other {dropped} at their central values for the next step. It used "
        f"{table.attrs['runs']:,} runs.")


def sobol_people_table() -> PeopleTable:
    """Sobol indices in words: share on its own and with interactions, with their uncertainty."""
    table = sobol_table().copy()
    table["input"] = [input_label(n) for n in table.index]
    for column in ("first_order", "total", "first_order_conf", "total_conf"):
        table[column] = table[column].clip(lower=0) * 100
    return people_table(table, {"input": Column("Input", "text"),
                                "first_order": Column("Share on its own", 0, suffix="%"),
                                "total": Column("Share with interactions", 0, suffix="%"),
                                "total_conf": Column("± (95% confidence)", 0, suffix="%")})


def robustness_people_table() -> PeopleTable:
    """Each policy across the worlds: chance it beats today's path, median, worst plausible, regret."""
    table = robustness_table().copy()
    defaults = default_outcomes()
    table["title"] = [policy_title(n) for n in table.index]
    table["chance"] = [("–" if n == "base" else f"{v * 100:.0f}%")
                       for n, v in table["chance_beats_baseline"].items()]
    table["default"] = [defaults[n] for n in table.index]
    table["note"] = ["robust choice" if r else "" for r in table["robust"]]
    best = best_policy_under_defaults()
    table.loc[best, "note"] = (table.loc[best, "note"] + "; " if table.loc[best, "note"] else "") + \
        "best under the defaults"
    return people_table(table, {
        "title": Column("Policy", "text"), "chance": Column("Beats today's path in", "text"),
        "default": Column("Under the defaults", 0), "median": Column("Median world", 0),
        "worst_plausible": Column("Worst plausible (1 world in 20 is worse)", 0),
        "max_regret": Column("Largest regret", 0), "note": Column("", "text")},
        caption=f"Children in late intervention after 30 years, across {PREVENTION_WORLDS:,} worlds "
                "(fewer is better)")


def policy_worlds_sentence() -> Markdown:
    """How many runs the policy comparison used, in a sentence."""
    children, _ = policy_results()
    return Markdown(f"Each of the {children.shape[1]} policies (today's path included) met the same "
                    f"{children.shape[0]:,} worlds: {children.size:,} runs of 30 years.")


def robust_versus_default() -> Markdown:
    """The robust choice against the choice under the defaults, in two sentences (after exercise 6)."""
    robust, best = robust_policy(), best_policy_under_defaults()
    table = robustness_table()
    if robust == best:
        return Markdown(f"Here the robust choice and the best choice under the defaults agree: "
                        f"**{policy_title(robust)}**.")
    return Markdown(
        f"Under the model's defaults alone, **{policy_title(best)}** looks best. Across the worlds it "
        f"beats today's path in only {table.loc[best, 'chance_beats_baseline'] * 100:.0f}% of them, "
        f"and its largest regret is {table.loc[best, 'max_regret']:,.0f} children. "
        f"**{policy_title(robust)}** is never far from the best in any world (largest regret "
        f"{table.loc[robust, 'max_regret']:,.0f}).")


def posts_in_words() -> Markdown:
    """Today's funded posts per 100,000, in a sentence."""
    return Markdown(f"Today's service has **{todays_posts()} funded posts per 100,000 children** "
                    "(the model's default).")
