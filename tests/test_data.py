"""Every dataset is cited; loaders and local-data import answer bad input with what to fix."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from cyp_dynamics import cite, list_datasets, load_dataset, read_local_csv
from cyp_dynamics.data import LocalDataError, datasets_folder, figure

DATASETS = sorted(p.parent for p in datasets_folder().glob("*/datapackage.json"))
COLUMNS = ["measure", "period", "geography", "value", "unit", "status", "source", "definition", "notes"]


def test_there_are_datasets():
    assert len(DATASETS) >= 3
    assert set(list_datasets()["name"]) == {p.name for p in DATASETS}


@pytest.mark.parametrize("folder", DATASETS, ids=lambda p: p.name)
def test_every_figure_carries_source_date_and_licence(folder: Path):
    meta = json.loads((folder / "datapackage.json").read_text())
    assert meta["name"] == folder.name
    assert meta["licenses"] and all(l.get("title") or l.get("name") for l in meta["licenses"])
    sources = {s["id"]: s for s in meta["sources"]}
    for source in sources.values():
        assert source["title"] and source["path"].startswith("http") and source["publisher"]
        assert source.get("date_retrieved")
    assert (folder / "README.md").is_file()
    fields = [f["name"] for f in meta["resources"][0]["schema"]["fields"]]
    with open(folder / meta["resources"][0]["path"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0].keys()) == COLUMNS == fields
    for row in rows:
        float(row["value"])
        assert row["status"] in {"published", "derived", "assumption", "synthetic"}
        if row["source"].strip() == "none":  # an assumption that rests on no source says so
            assert row["status"] == "assumption" and "rests on" in row["notes"].lower(), (
                f"{folder.name}: {row['measure']} cites no source, so it must be an assumption whose notes "
                "say what it rests on")
            continue
        for source_id in row["source"].split(";"):
            assert source_id.strip() in sources, f"{folder.name}: unknown source {source_id}"
        assert row["definition"].strip(), f"{folder.name}: {row['measure']} has no definition"
        if row["status"] == "derived":
            assert row["notes"].strip(), f"{folder.name}: derived {row['measure']} shows no working"


@pytest.mark.parametrize("folder", DATASETS, ids=lambda p: p.name)
def test_every_source_names_its_licence(folder: Path):
    """Each source states its own licence, and the package's licence list names every one of them."""
    meta = json.loads((folder / "datapackage.json").read_text())
    listed = {l.get("title") for l in meta["licenses"]}
    for source in meta["sources"]:
        licence = source.get("licence", "").strip()
        assert licence, f"{folder.name}: source {source['id']} names no licence"
        assert licence in listed, f"{folder.name}: {source['id']}'s licence is missing from 'licenses'"
        if "commissioner" in source["publisher"].lower():  # a corporation sole: Crown copyright unverified
            assert not licence.lower().startswith("crown copyright"), f"{source['id']}: see source, not Crown copyright"
    covered = {i for l in meta["licenses"] for i in l.get("sources", [])}
    assert covered == {s["id"] for s in meta["sources"]}, f"{folder.name}: a licence entry lists no sources"


def test_load_dataset_carries_its_metadata():
    table = load_dataset("camhs_waiting_list_defaults")
    assert table.attrs["metadata"]["sources"][0]["publisher"] == "Children's Commissioner for England"
    assert figure("camhs_waiting_list_defaults", "children_still_waiting_at_year_end", "2022/23") == 270300
    assert "Children's Commissioner" in cite("camhs_waiting_list_defaults")


def test_dataset_errors_name_the_alternatives():
    with pytest.raises(ValueError, match="camhs_waiting_list_defaults"):
        load_dataset("camhs_waiting_list_default")
    with pytest.raises(ValueError, match="not a measure"):
        figure("camhs_waiting_list_defaults", "waiting")


# ---- a practitioner's own CSV --------------------------------------------------------------
def _write(tmp_path, text, name="local.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_local_csv_with_suppression_and_thousands(tmp_path):
    path = _write(tmp_path, "month,waiting_list,referrals\n1,\"1,250\",300\n2,*,310\n3,1190, 295 \n")
    table = read_local_csv(path, ["waiting_list", "referrals"], time_column="month")
    assert table.loc[1, "waiting_list"] == 1250
    assert pd.isna(table.loc[2, "waiting_list"])
    assert table.attrs["suppressed"] == {"month": 0, "waiting_list": 1, "referrals": 0}


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("month,waiting_list\n", "no rows"),
    ("month,waiting\n1,4\n", r"lacks the column\(s\) \['waiting_list'\]"),
    ("month,waiting_list\n1,12\n2,lots\n3,many\n", r"not numbers \('lots', 'many'\) on line\(s\) \[3, 4\]"),
    ("month,waiting_list\n1,12\n\n2,8\n\n3,lots\n", r"not numbers \('lots'\) on line\(s\) \[6\]"),  # blanks counted
    ("month,note,waiting_list\n1,\"two\nlines\",12\n2,x,lots\n", r"on line\(s\) \[4\]"),  # a quoted line break
    ("month,waiting_list\n1,3\n1,4\n", "repeats"),
    ("month,waiting_list\n2,3\n1,4\n", "not in order"),
    ("month,waiting_list\n1,3,4,5\n", "well-formed CSV"),
])
def test_malformed_local_csv_says_what_to_fix(tmp_path, text, message):
    path = _write(tmp_path, text)
    before = path.read_bytes()
    with pytest.raises(LocalDataError, match=message):
        read_local_csv(path, ["waiting_list"], time_column="month")
    assert path.read_bytes() == before  # nothing the user saved is changed


def test_missing_local_file(tmp_path):
    with pytest.raises(LocalDataError, match="No file at"):
        read_local_csv(tmp_path / "none.csv", ["x"])
