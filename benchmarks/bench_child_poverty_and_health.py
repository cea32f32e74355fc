"""Benchmark and headline figures of the child poverty model (module 05).

Prints, for `child_poverty_and_health` (Vensim subscripts, compiled by the numpy engine):
1. the time of one 30-year run (half-year steps), median of a few, the same run through pysd,
   the largest difference between the two over every column, and one slider move in `explore`;
2. the modelled UK-average poverty share against the HBAI series;
3. the delay before outcomes respond to exits from poverty rising by a tenth from 2026 (years
   until half the response, runs to 2060).

Run with `python benchmarks/bench_child_poverty_and_health.py`.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from contextlib import redirect_stdout
from io import StringIO

import numpy as np

from cyp_dynamics import explore, load_model
from cyp_dynamics.course import module05


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs (default 3)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    model = load_model("child_poverty_and_health")
    print(f"{platform.node()} · {platform.python_version()} · engine: {model.engine}")

    model.run()  # translation into the cache happens once, outside the timing
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        model.run({"exit_rise_percent": 10})
        times.append(time.perf_counter() - start)
    print(f"one 30-year run: median {np.median(times):.3f} s, max {max(times):.3f} s "
          f"({args.runs} runs)")
    model.run_with_pysd()  # translation into the cache happens once, outside the timing
    start = time.perf_counter()
    reference = model.run_with_pysd({"exit_rise_percent": 10})
    print(f"the same run through pysd: {time.perf_counter() - start:.2f} s")
    difference = (model.run({"exit_rise_percent": 10}) - reference).abs().to_numpy().max()
    print(f"largest difference from pysd over {reference.shape[1]} columns: {difference:.3g}")

    with redirect_stdout(StringIO()):
        explorer = explore(model, parameters=["exit_rise_percent"],
                           outputs=["poverty_share_percent[inner_city]"])
        start = time.perf_counter()
        explorer.sliders["exit_rise_percent"].value = 20
        move = time.perf_counter() - start
    print(f"one slider move (run + chart spec): {move:.3f} s")

    print("\nModelled UK-average poverty share against HBAI (relative, after housing costs):")
    print(module05.hbai_comparison(module05.run()).to_string(index=False))

    base = module05.run(years=module05.LONG_RUN_YEARS)
    policy = module05.run(module05.EXITS_UP_A_TENTH, module05.LONG_RUN_YEARS)
    print("\nYears from 2026 until half the response to exits up a tenth (UK-average place):")
    for name in ["poverty_share_percent", "children_in_persistent_poverty[uk_average,age_5_10]",
                 "mental_health_difficulties_11_to_15", "camhs_referrals_from_11_to_15s",
                 "year_6_obesity_percent"]:
        column = name if "[" in name else f"{name}[uk_average]"
        print(f"  {column}: {module05.response_delay(base, policy, column):.1f}")


if __name__ == "__main__":
    main()
