"""Shared fixtures: the course model, and small models written independently for engine tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyp_dynamics import load_model

TEST_MODELS = Path(__file__).parent / "models"


@pytest.fixture(scope="session")
def camhs():
    return load_model("camhs_waiting_list")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """pysd translations of test runs go to a temporary cache, never the user's."""
    import os

    folder = tmp_path_factory.mktemp("pysd-cache")
    old = os.environ.get("CYP_DYNAMICS_CACHE")
    os.environ["CYP_DYNAMICS_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("CYP_DYNAMICS_CACHE", None)
    else:
        os.environ["CYP_DYNAMICS_CACHE"] = old


@pytest.fixture(autouse=True)
def _scratch_notes(tmp_path, monkeypatch):
    """Reflections typed in a test go to a scratch notes file, never the tester's own."""
    monkeypatch.setenv("CYP_DYNAMICS_NOTES", str(tmp_path / "notes.json"))
