"""The built wheel carries every model and dataset, and works from a read-only-style location."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import os, sys
from pathlib import Path
import cyp_dynamics as cd
assert 'site' in cd.__file__ or os.environ['TARGET'] in cd.__file__, cd.__file__
for name in cd.list_models()['name']:
    model = cd.load_model(name)
    model.run(); model.run_with_pysd()
names = set(cd.list_datasets()['name'])
assert 'camhs_waiting_list_defaults' in names, names
cd.load_dataset('camhs_waiting_list_defaults')
cd.explore('camhs_waiting_list')
print('ok', len(names))
"""


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if "__pycache__" not in p.parts}


@pytest.mark.slow
def test_wheel_installs_models_and_datasets_and_writes_nothing_into_itself(tmp_path):
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheel_dir),
                    str(ROOT)], check=True)
    wheel = next(wheel_dir.glob("cyp_dynamics-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "cyp_dynamics/models/camhs_waiting_list.mdl" in names
    assert any(n.startswith("cyp_dynamics/_datasets/camhs_waiting_list_defaults/") for n in names)
    assert not any(n.endswith("camhs_waiting_list.py") for n in names)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(target), str(wheel)], check=True)
    before = _files(target)
    env = {"PYTHONPATH": str(target), "TARGET": str(target), "PATH": "/usr/bin:/bin",
           "CYP_DYNAMICS_CACHE": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1].startswith("ok")
    assert _files(target) == before, "loading a model wrote into the installed package"
