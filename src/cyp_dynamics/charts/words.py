"""Units and names in words, for people: `children a month`, `£ a year`, `inner city, ages 0 to 4`.

Model files carry Vensim units (`children/Month`, `GBP/Year`, `Dmnl`) and code-style names
(`poverty_share_percent[inner_city,age_0_4]`). Charts and tables show them as a reader says them.
"""

from __future__ import annotations

import re
from typing import Any

_NUMERATORS = {"children": "children", "child": "children", "fte": "full-time staff",
               "gbp": "£", "thousand pounds": "£ thousand", "hours": "hours", "weeks": "weeks",
               "month": "months", "year": "years", "fraction": "share", "percent": "%",
               "dmnl": "", "1": "", "people": "people"}
_PER = {"month": "a month", "year": "a year", "week": "a week", "children": "per child",
        "child": "per child", "fte": "per full-time staff member",
        "children*year": "per child a year", "fte*month": "per full-time staff member a month",
        "children*month": "per child a month"}


def unit_in_words(unit: str) -> str:
    """A model unit as words: 'children/Month' -> 'children a month', 'Dmnl' -> ''."""
    text = str(unit or "").strip()
    if not text:
        return ""
    parts = [p.strip().strip("()").lower() for p in text.split("/")]
    head = _NUMERATORS.get(parts[0], parts[0])
    tails = parts[1:]
    cancelled = bool(tails) and tails[0].split("*")[0] == parts[0]
    if cancelled:  # children/(children*Month) -> share a month; Month/Month -> ''
        rest = tails[0].split("*", 1)[1:] + tails[1:]
        return ("share " + " ".join(_PER.get(t, f"per {t}") for t in rest)) if rest else ""
    words = [head] if head else []
    if head == "share" and tails:
        words = ["share"]
    for tail in tails:
        words.append(_PER.get(tail, f"per {tail}"))
    result = " ".join(words)
    if parts[0] in ("1", "dmnl") and tails:
        result = "share " + result  # 1/Month: a rate, the share that leaves each month
    if len(tails) == 2 and tails[0] == tails[1]:
        result = f"{head} a {tails[0]}, each {tails[0]}"
    return result.strip()


def element_in_words(element: str) -> str:
    """'inner_city' -> 'inner city'; 'age_0_4' -> 'ages 0 to 4'; 'age_16_plus' -> 'ages 16 and over'."""
    match = re.fullmatch(r"age_(\d+)_(\d+)", element)
    if match:
        return f"ages {match.group(1)} to {match.group(2)}"
    match = re.fullmatch(r"age_(\d+)_plus", element)
    if match:
        return f"ages {match.group(1)} and over"
    words = element.replace("_", " ")
    return re.sub(r"\buk\b", "UK", words)


def name_in_words(name: str, label: str | None = None) -> str:
    """'poverty_share_percent[inner_city,age_0_4]' -> 'Poverty share percent, inner city, ages 0 to 4'.

    `label` replaces the variable's part (e.g. the model's own label for it).
    """
    variable, _, rest = name.partition("[")
    words = label or variable.replace("_", " ").capitalize()
    elements = [element_in_words(e.strip()) for e in rest.rstrip("]").split(",") if e.strip()]
    return ", ".join([words, *elements])


MEANING = {"R": "reinforcing", "B": "balancing", "?": "direction unknown"}


def describe_loops(loops: Any) -> str:
    """A table of loops (`find_loops`) as plain sentences, e.g.
    'B1 (balancing): waiting list → closures → waiting list.'"""
    if loops.empty:
        return "No feedback loops: every chain of causes ends somewhere."
    lines = []
    for row in loops.itertuples():
        marks = []
        if row.delays:
            marks.append("with a delay" if row.delays == 1 else f"with {row.delays} delays")
        if row.uncertain:
            marks.append("a link's polarity is uncertain")
        extra = f" ({'; '.join(marks)})" if marks else ""
        lines.append(f"{row.loop} ({MEANING[row.polarity]}): {row.name}{extra}.")
    return "\n".join(lines)
