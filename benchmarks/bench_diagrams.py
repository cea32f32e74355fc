"""Benchmark diagram drawing and loop finding for every course model.

Prints, for each course model: the time to build its diagram from the model file (including the
run that polarities are estimated on), to find its loops, and to write its Mermaid text (median of
`--repeats` tries), with the number of variables, links and loops found.

Run with `python benchmarks/bench_diagrams.py`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from cyp_dynamics import find_loops, list_models, load_model, model_diagram
from cyp_dynamics.charts.diagrams import to_mermaid


def median_ms(action, repeats: int) -> tuple[float, object]:
    """Median wall time of `action()` in milliseconds, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    repeats = parser.parse_args().repeats
    print(f"{'model':38} {'diagram ms':>10} {'loops ms':>9} {'mermaid ms':>10}  variables links loops")
    for name in list_models()["name"]:
        model = load_model(name)
        build_ms, diagram = median_ms(lambda: model_diagram(model), repeats)
        loops_ms, loops = median_ms(lambda: find_loops(diagram), repeats)
        text_ms, _ = median_ms(lambda: to_mermaid(diagram), repeats)
        print(f"{name:38} {build_ms:10.1f} {loops_ms:9.2f} {text_ms:10.2f}  "
              f"{len(diagram.labels):9d} {len(diagram.links):5d} {len(loops):5d}")


if __name__ == "__main__":
    main()
