"""Translate a model with pysd into a private cache, check what pysd wrote, then load it.

pysd translates `NAME.mdl` into Python beside the file and imports it, so a translation is code
this process will run. The cache therefore:

* lives in a folder only this user can write (created with mode 0o700; a folder owned by someone
  else, or writable by group or others, is skipped for the next candidate, and in the end for a
  fresh private temporary folder);
* is addressed by content: a hash of the checked model text, the original file and every data
  file it names beside it, so an edited model or data file gets a fresh translation;
* is written atomically: pysd translates (without importing: `pysd.read_vensim` would) in a
  temporary folder inside the cache, every generated file is audited (`code_audit`)
  and listed with its sha256 in a manifest, and only then is the folder renamed into place.
  A folder with a missing or wrong manifest (a translation cut off half way, a file put there
  by hand) is thrown away and translated again; bytecode is deleted before every import.

Only the checked text from `sanitise` is ever given to pysd, never the original file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
import warnings
from hashlib import sha256
from pathlib import Path, PurePosixPath
from typing import Any

import pysd
from pysd.builders.python.python_model_builder import ModelBuilder

from .code_audit import audit_generated_code
from .pysd_output import run_options
from .sanitise import ModelFileError, SafeVensimFile, SafeXmileFile, safe_xmile_bytes

CACHE_LAYOUT = "2"  # change when what goes into a translation changes
MANIFEST = "manifest.json"
MODEL_STEM = "model"
_session_folder: Path | None = None
_audited: set[str] = set()  # sha256 of generated files that passed the audit in this process


# ---- folders --------------------------------------------------------------------------------
def folder_problem(folder: Path) -> str | None:
    """Why generated code must not be kept in `folder`, or None when only this user can write it."""
    try:
        info = folder.stat()
    except OSError as error:
        return f"it cannot be read ({error.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return "it belongs to another user"
    if os.name == "posix" and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "other users can write to it"
    return None


def _private(folder: Path) -> Path:
    """`folder`, created with mode 0o700 if missing; OSError if it is not private or writable."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    problem = folder_problem(folder)
    if problem:
        raise OSError(problem)
    shutil.rmtree(tempfile.mkdtemp(dir=folder, prefix=".probe-"))  # can this user write here?
    return folder


def _candidates() -> list[tuple[Path, bool]]:
    """Cache folders to try, each with whether the user chose it (so is told when it is refused)."""
    found = []
    configured = os.environ.get("CYP_DYNAMICS_CACHE")
    if configured:
        found.append((Path(configured).expanduser(), True))
    xdg = os.environ.get("XDG_CACHE_HOME")
    found.append(((Path(xdg) if xdg else Path.home() / ".cache") / "cyp-dynamics", False))
    user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
    found.append((Path(tempfile.gettempdir()) / f"cyp-dynamics-cache{user}", False))
    return found


def cache_folder() -> Path:
    """Where translations go: $CYP_DYNAMICS_CACHE, else the user's cache folder, else temp; the
    first that exists or can be made and that only this user can write."""
    global _session_folder
    shared_temp = Path(tempfile.gettempdir())
    for folder, chosen in _candidates():
        try:
            if folder.parent == shared_temp and folder.is_symlink():
                raise OSError("it is a link in the shared temporary folder")
            return _private(_private(folder) / f"pysd-{pysd.__version__}")
        except OSError as reason:
            if chosen:
                warnings.warn(f"Not using the cache folder {folder}: {reason.args[-1]}. "
                              "Translations go to a private temporary folder instead.",
                              stacklevel=3)
    if _session_folder is None or folder_problem(_session_folder):
        _session_folder = Path(tempfile.mkdtemp(prefix="cyp-dynamics-"))  # mode 0o700
    return _session_folder


# ---- translations ---------------------------------------------------------------------------
def _data_files(path: Path, names: list[str]) -> list[str]:
    """The names (relative, inside the model's folder) of existing files the model refers to."""
    found = []
    base = path.parent.resolve()
    for name in names:
        relative = PurePosixPath(name.strip().replace("\\", "/"))
        if relative.is_absolute() or ".." in relative.parts or not relative.suffix \
                or ":" in name or name.strip().startswith("?"):
            continue
        candidate = (base / relative).resolve()
        if candidate.is_file() and base in candidate.parents:
            found.append(relative.as_posix())
    return sorted(found)


def _safe_source(path: Path) -> tuple[bytes, list[str]]:
    """The checked model text to translate, as bytes, and the data files it names."""
    if path.suffix.lower() == ".mdl":
        safe = SafeVensimFile(path).safe
        text = re.sub(r"^\ufeff?\s*\{[^}\n]*\}", "", safe.text)  # the copy is always UTF-8
        return ("{UTF-8}\n" + text).encode("utf-8"), _data_files(path, safe.data_files)
    return safe_xmile_bytes(path), []


def _digest(path: Path, source: bytes, data_files: list[str]) -> str:
    digest = sha256(f"cyp-dynamics {CACHE_LAYOUT} pysd {pysd.__version__}\0".encode())
    for part in (path.read_bytes(), source):
        digest.update(sha256(part).digest())
    for name in data_files:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(sha256((path.parent / name).read_bytes()).digest())
    return digest.hexdigest()[:32]


def _files(folder: Path) -> dict[str, Path]:
    """Files in a translation folder by relative name (the manifest and bytecode left out)."""
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*")
            if not p.is_dir() and "__pycache__" not in p.parts and p != folder / MANIFEST}


def _verified(folder: Path) -> bool:
    """True when the folder is private, its files are exactly the manifest's, hashes agree and
    every Python file passes the audit."""
    if folder_problem(folder):
        return False
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        files = _files(folder)
        if set(files) != set(listed) or any(p.is_symlink() for p in files.values()):
            return False
        for name, file in files.items():
            data = file.read_bytes()
            digest = sha256(data).hexdigest()
            if digest != listed[name]:
                return False
            if name.endswith(".py") and digest not in _audited:
                audit_generated_code(data.decode("utf-8"), name)
                _audited.add(digest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False  # ModelFileError is a ValueError: a file that fails the audit
    return True


def _translate(path: Path, source: bytes, data_files: list[str], root: Path) -> Path:
    """Translate in a temporary folder inside `root`, audit, write the manifest; return it."""
    work = Path(tempfile.mkdtemp(dir=root, prefix=".partial-"))
    try:
        model = work / f"{MODEL_STEM}{'.mdl' if path.suffix.lower() == '.mdl' else '.xmile'}"
        model.write_bytes(source)
        for name in data_files:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path.parent / name, work / name)
        try:  # pysd.read_vensim would also import the result: only translate here
            parser = (SafeVensimFile(model, encoding="UTF-8") if model.suffix == ".mdl"
                      else SafeXmileFile(model))
            parser.parse()
            ModelBuilder(parser.get_abstract_model()).build_model()
        except ModelFileError:
            raise
        except Exception as error:  # pysd raises many kinds of errors
            raise ModelFileError(
                f"pysd could not translate the model file '{path.name}'. Open it in Vensim or "
                f"Stella to check it. (pysd said: {type(error).__name__}: {error})") from None
        shutil.rmtree(work / "__pycache__", ignore_errors=True)
        listed = {}
        for name, file in _files(work).items():
            data = file.read_bytes()
            if name.endswith(".py"):
                audit_generated_code(data.decode("utf-8"), f"{path.name} -> {name}")
            listed[name] = sha256(data).hexdigest()
        (work / MANIFEST).write_text(json.dumps({"files": listed}, indent=1), encoding="utf-8")
        return work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def translated_path(path: Path) -> Path:
    """The verified pysd translation of the model file at `path`, translating it if needed."""
    return translation(path)[0]


def translation(path: Path) -> tuple[Path, list[Path]]:
    """The verified translation of `path` and the files it was made from (the model file and the
    data files beside it that it names), whose changes call for a new translation."""
    path = path.resolve()
    source, data_files = _safe_source(path)
    root = cache_folder()
    folder = root / _digest(path, source, data_files)
    if folder.exists() and not _verified(folder):
        shutil.rmtree(folder, ignore_errors=True)  # cut off half way or tampered with
        if folder.exists():  # could not be removed: translate somewhere private and new
            root = Path(tempfile.mkdtemp(prefix="cyp-dynamics-"))
            folder = root / folder.name
    if not folder.exists():
        work = _translate(path, source, data_files, root)
        try:
            os.rename(work, folder)
        except OSError:  # another process finished the same translation first
            shutil.rmtree(work, ignore_errors=True)
            if not _verified(folder):
                raise ModelFileError(f"The translation cache for '{path.name}' changed while it "
                                     f"was written; delete {folder} and try again.") from None
    return folder / f"{MODEL_STEM}.py", [path] + [path.parent / name for name in data_files]


def files_stamp(files: list[Path]) -> tuple:
    """Modification times and sizes of `files` (None for a file that has gone)."""
    stamps = []
    for file in files:
        try:
            info = file.stat()
            stamps.append((info.st_mtime_ns, info.st_size))
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def watched_files(path: Path) -> list[Path]:
    """The model file and the data files beside it that its equations name (GET XLS, GET DIRECT)."""
    return [path] + [path.parent / name for name in _safe_source(path)[1]]


def _pysd_data_files(data_files: Any) -> Any:
    """`data_files` as pysd takes them: a list of paths, or {path: [variables]}."""
    if data_files is None:
        return None
    if isinstance(data_files, (str, Path)):
        data_files = [data_files]
    if isinstance(data_files, dict):
        return {str(Path(k).expanduser().resolve()): v for k, v in data_files.items()}
    return [str(Path(f).expanduser().resolve()) for f in data_files]


def load_pysd_model(path: Path, data_files: Any = None) -> "pysd.py_backend.model.Model":
    """A fresh pysd model for `path`, from a translation checked just before it is imported.
    `data_files`: files of DATA variables' values, as pysd's `load` takes them."""
    translated = translated_path(path)
    return _import_checked(translated, path, data_files)


def _import_checked(translated: Path, path: Path, data_files: Any):
    if not _verified(translated.parent):
        raise ModelFileError(f"The translation of '{path.name}' failed its check; it was not "
                             "loaded. Try again, or delete the cache folder "
                             f"{translated.parent}.")
    shutil.rmtree(translated.parent / "__pycache__", ignore_errors=True)  # only the checked .py
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pysd warns about its own internals
        return pysd.load(str(translated), data_files=_pysd_data_files(data_files))


class PysdRunner:
    """One loaded pysd model, reset for each run: only the values that differ from the ones it
    holds are set, and control variables go back to the file's after a run that changed them.
    A change to the model file or its data files loads a fresh translation. pysd integrates;
    its results are collected by `pysd_output.FrameRecorder` (pysd's values and columns, built
    with numpy rather than pysd's slower table builder)."""

    def __init__(self, path: Path, data_files: Any = None):
        self.path = Path(path).resolve()
        self.data_files = data_files
        self._model = None
        self._watched: list[Path] = []
        self._stamps: tuple = ()
        self._values: dict[str, float] = {}  # what the loaded model holds now (unknown: absent)

    @property
    def model(self) -> "pysd.py_backend.model.Model":
        """The loaded pysd model (loaded again when its files changed)."""
        if self._model is None or files_stamp(self._watched) != self._stamps:
            translated, self._watched = translation(self.path)
            extra = [Path(f) for f in (_pysd_data_files(self.data_files) or [])]
            self._watched = self._watched + extra
            self._stamps = files_stamp(self._watched)
            self._model = _import_checked(translated, self.path, self.data_files)
            self._controls = dict(self._model.components._control_vars)
            self._values = {}
        return self._model

    def control(self, name: str) -> float:
        """A control variable's value at the initial time, as pysd evaluates it."""
        return float(getattr(self.model.time, name)())

    def run(self, values: dict[str, float], defaults: dict[str, float],
            final_time: float | None, return_columns: list[str]):
        """pysd's run of `values` (every other constant at `defaults`), to `final_time` (None:
        the file's, which may be an equation)."""
        model = self.model
        changed = {k: v for k, v in values.items() if self._values.get(k, defaults.get(k)) != v}
        model.time.set_control_vars(**self._controls)  # the file's, in case a run changed them
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = model.run(params=changed or None, return_columns=return_columns,
                                   final_time=final_time, **run_options())
            except NotImplementedError as error:
                self._model = None  # in an unknown state: load it again next time
                raise ModelFileError(
                    f"The model '{self.path.name}' uses something pysd cannot run ({error}). "
                    "Write that part with functions Vensim and pysd both have.") from None
            except BaseException:
                self._model = None
                raise
        self._values.update(changed)
        return result
