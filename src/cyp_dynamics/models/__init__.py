"""Course models (Vensim .mdl files shipped with the package) and the loader for any model file."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .engine import snake_case
from .model import Model
from .sanitise import ModelFileError
from .subscripts import by_element, tidy_elements

MODEL_SUFFIXES = (".mdl", ".xmile", ".stmx")

COURSE_MODELS: dict[str, tuple[str, str]] = {
    # name: (module that teaches it, one-line description), in course order
    # Module 01's archetypes: tiny models, each showing one archetype's signature behaviour.
    "archetype_fixes_that_fail": (
        "01 thinking in systems",
        "Fixes that fail: triage shrinks the assessment queue but moves children into a hidden "
        "treatment queue, and some come back.",
    ),
    "archetype_shifting_the_burden": (
        "01 thinking in systems",
        "Shifting the burden: crisis spending crowds out early help, so more children reach "
        "crisis.",
    ),
    "archetype_limits_to_growth": (
        "01 thinking in systems",
        "Limits to growth: a new service grows by its good name until its workforce fills up.",
    ),
    "archetype_success_to_the_successful": (
        "01 thinking in systems",
        "Success to the successful: funding follows the better-staffed neighbourhood.",
    ),
    "archetype_eroding_goals": (
        "01 thinking in systems",
        "Eroding goals: a service under pressure comes to accept longer waits as normal.",
    ),
    "camhs_waiting_list": (
        "02 stocks and flows",
        "One CAMHS waiting list: referrals in, treatment starts and closures out, clinical "
        "capacity with a dip for leave.",
    ),
    "camhs_system": (
        "03 feedback and delays",
        "CAMHS as a system: need, referral, a waiting list split by severity, treatment, "
        "re-referral and a workforce that hires with a delay and burns out.",
    ),
    "prevention_vs_late_intervention": (
        "04 prevention versus late intervention",
        "Children moving from well to at risk, early help and late intervention; one budget "
        "that funds late intervention first, so prevention is squeezed (a vicious cycle).",
    ),
    "child_poverty_and_health": (
        "05 child poverty and inequalities",
        "Children in three places ageing through four age bands and moving in and out of "
        "poverty, with Year 6 obesity, mental-health difficulties and CAMHS referrals that "
        "follow time spent in poverty.",
    ),
}


def models_folder() -> Path:
    """The folder of the course's model files inside the installed package."""
    return Path(str(resources.files(__package__)))


def list_models() -> pd.DataFrame:
    """The course models: name, the module that teaches it, description and file."""
    rows = [
        {"name": name, "module": module, "description": text,
         "file": str(models_folder() / f"{name}.mdl")}
        for name, (module, text) in COURSE_MODELS.items()
    ]
    return pd.DataFrame(rows, columns=["name", "module", "description", "file"])


@lru_cache(maxsize=16)
def _load(path: Path, stamp: tuple[int, int], name: str, description: str) -> Model:
    return Model(path, name=name, description=description)


def _files_stamp(path: Path) -> tuple:
    """(modification time, size) of a model file and of the data files beside it that its
    equations name: a model whose data changed is loaded anew (the numpy engine reads its data
    files once, when the model is loaded)."""
    from .pysd_cache import files_stamp, watched_files

    files = [path]
    if path.suffix.lower() == ".mdl" and re.search(
            r"GET[\s_]+(XLS|DIRECT)", path.read_text(errors="replace"), re.IGNORECASE):
        files = watched_files(path)
    return files_stamp(files)


def _looks_like(path: Path) -> str | None:
    """'Vensim' or 'XMILE' when a file's first bytes look like that kind of model, else None."""
    try:
        with path.open("rb") as file:
            head = file.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    if "<xmile" in head.lower():
        return "XMILE"
    if re.search(r"=[^|]*~[^|]*~[^|]*\|", head):
        return "Vensim"
    return None


def _not_a_model_file(path: Path) -> ValueError:
    kind = _looks_like(path)
    advice = " (if it is one, rename it)."
    if kind:
        suffix = ".mdl" if kind == "Vensim" else ".xmile"
        article = "an" if kind == "XMILE" else "a"
        advice = (f". It looks like {article} {kind} model saved with the ending '{path.suffix}': rename "
                  f"it to '{path.stem}{suffix}' and load that.")
    return ValueError(f"'{path.name}' is not a model file: use a Vensim .mdl or an XMILE "
                      f".xmile/.stmx file{advice}")


def load_model(name_or_path: str | Path, data_files: Any = None) -> Model:
    """A course model by name (see `list_models()`), or any Vensim/XMILE model file by path.

    `data_files`: files holding the values of the model's DATA variables (as pysd's `load`
    takes them: a path, a list of paths, or {path: [variable names]}). Files the model names in
    GET XLS / GET DIRECT equations are read from beside the model file without being listed.

    Nothing in a model file is ever run as code: a file that tries to (or that pysd could not
    handle safely) raises `ModelFileError`, a ValueError saying which line to change.
    """
    if not isinstance(name_or_path, (str, Path)):
        raise ValueError(f"load_model takes one model: a course model's name such as "
                         f"'camhs_waiting_list', or the path to a .mdl or .xmile file; you gave "
                         f"{type(name_or_path).__name__} {name_or_path!r}.")
    text = str(name_or_path)
    looks_like_path = (isinstance(name_or_path, Path) or "/" in text or "\\" in text
                       or bool(Path(text).suffix))
    if looks_like_path:
        path = Path(text).expanduser()
        if not path.is_file():
            if path.is_dir():
                raise ValueError(f"'{path}' is a folder; give the path to the model file in it.")
            if " " not in Path(text).suffix:  # else a name with a full stop: a course name?
                raise FileNotFoundError(
                    f"No model file at '{path}'. Check the path (it is relative to the folder "
                    f"this notebook or script runs in: {Path.cwd()}).")
        elif path.suffix.lower() not in MODEL_SUFFIXES:
            raise _not_a_model_file(path)
        else:
            name, description = path.stem, f"Model file {path.name}"
            resolved = path.resolve()
            if data_files is not None:  # data files may change between loads: never shared
                return Model(resolved, name=name, description=description, data_files=data_files)
            return _load(resolved, _files_stamp(resolved), name, description)
    name = snake_case(text)
    if name not in COURSE_MODELS:
        close = difflib.get_close_matches(name, list(COURSE_MODELS), n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"There is no course model called '{text}'.{hint} Course models: "
            f"{', '.join(COURSE_MODELS)}. To load your own model, give the path to its file."
        )
    path = models_folder() / f"{name}.mdl"
    description = COURSE_MODELS[name][1]
    stat = path.resolve().stat()
    model = _load(path.resolve(), (stat.st_mtime_ns, stat.st_size), name, description)
    if data_files is not None:
        raise ValueError("Course models read no data files; load them without data_files.")
    return model


__all__ = ["Model", "ModelFileError", "list_models", "load_model", "models_folder", "by_element",
           "tidy_elements"]
