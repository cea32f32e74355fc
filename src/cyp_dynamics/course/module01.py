"""Diagrams, mystery graphs and exercises for module 01, thinking in systems.

Each `exercise_N()` shows an answer widget (drop-downs or choices with a Check button); the
trainee never types Python. Right answers are computed with the library's own loop finder and
models, never typed in, so they follow the diagrams and model files if those are revised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.diagram import CausalDiagram, causal_diagram
from ..analysis.loops import MEANING, find_loops
from ..models import load_model
from ..widgets import ChoiceQuestion, MatchQuestion
from .exercises import ExerciseSet

if TYPE_CHECKING:
    import altair as alt

    from ..charts.tables import PeopleTable

EXERCISES = ExerciseSet("01")

# ---- the diagram built step by step in the notebook -----------------------------------------
SERVICE_LINKS = """\
children struggling -> referrals (+)
referrals -> waiting list (+)
waiting list -> average wait (+)
average wait -> closures before treatment (+)
closures before treatment -> waiting list (-)
"""
WAITING_MAKES_THINGS_WORSE = "average wait -> children struggling (+, delay)\n"
RURAL_THEMES = """\
rural isolation -> loneliness (+)
access to work or training -> loneliness (-)
loneliness -> children struggling (+)
"""
INNER_CITY_THEMES = """\
racism, discrimination and violence -> feeling safe (-)
feeling safe -> use of positive activities (+)
use of positive activities -> children struggling (-)
"""
YOUTH_THEMES = ("# themes young people raised in a rural area\n" + RURAL_THEMES
                + "# themes young people raised in an inner-city borough\n" + INNER_CITY_THEMES)
LOCAL_SYSTEM = SERVICE_LINKS + WAITING_MAKES_THINGS_WORSE + YOUTH_THEMES
MERMAID_SPACING = '%%{init: {"flowchart": {"nodeSpacing": 50, "rankSpacing": 70}}}%%'


def show_model_diagram(name: str, title: str, loops: bool = True, direction: str = "TB",
                       **model_options: Any) -> None:
    """Draw a course model's diagram under a title in words, its units in words too.

    Top to bottom by default: drawn left to right, these models are shrunk to the page width
    until their signs cannot be read.
    """
    from ..analysis.graph import model_diagram
    from ..charts.diagrams import diagram_markdown, show
    from ..charts.words import unit_in_words

    diagram = model_diagram(name, title=title, **model_options)
    diagram.units = {key: unit_in_words(unit) for key, unit in diagram.units.items()}
    show(spaced(diagram_markdown(diagram, loops=loops, direction=direction)))


def spaced(markdown: str) -> str:
    """Diagram markdown with more room between Mermaid's rows, so labels on neighbouring
    arrows do not overlap (measured: the CAMHS model's '+?' and '+' touched at the default)."""
    return markdown.replace("```mermaid\n", "```mermaid\n" + MERMAID_SPACING + "\n", 1)


def loops_table(source: Any, **model_options: Any) -> PeopleTable:
    """Every loop of a diagram or model as a table for people: name, type, the way round, delays."""
    from ..charts.tables import Column, people_table

    loops = find_loops(source, **model_options)
    shown = loops.assign(kind=loops.polarity.map(MEANING))
    return people_table(shown, {"loop": Column("Loop", "text"), "kind": Column("Type", "text"),
                                "name": Column("Round the loop", "text"),
                                "delays": Column("Links with a delay", 0)})


# ---- the iceberg ---------------------------------------------------------------------------
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
        # the Commissioner's own "nearly 60,000", not a blog's more precise count (issue 17)
        ("Children referred in crisis in the year (nearly)", "2023/24", waits, "children_referred_in_crisis", 1),
        ("Council spending on early intervention (£ billion, real terms)", "2010/11", spend,
         "la_early_intervention_spend_gbp", 1e9),
        ("Council spending on early intervention (£ billion, real terms)", "2015/16", spend,
         "la_early_intervention_spend_gbp", 1e9),
    ]
    events = pd.DataFrame(
        [{"event": text, "year": year, "value": figure(data, measure, year) / scale, "dataset": data}
         for text, year, data, measure, scale in rows])
    money = events.dataset == spend
    events["figure"] = [f"£{v:,.1f} billion" if is_money else f"{v:,.0f}"
                        for v, is_money in zip(events.value, money)]
    events["headline"] = events.event.str.replace(" (£ billion, real terms)", " (real terms)",
                                                  regex=False)
    return events


def iceberg_table() -> PeopleTable:
    """The headlines as a table for people: what happened, when, and the figure."""
    from ..charts.tables import Column, people_table

    return people_table(iceberg_events(), {"headline": Column("Headline", "text"),
                                           "year": Column("Year", "text"),
                                           "figure": Column("Figure", "text")})


def _matched(label: str, option: str) -> str:
    """A pattern for 'label → option', as a reveal or worked answer writes a match."""
    return rf"{re.escape(label)}\s*(?:→|:|=|is)\s*{re.escape(option)}(?!\w)"


# ---- exercise 1: the iceberg -----------------------------------------------------------------
ICEBERG_LEVELS = ("event", "pattern", "structure", "mental model")
ICEBERG_STATEMENTS = {
    "A": ("This month, twelve children on our waiting list were seen at A&E in crisis.", "event"),
    "B": ("Every time our list grows, crisis contacts rise a few months later.", "pattern"),
    "C": ("Crisis care and early help are paid for from the same fixed budget.", "structure"),
    "D": ("Long waits are just how children's mental health services are.", "mental model"),
    "E": ("Referrals have gone up in most years we have figures for.", "pattern"),
}


@EXERCISES.add("01-ex1")
def exercise_1() -> MatchQuestion:
    """Exercise 1: each statement A-E placed at its level of the iceberg."""
    return MatchQuestion(
        "01-ex1", {k: text for k, (text, _) in ICEBERG_STATEMENTS.items()}, ICEBERG_LEVELS,
        {k: level for k, (_, level) in ICEBERG_STATEMENTS.items()},
        leaks=[_matched(text, level) for text, level in ICEBERG_STATEMENTS.values()],
        praise="All five placed. Notice how each level down gives more ways to act: structures "
               "and mental models can be changed.",
        hint="An event happens once; a pattern repeats over time; a structure is how things are "
             "organised; a mental model is a belief.")


# ---- exercise 2: reinforcing or balancing? --------------------------------------------------------
CRISIS_LOOP = """\
average wait -> difficulties getting worse (+, delay)
difficulties getting worse -> crisis contacts (+)
crisis contacts -> clinician time for planned care (-)
clinician time for planned care -> average wait (-)
"""
POLARITY_CHOICES = {
    "A": "Reinforcing (R): a change in the average wait comes back round bigger.",
    "B": "Balancing (B): a change in the average wait comes back round opposed.",
    "C": "Neither: a loop with a delay in it is neither reinforcing nor balancing.",
}


def crisis_loop_polarity() -> str:
    """'R' or 'B' for the crisis loop, from the loop finder."""
    return str(find_loops(CRISIS_LOOP).iloc[0].polarity)


@EXERCISES.add("01-ex2")
def exercise_2() -> ChoiceQuestion:
    """Exercise 2: is the crisis loop reinforcing or balancing? (The loop finder decides.)"""
    correct = {"R": "A", "B": "B"}[crisis_loop_polarity()]
    reasons = {"A": "count the − links round the loop: is the number even or odd?",
               "B": "count the − links round the loop, including the one back to the average "
                    "wait: is the number even or odd?",
               "C": "a delay slows a loop down, but does not change its type."}
    return ChoiceQuestion(
        "01-ex2", POLARITY_CHOICES, correct=correct,
        praise="Right: the two − links cancel each other out, so a longer wait comes back round "
               "as an even longer wait. It is a vicious circle.",
        reasons={k: v for k, v in reasons.items() if k != correct},
        hint="An even number of − links (none, two, four) makes a loop reinforcing; an odd "
             "number makes it balancing.")


# ---- exercise 3: which new links close a loop? -------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A link someone proposes adding to the draft diagram: what it says, and the link itself."""

    says: str
    link: str  # diagram text, e.g. "children struggling -> use of positive activities (-)"
    view: str  # "rural" or "inner city": which sub-view of the diagram draws it


CANDIDATES = {
    "A": Candidate("Children who are struggling drop out of positive activities.",
                   "children struggling -> use of positive activities (-)", "inner city"),
    "B": Candidate("Rural isolation makes work or training harder to reach.",
                   "rural isolation -> access to work or training (-)", "rural"),
    "C": Candidate("When waits are long, schools and GPs point more children to positive "
                   "activities while they wait.",
                   "average wait -> use of positive activities (+)", "inner city"),
    "D": Candidate("Over time, children who are struggling lose touch with work or training.",
                   "children struggling -> access to work or training (-, delay)", "rural"),
    "E": Candidate("Racism, discrimination and violence make more children struggle.",
                   "racism, discrimination and violence -> children struggling (+)", "inner city"),
}
NEW_LOOP = {"R": "makes a reinforcing loop (R)", "B": "makes a balancing loop (B)",
            "": "makes no new loop"}
SIGN_WORDS = {"+": "+", "-": "−"}
VIEWS = {"rural": ("The rural themes, with the new links", RURAL_THEMES),
         "inner city": ("The inner-city themes, with the new links", INNER_CITY_THEMES)}


def _link_words(link: str, marks: bool = False) -> str:
    """'a -> b (-, delay)' as people read it: 'a → b', or with `marks` 'a → b (−, delay)'."""
    diagram = causal_diagram(link)
    first = diagram.links[0]
    words = f"{diagram.label(first.source)} → {diagram.label(first.target)}"
    if marks:
        words += f" ({SIGN_WORDS[first.polarity]}{', delay' if first.delay else ''})"
    return words


def new_loops(extra_links: str) -> pd.DataFrame:
    """The loops that `extra_links` (diagram text) close when added to the draft local system."""
    before = set(find_loops(LOCAL_SYSTEM).name)
    after = find_loops(causal_diagram(LOCAL_SYSTEM + extra_links))  # keeps the draft's order
    return after[~after.name.isin(before)].reset_index(drop=True)


def candidate_effects() -> dict[str, str]:
    """Each candidate link, added on its own: the option saying which new loop it makes."""
    effects = {}
    for letter, candidate in CANDIDATES.items():
        kinds = set(new_loops(candidate.link).polarity)
        if len(kinds) > 1:  # the question assumes one kind of loop per link
            raise ValueError(f"Candidate {letter} closes loops of both kinds: {sorted(kinds)}.")
        effects[letter] = NEW_LOOP[kinds.pop() if kinds else ""]
    return effects


def extended_views() -> list[CausalDiagram]:
    """The extended diagram as two readable sub-views: the service with each place's themes."""
    core = SERVICE_LINKS + WAITING_MAKES_THINGS_WORSE
    views = []
    for view, (title, themes) in VIEWS.items():
        links = "".join(c.link + "\n" for c in CANDIDATES.values() if c.view == view)
        views.append(causal_diagram(core + themes + links, title=title))
    return views


def show_extended_views(into: Any = None) -> None:
    """Draw the two sub-views (into an ipywidgets Output if given), each with its loops."""
    from ..charts.diagrams import diagram_markdown

    parts = []
    for (place, _), view in zip(VIEWS.items(), extended_views()):
        title, _, rest = diagram_markdown(view, direction="TB").partition("\n\n")
        added = "; ".join(_link_words(c.link, marks=True) for c in CANDIDATES.values()
                          if c.view == place)
        parts.append(spaced(f"{title}\n\n*New links in this view:* {added}.\n\n{rest}"))
    if into is None:
        from ..charts.diagrams import show

        for part in parts:
            show(part)
        return
    # set the outputs directly: Output.append_display_data would start an IPython shell
    # outside a notebook (and then every later `show` in that process acts as if in one)
    into.outputs = tuple({"output_type": "display_data", "metadata": {},
                          "data": {"text/markdown": part, "text/plain": part}} for part in parts)


@EXERCISES.add("01-ex3")
def exercise_3() -> MatchQuestion:
    """Exercise 3: for each proposed link, the new loop it closes (if any). Once the exercise is
    solved (or its answer shown), the extended diagram appears under it."""
    import ipywidgets as widgets

    items = {k: f"{c.says} ({_link_words(c.link)})" for k, c in CANDIDATES.items()}
    solution = candidate_effects()
    loop_names = [re.escape(name) for c in CANDIDATES.values() for name in new_loops(c.link).name]
    question = MatchQuestion(
        "01-ex3", items, list(NEW_LOOP.values()), solution,
        leaks=[_matched(items[k], v) for k, v in solution.items()] + loop_names,
        praise="All five right: a new link closes a loop only when its effect can find its way "
               "back round to its cause. The diagrams below show the draft with the new links.",
        hint="Start at the link's effect and follow the arrows in the draft diagram. If you can "
             "get back to the link's cause, it closes a loop: count the − links round that loop, "
             "including the new one (even: reinforcing; odd: balancing).")
    view = widgets.Output()
    view.add_class("cyp-extended-diagram")
    note = widgets.HTML("<i>The extended diagram appears here once you have answered.</i>")
    question.box.children = (*question.box.children, note, view)

    def draw(_: Any) -> None:
        if note.layout.display != "none" and question.state in ("right", "revealed"):
            note.layout.display = "none"
            show_extended_views(into=view)

    question.feedback.observe(draw, names="value")
    return question


reflect_loops = EXERCISES.reflection(
    "01-reflect-loops",
    "Each new loop is a claim about your place. Which could you check with "
    "local data, and which only by asking young people? A loop you cannot "
    "test is still worth drawing: it says where to look.")


# ---- exercise 4: the loops in module 02's model ---------------------------------------------------
CAMHS = "camhs_waiting_list"
RUNNING_TOTALS = ["referrals_accepted_to_date", "treatment_starts_to_date", "closures_to_date"]
LOOP_KINDS = {"reinforcing": "Reinforcing loops (R)", "balancing": "Balancing loops (B)"}
NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def camhs_loop_counts() -> dict[str, int]:
    """How many reinforcing and balancing loops the CAMHS waiting-list model has."""
    loops = find_loops(load_model(CAMHS), hide=RUNNING_TOTALS)
    return {"reinforcing": int((loops.polarity == "R").sum()),
            "balancing": int((loops.polarity == "B").sum())}


def _count_leaks(counts: dict[str, int]) -> list[str]:
    patterns = []
    for kind, n in counts.items():
        words = [str(n), *NUMBER_WORDS[n:n + 1], *(["zero"] if n == 0 else [])]
        patterns.append(rf"\b(?:{'|'.join(words)})\s+{kind}\b")
        patterns.append(_matched(LOOP_KINDS[kind], str(n)))
    return patterns


@EXERCISES.add("01-ex4")
def exercise_4() -> MatchQuestion:
    """Exercise 4: the number of reinforcing and balancing loops in module 02's model."""
    counts = camhs_loop_counts()
    options = [str(n) for n in range(max(8, max(counts.values()) + 3))]
    return MatchQuestion(
        "01-ex4", LOOP_KINDS, options, {k: str(n) for k, n in counts.items()},
        leaks=_count_leaks(counts),
        praise="Both right: every way out of the list grows with the list, so the list settles. "
               "Module 03 adds the reinforcing loops real services have.",
        hint="Follow each arrow out of the waiting list and see whether it comes back to it. A "
             "loop through a flow counts too, and one whose sign is marked ? still counts.")


# ---- exercise 5: match graphs to archetypes -------------------------------------------------------
ARCHETYPES = {  # archetype -> (course model, outputs shown as line 1 and line 2); in teaching order
    "fixes that fail": ("archetype_fixes_that_fail", ["waiting_for_assessment"]),
    "shifting the burden": ("archetype_shifting_the_burden", ["early_help_capacity", "crisis_spending"]),
    "limits to growth": ("archetype_limits_to_growth", ["children_supported"]),
    "success to the successful": ("archetype_success_to_the_successful",
                                  ["youth_workers_in_a", "youth_workers_in_b"]),
    "eroding goals": ("archetype_eroding_goals", ["acceptable_wait", "expected_wait"]),
}
MYSTERY_ORDER = ["success to the successful", "limits to growth", "shifting the burden",
                 "eroding goals", "fixes that fail"]
MYSTERY_LETTERS = dict(zip("ABCDE", MYSTERY_ORDER))


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


def describe_mystery(data: pd.DataFrame) -> str:
    """The mystery graphs in words, for screen readers: each line's start, low, high and end."""
    sentences = []
    for (graph, line), rows in data.groupby(["graph", "line"], sort=True):
        p = rows.percent
        sentences.append(f"{graph}, {line}: starts at 100%, lowest {p.min():,.0f}%, highest "
                         f"{p.max():,.0f}%, ends at {p.iloc[-1]:,.0f}%.")
    months = int(data.month.max())
    return (f"Five small line charts, A to E, over {months} months; each line is shown as a "
            "percentage of its starting level. " + " ".join(sentences))


def mystery_chart() -> alt.FacetChart:
    """Five unlabelled behaviour-over-time graphs, A to E, one per archetype (in a mixed order)."""
    from ..charts import DASHES, alt

    data = mystery_graphs()
    return (
        alt.Chart(data).mark_line().encode(
            x=alt.X("month:Q", title="Months from start", axis=alt.Axis(format=",.0f")),
            y=alt.Y("percent:Q", title=None, scale=alt.Scale(zero=True),
                    axis=alt.Axis(labelExpr="datum.label + '%'")),
            color=alt.Color("line:N", title="Line"),
            strokeDash=alt.StrokeDash("line:N", title="Line", scale=alt.Scale(range=DASHES)),
            tooltip=[alt.Tooltip("line:N", title="Line"),
                     alt.Tooltip("month:Q", title="Month", format=",.0f"),
                     alt.Tooltip("percent:Q", title="Level (% of its start)", format=",.0f")],
        )
        .properties(width=140, height=120)
        .facet(facet=alt.Facet("graph:N", title=None, header=alt.Header(labelFontSize=13)), columns=3)
        .resolve_scale(y="independent")  # each graph's own scale, so every shape can be seen
        .properties(title=alt.Title("Five mystery graphs: which archetype made each one?",
                                    subtitle="Each line as a percentage of its starting level "
                                             "(each graph has its own scale)"),
                    description=describe_mystery(data))
    )


@EXERCISES.add("01-ex5")
def exercise_5() -> MatchQuestion:
    """Exercise 5: each mystery graph A-E matched to its archetype."""
    items = {letter: f"Graph {letter}" for letter in MYSTERY_LETTERS}
    return MatchQuestion(
        "01-ex5", items, list(ARCHETYPES), dict(MYSTERY_LETTERS),
        leaks=[_matched(items[k], v) for k, v in MYSTERY_LETTERS.items()],
        praise="All five matched: you can now read an archetype from its behaviour over time.",
        hint="S-shape: limits to growth. Better, then worse: fixes that fail. Two lines pulling "
             "apart: success to the successful.")


progress = EXERCISES.progress
