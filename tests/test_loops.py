"""Finding feedback loops in hand-written diagrams and in models written apart from the course."""
from __future__ import annotations

import pytest

from cyp_dynamics import find_loops, load_model, model_diagram
from cyp_dynamics.analysis import causal_diagram, describe_loops

from .conftest import TEST_MODELS


def loop_sets(loops) -> dict[frozenset, str]:
    """Each loop's variables (lower case, as a set) mapped to its polarity."""
    return {frozenset(v.lower() for v in row.variables): row.polarity for row in loops.itertuples()}


# ---- models written for the tests ---------------------------------------------------------
def test_sir_has_infection_r_depletion_b_and_recovery_b():
    loops = find_loops(TEST_MODELS / "sir.mdl")
    assert loop_sets(loops) == {
        frozenset({"infected", "infections"}): "R",  # more infected, more infections, more infected
        frozenset({"susceptible", "infections"}): "B",  # infections use up the susceptible
        frozenset({"infected", "recoveries"}): "B",  # the infected recover
    }
    assert not loops.uncertain.any()
    assert set(loops.loop) == {"R1", "B1", "B2"}


def test_sir_flows_and_stocks_are_marked_from_the_integ_equations():
    diagram = model_diagram(TEST_MODELS / "sir.mdl")
    kinds = diagram.kinds
    assert {k for k, v in kinds.items() if v == "stock"} == {"susceptible", "infected", "recovered"}
    assert {k for k, v in kinds.items() if v == "flow"} == {"infections", "recoveries"}
    links = diagram.links_table().set_index(["source", "target"])
    assert links.loc[("Infections", "Susceptible"), ["polarity", "kind"]].tolist() == ["-", "outflow"]
    assert links.loc[("Infections", "Infected"), ["polarity", "kind"]].tolist() == ["+", "inflow"]
    assert links.loc[("Susceptible", "Infections"), "polarity"] == "+"


def test_tea_cup_has_one_balancing_loop():
    loops = find_loops(TEST_MODELS / "tea_cup.xmile")
    assert len(loops) == 1
    row = loops.iloc[0]
    assert (row.loop, row.polarity, row.length) == ("B1", "B", 2)
    assert row.variables == ["Tea temperature", "Heat loss"]


def test_constants_never_make_loops_but_can_be_shown():
    with_constants = model_diagram(TEST_MODELS / "tea_cup.xmile", constants=True)
    assert "room_temperature" in with_constants.labels
    link = with_constants.links_table().set_index(["source", "target"]).loc[("Room temperature", "Heat loss")]
    assert link.polarity == "-"  # a warmer room slows the cooling
    assert len(find_loops(with_constants)) == 1


def test_smooth_passes_its_input_on_with_a_delay_in_a_pysd_only_model():
    diagram = model_diagram(TEST_MODELS / "smoothing.mdl")  # SMOOTH: runs through pysd
    link = diagram.links_table().set_index(["source", "target"]).loc[("Demand", "Perceived demand")]
    assert (link.polarity, link.delay, link.uncertain) == ("+", True, False)
    assert find_loops(diagram).empty


# ---- the course's waiting-list model ------------------------------------------------------
def test_camhs_waiting_list_has_two_balancing_loops():
    loops = find_loops(load_model("camhs_waiting_list"))
    assert loop_sets(loops) == {
        frozenset({"waiting list", "closures before treatment"}): "B",
        frozenset({"waiting list", "treatment starts"}): "B",
    }


def test_camhs_treatment_starts_link_is_uncertain_while_capacity_binds():
    """By default capacity, not the list, limits starts: the list has no effect on them."""
    diagram = model_diagram("camhs_waiting_list")
    link = diagram.links_table().set_index(["source", "target"]).loc[("Waiting list", "Treatment starts")]
    assert (link.polarity, link.uncertain) == ("+", True)
    assert "no effect" in link.note
    loops = find_loops(diagram).set_index("name")
    assert loops.loc["Waiting list → Treatment starts → Waiting list", "uncertain"]
    assert not loops.loc["Waiting list → Closures before treatment → Waiting list", "uncertain"]


def test_camhs_link_is_certain_when_the_list_limits_starts():
    small_list = {"initial_waiting_list": 0, "referrals_accepted_per_month": 50}
    diagram = model_diagram("camhs_waiting_list", params=small_list, at_time=0)
    link = diagram.links_table().set_index(["source", "target"]).loc[("Waiting list", "Treatment starts")]
    assert (link.polarity, link.uncertain) == ("+", False)


def test_at_time_outside_the_run_is_explained():
    with pytest.raises(ValueError, match="at_time must be within the run"):
        model_diagram("camhs_waiting_list", at_time=99)


def test_hiding_an_unknown_variable_lists_the_variables():
    with pytest.raises(ValueError, match="not a variable.*waiting_list"):
        model_diagram("camhs_waiting_list", hide=["waiting lists"])


# ---- hand-written diagrams ----------------------------------------------------------------
FIGURE_EIGHT = """
waiting list -> closures (+)
closures -> waiting list (-)
waiting list -> pressure on staff (+)
pressure on staff -> staff leaving (+, delay)
staff leaving -> treatment capacity (-)
treatment capacity -> waiting list (-)
"""


def test_figure_eight_with_a_shared_variable_gives_two_loops():
    loops = find_loops(FIGURE_EIGHT)
    assert loop_sets(loops) == {
        frozenset({"waiting list", "closures"}): "B",
        frozenset({"waiting list", "pressure on staff", "staff leaving", "treatment capacity"}): "R",
    }
    burnout = loops.set_index("loop").loc["R1"]
    assert burnout.variables[0] == "waiting list"  # starts where the diagram starts
    assert burnout.delays == 1 and burnout.length == 4


def test_a_diagram_with_no_loops_gives_an_empty_table():
    loops = find_loops("poverty -> stress (+)\nstress -> referrals (+)")
    assert loops.empty and list(loops.columns)[:3] == ["loop", "polarity", "variables"]
    assert "No feedback loops" in describe_loops(loops)


def test_tuples_and_text_give_the_same_loops():
    tuples = [("waiting list", "closures", "+"), ("closures", "waiting list", "-"),
              ("waiting list", "pressure on staff", "+"), ("pressure on staff", "staff leaving", "+", "delay"),
              ("staff leaving", "treatment capacity", "-"), ("treatment capacity", "waiting list", "-")]
    assert find_loops(tuples).equals(find_loops(FIGURE_EIGHT))


def test_names_match_ignoring_case_and_spaces():
    loops = find_loops("Waiting  list -> closures (+)\nclosures -> waiting list (-)")
    assert len(loops) == 1 and loops.iloc[0].variables == ["Waiting list", "closures"]


def test_two_negative_links_make_a_reinforcing_loop():
    loops = find_loops("early help -> crises (-)\ncrises -> early help funding (-)\n"
                       "early help funding -> early help (+, delay)")
    assert loops.iloc[0].polarity == "R" and loops.iloc[0].loop == "R1"


def test_extending_a_diagram_adds_loops():
    base = causal_diagram("waiting list -> closures (+)\nclosures -> waiting list (-)")
    bigger = base.extended("waiting list -> average wait (+)\naverage wait -> referrals (-)\n"
                           "referrals -> waiting list (+)")
    assert len(base.loops()) == 1 and len(bigger.loops()) == 2


@pytest.mark.parametrize("text, message", [
    ("waiting list -> average wait", r"Line 1: .*no polarity in brackets"),
    ("\n\nwaiting list average wait (+)", r"Line 3: .*no arrow"),
    ("a -> b (+)\nb -> c -> d (+)", r"Line 2: .*more than one arrow"),
    ("a -> b (up)", r"Line 1: .*'up' is not a polarity"),
    ("a -> b (delay)", r"Line 1: .*no polarity"),
    ("a -> b (+, -)", r"Line 1: .*two polarities"),
    ("a -> a (+)", r"Line 1: .*points to itself"),
    (" -> b (+)", r"Line 1: .*no variable name before the arrow"),
    ("a -> b (+)\na -> b (-)", r"Line 2: .*twice with different polarities"),
    ("# only a comment", r"no links"),
    ("   ", r"no links"),
])
def test_malformed_lines_say_which_line_and_what_to_write(text, message):
    with pytest.raises(ValueError, match=message):
        find_loops(text)


@pytest.mark.parametrize("links, message", [
    ([("a", "b")], r"Link 1: .*\(source, target, polarity\)"),
    ([("a", "b", "+"), ("b", "a", "plus")], r"Link 2: .*'plus' is not a polarity"),
    (42, "one link per line"),
])
def test_malformed_tuples_are_explained(links, message):
    with pytest.raises(ValueError, match=message):
        causal_diagram(links)


def test_an_unknown_model_name_is_explained():
    with pytest.raises(ValueError, match="no course model called"):
        find_loops("waiting-list-model")


# ---- subscripted models: one node per variable, as Vensim draws them ---------------------
def test_regions_loops_are_found_across_subscripts():
    loops = find_loops(TEST_MODELS / "regions.mdl")
    assert loop_sets(loops) == {
        frozenset({"waiting", "seen"}): "B",  # appointments empty the list
        frozenset({"waiting", "escalated"}): "B",  # escalation drains the routine list...
        # ...and refers urgent cases: a loop only when subscripts are collapsed (routine to urgent)
        frozenset({"waiting", "escalated", "referrals"}): "R",
        # more waiting of one urgency takes appointments from the other (shared by weight)
        frozenset({"waiting", "weighted waiting", "seen"}): "R",
    }
    assert not loops.uncertain.any()
    links = model_diagram(TEST_MODELS / "regions.mdl").links_table().set_index(["source", "target"])
    assert "joins different elements" in links.loc[("Escalated", "Referrals"), "note"]
    assert links.loc[("Waiting", "Escalated"), "note"] == ""


@pytest.fixture(scope="module")
def poverty_diagram():
    return model_diagram("child_poverty_and_health")


def test_subscripted_course_model_draws_every_variable_once_with_its_stock_flows(poverty_diagram):
    kinds = poverty_diagram.kinds
    assert {"children_not_in_poverty", "children_in_new_poverty", "children_in_persistent_poverty",
            "year_6_obesity", "births_to_date"} <= {k for k, v in kinds.items() if v == "stock"}
    assert len(kinds) > 30 and not any("[" in label for label in poverty_diagram.variables)
    assert "years_in_age_band" not in kinds  # a list of numbers: a constant, hidden by default
    assert model_diagram("child_poverty_and_health", constants=True).kinds["years_in_age_band"] == "constant"
    links = poverty_diagram.links_table()
    assert not links.duplicated(["source", "target"]).any()
    links = links.set_index(["source", "target"])
    expected = {
        ("Ageing in new poverty", "Children in new poverty"): ("+", "inflow"),
        ("Ageing out new poverty", "Children in new poverty"): ("-", "outflow"),
        ("Entries to poverty", "Children not in poverty"): ("-", "outflow"),
        ("Entries to poverty", "Children in new poverty"): ("+", "inflow"),
        ("Poverty becoming persistent", "Children in persistent poverty"): ("+", "inflow"),
        ("Exits from persistent poverty", "Children not in poverty"): ("+", "inflow"),
    }
    for pair, (polarity, kind) in expected.items():
        assert links.loc[pair, ["polarity", "kind", "uncertain"]].tolist() == [polarity, kind, False], pair
    # estimated across elements: more children in a band, more leave it as they grow older;
    # a higher exit rate in a place empties its poverty stocks faster
    assert links.loc[("Children in new poverty", "Ageing out new poverty"), "polarity"] == "+"
    assert links.loc[("Exit rate now", "Exits from new poverty"), "polarity"] == "+"
    assert links.loc[("Poverty share of band", "Share of births into poverty"), "polarity"] == "+"
    # the ageing chain passes children to the band above: marked, as its "loops" never close
    notes = links.note[links.note.str.contains("joins different elements")]
    assert sorted(notes.index.get_level_values("target")) == [
        "Ageing in new poverty", "Ageing in not in poverty", "Ageing in persistent poverty"]
    # 0 * Births: no effect, so no direction is claimed
    assert links.loc[("Births", "Ageing in persistent poverty"), ["polarity", "uncertain"]].tolist() == ["?", True]


def test_exits_from_poverty_make_balancing_loops_with_the_poverty_stocks(poverty_diagram):
    loops = loop_sets(find_loops(poverty_diagram))
    assert loops[frozenset({"children in new poverty", "exits from new poverty"})] == "B"
    assert loops[frozenset({"children in persistent poverty", "exits from persistent poverty"})] == "B"
    # leaving poverty and falling back in: a reinforcing exchange between the two stocks
    assert loops[frozenset({"children not in poverty", "entries to poverty", "children in new poverty",
                            "exits from new poverty"})] == "R"
    assert loops[frozenset({"year 6 obesity", "change in year 6 obesity"})] == "B"


def test_a_subscripted_model_the_engine_cannot_evaluate_gets_uncertain_links(tmp_path):
    """The computer's clock sends the model to pysd and a subrange stops the diagram evaluating
    Growth: stock flows keep their signs, other links are '?'."""
    path = tmp_path / "subrange.mdl"
    path.write_text(
        "{UTF-8}\nAge: a, b, c\n~~|\nYoung: a, b\n~~|\n"
        "Growth rate[Age]= 0.1 + 0 * GET TIME VALUE(2, 0, 7)\n~~|\n"
        "Population[Age]= INTEG(Growth[Age], 1)\n~~|\n"
        "Growth[Young]= Population[Young]*Growth rate[Young] ~~|\n"
        "Growth[c]= Population[c]*Growth rate[c]\n~~|\n"
        "FINAL TIME = 4\n~~|\nINITIAL TIME = 0\n~~|\nSAVEPER = 1\n~~|\nTIME STEP = 1\n~~|\n")
    model = load_model(path)
    assert model.engine == "pysd"
    links = model_diagram(model).links_table().set_index(["source", "target"])
    assert links.loc[("Growth", "Population"), ["polarity", "kind", "uncertain"]].tolist() == ["+", "inflow", False]
    link = links.loc[("Population", "Growth")]
    assert (link.polarity, link.uncertain) == ("?", True)
    assert "could not be evaluated" in link.note
    loops = find_loops(model)
    assert loops.polarity.tolist() == ["?"] and loops.uncertain.all()


MODEL_WITH_RENAMED_NAMES = """{UTF-8}
Input = 3
	~	people/Month
	~	|
Gain = Input * 2
	~	people/Month
	~	|
Pool = INTEG(Gain - Loss, 10)
	~	people
	~	|
Loss = Pool / 5
	~	people/Month
	~	|
INITIAL TIME = 0
	~	Month
	~	|
FINAL TIME = 10
	~	Month
	~	|
TIME STEP = 1
	~	Month
	~	|
SAVEPER = TIME STEP
	~	Month
	~	|
"""


def test_a_model_whose_names_pysd_renames_gets_its_polarities(tmp_path):
    """pysd calls 'Input' input_1 (input is a Python builtin); the diagram still evaluates it."""
    from cyp_dynamics import load_model, model_diagram

    path = tmp_path / "renamed.mdl"
    path.write_text(MODEL_WITH_RENAMED_NAMES)
    model = load_model(path)
    assert "input_1" in model.parameters.index
    diagram = model_diagram(model, constants=True)
    links = {(k.source, k.target): k for k in diagram.links}
    assert links[("input", "gain")].polarity == "+" and not links[("input", "gain")].uncertain
    assert links[("pool", "loss")].polarity == "+" and not links[("pool", "loss")].uncertain
    hidden = model_diagram(model, constants=True, hide=["input_1"])
    assert "input" not in hidden.labels
