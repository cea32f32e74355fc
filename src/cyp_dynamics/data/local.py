"""Read a practitioner's own CSV (for example monthly waiting-list counts) and say what to fix.

Local extracts arrive with thousands separators, suppressed small numbers (`*`, `c`, `[c]`),
blank rows and stray spaces. `read_local_csv` accepts those, refuses what cannot be trusted,
and never changes the file it reads.

Suppressed: the markers in `SUPPRESSED` (the GSS and ONS symbols: `*`, `c`, `[c]`, `x`, `[x]`,
`..`, `:`, `-`, `~`, `[z]`, `[low]`) and blank cells become missing (NaN). Other missing-value
marks, such as `#N/A`, `n/a` or `NA`, are reported: they may hide an error, not a suppression.

Formats: UTF-8 (with or without Excel's BOM), UTF-16 or UTF-32 with a byte-order mark, else
Windows-1252; fields separated by commas, semicolons, tabs or bars. With commas, numbers use a
full stop for decimals ("1,250.5"); otherwise decimal commas ("2280,5", "1.250,5", as European
spreadsheets write) are found from the numbers. Large files are read in chunks, keeping only the
columns asked for.
"""

from __future__ import annotations

import codecs
import csv
import re
from array import array
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SUPPRESSED = {"*", "c", "[c]", "[x]", "x", "..", ":", "-", "~", "[z]", "[low]"}
# Marks other programs write for a missing value or a formula error: reported, not suppressed.
MISSING_MARKS = {"#n/a", "n/a", "na", "nan", "null", "none", "#value!", "#div/0!", "#ref!", "#num!",
                 "#name?", "#null!", "inf", "-inf", "infinity"}
CHUNK_ROWS = 20_000  # rows parsed together: bounds the text held at once (a few MB)
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars (|)"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Windows maps the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) to the
# control characters of the same number; Python refuses them. Read them as Windows does.
codecs.register_error("cyp_dynamics_windows",
                      lambda error: (error.object[error.start:error.end].decode("latin-1"), error.end))

# Kinds of number text, for telling decimal commas from thousands separators.
PLAIN, POINT, COMMA, MAYBE_POINT, MAYBE_COMMA, BAD = range(6)
_KINDS = [  # (pattern, kind, how to make Python's float() read it)
    (re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}"), MAYBE_POINT, "keep"),  # 1.250: 1.25 or 1250?
    (re.compile(r"[+-]?[1-9]\d{0,2},\d{3}"), MAYBE_COMMA, "comma"),  # 1,250: 1.25 or 1250?
    (re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"), POINT, "keep"),  # 12.5
    (re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"), POINT, "drop_commas"),  # 1,250,000 or 1,250.5
    (re.compile(r"[+-]?\d+,\d+"), COMMA, "comma"),  # 2280,5
    (re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?"), COMMA, "drop_points"),  # 1.250.000 or 1.250,5
]


class LocalDataError(ValueError):
    """A local data file that cannot be used as it is; the message says what to fix."""


def _encoding(path: Path) -> tuple[str, str]:
    """The file's encoding and how to treat bytes it does not define; refuses what is not text."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, "strict"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise LocalDataError(f"'{path.name}' is an Excel workbook (or another binary file), not a "
                             "CSV. In Excel choose File > Save As > 'CSV UTF-8 (Comma delimited)'.")
    if head.count(0) > len(head) // 8:
        raise LocalDataError(f"'{path.name}' is not text in an encoding this reader knows (it looks "
                             "like UTF-16 without a byte-order mark). Save it as 'CSV UTF-8'.")
    try:
        _scan_text(path, "utf-8", "strict")
        return "utf-8", "strict"
    except UnicodeDecodeError:
        return "cp1252", "cyp_dynamics_windows"


def _scan_text(path: Path, encoding: str, errors: str) -> None:
    """Read the whole file as text once, refusing a NUL character with the line it is on."""
    lines_before = 0
    with open(path, encoding=encoding, errors=errors, newline="") as handle:
        while chunk := handle.read(1 << 20):
            at = chunk.find("\x00")
            if at >= 0:
                line = lines_before + chunk.count("\n", 0, at) + 1
                raise LocalDataError(
                    f"'{path.name}' has a NUL character (code 0, invisible) on line {line}. "
                    "Spreadsheets do not write these: the file may be damaged or cut short. "
                    "Export it again from its source, or delete the character in a text editor."
                )
            lines_before += chunk.count("\n")


def _delimiter(path: Path, encoding: str, errors: str) -> str:
    """The delimiter that splits the first lines into the same number of fields, most first."""
    with open(path, encoding=encoding, errors=errors, newline="") as handle:
        sample = [line for line in handle.read(65536).splitlines()[:50] if line.strip()]
    if len(sample) > 2:
        sample = sample[:-1]  # the last line read may be cut short
    best, best_width = ",", 1
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        if widths and widths[0] > best_width and len(set(widths)) == 1:
            best, best_width = delimiter, widths[0]
    return best


def _names(value: str | Sequence[str] | None, argument: str) -> list[str]:
    """Column names as a list: a single name is one column, not a list of letters."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{argument} must be a column name or a list of them, such as "
                        f"['waiting_list']; you gave {value!r}.")
    return list(value)


@lru_cache(maxsize=8192)  # local counts repeat, so many texts are seen before
def _classify(text: str) -> tuple[float, int]:
    """The number `text` shows and its kind (PLAIN, POINT, COMMA, MAYBE_*, BAD)."""
    for pattern, kind, how in _KINDS:
        if pattern.fullmatch(text):
            if how == "comma":
                text = text.replace(",", ".")
            elif how == "drop_commas":
                text = text.replace(",", "")
            elif how == "drop_points":
                text = text.replace(".", "").replace(",", ".")
            kind = PLAIN if kind == POINT and "." not in text and how == "keep" else kind
            value = float(text)
            return (value, kind) if np.isfinite(value) else (np.nan, BAD)  # '1e400' is no count
    return np.nan, BAD


class _Column:
    """One numeric column read chunk by chunk: values, suppressed count, decimal-mark evidence."""

    def __init__(self, name: str):
        self.name, self.parts, self.suppressed = name, [], 0
        self.maybe: dict[int, list[np.ndarray]] = {MAYBE_POINT: [], MAYBE_COMMA: []}

    def add(self, texts: Sequence[str], offset: int, lines: array, source: str,
            evidence: dict[int, tuple[str, int]], points_matter: bool) -> None:
        """Parse one chunk of text; raise with the lines of any value that is not a number."""
        values = pd.to_numeric(np.asarray(texts, dtype=object), errors="coerce").astype(float)
        # Plain numbers went through the fast reader; the rest (and, where the decimal mark is
        # not known yet, anything with a full stop: '1.250' is 1.25 or 1250) are looked at here.
        slow = ~np.isfinite(values)
        if points_matter:
            slow |= np.fromiter(("." in text for text in texts), bool, len(texts))
        kinds: dict[int, list[int]] = {}
        for i in np.flatnonzero(slow).tolist():
            text = texts[i].strip()
            if text == "" or text.lower() in SUPPRESSED:
                values[i], kind = np.nan, PLAIN
                self.suppressed += 1
            else:
                values[i], kind = _classify(text)
            kinds.setdefault(kind, []).append(i)
        if BAD in kinds:
            bad = kinds[BAD]
            raise LocalDataError(_not_numbers(self.name, source, [texts[i].strip() for i in bad],
                                              [lines[offset + i] for i in bad]))
        for kind in (POINT, COMMA, MAYBE_POINT, MAYBE_COMMA):
            if kind in kinds and kind not in evidence:
                first = kinds[kind][0]
                evidence[kind] = (texts[first].strip(), lines[offset + first])
            if kind == MAYBE_COMMA and kind in kinds and not points_matter:  # commas separate fields,
                at = kinds[kind]  # so '1,250' can only be 1250: no need to wait for the whole file
                values[at] = np.round(values[at] * 1000)
            elif kind in kinds and kind in self.maybe:
                self.maybe[kind].append(np.array(kinds[kind]) + offset)
        self.parts.append(values)

    def values(self, decimal_comma: bool) -> np.ndarray:
        """All values; '1.250' or '1,250' read as 1250 where that mark separates thousands.

        Whole numbers without gaps come back as integers, as pandas reads them.
        """
        values = np.concatenate(self.parts) if self.parts else np.empty(0)
        self.parts = []
        thousands = self.maybe[MAYBE_POINT if decimal_comma else MAYBE_COMMA]
        if thousands:
            at = np.concatenate(thousands)
            values[at] = np.round(values[at] * 1000)
        if np.all(np.abs(values) < 2**53) and np.all(values == np.round(values)):
            return values.astype(np.int64)
        return values


def _not_numbers(column: str, source: str, examples: list[str], lines: list[int]) -> str:
    shown = ", ".join(repr(v) for v in examples[:3])
    message = (f"Column '{column}' in '{source}' has values that are not numbers ({shown}) "
               f"on line(s) {lines[:5]}. Use plain numbers; mark suppressed values with *.")
    marks = sorted({v for v in examples if v.lower() in MISSING_MARKS}, key=examples.index)
    if marks:
        message += (f" {marks[0]!r} is a spreadsheet's mark for a missing value or a formula error, "
                    "not a suppressed value: give the number, write * if it was suppressed, or "
                    "leave the cell blank if it is missing.")
    if any("\n" in v for v in examples):
        message += " A value runs over more than one line: look for a quote (\") that never closes."
    if any(re.fullmatch(r"\d{1,4}[-/]\d{1,2}([-/]\d{1,4})?", v) for v in examples):
        message += " Dates are not read: give each time as a number (e.g. months from the start)."
    return message


def _decimal_comma(evidence: dict[int, tuple[str, int]], delimiter: str, source: str) -> bool:
    """Whether the file writes decimals with a comma, from the numbers it holds."""
    if COMMA in evidence and delimiter == ",":
        text, line = evidence[COMMA]
        raise LocalDataError(
            f"'{source}' has {text!r} on line {line}: a decimal comma (or a misplaced thousands "
            "separator). Fields here are separated by commas, so write decimals with a full stop "
            f"({text.replace('.', '').replace(',', '.')}); or save the file with semicolons between "
            "fields, as European spreadsheets do, and it is read as written."
        )
    if COMMA in evidence and POINT in evidence:
        (comma, comma_line), (point, point_line) = evidence[COMMA], evidence[POINT]
        raise LocalDataError(f"'{source}' mixes decimal commas ({comma!r} on line {comma_line}) and "
                             f"full stops ({point!r} on line {point_line}). Use one: a full stop "
                             "for decimals and no thousands separators is safest.")
    if delimiter != "," and COMMA not in evidence and POINT not in evidence:
        for kind in (MAYBE_POINT, MAYBE_COMMA):
            if kind in evidence:
                text, line = evidence[kind]
                digits, decimal = re.sub(r"[.,]", "", text), f"{float(text.replace(',', '.')):g}"
                raise LocalDataError(
                    f"'{source}' has {text!r} on line {line}, which could be {digits} (with a "
                    f"thousands separator) or {decimal} (with a decimal mark), and no other number "
                    f"shows which. Remove thousands separators, or write it as {digits} or {decimal}."
                )
    return COMMA in evidence


def csv_columns(path: str | Path) -> list[str]:
    """The header of a CSV that `read_local_csv` can read, names stripped of spaces."""
    path = _checked_path(path)
    encoding, errors = _encoding(path)
    delimiter = _delimiter(path, encoding, errors)
    with open(path, encoding=encoding, errors=errors, newline="") as handle:
        for row in csv.reader(handle, delimiter=delimiter):
            if "".join(row).strip():
                return [name.strip() for name in row]
    return []


def _checked_path(path: str | Path) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be the path to a CSV file as text; you gave {path!r}.")
    path = Path(path).expanduser()
    if path.is_dir():
        inside = sorted(p.name for p in path.glob("*.csv"))[:5]
        raise LocalDataError(f"'{path}' is a folder, not a file. Give the path to the CSV in it"
                             + (f" (it holds {', '.join(inside)})." if inside else "."))
    if not path.is_file():
        raise LocalDataError(f"No file at '{path}'. Check the name and the folder (now {Path.cwd()}).")
    if path.stat().st_size == 0:
        raise LocalDataError(f"'{path.name}' is empty. Export the data again with a header row.")
    return path


def read_local_csv(
    path: str | Path,
    numeric_columns: str | Sequence[str],
    time_column: str | None = None,
    text_columns: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read the named columns of `path`, check they are numbers, and return a clean table.

    Only the columns named are kept: the time column (the index, if given), the numeric
    columns (integers where every value is whole; suppressed values become NaN, counted in
    `.attrs['suppressed']`) and any `text_columns` (stripped text). The time column must be
    numeric, in order and without repeats. A single column name may be given as a string.
    """
    numeric = _names(numeric_columns, "numeric_columns")
    texts = _names(text_columns, "text_columns")
    if time_column is not None and not isinstance(time_column, str):
        raise TypeError(f"time_column must be a column name such as 'month'; you gave {time_column!r}.")
    path = _checked_path(path)
    wanted = list(dict.fromkeys(([time_column] if time_column else []) + numeric))
    if not numeric and not texts:
        raise ValueError("Name at least one column to read besides the time column, e.g. "
                         "read_local_csv(path, 'waiting_list', time_column='month').")
    encoding, errors = _encoding(path)
    if encoding != "utf-8":  # UTF-8 was checked while finding the encoding
        try:
            _scan_text(path, encoding, errors)
        except UnicodeDecodeError:
            raise LocalDataError(f"'{path.name}' starts with the mark of {encoding.upper()} text, "
                                 "but has bytes that are not. Save it again as 'CSV UTF-8'.") from None
    delimiter = _delimiter(path, encoding, errors)
    with open(path, encoding=encoding, errors=errors, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header, numbers, kept_text, lines, evidence = _read_rows(reader, path.name, delimiter,
                                                                     wanted, texts)
        except csv.Error as error:
            raise LocalDataError(
                f"'{path.name}' cannot be read as a CSV near line {reader.line_num} ({error}). Look "
                "for a quote (\") that opens a field and never closes."
            ) from None
    if not lines:
        raise LocalDataError(f"'{path.name}' has a header but no rows of data.")
    decimal_comma = _decimal_comma(evidence, delimiter, path.name)
    index = None
    if time_column:
        index = pd.Index(_checked_times(numbers[time_column].values(decimal_comma), time_column, lines),
                         name=time_column)
    columns = {name: kept_text[name] if name in kept_text else numbers[name].values(decimal_comma)
               for name in header if name != time_column}
    table = pd.DataFrame(columns, index=index, copy=False)
    table.attrs["suppressed"] = {name: numbers[name].suppressed for name in wanted}
    table.attrs["source_file"] = str(path)
    table.attrs["delimiter"] = delimiter
    table.attrs["decimal_mark"] = "," if decimal_comma else "."
    return table


def _read_rows(reader: Any, source: str, delimiter: str, wanted: list[str], texts: list[str]
               ) -> tuple[list[str], dict[str, _Column], dict[str, list[str]], array, dict]:
    """The kept columns in file order, their values read chunk by chunk, the file line of each
    row, and the evidence on decimal marks."""
    header: list[str] = []
    for row in reader:
        if "".join(row).strip():
            header = [name.strip() for name in row]
            break
    missing = [name for name in wanted + texts if name not in header]
    if missing:
        hint = (" This file seems to use semicolons between fields, but its first lines do not agree"
                " on how many; check them." if delimiter == "," and ";" in "".join(header) else "")
        raise LocalDataError(f"'{source}' lacks the column(s) {missing}. Its columns are {header}. "
                             f"Rename the header in the file (or pass the names your file uses).{hint}")
    repeated = sorted({name for name in wanted + texts if header.count(name) > 1})
    if repeated:
        raise LocalDataError(f"'{source}' has more than one column called {repeated}; rename them "
                             "so each name is used once.")
    order = [name for name in header if name in wanted or name in texts]
    getter = itemgetter(*[header.index(name) for name in order])
    width, ragged = len(header), []
    numbers = {name: _Column(name) for name in wanted}
    kept_text: dict[str, list[str]] = {name: [] for name in texts}
    lines, picked, evidence = array("i"), [], {}
    step = len(order)
    store = picked.append if step == 1 else picked.extend  # one flat list: fields row by row

    def parse() -> None:
        offset = len(lines) - len(picked) // step
        for j, name in enumerate(order):
            values = picked[j::step]
            if name in numbers:
                numbers[name].add(values, offset, lines, source, evidence, delimiter != ",")
            else:
                kept_text[name].extend(value.strip() for value in values)
        picked.clear()

    previous_end = reader.line_num
    for row in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if len(row) != width:
            if "".join(row).strip():  # a blank line is no row
                ragged.append(start)
                if len(ragged) == 5:
                    break
        elif any(row) and not ragged:  # a row of empty fields is no row either
            store(getter(row))
            lines.append(start)
            if len(picked) >= CHUNK_ROWS * step:
                parse()
    if ragged:
        raise LocalDataError(
            f"'{source}' is not a well-formed CSV: line(s) {ragged} have a different number "
            f"of fields from the header ({width}, separated by {DELIMITERS[delimiter]}). Check "
            "the separators, and put text containing them in quotes."
        )
    parse()
    return order, numbers, kept_text, lines, evidence


def _checked_times(times: np.ndarray, time_column: str, lines: array) -> np.ndarray:
    """`times` if complete, in order and without repeats; else say where they are not."""
    if np.isnan(times.astype(float)).any():
        line = lines[int(np.flatnonzero(np.isnan(times))[0])]
        raise LocalDataError(f"Column '{time_column}' has blank or suppressed values (first on line "
                             f"{line}); every row needs its time.")
    steps = np.diff(times)
    if (steps == 0).any():
        i = int(np.flatnonzero(steps == 0)[0]) + 1
        repeated = pd.unique(times[1:][steps == 0])[:3].tolist()
        raise LocalDataError(f"Column '{time_column}' repeats {repeated} (first on line {lines[i]}); "
                             "one row per time.")
    if (steps < 0).any():
        i = int(np.flatnonzero(steps < 0)[0]) + 1
        raise LocalDataError(f"Column '{time_column}' is not in order ({times[i]:g} on line "
                             f"{lines[i]} comes after {times[i - 1]:g}); sort the rows by it.")
    return times
