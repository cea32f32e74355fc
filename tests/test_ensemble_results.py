"""Ensembles without waste: the table built once, the same values as a Dataset, reductions that
never hold every run, and memory refused before it is allocated."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import ensemble, ensemble_dataset, ensemble_summary, sample_parameters
from cyp_dynamics.analysis import EnsembleSummary, MemoryLimitError
from cyp_dynamics.analysis.memory import ENVIRONMENT_VARIABLE

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@pytest.fixture(scope="module")
def samples(camhs):
    table = sample_parameters(camhs, 3_000, seed=5)
    table.index = [f"run {i}" for i in range(len(table))]  # labels that are not 0, 1, 2, ...
    return table


def test_the_table_is_one_block_with_each_run_equal_to_a_single_run(camhs, samples):
    some = samples.iloc[:7]
    result = ensemble(camhs, some, progress=False)
    assert result._mgr.nblocks == 1  # one array for every column, written chunk by chunk
    assert list(result.index.get_level_values("run").unique()) == list(some.index)
    for label in ("run 0", "run 6"):
        single = camhs.run(some.loc[label].to_dict())
        np.testing.assert_array_equal(result.loc[label].to_numpy(), single.to_numpy())
        assert list(result.loc[label].index) == list(single.index)


def test_chunks_do_not_change_the_result(camhs, samples, monkeypatch):
    import importlib

    module = importlib.import_module("cyp_dynamics.analysis.requests")  # where chunks are sized
    whole = ensemble(camhs, samples.iloc[:1200], outputs="waiting_list", progress=False)
    monkeypatch.setattr(module, "CHUNK_BYTES", 1.0)  # the smallest chunks: 500 runs
    assert module.chunk_runs(camhs) == 500
    chunked = ensemble(camhs, samples.iloc[:1200], outputs="waiting_list", progress=False)
    pd.testing.assert_frame_equal(whole, chunked)


def test_the_dataset_holds_the_same_values_with_units(camhs, samples):
    some = samples.iloc[:50]
    table = ensemble(camhs, some, outputs=["waiting_list", "average_wait_in_weeks"], months=12)
    data = ensemble_dataset(camhs, some, outputs=["waiting_list", "average_wait_in_weeks"], months=12)
    assert dict(data.sizes) == {"run": 50, "month": 13}
    assert list(data.data_vars) == ["waiting_list", "average_wait_in_weeks"]
    np.testing.assert_array_equal(data["waiting_list"].to_numpy(),
                                  table["waiting_list"].to_numpy().reshape(50, 13))
    assert list(data["run"].to_numpy()) == list(some.index)
    assert data["waiting_list"].attrs["units"] == "children"
    assert data["average_wait_in_weeks"].attrs["units"] == "weeks"


def test_the_dataset_of_a_subscripted_model_has_a_variable_per_element():
    from cyp_dynamics import load_model

    model = load_model("child_poverty_and_health")
    some = sample_parameters(model, 4, seed=2)
    data = ensemble_dataset(model, some, outputs=["poverty_share"], months=6)
    table = ensemble(model, some, outputs=["poverty_share"], months=6)
    assert list(data.data_vars) == list(table.columns)
    for column in table.columns:
        np.testing.assert_array_equal(data[column].to_numpy(), table[column].to_numpy().reshape(4, -1))


def test_summary_bands_are_within_their_stated_error_of_exact_quantiles(camhs, samples):
    outputs = ["waiting_list", "average_wait_in_weeks"]
    summary = ensemble_summary(camhs, samples, outputs=outputs, quantiles=QUANTILES)
    table = ensemble(camhs, samples, outputs=outputs, progress=False)
    assert isinstance(summary, EnsembleSummary) and summary.runs == len(samples)
    for column in outputs:
        values = table[column].to_numpy().reshape(len(samples), -1)
        exact = np.quantile(values, QUANTILES, axis=0).T
        error = summary.quantile_error[column].to_numpy()
        assert (np.abs(summary.bands[column].to_numpy() - exact) <= error[:, None] + 1e-9).all()
        spread = values.max(axis=0) - values.min(axis=0)
        assert np.median(error / np.where(spread > 0, spread, 1)) < 0.01  # about 1/4,096 of it
        np.testing.assert_allclose(summary.mean[column], values.mean(axis=0), rtol=1e-12)
        np.testing.assert_array_equal(summary.end_values[column], values[:, -1])
    assert list(summary.end_values.index) == list(samples.index)


def test_summary_shares_of_runs_meeting_conditions(camhs, samples):
    conditions = {"over 3,000 waiting": lambda v: v["waiting_list"] > 3000,
                  "ever over 10,000": lambda v: (v["waiting_list"] > 10_000).any(axis=1)}
    summary = ensemble_summary(camhs, samples, outputs="waiting_list", conditions=conditions)
    values = ensemble(camhs, samples, outputs="waiting_list")["waiting_list"].to_numpy()
    values = values.reshape(len(samples), -1)
    np.testing.assert_array_equal(summary.share["over 3,000 waiting"], (values > 3000).mean(axis=0))
    ever = (values > 10_000).any(axis=1).mean()
    assert 0 < ever < 1 and (summary.share["ever over 10,000"] == ever).all()
    with pytest.raises(ValueError, match="one true/false per run"):
        ensemble_summary(camhs, samples.iloc[:10], outputs="waiting_list",
                         conditions={"bad": lambda v: np.array([True])})


def test_summary_bad_input_messages(camhs, samples):
    with pytest.raises(ValueError, match="quantiles must be shares between 0 and 1"):
        ensemble_summary(camhs, samples.iloc[:5], quantiles=(5, 95))
    with pytest.raises(TypeError, match="must be a function"):
        ensemble_summary(camhs, samples.iloc[:5], conditions={"x": 3})
    with pytest.raises(ValueError, match="Unknown output"):
        ensemble_summary(camhs, samples.iloc[:5], outputs=["queue"])


def test_ten_million_runs_are_refused_at_once_for_every_kind_of_result(camhs, monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "2")
    samples = pd.DataFrame({"clinicians": np.full(10_000_000, 50.0)})
    for function in (ensemble, ensemble_dataset):
        with pytest.raises(MemoryLimitError, match=r"10,000,000 runs.*GB.*ensemble_summary.*client"):
            function(camhs, samples)
    # a summary of them fits: it needs memory for the end values alone
    with pytest.raises(MemoryLimitError, match=r"A summary of 10,000,000 runs.*fewer bins"):
        ensemble_summary(camhs, samples, outputs="waiting_list", memory_limit_gb=0.05)


PEAK_SCRIPT = textwrap.dedent("""
    import json, sys, tracemalloc
    from cyp_dynamics import ensemble_summary, load_model, sample_parameters

    model = load_model("camhs_waiting_list")
    runs = int(sys.argv[1])
    samples = sample_parameters(model, runs, ranges={"clinicians": (20, 80),
                                                     "closure_rate": (0.05, 0.2)}, seed=1)
    tracemalloc.start()
    summary = ensemble_summary(model, samples, outputs=["waiting_list"], months=12,
                               progress=False)
    print(json.dumps({"peak": tracemalloc.get_traced_memory()[1], "runs": summary.runs,
                      "median_end": float(summary.bands[("waiting_list", 0.5)].iloc[-1])}))
""")

BAND_BOUND_BYTES = 100e6  # stated in reductions.py: a summary of one output stays under 100 MB


def test_bands_over_a_million_runs_stay_under_the_stated_memory_bound(camhs):
    """1,000,000 runs of camhs_waiting_list (12 months): the table of every output would take
    1.1 GB (13 saved months, 11 outputs); the summary's peak, measured by tracemalloc in a fresh
    process, stays under 100 MB (it holds one chunk of runs, the bins, and 8 bytes a run for the
    end values). 38 MB measured."""
    done = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, "1000000"], capture_output=True,
                          text=True, timeout=120, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["runs"] == 1_000_000
    assert measured["peak"] < BAND_BOUND_BYTES
    assert measured["peak"] < 0.05 * 1_000_000 * 13 * 11 * 8  # under a twentieth of the table
    assert 0 < measured["median_end"] < 20_000


def test_a_summary_of_a_model_only_pysd_runs():
    from cyp_dynamics import load_model

    from .conftest import TEST_MODELS

    model = load_model(TEST_MODELS / "smoothing.mdl")
    samples = pd.DataFrame({"averaging_time": [1.0, 2.0, 4.0, 6.0]})
    summary = ensemble_summary(model, samples, outputs="perceived_demand", quantiles=(0, 1))
    table = ensemble(model, samples, outputs="perceived_demand", progress=False)
    values = table["perceived_demand"].to_numpy().reshape(4, -1)
    np.testing.assert_allclose(summary.bands[("perceived_demand", 0.0)], values.min(axis=0))
    np.testing.assert_allclose(summary.bands[("perceived_demand", 1.0)], values.max(axis=0))
    np.testing.assert_array_equal(summary.end_values["perceived_demand"], values[:, -1])


def test_counted_quantiles_handle_values_beyond_the_pilot_and_missing_values():
    from cyp_dynamics.analysis.reductions import _Counts

    rng = np.random.default_rng(0)
    values = rng.lognormal(3, 1, size=(20_000, 3))  # long right tail
    values[:, 2] = 5.0  # a time where every run is the same
    counts = _Counts.spanning(values[:50], bins=256)  # a small pilot: the tail overflows it
    with_gaps = values.copy()
    with_gaps[::7, 0] = np.nan
    for start in range(0, len(values), 3_000):
        counts.add(with_gaps[start:start + 3_000])
    qs = (0.0, 0.05, 0.5, 0.95, 0.99, 1.0)
    estimate, error = counts.quantiles(qs)
    exact = np.array([np.nanquantile(with_gaps[:, t], qs) for t in range(3)])
    assert (np.abs(estimate - exact) <= error[:, None] + 1e-9).all()
    np.testing.assert_array_equal(estimate[:, [0, -1]], exact[:, [0, -1]])  # least and greatest
    np.testing.assert_array_equal(estimate[2], 5.0)


def test_result_arrays_use_ordinary_pages_and_leave_numpys_setting_as_it_was(monkeypatch):
    import importlib

    module = importlib.import_module("cyp_dynamics.analysis.requests")
    switch = module._SET_MADVISE_HUGEPAGE
    if switch is None:
        pytest.skip("this numpy has no huge-page setting")
    seen = []
    monkeypatch.setattr(module, "_SET_MADVISE_HUGEPAGE", lambda on: seen.append(on) or switch(on))
    before = switch(True)
    try:
        array = module.result_array((3, 1_000_000))  # 24 MB: numpy would ask for huge pages
        assert array.shape == (3, 1_000_000) and array.dtype == float and array.flags.writeable
        assert seen == [False, True]  # off while allocating, then back as it was
        assert switch(True) is True
    finally:
        switch(before)
