"""Vensim macros (:MACRO: ... :END OF MACRO:) on the numpy engine agree with pysd to 1e-9.

A model written here uses what macros can do: a macro with a stock called several times (each
call its own stock), a macro calling a macro, a macro's own constants and table, names inside a
macro that the model also uses, an input called Time, SMOOTH, SAMPLE IF TRUE, TREND and INITIAL
inside a macro, a macro with an extra output, a macro call inside SMOOTH and SMOOTH inside a
call, feedback through a macro and a stock initialised from one. Both compiled versions (numpy arrays for many runs, floats for one) are
compared with pysd's run; so are the SDXorg suite's macro models (../shared/test-models, when
present). pysd translates copies in tmp_path, as it writes Python beside the file it reads.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.models.engine import (
    UnsupportedModel,
    compile_model,
    read_model,
)

from .engine_reference import compiled_runs, pysd_run, relative, write_model

TOLERANCE = 1e-9
SUITE = Path(__file__).resolve().parents[2] / "shared" / "test-models"
SUITE_MODELS = ["macro_cross_reference", "macro_expression", "macro_multi_expression",
                "macro_multi_macros", "macro_stock", "macro_trailing_definition"]

CONTROL = """
********************************************************
	.Control
********************************************************~
	|
FINAL TIME = 12 ~ Month ~ |
INITIAL TIME = 0 ~ Month ~ |
SAVEPER = TIME STEP ~ Month ~ |
TIME STEP = 0.25 ~ Month ~ |
"""

MACROS = """{UTF-8}
:MACRO: ACCUMULATE(inflow, start)
ACCUMULATE = INTEG(inflow - drain, start) ~ widgets ~ one stock per call |
drain = ACCUMULATE * drain rate ~ widgets/Month ~ |
drain rate = 0.1 ~ 1/Month ~ the macro's own, not the model's |
:END OF MACRO:
:MACRO: SMOOTHED(value, time)
SMOOTHED = SMOOTH(ACCUMULATE(value, 0), time) + shaped ~ widgets ~ a macro calling a macro |
shaped = shape(value / 10) ~ widgets ~ |
shape([(0,0)-(10,10)],(0,0),(1,2),(2,3),(5,4),(10,5)) ~ ~ |
:END OF MACRO:
:MACRO: PIPED(input)
PIPED = SAMPLE IF TRUE(MODULO(Time, 2) = 0, input, INITIAL(input)) + TREND(input, 2, 0)
	+ Time / 100 + start ~ widgets ~ |
start = INITIAL(input * 2) ~ widgets ~ |
:END OF MACRO:
:MACRO: SPLIT(input, share : rest)
SPLIT = INTEG(input * share - rest, 1) ~ widgets ~ an extra output: a variable of its own |
rest = SPLIT * share kept ~ widgets/Month ~ |
share kept == 0.1 ~ 1/Month ~ |
:END OF MACRO:
arrivals = 3 + STEP(2, 4) ~ widgets/Month ~ |
split = SPLIT(arrivals, 0.3) ~ widgets ~ |
first = ACCUMULATE(arrivals, 10) ~ widgets ~ |
second = ACCUMULATE(arrivals * 2, first) ~ widgets ~ |
once = ACCUMULATE(1, 0) ~ widgets ~ |
four times = ACCUMULATE(1, 0) + ACCUMULATE(3, 0) ~ widgets ~ |
backlog = INTEG(arrivals - ACCUMULATE(backlog / 5, 1) / 10, 20) ~ widgets ~ feedback |
held = INTEG(1, ACCUMULATE(arrivals, 4)) ~ widgets ~ |
nested = SMOOTHED(first + Time, 3) * 2 ~ widgets ~ |
smooth of call = SMOOTH(ACCUMULATE(arrivals, 0), 2) ~ widgets ~ |
call of smooth = ACCUMULATE(SMOOTH(arrivals, 3), 0) ~ widgets ~ |
piped = PIPED(arrivals) ~ widgets ~ |
drain = 7 ~ widgets ~ a model name the macro uses too |
drain rate = 0.3 ~ 1/Month ~ |
""" + CONTROL










@pytest.fixture(scope="module")
def macros_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("macros")
    path = write_model(folder, "macros.mdl", MACROS)
    changed = {"drain_rate": 0.9, "drain": 1.0}
    compiled, scalar, vector = compiled_runs(path, changed, float_only=True)
    return SimpleNamespace(path=path, compiled=compiled, scalar=scalar, vector=vector,
                           theirs=pysd_run(path, folder),
                           theirs_changed=pysd_run(path, folder, changed))


def test_macro_calls_compile_to_numpy_without_extra_outputs(macros_model):
    outputs = {"arrivals", "first", "second", "once", "four_times", "backlog", "held", "nested",
               "smooth_of_call", "call_of_smooth", "piped", "split"}
    # no column for a macro's insides, as in pysd
    assert set(macros_model.compiled.output_names) == outputs
    assert outputs <= set(macros_model.theirs)
    model = load_model(macros_model.path)
    assert model.engine == "numpy", model.engine_note
    assert set(model.outputs) == outputs
    assert set(model.parameters.index) == {"drain", "drain_rate"}  # not the macro's drain rate


@pytest.mark.parametrize("version", ["float", "numpy"])
def test_macro_calls_agree_with_pysd(macros_model, version):
    runs = macros_model
    for name in runs.compiled.output_names:
        if version == "float":
            assert relative(runs.scalar[name][:, 0], runs.theirs[name]) <= TOLERANCE, name
        else:
            assert relative(runs.vector[name][:, 0], runs.theirs[name]) <= TOLERANCE, name
            assert relative(runs.vector[name][:, 1], runs.theirs_changed[name]) <= TOLERANCE, name


def test_each_call_has_its_own_stock(macros_model):
    once, four_times = macros_model.scalar["once"][:, 0], macros_model.scalar["four_times"][:, 0]
    assert once[-1] > once[0]  # the stock fills
    # two stocks, filled at 1 and at 3 a month: together four times the one filled at 1
    np.testing.assert_allclose(four_times, 4 * once, rtol=1e-12)


def test_the_macros_own_names_hide_the_models(macros_model):
    # the model's drain rate (0.3, then 0.9) is not the one the macro's stocks drain at (0.1)
    first = macros_model.vector["first"]
    np.testing.assert_array_equal(first[:, 0], first[:, 1])
    # an input called Time is the input: SMOOTH over 3 months, not over Time (0 at the start)
    assert np.all(np.isfinite(macros_model.scalar["nested"]))


@pytest.mark.parametrize("name", SUITE_MODELS)
def test_suite_macro_models_agree_with_pysd(name, tmp_path):
    path = SUITE / "tests" / name / f"test_{name}.mdl"
    if not path.is_file():
        pytest.skip(f"the SDXorg test-model suite is not at {SUITE}")
    compiled, scalar, vector = compiled_runs(path, {}, float_only=True)
    theirs = pysd_run(path, tmp_path)
    for output in compiled.output_names:
        assert relative(scalar[output][:, 0], theirs[output]) <= TOLERANCE, output
        assert relative(vector[output][:, 1], theirs[output]) <= TOLERANCE, output


REFUSED = {
    "a macro using a model variable": """{UTF-8}
:MACRO: SCALED(input)
SCALED = input * factor ~ ~ |
:END OF MACRO:
factor = 3 ~ ~ |
y = SCALED(4) ~ ~ |
""",
    "a macro using a model's table (pysd fails on it too)": """{UTF-8}
:MACRO: LOOK(input)
LOOK = table(input) ~ ~ |
:END OF MACRO:
table([(0,0)-(10,10)],(0,0),(10,5)) ~ ~ |
y = LOOK(4) ~ ~ |
""",
    "a macro calling itself": """{UTF-8}
:MACRO: FOREVER(input)
FOREVER = FOREVER(input) + 1 ~ ~ |
:END OF MACRO:
y = FOREVER(4) ~ ~ |
""",
    "a DELAY inside a macro (pysd fails on it too)": """{UTF-8}
:MACRO: LATER(input)
LATER = DELAY FIXED(input, 1, input) ~ ~ |
:END OF MACRO:
y = LATER(4) ~ ~ |
""",
    "a macro called with the wrong number of inputs": """{UTF-8}
:MACRO: DOUBLE(input)
DOUBLE = 2 * input ~ ~ |
:END OF MACRO:
y = DOUBLE(4, 5) ~ ~ |
""",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_macros_the_engine_cannot_compile_are_refused(case, tmp_path):
    elements, ranges = read_model(write_model(tmp_path, "refused.mdl", REFUSED[case] + CONTROL))
    with pytest.raises(UnsupportedModel):
        compile_model(elements, ranges)


def test_a_macro_called_with_subscripts_runs_through_pysd(tmp_path):
    text = """{UTF-8}
:MACRO: DOUBLE(input)
DOUBLE = 2 * input ~ ~ |
:END OF MACRO:
region : north, south ~ ~ |
population[region] = 5, 7 ~ ~ |
total = DOUBLE(SUM(population[region!])) ~ ~ |
each[region] = DOUBLE(population[region]) ~ ~ |
""" + CONTROL
    model = load_model(write_model(tmp_path, "subscripted.mdl", text))
    assert model.engine == "pysd"
    assert "macro" in model.engine_note
    run = model.run()
    assert run["each[south]"].iloc[-1] == 14.0 and run["total"].iloc[-1] == 24.0
