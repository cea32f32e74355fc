"""Fan charts (charts.fan): bands hold the stated share of runs, and the chart is for people."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cyp_dynamics import load_model
from cyp_dynamics.analysis.ensemble import ensemble, sample_parameters
from cyp_dynamics.charts.fan import fan_bands, fan_chart, share_inside, when_in_words


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    model = load_model("camhs_system")
    worlds = sample_parameters(model, 1000, {"deterioration_rate": (0.01, 0.03),
                                             "natural_recovery_rate": (0.01, 0.03)}, seed=4)
    return ensemble(model, worlds, outputs=["waiting_list"], months=24, progress=False)


@pytest.mark.parametrize("level", [0.5, 0.9])
def test_bands_contain_the_stated_share_of_runs(runs, level):
    bands = fan_bands(runs, "waiting_list", levels=(0.5, 0.9))
    inside = share_inside(runs, bands, level, "waiting_list")
    later = inside.iloc[1:]  # at time 0 every run starts at the same value
    assert np.all(np.abs(later - level) <= 0.01), later.describe()
    assert inside.iloc[0] == 1.0


def test_bands_nest_around_the_median(runs):
    bands = fan_bands(runs, "waiting_list")
    assert (bands["low_90"] <= bands["low_50"]).all() and (bands["low_50"] <= bands["median"]).all()
    assert (bands["median"] <= bands["high_50"]).all() and (bands["high_50"] <= bands["high_90"]).all()
    assert bands.attrs["runs"] == 1000


def test_a_wide_table_gives_the_same_bands(runs):
    wide = runs["waiting_list"].unstack(level=0)
    pd.testing.assert_frame_equal(fan_bands(wide), fan_bands(runs, "waiting_list"))


def test_the_chart_is_for_people(runs):
    default = load_model("camhs_system").run(months=24)["waiting_list"]
    spec = fan_chart(runs, "waiting_list", default, title="Waiting list", y_title="Children waiting",
                     start_year=2024, steps_per_year=12).to_dict()
    assert "1,000 runs" in spec["description"] and "default run" in spec["description"]
    assert spec["layer"][0]["encoding"]["x"]["axis"]["format"] == "d"
    words = str(spec)
    assert "Median of the runs" in words and "strokeDash" in words
    assert when_in_words(2027.25) == "April 2027" and when_in_words(2024.0) == "January 2024"


@pytest.mark.parametrize("bad, message", [(pd.DataFrame(), "ensemble"), ("text", "ensemble")])
def test_bad_input_is_explained(bad, message):
    with pytest.raises(ValueError, match=message):
        fan_bands(bad, "waiting_list")


def test_a_level_must_be_a_share(runs):
    with pytest.raises(ValueError, match="between 0 and 1"):
        fan_bands(runs, "waiting_list", levels=(90,))
