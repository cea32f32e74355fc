"""Values read from files: GET XLS/DIRECT CONSTANTS, DATA and LOOKUPS, and DATA variables.

`load` reads every such value once, when a model is compiled, with pysd's own readers
(pysd/py_backend/external.py and data.py: the same cells, orientation, cell ranges and filling of
missing values as a pysd run), and puts numpy arrays where the equations named the file:

* GET ... CONSTANTS  -> `FileValues` (kind "constant"): the values of the equation's elements.
* GET ... DATA, and a DATA variable given with `data_files=` -> `FileValues` (kind "data"): the
  file's times and values; a run reads them at each step as pysd's `Data` does (see
  `external_code`): the value at a time in the file, else the first or last value outside the
  file's times, else by the variable's method (interpolate, look forward, hold backward; raw: NaN).
* GET ... LOOKUPS    -> ordinary tables (`LookupsStructure`), one per element of a subscripted
  lookup (also put in `ranges.tables`), as if written in the model.

The compiler turns a `FileValues` into a name it finds in `_arrays`: nothing read from a file is
written into the compiled code (see `common`). A file is looked for in the model's folder only
(as the pysd fallback does); a missing file or sheet is a `DataFileError` (a ValueError) saying
what to fix.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from copy import copy
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from pysd.translators.structures import abstract_expressions as ae

from ..sanitise import ModelFileError
from .common import UnsupportedModel
from .external_code import METHODS, FileValues

FILE_STRUCTURES = (ae.GetConstantsStructure, ae.GetDataStructure, ae.GetLookupsStructure,
                   ae.DataStructure)
SPREADSHEETS = (".xls", ".xlsx", ".xlsm", ".ods")
# the axis of pysd's array that is not a range: the file's times, or a lookup's x values
_AXES = {ae.GetDataStructure: "time", ae.DataStructure: "time", ae.GetLookupsStructure: "lookup_dim"}


class DataFileError(ModelFileError):
    """A file the model reads is missing or has no such sheet; the message says what to fix.
    (A `ModelFileError`, so `Model` shows it rather than falling back to pysd.)"""


def uses_files(elements: list) -> bool:
    """True when some equation reads values from a file."""
    return any(isinstance(ast, FILE_STRUCTURES) for e in elements for _, ast in e.components)


# ---- reading -------------------------------------------------------------------------------
def _model_file(root: Path, name: str, owner: str) -> Path:
    """A file named in the model, inside the model's folder; ValueError saying what to fix."""
    text = name.strip().replace("\\", "/")
    relative = PurePosixPath(text)
    if text.startswith("?"):
        raise UnsupportedModel("an indirect reference to a data file")
    if relative.is_absolute() or ".." in relative.parts or ":" in text:
        raise DataFileError(f"'{owner}' reads the file '{name}', which is outside the model's "
                            f"folder {root}: put the file in that folder and name it without a "
                            "path.")
    path = (root / relative).resolve()
    if not path.is_file():
        raise DataFileError(f"'{owner}' reads the file '{name}', which is not in the model's "
                            f"folder {root}: put it there, or correct the file name in the model.")
    if root not in path.parents:  # a link out of the folder
        raise DataFileError(f"'{owner}' reads the file '{name}', which leads outside the model's "
                            f"folder {root}: put a copy of the file itself in that folder.")
    return path


def _coords(subscripts: tuple[str, ...], dims: tuple[str, ...],
            ranges: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """pysd's coordinates of one equation: at each of the variable's ranges, its elements there."""
    coords = {}
    for dim, written in zip(dims, subscripts):
        if written in ranges.get(dim, ()):
            coords[dim] = [written]
        elif ranges.get(written):
            coords[dim] = list(ranges[written])
        else:
            raise UnsupportedModel(f"subscript {written} of data read from a file")
    return coords


def _read(reader: Any, owner: str) -> Any:
    """Run a pysd reader. A missing sheet is a `DataFileError`; anything else it cannot read
    (a cell name, a shape) sends the model to pysd, which reports it in its own words."""
    reader.missing = "warning"  # pysd's default: missing values filled, as the fallback does
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader.initialize()
    except Exception:  # noqa: BLE001 (pysd and pandas raise many kinds)
        for file, tab in zip(reader.files, reader.tabs):
            _check_sheet(Path(file), tab, owner)
        raise UnsupportedModel(f"data of {owner} that the engine could not read") from None
    return reader.data


def _check_sheet(path: Path, tab: str, owner: str) -> None:
    """DataFileError when a spreadsheet has no sheet called `tab`."""
    if path.suffix.lower() not in SPREADSHEETS:
        return
    import pandas as pd

    try:
        with pd.ExcelFile(path) as book:
            sheets = [str(s) for s in book.sheet_names]
    except Exception:  # noqa: BLE001 (not a spreadsheet pandas can open: pysd says why)
        return
    if tab not in sheets:
        raise DataFileError(f"'{owner}' reads the sheet '{tab}' of '{path.name}', which has no "
                            f"such sheet (it has {', '.join(sheets)}): correct the sheet name in "
                            "the model or in the file.")


def _slices(data: Any, coords: list[dict[str, list[str]]], first: str | None) -> list[np.ndarray]:
    """Each equation's part of a variable's values (an xarray; a float without subscripts)."""
    if not coords or not coords[0]:
        return [np.asarray(data, dtype=float)]
    order = ([first] if first else []) + list(coords[0])
    data = data.transpose(*order)
    return [np.asarray(data.loc[c].values, dtype=float) for c in coords]


def _readers(e: Any, ranges: dict, dims: tuple[str, ...], root: Path) -> tuple[dict, dict]:
    """pysd's reader of each kind of file value a variable uses ({structure: reader}), made as
    pysd's builder makes them (one per kind, `add`ing each further equation), and each kind's
    equations' coordinates ({structure: [coords, ...]})."""
    from pysd.py_backend.data import TabData
    from pysd.py_backend.external import ExtConstant, ExtData, ExtLookup

    final = {d: list(ranges[d]) for d in dims}
    readers: dict[type, Any] = {}
    coords: dict[type, list] = {}
    for subscripts, ast in e.components:
        kind = type(ast)
        if kind not in FILE_STRUCTURES:
            continue
        c = _coords(subscripts, dims, ranges)
        coords.setdefault(kind, []).append(c)
        reader = readers.get(kind)
        if kind is ae.DataStructure:
            if reader is not None:
                raise UnsupportedModel(f"DATA variable {e.name} defined in pieces")
            readers[kind] = TabData(e.name, e.py_name, final, _method(ast, e.name))
            continue
        file = str(_model_file(root, ast.file, e.name))
        if kind is ae.GetConstantsStructure:
            arguments = (file, ast.tab, ast.cell)
        elif kind is ae.GetDataStructure:
            arguments = (file, ast.tab, ast.time_row_or_col, ast.cell, _method(ast, e.name))
        else:
            arguments = (file, ast.tab, ast.x_row_or_col, ast.cell)
        if reader is None:
            make = {ae.GetConstantsStructure: ExtConstant, ae.GetDataStructure: ExtData,
                    ae.GetLookupsStructure: ExtLookup}[kind]
            readers[kind] = make(*arguments, c, root, final, e.py_name)
        else:
            reader.add(*arguments, c)
    return readers, coords


def _variable(e: Any, ranges: dict, dims: tuple[str, ...], root: Path,
              data_files: Any) -> list:
    """The components of a variable whose equations read files, with the values read."""
    readers, coords = _readers(e, ranges, dims, root)
    data: dict[type, Any] = {}
    series: dict[type, np.ndarray] = {}
    for kind, reader in readers.items():
        if kind is ae.DataStructure:
            _load_tab_data(reader, e.name, data_files)
            data[kind] = reader.data
        else:
            data[kind] = _read(reader, e.name)
        if kind is not ae.GetConstantsStructure:
            series[kind] = np.asarray(data[kind][_AXES[kind]].values, dtype=float)
    kinds = {type(ast) for _, ast in e.components}
    if dims and kinds in ({ae.GetConstantsStructure}, {ae.GetDataStructure}):
        # pysd's value is the reader's whole array over the variable's ranges, with NaN at the
        # elements no equation defines (a variable written for [Dim, female] only: NaN for male)
        kind = kinds.pop()
        whole = {d: list(ranges[d]) for d in dims}
        values = _slices(data[kind], [whole], _AXES.get(kind))[0]
        return [(dims, _file_values(kind, dims, values, series, e))]
    parts = {kind: _slices(data[kind], coords[kind], _AXES.get(kind)) for kind in readers}
    components = []
    for subscripts, ast in e.components:
        kind = type(ast)
        if kind not in FILE_STRUCTURES:
            components.append((subscripts, ast))
            continue
        values = parts[kind].pop(0)
        if kind is ae.GetLookupsStructure:  # one table per element, as if written by hand
            positions = list(_coords(subscripts, dims, ranges).values())
            for index in np.ndindex(*values.shape[1:]):
                chosen = tuple(items[i] for items, i in zip(positions, index))
                components.append((chosen, _table(series[kind], values[(slice(None), *index)])))
        else:
            components.append((subscripts, _file_values(kind, tuple(subscripts), values, series, e)))
    return components


def _file_values(kind: type, subscripts: tuple[str, ...], values: np.ndarray,
                 series: dict, e: Any) -> FileValues:
    """The node the compiler meets in place of an equation that read constants or data."""
    if kind is ae.GetConstantsStructure:
        return FileValues("constant", subscripts, values)
    method = _method(next(a for _, a in e.components if type(a) is kind), e.name)
    return FileValues("data", subscripts, values, series[kind], method)


def _table(xs: np.ndarray, ys: np.ndarray) -> Any:
    """A lookup table read from a file, in the form of one written in the model."""
    known = ys[~np.isnan(ys)]
    limits = (float(known.min()), float(known.max())) if known.size else (np.nan, np.nan)
    return ae.LookupsStructure(tuple(map(float, xs)), tuple(map(float, ys)),
                               (float(xs.min()), float(xs.max())), limits, "interpolate")


def _method(ast: Any, name: str) -> str:
    """A DATA variable's method (:INTERPOLATE:, :LOOK FORWARD:, ...), as pysd names it."""
    keyword = getattr(ast, "keyword", None)
    method = (keyword or "interpolate").strip().lower().replace(" ", "_")
    if method not in METHODS:
        raise UnsupportedModel(f"data method {method} of {name}")
    return method


def _load_tab_data(reader: Any, name: str, data_files: Any) -> None:
    """Load a DATA variable from the files given with `data_files=` (as pysd's `Model` does)."""
    if data_files is None:
        raise UnsupportedModel(f"DATA variable {name} without data_files=")
    if isinstance(data_files, (str, Path)):
        data_files = [data_files]
    if isinstance(data_files, dict):
        files = [Path(f).expanduser().resolve() for f, names in data_files.items()
                 if reader.real_name in names or reader.py_name in names]
    else:
        files = [Path(f).expanduser().resolve() for f in data_files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DataFileError(f"The data file {missing[0]} given with data_files= does not "
                            "exist: check its path.")
    if not files:
        raise DataFileError(f"No file given with data_files= holds the DATA variable '{name}': "
                            "add one that does.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader.load_data(files)
    except Exception as error:  # noqa: BLE001 (pandas and pysd raise many kinds)
        detail = " ".join(str(error).split())
        raise DataFileError(f"Could not read the DATA variable '{name}' from the files given "
                            f"with data_files=: {detail}") from None


def load(elements: list, ranges: dict[str, tuple[str, ...]], dims_of: Callable[[Any], tuple],
         root: Path | None, data_files: Any = None) -> tuple[list, dict]:
    """(elements, ranges): every value read from a file put in place of the equation reading it.

    `dims_of(element)`: the ranges a variable is subscripted by. `root`: the model's folder
    (None: the model was not read from a file, so its data cannot be found). `data_files`: the
    files of DATA variables' values, as pysd's `load` takes them (paths, or {path: [names]}).
    A subscripted lookup read from a file becomes one table per element, in its equations and in
    a copy of `ranges.tables` (where `ranges.Ranges` keeps the tables of subscripted lookups).
    """
    if isinstance(data_files, dict):  # names no DATA variable: pysd refuses such a dict too
        known = {n for e in elements if any(isinstance(a, ae.DataStructure) for _, a in e.components)
                 for n in (e.name, e.py_name)}
        unknown = sorted({n for names in data_files.values() for n in names} - known)
        if unknown:
            raise DataFileError(f"data_files= names {', '.join(map(repr, unknown))}, which the "
                                "model does not have as DATA variables: check the names.")
    if not uses_files(elements):
        return elements, ranges
    if root is None:
        raise UnsupportedModel("data read from files (the model's folder is not known)")
    from pysd.py_backend.data import Columns
    from pysd.py_backend.external import Excels

    root = Path(root).resolve()
    found = []
    try:
        for e in elements:
            if not any(isinstance(ast, FILE_STRUCTURES) for _, ast in e.components):
                found.append(e)
                continue
            components = _variable(e, ranges, dims_of(e), root, data_files)
            found.append(replace(e, ast=components[0][1], components=tuple(components)))
            tables = [(s, a.x, a.y, a.type) for s, a in components
                      if s and isinstance(a, ae.LookupsStructure)]
            if tables and hasattr(ranges, "tables"):
                ranges = copy(ranges)
                ranges.tables = {**ranges.tables, e.py_name: tables}
    finally:  # pysd keeps every file it read; a file edited before the next load is read anew
        Excels.clean()
        Columns.clean()
    return found, ranges


__all__ = ["FILE_STRUCTURES", "METHODS", "DataFileError", "load", "uses_files"]
