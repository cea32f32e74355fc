"""Benchmark module 03's heavier cells: one 120-month run, the tipping-point search, the national fit.

Prints wall-clock times (median of a few repeats) for `camhs_system` on this machine.
Run with `python benchmarks/bench_camhs_system.py`.
"""

from __future__ import annotations

import platform
import statistics
import time

from cyp_dynamics import load_model
from cyp_dynamics.analysis import calibrate, find_threshold
from cyp_dynamics.course import module03


def timed(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    model = load_model("camhs_system")
    print(f"camhs_system on {platform.machine()} / Python {platform.python_version()}, engine {model.engine}")
    run_s = timed(lambda: model.run(months=120), 20)
    print(f"one 120-month run: {run_s * 1000:.1f} ms")
    threshold_s = timed(lambda: find_threshold(model, "initial_severe_share", "waiting_list",
                                               params=module03.BISTABLE, low=0, high=1,
                                               months=module03.BISTABLE_MONTHS, tolerance=0.002), 3)
    print(f"tipping point by bisection (tolerance 0.002): {threshold_s:.2f} s")
    fit_s = timed(lambda: calibrate(model, module03.commissioner_targets(), module03.CALIBRATED,
                                    fixed=module03.ENGLAND, months=84), 3)
    print(f"national calibration (5 parameters, 13 observations): {fit_s:.2f} s")


if __name__ == "__main__":
    main()
