"""Module 06's charts: two fan charts, the screening and Sobol charts a commissioner can read, the
net present cost of each policy with bands, and the tipping point across worlds.

Every chart has a title, axis titles with units in words, and a description for screen readers;
none states an exercise's answer in its text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...charts import alt
from ...charts.fan import fan_chart
from ...charts.words import unit_in_words
from ...models import load_model
from ..module04.charts import YEARS_AXIS
from .inputs import CAMHS, CAMHS_WORLDS, FIRST_YEAR_CAMHS, KINDS, PREVENTION, camhs_inputs
from .runs import (POLICY_METRIC, TARGET_SHARE, camhs_ensemble, camhs_fitted_run, morris_table,
                   policies, policy_results, policy_title, prevention_base_ensemble, sobol_table,
                   tipping_table)

KIND_WORDS = {"calibration": "Calibrated (module 03)", "loose": "Fitted, not pinned down",
              "cited": "Cited figure", "assumption": "Assumption"}
KIND_COLOURS = {"Calibrated (module 03)": "#0072B2", "Fitted, not pinned down": "#56B4E9",
                "Cited figure": "#009E73", "Assumption": "#E69F00"}


def input_label(name: str, model_name: str = CAMHS) -> str:
    """An input's label in words: 'Re referral share' -> 'Re-referral share'; '100k' -> '100,000'."""
    label = str(load_model(model_name).parameters.loc[name, "label"])
    return label.replace("Re referral", "Re-referral").replace("100k", "100,000")


# ---- fan charts ---------------------------------------------------------------------------------
def camhs_fan_chart() -> Any:
    """The waiting list per 100,000 in every plausible world, April 2017 to April 2027."""
    fitted = camhs_fitted_run()["waiting_list"]
    return fan_chart(
        camhs_ensemble(), "waiting_list", fitted,
        title="Children waiting per 100,000: many plausible worlds",
        subtitle=f"{CAMHS_WORLDS:,} runs of the fitted CAMHS model; hover for the bands' values",
        y_title="Children waiting (per 100,000 children)", start_year=FIRST_YEAR_CAMHS,
        steps_per_year=12, default_label="Fitted run (module 03's calibrated values)",
        description=(f"Fan chart of children waiting per 100,000 children from April 2017 to April "
                     f"2027, from {CAMHS_WORLDS:,} runs of the CAMHS model with uncertain inputs. "
                     "Shaded bands hold the middle 50% and 90% of the runs; a dashed line is their "
                     "median and a solid line the fitted run. The bands start narrow and widen "
                     "year by year. Hover over the chart for the values at each month."))


def prevention_fan_chart() -> Any:
    """Children in late intervention on today's path in every plausible world, 30 years."""
    model = load_model(PREVENTION)
    default = model.run(months=30)[POLICY_METRIC]
    result = prevention_base_ensemble()
    return fan_chart(
        result, POLICY_METRIC, default,
        title="Children in late intervention on today's path",
        subtitle=f"{result.index.get_level_values(0).nunique():,} runs with the illustrative "
                 "inputs varied; hover for values",
        y_title="Children in late intervention (children)", time_title=YEARS_AXIS,
        default_label="Default run (the model's own values)")


# ---- which unknowns matter ------------------------------------------------------------------------
def _kinds() -> dict[str, str]:
    return {u.name: KIND_WORDS[u.kind] for u in camhs_inputs()}


def morris_chart() -> Any:
    """Morris screening: each input's average effect on the waiting list in April 2027."""
    table = morris_table().reset_index()
    kinds = _kinds()
    table["input"] = [input_label(n) for n in table["parameter"]]
    table["kind"] = [kinds[n] for n in table["parameter"]]
    order = list(table["input"])
    top = ", ".join(order[:3])
    return alt.Chart(table).mark_bar().encode(
        y=alt.Y("input:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("mu_star:Q", title="Average change from one step in the input (children per 100,000)",
                axis=alt.Axis(format=",~s", titleLimit=520)),
        color=alt.Color("kind:N", title="Where the range comes from",
                        scale=alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", labelLimit=300)),
        tooltip=[alt.Tooltip("input:N", title="Input"), alt.Tooltip("kind:N", title="Range from"),
                 alt.Tooltip("mu_star:Q", title="Average change (children per 100,000)", format=",.0f")],
    ).properties(
        width=420, height=alt.Step(18),
        title=alt.Title("Screening: which inputs move the waiting list in April 2027?",
                        subtitle=f"Morris method, {morris_table().attrs['runs']:,} runs; longer bar, "
                                 "bigger effect", limit=600),
        description=(f"Bar chart of {len(table)} uncertain inputs ranked by the Morris method's "
                     f"average effect on children waiting per 100,000 in April 2027, largest first: "
                     f"{top} lead. Colours show where each input's range comes from."))


def sobol_chart() -> Any:
    """Sobol indices of the screened inputs: the share of the spread each explains, in percent."""
    table = sobol_table().reset_index()
    kinds = _kinds()
    table["input"] = [input_label(n) for n in table["parameter"]]
    table["kind"] = [kinds[n] for n in table["parameter"]]
    table["alone"] = table["first_order"].clip(lower=0) * 100
    table["with_others"] = table["total"].clip(lower=0) * 100
    words = {"with_others": "With its interactions (total)", "alone": "On its own (first order)"}
    shown = table[["input", "kind", "alone", "with_others"]]
    long = pd.concat([shown.assign(measure=words[column], percent=shown[column]) for column in words],
                     ignore_index=True)
    order = list(table["input"])
    colour = alt.Color("measure:N", title="Share explained", sort=list(words.values()),
                       scale=alt.Scale(domain=list(words.values()), range=["#9ECAE1", "#08519C"]),
                       legend=alt.Legend(orient="bottom", labelLimit=300))
    y = alt.Y("input:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    x = alt.X("percent:Q", title="Share of the spread in the waiting list (%)",
              scale=alt.Scale(domain=[0, 100]))
    tips = [alt.Tooltip("input:N", title="Input"), alt.Tooltip("kind:N", title="Range from"),
            alt.Tooltip("alone:Q", title="On its own (%)", format=".1f"),
            alt.Tooltip("with_others:Q", title="With its interactions (%)", format=".1f")]
    # the dark bar (on its own) drawn thinner inside the light one (with interactions)
    wide = alt.Chart(long[long["measure"] == words["with_others"]]).mark_bar(size=18).encode(
        y=y, x=x, color=colour, tooltip=tips)
    thin = alt.Chart(long[long["measure"] == words["alone"]]).mark_bar(size=8).encode(
        y=y, x=x, color=colour, tooltip=tips)
    return alt.layer(wide, thin).properties(
        width=420, height=alt.Step(28),
        title=alt.Title("Which unknowns drive the spread in April 2027?",
                        subtitle=f"Sobol indices, {sobol_table().attrs['runs']:,} runs; hover for "
                                 "the values", limit=600),
        description=(f"Bar chart of the {len(table)} inputs that survived screening, ranked by the "
                     "share of the spread in children waiting per 100,000 in April 2027 that each "
                     f"explains, with and without its interactions; {order[0]} is first. Hover for "
                     "each input's values."))


# ---- policies ------------------------------------------------------------------------------------
def cost_band_chart() -> Any:
    """Net present cost over 30 years of each policy across the worlds: median, 50% and 90% bands."""
    costs = policy_results()[1]
    rows = []
    for name in costs.columns:
        values = costs[name]
        rows.append({"policy": policy_title(name), "median": values.median(),
                     "low_90": values.quantile(0.05), "high_90": values.quantile(0.95),
                     "low_50": values.quantile(0.25), "high_50": values.quantile(0.75)})
    table = pd.DataFrame(rows)
    order = list(table["policy"])
    y = alt.Y("policy:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    x_title = "Net present cost over 30 years (£ million)"
    tips = [alt.Tooltip("policy:N", title="Policy"), alt.Tooltip("median:Q", title="Median (£m)", format=",.0f"),
            alt.Tooltip("low_50:Q", title="50% band, low (£m)", format=",.0f"),
            alt.Tooltip("high_50:Q", title="50% band, high (£m)", format=",.0f"),
            alt.Tooltip("low_90:Q", title="90% band, low (£m)", format=",.0f"),
            alt.Tooltip("high_90:Q", title="90% band, high (£m)", format=",.0f")]
    base = alt.Chart(table)
    wide = base.mark_rule(strokeWidth=4, color="#9ECAE1").encode(
        y=y, x=alt.X("low_90:Q", title=x_title, scale=alt.Scale(zero=False)), x2="high_90:Q", tooltip=tips)
    narrow = base.mark_rule(strokeWidth=12, color="#3182BD").encode(y=y, x="low_50:Q", x2="high_50:Q",
                                                                    tooltip=tips)
    middle = base.mark_tick(color="black", thickness=3, size=18).encode(y=y, x="median:Q", tooltip=tips)
    return alt.layer(wide, narrow, middle).properties(
        width=380, height=alt.Step(34),
        title=alt.Title("Net present cost of each policy across the worlds",
                        subtitle="Thin bar: middle 90% of worlds; thick bar: middle 50%; tick: median",
                        limit=600),
        description=(f"For each of {len(table)} policies, the net present cost over 30 years in £ "
                     "million across the plausible worlds, drawn as a thin bar for the middle 90%, a "
                     "thick bar for the middle 50% and a tick at the median. Hover for values."))


# ---- tipping points --------------------------------------------------------------------------------
def tipping_chart() -> Any:
    """The share of worlds ending in the good state, for today's funded posts and more."""
    table = tipping_table()
    table["percent"] = table["share"] * 100
    line = alt.Chart(table).mark_line(point=alt.OverlayMarkDef(size=80, filled=True)).encode(
        x=alt.X("posts:Q", title="Funded posts (full-time staff per 100,000 children)",
                scale=alt.Scale(zero=False), axis=alt.Axis(format="d", titleLimit=520)),
        y=alt.Y("percent:Q", title="Worlds ending in the good state (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("posts:Q", title="Funded posts per 100,000", format="d"),
                 alt.Tooltip("percent:Q", title="Worlds in the good state (%)", format=".0f")])
    target = alt.Chart(pd.DataFrame({"y": [TARGET_SHARE * 100]})).mark_rule(
        color="black", strokeDash=[2, 3]).encode(y="y:Q")
    reaches = bool((table["share"] >= TARGET_SHARE).any())
    ending = ("reaches the dotted line at 9 worlds in 10 within the range shown." if reaches else
              "stays below the dotted line at 9 worlds in 10 across the range shown.")
    return alt.layer(line, target).properties(
        width=480, height=220,
        title=alt.Title("More posts, more worlds on the good side", limit=560,
                        subtitle="Share of plausible worlds that end with a short list; dotted line: 9 in 10"),
        description=("Line chart: for today's funded posts and five steps of ten more, the share of "
                     "plausible worlds in which the service, starting from today's mix of cases, ends "
                     "in the good state after 20 years. The share rises with posts and " + ending))


def kind_in_words(kind: str) -> str:
    """Where a range comes from, in a sentence."""
    return KINDS[kind]


def unit_words(name: str, model_name: str = CAMHS) -> str:
    """An input's unit in words ('share a month'), '' for none."""
    return unit_in_words(str(load_model(model_name).parameters.loc[name, "unit"]))


__all__ = ["camhs_fan_chart", "cost_band_chart", "input_label", "kind_in_words", "morris_chart",
           "prevention_fan_chart", "sobol_chart", "tipping_chart", "unit_words", "policies"]
