"""One run of each course model, as a slider move triggers it, against plain pysd.

For every course model: a parameter is swept over its range (a slider dragged end to end), and
each run is timed through `Model.run` (the library, numpy engine) and, interleaved with it in the
same process, through pysd's own integrator (`Model.run_with_pysd`). Prints per model: p50 and
p95 of the library's run over the sweep, pysd's median, and the median of the paired ratios
pysd / library. Targets (issue 13): p95 < 16 ms and ratio >= 5 on every course model.

    .venv/bin/python benchmarks/bench_single_runs.py [--sweep 60] [--pairs 7] [--only NAME]
"""

from __future__ import annotations

import argparse
import gc
import time
import warnings

import numpy as np
import pandas as pd

from cyp_dynamics import load_model
from cyp_dynamics.models import COURSE_MODELS

P95_TARGET_MS = 16.0
RATIO_TARGET = 5.0


def slider(model) -> tuple[str, np.ndarray]:
    """The first parameter with a declared range, and values across it (a slider's drag)."""
    table = model.parameters
    for name, row in table.iterrows():
        low, high = row["min"], row["max"]
        if pd.notna(low) and pd.notna(high) and high > low:
            return name, np.linspace(low, high, 1000)
    name = table.index[0]
    default = float(table.loc[name, "default"])
    return name, np.linspace(0.5 * default, 1.5 * default, 1000)


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(name: str, sweep: int, pairs: int) -> dict:
    model = load_model(name)
    parameter, values = slider(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.run()
        model.run_with_pysd()  # translate once, outside the timing
        gc.collect()
        picks = values[np.linspace(0, len(values) - 1, sweep).astype(int)]
        typical = np.median([timed(lambda: model.run()) for _ in range(9)])
        work = max(1_000, int(10_000 * typical / np.median([timed(_control_work) for _ in range(9)])))
        ours, engine, control = [], [], []
        for v in picks:  # a fixed piece of work beside each run shows the machine's own noise
            ours.append(timed(lambda v=v: model.run({parameter: float(v)})))
            control.append(timed(lambda: _control_work(work)))
            if model.engine == "numpy":  # the engine alone, without building the DataFrame
                values = {k: np.array([x]) for k, x in model.resolve({parameter: float(v)}).items()}
                engine.append(timed(lambda values=values: model._simulate(
                    values, model._controls["final_time"], 1)))
        ratios, theirs = [], []
        for v in picks[np.linspace(0, sweep - 1, pairs).astype(int)]:
            params = {parameter: float(v)}
            a = timed(lambda params=params: model.run(params))
            b = timed(lambda params=params: model.run_with_pysd(params))
            c = timed(lambda params=params: model.run(params))
            theirs.append(b)
            ratios.append(b / ((a + c) / 2))
    return {"model": name, "engine": model.engine, "parameter": parameter,
            "p50": float(np.percentile(ours, 50)), "p95": float(np.percentile(ours, 95)),
            "pysd": float(np.median(theirs)), "ratio": float(np.median(ratios)),
            "engine_p50": float(np.percentile(engine, 50)) if engine else float("nan"),
            "control_p50": float(np.percentile(control, 50)),
            "control_p95": float(np.percentile(control, 95))}


def _control_work(size: int = 10_000) -> int:
    """Plain Python sized like one run: its p95 against its p50 is the machine's own noise."""
    return sum(range(size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", type=int, default=60, help="runs in the slider sweep")
    parser.add_argument("--pairs", type=int, default=7, help="interleaved pairs against pysd")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    print(f"{'model':<38}{'engine':<8}{'p50 ms':>8}{'p95 ms':>8}{'pysd ms':>9}{'pysd/us':>9}"
          f"{'eng p50':>9}{'ctrl p50':>9}{'ctrl p95':>9}  targets")
    for name in COURSE_MODELS:
        if args.only and args.only not in name:
            continue
        r = measure(name, args.sweep, args.pairs)
        ok = "ok" if r["p95"] < P95_TARGET_MS and r["ratio"] >= RATIO_TARGET else "MISSED"
        print(f"{name:<38}{r['engine']:<8}{r['p50']:>8.2f}{r['p95']:>8.2f}{r['pysd']:>9.1f}"
              f"{r['ratio']:>8.1f}x{r['engine_p50']:>9.2f}{r['control_p50']:>9.2f}"
              f"{r['control_p95']:>9.2f}  {ok}", flush=True)
    print(f"\np95 target < {P95_TARGET_MS:g} ms; ratio target >= {RATIO_TARGET:g}x (paired, "
          "interleaved, median). Sweep: the first parameter with a range, end to end.\n"
          "eng: the engine alone (Model._simulate), without building the run's DataFrame.\n"
          "ctrl: plain Python as long as a typical run, timed beside each run; when its p95 is far "
          "above its p50 the machine is busy and the p95 column measures the machine, not the model.")


if __name__ == "__main__":
    main()
