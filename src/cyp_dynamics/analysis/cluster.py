"""Ensembles on a Dask cluster: the chunks of runs go to the workers, the results come back.

Pass a `dask.distributed.Client` as `client=` to `ensemble`, `ensemble_dataset` or
`ensemble_summary`; the call and its result are the same as on one process (runs of a chunk do
not depend on each other, so a run's values are exactly those of `model.run`). Dask is optional:
`pip install "cyp-dynamics[dask]"`. Every worker needs cyp-dynamics installed (the same version);
the model file travels with the work, so workers need no access to it.

Memory. The whole table comes back to this process, so it is refused here first if it would not
fit (`analysis.memory`); at most two tasks per worker are outstanding, so workers never hold more
than that many chunks' results. A summary brings back only counts and totals.

Speed: the malloc setting. Dask's nanny starts each worker with `MALLOC_TRIM_THRESHOLD_=65536`,
which makes glibc hand freed memory back to the system at once, so the engine's arrays (new ones
at every step) cost fresh page faults again and again. Issue 13 measured each chunk 2.15× slower
with it under the earlier ensemble code; with chunks written into arrays allocated once (this
code), it costs 5–14% of a task's CPU time (benchmarks/bench_ensembles.py prints it).
`local_cluster()` starts workers without it. On your own cluster, remove it in the Dask
configuration the workers' nannies read (e.g. `~/.config/dask/distributed.yaml`)::

    distributed:
      nanny:
        pre-spawn-environ:
          MALLOC_TRIM_THRESHOLD_: null

(a file in the folder `DASK_CONFIG` names works too), or in Python before the workers start,
`dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})`; and
make sure the shell that starts them has no MALLOC_TRIM_THRESHOLD_ of its own. (An environment
variable `DASK_DISTRIBUTED__NANNY__...` cannot do it: Dask lower-cases the variable's name.)
`ensemble` warns if the workers still have it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .requests import EnsembleRequest, chunk_runs, result_array, run_chunk

TASK_RUNS = 20_000  # runs per task for whole tables (about 60 MB of results for CAMHS models)
SUMMARY_TASK_RUNS = 200_000  # runs per task for summaries (only counts come back)
TASKS_PER_WORKER = 2  # tasks outstanding per worker: bounds the results workers hold
MALLOC_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def local_cluster(workers: int = 2, threads_per_worker: int = 1, **options: Any) -> Any:
    """A `dask.distributed.Client` on a new `LocalCluster` of `workers` processes, started without
    Dask's MALLOC_TRIM_THRESHOLD_ (see this module's notes). Close it with `client.close()` and
    `client.cluster.close()`, or use it in a `with` block. `options` go to `LocalCluster`."""
    dask, distributed = _dask()
    # A Dask nanny copies its settings into this process's environment when it starts a worker,
    # so after any cluster started with Dask's defaults, new workers would inherit the setting
    # from here: leave it out while these workers start.
    inherited = os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    try:
        with dask.config.set({MALLOC_SETTING: None}):
            cluster = distributed.LocalCluster(n_workers=workers,
                                               threads_per_worker=threads_per_worker,
                                               processes=True, **options)
    finally:
        if inherited is not None:
            os.environ["MALLOC_TRIM_THRESHOLD_"] = inherited
    return distributed.Client(cluster)


def _dask() -> tuple[Any, Any]:
    try:
        import dask
        import distributed
    except ImportError:
        raise ImportError("Running an ensemble on a cluster needs Dask: "
                          'pip install "cyp-dynamics[dask]" (or "dask[distributed]").') from None
    return dask, distributed


@dataclass(frozen=True)
class ModelFile:
    """A model as it travels to the workers: its name and the text of its file."""

    name: str
    text: str

    @classmethod
    def of(cls, model: Any) -> ModelFile:
        return cls(model.name, Path(model.path).read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def _worker_model(model_file: ModelFile) -> Any:
    """The model on a worker, loaded once per worker process from the file's text."""
    from ..models import load_model

    digest = hashlib.sha256(model_file.text.encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "cyp-dynamics-models" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model_file.name}.mdl"
    if not path.exists():
        partial = folder / f".{os.getpid()}.{model_file.name}.mdl"
        partial.write_text(model_file.text, encoding="utf-8")
        partial.replace(path)  # atomic: workers on one machine share the folder
    return load_model(path)


def _task_request(model_file: ModelFile, values: dict[str, np.ndarray], runs: int,
                  columns: list[str], months: float | None, final_time: float) -> EnsembleRequest:
    return EnsembleRequest(_worker_model(model_file), pd.RangeIndex(runs), values, columns, months,
                           final_time)


def _table_task(model_file: ModelFile, values: dict[str, np.ndarray], runs: int,
                columns: list[str], months: float | None, final_time: float
                ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """On a worker: `runs` runs, in chunks; saved times and {column: (runs, times)}."""
    request = _task_request(model_file, values, runs, columns, months, final_time)
    out: dict[str, np.ndarray] = {}
    times = np.array([])
    for start, stop in request.chunk_bounds():
        times, part = run_chunk(request, start, stop)
        for column in columns:
            if column not in out:
                out[column] = result_array((runs, len(times)))
            out[column][start:stop] = part[column]
    return times, out


def _check_engine(request: EnsembleRequest) -> None:
    if request.model.engine != "numpy":
        raise ValueError(f"The model '{request.model.name}' {request.model.engine_note}: "
                         "only models the numpy engine runs can be run on a cluster.")


def _warn_about_malloc(client: Any) -> None:
    """Warn once per client if its workers keep Dask's small MALLOC_TRIM_THRESHOLD_."""
    if getattr(client, "_cyp_malloc_checked", False):
        return
    settings = client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_")
    client._cyp_malloc_checked = True
    if any(value is not None for value in settings.values()):
        warnings.warn("The cluster's workers run with MALLOC_TRIM_THRESHOLD_ set (Dask's default "
                      "is 65536), which makes the engine about twice as slow. Start them without "
                      "it: see cyp_dynamics.analysis.cluster, or use local_cluster().",
                      RuntimeWarning, stacklevel=4)


def _tasks(client: Any, request: EnsembleRequest, task_runs: int, function: Any,
           *extra: Any) -> Iterator[tuple[int, int, Any]]:
    """Run `function` on the workers for each block of runs, at most TASKS_PER_WORKER per
    worker outstanding; yields (start, stop, result) as blocks finish, in any order."""
    _check_engine(request)
    _, distributed = _dask()
    _warn_about_malloc(client)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = max(chunk_runs(request.model, request.months),
               min(task_runs, -(-request.runs // (workers * TASKS_PER_WORKER))))
    bounds = [(start, min(start + size, request.runs)) for start in range(0, request.runs, size)]
    # the model file's text goes with each task (a few kB): a scattered copy can be lost with a
    # worker that restarts, and Dask then cancels every task that needs it
    model_file = ModelFile.of(request.model)
    pending = iter(bounds)
    where: dict[Any, tuple[int, int]] = {}

    def submit(start: int, stop: int) -> Any:
        values = {name: column[start:stop] for name, column in request.values.items()}
        future = client.submit(function, model_file, values, stop - start, list(request.columns),
                               request.months, request.final_time, *extra, pure=False)
        where[future] = (start, stop)
        return future

    running = distributed.as_completed([submit(*b) for _, b in zip(range(workers * TASKS_PER_WORKER),
                                                                   pending)])
    for future in running:
        result = future.result()
        start, stop = where.pop(future)
        future.release()
        following = next(pending, None)
        if following is not None:
            running.add(submit(*following))
        yield start, stop, result


def cluster_chunks(client: Any, request: EnsembleRequest
                   ) -> Iterator[tuple[int, int, np.ndarray, dict[str, np.ndarray]]]:
    """(start, stop, times, {column: (runs, times)}) for each block run on the cluster."""
    for start, stop, (times, values) in _tasks(client, request, TASK_RUNS, _table_task):
        yield start, stop, times, values
