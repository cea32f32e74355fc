"""Module 07's tables, diagrams and charts for the page (no answer shown before it is earned)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from ...analysis.scenarios import load_scenarios
from ...charts import DASHES, PALETTE, alt
from ...charts.diagrams import diagram_markdown
from ...charts.tables import Column, dataset_table, people_table
from ...data import load_dataset
from ...models import load_model
from ..exercises import after_solving
from . import worked


def local_table():
    """The sub-region's and England's published rows, as people read them."""
    rows = load_dataset(worked.DATASET)
    chosen = rows[rows["geography"].isin([worked.PLACE, "England"])]
    return dataset_table(chosen)


def groups_table():
    """Who took part (after suppression of small groups)."""
    return people_table(worked.voice().groups, {
        "session": Column("Session", "text"), "group": Column("Group", "text"),
        "date": Column("Date", "text"), "participants": Column("People", 0),
        "age_band": Column("Ages", "text"), "guardian_consent_recorded": Column("Guardian consent on record", "text")})


def quote_records_table():
    """Each quote record's flags and its group's size; not whether it may be shown."""
    voice = worked.voice()
    rows = [{"quote": q.quote_id, "group": q.group, "age_band": q.age_band,
             "session": q.session or "(none)", "consent": "yes" if q.consent else "no",
             "guardian": "yes" if q.guardian_consent else "no",
             "size": q.group_size if q.group_size is not None else float("nan")} for q in voice.quotes]
    return people_table(pd.DataFrame(rows), {
        "quote": Column("Record", "text"), "group": Column("Group", "text"),
        "age_band": Column("Ages", "text"), "session": Column("Session", "text"),
        "consent": Column("Consent to quote", "text"), "guardian": Column("Guardian consent", "text"),
        "size": Column("People in the group", 0)})


def votes_table():
    """Dots per priority, most first."""
    return people_table(worked.voice().priorities(), {
        "priority": Column("Priority", "text"), "dots": Column("Dots", 0),
        "groups": Column("Groups voting", 0)})


def assets_table():
    """Local assets the groups named, with the model input each bears on."""
    return people_table(worked.voice().assets, {
        "asset": Column("Asset", "text"), "kind": Column("Kind", "text"),
        "offers": Column("Offers", "text"), "related_model_input": Column("Bears on", "text")})


def voice_diagram() -> Markdown:
    """The merged causal loop diagram, without its loop list (exercise 4 asks about the loops)."""
    diagram, _ = worked.voice().diagram()
    return Markdown(diagram_markdown(diagram, loops=False))


def provenance_table():
    """Each merged link with the groups that drew it."""
    _, provenance = worked.voice().diagram()
    return people_table(provenance, {"link": Column("Link", "text"),
                                     "polarity": Column("Direction", "text"),
                                     "drawn_by": Column("Drawn by (session: group)", "text")})


def loops_after_solving():
    """The loops, named, once exercise 4 is done."""
    def show(solved: bool):
        if not solved:
            return None
        loops = worked.voice().loops()
        loops = loops.assign(kind=loops["polarity"].map({"R": "reinforcing", "B": "balancing", "?": "unknown"}))
        return people_table(loops, {"loop": Column("Loop", "text"), "kind": Column("Kind", "text"),
                                    "name": Column("Round the loop", "text")})
    return after_solving("07-ex4", show, waiting="The loops, named, appear here once you have answered exercise 4.")


KEY = alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400, labelLimit=400)


def reference_mode_chart() -> alt.Chart:
    """The patterns the groups drew (0-10 scale), one line each, by colour and dash."""
    modes = worked.voice().reference_modes
    modes = modes.assign(line=modes["variable"] + " (" + modes["group"] + ")")
    names = list(dict.fromkeys(modes["line"]))[:4]
    described = "; ".join(
        f"{n}: {modes[modes['line'] == n]['level'].iloc[0]:g} in {modes[modes['line'] == n]['year'].iloc[0]:.0f}, "
        f"{modes[modes['line'] == n]['level'].iloc[-1]:g} in {modes[modes['line'] == n]['year'].iloc[-1]:.0f}"
        for n in names)
    return alt.Chart(modes[modes["line"].isin(names)]).mark_line(point=True).encode(
        x=alt.X("year:Q", title="Year", axis=alt.Axis(format="d")),
        y=alt.Y("level:Q", title="Height of the drawn line (0 low, 10 high)", scale=alt.Scale(domain=[0, 10])),
        color=alt.Color("line:N", title="Drawn by the group", legend=KEY,
                        scale=alt.Scale(domain=names, range=PALETTE[:len(names)])),
        strokeDash=alt.StrokeDash("line:N", title="Drawn by the group", legend=KEY,
                                  scale=alt.Scale(domain=names, range=DASHES[:len(names)])),
        tooltip=[alt.Tooltip("line:N", title="Pattern"), alt.Tooltip("year:Q", title="Year", format="d"),
                 alt.Tooltip("level:Q", title="Level (0-10)")],
    ).properties(width=560, height=220,
                 title=alt.Title("Patterns over time drawn by the groups (synthetic example)", limit=560),
                 description=f"Line chart of patterns drawn by groups on a 0 to 10 scale. {described}.")


def scenarios_table():
    """The poverty model's scenario file: each policy in words."""
    model = load_model(worked.MODEL)
    table = load_scenarios(worked.MODEL, model).table()
    table = table[table["name"].isin(worked.SCENARIOS)]
    return people_table(table, {"title": Column("Scenario", "text"),
                                "description": Column("What it changes", "text")})


def start_table():
    """The model inputs set from the place's figures, in words."""
    from ...charts.words import name_in_words

    model = load_model(worked.MODEL)
    how = {f"{worked.SLOT}_children": "derived: children in low-income families ÷ their share",
           f"{worked.SLOT}_initial_poverty_share": "the published share, as a fraction",
           f"{worked.SLOT}_poverty_entry_rate": "matched: the model passes through the published share"}
    rows = [{"input": name_in_words(k).replace("Inner city", "Place:"),
             "value": f"{v:,.0f}" if v >= 100 else f"{v:.3f}",
             "unit": {"children": "children", "Dmnl": "share (0 to 1)", "1/Year": "share a year"}.get(
                 model.parameters.loc[k, "unit"], model.parameters.loc[k, "unit"]),
             "how": how.get(k, "")} for k, v in worked.start().items()]
    return people_table(pd.DataFrame(rows), {"input": Column("Model input", "text"),
                                             "value": Column("Set to", "text"), "unit": Column("Unit", "text"),
                                             "how": Column("Where it comes from", "text")})


def reference_mode_comparison():
    """Each drawn pattern beside the model's run with no new policy: direction of each."""
    from ...data.voice import compare_reference_mode

    model = load_model(worked.MODEL)
    run = model.run(worked.start())
    voice = worked.voice()
    rows = []
    for variable, output in {"money worries at home": worked.PRIORITY_OUTPUTS["children in poverty"]}.items():
        mode = voice.reference_modes[voice.reference_modes["variable"] == variable]
        result = compare_reference_mode(mode, run[output])
        rows.append({"drawn": f"{variable} ({mode['group'].iloc[0]})",
                     "output": f"share of children in poverty, {worked.PLACE}",
                     "drawn_way": result["drawn"], "model_way": result["model"], "agree": result["agree"]})
    return people_table(pd.DataFrame(rows), {
        "drawn": Column("Drawn pattern", "text"), "output": Column("Compared with", "text"),
        "drawn_way": Column("Drawn", "text"), "model_way": Column("Model (no new policy)", "text"),
        "agree": Column("Same direction?", "text")})
