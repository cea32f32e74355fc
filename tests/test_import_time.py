"""`import cyp_dynamics` loads none of the heavy libraries until a name that needs them is used
(compared as sets of imported modules in a fresh process: no timed assertion)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ["altair", "ipywidgets", "networkx", "scipy", "pysd", "xarray", "pandas", "IPython",
         "dask", "jsonschema"]


def _loaded_after(code: str) -> set[str]:
    script = (f"import sys\n{code}\nimport json\n"
              f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_import_cyp_dynamics_loads_no_heavy_library():
    assert _loaded_after("import cyp_dynamics") == set()


def test_import_cyp_dynamics_loads_fewer_modules_than_import_pysd():
    count = "import sys\nbefore = len(sys.modules)\n{}\nprint(len(sys.modules) - before)"
    ours, theirs = (int(subprocess.run([sys.executable, "-c", count.format(code)],
                                       capture_output=True, text=True, timeout=120,
                                       check=True).stdout)
                    for code in ("import cyp_dynamics", "import pysd"))
    assert ours < theirs / 10


def test_subpackages_load_their_libraries_only_when_a_name_is_used():
    assert _loaded_after("import cyp_dynamics.widgets, cyp_dynamics.course, cyp_dynamics.data") \
        == set()
    assert "ipywidgets" in _loaded_after("from cyp_dynamics.widgets import NumberQuestion")
    assert "networkx" in _loaded_after("from cyp_dynamics import find_loops")
    assert "scipy" not in _loaded_after("from cyp_dynamics.analysis import ensemble")


@pytest.mark.parametrize("package", ["cyp_dynamics", "cyp_dynamics.analysis", "cyp_dynamics.charts",
                                     "cyp_dynamics.widgets", "cyp_dynamics.data",
                                     "cyp_dynamics.course"])
def test_every_public_name_is_still_importable(package):
    import importlib

    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
        assert name in dir(module)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


def test_the_function_ensemble_keeps_its_name_after_its_module_is_imported():
    code = ("import cyp_dynamics.analysis.ensemble\nfrom cyp_dynamics.analysis import ensemble\n"
            "from cyp_dynamics import ensemble as top\nassert callable(ensemble) and top is ensemble")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
