"""An ensemble on a 2-worker Dask LocalCluster equals the single-process result exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import ensemble, ensemble_dataset, ensemble_summary, sample_parameters

distributed = pytest.importorskip(
    "distributed", reason='Dask is not installed: pip install "cyp-dynamics[dask]" to run this test '
                          "(CI installs it from tests/requirements.txt).")


@pytest.fixture(scope="module")
def client():
    from cyp_dynamics.analysis import local_cluster

    with local_cluster(workers=2, dashboard_address=None) as client:
        yield client
        client.cluster.close()


def test_workers_start_without_the_slow_malloc_setting(client):
    settings = client.run(lambda: __import__("os").environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert len(settings) == 2 and set(settings.values()) == {None}


def test_a_cluster_ensemble_equals_the_single_process_one_exactly(camhs, client, monkeypatch):
    import importlib

    from cyp_dynamics.analysis import cluster

    here_module = importlib.import_module("cyp_dynamics.analysis.requests")
    monkeypatch.setattr(here_module, "CHUNK_BYTES", 1.0)  # tasks of 500 runs: six tasks, so
    monkeypatch.setattr(cluster, "TASK_RUNS", 500)  # they come back out of order
    samples = sample_parameters(camhs, 3_000, seed=11)
    samples.index = [f"r{i}" for i in range(len(samples))]
    here = ensemble(camhs, samples, progress=False)
    there = ensemble(camhs, samples, client=client)
    pd.testing.assert_frame_equal(here, there, check_exact=True)

    data = ensemble_dataset(camhs, samples.iloc[:300], outputs=["waiting_list"], client=client)
    np.testing.assert_array_equal(data["waiting_list"].to_numpy(),
                                  here["waiting_list"].to_numpy().reshape(3_000, -1)[:300])


def test_a_cluster_summary_equals_the_single_process_one(camhs, client):
    samples = sample_parameters(camhs, 4_000, seed=12)
    conditions = {"over 3,000": lambda v: v["waiting_list"] > 3000}
    here = ensemble_summary(camhs, samples, outputs="waiting_list", conditions=conditions)
    there = ensemble_summary(camhs, samples, outputs="waiting_list", conditions=conditions,
                             client=client)
    pd.testing.assert_frame_equal(here.bands, there.bands, check_exact=True)  # counts add exactly
    pd.testing.assert_frame_equal(here.share, there.share, check_exact=True)
    pd.testing.assert_frame_equal(here.end_values, there.end_values, check_exact=True)
    pd.testing.assert_frame_equal(here.mean, there.mean, rtol=1e-12)  # sums in another order


def test_a_model_from_a_file_the_workers_cannot_see_is_sent_to_them(client, tmp_path):
    from cyp_dynamics import load_model
    from cyp_dynamics.models import models_folder

    path = tmp_path / "my_waiting_list.mdl"
    path.write_text((models_folder() / "camhs_waiting_list.mdl").read_text(encoding="utf-8"),
                    encoding="utf-8")
    model = load_model(path)
    samples = pd.DataFrame({"clinicians": [40.0, 60.0]})
    here = ensemble(model, samples, outputs="waiting_list", months=6)
    pd.testing.assert_frame_equal(here, ensemble(model, samples, outputs="waiting_list", months=6,
                                                 client=client))
    from cyp_dynamics.analysis.cluster import ModelFile, _worker_model

    # a worker writes the text it is sent into a folder of its own, whatever the path was here
    assert _worker_model(ModelFile.of(model)).path.parent != path.parent


def test_a_cluster_refuses_a_table_that_would_not_fit_here(camhs, client, monkeypatch):
    from cyp_dynamics.analysis import MemoryLimitError

    samples = pd.DataFrame({"clinicians": np.full(2_000_000, 50.0)})
    with pytest.raises(MemoryLimitError, match="2,000,000 runs"):
        ensemble(camhs, samples, client=client, memory_limit_gb=0.1)


def test_the_documented_dask_configuration_removes_the_setting(tmp_path):
    import subprocess
    import sys

    (tmp_path / "distributed.yaml").write_text(
        "distributed:\n  nanny:\n    pre-spawn-environ:\n      MALLOC_TRIM_THRESHOLD_: null\n")
    code = ("from distributed.nanny import _get_env_variables\n"
            "print('MALLOC_TRIM_THRESHOLD_' in _get_env_variables('distributed.nanny.pre-spawn-environ'))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**env, "DASK_CONFIG": str(tmp_path)}, timeout=60)
    assert done.stdout.strip() == "False"
