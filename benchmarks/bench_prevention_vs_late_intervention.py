"""Benchmark module 04's model: one 30-year run (a slider move) and the whole policy table.

Prints, for `prevention_vs_late_intervention`: the p50 and p95 time of one run on the numpy
engine and through pysd, and the time to build `module04.policy_table()` (seven policies, each
run and put through the Green Book cost ledger).

Run with `python benchmarks/bench_prevention_vs_late_intervention.py`.
"""

from __future__ import annotations

import time

import numpy as np

from cyp_dynamics import load_model
from cyp_dynamics.course import module04


def timings_ms(call, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main() -> None:
    model = load_model("prevention_vs_late_intervention")
    model.run_with_pysd()  # translate once, outside the timing
    funds = iter(np.linspace(0, 5e7, 10_000))
    fast = timings_ms(lambda: model.run({"transition_fund": float(next(funds))}), 50)
    slow = timings_ms(lambda: model.run_with_pysd({"transition_fund": 1e7}), 5)
    table = timings_ms(module04.policy_table, 3)
    print(f"engine: {model.engine}")
    print(f"one 30-year run, numpy engine: p50 {fast[0]:.1f} ms, p95 {fast[1]:.1f} ms")
    print(f"one 30-year run, pysd:         p50 {slow[0]:.1f} ms, p95 {slow[1]:.1f} ms")
    print(f"policy table (7 policies + ledger): p50 {table[0]:.0f} ms, p95 {table[1]:.0f} ms")


if __name__ == "__main__":
    main()
