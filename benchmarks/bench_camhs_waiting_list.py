"""Benchmark the CAMHS waiting-list model: slider moves and a 1,000-run Monte Carlo ensemble.

Prints, for `camhs_waiting_list`:
1. a slider move to a new chart spec through `explore` (p50, p95), and the same with a plain
   pysd `run()` in place of the library's engine;
2. a 1,000-run ensemble through `ensemble()` against a plain pysd loop, with the speed ratio
   and the largest difference between their results.

Run with `make benchmark` (or `python benchmarks/bench_camhs_waiting_list.py`).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO

import numpy as np

from cyp_dynamics import ensemble, explore, load_model, sample_parameters
from cyp_dynamics.charts import tidy_runs
from cyp_dynamics.models.pysd_cache import load_pysd_model


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def bench_slider(moves: int) -> dict[str, list[float]]:
    model = load_model("camhs_waiting_list")
    values = np.linspace(30, 90, moves)
    library, plain = [], []
    with redirect_stdout(StringIO()):  # outside a notebook, display() prints the spec
        explorer = explore(model, parameters=["clinicians"],
                           outputs=["waiting_list", "average_wait_in_weeks"])
        for value in values:
            start = time.perf_counter()
            explorer.sliders["clinicians"].value = float(value)
            explorer.current_spec()
            library.append(time.perf_counter() - start)
    pysd_model = load_pysd_model(model.path)
    defaults = model.resolve()
    for value in values:
        start = time.perf_counter()
        result = pysd_model.run(params={**defaults, "clinicians": float(value)},
                                return_columns=["Waiting list", "Average wait in weeks"])
        result.columns = ["waiting_list", "average_wait_in_weeks"]
        tidy_runs({"Now": result}, ["waiting_list", "average_wait_in_weeks"])
        plain.append(time.perf_counter() - start)
    return {"library": library, "pysd": plain}


def bench_ensemble(runs: int) -> dict[str, float]:
    model = load_model("camhs_waiting_list")
    samples = sample_parameters(model, runs, seed=1)
    start = time.perf_counter()
    fast = ensemble(model, samples, progress=False)
    library_s = time.perf_counter() - start

    pysd_model = load_pysd_model(model.path)
    columns = {name: label for name, label in zip(model.variables.index, model.variables["label"])}
    start = time.perf_counter()
    largest = 0.0
    plain_results = []
    for run in samples.index:
        params = model.resolve(samples.loc[run].to_dict())
        result = pysd_model.run(params=params, return_columns=[columns[o] for o in model.outputs])
        plain_results.append(result.to_numpy())
    pysd_s = time.perf_counter() - start
    for run, plain in zip(samples.index, plain_results):
        largest = max(largest, float(np.abs(fast.loc[run].to_numpy() - plain).max()))
    return {"library_s": library_s, "pysd_s": pysd_s, "largest_difference": largest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200, help="slider moves to time")
    parser.add_argument("--runs", type=int, default=1000, help="runs in the ensemble")
    args = parser.parse_args()
    os.environ.setdefault("CYP_DYNAMICS_CACHE", os.path.join(tempfile.gettempdir(), "cyp-bench-cache"))

    print(f"camhs_waiting_list benchmark · Python {platform.python_version()} · "
          f"{os.cpu_count()} cores · {platform.machine()}")
    slider = bench_slider(args.moves)
    print(f"\nSlider move to new chart spec ({args.moves} moves), milliseconds")
    print(f"{'path':<36}{'p50':>8}{'p95':>8}{'max':>8}")
    for label, key in (("explore() (library engine)", "library"), ("plain pysd run() + spec data", "pysd")):
        times = slider[key]
        print(f"{label:<36}{percentile(times, 50):>8.1f}{percentile(times, 95):>8.1f}"
              f"{max(times) * 1000:>8.1f}")

    result = bench_ensemble(args.runs)
    print(f"\nMonte Carlo ensemble, {args.runs} runs (Latin hypercube over every parameter)")
    print(f"{'ensemble() (library engine)':<36}{result['library_s']:>10.3f} s")
    print(f"{'plain pysd loop':<36}{result['pysd_s']:>10.3f} s")
    print(f"{'speed-up':<36}{result['pysd_s'] / result['library_s']:>10.0f} x")
    print(f"{'largest difference in any value':<36}{result['largest_difference']:>10.1e}")
    mean_pysd_ms = result["pysd_s"] / args.runs * 1000
    print(f"{'(one pysd run, mean)':<36}{mean_pysd_ms:>10.2f} ms")


if __name__ == "__main__":
    main()
