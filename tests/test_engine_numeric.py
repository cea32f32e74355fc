"""Numeric details where the numpy engine must agree with Vensim and pysd.

Powers chain to the right, MODULO keeps the sign of its first argument, :NA: is NaN, XMILE
non-negative stocks stop at zero, and a time step or saving period that is not positive is
refused with a clear message instead of looping for ever or dividing by zero.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from cyp_dynamics import load_model

CONTROLS = """
INITIAL TIME = 0
	~	Month
	~	The initial time.
	|
FINAL TIME = 4
	~	Month
	~	The final time.
	|
TIME STEP = {time_step}
	~	Month [0,?]
	~	The time step.
	|
SAVEPER = {saveper}
	~	Month [0,?]
	~	How often results are saved.
	|
"""


def write_mdl(folder: Path, body: str, time_step: str = "1", saveper: str = "TIME STEP") -> Path:
    path = folder / "numeric.mdl"
    path.write_text("{UTF-8}\n" + body + CONTROLS.format(time_step=time_step, saveper=saveper),
                    encoding="utf-8")
    return path


def both(model, params=None):
    """The numpy engine's run and pysd's run of the same model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.run(params), model.run_with_pysd(params)


def test_powers_chain_to_the_right(tmp_path):
    body = ("Base = 4\n\t~\tDmnl [0,10]\n\t~\tThe base.\n\t|\n"
            "Power = Base^3^2\n\t~\tDmnl\n\t~\t4^(3^2), not (4^3)^2.\n\t|\n"
            "Mixed = 2*Base^2^0.5-Base^2/4\n\t~\tDmnl\n\t~\tPrecedence with ^.\n\t|\n")
    model = load_model(write_mdl(tmp_path, body))
    assert model.engine == "numpy"
    ours, theirs = both(model)
    assert ours["power"].iloc[0] == 262144.0
    assert np.allclose(ours[["power", "mixed"]], theirs[["power", "mixed"]], rtol=1e-12)


@pytest.mark.parametrize("x, m", [(-7, 3), (7, 3), (7, -3), (-7, -3), (7.5, 2), (-0.5, 1), (5, 0)])
def test_modulo_follows_vensim_and_pysd(tmp_path, x, m):
    body = ("X = 1\n\t~\tDmnl [-100,100]\n\t~\tDividend.\n\t|\n"
            "M = 1\n\t~\tDmnl [-100,100]\n\t~\tDivisor.\n\t|\n"
            "Remainder = MODULO(X, M)\n\t~\tDmnl\n\t~\tThe remainder.\n\t|\n")
    model = load_model(write_mdl(tmp_path, body))
    assert model.engine == "numpy"
    ours, theirs = both(model, {"x": x, "m": m})
    assert ours["remainder"].iloc[0] == pytest.approx(theirs["remainder"].iloc[0])
    if (x, m) == (-7, 3):
        assert ours["remainder"].iloc[0] == -1 == math.fmod(-7, 3)


def test_na_is_nan(tmp_path):
    body = ("Stock = INTEG(1, 0)\n\t~\tpeople\n\t~\tA stock.\n\t|\n"
            "Gap = IF THEN ELSE(Stock > 2, :NA:, Stock)\n\t~\tpeople\n\t~\tMissing after 2.\n\t|\n")
    model = load_model(write_mdl(tmp_path, body))
    assert model.engine == "numpy"
    ours, theirs = both(model)
    assert ours["gap"].isna().tolist() == theirs["gap"].isna().tolist() == [False] * 3 + [True] * 2
    assert ours["gap"].iloc[:3].tolist() == theirs["gap"].iloc[:3].tolist()


def test_xmile_non_negative_stocks_stop_at_zero(tmp_path):
    path = tmp_path / "tank.xmile"
    path.write_text("""<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
  <header><name>tank</name></header>
  <sim_specs method="Euler" time_units="Minute"><start>0</start><stop>6</stop><dt>0.5</dt></sim_specs>
  <model><variables>
    <stock name="Tank"><eqn>5</eqn><outflow>Drain</outflow><non_negative/></stock>
    <stock name="Overdrawn"><eqn>5</eqn><outflow>Drain</outflow></stock>
    <flow name="Drain"><eqn>3</eqn></flow>
  </variables></model>
</xmile>""", encoding="utf-8")
    model = load_model(path)
    assert model.engine == "numpy"
    ours, theirs = both(model)
    assert ours["tank"].min() == 0.0 and ours["overdrawn"].min() < 0
    assert np.allclose(ours.to_numpy(), theirs[ours.columns].to_numpy())


@pytest.mark.parametrize("time_step, saveper, wrong", [
    ("-1", "TIME STEP", "TIME STEP must be a positive number of months; the file 'numeric.mdl' "
                        "gives -1"),
    ("0", "TIME STEP", "TIME STEP must be a positive number of months; the file 'numeric.mdl' "
                       "gives 0"),
    ("1", "0", "SAVEPER must be a positive number of months; the file 'numeric.mdl' gives 0"),
    ("1", "-2", "SAVEPER must be a positive number"),
])
def test_time_step_and_saveper_must_be_positive(tmp_path, time_step, saveper, wrong):
    body = "Stock = INTEG(1, 0)\n\t~\tpeople\n\t~\tA stock.\n\t|\n"
    with pytest.raises(ValueError, match=wrong):
        load_model(write_mdl(tmp_path, body, time_step, saveper))


def test_names_starting_d_or_u_are_not_taken_for_flows(tmp_path):
    """'d x' is the python name d_x, like the engine's flow of a stock x: the two stay apart."""
    body = ("x = INTEG(d x - u y, 5)\n\t~\tpeople\n\t~\tA stock.\n\t|\n"
            "d x = 2 + x / 10\n\t~\tpeople/Month\n\t~\tIts inflow.\n\t|\n"
            "u y = x / 4\n\t~\tpeople/Month\n\t~\tIts outflow.\n\t|\n"
            "y = SMOOTH(u y, 2)\n\t~\tpeople/Month\n\t~\tA smooth.\n\t|\n")
    model = load_model(write_mdl(tmp_path, body))
    assert model.engine == "numpy", model.engine_note
    ours, theirs = both(model)
    columns = ["x", "d_x", "u_y", "y"]
    assert np.allclose(ours[columns], theirs[columns], rtol=1e-12)
