"""The units check: every course model is dimensionally consistent, and planted errors are found."""
from __future__ import annotations

from pathlib import Path

import pytest

from cyp_dynamics.analysis.units import COLUMNS, check_units, units_table
from cyp_dynamics.models import list_models

CONTROL = """
FINAL TIME = 12
	~	Month
	~	The final time.
	|
INITIAL TIME = 0
	~	Month
	~	The initial time.
	|
SAVEPER = 1
	~	Month
	~	Saved every month.
	|
TIME STEP = 0.25
	~	Month
	~	The time step.
	|
"""

GOOD = {
    "Waiting list": ("INTEG(Referrals-Treatment starts, 100)", "children"),
    "Referrals": ("Referrals per month", "children/Month"),
    "Referrals per month": ("50", "children/Month [0,100]"),
    "Treatment starts": ("MIN(Waiting list/Shortest wait, Clinicians*Starts per clinician)",
                         "child/Month"),  # singular and plural are one unit
    "Shortest wait": ("1", "Month [0.5,3]"),
    "Clinicians": ("10", "FTE [1,50]"),
    "Starts per clinician": ("4", "children/(FTE*Month) [1,10]"),
    "Spare capacity": ("MAX(0, Clinicians*Starts per clinician-Treatment starts)", "children/Month"),
    "Yearly referrals": ("Referrals*Months per year", "children/Year"),
    "Months per year": ("12", "Month/Year", "=="),
    "Growth": ("EXP(Growth percent per year/100*Time/Months per year)", "Dmnl"),
    "Growth percent per year": ("2", "percent/Year [0,10]"),
    "Cost": ("Treatment starts*Cost per start", "thousand pounds/Month"),
    "Cost per start": ("1.2", "thousand pounds/children [0,5]"),
}


def write_model(folder: Path, changes: dict[str, tuple] | None = None, name: str = "planted.mdl") -> Path:
    """A small consistent waiting-list model, with `changes` to some of its equations."""
    variables = {**GOOD, **(changes or {})}
    blocks = ["{UTF-8}"]
    for label, (equation, unit, *assign) in variables.items():
        sign = assign[0] if assign else "="
        blocks.append(f"{label}{sign}\n\t{equation}\n\t~\t{unit}\n\t~\t{label}.\n\t|\n")
    path = folder / name
    path.write_text("\n".join(blocks) + CONTROL, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(list_models()["name"]))
def test_every_course_model_is_dimensionally_consistent(name):
    problems = check_units(name)
    assert list(problems.columns) == COLUMNS
    assert problems.empty, problems.to_string()


def test_a_consistent_model_has_no_problems(tmp_path):
    assert check_units(write_model(tmp_path)).empty


def test_children_added_to_children_per_month_is_found(tmp_path):
    path = write_model(tmp_path, {"Referrals": ("Referrals per month+Waiting list", "children/Month")})
    problems = check_units(path)
    assert list(problems.variable) == ["Referrals"]
    row = problems.iloc[0]
    assert "Referrals per month" in row.equation and "Waiting list" in row.equation
    assert "children / month" in row.what_to_fix and "children" in row.what_to_fix
    assert "added or subtracted" in row.what_to_fix


def test_a_flow_in_the_wrong_units_for_its_stock_is_found(tmp_path):
    path = write_model(tmp_path, {"Waiting list": ("INTEG(Referrals*Shortest wait, 100)", "children")})
    problems = check_units(path)
    assert list(problems.variable) == ["Waiting list"]
    row = problems.iloc[0]
    assert (row.left_units, row.right_units) == ("children / month", "children")
    assert "net flow into the stock 'Waiting list'" in row.what_to_fix


def test_a_starting_value_in_the_wrong_units_is_found(tmp_path):
    path = write_model(tmp_path, {"Waiting list": ("INTEG(Referrals-Treatment starts, Referrals)",
                                                   "children")})
    row = check_units(path).iloc[0]
    assert row.equation.startswith("starting value") and "own units" in row.what_to_fix


def test_months_and_years_mixed_without_a_conversion_are_found_with_the_factor(tmp_path):
    path = write_model(tmp_path, {"Yearly referrals": ("Referrals*12", "children/Year")})
    row = check_units(path).set_index("variable").loc["Yearly referrals"]
    assert (row.left_units, row.right_units) == ("children / year", "children / month")
    assert "same kind of quantity" in row.what_to_fix and "12" in row.what_to_fix


def test_units_inside_exp_and_a_bare_number_for_a_conversion_are_found(tmp_path):
    path = write_model(tmp_path, {"Growth": ("EXP(Growth percent per year/100*Time/12)", "Dmnl")})
    row = check_units(path).set_index("variable").loc["Growth"]
    assert "EXP" in row.what_to_fix and "no units" in row.what_to_fix


def test_money_in_pounds_against_thousands_of_pounds_is_found(tmp_path):
    path = write_model(tmp_path, {"Cost per start": ("1200", "GBP/children [0,5000]")})
    row = check_units(path).set_index("variable").loc["Cost"]
    assert "thousand_pounds" in row.left_units and "GBP" in row.right_units
    assert "1000" in row.what_to_fix or "0.001" in row.what_to_fix


def test_missing_and_unreadable_units_say_what_to_write(tmp_path):
    path = write_model(tmp_path, {"Spare capacity": ("Clinicians*Starts per clinician", "children//Month"),
                                  "Growth": ("1", "")})
    problems = check_units(path).set_index("variable")
    assert "cannot be read" in problems.loc["Spare capacity", "what_to_fix"]
    assert "No units given" in problems.loc["Growth", "what_to_fix"]


def test_the_problems_table_is_for_people(tmp_path):
    path = write_model(tmp_path, {"Referrals": ("Referrals per month+Waiting list", "children/Month")})
    html = units_table(check_units(path))._repr_html_()
    assert "What to fix" in html and "Declared units" in html and "dtype" not in html


def test_check_units_wants_a_model():
    with pytest.raises(TypeError, match="model, a course model's name or a model file's path"):
        check_units(42)
    with pytest.raises(ValueError, match="no course model called"):
        check_units("no_such_model")


def test_an_error_in_a_subscripted_equation_is_found(tmp_path):
    from cyp_dynamics.models import models_folder

    text = (models_folder() / "child_poverty_and_health.mdl").read_text(encoding="utf-8")
    planted = text.replace("Children per place[Place]/Years of childhood", "Children per place[Place]", 1)
    assert planted != text
    path = tmp_path / "poverty_planted.mdl"
    path.write_text(planted, encoding="utf-8")
    problems = check_units(path)
    assert list(problems.variable) == ["Births"]
    assert (problems.left_units[0], problems.right_units[0]) == ("children / year", "children")
