"""One place for each figure: course prose takes real-world figures from dataset rows by reference.

A corrected row in `datasets/NAME/data.csv` then corrects every page that quotes it.

**In notebook sources** (markdown cells of `notebook_sources/*/*.ipynb`), the builder
(`python -m cyp_dynamics.course.build`) replaces

- `{{fig:DATASET|MEASURE|PERIOD|GEOGRAPHY}}` with the row's value and unit in words
  (`22.3%`, `538,564 referrals`, `£3.6bn`); PERIOD and GEOGRAPHY may be left out when the
  rest picks out one row (`{{fig:DATASET|MEASURE}}`);
- `{{num:...}}` (same fields) with the value alone (`538,564`; a percent keeps its `%`, money its `£`);
- `{{abs:...}}` with the value and unit without its sign, for prose that says the direction
  ('fell by {{abs:...}}' gives 'fell by 40%' from a row of -40 percent);
- `{{cite:DATASET|MEASURE|...}}` with a short citation of the row's source (`NHS Cheshire and
  Merseyside, 2024`);
- `{{assume:TEXT}}` and `{{illustration:TEXT}}` with TEXT: a number the course assumes (say what
  it rests on nearby, or that it rests on nothing) or an invented example, marked so the figure
  check lets it pass.

**In Markdown files** read as they are (slides, session plans, facilitator notes, module READMEs)
a reference is written with its value between two comments, which Markdown viewers hide:
`<!--fig:DATASET|MEASURE|PERIOD|GEOGRAPHY-->22.3%<!--/fig-->` (or `<!--num:...-->`). The builder
rewrites the value from the row, and `build --check` fails while a value is stale. In a Markdown
table write the separators as `\\|`. A comment `<!--assume: what it rests on-->`,
`<!--illustration-->`, `<!--model: where the notebook computes it-->` or `<!--unsourced: why it is
quoted-->` (a figure named only to warn that it has no source) marks every number on its line as
such; alone on a line it marks the paragraph or table that follows (to the next blank line). The
same comments work in notebook markdown. Markdown files keep their values in place (rather than
being built into copies) so a trainer can read a slide or a plan straight from the repository.

`bare_figures` finds the numbers a page types without any of these; `NON_FIGURES` lists what is
not a figure (years, clock times, module and exercise numbers, minutes, small counts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from cyp_dynamics.data.datasets import dataset_metadata, load_dataset

#: `{{fig:...}}`, `{{num:...}}`, `{{cite:...}}` in notebook markdown.
REFERENCE = re.compile(r"\{\{(?P<kind>fig|num|abs|cite):(?P<ref>[^{}]+?)\}\}")
#: `{{assume:TEXT}}` and `{{illustration:TEXT}}` in notebook markdown.
MARKED = re.compile(r"\{\{(?P<kind>assume|illustration):(?P<text>[^{}]*?)\}\}")
#: `<!--fig:REF-->VALUE<!--/fig-->` in Markdown files (the value is refreshed by the builder).
SPAN = re.compile(r"<!--\s*(?P<kind>fig|num|abs):(?P<ref>.+?)\s*-->(?P<shown>.*?)<!--\s*/(?P=kind)\s*-->")
#: A line (or, alone on a line, a block) marker in Markdown or notebook markdown.
LINE_MARK = re.compile(r"<!--\s*(?:assume|assumption|illustration|model|unsourced)\b.*?-->", re.IGNORECASE)


class FigureError(ValueError):
    """A reference that names no row, or more than one."""


@lru_cache(maxsize=None)
def _table(dataset: str) -> pd.DataFrame:
    return load_dataset(dataset)


def split_reference(ref: str) -> list[str]:
    """'A|B|2022/23' (or with Markdown-table escapes 'A\\|B') -> ['A', 'B', '2022/23']."""
    return [part.strip() for part in ref.replace("\\|", "|").split("|")]


def find_row(ref: str) -> pd.Series:
    """The one dataset row a reference names, or a FigureError saying what would pick one."""
    parts = split_reference(ref)
    if not 2 <= len(parts) <= 4:
        raise FigureError(f"'{ref}': write DATASET|MEASURE|PERIOD|GEOGRAPHY "
                          "(PERIOD and GEOGRAPHY only when needed).")
    dataset, measure, *rest = parts
    try:
        table = _table(dataset)
    except ValueError as error:
        raise FigureError(f"'{ref}': {error}") from None
    rows = table[table["measure"] == measure]
    if rows.empty:
        raise FigureError(f"'{ref}': '{measure}' is not a measure in '{dataset}'. Measures: "
                          f"{', '.join(sorted(table['measure'].unique()))}.")
    for column, wanted in zip(("period", "geography"), rest):
        if wanted:
            rows = rows[rows[column].astype(str) == wanted]
    if len(rows) != 1:
        options = "; ".join(f"{r.period}|{r.geography}" for r in
                            table[table["measure"] == measure].itertuples())
        raise FigureError(f"'{ref}' matches {len(rows)} rows. Add PERIOD|GEOGRAPHY, one of: {options}.")
    return rows.iloc[0]


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _money(value: float) -> str:
    for size, word in ((1e9, "bn"), (1e6, "m")):
        if abs(value) >= size:
            return f"£{_number(round(value / size, 2))}{word}"
    return f"£{_number(value)}"


def format_value(value: float, unit: str, with_unit: bool = True) -> str:
    """A row's value as prose writes it: '22.3%', '£3.6bn', '11.9 million children', '538,564 referrals'."""
    unit = str(unit).strip()
    if unit == "percent":
        return f"{_number(value)}%"
    if unit == "percentage points":
        return f"{_number(value)} percentage points" if with_unit else _number(value)
    if unit.startswith("GBP"):
        rest = unit[3:].strip().lstrip("/").strip()
        rest = {"Year": "a year"}.get(rest, rest.replace("per year", "a year").replace("per week", "a week"))
        return f"{_money(value)} {rest}".strip() if with_unit else _money(value)
    if abs(value) >= 1e6 and round(value, -4) == value:  # 11.9 million, 4.45 million
        shown = f"{_number(round(value / 1e6, 2))} million"
    else:
        shown = _number(value)
    words = {"fraction": "", "share": "", "ratio": "", "1/Month": "a month", "1/Year": "a year",
             "children/Month": "children a month", "referrals/Month": "referrals a month"}
    unit_words = words.get(unit, unit)
    return f"{shown} {unit_words}".strip() if with_unit else shown


def short_citation(row: pd.Series, dataset: str) -> str:
    """'NHS Cheshire and Merseyside, 2024' for each source id of a row, joined with '; '."""
    sources = {s["id"]: s for s in dataset_metadata(dataset).get("sources", [])}
    cited = []
    for source_id in str(row["source"]).split(";"):
        source = sources.get(source_id.strip(), {})
        publisher = re.sub(r"\s*\(.*?\)", "", source.get("publisher", source_id)).split(",")[0].strip()
        year = re.search(r"\b(19|20)\d\d\b", str(source.get("date_published", "")))
        cited.append(f"{publisher}, {year.group(0) if year else 'n.d.'}")
    return "; ".join(dict.fromkeys(cited))


def resolve(kind: str, ref: str) -> str:
    """The text a `{{fig|num|cite:REF}}` reference stands for."""
    row = find_row(ref)
    if kind == "cite":
        return short_citation(row, split_reference(ref)[0])
    value = float(row["value"])
    return format_value(abs(value) if kind == "abs" else value, row["unit"], with_unit=(kind != "num"))


_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def _outside_code(pattern: re.Pattern, text: str, replace) -> str:
    """`pattern.sub(replace, text)`, leaving code (where the syntax is shown, not used) alone."""
    code = [m.span() for m in _CODE.finditer(text)]
    def _one(match: re.Match) -> str:
        if any(start <= match.start() < end for start, end in code):
            return match.group(0)
        return replace(match)
    return pattern.sub(_one, text)


def resolve_notebook_markdown(text: str) -> str:
    """Notebook markdown with every reference and marker replaced by what it stands for."""
    text = _outside_code(REFERENCE, text, lambda m: resolve(m["kind"], m["ref"]))
    return _outside_code(MARKED, text, lambda m: m["text"])


def refresh_markdown(text: str) -> str:
    """A Markdown file with the value inside every `<!--fig:REF-->VALUE<!--/fig-->` taken from its row."""
    def _one(match: re.Match) -> str:
        value = resolve(match["kind"], match["ref"])
        return match.group(0).replace(f"-->{match['shown']}<!--", f"-->{value}<!--", 1)
    return _outside_code(SPAN, text, _one)


def references(text: str) -> list[str]:
    """Every reference a text holds (both forms, outside code), as written."""
    found: list[str] = []
    for pattern in (REFERENCE, SPAN):
        _outside_code(pattern, text, lambda m: found.append(m["ref"]) or m.group(0))
    return found


# ---- the figure check ---------------------------------------------------------------------
_UNIT_WORDS = r"million|billion|bn|m|k|thousand"
NUMBER = re.compile(r"(?<![\w.£$])(?<![A-Za-z]-)(?P<money>[£$])?(?P<digits>\d[\d,]*(?:\.\d+)?)"
                    rf"(?P<scale>\s?(?:{_UNIT_WORDS})\b)?(?P<percent>\s?%|\s?per ?cent\b)?")
#: Patterns of text that holds numbers but no figure, with why. The check blanks them first.
NON_FIGURES: list[tuple[str, str]] = [
    (r"\b(?:19|20)\d\d(?:[/-]\d\d(?:\d\d)?)?(?:-\d\d)?s?\b(?!\s?%|,\d)", "a year, financial year or date"),
    (r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|"
     r"December)\b", "a date"),
    (r"\b\d{1,2}:\d\d(?:\s?[-–]\s?\d{1,2}:\d\d)?\b", "a clock time or a session's time slot"),
    (r"(?i)\b(?:modules?|exercises?|experiments?|slides?|steps?|parts?|cells?|sessions?|questions?|"
     r"sections?|chapters?|tables?|loops?|versions?|Year|Years|ages?|aged|under|over|month|months|"
     r"year|years|week|weeks|day|days|level|levels|option|options|stage|stages|groups?|"
     r"tiers?|columns?|rows?|figures?|lines?|panels?|runs?|scenarios?|policy|policies|volumes?|articles?|issues?|pages?)"
     r"[ \-]\d+(?:\s*(?:[-–,]|to|and|or|&)\s*\d+)*\b", "a numbered thing, a school year, an age or a model time point"),
    (r"\b\d+(?:\s?[-–]\s?\d+)?\s?(?:min|mins|minutes?|hours?|hrs?|seconds?|s)\b",
     "teaching time"),
    (r"\b\d{1,2}(?:\s?[-–]\s?\d{1,2})\s?s?\b(?![\d%,.])", "an age band or a small range (0-4, 16-17)"),
    (r"\b\d+(?:st|nd|rd|th)\b", "an ordinal"),
    (r"^\s*(?:#+\s*)?\d+[.)]\s", "a numbered list item"),
    (r"\bper 100,000\b|\b100,000 (?:children|population|people)\b|\bper 100k\b",
     "the size of the model's example service"),
    (r"\b(?:one|1) in \d+\b", "a ratio in words"),
    (r"\b\d+ (?:years?|months?)\b", "a time span (a model's horizon, a scenario's length)"),
    (r"\b(?:0|100)%", "none or all of something"),
    (r"\b(?:at|turn|turns|turned|under|over|aged) 1[6-9]\b", "an age threshold (at 18, under 16)"),
    (r"\b\d+ (?:stocks?|flows?|loops?|variables?|exercises?|states?|inputs?|outputs?|slides?|cells?)\b",
     "a count of the model's or the course's parts"),
    (r"\b60% of (?:the |that year's |each year's )?(?:middle|median)", "the poverty line's definition (60% of median income)"),
    (r"\|\s*\**\d+\**\s*\|\s*\**\d+\**\s*\|\s*$", "the teaching and exercise minutes of a timetable row"),
    (r"\b(?:JupyterLab|Jupyter|Python|ipywidgets|altair|Vega-Lite|Vensim|Stella|pysd|Chromium|nbformat)"
     r" v?\d+(?:\.\d+)*", "a software version"),
    (r"^\|\s*Time\s*\|.*$", "the time a module takes"),
    (r"\*\*Time to learn\*\*.*$|^\*\*(?:Teaching|Time)\b.*$", "the time a module or session takes"),
]
_NON_FIGURES = [re.compile(pattern, re.MULTILINE) for pattern, _ in NON_FIGURES]
#: A bare integer up to this size (no %, £, decimals or scale word) counts things: 'three loops'.
SMALL_COUNT = 12


@dataclass(frozen=True)
class BareFigure:
    """A number typed in prose without a reference or a marker."""

    where: str
    line: int
    number: str
    text: str

    def __str__(self) -> str:
        return (f"{self.where}, line {self.line}: '{self.number}' in \"{self.text.strip()[:140]}\". "
                + HOW_TO_FIX)


HOW_TO_FIX = (
    "Fix: quote a dataset row by reference ({{fig:DATASET|MEASURE|PERIOD|GEOGRAPHY}} in a notebook; "
    "<!--fig:DATASET|MEASURE|PERIOD|GEOGRAPHY-->VALUE<!--/fig--> in a Markdown file), compute a "
    "model output in a code cell, or mark it: {{assume:TEXT}} / {{illustration:TEXT}} in a notebook, "
    "or end the line with <!--assume: what it rests on-->, <!--illustration--> or "
    "<!--model: where the notebook computes it--> in a Markdown file. See "
    "src/cyp_dynamics/course/figures.py and course/how_we_use_evidence.md.")


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _strip_non_prose(text: str) -> str:
    """Code, link targets, addresses, HTML, references and markers blanked (line numbers kept)."""
    for pattern in (r"```.*?```", r"`[^`\n]*`", r"\$[^$\n]+\$", SPAN.pattern, REFERENCE.pattern, MARKED.pattern,
                    r"<!--.*?-->", r"\]\([^)\s]*\)", r"https?://\S+", r"<[^>\n]+>", r"\{\{[^}]*\}\}"):
        text = re.sub(pattern, _blank, text, flags=re.DOTALL)
    return text


def _marked_lines(text: str) -> set[int]:
    """Lines a marker comment covers: its own line, and after a marker alone on a line, its block."""
    lines = text.splitlines()
    covered: set[int] = set()
    block = False
    for number, line in enumerate(lines):
        if not line.strip():
            block = False
        if LINE_MARK.search(line):
            covered.add(number)
            if not LINE_MARK.sub("", line).strip():
                block = True
        if block:
            covered.add(number)
    return covered


def bare_figures(text: str, where: str = "") -> list[BareFigure]:
    """Numbers in prose that are not references, markers or NON_FIGURES, with their lines."""
    marked = _marked_lines(text)
    prose = _strip_non_prose(text)
    for pattern in _NON_FIGURES:
        prose = pattern.sub(_blank, prose)
    found = []
    original = text.splitlines()
    for number, line in enumerate(prose.splitlines()):
        if number in marked:
            continue
        for match in NUMBER.finditer(line):
            digits = match["digits"].rstrip(",.")
            plain = not (match["money"] or match["scale"] or match["percent"])
            if plain and "." not in digits and "," not in digits and int(digits) <= SMALL_COUNT:
                continue
            found.append(BareFigure(where, number + 1, match.group(0).strip(), original[number]))
    return found
