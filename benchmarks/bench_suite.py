"""Speed of the project against plain pysd over the SDXorg test-model suite.

For every suite model both can run, one run with one constant changed by 1 % (a slider move), timed
in this one process: plain pysd (`run(params=...)` on a model loaded once, as a practitioner would
use it) and the project (`Model.run`), interleaved, `--repeats` times each; the ratio for the model
is median pysd time / median project time (above 1: the project is faster). Prints the median and
worst ratio on the numpy engine and on the pysd fallback.

    .venv/bin/python benchmarks/bench_suite.py [--repeats 5] [--every 3] [--engine pysd] [--only NAME ...]

Needs the suite in ../shared/test-models beside the repository (MIT; used in place).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import suite  # noqa: E402  (the suite helper beside the tests)


def changed_parameter(model) -> dict[str, float]:
    """One constant moved by 1 %, as a slider would (empty when the model has none)."""
    for name, default in model.parameters["default"].items():
        if default:
            return {name: float(default) * 1.01}
    return {}


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(path: Path, scratch: Path, repeats: int,
            engine: str | None = None) -> tuple[str, float] | None:
    """(engine, pysd / project speed ratio) for one model, or None when either cannot run it."""
    import pysd

    from cyp_dynamics import load_model

    data_files = [path.parent / f for f in suite.DATA_FILES.get(path.name, [])] or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ours = load_model(path, data_files=data_files)
            if engine and ours.engine != engine:
                return None
            params = changed_parameter(ours)
            ours.run(params)
            copy = scratch / path.parent.name
            shutil.copytree(path.parent, copy, ignore=shutil.ignore_patterns("*.py"))
            read = pysd.read_vensim if path.suffix.lower() == ".mdl" else pysd.read_xmile
            plain = read(str(copy / path.name),
                         data_files=[str(copy / f) for f in suite.DATA_FILES.get(path.name, [])]
                         or None)
            plain_params = {ours.python_name(k): v for k, v in params.items()}
            plain.run(params=plain_params)
        except Exception:  # noqa: BLE001 (a model either side cannot run is left out)
            return None
        theirs, mine = [], []
        for _ in range(repeats):  # interleaved, so that the machine's load falls on both
            theirs.append(timed(lambda: plain.run(params=plain_params)))
            mine.append(timed(lambda: ours.run(params)))
    return ours.engine, statistics.median(theirs) / statistics.median(mine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="parts of model paths to keep")
    parser.add_argument("--engine", choices=["numpy", "pysd"], help="only models on this engine")
    parser.add_argument("--every", type=int, default=3,
                        help="measure every Nth suite model (default 3, for `make benchmark` in CI; "
                             "--every 1 measures the whole suite)")
    args = parser.parse_args()
    if not suite.SUITE_FOLDER.is_dir():
        sys.exit(f"The SDXorg suite is not at {suite.SUITE_FOLDER}; nothing to measure.")
    paths = suite.suite_models()
    if args.only:
        paths = [p for p in paths if any(part in str(p) for part in args.only)]
    else:
        paths = paths[::max(1, args.every)]
        print(f"Every {args.every} suite model(s): {len(paths)} models (--every 1 for all).")
    ratios: dict[str, list[tuple[float, str]]] = {"numpy": [], "pysd": []}
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as scratch:
        for i, path in enumerate(paths):
            work = Path(scratch) / str(i)
            work.mkdir()
            found = measure(path, work, args.repeats, args.engine)
            if found:
                engine, ratio = found
                ratios[engine].append((ratio, suite.label(path)))
                print(f"{ratio:8.2f}x  {engine:5s}  {suite.label(path)}", flush=True)
    print(f"\nSpeed ratio, plain pysd time / project time (median of {args.repeats} interleaved "
          "runs per model; above 1 the project is faster):")
    for engine, found in ratios.items():
        if not found:
            print(f"  {engine}: no models")
            continue
        values = sorted(found)
        print(f"  {engine:5s} engine: {len(values)} models, median "
              f"{statistics.median(v for v, _ in values):.2f}x, worst {values[0][0]:.2f}x "
              f"({values[0][1]}), best {values[-1][0]:.2f}x")


if __name__ == "__main__":
    main()
