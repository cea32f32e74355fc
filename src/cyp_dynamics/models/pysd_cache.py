"""Load a model into pysd without writing anything beside the model file.

pysd translates `NAME.mdl` into `NAME.py` in the same folder. An installed package (or a
practitioner's shared drive) may be read-only, and generated files must never land in the repo,
so each model file is copied into a cache folder keyed by its content and translated there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from hashlib import sha256
from pathlib import Path

import pysd


def cache_folder() -> Path:
    """Where translations go: $CYP_DYNAMICS_CACHE, else the user's cache folder, else temp."""
    configured = os.environ.get("CYP_DYNAMICS_CACHE")
    candidates = [Path(configured)] if configured else []
    xdg = os.environ.get("XDG_CACHE_HOME")
    candidates.append((Path(xdg) if xdg else Path.home() / ".cache") / "cyp-dynamics")
    candidates.append(Path(tempfile.gettempdir()) / "cyp-dynamics-cache")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".write-test"
            probe.write_text("ok")
            probe.unlink()
            return folder / f"pysd-{pysd.__version__}"
        except OSError:
            continue
    raise OSError("No writable cache folder: set CYP_DYNAMICS_CACHE to a folder you can write to.")


@lru_cache(maxsize=32)
def _translated_path(path: Path, digest: str) -> Path:
    folder = cache_folder() / digest
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / path.name
    translated = copy.with_suffix(".py")
    if not translated.exists():
        shutil.copyfile(path, copy)
        if path.suffix.lower() == ".mdl":
            pysd.read_vensim(str(copy), initialize=False)
        else:
            pysd.read_xmile(str(copy), initialize=False)
    return translated


def load_pysd_model(path: Path) -> "pysd.py_backend.model.Model":
    """A fresh pysd model for `path`, translated once into the cache and loaded from there."""
    digest = sha256(path.read_bytes()).hexdigest()[:16]
    return pysd.load(str(_translated_path(path.resolve(), digest)))
