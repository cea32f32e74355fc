"""Single runs against Simlin (a compiled Rust engine, `pysimlin` on PyPI) and the slider's cost.

For every course model, in one process, interleaved, medians:
- one run: the library's `Model.run` against Simlin's `run(overrides)`, same parameter change
  (issue 13's stretch target: no slower than Simlin);
- 1,000 runs: one vectorised `ensemble` against Simlin in a loop with overrides (the target is to
  keep the lead); Simlin's loop is timed over 200 runs and scaled to 1,000, said in the output;
- a slider move: the run plus the new chart spec the explorer sends (`Explorer.current_spec`),
  as a ratio to the run alone (the run should be almost all of it).

Skips Simlin's columns with a sentence when pysimlin is not installed (it has Linux wheels only).

    .venv/bin/python benchmarks/bench_simlin_and_slider.py [--pairs 9]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time
import warnings

import numpy as np

from cyp_dynamics import explore, load_model, sample_parameters
from cyp_dynamics.analysis import ensemble
from cyp_dynamics.models import COURSE_MODELS


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _lever(model) -> tuple[str, float]:
    table = model.parameters
    for name, row in table.iterrows():
        if row["max"] == row["max"] and row["max"] > row["min"]:
            return name, float(row["min"] + 0.6 * (row["max"] - row["min"]))
    name = table.index[0]
    return name, float(table.loc[name, "default"]) * 1.1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=9)
    args = parser.parse_args()
    try:
        import simlin
    except ImportError:
        simlin = None
        print("pysimlin is not installed here: Simlin's columns are skipped.")
    print(f"{'model':36} {'run ms':>7} {'Simlin ms':>9} {'lib/Simlin':>10} {'1k runs s':>9} "
          f"{'Simlin 1k s':>11} {'Simlin/lib 1k':>13} {'slider/run':>10}")
    for name in COURSE_MODELS:
        model = load_model(name)
        lever, value = _lever(model)
        params = {lever: value}
        runs: list[float] = []
        theirs: list[float] = []
        sim = None
        if simlin is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    sim = simlin.load(str(model.path))
                    sim.run(overrides=params, analyze_loops=False)
                except Exception as problem:  # noqa: BLE001 (Simlin cannot run every model)
                    print(f"  Simlin cannot run {name}: {type(problem).__name__}")
                    sim = None
        model.run(params)
        for _ in range(args.pairs):
            runs.append(_timed(lambda: model.run(params)))
            if sim is not None:
                theirs.append(_timed(lambda: sim.run(overrides=params, analyze_loops=False)))
        samples = sample_parameters(model, 1000, seed=1)
        ours_1k = statistics.median(_timed(lambda: ensemble(model, samples, progress=False))
                                    for _ in range(3))
        simlin_1k = float("nan")
        if sim is not None:
            rows = samples.head(200).to_dict("records")
            simlin_1k = 5 * _timed(lambda: [sim.run(overrides=r, analyze_loops=False) for r in rows])
        with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook explore() prints itself
            explorer = explore(model, parameters=[lever])
        slider_over_run = []
        for _ in range(args.pairs):
            run_s = _timed(lambda: model.run(explorer.params, months=explorer.months))

            def move() -> None:
                explorer.results = model.run(explorer.params, months=explorer.months)
                explorer.current_spec()
            slider_over_run.append(_timed(move) / run_s)
        run_ms = 1000 * statistics.median(runs)
        simlin_ms = 1000 * statistics.median(theirs) if theirs else float("nan")
        ratio = run_ms / simlin_ms if theirs else float("nan")
        print(f"{name:36} {run_ms:7.2f} {simlin_ms:9.2f} {ratio:10.2f} {ours_1k:9.3f} "
              f"{simlin_1k:11.2f} {simlin_1k / ours_1k:13.1f} {np.median(slider_over_run):10.2f}")
    print("lib/Simlin < 1 means the library's single run is faster; Simlin's 1k time is its loop "
          "over 200 runs x 5. slider/run: the run plus the chart spec, over the run alone.")


if __name__ == "__main__":
    main()
