"""Run the SDXorg test-model suite through plain pysd and through the project, and compare.

The suite (github.com/SDXorg/test-models, MIT) is used in place from `../shared/test-models`
beside the repository; it is never copied into the repository. Each model folder holds the
canonical output Vensim or Stella produced (`output.tab` or `output.csv`).

Plain pysd translates a model into Python beside the model file, so it runs on a private copy of
the model's folder, never in the shared folder. `python tests/suite.py` prints the summary.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SUITE_FOLDER = Path(__file__).resolve().parents[1].parent / "shared" / "test-models"
MODEL_SUFFIXES = (".mdl", ".xmile")
STRICT, LOOSE = 1e-6, 0.05  # relative tolerances against the canonical output
AGREEMENT = 1e-9  # numpy engine against plain pysd
# Data files a suite model reads that its equations do not name (pysd's own tests pass these).
DATA_FILES = {"test_data_from_other_model.mdl": ["data.tab"]}


def suite_models(folder: Path = SUITE_FOLDER) -> list[Path]:
    """Every model file in the suite with a canonical output beside it, in a fixed order."""
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix.lower() in MODEL_SUFFIXES and p.is_file()
        and any((p.parent / f"output.{kind}").is_file() for kind in ("csv", "tab"))
    )


def label(path: Path) -> str:
    """The model's name in reports: its path inside the suite."""
    try:
        return path.relative_to(SUITE_FOLDER).as_posix()
    except ValueError:
        return path.name


def is_random(path: Path) -> bool:
    """A model whose runs draw random numbers (pysd and numpy streams differ)."""
    text = path.read_text(encoding="utf-8", errors="replace").upper()
    return bool(re.search(r"\bRANDOM|\bNORMAL\s*\(|\bUNIFORM\s*\(|\bEXPRND|\bPOISSON", text))


def canonical(path: Path) -> pd.DataFrame:
    """The suite's canonical output for the model at `path` (columns as the model names them)."""
    from pysd.py_backend.utils import detect_encoding, load_outputs

    for kind in ("csv", "tab"):
        file = path.parent / f"output.{kind}"
        if file.is_file():
            encoding = detect_encoding(file)
            try:
                return load_outputs(file, encoding=encoding)
            except ValueError:  # a few are written one variable per row
                return load_outputs(file, transpose=True, encoding=encoding)
    raise FileNotFoundError(path.parent / "output.csv")


def close(actual: pd.DataFrame | None, expected: pd.DataFrame, rtol: float) -> bool:
    """True when `actual` has every column of `expected`, at the same times, within `rtol`
    (the rule of pysd's own suite tests: `assert_frames_close`)."""
    from pysd.tools.benchmarking import assert_frames_close

    if actual is None or not set(expected.columns) <= set(actual.columns):
        return False
    if len(actual.index) != len(expected.index) or not np.allclose(
            actual.index.values.astype(float), expected.index.values.astype(float), atol=1e-9):
        return False
    actual = actual[list(expected.columns)].copy()
    actual.index = expected.index
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            differing, _, _ = assert_frames_close(actual, expected.copy(), assertion="return",
                                                  rtol=rtol)
        except (AssertionError, ValueError, TypeError):
            return False
    return not differing


def largest_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """The largest relative difference between two runs over their common columns."""
    columns = [c for c in a.columns if c in b.columns]
    if not columns or a.shape[0] != b.shape[0]:
        return float("inf")
    x = a[columns].to_numpy(dtype=float)
    y = b[columns].to_numpy(dtype=float)
    both_nan = np.isnan(x) & np.isnan(y)
    scale = np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-12)
    with np.errstate(invalid="ignore"):
        relative = np.where(both_nan | (x == y), 0.0, np.abs(x - y) / scale)
    return float(np.nanmax(np.where(np.isnan(relative), np.inf, relative)))


def _private_copy(path: Path, into: Path) -> Path:
    """A copy of the model's folder (small: a model and its data) in which pysd may write."""
    target = into / path.parent.name
    if not target.exists():
        shutil.copytree(path.parent, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target / path.name


def run_plain_pysd(path: Path, expected: pd.DataFrame, scratch: Path) -> pd.DataFrame:
    """The model run by plain pysd as pysd's own suite tests run it (on a private copy)."""
    import pysd

    copy = _private_copy(path, scratch)
    data_files = [str(copy.parent / f) for f in DATA_FILES.get(path.name, [])] or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = pysd.read_vensim if path.suffix.lower() == ".mdl" else pysd.read_xmile
        model = read(str(copy), data_files=data_files)
        return model.run(return_columns=list(expected.columns))


def project_frame(model, run: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """The project's run with its columns named as the canonical output names them."""
    by_key = {_key(c): c for c in run.columns}
    data = {}
    for column in expected.columns:
        base, bracket, rest = column.partition("[")
        try:
            name = model.python_name(base)
        except (ValueError, KeyError):
            continue
        key = _key(name + bracket + rest)
        if key in by_key:
            data[column] = run[by_key[key]].to_numpy()
    return pd.DataFrame(data, index=run.index)


def _key(column: str) -> str:
    base, bracket, rest = column.partition("[")
    return base + bracket + re.sub(r"\s+", "", rest).lower()


def load_project(path: Path):
    """The project's model for `path` (with the data files the suite says it needs)."""
    from cyp_dynamics import load_model

    data_files = [path.parent / f for f in DATA_FILES.get(path.name, [])] or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_model(path, data_files=data_files)


def run_project(model) -> pd.DataFrame:
    """The project's default run of `model`, constants included."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.run(include_constants=True)


@dataclass
class Outcome:
    """What happened to one suite model, in plain pysd and in the project."""

    model: str
    random: bool = False
    pysd_error: str = ""
    pysd_loose: bool = False
    pysd_strict: bool = False
    engine: str = ""  # "numpy", "pysd" or "" when the project could not load it
    load_error: str = ""
    run_error: str = ""
    loose: bool = False
    strict: bool = False
    agreement: float = float("nan")  # numpy engine against plain pysd, largest relative difference
    seconds: dict = field(default_factory=dict)


def compare(path: Path, scratch: Path, pysd_results: dict | None = None) -> Outcome:
    """Run one suite model both ways. `pysd_results` caches plain pysd's runs by model."""
    outcome = Outcome(label(path), random=is_random(path))
    try:
        expected = canonical(path)
    except (ValueError, OSError) as error:  # a canonical file neither pysd nor we can read
        outcome.pysd_error = outcome.load_error = f"canonical output unreadable: {error}"
        return outcome
    cache = {} if pysd_results is None else pysd_results
    start = time.perf_counter()
    if outcome.model not in cache:
        try:
            cache[outcome.model] = run_plain_pysd(path, expected, scratch)
        except Exception as error:  # plain pysd fails in many ways; record it
            cache[outcome.model] = f"{type(error).__name__}: {error}"
    reference = cache[outcome.model]
    outcome.seconds["pysd"] = time.perf_counter() - start
    if isinstance(reference, str):
        outcome.pysd_error = reference[:300]
        reference = None
    else:
        outcome.pysd_loose = close(reference, expected, LOOSE)
        outcome.pysd_strict = close(reference, expected, STRICT)
    start = time.perf_counter()
    try:
        model = load_project(path)
    except Exception as error:  # noqa: BLE001 (recorded and counted)
        outcome.load_error = f"{type(error).__name__}: {error}"[:300]
        return outcome
    outcome.engine = model.engine
    try:
        run = run_project(model)
    except Exception as error:  # noqa: BLE001 (recorded and counted)
        outcome.run_error = f"{type(error).__name__}: {error}"[:300]
        return outcome
    outcome.seconds["project"] = time.perf_counter() - start
    outcome.engine = model.engine
    ours = project_frame(model, run, expected)
    outcome.loose = close(ours, expected, LOOSE)
    outcome.strict = close(ours, expected, STRICT)
    if reference is not None and model.engine == "numpy":
        outcome.agreement = largest_difference(ours, reference)
    return outcome


def run_suite(paths: list[Path] | None = None, pysd_results: dict | None = None,
              progress: bool = False) -> list[Outcome]:
    """Compare every suite model; plain pysd's runs are kept in `pysd_results` if given."""
    paths = suite_models() if paths is None else paths
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="suite-pysd-") as scratch:
        for i, path in enumerate(paths):
            work = Path(scratch) / str(i)
            work.mkdir()
            outcomes.append(compare(path, work, pysd_results))
            if progress:
                o = outcomes[-1]
                print(f"{i + 1:3d} {o.model:70s} {o.engine or 'FAILED':6s} "
                      f"pysd {int(o.pysd_loose)}{int(o.pysd_strict)} ours "
                      f"{int(o.loose)}{int(o.strict)} {o.agreement:.1e} "
                      f"{(o.load_error or o.run_error)[:80]}", flush=True)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    """Counts for the report."""
    return {
        "models": len(outcomes),
        "numpy": sum(o.engine == "numpy" and not o.run_error for o in outcomes),
        "pysd": sum(o.engine == "pysd" and not o.run_error for o in outcomes),
        "load errors": sum(bool(o.load_error) for o in outcomes),
        "run errors": sum(bool(o.run_error) for o in outcomes),
        "project loose": sum(o.loose for o in outcomes),
        "project strict": sum(o.strict for o in outcomes),
        "pysd loose": sum(o.pysd_loose for o in outcomes),
        "pysd strict": sum(o.pysd_strict for o in outcomes),
        "pysd errors": sum(bool(o.pysd_error) for o in outcomes),
        "numpy disagreeing": sum(o.agreement > AGREEMENT and not o.random for o in outcomes),
    }


def report(outcomes: list[Outcome]) -> str:
    """The summary as lines of text."""
    counts = summary(outcomes)
    lines = [
        f"SDXorg suite: {counts['models']} models",
        f"  loaded on numpy {counts['numpy']}, on pysd {counts['pysd']}, failed "
        f"{counts['load errors'] + counts['run errors']} ({counts['load errors']} at load, "
        f"{counts['run errors']} at run)",
        f"  match canonical output at rtol {LOOSE}: project {counts['project loose']}, "
        f"plain pysd {counts['pysd loose']}",
        f"  match canonical output at rtol {STRICT}: project {counts['project strict']}, "
        f"plain pysd {counts['pysd strict']}",
        f"  numpy models disagreeing with pysd beyond {AGREEMENT}: "
        f"{counts['numpy disagreeing']}",
    ]
    for o in outcomes:
        if (o.pysd_loose and not o.loose) or (o.pysd_strict and not o.strict):
            lines.append(f"  worse than pysd: {o.model} [{o.engine or 'failed'}] "
                         f"{(o.load_error or o.run_error)[:120]}")
        if o.agreement > AGREEMENT and not o.random:
            lines.append(f"  numpy differs from pysd by {o.agreement:.1e}: {o.model}")
    return "\n".join(lines)


if __name__ == "__main__":
    import pickle
    import sys

    store = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    results = pickle.loads(store.read_bytes()) if store and store.exists() else {}
    found = run_suite(pysd_results=results, progress=True)
    if store:
        store.write_bytes(pickle.dumps(results))
    print(report(found))
