"""Read a practitioner's own CSV (for example monthly waiting-list counts) and say what to fix.

Local extracts arrive with thousands separators, suppressed small numbers (`*`, `c`, `[c]`),
blank rows and stray spaces. `read_local_csv` accepts those, refuses what cannot be trusted,
and never changes the file it reads.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

SUPPRESSED = {"*", "c", "[c]", "[x]", "x", "..", ":", "-", "~", "[z]", "[low]"}


def _encoding(path: Path) -> str:
    """UTF-8 (with or without the BOM Excel adds), else Windows-1252 as older exports use."""
    try:
        path.read_bytes().decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def _rows(path: Path, encoding: str) -> list[tuple[int, list[str]]]:
    """The file's non-blank rows, header first, each with the line of the file it starts on."""
    rows = []
    with open(path, newline="", encoding=encoding) as handle:
        reader = csv.reader(handle)
        line = 1
        for row in reader:
            if row:
                rows.append((line, row))
            line = reader.line_num + 1
    return rows


def _ragged_lines(rows: list[tuple[int, list[str]]]) -> list[int]:
    """Line numbers of rows whose field count differs from the header's."""
    if not rows:
        return []
    width = len(rows[0][1])
    return [number for number, row in rows[1:] if len(row) != width]


class LocalDataError(ValueError):
    """A local data file that cannot be used as it is; the message says what to fix."""


def read_local_csv(
    path: str | Path,
    numeric_columns: list[str],
    time_column: str | None = None,
) -> pd.DataFrame:
    """Read `path`, check the named columns are present and numeric, and return a clean table.

    Suppressed values become missing (NaN) and are counted in `.attrs['suppressed']`. If
    `time_column` is given it must be present, without gaps in its order or repeats.
    """
    path = Path(path)
    if not path.is_file():
        raise LocalDataError(f"No file at '{path}'. Check the name and the folder (now {Path.cwd()}).")
    if path.stat().st_size == 0:
        raise LocalDataError(f"'{path.name}' is empty. Export the data again with a header row.")
    encoding = _encoding(path)
    rows = _rows(path, encoding)
    ragged = _ragged_lines(rows)
    if ragged:
        raise LocalDataError(
            f"'{path.name}' is not a well-formed CSV: line(s) {ragged[:5]} have a different number "
            "of fields from the header. Check the commas, and put text containing commas in quotes."
        )
    table = pd.read_csv(path, dtype=str, skip_blank_lines=True, encoding=encoding, index_col=False)
    data_lines = [number for number, _ in rows[1:]]  # the file line of each row read, blanks skipped
    table.columns = [str(c).strip() for c in table.columns]
    table = table.dropna(how="all")
    if table.empty:
        raise LocalDataError(f"'{path.name}' has a header but no rows of data.")
    wanted = ([time_column] if time_column else []) + list(numeric_columns)
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise LocalDataError(
            f"'{path.name}' lacks the column(s) {missing}. Its columns are {list(table.columns)}. "
            "Rename the header in the file (or pass the names your file uses)."
        )
    suppressed: dict[str, int] = {}
    for column in wanted:
        text = table[column].fillna("").str.strip().str.replace(",", "", regex=False)
        is_suppressed = text.str.lower().isin(SUPPRESSED) | (text == "")
        numbers = pd.to_numeric(text.where(~is_suppressed), errors="coerce")
        bad = numbers.isna() & ~is_suppressed
        if bad.any():
            lines = [data_lines[int(i)] for i in table.index[bad][:5]]
            examples = ", ".join(repr(v) for v in table.loc[bad, column].head(3))
            raise LocalDataError(
                f"Column '{column}' in '{path.name}' has values that are not numbers ({examples}) "
                f"on line(s) {lines}. Use plain numbers; mark suppressed values with *."
            )
        suppressed[column] = int(is_suppressed.sum())
        table[column] = numbers
    if time_column:
        times = table[time_column]
        if times.isna().any():
            raise LocalDataError(f"Column '{time_column}' has blank or suppressed values; "
                                 "every row needs its time.")
        if times.duplicated().any():
            repeated = times[times.duplicated()].head(3).tolist()
            raise LocalDataError(f"Column '{time_column}' repeats {repeated}; one row per time.")
        if not times.is_monotonic_increasing:
            raise LocalDataError(f"Column '{time_column}' is not in order; sort the rows by it.")
        table = table.set_index(time_column)
    table.attrs["suppressed"] = suppressed
    table.attrs["source_file"] = str(path)
    return table
