"""A short, board-ready brief as one self-contained HTML file, rebuilt from saved inputs.

`BriefInputs` holds everything the brief uses (question, place, cited local figures, model and
starting point, scenarios, uncertainty settings, voice folder, assumptions) and is saved as JSON
beside the brief. `build_brief(inputs)` makes the HTML: the question; the local data with
sources; the model's structure as a diagram drawn from the groups' links; the voice inputs with
where each came from (after the safeguards of `data.voice`); the policies compared with their
uncertainty (a small ensemble, bands from the 10th to the 90th percentile); the assumptions.
Charts are drawn offline with vl-convert (which bundles the Vega engine) as inline SVG, and no
timestamp is written, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.ensemble import ensemble, sample_parameters
from ..analysis.loops import describe_loops, find_loops
from ..analysis.scenarios import load_scenarios
from ..charts import DASHES, PALETTE, alt, axis_title
from ..charts.tables import Column, people_table
from ..charts.words import name_in_words
from ..data.datasets import SourceNote, cite
from ..data.voice import compare_reference_mode, load_voice, merge_links, quote_html
from ..models import load_model

BAND = (0.1, 0.9)  # the band shown: 10th to 90th percentile of the ensemble
MAX_SCENARIOS = 4  # lines a reader can tell apart on one chart


@dataclass
class BriefInputs:
    """Everything a brief is made from; `save`/`load` keep it as JSON."""

    title: str
    question: str
    place: str
    model: str
    local_figures: list[dict[str, Any]]  # label, value, unit, period, dataset (for the citation)
    start: dict[str, float]  # parameter overrides that set the model to the place
    scenarios: list[str]  # names in the model's scenario file, base first
    outputs: list[str]  # outputs the brief leads with, most voted first
    horizon: float  # the year (or month) the policies are compared at
    uncertain: list[str]  # parameters varied in the ensemble
    spread_percent: float = 20.0  # each uncertain parameter varied by ± this much
    runs: int = 30
    seed: int = 7
    voice_folder: str = ""
    slot: str = ""  # the model's place standing for this place (e.g. "inner_city"), if any
    outputs_from_votes: bool = True  # whether `outputs` follow the groups' dot votes
    reference_modes: dict[str, str] = field(default_factory=dict)  # drawn variable -> output
    assumptions: list[str] = field(default_factory=list)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                        encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> BriefInputs:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


# ---- numbers ---------------------------------------------------------------------------------
def ranges(model, inputs: BriefInputs) -> dict[str, tuple[float, float]]:
    """Each uncertain parameter ± `spread_percent` around its value here, inside the model's range."""
    values = model.resolve(inputs.start)
    table = model.parameters
    out = {}
    for name in inputs.uncertain:
        centre = values[name]
        low = max(centre * (1 - inputs.spread_percent / 100), table.loc[name, "min"])
        high = min(centre * (1 + inputs.spread_percent / 100), table.loc[name, "max"])
        out[name] = (float(low), float(high))
    return out


def policy_bands(inputs: BriefInputs) -> pd.DataFrame:
    """For each scenario and lead output: time, median, low and high (the band), tidy."""
    model = load_model(inputs.model)
    scenarios = load_scenarios(inputs.model, model)
    samples = sample_parameters(model, inputs.runs, ranges(model, inputs), seed=inputs.seed)
    rows = []
    for name in inputs.scenarios[:MAX_SCENARIOS]:
        fixed = {**inputs.start, **scenarios.parameters(name)}
        runs_here = samples.copy()
        for key, value in fixed.items():
            if key not in runs_here.columns:
                runs_here[key] = value
        result = ensemble(model, runs_here, outputs=[o.split("[")[0] for o in inputs.outputs],
                          progress=False)
        for output in inputs.outputs:
            values = result[output] * (100 if _is_share(model, output) else 1)
            by_time = values.groupby(level=1)
            frame = pd.DataFrame({"median": by_time.median(), "low": by_time.quantile(BAND[0]),
                                  "high": by_time.quantile(BAND[1])})
            frame["scenario"], frame["output"] = scenarios[name].title, output
            rows.append(frame.rename_axis("time").reset_index())
    return pd.concat(rows, ignore_index=True)


def label(model, output: str, inputs: BriefInputs) -> str:
    """An output in words, with the model's place named as the brief's place."""
    words = name_in_words(output, model.variables.loc[output.split("[")[0], "label"])
    if inputs.slot:
        words = words.replace(", " + name_in_words(inputs.slot).lower(), ", " + inputs.place)
    return words


def _is_share(model, output: str) -> bool:
    """A share without a unit (0-1): shown as a percentage."""
    return str(model.variables.loc[output.split("[")[0], "unit"]).lower() in ("dmnl", "", "1")


def _unit(model, output: str) -> str:
    return "percent" if _is_share(model, output) else model.variables.loc[output.split("[")[0], "unit"]


def _parameter_words(name: str, inputs: BriefInputs) -> str:
    words = name_in_words(name).lower()
    slot = name_in_words(inputs.slot).lower() if inputs.slot else ""
    return words.replace(slot, f"{inputs.place}:", 1) if slot and words.startswith(slot) else words


def _said(value: float) -> str:
    """A number for a sentence: 1,987 or 11.9, never 1.99e+03."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _round(value: float) -> float:
    return float(f"{value:.6g}")  # fixed precision: the same numbers give the same bytes


# ---- pictures --------------------------------------------------------------------------------
def band_chart(bands: pd.DataFrame, output: str, model, title: str, words: str) -> alt.Chart:
    """Median lines with 10-90% bands, one per scenario, told apart by colour and dash."""
    data = bands[bands["output"] == output].copy()
    for column in ("median", "low", "high"):
        data[column] = data[column].map(_round)
    data["time"] = data["time"].map(_round)
    names = list(dict.fromkeys(data["scenario"]))
    y_title = axis_title(words, _unit(model, output))
    year = model.index_name == "year"
    colours = alt.Scale(domain=names, range=PALETTE[:len(names)])
    key = alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=400, symbolOpacity=1,
                     labelLimit=300)
    colour = alt.Color("scenario:N", scale=colours, title="Scenario", legend=key)
    x = alt.X("time:Q", title="Year" if year else "Months from start",
              axis=alt.Axis(format="d" if year else ",.0f"))
    base = alt.Chart(alt.Data(values=data.to_dict("records")))
    band = base.mark_area(opacity=0.18).encode(x=x, y=alt.Y("low:Q", title=y_title), y2="high:Q",
                                               color=colour)
    line = base.mark_line().encode(
        x=x, y="median:Q", color=colour,
        strokeDash=alt.StrokeDash("scenario:N", scale=alt.Scale(domain=names, range=DASHES[:len(names)]),
                                  title="Scenario", legend=key))
    end = data[data["time"] == data["time"].max()]
    said = "; ".join(f"{r.scenario}: {_said(r.median)} (band {_said(r.low)} to {_said(r.high)})"
                     for r in end.itertuples())
    return (band + line).properties(
        width=560, height=240,
        title=alt.Title(words, subtitle=f"{title}. Lines: middle of the runs; shading: 8 in 10 runs fall inside",
                        limit=560),
        description=f"{title}. {y_title} over time for {len(names)} scenarios; at the end, {said}.")


def chart_svg(chart: alt.Chart) -> str:
    """A chart as SVG, drawn offline by vl-convert."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict(), vl_version="5.20")


def _wrap(text: str, width: int = 16) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def diagram_svg(diagram, width: int = 720, height: int = 600) -> str:
    """A causal loop diagram as SVG: variables round a circle, arrows marked + or −."""
    keys = list(diagram.labels)
    cx, cy, r = width / 2, height / 2, min(width, height) / 2 - 90
    at = {k: (cx + r * math.cos(2 * math.pi * i / len(keys) - math.pi / 2),
              cy + r * math.sin(2 * math.pi * i / len(keys) - math.pi / 2)) for i, k in enumerate(keys)}
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"viewBox='0 0 {width} {height}' role='img' aria-label='{html.escape(diagram.title)}: "
             f"{len(keys)} variables, {len(diagram.links)} links'>",
             "<defs><marker id='arrow' viewBox='0 0 10 10' refX='10' refY='5' markerWidth='8' "
             "markerHeight='8' orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' "
             "fill='#333'/></marker></defs>"]
    for link in diagram.links:
        (x1, y1), (x2, y2) = at[link.source], at[link.target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        # leave each box at its edge: the line's exit from a 124 x 40 box, plus a little
        edge = min(66 / max(abs(dx), 1e-9), 26 / max(abs(dy), 1e-9)) * length
        sx, sy = x1 + dx / length * edge, y1 + dy / length * edge
        ex, ey = x2 - dx / length * (edge + 4), y2 - dy / length * (edge + 4)
        # bend each arrow to its right, so a pair of opposite links do not overlap
        mx, my = (sx + ex) / 2 - dy / length * 18, (sy + ey) / 2 + dx / length * 18
        colour = "#B35900" if link.polarity == "-" else "#0072B2" if link.polarity == "+" else "#666"
        dash = " stroke-dasharray='6 4'" if link.polarity != "+" else ""
        parts.append(f"<path d='M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}' fill='none' "
                     f"stroke='{colour}' stroke-width='1.8'{dash} marker-end='url(#arrow)'/>")
        sign = {"+": "+", "-": "−", "?": "?"}[link.polarity]
        lx, ly = (sx + 2 * mx + ex) / 4, (sy + 2 * my + ey) / 4
        parts.append(f"<circle cx='{lx:.1f}' cy='{ly:.1f}' r='10' fill='white' stroke='{colour}'/>"
                     f"<text x='{lx:.1f}' y='{ly + 5:.1f}' text-anchor='middle' font-size='15' "
                     f"font-weight='bold' fill='{colour}'>{sign}</text>")
    for key, (x, y) in at.items():
        lines = _wrap(diagram.label(key))
        top = y - 8 * (len(lines) - 1)
        parts.append(f"<rect x='{x - 62:.1f}' y='{top - 16:.1f}' width='124' height='{16 * len(lines) + 12}' "
                     "rx='8' fill='#F6F9FC' stroke='#555'/>")
        for i, line in enumerate(lines):
            parts.append(f"<text x='{x:.1f}' y='{top + 16 * i + 4:.1f}' text-anchor='middle' "
                         f"font-size='13' font-family='sans-serif'>{html.escape(line)}</text>")
    parts.append("</svg>")
    return "\n".join(parts)


# ---- the document ----------------------------------------------------------------------------
CSS = ("body{font-family:sans-serif;max-width:780px;margin:2em auto;padding:0 1em;line-height:1.45;"
       "color:#222}h1{font-size:1.6em}h2{border-bottom:2px solid #0072B2;padding-bottom:2px;"
       "margin-top:1.6em}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;"
       "padding:3px 8px;vertical-align:top}.note{color:#555;font-size:90%}.synthetic{background:"
       "#FFF4D6;border-left:5px solid #E69F00;padding:6px 10px}blockquote{border-left:4px solid "
       "#999;margin:.5em 0;padding-left:10px}@media print{h2{break-after:avoid}svg{max-width:100%}}")


def _table(frame: pd.DataFrame, columns: dict[str, Column | str]) -> str:
    return people_table(frame, columns)._repr_html_()


def _voice_section(inputs: BriefInputs, model, bands: pd.DataFrame) -> tuple[str, str]:
    """The structure section (diagram, loops) and the voice section, as HTML."""
    if not inputs.voice_folder:
        return "<p>No group model building inputs were added.</p>", ""
    voice = load_voice(inputs.voice_folder)
    diagram, provenance = merge_links(voice.links, title="What the groups drew")
    loops = find_loops(diagram)
    structure = [diagram_svg(diagram),
                 "<p class='note'>Blue solid arrows: the same direction (+); orange dashed: the "
                 "opposite direction (−). Drawn from the groups' links, merged.</p>",
                 f"<p><b>Feedback loops:</b></p><ul>{''.join(f'<li>{html.escape(s)}</li>' for s in describe_loops(loops).splitlines())}</ul>"]
    parts = []
    if voice.synthetic:
        parts.append("<p class='synthetic'><b>Synthetic example.</b> These voice inputs were invented "
                     "to show the method; they are not from the place above, and no one's words are "
                     "quoted.</p>")
    parts.append(_table(voice.groups, {"session": Column("Session", "text"), "group": Column("Group", "text"),
                                       "date": Column("Date", "text"),
                                       "participants": Column("People", 0),
                                       "age_band": Column("Ages", "text")}))
    if voice.suppressed_groups:
        parts.append(f"<p class='note'>Not shown (fewer than 5 people, so they could be identified): "
                     f"{html.escape('; '.join(voice.suppressed_groups))}.</p>")
    parts.append("<h3>Causal links and who drew them</h3>")
    parts.append(_table(provenance, {"link": Column("Link", "text"), "polarity": Column("Direction", "text"),
                                     "drawn_by": Column("Drawn by (session: group)", "text")}))
    parts.append("<h3>What matters most (dot votes)</h3>")
    parts.append(_table(voice.priorities(), {"priority": Column("Priority", "text"),
                                             "dots": Column("Dots", 0), "groups": Column("Groups voting", 0)}))
    if inputs.reference_modes and not voice.reference_modes.empty:
        rows = []
        base_title = load_scenarios(inputs.model, model)[inputs.scenarios[0]].title
        for variable, output in inputs.reference_modes.items():
            mode = voice.reference_modes[voice.reference_modes["variable"] == variable]
            if mode.empty:
                continue
            line = bands[(bands["scenario"] == base_title) & (bands["output"] == output)]
            result = compare_reference_mode(mode, line.set_index("time")["median"])
            rows.append({"drawn": f"{variable} ({mode['group'].iloc[0]}, session {mode['session'].iloc[0]})",
                         "output": label(model, output, inputs), "drawn_way": result["drawn"],
                         "model_way": result["model"], "agree": result["agree"]})
        if rows:
            parts.append("<h3>Patterns the groups drew, beside the model</h3>")
            parts.append(_table(pd.DataFrame(rows), {
                "drawn": Column("Drawn pattern", "text"), "output": Column("Compared with", "text"),
                "drawn_way": Column("Drawn", "text"), "model_way": Column("Model (no new policy)", "text"),
                "agree": Column("Same direction?", "text")}))
    parts.append("<h3>Local assets named by the groups</h3>")
    parts.append(_table(voice.assets, {"asset": Column("Asset", "text"), "kind": Column("Kind", "text"),
                                       "offers": Column("Offers", "text"),
                                       "related_model_input": Column("Bears on", "text")}))
    parts.append("<h3>Quotes</h3>")
    shown = [quote_html(q) for q in voice.quotes if not q.refusal()]
    refused = len(voice.quotes) - len(shown)
    parts.extend(shown or ["<p>No quote may be shown.</p>"])
    parts.append(f"<p class='note'>{refused} quote record(s) not shown: each lacked consent, a "
                 "session identifier, a guardian's consent (under 16) or a large enough group.</p>")
    return "\n".join(structure), "\n".join(parts)


def build_brief(inputs: BriefInputs) -> str:
    """The brief as one HTML document (no scripts, no links needed to read it)."""
    model = load_model(inputs.model)
    bands = policy_bands(inputs)
    structure, voice = _voice_section(inputs, model, bands)
    e = html.escape
    out = ["<!DOCTYPE html>", "<html lang='en-GB'><head><meta charset='utf-8'>",
           f"<title>{e(inputs.title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{e(inputs.title)}</h1>",
           f"<p><b>The question.</b> {e(inputs.question)}</p>",
           f"<p class='note'>Place: {e(inputs.place)}. Model: {e(name_in_words(inputs.model).replace('Camhs', 'CAMHS'))} "
           "(cyp-dynamics course model). Built from saved inputs; run again to rebuild.</p>",
           "<h2>1. Local data</h2>"]
    local = pd.DataFrame(inputs.local_figures)
    columns = {"label": Column("Figure", "text"), "period": Column("Period", "text"),
               "shown": Column("Value", "text")}
    if "definition" in local.columns:  # read each figure's definition before comparing
        columns["definition"] = Column("What it counts", "text")
        local["definition"] = local["definition"].fillna("")
    out.append(_table(local, columns))
    for dataset in dict.fromkeys(d for d in local.get("dataset", []) if isinstance(d, str) and d):
        full = e(cite(dataset)).replace("\n", "<br>")
        out.append(f"<p class='note'>{e(SourceNote(dataset).short())}<br>{full}</p>")
    out += ["<h2>2. The structure, as the groups see it</h2>", structure,
            "<h2>3. Policies compared, with uncertainty</h2>",
            f"<p>Each line is the middle of {inputs.runs} runs in which "
            f"{e(', '.join(_parameter_words(p, inputs) for p in inputs.uncertain))} vary by ±"
            f"{inputs.spread_percent:g}% (a Latin hypercube sample, seed {inputs.seed}); the shading "
            "holds 8 runs in 10."
            + (" Outputs are in the order the groups' dot votes put them." if inputs.outputs_from_votes else "")
            + "</p>"]
    scenario_titles = list(dict.fromkeys(bands["scenario"]))
    for output in inputs.outputs:
        words = label(model, output, inputs)
        when = (f"in {inputs.horizon:g}" if model.index_name == "year"
                else f"at {model.index_name} {inputs.horizon:g}")
        chart = band_chart(bands, output, model, "Policies compared", words)
        out.append(f"<figure>{chart_svg(chart)}<figcaption class='note'>"
                   f"{e(chart.description)}</figcaption></figure>")
        at = bands[(bands["output"] == output)]
        at = at[np.isclose(at["time"], inputs.horizon)].set_index("scenario").loc[scenario_titles]
        out.append(_table(at.reset_index(), {
            "scenario": Column("Scenario", "text"),
            "median": Column(f"{words} {when}, middle", 1),
            "low": Column("Band from", 1), "high": Column("Band to", 1)}))
    out += ["<h2>4. Youth and community voice</h2>", voice,
            "<h2>5. Assumptions</h2>",
            "<ul>" + "".join(f"<li>{e(a)}</li>" for a in inputs.assumptions) + "</ul>",
            "<p class='note'>Made with cyp-dynamics. Every figure above comes from the cited sources "
            "or from the model; synthetic inputs are labelled.</p>", "</body></html>"]
    return "\n".join(out) + "\n"


def write_brief(inputs: BriefInputs, folder: str | Path, stem: str = "brief") -> Path:
    """Write `stem.html` and its inputs `stem_inputs.json` into `folder`; returns the HTML path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    inputs.save(folder / f"{stem}_inputs.json")
    path = folder / f"{stem}.html"
    path.write_text(build_brief(inputs), encoding="utf-8")
    return path
