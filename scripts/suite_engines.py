"""Which engine runs each model of the SDXorg test-model suite, and how closely it agrees with pysd.

For every .mdl / .xmile file under ../shared/test-models (or the folder given with
--suite): parse it, try the numpy compiler, run it with the file's own values, run plain pysd
(through the project's checked translation cache), and print one line per model:

    engine   max rel diff   model                      reason for the pysd fallback

`engine` is numpy, pysd (the compiler refused; the reason follows) or failed (the file could not
be read, or the numpy run raised). The relative difference is taken over every column both runs
share, at every time both save: |numpy - pysd| / max(|pysd|, 1e-3 * the column's largest value).
A summary follows: counts per engine, the fallback reasons by frequency, numpy models agreeing
with pysd to 1e-9. Use it to pick the next thing the compiler should learn.

    .venv/bin/python scripts/suite_engines.py [--suite DIR] [--only SUBSTRING] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from cyp_dynamics.models.model import Model, column_name
from cyp_dynamics.models.pysd_cache import load_pysd_model

SUITE = Path(__file__).resolve().parents[2] / "shared" / "test-models"
# Data files a suite model reads that its equations do not name (as in tests/suite.py).
DATA_FILES = {"test_data_from_other_model.mdl": ["data.tab"]}
SUFFIXES = (".mdl", ".xmile")  # the 216 of issue 12 (.stmx copies left out)
AGREE = 1e-9
TIMEOUT_S = 180


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def model_files(suite: Path) -> list[Path]:
    """Every model file in the suite, in a stable order."""
    return sorted(p for p in suite.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


def numpy_run(path: Path) -> tuple[str, str, dict[str, np.ndarray] | None, np.ndarray | None]:
    """(engine, reason, columns, times) of the project's run on the file's own values, through
    `Model` exactly as `load_model` makes it (so controls and data files are read as there)."""
    files = [path.parent / f for f in DATA_FILES.get(path.name, [])] or None
    model = Model(path, data_files=files)
    if model.engine != "numpy":
        reason = model.engine_note.partition("(uses ")[2].rpartition(", which")[0]
        return "pysd", reason or model.engine_note, None, None
    run = model.run(include_constants=True)
    return ("numpy", "", {column_name(c): run[c].to_numpy(dtype=float) for c in run.columns},
            run.index.to_numpy(dtype=float))


def pysd_run(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Plain pysd's run of the file's own values, columns named as the project names them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        files = [path.parent / f for f in DATA_FILES.get(path.name, [])] or None
        result = load_pysd_model(path, files).run()
    columns = {}
    for c in result.columns:
        try:
            columns[column_name(c)] = result[c].to_numpy(dtype=float)
        except (TypeError, ValueError):
            continue
    return columns, result.index.to_numpy(dtype=float)


def difference(ours: dict[str, np.ndarray], our_times: np.ndarray,
               theirs: dict[str, np.ndarray], their_times: np.ndarray) -> tuple[float, int]:
    """(largest relative difference, columns compared) over shared columns and times."""
    shared_times, i, j = np.intersect1d(np.round(our_times, 9), np.round(their_times, 9),
                                        return_indices=True)
    worst, compared = 0.0, 0
    for name, values in ours.items():
        if name not in theirs or not len(shared_times):
            continue
        a, b = values[i], theirs[name][j]
        both_nan = np.isnan(a) & np.isnan(b)
        scale = np.maximum(np.abs(b), 1e-3 * np.nanmax(np.abs(b), initial=0.0))
        scale = np.maximum(scale, 1e-300)
        with np.errstate(invalid="ignore", over="ignore"):
            rel = np.where(both_nan | (a == b), 0.0, np.abs(a - b) / scale)
        rel = np.where(np.isnan(rel), np.inf, rel)
        worst = max(worst, float(rel.max(initial=0.0)))
        compared += 1
    return worst, compared


def measure(path: Path) -> dict:
    row = {"model": str(path), "engine": "failed", "reason": "", "diff": None, "columns": 0}
    signal.alarm(TIMEOUT_S)
    try:
        try:
            engine, reason, ours, our_times = numpy_run(path)
        except _Timeout:
            raise
        except Exception as error:  # noqa: BLE001 (a survey: record and go on)
            row["reason"] = f"{type(error).__name__}: {error}"[:200]
            return row
        row["engine"], row["reason"] = engine, reason
        if engine != "numpy":
            return row
        try:
            theirs, their_times = pysd_run(path)
        except _Timeout:
            raise
        except Exception as error:  # noqa: BLE001
            row["pysd_error"] = f"{type(error).__name__}: {error}"[:200]
            return row
        row["diff"], row["columns"] = difference(ours, our_times, theirs, their_times)
    except _Timeout:
        row["reason"] = f"timed out after {TIMEOUT_S} s"
    finally:
        signal.alarm(0)
    return row


def short(reason: str) -> str:
    """A fallback reason with names taken out, so that reasons can be counted."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\b\w+_\w+\b", "…", reason)[:70]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.suite.is_dir():
        print(f"No test-model suite at {args.suite}; give its folder with --suite.")
        return 1
    signal.signal(signal.SIGALRM, _alarm)
    rows = []
    start = time.perf_counter()
    for path in model_files(args.suite):
        if args.only and args.only not in str(path):
            continue
        row = measure(path)
        rows.append(row)
        diff = "" if row["diff"] is None else f"{row['diff']:.1e}"
        name = str(path.relative_to(args.suite))
        print(f"{row['engine']:<7}{diff:>10}  {name:<70} {row['reason']}{row.get('pysd_error', '')}",
              flush=True)
    engines = Counter(r["engine"] for r in rows)
    numpy_rows = [r for r in rows if r["engine"] == "numpy"]
    compared = [r for r in numpy_rows if r["diff"] is not None]
    agree = [r for r in compared if r["diff"] <= AGREE]
    print(f"\n{len(rows)} models in {time.perf_counter() - start:.0f} s: "
          f"numpy {engines['numpy']}, pysd {engines['pysd']}, failed {engines['failed']}")
    print(f"numpy models compared with pysd: {len(compared)}; agreeing to {AGREE:g}: {len(agree)}")
    for r in compared:
        if r["diff"] > AGREE:
            print(f"  disagrees: {r['diff']:.2e} {r['model']}")
    print("\nReasons for the pysd fallback, most common first:")
    for reason, count in Counter(short(r["reason"]) for r in rows if r["engine"] == "pysd").most_common():
        print(f"  {count:>4}  {reason}")
    print("\nFailures:")
    for reason, count in Counter(short(r["reason"]) for r in rows if r["engine"] == "failed").most_common():
        print(f"  {count:>4}  {reason}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
