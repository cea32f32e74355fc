"""Practitioners' own model files: bad files get a clear message, and what plain pysd runs, runs.

Bad files: a TIME STEP or SAVEPER that is not positive, FINAL TIME before INITIAL TIME, a run of
billions of steps, an empty file, a file that is not a model, a model with the wrong ending. Each
gets a message saying what to change, never a hang or a raw traceback.

Parity with pysd: pysd's python names ('Input' is 'input_1'), readable names still accepted,
constants in runs on request, data files beside the model and through `data_files=`, control
variables given by equations (XMILE's reciprocal time step, IF THEN ELSE, a FINAL TIME that
changes), names with special and accented characters, and a fallback to pysd for anything the
numpy compiler cannot handle, which keeps one loaded pysd model and never lets one run's values
leak into the next.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pysd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.models import model as model_module
from cyp_dynamics.models import pysd_cache
from cyp_dynamics.models.sanitise import ModelFileError

CONTROLS = """
INITIAL TIME = {initial}
\t~\tMonth
\t~\tThe initial time.
\t|
FINAL TIME = {final}
\t~\tMonth
\t~\tThe final time.
\t|
TIME STEP = {step}
\t~\tMonth [0,?]
\t~\tThe time step.
\t|
SAVEPER = {saveper}
\t~\tMonth [0,?]
\t~\tHow often results are saved.
\t|
"""
BODY = """{UTF-8}
Waiting list = INTEG(Referrals - Starts, 100)
\t~\tchildren
\t~\tChildren waiting.
\t|
Referrals = 20
\t~\tchildren/Month [0,100]
\t~\tReferrals a month.
\t|
Starts = Waiting list / Wait
\t~\tchildren/Month
\t~\tTreatment starts.
\t|
Wait = 5
\t~\tMonth [1,20]
\t~\tAverage wait.
\t|
"""
DELAYED = """{UTF-8}
Output = DELAY1(Input, 3)
\t~\tpeople
\t~\tThe input, delayed.
\t|
Input = 5
\t~\tpeople [0,10]
\t~\tThe input.
\t|
"""
XMILE = """<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
  <header><name>tea</name></header>
  <sim_specs method="Euler" time_units="Minute"><start>0</start><stop>4</stop>
    <dt reciprocal="true">4</dt></sim_specs>
  <model><variables>
    <stock name="Tea"><eqn>90</eqn><outflow>Loss</outflow></stock>
    <flow name="Loss"><eqn>Tea / 10</eqn></flow>
  </variables></model>
</xmile>"""


def write(folder: Path, text: str, name: str = "model.mdl") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def controls(initial="0", final="12", step="1", saveper="TIME STEP") -> str:
    return CONTROLS.format(initial=initial, final=final, step=step, saveper=saveper)


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


# ---- bad files ------------------------------------------------------------------------------
@pytest.mark.parametrize("settings, words", [
    ({"step": "-1"}, ["TIME STEP must be a positive number of months", "-1"]),
    ({"step": "0"}, ["TIME STEP must be a positive number of months", "gives 0"]),
    ({"saveper": "0"}, ["SAVEPER must be a positive number of months", "gives 0"]),
    ({"initial": "10", "final": "2"}, ["FINAL TIME (2) is before INITIAL TIME (10)"]),
    ({"step": "1e-9"}, ["12,000,000,000 time steps", "Make TIME STEP larger"]),
    ({"final": "1e300"}, ["about 1e+300 time steps"]),
])
def test_control_values_that_cannot_make_a_run_are_explained(tmp_path, settings, words):
    path = write(tmp_path, BODY + controls(**settings))
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    for word in words:
        assert word in str(error.value)


def test_a_negative_time_step_on_the_pysd_engine_is_explained_too(tmp_path):
    path = write(tmp_path, DELAYED + controls(step="-1"))
    with pytest.raises(ModelFileError, match="TIME STEP must be a positive"):
        quietly(load_model, path)


def test_a_reciprocal_time_step_of_zero_is_explained(tmp_path):
    path = write(tmp_path, XMILE.replace(">4</dt>", ">0</dt>"), "tea.xmile")
    with pytest.raises(ModelFileError, match="TIME STEP must be a number"):
        load_model(path)


@pytest.mark.parametrize("name, content, words", [
    ("empty.mdl", "", ["'empty.mdl' is empty"]),
    ("blank.mdl", "  \n\n\t", ["'blank.mdl' is empty"]),
    ("notes.mdl", "Some notes about the model, but no equations.", ["holds no model equations"]),
    ("garbage.xmile", "hello <xmile> not really", ["not a readable XMILE file"]),
    ("page.xmile", "<?xml version='1.0'?><html><body>hi</body></html>",
     ["not an XMILE model", "<html>"]),
    ("binary.mdl", "\x00\x01\x02 binary", ["holds no model equations"]),
])
def test_files_that_are_not_models_are_explained(tmp_path, name, content, words):
    path = write(tmp_path, content, name)
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    for word in words:
        assert word in str(error.value)


def test_a_model_saved_with_the_wrong_ending_is_recognised(tmp_path, monkeypatch):
    path = write(tmp_path, BODY + controls(), "model.txt")
    monkeypatch.chdir(tmp_path)
    for given in ("model.txt", path):
        with pytest.raises(ValueError, match="looks like a Vensim model.*rename it to 'model.mdl'"):
            load_model(given)
    write(tmp_path, XMILE, "tea.xml.txt")
    with pytest.raises(ValueError, match="looks like an XMILE model.*'tea.xml.xmile'"):
        load_model("tea.xml.txt")
    write(tmp_path, "just some text", "notes.txt")
    with pytest.raises(ValueError, match="is not a model file"):
        load_model("notes.txt")
    with pytest.raises(FileNotFoundError, match="No model file at 'missing.txt'"):
        load_model("missing.txt")


# ---- names ----------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["numpy", "pysd"])
def test_names_are_pysds_and_readable_names_still_work(tmp_path, request, engine):
    if engine == "pysd":
        request.getfixturevalue("on_pysd")
    path = write(tmp_path, DELAYED + controls())
    model = quietly(load_model, path)
    assert model.engine == engine or engine == "numpy"  # DELAY1 may not compile yet
    assert "input_1" in model.parameters.index  # pysd's name: 'input' is a Python built-in
    run = quietly(model.run, {"input": 8})  # the readable name (and the label) still work
    assert list(run.columns) == ["output"]
    assert run["output"].iloc[-1] == pytest.approx(quietly(model.run, {"Input": 8})["output"].iloc[-1])
    assert model.python_name("Input") == model.python_name("input") == "input_1"
    assert model.check_outputs(["Output"]) == ["output"]
    with pytest.raises(ValueError, match="not a variable"):
        model.python_name("Outptu")


def test_special_and_accented_characters_in_names(tmp_path):
    body = ('{UTF-8}\n"Größe / Höhe (m²)" = 3\n\t~\tm [0,10]\n\t~\tA size.\n\t|\n'
            '"Out*put!" = INTEG("Größe / Höhe (m²)", 0)\n\t~\tm\n\t~\tA stock.\n\t|\n'
            '"it\'s \\"quoted\\"!" = "Out*put!" * 2\n\t~\tm\n\t~\tQuotes.\n\t|\n')
    model = quietly(load_model, write(tmp_path, body + controls()))
    assert model.parameters.index.tolist() == ["groe_hohe_m"]  # as pysd names it
    run = quietly(model.run, {"Größe / Höhe (m²)": 2}, include_constants=True)
    assert run["output"].iloc[-1] == 24 and run["its_quoted"].iloc[-1] == 48
    assert run["groe_hohe_m"].iloc[0] == 2


# ---- constants in runs ----------------------------------------------------------------------
def test_a_run_includes_constants_on_request(tmp_path):
    model = load_model(write(tmp_path, BODY + controls()))
    assert model.engine == "numpy"
    plain = model.run({"wait": 4})
    assert "wait" not in plain.columns
    full = model.run({"wait": 4}, include_constants=True)
    assert list(full.columns[:len(plain.columns)]) == list(plain.columns)
    assert (full["wait"] == 4).all() and (full["referrals"] == 20).all()
    assert full["final_time"].iloc[0] == 12 and full["time_step"].iloc[0] == 1
    assert set(model.constants) == {"referrals", "wait", "initial_time", "final_time",
                                    "time_step", "saveper"}
    on_pysd = quietly(model.run_with_pysd, {"wait": 4}, include_constants=True)
    assert sorted(on_pysd.columns) == sorted(full.columns)
    assert np.allclose(on_pysd[full.columns].to_numpy(), full.to_numpy())


# ---- control variables that are not plain numbers ---------------------------------------------
def test_an_xmile_reciprocal_time_step_stays_on_the_numpy_engine(tmp_path):
    model = load_model(write(tmp_path, XMILE, "tea.xmile"))
    assert model.engine == "numpy"
    run = model.run()
    assert run.index[1] == 0.25 and run.index[-1] == 4


def test_control_variables_that_change_over_time_run_as_in_pysd(tmp_path):
    text = DELAYED + controls(final="IF THEN ELSE(Time < 5, 10, 20)", step="0.5", saveper="1")
    model = quietly(load_model, write(tmp_path, text))
    assert model.engine == "numpy", model.engine_note
    # FINAL TIME is 20 once Time reaches 5, so the run goes on to 20, as in pysd and Vensim
    assert quietly(model.run).index[-1] == 20
    assert quietly(model.run, months=3).index[-1] == 3
    assert quietly(model.run).index[-1] == 20  # a run's length does not stick


def test_controls_written_as_arithmetic_on_constants(tmp_path):
    text = BODY + controls(final="Horizon * 2", step="1/4") + (
        "Horizon = 6\n\t~\tMonth\n\t~\tHalf the run.\n\t|\n")
    model = load_model(write(tmp_path, text))
    assert model.engine == "numpy"
    assert model.run().index[-1] == 12 and model.run().index[1] == 0.25


# ---- the pysd fallback ------------------------------------------------------------------------
@pytest.fixture
def on_pysd(monkeypatch):
    """Models load on the pysd fallback, whatever the numpy compiler can do."""
    def unsupported(*args, **kwargs):
        raise model_module.UnsupportedModel("a function the test pretends is missing")

    monkeypatch.setattr(model_module, "compile_model", unsupported)


def test_any_compiler_failure_falls_back_to_pysd(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise IndexError("a bug in the compiler")

    monkeypatch.setattr(model_module, "compile_model", broken)
    model = quietly(load_model, write(tmp_path, BODY + controls()))
    assert model.engine == "pysd" and "IndexError" in model.engine_note
    assert quietly(model.run)["waiting_list"].iloc[0] == 100


def test_a_safety_refusal_from_the_compiler_is_never_hidden(tmp_path, monkeypatch):
    def refuses(*args, **kwargs):
        raise ModelFileError("line 3: refused")

    monkeypatch.setattr(model_module, "compile_model", refuses)
    with pytest.raises(ModelFileError, match="refused"):
        load_model(write(tmp_path, BODY + controls()))


def test_the_fallback_keeps_one_pysd_model_and_runs_never_inherit_values(tmp_path, monkeypatch,
                                                                         on_pysd):
    loads = []
    real_load = pysd.load
    monkeypatch.setattr(pysd_cache.pysd, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    model = quietly(load_model, write(tmp_path, DELAYED + controls()))
    assert model.engine == "pysd"
    default = quietly(model.run)
    changed = quietly(model.run, {"input": 9}, months=6)
    again = quietly(model.run)
    assert len(loads) == 1  # loaded once, reset for every run
    assert changed["output"].iloc[-1] > default["output"].iloc[-1]
    assert len(changed) == 7 and again.equals(default)
    assert quietly(model.run, {"input": 9}, months=6).equals(changed)


def test_data_files_beside_the_model_and_given_by_name(tmp_path):
    (tmp_path / "values.csv").write_text("a,b\n1,7\n")
    body = ("{UTF-8}\nOut = Factor * Price\n\t~\tpeople\n\t~\tA value.\n\t|\n"
            "Factor = GET DIRECT CONSTANTS('values.csv', ',', 'B2')\n\t~\tDmnl\n\t~\tData.\n\t|\n"
            "Price:INTERPOLATE:\n\t~\tpounds\n\t~\tFrom a data file.\n\t|\n")
    (tmp_path / "prices.tab").write_text("Time\t0\t12\nPrice\t1\t3\n")
    path = write(tmp_path, body + controls())
    with pytest.raises(Exception):  # without the data file pysd has no values for Price
        quietly(load_model(path).run)
    model = quietly(load_model, path, data_files=[tmp_path / "prices.tab"])
    run = quietly(model.run)
    assert run["out"].iloc[0] == 7 and run["out"].iloc[-1] == 21
    assert quietly(load_model, path, data_files=str(tmp_path / "prices.tab")).engine == "numpy"
    with pytest.raises(ValueError, match="Course models read no data files"):
        load_model("camhs_waiting_list", data_files=["x.tab"])
