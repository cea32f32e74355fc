"""GAME, GET TIME VALUE, VECTOR SELECT, VECTOR SORT ORDER, VECTOR RANK, VECTOR REORDER, INVERT
MATRIX, XMILE's MIN/MAX of one array, ALLOCATE BY PRIORITY, ALLOCATE AVAILABLE, the RANDOM
functions and names pysd makes from symbols, on the numpy engine.

A model written here uses each (VECTOR SELECT with a numerical action that changes every step,
allocations along the last range of a two-range equation, a matrix inverted as it changes); both
compiled versions (numpy arrays for many runs, floats for one) are compared with pysd's run to
1e-9. The RANDOM functions draw other numbers than pysd's, so their draws are checked for their
range and mean. pysd translates copies in tmp_path, as it writes Python beside the file it reads.
Suite models (../shared/test-models, when present) are compared the same way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.models.engine import UnsupportedModel, compile_model, read_model
from cyp_dynamics.models.model import column_name

from .engine_reference import compiled_runs, pysd_run, relative, write_model

TOLERANCE = 1e-9
SUITE = Path(__file__).resolve().parents[2] / "shared" / "test-models"

CONTROL = """
********************************************************
	.Control
********************************************************~
	|
FINAL TIME = 10 ~ Month ~ |
INITIAL TIME = 0 ~ Month ~ |
SAVEPER = TIME STEP ~ Month ~ |
TIME STEP = 0.5 ~ Month ~ |
"""

FUNCTIONS = """{UTF-8}
target: t1, t2, t3, t4 ~ ~ |
profile: ptype, ppriority, pwidth, pextra ~ ~ |
region: north, south ~ ~ |
row: r1, r2 ~ ~ |
col: c1, c2 ~ ~ |
supply = 2 + Time ~ widgets ~ |
request[target] = 3, 1, 4, 2 ~ widgets ~ |
priority[target] = 5, 9, 2, 7 ~ ~ |
width = 2 ~ ~ |
by priority[target] = ALLOCATE BY PRIORITY(request[target], priority[target],
	ELMCOUNT(target), width, supply) ~ widgets ~ |
regional supply[north] = 3 + Time / 2 ~ widgets ~ |
regional supply[south] = 6 ~ widgets ~ |
regional[region, target] = ALLOCATE BY PRIORITY(request[target], priority[target],
	ELMCOUNT(target), width, regional supply[region]) ~ widgets ~ |
profiles[target, profile] = 1, 5, 2, 0; 2, 7, 3, 0; 3, 4, 1, 0; 4, 6, 2, 0; ~ ~ |
available[target] = ALLOCATE AVAILABLE(request[target], profiles[target, ptype], supply)
	~ widgets ~ |
regional available[region, target] = ALLOCATE AVAILABLE(request[target],
	profiles[target, ptype], regional supply[region]) ~ widgets ~ |
selection[target] = 0, 1, 0, 2 ~ ~ |
values[target] = 1.5, -2, 4, 0.25 ~ ~ |
action = MODULO(INTEGER(Time), 11) ~ ~ |
selected = VECTOR SELECT(selection[target!], values[target!], -1, action, 0) ~ ~ |
smoothed selected = VECTOR SELECT(selection[target!], SMOOTH(drifting[target!], 2), -1, 0, 0)
	~ ~ one SMOOTH state per element of target |
nothing selected = VECTOR SELECT(selection[target!] * 0, values[target!], -1, 0, 0) ~ ~ |
drifting[target] = values[target] + Time * (priority[target] - 5) / 4 ~ ~ |
order[target] = VECTOR SORT ORDER(drifting[target], 1) ~ ~ |
ranks[target] = VECTOR RANK(drifting[target], 0) ~ ~ |
reordered[target] = VECTOR REORDER(drifting[target], order[target]) ~ ~ |
regional ranks[region, target] = VECTOR RANK(regional[region, target], 1) ~ ~ |
matrix[row, col] = 4, 7; 2, 6 ~ ~ |
moving[row, col] = matrix[row, col] * (1 + Time / 10) ~ ~ |
inverse[row, col] = INVERT MATRIX(moving[row, col], 2) ~ ~ |
gamed = GAME(supply * 2) ~ widgets ~ |
clock = GET TIME VALUE(0, 0.5, 0) ~ Month ~ |
stock = INTEG(by priority[t1] + gamed, 0) ~ widgets ~ |
""" + CONTROL

SYMBOLS = """{UTF-8}
"€/$" = 1.25 ~ ~ |
"1995€/$" = 1.1 ~ ~ |
"$ euro" = INTEG("€/$" * "1995€/$", 0.8) ~ ~ |
""" + CONTROL

RANDOMS = """{UTF-8}
uniform = RANDOM UNIFORM(2, 5, 1) ~ ~ |
unit = RANDOM 0 1() ~ ~ |
normal = RANDOM NORMAL(0, 10, 5, 2, 1) ~ ~ |
exponential = RANDOM EXPONENTIAL(1, 8, 1.5, 2, 1) ~ ~ |
""" + CONTROL.replace("TIME STEP = 0.5", "TIME STEP = 0.02")










# The same model with a subrange: the numpy version is then written element by element too.
SUBRANGE = FUNCTIONS.replace("gamed = ", """early: t1, t2 ~ ~ |
early total = SUM(request[early!]) ~ widgets ~ |
gamed = """)


@pytest.fixture(scope="module", params=["ranges", "elements"])
def functions_model(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("more_functions")
    path = write_model(folder, "functions.mdl", FUNCTIONS if request.param == "ranges" else SUBRANGE)
    changed = {"width": 0.5}
    return (path, *compiled_runs(path, changed), pysd_run(path, folder),
            pysd_run(path, folder, changed))


def test_the_functions_compile_to_numpy(functions_model):
    path, compiled = functions_model[:2]
    model = load_model(path)
    assert model.engine == "numpy", model.engine_note
    by_element = "early_total" in compiled.output_names
    assert bool(compiled.vector_columns) == by_element  # both ways of writing the numpy version


@pytest.mark.parametrize("version", ["float", "numpy"])
def test_the_functions_agree_with_pysd(functions_model, version):
    _, compiled, scalar, vector, theirs, theirs_changed = functions_model
    columns = [c for name in compiled.output_names for c in compiled.columns_of(name)]
    assert len(columns) > 40
    for column in columns:
        if version == "float":
            assert relative(scalar[column][:, 0], theirs[column]) <= TOLERANCE, column
        else:
            assert relative(vector[column][:, 0], theirs[column]) <= TOLERANCE, column
            assert relative(vector[column][:, 1], theirs_changed[column]) <= TOLERANCE, column


def test_the_functions_do_what_vensim_documents(functions_model):
    _, _, scalar, _, _, _ = functions_model
    times = np.arange(0, 10.25, 0.5)
    np.testing.assert_allclose(scalar["clock"][:, 0], times + 0.5)
    np.testing.assert_allclose(scalar["gamed"][:, 0], 2 * (2 + times))
    shares = np.hstack([scalar[f"by_priority[t{i}]"] for i in range(1, 5)])
    np.testing.assert_allclose(shares.sum(axis=1), np.minimum(2 + times, 10), rtol=1e-12)
    assert shares[0, 1] == 1  # the highest priority (t2, asking 1) is served in full ...
    assert shares[0, 2] == 0  # ... the lowest (t3) gets nothing while supply is short
    available = np.hstack([scalar[f"available[t{i}]"] for i in range(1, 5)])
    np.testing.assert_allclose(available.sum(axis=1), np.minimum(2 + times, 10), rtol=1e-6)
    assert np.all(scalar["nothing_selected"] == -1)  # the missing value
    # numerical action 0 (at Time 0): the weighted sum 1 * -2 + 2 * 0.25
    assert scalar["selected"][0, 0] == pytest.approx(-1.5)
    drifting = np.hstack([scalar[f"drifting[t{i}]"] for i in range(1, 5)])
    reordered = np.hstack([scalar[f"reordered[t{i}]"] for i in range(1, 5)])
    np.testing.assert_array_equal(reordered, np.sort(drifting, axis=1))
    ranks = np.hstack([scalar[f"ranks[t{i}]"] for i in range(1, 5)])
    np.testing.assert_array_equal(ranks[0], [2, 4, 1, 3])  # 1.5, -2, 4, 0.25: largest first
    inverse = np.array([[scalar[f"inverse[r{i},c{j}]"][4, 0] for j in (1, 2)] for i in (1, 2)])
    moving = np.array([[4, 7], [2, 6]]) * 1.2  # at Time 2
    np.testing.assert_allclose(inverse @ moving, np.eye(2), atol=1e-12)


def test_names_made_of_symbols_keep_pysds_names(tmp_path):
    path = write_model(tmp_path, "symbols.mdl", SYMBOLS)
    model = load_model(path)
    assert model.engine == "numpy", model.engine_note
    ours = model.run(include_constants=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = model.run_with_pysd(include_constants=True)
    assert {"nvs_euro", "nvs_", "nvs_1995"} <= set(ours.columns)
    for column in theirs.columns:
        assert relative(ours[column].to_numpy(), theirs[column].to_numpy()) <= TOLERANCE, column
    changed = model.run({"nvs_": 2.5})
    assert changed["nvs_euro"].iloc[-1] > ours["nvs_euro"].iloc[-1]


def test_random_functions_draw_from_pysds_distributions(tmp_path):
    path = write_model(tmp_path, "randoms.mdl", RANDOMS)
    _, scalar, vector = compiled_runs(path)
    for draws in (scalar, {k: v[:, 1:] for k, v in vector.items()}):
        uniform, unit = draws["uniform"], draws["unit"]
        normal, exponential = draws["normal"], draws["exponential"]
        # 501 draws each: the means within about four standard errors
        assert uniform.min() >= 2 and uniform.max() <= 5 and abs(uniform.mean() - 3.5) < 0.16
        assert unit.min() >= 0 and unit.max() <= 1 and abs(unit.mean() - 0.5) < 0.06
        assert normal.min() >= 0 and normal.max() <= 10 and abs(normal.mean() - 5) < 0.35
        # exponential from 1.5 (the larger of min and shift), scale 2, cut at 8
        assert exponential.min() >= 1.5 and exponential.max() <= 8
        assert abs(exponential.mean() - 3.24) < 0.3  # 1.5 + 2 (1 - 4.25 e^-3.25) / (1 - e^-3.25)
        assert len(np.unique(uniform)) == len(uniform)  # a new draw each step
    assert not np.array_equal(vector["uniform"][:, 0], vector["uniform"][:, 1])  # and each run


REFUSED = {
    "GET TIME VALUE of the computer's clock": "clock = GET TIME VALUE(2, 0, 7) ~ ~ |",
    "INVERT MATRIX of a range not its equation's": """row: r1, r2 ~ ~ |
matrix[row, row] = 1 ~ ~ |
inverse[row] = INVERT MATRIX(matrix[row, row], 2) ~ ~ |""",
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_the_engine_cannot_compile_goes_to_pysd(case, tmp_path):
    path = write_model(tmp_path, "refused.mdl", "{UTF-8}\n" + REFUSED[case] + CONTROL)
    with pytest.raises(UnsupportedModel):
        compile_model(*read_model(path))


# The quick ones (tests/test_suite_models.py runs them all, VECTOR SELECT's and GET TIME VALUE's too).
SUITE_MODELS = ["tests/min_max_1arg/test_min_max_1arg.xmile", "tests/game/test_game.mdl",
                "tests/invert_matrix/test_invert_matrix.mdl",
                "tests/fully_invalid_names/test_fully_invalid_names.mdl"]


@pytest.mark.parametrize("name", SUITE_MODELS)
def test_suite_models_agree_with_pysd(name, tmp_path):
    path = SUITE / name
    if not path.is_file():
        pytest.skip(f"the SDXorg test-model suite is not at {SUITE}")
    compiled, scalar, vector = compiled_runs(path)
    theirs = pysd_run(path, tmp_path)
    for output in compiled.output_names:
        for column in compiled.columns_of(output):
            ours = column_name(column) if column else column
            assert relative(scalar[column][:, 0], theirs[ours]) <= TOLERANCE, column
            assert relative(vector[column][:, 1], theirs[ours]) <= TOLERANCE, column


CHANGING_CONTROLS = """{UTF-8}
level = INTEG(inflow, 1) ~ widgets ~ |
inflow = STEP(2, 3) + Time / 10 ~ widgets/Month ~ |
limit = 8 ~ Month ~ |
clock = Time * 2 - 5 ~ Month ~ |
********************************************************
	.Control
********************************************************~
	|
FINAL TIME = IF THEN ELSE(clock > 20, Time, limit + IF THEN ELSE(Time < 5, 10, 20)) ~ Month ~ |
INITIAL TIME = IF THEN ELSE(Time < 3, 0, 0.5) ~ Month ~ |
SAVEPER = IF THEN ELSE(Time < 9, TIME STEP, 2) ~ Month ~ |
TIME STEP = IF THEN ELSE(Time < 4, 1, 0.25) ~ Month ~ |
"""


@pytest.mark.parametrize("runs", [1, 2])
def test_control_variables_that_change_during_the_run_agree_with_pysd(tmp_path, runs):
    path = write_model(tmp_path, "controls.mdl", CHANGING_CONTROLS)
    compiled = compile_model(*read_model(path))
    assert set(compiled.dynamic_controls) == {"initial_time", "final_time", "time_step",
                                             "saveper"}
    theirs = pysd_run(path, tmp_path)
    constants = {"limit": np.full(runs, 8.0), **{k: np.zeros(runs) for k in
                 ("initial_time", "final_time", "time_step", "saveper")}}
    times, ours = compiled.simulate(constants, None, None, None, None, runs)
    np.testing.assert_array_equal(times, theirs["time"])
    assert times[-1] == 12  # FINAL TIME becomes Time (12.75) once clock passes 20; saved every 2
    for name in ("level", "inflow", "clock"):
        assert relative(ours[name][:, -1], theirs[name]) <= TOLERANCE, name
    for name, values in compiled.control_series(constants, None, None, None, None).items():
        assert relative(values, theirs[name]) <= TOLERANCE, name
    # FINAL TIME given (a run of chosen length): the other controls still change
    times, _ = compiled.simulate(constants, None, 6.0, None, None, runs)
    np.testing.assert_array_equal(times, [0, 1, 2, 3, 4, 4.25, 4.5, 4.75, 5, 5.25, 5.5, 5.75, 6])


def test_control_variables_that_use_a_stock_go_to_pysd(tmp_path):
    text = CHANGING_CONTROLS.replace("FINAL TIME = IF THEN ELSE(clock > 20",
                                     "FINAL TIME = IF THEN ELSE(level > 20")
    path = write_model(tmp_path, "controls.mdl", text)
    with pytest.raises(UnsupportedModel):
        compile_model(*read_model(path))
