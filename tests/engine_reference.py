"""What the engine tests compare against: plain pysd's run of a private copy, and the compiled
model's own runs (the float version for one run, the numpy version for two)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np

from cyp_dynamics.models.engine import compile_model, read_model
from cyp_dynamics.models.naming import column_name


def write_model(folder: Path, name: str, text: str) -> Path:
    """`text` written to `folder/name` (UTF-8)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def pysd_run(path: Path, folder: Path, params: dict | None = None) -> dict[str, np.ndarray]:
    """pysd's run of a copy of `path` in `folder` (pysd writes Python beside the file), by the
    engine's column names, with the saved times under 'time'."""
    import pysd

    copy = folder / path.name
    if copy != path:
        shutil.copy(path, copy)
    read = pysd.read_vensim if path.suffix == ".mdl" else pysd.read_xmile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = read(str(copy)).run(params=params or {})
    found = {column_name(c): result[c].to_numpy(dtype=float) for c in result.columns}
    return {**found, "time": result.index.to_numpy(dtype=float)}


def relative(ours: np.ndarray, theirs: np.ndarray) -> float:
    """The largest relative difference (NaN equal to NaN; tiny values against the column's scale)."""
    scale = np.maximum(np.abs(theirs), 1e-3 * max(float(np.max(np.abs(theirs))), 1e-300))
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    return float(np.max(np.where(same, 0.0, np.abs(ours - theirs) / scale)))


def compiled_runs(path: Path, changed: dict[str, float] | None = None, float_only: bool = False):
    """(compiled model, float run of the defaults, numpy run of [defaults, changed]).

    `float_only`: also check that the one run came from the float version itself, not from the
    numpy version it hands over to when floats raise."""
    elements, ranges = read_model(path)
    compiled = compile_model(elements, ranges)
    by_name = {e.py_name: e for e in elements}
    controls = {k: float(by_name[k].ast) for k in ("initial_time", "final_time", "time_step")}
    controls["saveper"] = controls["time_step"]
    defaults = {e.py_name: float(e.ast) for e in elements
                if e.kind == "constant" and not e.subscripted}
    defaults.update(controls)
    timing = (controls["initial_time"], controls["final_time"], controls["time_step"],
              controls["saveper"])
    one_run = {k: np.array([v]) for k, v in defaults.items()}
    if float_only:
        schedule = compiled._schedule(*timing)
        assert compiled._float_run(one_run, controls["time_step"], schedule) is not None
    _, scalar = compiled.simulate(one_run, *timing, 1)
    both = {k: np.array([v, (changed or {}).get(k, v)]) for k, v in defaults.items()}
    _, vector = compiled.simulate(both, *timing, 2)
    return compiled, scalar, vector
