"""Module 03's feedback loops: the six named loops, as a table for people and as diagrams drawn
from the model's equations, and how many loops a search of the equations finds.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pandas as pd
from IPython.display import Markdown, display

from ...analysis.diagram import CausalDiagram
from ...charts.tables import Column, PeopleTable, people_table
from ...models import Model, load_model
from .runs import MODEL

# The model's main feedback loops (also named in the comments of camhs_system.mdl).
LOOPS: dict[str, tuple[str, str, str]] = {
    # code: (name, polarity, the loop in words)
    "R1": ("deterioration", "reinforcing",
           "longer waits → more children become severe → more clinical hours per case → "
           "fewer treatment starts → longer waits"),
    "R2": ("burnout", "reinforcing",
           "longer waits → more pressure on clinicians → more leave → fewer treatment starts → "
           "longer waits"),
    "R3": ("relapse and return", "reinforcing (weak)",
           "more treatment → more discharges → some re-referred → more waiting → more treatment"),
    "B1": ("closures hide demand", "balancing",
           "longer waits → more referrals closed before treatment → shorter list (need unchanged)"),
    "B2": ("treatment drains the list", "balancing",
           "more children waiting → more treatment starts (up to capacity) → fewer waiting"),
    "B3": ("hiring replaces leavers", "balancing",
           "fewer clinicians → more vacancies → more recruitment → after the hiring delay, more "
           "clinicians"),
}
#: The loop exercise 1 asks about: its polarity stays hidden until the exercise is done.
ASKED_LOOP = "R2"

# The variables round each named loop (labels as in the model file), so a loop finder's output
# can be matched to the names above.
LOOP_VARIABLES: dict[str, set[str]] = {
    "R1": {"Severe waiting list", "Severe share of waiting list", "Average hours per case",
           "Treatment starts", "Average wait", "Deterioration"},
    "R2": {"Clinicians", "Clinical hours available", "Treatment starts", "Average wait",
           "Clinicians leaving"},
    "R3": {"Mild waiting list", "Waiting list", "Treatment starts", "Mild treatment starts",
           "In treatment", "Discharges", "Recently discharged", "Re referrals"},
    "B1": {"Mild waiting list", "Waiting list", "Average wait", "Mild closures"},
    "B2": {"Mild waiting list", "Waiting list", "Treatment starts", "Mild treatment starts"},
    "B3": {"Clinicians", "Recruitment started", "Clinicians in recruitment", "Clinicians joining"},
}


# ---- the loops as a table ------------------------------------------------------------------------
def loops_table() -> pd.DataFrame:
    """The model's main loops: code, name, polarity and the chain of causes."""
    rows = [(code, name, polarity, words) for code, (name, polarity, words) in LOOPS.items()]
    return pd.DataFrame(rows, columns=["loop", "name", "polarity", "how it works"]).set_index("loop")


def loops_people_table(reveal: bool) -> PeopleTable:
    """The main loops for people; the asked loop's polarity shows only with `reveal`."""
    table = loops_table()
    table["name"] = [name.capitalize() for name in table["name"]]
    if not reveal:
        table.loc[ASKED_LOOP, "polarity"] = "? (your turn: exercise 1)"
    return people_table(table, {"name": Column("Loop", "text"), "polarity": Column("Polarity", "text"),
                                "how it works": Column("How it works", "text")})

# ---- the loops as diagrams, drawn from the model's equations -------------------------------------
@lru_cache(maxsize=1)
def _model_diagram() -> CausalDiagram:
    from ...analysis.graph import model_diagram

    return model_diagram(load_model(MODEL))


def loop_diagram(code: str, reveal: bool = True) -> CausalDiagram:
    """One named loop of the model, drawn from its equations: only the links round the loop.

    Each link shows the direction it acts in when it acts (some act only when waits are long).
    With `reveal` False the title leaves out the loop's polarity (for exercise 1).
    """
    from ...analysis.loops import find_loops

    if code not in LOOPS:
        raise ValueError(f"Unknown loop {code!r}; the loops are {', '.join(LOOPS)}.")
    whole = _model_diagram()
    found = find_loops(whole)
    match = found[found["variables"].apply(lambda names: set(names) == LOOP_VARIABLES[code])]
    if len(match) != 1:
        raise RuntimeError(f"The model file no longer has the {LOOPS[code][0]} loop.")
    key_of = {label: key for key, label in whole.labels.items()}
    keys = [key_of[label] for label in match["variables"].iloc[0]]
    pairs = set(zip(keys, keys[1:] + keys[:1]))
    links = [replace(link, uncertain=False, note="") for link in whole.links
             if (link.source, link.target) in pairs]
    name, polarity, _ = LOOPS[code]
    kind = f"a weak {polarity.split()[0]}" if "weak" in polarity else f"a {polarity}"
    title = f"{name.capitalize()}: " + (f"{kind} loop" if reveal else "which kind of loop?")
    return CausalDiagram(links, {k: whole.labels[k] for k in keys}, {k: whole.kinds[k] for k in keys},
                         {k: whole.units[k] for k in keys}, title=title)


def loop_markdown(code: str, reveal: bool = True) -> str:
    """Markdown for one loop: its title, diagram (top to bottom, so the text stays large) and key."""
    from ...charts.diagrams import legend, to_mermaid

    diagram = loop_diagram(code, reveal)
    return (f"**{diagram.title}**: {LOOPS[code][2]}.\n\n```mermaid\n"
            f"{to_mermaid(diagram, direction='TB', units=False)}\n```\n\n{legend(diagram)}")


def show_loops(*codes: str, reveal: bool = True) -> None:
    """Draw the named loops one under another (e.g. `show_loops("R1", "B1")`)."""
    for code in codes:
        display(Markdown(loop_markdown(code, reveal)))


def loop_count_in_words(model: Model) -> Markdown:
    """How many loops a search of the model's equations finds, in a sentence."""
    from ...analysis.loops import find_loops

    found = find_loops(model)
    reinforcing, balancing = int((found["polarity"] == "R").sum()), int((found["polarity"] == "B").sum())
    return Markdown(f"A search of the equations finds {len(found)} loops: {reinforcing} reinforcing "
                    f"and {balancing} balancing.")
