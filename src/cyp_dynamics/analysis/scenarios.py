"""Scenarios as data: a base plus named overrides, kept in a TOML file a practitioner can edit.

A scenario file looks like this::

    model = "camhs_waiting_list"

    [base]
    title = "Today's service"
    description = "The model's defaults."
    parameters = {}

    [scenarios.more_clinicians]
    title = "Ten more clinicians"
    description = "Ten extra full-time clinicians from month 0."
    parameters = { clinicians = 59 }

Every scenario starts from the base, then applies its own overrides. Names and values are checked
against the model when the file is loaded, so a typo is reported with the file, scenario and the
closest valid names before anything runs.
"""
from __future__ import annotations

import codecs
import tomllib
import warnings
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..models import COURSE_MODELS, models_folder
from ..models.model import Model
from .checks import all_finite

BASE = "base"


class ScenarioError(ValueError):
    """A scenario file that cannot be used as it stands; the message says what to fix."""


@dataclass(frozen=True)
class Scenario:
    """One named set of parameter overrides."""

    name: str
    title: str
    description: str
    overrides: dict[str, float] = field(default_factory=dict)


class Scenarios:
    """The scenarios of one model, base first, every override checked against the model."""

    def __init__(self, model: Model, scenarios: Iterable[Scenario], source: str = "scenarios"):
        self.model = model
        self.source = source
        self._scenarios = {scenario.name: scenario for scenario in scenarios}
        if BASE not in self._scenarios:
            raise ScenarioError(f"{source}: add a [base] table (it may have empty parameters).")
        titles: dict[str, str] = {}
        for scenario in self._scenarios.values():  # runs are labelled by title, so no repeats
            if scenario.title in titles:
                raise ScenarioError(f"{source}: scenarios {titles[scenario.title]!r} and "
                                    f"{scenario.name!r} share the title {scenario.title!r}; "
                                    "give each its own title.")
            titles[scenario.title] = scenario.name

    @property
    def names(self) -> list[str]:
        """Scenario names, base first, then in file order."""
        return [BASE] + [name for name in self._scenarios if name != BASE]

    def __getitem__(self, name: str) -> Scenario:
        if name not in self._scenarios:
            raise KeyError(f"No scenario called {name!r} in {self.source}; "
                           f"choose from {', '.join(self.names)}.")
        return self._scenarios[name]

    def __len__(self) -> int:
        return len(self._scenarios)

    def parameters(self, name: str) -> dict[str, float]:
        """The base overrides with this scenario's overrides on top (model names, checked values)."""
        merged = dict(self[BASE].overrides)
        if name != BASE:
            merged.update(self[name].overrides)
        return merged

    def table(self) -> pd.DataFrame:
        """One row per scenario: name, title, description and its changes from the base."""
        rows = []
        for name in self.names:
            scenario = self[name]
            changes = ", ".join(f"{key} = {value:g}" for key, value in scenario.overrides.items())
            rows.append((name, scenario.title, scenario.description, changes or "(none)"))
        return pd.DataFrame(rows, columns=["name", "title", "description", "changes"])

    def __repr__(self) -> str:
        return f"<Scenarios for {self.model.name}: {', '.join(self.names)}>"


def scenario_file(model_name: str) -> Path:
    """Where a course model's scenario file lives inside the installed package."""
    return models_folder() / "scenarios" / f"{model_name}.toml"


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's tables; UTF-8 (with or without a BOM) or UTF-16 with its byte-order mark."""
    if path.is_dir():
        inside = sorted(p.name for p in path.glob("*.toml"))[:5]
        raise ScenarioError(f"{path} is a folder, not a scenario file: give the path to the .toml "
                            "file" + (f" in it ({', '.join(inside)})." if inside else "."))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"No scenario file at {path}.") from None
    except OSError as error:
        raise ScenarioError(f"{path} cannot be read ({error.strerror}); check the path.") from None
    encoding = "utf-16" if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ScenarioError(f"{path.name} is not UTF-8 text (line {line} has a byte that is not): "
                            "save it again as UTF-8, e.g. in Notepad choose Save As, Encoding UTF-8."
                            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path.name} is not valid TOML: {error}. "
                            "Check quotes, '=' signs and [table] headers near that line.") from None


def _scenario(model: Model, name: str, table: Any, source: str) -> Scenario:
    where = f"{source}, scenario {name!r}"
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: expected a table with title, description and parameters.")
    unknown = set(table) - {"title", "description", "parameters"}
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                            "a scenario has only title, description and parameters.")
    raw = table.get("parameters", {})
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: parameters must be a table such as {{ clinicians = 59 }}.")
    overrides: dict[str, float] = {}
    for key, value in raw.items():
        try:
            parameter = model.parameter_name(key)
            overrides[parameter] = model.check_value(parameter, value)
        except (KeyError, ValueError) as error:
            message = error.args[0] if error.args else str(error)
            raise ScenarioError(f"{where}: {message}") from None
    return Scenario(name, str(table.get("title", name.replace("_", " ").capitalize())),
                    str(table.get("description", "")), overrides)


def load_scenarios(name_or_path: str | Path, model: Model) -> Scenarios:
    """Scenarios for `model` from a course model's name or a path to a `.toml` file."""
    if not isinstance(name_or_path, (str, Path)):
        raise TypeError("Give a course model's name (e.g. 'camhs_waiting_list') or the path to a "
                        f".toml scenario file; you gave {name_or_path!r}.")
    if not isinstance(model, Model):
        raise TypeError("load_scenarios needs the model the scenarios are for, e.g. "
                        "load_scenarios('camhs_waiting_list', load_model('camhs_waiting_list')); "
                        f"you gave {type(model).__name__}.")
    text = str(name_or_path)
    if text in COURSE_MODELS:
        path = scenario_file(text)
    else:
        path = Path(text).expanduser()
        if path.suffix.lower() != ".toml" and not path.is_dir():
            raise ScenarioError(f"{text!r} is neither a course model with scenarios nor a .toml file.")
    data = _read_toml(path)
    declared = data.get("model")
    if declared is not None and model.name and declared != model.name:
        raise ScenarioError(f"{path.name} is written for model {declared!r}, "
                            f"not {model.name!r}; load the matching model or file.")
    unknown = set(data) - {"model", BASE, "scenarios"}
    if unknown:
        raise ScenarioError(f"{path.name}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
                            "use model, [base] and [scenarios.NAME].")
    if BASE not in data:
        raise ScenarioError(f"{path.name}: add a [base] table (it may have empty parameters).")
    named = data.get("scenarios", {})
    if not isinstance(named, dict):
        raise ScenarioError(f"{path.name}: 'scenarios' must hold tables, one per scenario, written "
                            f"[scenarios.NAME]; it is {named!r}. See the example in "
                            "help(cyp_dynamics.analysis.scenarios).")
    if BASE in named:
        raise ScenarioError(f"{path.name}: 'base' is reserved for the [base] table.")
    items = [_scenario(model, BASE, data[BASE], path.name)]
    items += [_scenario(model, key, table, path.name) for key, table in named.items()]
    return Scenarios(model, items, source=path.name)


def run_scenarios(model: Model, scenarios: Scenarios, names: str | Iterable[str] | None = None,
                  months: float | None = None) -> dict[str, pd.DataFrame]:
    """Run each scenario (all by default); returns {title: results}, ready for `plot_runs`."""
    if not isinstance(model, Model) or not isinstance(scenarios, Scenarios):
        raise TypeError("run_scenarios needs a model and its scenarios, e.g. run_scenarios(model, "
                        "load_scenarios('camhs_waiting_list', model)); you gave "
                        f"{type(model).__name__} and {type(scenarios).__name__}.")
    chosen = [names] if isinstance(names, str) else list(names) if names is not None else scenarios.names
    runs = {scenarios[name].title: model.run(scenarios.parameters(name), months) for name in chosen}
    labels = dict(zip(model.variables.name, model.variables.label))
    for title, run in runs.items():
        finite = all_finite(run, labels, model.index_name)
        if not finite:  # said now, not found later as a blank chart
            warnings.warn(f"The scenario '{title}': {finite.message}", RuntimeWarning, stacklevel=2)
    return runs


def compare_at(runs: dict[str, pd.DataFrame], output: str,
               times: float | Iterable[float]) -> pd.DataFrame:
    """One row per run, one column per time: the value of `output` at each time."""
    times = [times] if isinstance(times, Real) else list(times)  # one time is a list of one
    rows = {}
    for label, run in runs.items():
        if output not in run.columns:
            raise KeyError(f"{output!r} is not an output of run {label!r}; "
                           f"choose from {', '.join(run.columns)}.")
        missing = [time for time in times if time not in run.index]
        if missing:
            raise ValueError(f"Run {label!r} has no results at time(s) {missing}; "
                             f"it covers {run.index[0]:g} to {run.index[-1]:g}.")
        rows[label] = run.loc[times, output].to_numpy()
    table = pd.DataFrame.from_dict(rows, orient="index", columns=times)
    table.columns.name = runs and next(iter(runs.values())).index.name
    return table
