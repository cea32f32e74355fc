"""Local series for module 07: dates, gaps and bad files explained; starting points and fits."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyp_dynamics import load_model
from cyp_dynamics.data import LocalDataError
from cyp_dynamics.data.local_series import (
    compare_with_national,
    fit_to_series,
    read_local_series,
    series_from_table,
    starting_point,
)


def _csv(tmp_path: Path, text: str | bytes, name: str = "local.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("text, message", [
    ("month,waiting_list\n2024-01,2280\n2024-01,2300\n", "repeats '2024-01'"),
    ("month,waiting_list\n2024-02,2280\n2024-01,2300\n", "not in order"),
    ("month,waiting_list\n2024-13,2280\n2024-14,2300\n", "not a month"),
    ("month,waiting_list\nsoon,2280\nlater,2300\n", "neither a month"),
    ("when,waiting_list\n2024-01,2280\n", "no column of months or years"),
    ("month\n2024-01\n", "only the column"),
    ("month,waiting_list\n2024-01,#N/A\n2024-02,2300\n", "#N/A"),
    ("month,waiting_list\n2024-01,*\n2024-02,*\n", "Every value is suppressed"),
    ("month,waiting_list\n2024-01,-5\n2024-02,10\n", "negative"),
    ("month,waiting_list\n,2280\n2024-02,2300\n", "blank"),
    ("", "empty"),
    (b"PK\x03\x04 not a csv", "Excel workbook"),
])
def test_bad_local_files_say_what_to_fix(tmp_path, text, message):
    with pytest.raises(LocalDataError, match=message.replace("(", r"\(")):
        read_local_series(_csv(tmp_path, text))


def test_gaps_and_suppressed_values_are_reported_not_refused(tmp_path):
    series = read_local_series(_csv(tmp_path, "Month;Waiting list\nJan 2024;2.280\nFeb 2024;*\n"
                                              "May 2024;2.250,5\n"))
    assert series.step == "month" and list(series.values.index) == [0, 1, 4]
    assert "2 months missing between Feb 2024 and May 2024" in series.warnings[0]
    assert "suppressed" in series.warnings[1]
    assert series.values.iloc[2] == pytest.approx(2250.5)


def test_financial_years_and_the_national_comparison():
    series = series_from_table(["2021/22", "2022/23"], [20.0, 22.0])
    assert series.step == "year" and list(series.calendar_times) == [2021.5, 2022.5]
    said = compare_with_national(22.3, 19.8)
    assert said["gap"] == pytest.approx(2.5) and "above" in said["sentence"]


def test_a_monthly_series_sets_the_start_and_is_calibrated():
    model = load_model("camhs_waiting_list")
    truth = model.run({"closure_rate": 0.09, "initial_waiting_list": 1800})
    series = series_from_table([f"2024-{m:02d}" for m in range(1, 13)], truth.waiting_list.loc[0:11].to_numpy())
    start = starting_point(model, series)
    assert start == {"initial_waiting_list": pytest.approx(1800)}
    fit = fit_to_series(model, series, fixed=start)
    assert fit.how == "calibrated" and fit.parameters["closure_rate"] == pytest.approx(0.09, rel=1e-3)


def test_one_yearly_figure_is_matched_and_says_it_tests_nothing():
    model = load_model("child_poverty_and_health")
    series = series_from_table(["2022/23"], [22.3])
    fit = fit_to_series(model, series, fixed=starting_point(model, series))
    assert fit.how == "matched" and "does not test" in fit.message
    run = model.run({**starting_point(model, series), **fit.parameters})
    assert run["poverty_share_percent[inner_city]"].loc[2022.5] == pytest.approx(22.3, abs=0.01)


def test_a_series_of_the_wrong_step_or_model_is_refused():
    model = load_model("camhs_waiting_list")
    with pytest.raises(LocalDataError, match="year by year"):
        starting_point(model, series_from_table(["2022", "2023"], [1, 2]))
    with pytest.raises(LocalDataError, match="set its sliders"):
        starting_point(load_model("camhs_system"), series_from_table(["2022-01"], [1]))
