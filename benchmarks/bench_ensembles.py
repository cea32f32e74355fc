"""Benchmark ensembles: speed against hand-written numpy, growth with runs, peak memory, import
time, and a large ensemble on one process and on a Dask LocalCluster (issue 13's figures).

Every ratio is measured in this one process with both sides interleaved, several repetitions,
medians (the machine is shared and noisy). Prints:
1. a 1,000-run ensemble of `camhs_waiting_list` against the same model written by hand as
   vectorised numpy (target: at most 1.5x);
2. ensemble time from 1,000 to 100,000 runs (target: at most 110x; `camhs_system` to 10,000
   runs by default, to 100,000 with --full);
3. peak memory of `ensemble` against the result's own size (target: at most 1.2x), and what
   `child_poverty_and_health` at 100,000 runs would need;
4. `import cyp_dynamics` against `import pysd`, each in a fresh process (target: at most 1x);
5. a large ensemble (100,000 runs by default, 1,000,000 with --full) as a table and as a
   summary (bands, means), on one process and on a 2-worker LocalCluster, with time and peak
   memory; and a cluster's chunk time with Dask's default MALLOC_TRIM_THRESHOLD_ against
   without it.

Run with `make benchmark` (or `python benchmarks/bench_ensembles.py [--full]`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from cyp_dynamics import ensemble, ensemble_dataset, load_model, sample_parameters

SMALL_VENSIM = 1e-6  # ZIDZ's "zero" (as pysd)


# ---- the model by hand --------------------------------------------------------------------------
def camhs_by_hand(p: dict[str, np.ndarray], runs: int, months: int = 36) -> dict[str, np.ndarray]:
    """camhs_waiting_list written by hand as vectorised numpy: Euler steps of a quarter month,
    every output saved each month into arrays (runs, months + 1) allocated once."""
    dt, per_month = 0.25, 4
    waiting = np.array(p["initial_waiting_list"], dtype=float, copy=True)
    accepted_to_date, starts_to_date, closures_to_date = (np.zeros(runs) for _ in range(3))
    names = ["waiting_list", "referrals_accepted_to_date", "treatment_starts_to_date",
             "closures_to_date", "referrals_accepted", "treatment_starts",
             "closures_before_treatment", "clinicians_available", "treatment_capacity",
             "average_wait", "average_wait_in_weeks"]
    out = {name: np.empty((runs, months + 1)) for name in names}
    leave_end = p["leave_start_month"] + p["leave_length"]
    change = p["referral_change_percent"] / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(months * per_month + 1):
            t = k * dt
            accepted = p["referrals_accepted_per_month"] * (1.0 + change * (t + dt / 2 > p["referral_change_month"]))
            closures = waiting * p["closure_rate"]
            on_leave = p["clinicians_on_leave"] * (1.0 * (t + dt / 2 > p["leave_start_month"])
                                                   - 1.0 * (t + dt / 2 > leave_end))
            available = np.maximum(0.0, p["clinicians"] - on_leave)
            capacity = available * p["new_starts_per_clinician"]
            starts = np.minimum(capacity, waiting / p["shortest_wait"])
            leaving = starts + closures
            wait = np.where(np.abs(leaving) < SMALL_VENSIM, 0.0, waiting / leaving)
            if k % per_month == 0:
                i = k // per_month
                for name, values in zip(names, (waiting, accepted_to_date, starts_to_date,
                                                closures_to_date, accepted, starts, closures,
                                                available, capacity, wait, wait * 4.348)):
                    out[name][:, i] = values
            waiting = waiting + (accepted - starts - closures) * dt
            accepted_to_date = accepted_to_date + accepted * dt
            starts_to_date = starts_to_date + starts * dt
            closures_to_date = closures_to_date + closures * dt
    return out


# ---- measuring ----------------------------------------------------------------------------------
def interleaved(functions: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Median seconds of each function, run in turn `repeats` times (after one warm-up each).

    Keys `name` give wall-clock time; `name cpu` this process's CPU time, which other work on a
    busy machine disturbs far less (the ensembles here run on one thread); `name user` the part
    of it spent in this program rather than in the kernel (which zero-fills fresh memory)."""
    for function in functions.values():
        function()
    times: dict[str, list[float]] = {key: [] for name in functions
                                     for key in (name, f"{name} cpu", f"{name} user")}
    for _ in range(repeats):
        for name, function in functions.items():
            start, cpu = time.perf_counter(), time.process_time()
            user = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            function()
            times[name].append(time.perf_counter() - start)
            times[f"{name} cpu"].append(time.process_time() - cpu)
            times[f"{name} user"].append(resource.getrusage(resource.RUSAGE_SELF).ru_utime - user)
    return {key: statistics.median(values) for key, values in times.items()}


def traced_peak(function: Callable[[], Any]) -> tuple[Any, float]:
    """The function's result and the most memory it held at once (bytes, by tracemalloc)."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def row(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<58}{value:>14}  {target}")


def verdict(ratio: float, target: float) -> str:
    return f"(target <= {target:g}x: {'met' if ratio <= target else 'NOT met'})"


# ---- 1. against numpy by hand -----------------------------------------------------------------
def bench_against_numpy(repeats: int) -> None:
    model = load_model("camhs_waiting_list")
    samples = sample_parameters(model, 1_000, seed=1)
    params = {name: samples[name].to_numpy() if name in samples else np.full(1_000, default)
              for name, default in model.resolve().items()}
    by_hand = camhs_by_hand(params, 1_000)
    table = ensemble(model, samples, progress=False)
    largest = max(float(np.max(np.abs(table[name].to_numpy().reshape(1_000, -1) - values)
                               / np.maximum(1.0, np.abs(values)))) for name, values in by_hand.items())
    medians = interleaved({
        "numpy": lambda: camhs_by_hand(params, 1_000),
        "ensemble": lambda: ensemble(model, samples, progress=False),
        "dataset": lambda: ensemble_dataset(model, samples, progress=False),
    }, repeats)
    print(f"\n1. 1,000-run ensemble of camhs_waiting_list vs hand-written numpy "
          f"({repeats} interleaved repetitions, medians; wall clock, and CPU time)")
    for label, key in (("hand-written vectorised numpy (arrays)", "numpy"),
                       ("ensemble() (long table, (run, month) index)", "ensemble"),
                       ("ensemble_dataset() (xarray, run x month)", "dataset")):
        row(label, f"{medians[key] * 1e3:.1f} ms", f"CPU {medians[key + ' cpu'] * 1e3:.1f} ms")
    for label, key in (("ensemble() / numpy", "ensemble"), ("ensemble_dataset() / numpy", "dataset")):
        wall, cpu = medians[key] / medians["numpy"], medians[key + " cpu"] / medians["numpy cpu"]
        row(label + ", CPU time", f"{cpu:.2f}x", verdict(cpu, 1.5) if key == "ensemble" else "")
        row(label + ", wall clock", f"{wall:.2f}x")
    row("largest relative difference, ensemble vs numpy", f"{largest:.1e}")


# ---- 2. growth ----------------------------------------------------------------------------------
def bench_growth(name: str, small: int, large: int, repeats: int) -> None:
    model = load_model(name)
    samples = sample_parameters(model, large, seed=2)
    few = samples.iloc[:small]
    medians = interleaved({
        "small": lambda: ensemble(model, few, progress=False),
        "large": lambda: ensemble(model, samples, progress=False),
    }, repeats)
    ratio = medians["large cpu"] / medians["small cpu"]
    row(f"{name}: {small:,} runs", f"{medians['small'] * 1e3:.0f} ms",
        f"CPU {medians['small cpu'] * 1e3:.0f} ms")
    row(f"{name}: {large:,} runs", f"{medians['large'] * 1e3:.0f} ms",
        f"CPU {medians['large cpu'] * 1e3:.0f} ms")
    row(f"{name}: growth for {large // small}x the runs, CPU time", f"{ratio:.0f}x",
        verdict(ratio, 1.1 * large / small))
    row(f"{name}: growth, user CPU (kernel time left out)",
        f"{medians['large user'] / max(medians['small user'], 1e-9):.0f}x")
    row(f"{name}: growth, wall clock", f"{medians['large'] / medians['small']:.0f}x")


# ---- 3. peak memory -----------------------------------------------------------------------------
def bench_peak(runs: int) -> None:
    model = load_model("camhs_waiting_list")
    samples = sample_parameters(model, runs, seed=3)
    result, peak = traced_peak(lambda: ensemble(model, samples, progress=False))
    size = result.memory_usage(deep=True).sum()
    del result
    print(f"\n3. Peak memory of ensemble() (tracemalloc, {runs:,} runs of camhs_waiting_list)")
    row("result table (values and index)", f"{size / 1e6:,.0f} MB")
    row("peak while building it", f"{peak / 1e6:,.0f} MB")
    row("peak / result", f"{peak / size:.2f}x", verdict(peak / size, 1.2))
    from cyp_dynamics.analysis import MemoryLimitError
    from cyp_dynamics.analysis.memory import memory_limit_bytes

    poverty = load_model("child_poverty_and_health")
    big = sample_parameters(poverty, 100_000, seed=3)
    try:
        ensemble(poverty, big, memory_limit_gb=0.001)
    except MemoryLimitError as refusal:
        need = str(refusal).split("about ")[1].split(" of memory")[0]
        row("child_poverty_and_health, 100,000 runs: estimate", need)
    limit, _ = memory_limit_bytes()
    row("memory limit here (refused above it, before any run)", f"{limit / 1e9:.1f} GB")


# ---- 4. import ----------------------------------------------------------------------------------
def bench_import(repeats: int) -> None:
    def fresh(code: str) -> float:
        script = f"import time; s = time.perf_counter(); {code}; print(time.perf_counter() - s)"
        return float(subprocess.run([sys.executable, "-c", script], capture_output=True,
                                    text=True, check=True).stdout)

    times: dict[str, list[float]] = {"ours": [], "pysd": [], "load_model": []}
    for _ in range(repeats):
        times["ours"].append(fresh("import cyp_dynamics"))
        times["pysd"].append(fresh("import pysd"))
        times["load_model"].append(fresh("from cyp_dynamics import load_model"))
    ours, pysd, loader = (statistics.median(times[k]) for k in ("ours", "pysd", "load_model"))
    print(f"\n4. Import time, fresh processes ({repeats} interleaved repetitions, medians)")
    row("import cyp_dynamics", f"{ours * 1e3:.0f} ms")
    row("import pysd", f"{pysd * 1e3:.0f} ms")
    row("import cyp_dynamics / import pysd", f"{ours / pysd:.2f}x", verdict(ours / pysd, 1.0))
    row("from cyp_dynamics import load_model (loads the engine)", f"{loader * 1e3:.0f} ms")


# ---- 5. large ensembles, one process and a LocalCluster ------------------------------------------
LARGE_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from cyp_dynamics import ensemble, ensemble_summary, load_model, sample_parameters
    runs, kind, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    model = load_model("camhs_waiting_list")
    samples = sample_parameters(model, runs, seed=4)
    client = None
    if workers:
        from cyp_dynamics.analysis import local_cluster
        client = local_cluster(workers=workers, dashboard_address=None)
        from cyp_dynamics.analysis.cluster import ModelFile, _worker_model
        client.run(_worker_model, ModelFile.of(model))  # every worker loads the model first
    def worker_cpu():
        return list(client.run(time.process_time).values()) if client is not None else []

    before = worker_cpu()
    start, cpu = time.perf_counter(), time.process_time()
    if kind == "table":
        result = ensemble(model, samples, progress=False, client=client)
    else:
        result = ensemble_summary(model, samples, progress=False, client=client)
    seconds, cpu = time.perf_counter() - start, [time.process_time() - cpu]
    cpu += [after - first for after, first in zip(worker_cpu(), before)]
    def peak_rss():  # VmHWM: unlike ru_maxrss, not inherited from the parent across fork + exec
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM"))

    peaks = [peak_rss()]
    if client is not None:
        peaks += list(client.run(peak_rss).values())
        client.close(); client.cluster.close()
    print(json.dumps({"seconds": seconds, "peaks": peaks, "cpu": cpu}))
""")


def large_run(runs: int, kind: str, workers: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", LARGE_SCRIPT, str(runs), kind, str(workers)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


CHUNK_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import dask, distributed
    from cyp_dynamics.analysis.cluster import MALLOC_SETTING

    def chunk_seconds(repeats):
        # CPU time of this worker process (not wall time: other processes share the cores)
        # for one task's work: 20,000 runs in chunks, into a table
        from cyp_dynamics import ensemble, load_model, sample_parameters
        model = load_model("camhs_waiting_list")
        samples = sample_parameters(model, 20_000, seed=5)
        times = []
        for _ in range(repeats):
            start = time.process_time(); ensemble(model, samples, progress=False)
            times.append(time.process_time() - start)
        return times

    from cyp_dynamics.analysis import local_cluster

    clients = {"lifted": local_cluster(workers=1, dashboard_address=None)}
    with dask.config.set({MALLOC_SETTING: "65536"}):  # Dask's default, stated
        clients["dask default"] = distributed.Client(distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=None))
    settings = {label: list(client.run(lambda: __import__("os").environ.get(
        "MALLOC_TRIM_THRESHOLD_")).values()) for label, client in clients.items()}
    assert settings == {"lifted": [None], "dask default": ["65536"]}, settings
    for client in clients.values():
        client.submit(chunk_seconds, 1, pure=False).result()  # load the model
    result = {label: [] for label in clients}
    for _ in range(int(sys.argv[1])):  # interleaved: one chunk on each worker in turn
        for label, client in clients.items():
            result[label] += client.submit(chunk_seconds, 1, pure=False).result()
    for client in clients.values():
        client.close(); client.cluster.close()
    print(json.dumps(result))
""")


def bench_large(runs: int, repeats: int) -> None:
    try:
        import distributed
    except ImportError:
        distributed = None
    print(f"\n5. {runs:,} runs of camhs_waiting_list, each in a fresh process (wall clock; CPU "
          f"time of each process; peak: the most resident memory of each process)")
    table_gb = runs * 37 * (11 * 8 + 5) / 1e9
    row("the table's size (11 outputs, 37 months)", f"{table_gb:.2f} GB")
    for kind in ("table", "summary"):
        here = large_run(runs, kind, 0)
        row(f"{kind}, one process: time", f"{here['seconds']:.1f} s", f"CPU {here['cpu'][0]:.1f} s")
        row(f"{kind}, one process: peak", f"{here['peaks'][0] / 2**30:.2f} GiB")
        if distributed is None:
            row(f"{kind}, LocalCluster", "Dask not installed")
            continue
        there = large_run(runs, kind, 2)
        peaks = ", ".join(f"{p / 2**30:.2f}" for p in there["peaks"])
        row(f"{kind}, 2-worker LocalCluster: time", f"{there['seconds']:.1f} s",
            f"({here['seconds'] / there['seconds']:.2f}x one process's speed)")
        row(f"{kind}, LocalCluster CPU (here, workers)",
            ", ".join(f"{c:.1f}" for c in there["cpu"]) + " s")
        row(f"{kind}, LocalCluster peaks (here, workers)", f"{peaks} GiB")
    if distributed is not None:
        done = subprocess.run([sys.executable, "-c", CHUNK_SCRIPT, str(2 * repeats)],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(done.stderr[-2000:])
        chunk = {k: statistics.median(v) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}
        row("20,000 runs on a Dask worker, Dask's default malloc: CPU", f"{chunk['dask default'] * 1e3:.0f} ms")
        row("the same without MALLOC_TRIM_THRESHOLD_ (local_cluster)", f"{chunk['lifted'] * 1e3:.0f} ms")
        row("default / without", f"{chunk['dask default'] / chunk['lifted']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="1,000,000 runs in part 5 and camhs_system to 100,000 runs (minutes)")
    parser.add_argument("--repeats", type=int, default=15, help="repetitions of quick timings")
    args = parser.parse_args()
    started = time.perf_counter()
    os.environ.setdefault("CYP_DYNAMICS_CACHE", os.path.join(tempfile.gettempdir(), "cyp-bench-cache"))
    print(f"Ensemble benchmark · Python {platform.python_version()} · {os.cpu_count()} cores · "
          f"load {os.getloadavg()[0]:.1f} · {'full sizes' if args.full else 'default sizes (--full for 1,000,000 runs)'}")
    bench_against_numpy(args.repeats * 2)
    print("\n2. Ensemble time as runs grow (interleaved repetitions, medians)")
    bench_growth("camhs_waiting_list", 1_000, 100_000, 3)
    bench_growth("camhs_system", 1_000, 100_000 if args.full else 10_000, 3)
    bench_peak(100_000)
    bench_import(5)
    bench_large(1_000_000 if args.full else 100_000, 5)
    print(f"\nBenchmark took {time.perf_counter() - started:.0f} s (load now {os.getloadavg()[0]:.1f}).")


if __name__ == "__main__":
    main()
