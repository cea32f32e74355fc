"""Youth and community voice as data: group model building inputs, with safeguards in code.

A folder of small CSVs (laid out like `datasets/group_model_building_example_synthetic/`) holds
what groups produced in a session: `groups.csv` (who took part), `reference_modes.csv`
(patterns drawn over time), `links.csv` (causal links in the course's `a -> b (+)` syntax),
`votes.csv` (dot votes), `assets.csv` (local services and community assets) and `quotes.csv`
(quote records with consent flags). `load_voice` reads and checks them.

Safeguards, enforced here rather than left to prose:

- a group with fewer than `MIN_GROUP_SIZE` people is suppressed from every table, link and vote;
- a quote is shown only when its record carries consent, a session identifier and the words as
  said (`verbatim`); its text is passed through unchanged, never generated or paraphrased;
- an age band under 16 also needs a parent's or guardian's consent on record.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.diagram import CausalDiagram, Link, _parse_line, variable_key
from ..analysis.loops import find_loops

MIN_GROUP_SIZE = 5  # people; smaller groups could be identified, so they are suppressed
ADULT_AGE = 16  # an age band starting below this needs a parent's or guardian's consent too
FILES = {
    "groups": ["session", "group", "date", "participants", "age_band", "setting",
               "guardian_consent_recorded"],
    "links": ["session", "group", "link"],
    "reference_modes": ["session", "group", "variable", "year", "level"],
    "votes": ["session", "group", "priority", "dots"],
    "assets": ["asset", "kind", "offers", "related_model_input", "status"],
    "quotes": ["quote_id", "session", "group", "age_band", "consent_recorded",
               "guardian_consent_recorded", "verbatim", "text"],
}
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


class VoiceError(ValueError):
    """Voice data that cannot be used as it is; the message says what to fix."""


class QuoteRefused(VoiceError):
    """A quote that may not be shown; the message says which safeguard refused it."""


def _yes(value: object, where: str) -> bool:
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO or text == "nan":
        return False
    raise VoiceError(f"{where}: write yes or no, not {value!r}.")


def youngest_age(age_band: str) -> float | None:
    """The lowest age in a band: '13-15' -> 13, 'under 16' -> 0, 'adults' -> 18, '' -> None."""
    text = str(age_band).strip().lower()
    if not text or text == "nan":
        return None
    if text.startswith("under"):
        return 0.0
    if text in {"adult", "adults", "18+", "over 18"}:
        return 18.0
    number = re.match(r"(\d+)", text)
    if not number:
        raise VoiceError(f"Age band {age_band!r} is not understood: write it as 13-15, 16-18, "
                         "under 16 or adults.")
    return float(number.group(1))


def needs_guardian_consent(age_band: str) -> bool:
    """True when an age band reaches below 16 (or is not given: assume the safer case)."""
    youngest = youngest_age(age_band)
    return youngest is None or youngest < ADULT_AGE


@dataclass(frozen=True)
class Quote:
    """One quote record as stored. Only `showable_text` gives its words, and only when allowed."""

    quote_id: str
    session: str
    group: str
    age_band: str
    consent: bool
    guardian_consent: bool
    verbatim: bool
    text: str
    group_size: int | None = None

    def refusal(self, min_group_size: int = MIN_GROUP_SIZE) -> str:
        """Why this quote may not be shown ('' if it may)."""
        if not self.consent:
            return "no consent to be quoted is recorded"
        if not self.session:
            return "it has no session identifier, so where it came from cannot be checked"
        if not self.verbatim:
            return "it is not marked as the words as said (generated or paraphrased voice is never shown)"
        if needs_guardian_consent(self.age_band) and not self.guardian_consent:
            return (f"the age band ({self.age_band or 'not given'}) is under {ADULT_AGE} and no "
                    "parent's or guardian's consent is recorded")
        if self.group_size is None or self.group_size < min_group_size:
            return f"its group has fewer than {min_group_size} people, so it is suppressed"
        return ""

    def showable_text(self, min_group_size: int = MIN_GROUP_SIZE) -> str:
        """The words exactly as recorded; raises QuoteRefused naming the safeguard otherwise."""
        why = self.refusal(min_group_size)
        if why:
            raise QuoteRefused(f"Quote {self.quote_id} cannot be shown: {why}.")
        return self.text


@dataclass
class VoiceData:
    """A folder's voice inputs after the safeguards: small groups already suppressed."""

    groups: pd.DataFrame
    links: pd.DataFrame
    reference_modes: pd.DataFrame
    votes: pd.DataFrame
    assets: pd.DataFrame
    quotes: list[Quote]
    suppressed_groups: list[str] = field(default_factory=list)
    source: str = ""
    synthetic: bool = False

    def diagram(self, title: str = "What the groups drew") -> tuple[CausalDiagram, pd.DataFrame]:
        """The merged causal loop diagram and one row per link with where it came from."""
        return merge_links(self.links, title=title)

    def loops(self) -> pd.DataFrame:
        """The merged diagram's feedback loops, named R1, B1, ... (see `find_loops`)."""
        return find_loops(self.diagram()[0])

    def priorities(self) -> pd.DataFrame:
        """Dot votes added up per priority, most dots first."""
        return priorities(self.votes)

    def quote_table(self, min_group_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
        """Every quote record, whether it can be shown and why not. Text only where allowed."""
        rows = []
        for quote in self.quotes:
            why = quote.refusal(min_group_size)
            rows.append({"quote": quote.quote_id, "session": quote.session or "(none)",
                         "group": quote.group, "age_band": quote.age_band,
                         "shown": "yes" if not why else "no", "why_not": why or "",
                         "text": quote.text if not why else ""})
        return pd.DataFrame(rows, columns=["quote", "session", "group", "age_band", "shown",
                                           "why_not", "text"])


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise VoiceError(f"'{folder.name}' has no {name}.csv. A voice folder needs "
                         f"{', '.join(f + '.csv' for f in FILES)} (an empty file with its header "
                         "is fine).")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise VoiceError(f"{name}.csv cannot be read ({type(error).__name__}): save it as "
                         "'CSV UTF-8' with a header row.") from None
    missing = [c for c in FILES[name] if c not in table.columns]
    if missing:
        raise VoiceError(f"{name}.csv lacks the column(s) {missing}; its columns are "
                         f"{list(table.columns)}.")
    return table[FILES[name]].apply(lambda column: column.str.strip())


def _numbers(table: pd.DataFrame, column: str, name: str) -> pd.Series:
    values = pd.to_numeric(table[column], errors="coerce")
    bad = table.loc[values.isna(), column]
    if len(bad):
        raise VoiceError(f"{name}.csv: '{column}' must be numbers; {bad.iloc[0]!r} is not "
                         f"(row {bad.index[0] + 2}).")
    return values


def load_voice(folder: str | Path, min_group_size: int = MIN_GROUP_SIZE) -> VoiceData:
    """Read a voice folder, check it, and suppress groups smaller than `min_group_size`."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise VoiceError(f"No voice folder at '{folder}'.")
    if not isinstance(min_group_size, int) or min_group_size < 1:
        raise VoiceError(f"min_group_size must be a whole number of people, 1 or more; you gave "
                         f"{min_group_size!r}.")
    tables = {name: _read(folder, name) for name in FILES}
    groups = tables["groups"]
    groups["participants"] = _numbers(groups, "participants", "groups").astype(int)
    for i, row in groups.iterrows():
        youngest_age(row["age_band"])  # refuses a band it cannot read
        _yes(row["guardian_consent_recorded"], f"groups.csv row {i + 2}")
    sizes = {(r.session, r.group): int(r.participants) for r in groups.itertuples()}
    small = {key for key, size in sizes.items() if size < min_group_size}
    for name in ("links", "reference_modes", "votes"):
        unknown = {(r.session, r.group) for r in tables[name].itertuples()} - set(sizes)
        if unknown:
            session, group = min(unknown)
            raise VoiceError(f"{name}.csv names group '{group}' in session '{session}', which "
                             "groups.csv does not list: add it there with its size.")
        keep = [(r.session, r.group) not in small for r in tables[name].itertuples()]
        tables[name] = tables[name][keep].reset_index(drop=True)
    tables["reference_modes"]["year"] = _numbers(tables["reference_modes"], "year", "reference_modes")
    tables["reference_modes"]["level"] = _numbers(tables["reference_modes"], "level", "reference_modes")
    tables["votes"]["dots"] = _numbers(tables["votes"], "dots", "votes").astype(int)
    by_group = {}
    for key, size in sizes.items():
        by_group.setdefault(key[1], []).append(size)
    quotes = []
    for i, row in tables["quotes"].iterrows():
        where = f"quotes.csv row {i + 2}"
        size = sizes.get((row["session"], row["group"]))
        if size is None and not row["session"] and len(by_group.get(row["group"], [])) == 1:
            size = by_group[row["group"]][0]
        quotes.append(Quote(row["quote_id"], row["session"], row["group"], row["age_band"],
                            _yes(row["consent_recorded"], where),
                            _yes(row["guardian_consent_recorded"], where),
                            _yes(row["verbatim"], where), row["text"], size))
    shown_groups = groups[[(r.session, r.group) not in small for r in groups.itertuples()]]
    synthetic = "synthetic" in folder.name.lower() or (folder / "README.md").is_file() and \
        "SYNTHETIC" in (folder / "README.md").read_text(encoding="utf-8", errors="replace")
    return VoiceData(shown_groups.reset_index(drop=True), tables["links"], tables["reference_modes"],
                     tables["votes"], tables["assets"], quotes,
                     [f"{group} (session {session})" for session, group in sorted(small)],
                     source=folder.name, synthetic=synthetic)


def example_voice_folder() -> Path:
    """The course's synthetic example voice folder."""
    from .datasets import datasets_folder

    return datasets_folder() / "group_model_building_example_synthetic"


# ---- links -> one diagram --------------------------------------------------------------------
def merge_links(links: pd.DataFrame, title: str = "") -> tuple[CausalDiagram, pd.DataFrame]:
    """Merge every group's links into one diagram; a link drawn by several groups appears once.

    Where groups disagree on a link's polarity it becomes '?' (uncertain), with both views in its
    note. Returns the diagram and a provenance table: one row per merged link with the groups
    (session: group) that drew it.
    """
    merged: dict[tuple[str, str], dict] = {}
    labels: dict[str, str] = {}
    for i, row in links.reset_index(drop=True).iterrows():
        where = f"links.csv row {i + 2} ({row['group']}, session {row['session']})"
        try:
            source, target, polarity, delay = _parse_line(row["link"], where)
        except ValueError as error:
            raise VoiceError(str(error)) from None
        a, b = variable_key(source), variable_key(target)
        labels.setdefault(a, source)
        labels.setdefault(b, target)
        entry = merged.setdefault((a, b), {"polarities": [], "delay": False, "from": []})
        entry["polarities"].append(polarity)
        entry["delay"] |= delay
        entry["from"].append(f"{row['session']}: {row['group']}")
    diagram_links, rows = [], []
    for (a, b), entry in merged.items():
        views = sorted(set(entry["polarities"]))
        polarity = views[0] if len(views) == 1 else "?"
        note = "" if len(views) == 1 else "groups disagree: " + " and ".join(views)
        diagram_links.append(Link(a, b, polarity, entry["delay"], uncertain=len(views) > 1, note=note))
        rows.append({"link": f"{labels[a]} → {labels[b]}", "polarity": polarity,
                     "drawn_by": "; ".join(dict.fromkeys(entry["from"])),
                     "groups": len(set(entry["from"])), "note": note})
    diagram = CausalDiagram(diagram_links, labels=labels, title=title)
    return diagram, pd.DataFrame(rows, columns=["link", "polarity", "drawn_by", "groups", "note"])


# ---- dot votes and reference modes -----------------------------------------------------------
def priorities(votes: pd.DataFrame) -> pd.DataFrame:
    """Dots per priority, most first (ties in alphabetical order), with the groups that voted."""
    if votes.empty:
        return pd.DataFrame(columns=["priority", "dots", "groups"])
    table = (votes.groupby("priority").agg(dots=("dots", "sum"), groups=("group", "nunique"))
             .reset_index())
    return table.sort_values(["dots", "priority"], ascending=[False, True]).reset_index(drop=True)


def lead_outputs(votes: pd.DataFrame, outputs: dict[str, str], count: int = 2) -> list[str]:
    """The model outputs the brief leads with: `outputs` maps a priority's words to an output."""
    chosen = [outputs[p] for p in priorities(votes)["priority"] if p in outputs]
    return chosen[:count]


def compare_reference_mode(mode: pd.DataFrame, model_values: pd.Series) -> dict[str, str | float]:
    """Compare a drawn pattern (year, level) with a model output over the same years.

    Both are put on a 0-1 scale over the years drawn, since a drawing has no units. Returns the
    direction of each from first to last year, whether they agree, and the largest gap (0-1).
    """
    years = mode["year"].to_numpy(dtype=float)
    if len(years) < 2:
        raise VoiceError("A reference mode needs at least two points (years) to compare.")
    drawn = mode["level"].to_numpy(dtype=float)
    modelled = np.interp(years, model_values.index.to_numpy(dtype=float), model_values.to_numpy(dtype=float))

    def scaled(values: np.ndarray) -> np.ndarray:
        span = values.max() - values.min()
        return (values - values.min()) / span if span > 0 else np.zeros_like(values)

    def direction(values: np.ndarray) -> str:
        change = values[-1] - values[0]
        scale = max(abs(values).max(), 1e-9)
        return "rises" if change > 0.05 * scale else "falls" if change < -0.05 * scale else "stays level"

    drawn_way, model_way = direction(drawn), direction(modelled)
    return {"drawn": drawn_way, "model": model_way, "agree": "yes" if drawn_way == model_way else "no",
            "largest_gap": float(np.abs(scaled(drawn) - scaled(modelled)).max())}


def quote_html(quote: Quote, min_group_size: int = MIN_GROUP_SIZE) -> str:
    """A quote ready for a page, with its provenance; a refusal notice if it may not be shown."""
    why = quote.refusal(min_group_size)
    if why:
        return (f"<p class='cyp-quote-refused'><i>Quote {html.escape(quote.quote_id)} not shown: "
                f"{html.escape(why)}.</i></p>")
    return (f"<blockquote>{html.escape(quote.text)}<br><small>{html.escape(quote.group)}, session "
            f"{html.escape(quote.session)}</small></blockquote>")


def write_voice_folder(folder: str | Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write voice tables as a folder `load_voice` reads (missing tables as empty files)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, columns in FILES.items():
        table = tables.get(name, pd.DataFrame(columns=columns))
        table[columns].to_csv(folder / f"{name}.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    return folder
