"""Diagrams, mystery graphs and exercise checks for module 01, thinking in systems.

Each `check_...` function takes a trainee's answer, shows feedback (never raising) and returns a
`CheckResult`. Right answers are computed with the library's own loop finder and models, never
typed in, so they follow the diagrams and model files if those are revised.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.checks import CheckResult
from ..analysis.diagram import causal_diagram
from ..analysis.loops import find_loops
from ..models import load_model
from .feedback import give_feedback, is_unanswered

if TYPE_CHECKING:
    import altair as alt

# ---- the diagram built step by step in the notebook -----------------------------------------
SERVICE_LINKS = """\
children struggling -> referrals (+)
referrals -> waiting list (+)
waiting list -> average wait (+)
average wait -> closures before treatment (+)
closures before treatment -> waiting list (-)
"""
WAITING_MAKES_THINGS_WORSE = "average wait -> children struggling (+, delay)\n"
YOUTH_THEMES = """\
# themes young people raised in a rural area
rural isolation -> loneliness (+)
access to work or training -> loneliness (-)
loneliness -> children struggling (+)
# themes young people raised in an inner-city borough
racism, discrimination and violence -> feeling safe (-)
feeling safe -> use of positive activities (+)
use of positive activities -> children struggling (-)
"""
LOCAL_SYSTEM = SERVICE_LINKS + WAITING_MAKES_THINGS_WORSE + YOUTH_THEMES

# ---- exercise 2: a loop to classify ----------------------------------------------------------
CRISIS_LOOP = """\
average wait -> difficulties getting worse (+, delay)
difficulties getting worse -> crisis contacts (+)
crisis contacts -> clinician time for planned care (-)
clinician time for planned care -> average wait (-)
"""

# ---- exercise 5: mystery graphs --------------------------------------------------------------
ARCHETYPES = {  # archetype -> (course model, outputs shown as line 1 and line 2)
    "success to the successful": ("archetype_success_to_the_successful",
                                  ["youth_workers_in_a", "youth_workers_in_b"]),
    "limits to growth": ("archetype_limits_to_growth", ["children_supported"]),
    "shifting the burden": ("archetype_shifting_the_burden", ["early_help_capacity", "crisis_spending"]),
    "eroding goals": ("archetype_eroding_goals", ["acceptable_wait", "expected_wait"]),
    "fixes that fail": ("archetype_fixes_that_fail", ["waiting_for_assessment"]),
}
MYSTERY_ORDER = ["success to the successful", "limits to growth", "shifting the burden",
                 "eroding goals", "fixes that fail"]
MYSTERY_LETTERS = dict(zip("ABCDE", MYSTERY_ORDER))
KEYWORDS = {"fixes": "fixes that fail", "burden": "shifting the burden", "shifting": "shifting the burden",
            "limit": "limits to growth", "growth": "limits to growth", "success": "success to the successful",
            "eroding": "eroding goals", "goal": "eroding goals"}


def mystery_graphs() -> pd.DataFrame:
    """Each mystery graph's lines as a percentage of their starting value, by month."""
    rows = []
    for letter, archetype in MYSTERY_LETTERS.items():
        name, outputs = ARCHETYPES[archetype]
        run = load_model(name).run()
        for number, output in enumerate(outputs, start=1):
            values = 100 * run[output] / run[output].iloc[0]
            rows += [{"graph": f"Graph {letter}", "line": f"line {number}", "month": m, "percent": v}
                     for m, v in values.items()]
    return pd.DataFrame(rows)


def mystery_chart() -> alt.FacetChart:
    """Five unlabelled behaviour-over-time graphs, A to E, one per archetype (in a mixed order)."""
    from ..charts import alt

    data = mystery_graphs()
    return (
        alt.Chart(data).mark_line().encode(
            x=alt.X("month:Q", title="Month (from start)"),
            y=alt.Y("percent:Q", title="Level (% of its start)", scale=alt.Scale(zero=True)),
            color=alt.Color("line:N", title="Line"),
        )
        .properties(width=250, height=150)
        .facet(facet=alt.Facet("graph:N", title=None), columns=3)
        .properties(title=alt.Title("Five mystery graphs", subtitle="Which archetype made each one?"))
    )


def iceberg_events() -> pd.DataFrame:
    """The 'events' at the tip of the iceberg, each a sourced figure from the course datasets."""
    from ..data import figure

    waits, spend = "childrens_commissioner_cyp_mental_health", "early_intervention_spending_england"
    rows = [
        ("Children referred to CYPMHS in the year", "2017/18", waits, "children_referred", 1),
        ("Children referred to CYPMHS in the year", "2023/24", waits, "children_referred", 1),
        ("Children still waiting at the end of the year", "2022/23", waits,
         "children_still_waiting_at_year_end", 1),
        ("Children still waiting at the end of the year", "2023/24", waits,
         "children_still_waiting_at_year_end", 1),
        ("Crisis referrals in the year", "2023/24", waits, "crisis_referrals", 1),
        ("Council spending on early intervention (£ billion, real terms)", "2010/11", spend,
         "la_early_intervention_spend_gbp", 1e9),
        ("Council spending on early intervention (£ billion, real terms)", "2015/16", spend,
         "la_early_intervention_spend_gbp", 1e9),
    ]
    return pd.DataFrame(
        [{"event": text, "year": year, "value": figure(data, measure, year) / scale, "dataset": data}
         for text, year, data, measure, scale in rows])


def show_extended_diagram(new_links: Any) -> None:
    """Draw the local system diagram with the trainee's links added (or as it is, if none yet)."""
    from ..charts.diagrams import show_diagram
    from .feedback import show

    base = causal_diagram(LOCAL_SYSTEM, title="Our local system")
    if is_unanswered(new_links):
        show("*No links added yet; here is the diagram as it stands.*")
        show_diagram(base)
        return
    try:
        bigger = base.extended(new_links, title="Our local system, with your links")
    except ValueError as error:
        show(f"🤔 **Your links could not be added:** {error}")
        show_diagram(base)
        return
    show_diagram(bigger)


def _number(answer: Any) -> int:
    if isinstance(answer, bool) or not isinstance(answer, Real) or answer != int(answer) or answer < 0:
        raise ValueError(f"the answer should be a whole number, like 2, not {answer!r}.")
    return int(answer)


# ---- exercise 1: the iceberg -----------------------------------------------------------------
ICEBERG_LEVELS = ("event", "pattern", "structure", "mental model")
ICEBERG_STATEMENTS = {
    "A": ("This month, twelve children on our waiting list were seen at A&E in crisis.", "event"),
    "B": ("Every time our list grows, crisis contacts rise a few months later.", "pattern"),
    "C": ("Crisis care and early help are paid for from the same fixed budget.", "structure"),
    "D": ("Long waits are just how children's mental health services are.", "mental model"),
    "E": ("Referrals have gone up in most years we have figures for.", "pattern"),
}


def check_iceberg(answers: Any) -> CheckResult:
    """Exercise 1: each statement A-E placed at its level of the iceberg."""

    def check(given: Any) -> CheckResult:
        if not isinstance(given, dict):
            raise ValueError('write a dictionary like {"A": "event", "B": "pattern", ...}.')
        unknown = {k: v for k, v in given.items()
                   if not is_unanswered(v) and str(v).strip().lower() not in ICEBERG_LEVELS}
        if unknown:
            raise ValueError(f"use only these levels: {', '.join(ICEBERG_LEVELS)} (check {unknown}).")
        blank = [k for k in ICEBERG_STATEMENTS if is_unanswered(given.get(k))]
        if blank:
            return CheckResult(False, f"Still to answer: {', '.join(blank)}.")
        wrong = [k for k, (_, level) in ICEBERG_STATEMENTS.items()
                 if str(given.get(k, "")).strip().lower() != level]
        if not wrong:
            return CheckResult(True, "All five placed. Notice how each level down gives more "
                                     "ways to act: structures and mental models can be changed.")
        return CheckResult(False, f"{5 - len(wrong)} of 5 placed right; look again at "
                                  f"{', '.join(wrong)}.")

    return give_feedback(answers, check, "Replace each `...` with a level, then run the cell.",
                         hint="An event happens once; a pattern repeats over time; a structure "
                              "is how things are organised; a mental model is a belief.")


# ---- exercise 2: reinforcing or balancing? --------------------------------------------------------
def crisis_loop_polarity() -> str:
    """'R' or 'B' for the crisis loop, from the loop finder."""
    return str(find_loops(CRISIS_LOOP).iloc[0].polarity)


def check_loop_polarity(answer: Any) -> CheckResult:
    """Exercise 2: "R" or "B" for the crisis loop."""

    def check(given: Any) -> CheckResult:
        letter = str(given).strip().upper()[:1]
        if letter not in ("R", "B"):
            raise ValueError(f'answer "R" (reinforcing) or "B" (balancing); you wrote {given!r}.')
        truth = crisis_loop_polarity()
        if letter == truth:
            return CheckResult(True, "Reinforcing: two negative links cancel out, so longer waits "
                                     "come back round as even longer waits: a vicious circle.")
        return CheckResult(False, "Count the negative (−) links round the loop: an even number "
                                  "makes a reinforcing loop, an odd number a balancing one.")

    return give_feedback(answer, check, 'Replace `...` with "R" or "B", then run the cell.')


# ---- exercise 3: extend the diagram -----------------------------------------------------------
def check_extended_diagram(new_links: Any) -> CheckResult:
    """Exercise 3: links added to the local system diagram close at least one new loop."""

    def check(given: Any) -> CheckResult:
        base = causal_diagram(LOCAL_SYSTEM)
        bigger = base.extended(given)
        before = set(find_loops(base).name)
        new = find_loops(bigger)
        new = new[~new.name.isin(before)]
        if new.empty:
            return CheckResult(False, "Your links are fine, but they close no new loop yet. "
                                      "Draw a link back to a variable already in the diagram.")
        names = "; ".join(f"**{'reinforcing' if r.polarity == 'R' else 'balancing'}**: {r.name}"
                          for r in new.itertuples())
        return CheckResult(True, f"You made {len(new)} new loop(s): {names}.")

    return give_feedback(new_links, check,
                         "Replace `...` with your links in triple quotes, one per line, then run the cell.",
                         hint='Write each link like "loneliness -> use of positive activities (-)".')


# ---- exercise 5: match graphs to archetypes -------------------------------------------------------
def _archetype(text: Any) -> str:
    words = str(text).lower()
    for key, archetype in KEYWORDS.items():
        if key in words:
            return archetype
    raise ValueError(f"'{text}' is not one of: {', '.join(ARCHETYPES)}.")


def check_archetype_matches(matches: Any) -> CheckResult:
    """Exercise 5: each mystery graph A-E matched to its archetype."""

    def check(given: Any) -> CheckResult:
        if not isinstance(given, dict):
            raise ValueError('write a dictionary like {"A": "limits to growth", ...}.')
        blank = [letter for letter in MYSTERY_LETTERS if is_unanswered(given.get(letter))]
        if blank:
            return CheckResult(False, f"Still to answer: graph(s) {', '.join(blank)}.")
        wrong = [letter for letter, truth in MYSTERY_LETTERS.items()
                 if _archetype(given[letter]) != truth]
        if not wrong:
            return CheckResult(True, "All five matched: you can now read an archetype from its "
                                     "behaviour over time.")
        return CheckResult(False, f"{5 - len(wrong)} of 5 matched; look again at graph(s) "
                                  f"{', '.join(wrong)}.")

    return give_feedback(matches, check, "Replace each `...` with an archetype's name, then run the cell.",
                         hint="S-shape: limits to growth. Better then worse: fixes that fail. "
                              "Two lines pulling apart: success to the successful.")


# ---- exercise 4: the loops in module 02's model ---------------------------------------------------
def camhs_loop_counts() -> dict[str, int]:
    """How many reinforcing and balancing loops the CAMHS waiting-list model has."""
    loops = find_loops(load_model("camhs_waiting_list"))
    return {"reinforcing": int((loops.polarity == "R").sum()),
            "balancing": int((loops.polarity == "B").sum())}


def check_camhs_loops(counts: Any) -> CheckResult:
    """Exercise 4: the number of reinforcing and balancing loops in module 02's model."""

    def check(given: Any) -> CheckResult:
        if not isinstance(given, dict) or set(given) != {"reinforcing", "balancing"}:
            raise ValueError('write {"reinforcing": number, "balancing": number}.')
        blank = [key for key, value in given.items() if is_unanswered(value)]
        if blank:
            return CheckResult(False, f"Still to answer: the number of {' and '.join(blank)} loops.")
        answer = {key: _number(value) for key, value in given.items()}
        truth = camhs_loop_counts()
        if answer == truth:
            return CheckResult(True, f"{truth['balancing']} balancing loops and "
                                     f"{truth['reinforcing']} reinforcing: every way out of the "
                                     "list grows with the list, so the list settles. Module 03 "
                                     "adds the reinforcing loops real services have.")
        return CheckResult(False, f"You have {answer['reinforcing']} reinforcing and "
                                  f"{answer['balancing']} balancing. Follow each arrow out of the "
                                  "waiting list and see whether it comes back.")

    return give_feedback(counts, check, "Replace each `...` with a number, then run the cell.",
                         hint="Only the variables in a loop matter; ignore the running totals.")
