"""Speed of the project against plain pysd over the SDXorg test-model suite.

For every suite model both can run, one run with one constant changed by 1 % (a slider move), timed
in this one process (a run shorter than 20 ms repeated within each sample, the same number of
times on both sides): plain pysd (`run(params=..., return_columns=..., final_time=...)` on a model
loaded once, as a practitioner would use it, asked for the same columns and the same final time
as the project returns) and the project (`Model.run`), interleaved (the order alternating from one
repeat to the next), `--repeats` times each; the ratio for the model is median pysd time / median
project time (above 1: the project is faster). Before timing, the two results are compared: the
same columns, and the same values (exactly on the fallback, to 1e-9 relative on the numpy
engine); a model where they differ is marked. Prints the median and worst ratio on the numpy
engine and on the pysd fallback.

    .venv/bin/python benchmarks/bench_suite.py [--repeats 5] [--every 3] [--engine pysd] [--only NAME ...]
    .venv/bin/python benchmarks/bench_suite.py --all-on-fallback   # the fallback on every model

With no options (as `make benchmark` runs it), when no measured model needs the fallback, the
fallback is then measured on every sixth model with the numpy engine switched off.

`--all-on-fallback` switches the numpy engine off, so every model runs through the pysd fallback
(the fallback's speed over the whole suite, not only over the models that need it today).

Needs the suite in ../shared/test-models beside the repository (MIT; used in place).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
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


def switch_numpy_engine_off() -> None:
    """Every model loaded from now on runs through the pysd fallback (as when the numpy compiler
    cannot compile it)."""
    from cyp_dynamics.models import model

    def unsupported(*args, **kwargs):
        raise model.UnsupportedModel("the numpy engine switched off by --all-on-fallback")

    model.compile_model = unsupported


SAMPLE_SECONDS = 0.02  # a sample repeats a short run to last about this long (timer noise)


def timed(run, times: int = 1) -> float:
    """Seconds one call of `run` takes, averaged over `times` calls in a row."""
    start = time.perf_counter()
    for _ in range(times):
        run()
    return (time.perf_counter() - start) / times


def same_results(ours, theirs, exact: bool) -> str:
    """'' when the project's result and plain pysd's have the same columns, times and values
    (exactly, or to the suite's 1e-9 relative), else what differs."""
    import numpy as np

    from cyp_dynamics.models.naming import tidy_column

    theirs = theirs.set_axis([tidy_column(str(c)) for c in theirs.columns], axis=1)
    if list(ours.columns) != list(theirs.columns):
        return "different columns"
    if not np.array_equal(ours.index.to_numpy(float), theirs.index.to_numpy(float)):
        return "different times"
    difference = suite.largest_difference(ours, theirs) if len(ours.columns) else 0.0
    if difference > (0.0 if exact else suite.AGREEMENT):
        return f"values up to {difference:.1e} relative apart"
    return ""


def measure(path: Path, scratch: Path, repeats: int,
            engine: str | None = None) -> tuple[str, float, str] | None:
    """(engine, pysd / project speed ratio, '' or what differs) for one model, or None when
    either cannot run it."""
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
            mine = ours.run(params)
            copy = scratch / path.parent.name
            shutil.copytree(path.parent, copy, ignore=shutil.ignore_patterns("*.py"))
            read = pysd.read_vensim if path.suffix.lower() == ".mdl" else pysd.read_xmile
            plain = read(str(copy / path.name),
                         data_files=[str(copy / f) for f in suite.DATA_FILES.get(path.name, [])]
                         or None)
            # The same question to plain pysd: the project's columns, to the same final time
            # (None: the file's, when the model's control variables are equations of time).
            plain_params = {ours.python_name(k): v for k, v in params.items()}
            end = None if ours._dynamic_controls else ours.final_time_for(None)

            def plain_run():
                return plain.run(params=plain_params, return_columns=ours.outputs, final_time=end)

            theirs = plain_run()
        except Exception:  # noqa: BLE001 (a model either side cannot run is left out)
            return None
        differs = "" if suite.is_random(path) else same_results(mine, theirs,
                                                                  ours.engine == "pysd")
        # Each sample is the same number of runs on both sides: enough for plain pysd to take
        # SAMPLE_SECONDS, so that a run of a fraction of a millisecond is not timer noise.
        calls = max(1, min(1000, round(SAMPLE_SECONDS / max(timed(plain_run), 1e-6))))
        theirs_times, mine_times = [], []
        for repeat in range(repeats):  # interleaved, so that the machine's load falls on both
            pair = [(theirs_times, plain_run), (mine_times, lambda: ours.run(params))]
            for times, run in (pair if repeat % 2 == 0 else pair[::-1]):
                times.append(timed(run, calls))
    return ours.engine, statistics.median(theirs_times) / statistics.median(mine_times), differs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="parts of model paths to keep")
    parser.add_argument("--engine", choices=["numpy", "pysd"], help="only models on this engine")
    parser.add_argument("--all-on-fallback", action="store_true",
                        help="switch the numpy engine off: every model runs through pysd")
    parser.add_argument("--every", type=int, default=3,
                        help="measure every Nth suite model (default 3, for `make benchmark` in CI; "
                             "--every 1 measures the whole suite)")
    args = parser.parse_args()
    if not suite.SUITE_FOLDER.is_dir():
        sys.exit(f"The SDXorg suite is not at {suite.SUITE_FOLDER}; nothing to measure.")
    if args.all_on_fallback:
        switch_numpy_engine_off()
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
                engine, ratio, differs = found
                ratios[engine].append((ratio, suite.label(path)))
                note = f"  ({differs} from plain pysd)" if differs else ""
                print(f"{ratio:8.2f}x  {engine:5s}  {suite.label(path)}{note}", flush=True)
    print(f"\nSpeed ratio, plain pysd time / project time (median of {args.repeats} interleaved "
          "samples per model; above 1 the project is faster):")
    for engine, found in ratios.items():
        if not found:
            print(f"  {engine}: no models")
            continue
        values = sorted(found)
        print(f"  {engine:5s} engine: {len(values)} models, median "
              f"{statistics.median(v for v, _ in values):.2f}x, worst {values[0][0]:.2f}x "
              f"({values[0][1]}), best {values[-1][0]:.2f}x")
    if not (args.only or args.engine or args.all_on_fallback) and not ratios["pysd"]:
        # No suite model needs the fallback today: measure it on models sent to it on purpose,
        # in a fresh process (load_model keeps the models this one loaded on numpy).
        every = max(1, args.every) * FALLBACK_SPACING
        print(f"\nThe fallback, with the numpy engine switched off (one suite model in {every}):",
              flush=True)
        subprocess.run([sys.executable, __file__, "--all-on-fallback", "--every", str(every),
                        "--repeats", str(args.repeats)], check=True)


FALLBACK_SPACING = 2  # the default run measures the fallback on every 6th model (CI's time)


if __name__ == "__main__":
    main()
