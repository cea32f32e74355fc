"""Behaviour of the child poverty ageing chain (module 05): books, places, shares, decay, levers.

The model has Vensim subscripts (place, age band); the numpy engine compiles them (checked
against pysd in tests/test_engine.py). Runs are shared through module-scoped fixtures and
`module05.run`'s cache.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cyp_dynamics import load_model, sample_parameters
from cyp_dynamics.analysis import declines
from cyp_dynamics.charts import output_titles
from cyp_dynamics.course import module05
from cyp_dynamics.data import figure
from cyp_dynamics.models import by_element, tidy_elements
from cyp_dynamics.models.model import column_name, output_of
from cyp_dynamics.models.subscripts import split_column

PLACES = ["coastal", "inner_city", "uk_average"]
AGES = ["age_0_4", "age_5_10", "age_11_15", "age_16_17"]
STOCKS = ["children_not_in_poverty", "children_in_new_poverty", "children_in_persistent_poverty"]
PER_PLACE = {"coastal": "coastal", "inner_city": "inner_city", "uk_average": "uk"}


@pytest.fixture(scope="module")
def model():
    return load_model("child_poverty_and_health")


@pytest.fixture(scope="module")
def base():
    return module05.run()


def chain_total(run, place):
    return sum(run[f"{stock}[{place},{age}]"] for stock in STOCKS for age in AGES)


# ---- the library reads subscripted runs ----------------------------------------------------
def test_subscripted_outputs_get_one_column_per_element(model, base):
    assert model.engine == "numpy"
    assert base.index.name == "year" and base.index[0] == 2010 and base.index[-1] == 2040
    assert {f"poverty_share[{p}]" for p in PLACES} <= set(base.columns)
    assert "children_in_persistent_poverty[inner_city,age_5_10]" in base.columns
    assert {output_of(c) for c in base.columns} == set(model.outputs)
    assert model.check_outputs(["poverty_share[coastal]"]) == ["poverty_share[coastal]"]
    with pytest.raises(ValueError, match="Unknown output"):
        model.check_outputs(["poverty_shar[coastal]"])
    titles = output_titles(model, ["poverty_share_percent[coastal]"])
    assert titles == {"poverty_share_percent[coastal]": "Poverty share percent, coastal (%)"}


def test_column_names_keep_subscripts_and_plain_names_are_unchanged():
    assert column_name("Poverty share[coastal]") == "poverty_share[coastal]"
    assert column_name("children[inner_city, age_0_4]") == "children[inner_city,age_0_4]"
    assert column_name("Waiting list") == "waiting_list"
    assert split_column("children[coastal,age_0_4]") == ("children", ("coastal", "age_0_4"))
    assert split_column("waiting_list") == ("waiting_list", ())


def test_by_element_and_tidy_elements(base):
    shares = by_element(base, "poverty_share")
    assert list(shares.columns) == PLACES
    band = by_element(base, "children", age_band="age_5_10")
    assert list(band.columns) == PLACES
    tidy = tidy_elements(base, ["children"], ["place", "age_band"])
    assert len(tidy) == len(base) * len(PLACES) * len(AGES)
    with pytest.raises(ValueError, match="no element"):
        by_element(base, "children", age_band="age_5_11")
    with pytest.raises(ValueError, match="has no output called"):
        by_element(base, "childrn")
    with pytest.raises(ValueError, match="dimension"):
        tidy_elements(base, ["children"], ["place"])


# ---- conservation --------------------------------------------------------------------------
@pytest.mark.parametrize("params", [{}, {"exit_rise_percent": 30, "entry_cut_percent": 20,
                                         "shock_entry_rise_percent": 80}])
def test_births_in_equal_adulthood_out_plus_change_in_the_chain(params):
    """No child is lost or invented: chain now = chain at start + births - turned 18."""
    run = module05.run(params)
    for place in PLACES:
        total = chain_total(run, place)
        books = total.iloc[0] + run[f"births_to_date[{place}]"] - run[f"reached_adulthood_to_date[{place}]"]
        assert (books - total).abs().max() <= 1e-9 * total.max()
        # births balance the 18th birthdays, so each place keeps its number of children
        assert total.iloc[-1] == pytest.approx(total.iloc[0], rel=0.01)


# ---- places: same structure, local numbers -------------------------------------------------
def test_a_place_given_another_places_numbers_behaves_exactly_like_it(model):
    """The subscripted run equals the same model run place by place: copy the inner city's
    constants into the coastal district and every coastal column matches the inner city's."""
    defaults = model.parameters["default"]
    copied = {name.replace("inner_city", "coastal"): float(value)
              for name, value in defaults.items() if name.startswith("inner_city")}
    run = module05.run({**copied, "exit_rise_percent": 10})
    coastal = [c for c in run.columns if "[coastal" in c]
    assert len(coastal) > 30
    for column in coastal:
        np.testing.assert_allclose(run[column], run[column.replace("[coastal", "[inner_city")],
                                   rtol=1e-12, atol=1e-9, err_msg=column)


def test_places_differ_only_where_their_numbers_differ(base):
    final = by_element(base, "poverty_share").iloc[-1]
    assert final["inner_city"] > final["coastal"] > final["uk_average"]


# ---- shares stay shares --------------------------------------------------------------------
def test_shares_stay_between_zero_and_one_and_stocks_non_negative_over_random_draws(model):
    draws = sample_parameters(model, runs=6, seed=5)
    for _, row in draws.iterrows():
        run = model.run(row.to_dict(), 15)
        for variable in ["poverty_share", "poverty_share_of_band", "persistent_poverty_share_of_band",
                         "share_of_births_into_poverty", "year_6_obesity",
                         "mental_health_difficulties_11_to_15", "early_years_support_reaching_school_age"]:
            values = by_element(run, variable).to_numpy()
            assert values.min() >= 0 and values.max() <= 1, (variable, row.to_dict())
        for stock in STOCKS:
            assert by_element(run, stock).to_numpy().min() >= 0, (stock, row.to_dict())


# ---- with no way in, poverty decays at its exit rate ---------------------------------------
def test_without_entries_new_poverty_decays_as_its_exit_rates_imply(model):
    """No entries and no babies born into poverty: new spells among 0-4 year olds leave by exits,
    by becoming persistent and by ageing, so they fall as exp(-k t) (Euler: (1 - k dt)^n)."""
    no_entry = {f"{prefix}_poverty_entry_rate": 0 for prefix in PER_PLACE.values()}
    run = model.run({**no_entry, "births_into_poverty_multiplier": 0}, 10)
    defaults = model.parameters["default"]
    dt = 0.5
    for place, prefix in PER_PLACE.items():
        k = defaults[f"{prefix}_poverty_exit_rate"] + 1 / defaults["years_until_poverty_is_persistent"] + 1 / 5
        stock = run[f"children_in_new_poverty[{place},age_0_4]"]
        years = stock.index - stock.index[0]
        euler = stock.iloc[0] * (1 - k * dt) ** (years / dt)
        np.testing.assert_allclose(stock, euler, rtol=1e-9)
        # Against the exact exp(-k t): the half-year step halves the stock within one step
        # of the true half-life ln 2 / k (Euler runs ahead: it ends spells a little early).
        halved = stock.index[stock <= stock.iloc[0] / 2][0] - stock.index[0]
        assert abs(halved - math.log(2) / k) <= dt
        assert stock.iloc[-1] == pytest.approx(stock.iloc[0] * math.exp(-k * 10), abs=0.01 * stock.iloc[0])
        assert declines(by_element(run, "children_in_poverty", place=place).sum(axis=1))


# ---- calibration to the published series ---------------------------------------------------
def test_uk_average_place_starts_at_hbai_2010_and_stays_near_the_recent_rates(base):
    start = figure("hbai_child_poverty_uk", "children_relative_low_income_ahc_share", "2010/11")
    assert base["poverty_share_percent[uk_average]"].iloc[0] == pytest.approx(start)
    table = module05.hbai_comparison(base)
    assert table["difference (points)"].abs().max() <= 1.5


# ---- levers and delays ---------------------------------------------------------------------
def test_income_measures_lower_poverty_then_outcomes_with_a_delay(base):
    policy = module05.run(module05.EXITS_UP_A_TENTH)
    before = base.index < module05.POLICY_START_YEAR
    assert np.allclose(policy.loc[before, "poverty_share[uk_average]"],
                       base.loc[before, "poverty_share[uk_average]"])
    for place in PLACES:
        for variable in ["poverty_share", "year_6_obesity", "camhs_referrals_from_11_to_15s"]:
            assert policy[f"{variable}[{place}]"].iloc[-1] < base[f"{variable}[{place}]"].iloc[-1]
    long_base = module05.run(years=module05.LONG_RUN_YEARS)
    long_policy = module05.run(module05.EXITS_UP_A_TENTH, module05.LONG_RUN_YEARS)
    poverty = module05.response_delay(long_base, long_policy, "poverty_share[uk_average]")
    obesity = module05.response_delay(long_base, long_policy, "year_6_obesity[uk_average]")
    assert 0 < poverty < obesity <= 10


def test_a_cost_of_living_shock_leaves_poverty_higher_after_it_ends(base):
    shocked = module05.run(module05.SHOCK)
    column = "poverty_share[uk_average]"
    assert shocked[column].loc[2024] > base[column].loc[2024] + 0.01
    assert shocked[column].loc[2030] > base[column].loc[2030]
    assert module05.shock_legacy_points() > 0


def test_early_years_support_lowers_obesity_but_not_poverty(base):
    supported = module05.run({"early_years_support_coverage": 1})
    assert np.allclose(supported["poverty_share[inner_city]"], base["poverty_share[inner_city]"])
    assert supported["year_6_obesity[inner_city]"].iloc[-1] < base["year_6_obesity[inner_city]"].iloc[-1]


def test_response_delay_of_an_unchanged_output_is_nan(base):
    assert math.isnan(module05.response_delay(base, base, "poverty_share[coastal]"))


# ---- charts and the scenario picker (exercises are tested in test_module05_exercises.py) ---
def test_charts_are_titled_with_units(base):
    chain = module05.chain_chart(base, "coastal").to_dict()
    assert "coastal district" in str(chain["title"])
    gap = module05.place_gap_chart(base, "Poverty by place").to_dict()
    assert "% of children" in str(gap)
    with pytest.raises(ValueError, match="place must be one of"):
        module05.chain_chart(base, "london")


def test_compare_policies_shows_the_chosen_scenarios_only():
    picker = module05.compare_policies(["base", "early_years_support"], place="coastal")
    table = picker.value_table()
    assert len(table) == 2
    assert table.iloc[0].tolist() == table.iloc[1].tolist()  # early years support leaves poverty alone
    with pytest.raises(KeyError, match="choose from"):
        module05.compare_policies(["base", "no_such_policy"])


def test_group_charts_name_a_missing_column(base):
    from cyp_dynamics.charts import gap_chart, stacked_areas

    frame = by_element(base, "poverty_share_percent")
    with pytest.raises(ValueError, match="no column"):
        gap_chart(frame, "london", title="t", y_title="Share (percent)", time_title="Year")
    with pytest.raises(ValueError, match="no column"):
        stacked_areas(frame.reset_index(), x="year", y="value", stack="status", title="t",
                      x_title="Year", y_title="Children", stack_title="Status")
