"""Course models leave for Vensim and Stella whole: a diagram in every .mdl sketch, equations kept
byte for byte, and an XMILE export that pysd reads back to the same runs.

The sketch is checked with pysd's own sketch grammar (every record parses; every stock, flow and
auxiliary is drawn exactly once) and for overlaps; runs are compared with pysd on both sides.
A sample of the SDXorg test-model suite (../shared/test-models) is exported too, when present.
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pysd
import pytest
from pysd.translators.vensim import vensim_utils
from pysd.translators.vensim.vensim_file import SketchVisitor

from cyp_dynamics.models import list_models, load_model
from cyp_dynamics.models.export import (SketchError, XmileExportError, sketch_svg,
                                        stock_flow_structure, to_xmile, with_sketch, write_sketch)
from cyp_dynamics.models.export.picture import sketch_views
from cyp_dynamics.models.export.vensim_sketch import SKETCH_START, split_sketch

COURSE_MODELS = list(list_models()["name"])
SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "test-models"
CONTROLS = {"TIME STEP", "SAVEPER", "FINAL TIME", "INITIAL TIME", "Time"}


def _pysd_run(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pysd.read_xmile(str(path)) if path.suffix == ".xmile" else pysd.read_vensim(str(path))
        run = model.run()
    run.columns = [c.replace(" ", "_") for c in run.columns]  # XMILE declares `age_0_4` as `age 0 4`
    return run


def _largest_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest relative difference over the columns and saved times both runs have."""
    times = a.index.intersection(b.index)
    columns = [c for c in a.columns if c in b.columns and c.replace("_", " ") not in CONTROLS]
    assert len(times) >= 2 and len(columns) >= max(1, 0.9 * (len(a.columns) - 4)), \
        f"runs share too little: {len(times)} times, {len(columns)} of {len(a.columns)} columns"
    x = a.loc[times, columns].to_numpy(float)
    y = b.loc[times, columns].to_numpy(float)
    both_nan = np.isnan(x) & np.isnan(y)
    return float(np.max(np.where(both_nan, 0, np.abs(x - y) / (1 + np.abs(x)))))


def _sketch_names(mdl_text: str) -> list[str]:
    """Every non-shadow variable drawn in the sketch, read with pysd's own sketch grammar."""
    _, sketch, _ = split_sketch(mdl_text)
    grammar = vensim_utils.Grammar.get("sketch")
    names = []
    for line in sketch.splitlines():
        parsed = SketchVisitor(grammar.parse(line))  # raises if pysd cannot read the line
        if parsed.variable_name:
            names.append(parsed.variable_name)
    return names


def _overlaps(mdl_text: str) -> list[tuple[str, str, str]]:
    _, sketch, _ = split_sketch(mdl_text)
    found = []
    for title, records in sketch_views(sketch):
        shapes = [e for e in records.values() if e["kind"] != "arrow"]
        found += [(title, a.get("name", a["kind"]), b.get("name", b["kind"]))
                  for a, b in itertools.combinations(shapes, 2)
                  if abs(a["x"] - b["x"]) < a["w"] + b["w"] and abs(a["y"] - b["y"]) < a["h"] + b["h"]]
    return found


@pytest.fixture(scope="module", params=COURSE_MODELS)
def course_model(request):
    return load_model(request.param)


def test_the_course_model_files_carry_their_current_diagram(course_model):
    text = Path(course_model.path).read_text(encoding="utf-8")
    assert SKETCH_START in text
    assert with_sketch(text, stock_flow_structure(course_model)) == text, (
        f"{Path(course_model.path).name}'s sketch is out of date with its equations: run "
        "`python -m cyp_dynamics.models.export sketch --course` and commit the files")


def test_sketch_keeps_equations_byte_for_byte_and_parses_in_pysd(course_model):
    text = Path(course_model.path).read_text(encoding="utf-8")
    written = with_sketch(text, stock_flow_structure(course_model))
    assert split_sketch(written)[0] == split_sketch(text)[0]
    drawn = _sketch_names(written)
    structure = stock_flow_structure(course_model)
    expected = sorted(n.replace(" ", "_").lower() for n in structure.names.values())
    assert sorted(drawn) == expected, "every stock, flow and auxiliary is drawn exactly once"
    assert structure.stocks and structure.pipes


def test_no_two_elements_of_a_sketch_overlap(course_model):
    text = Path(course_model.path).read_text(encoding="utf-8")
    assert _overlaps(with_sketch(text, stock_flow_structure(course_model))) == []


def test_valves_come_just_before_their_flow_and_pipes_join_valves(course_model):
    text = Path(course_model.path).read_text(encoding="utf-8")
    _, sketch, _ = split_sketch(with_sketch(text, stock_flow_structure(course_model)))
    for _, records in sketch_views(sketch):
        _check_valves_and_pipes(records)


def _check_valves_and_pipes(records: dict[int, dict]) -> None:
    valves = [n for n, e in records.items() if e["kind"] == "valve"]
    assert all(records[n + 1]["kind"] == "flow" for n in valves)
    pipes = [e for e in records.values() if e["kind"] == "arrow" and e["pipe"]]
    assert len(pipes) == 2 * len(valves)
    assert all(records[p["start"]]["kind"] == "valve" for p in pipes)
    assert all(records[p["end"]]["kind"] in ("stock", "cloud") for p in pipes)


def _copy(path: Path, folder: Path) -> Path:
    """A copy to translate: pysd writes its Python beside the file it reads."""
    target = folder / "original" / path.name
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(path.read_bytes())
    return target


def test_written_mdl_and_xmile_run_to_the_same_numbers_in_pysd(course_model, tmp_path):
    original = _pysd_run(_copy(Path(course_model.path), tmp_path))
    sketched = tmp_path / Path(course_model.path).name
    write_sketch(course_model, sketched)
    assert _largest_difference(original, _pysd_run(sketched)) <= 1e-9
    exported = to_xmile(course_model, tmp_path / "model.xmile")
    assert _largest_difference(original, _pysd_run(exported)) <= 1e-9


def test_xmile_carries_units_ranges_comments_and_one_view_entry_per_variable(tmp_path):
    model = load_model("camhs_waiting_list")
    text = to_xmile(model, tmp_path / "list.xmile").read_text(encoding="utf-8")
    assert "<units>children/Month</units>" in text
    assert '<range min="0.0" max="300.0"/>' in text or '<range min="0" max="300"/>' in text
    assert "Source" in text or "source" in text
    view = text[text.index("<views>"):]
    drawn = re.findall(r'<(?:stock|aux|flow) name="([^"]+)"', view)
    assert len(drawn) == len(set(drawn)) == len(stock_flow_structure(model).names)


def test_a_big_model_is_drawn_in_views_with_each_variable_defined_once(tmp_path):
    model = load_model("camhs_system")
    text = with_sketch(Path(model.path).read_text(encoding="utf-8"), stock_flow_structure(model))
    views = sketch_views(split_sketch(text)[1])
    assert len(views) >= 2
    assert any("Clinicians" in title for title, _ in views), [t for t, _ in views]
    shadows = [e for _, records in views for e in records.values() if e["kind"] == "shadow"]
    assert shadows, "links between views are drawn from shadow variables"
    xmile = to_xmile(model, tmp_path / "system.xmile").read_text(encoding="utf-8")
    assert xmile.count("<view ") == len(views) and "<alias " in xmile


def test_a_picture_of_the_sketch_shows_every_stock(course_model):
    text = Path(course_model.path).read_text(encoding="utf-8")
    svg = sketch_svg(with_sketch(text, stock_flow_structure(course_model)), course_model.name)
    for stock in stock_flow_structure(course_model).stocks:
        first_word = course_model._by_name[stock].name.split()[0]
        assert first_word in svg
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")


def test_bad_requests_get_a_message_that_says_what_to_do(tmp_path):
    xmile_model = SUITE / "samples" / "teacup" / "teacup.xmile"
    model = load_model("camhs_waiting_list")
    with pytest.raises(XmileExportError, match="xmile"):
        to_xmile(model, tmp_path / "model.txt")
    if xmile_model.exists():
        with pytest.raises(SketchError, match="to_xmile"):
            write_sketch(load_model(xmile_model), tmp_path / "out.mdl")
    broken = tmp_path / "cut.mdl"
    broken.write_text("{UTF-8}\nStock = INTEG(1, 0)\n\t~\tthings\n\t~\t\n", encoding="utf-8")
    with pytest.raises(SketchError, match="'\\|'"):
        with_sketch(broken.read_text(), stock_flow_structure(model))


def _suite_sample() -> list[Path]:
    if not SUITE.exists():
        return []
    models = sorted(p for p in (SUITE / "tests").glob("*/*.mdl") if "macro" not in p.name.lower())
    return models[::8]


@pytest.mark.skipif(not SUITE.exists(), reason="the SDXorg test-model suite is not beside the "
                    "repository (../shared/test-models): suite export checks skipped")
def test_suite_models_export_and_run_the_same(tmp_path):
    exported, sketched, refused = 0, 0, []
    for path in _suite_sample():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = load_model(path)
                original = _pysd_run(_copy(path, tmp_path))
        except Exception:  # a model the project or pysd cannot run is not this test's concern
            continue
        if len(original.columns) < 5 or re.search(r"GET (XLS|DIRECT|DATA)", path.read_text()):
            continue  # too small to tell, or reads data files that stay beside the original
        target = tmp_path / path.name
        try:
            write_sketch(model, target)
        except SketchError as problem:
            refused.append((path.name, str(problem)))
            continue
        assert split_sketch(target.read_text())[0] == split_sketch(path.read_text())[0]
        _sketch_names(target.read_text())
        assert _largest_difference(original, _pysd_run(target)) <= 1e-9, path.name
        sketched += 1
        try:
            xmile = to_xmile(model, tmp_path / (path.stem + ".xmile"))
        except XmileExportError as problem:
            refused.append((path.name, str(problem)))
            continue
        assert _largest_difference(original, _pysd_run(xmile)) <= 1e-9, path.name
        exported += 1
    print(f"\nsuite sample: {sketched} sketched, {exported} exported to XMILE and rerun, "
          f"{len(refused)} refused with a message")
    for name, why in refused:
        print(f"  {name}: {why}")
    assert sketched >= 10 and exported >= 0.6 * sketched


def test_the_pictures_of_the_course_models_diagrams_are_current(course_model):
    picture = (Path(__file__).resolve().parents[1] / "course" / "images" / "model_diagrams"
               / f"{course_model.name}.svg")
    text = Path(course_model.path).read_text(encoding="utf-8")
    assert picture.read_text(encoding="utf-8") == sketch_svg(text, course_model.name.replace("_", " ")), (
        f"{picture.name} is out of date: run `python -m cyp_dynamics.models.export picture "
        f"{Path(course_model.path).name} {picture}` (see the README)")
