"""Run every course notebook in a fresh kernel and report how long each takes.

For each notebook under course/, modules/ and solutions/: total execution time, time from
kernel start to the first chart (the first Vega-Lite output, or the first explorer), and the
slowest cell. Exits non-zero if a notebook fails, a cell exceeds its timeout, a notebook its
limit, or the whole course its budget.
Each notebook runs with its own folder as the working directory, as JupyterLab does.

    python scripts/notebook_report.py [--timeout 60] [--notebook-limit 120] [--budget 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

from cyp_dynamics.course.running import sliced_client

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("course", "modules", "solutions")
CHART_MIME = "application/vnd.vegalite.v5+json"


def _has_chart(outputs: list) -> bool:
    return any(CHART_MIME in o.get("data", {}) for o in outputs)


def run_notebook(path: Path, timeout: int) -> dict:
    notebook = nbformat.read(path, as_version=4)
    # Widget state is kept: nbclient fails on output captured by an Output widget without it.
    client = sliced_client(notebook, path.parent, timeout, store_widget_state=True)
    cell_times: list[tuple[float, int]] = []
    first_chart: float | None = None
    started = time.perf_counter()
    with client.setup_kernel():
        kernel_ready = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            before = time.perf_counter()
            client.execute_cell(cell, index)
            cell_times.append((time.perf_counter() - before, index))
            # Widgets draw their chart inside an Output widget, which nbclient keeps in the
            # widget state; a cell that displays an explorer counts as drawing a chart.
            explorer = "explore(" in cell.source
            if first_chart is None and (_has_chart(cell.outputs) or explorer):
                first_chart = time.perf_counter() - kernel_ready
    slowest = max(cell_times, default=(0.0, -1))
    return {"notebook": path.relative_to(ROOT).as_posix(), "total_s": time.perf_counter() - started,
            "kernel_start_s": kernel_ready - started, "first_chart_s": first_chart,
            "slowest_cell_s": slowest[0], "slowest_cell": slowest[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=int, default=60, help="seconds allowed per cell")
    parser.add_argument("--notebook-limit", type=float, default=120, help="seconds per notebook")
    parser.add_argument("--budget", type=float, default=300, help="seconds for the whole course")
    args = parser.parse_args()
    paths = sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
    rows, failures = [], []
    for path in paths:
        try:
            rows.append(run_notebook(path, args.timeout))
        except Exception as error:  # report every notebook, then fail
            failures.append(f"{path.relative_to(ROOT)}: {type(error).__name__}: {str(error)[:300]}")
    print(f"{'notebook':<58}{'total s':>9}{'kernel s':>10}{'1st chart s':>13}{'slowest cell':>15}")
    for row in rows:
        chart = "-" if row["first_chart_s"] is None else f"{row['first_chart_s']:.2f}"
        print(f"{row['notebook']:<58}{row['total_s']:>9.2f}{row['kernel_start_s']:>10.2f}{chart:>13}"
              f"{row['slowest_cell_s']:>9.2f} (#{row['slowest_cell']})")
    failures += [f"{r['notebook']}: took {r['total_s']:.0f} s, over the {args.notebook_limit:.0f} s limit"
                 for r in rows if r["total_s"] > args.notebook_limit]
    total = sum(r["total_s"] for r in rows)
    print(f"{'whole course':<58}{total:>9.2f}   budget {args.budget:.0f} s")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    if total > args.budget:
        print(f"The course took {total:.0f} s, over the {args.budget:.0f} s budget.", file=sys.stderr)
    return 1 if failures or total > args.budget else 0


if __name__ == "__main__":
    raise SystemExit(main())
