"""Voice as data: the safeguards refuse what they must, and links merge into named loops."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cyp_dynamics.data.voice import (
    MIN_GROUP_SIZE,
    Quote,
    QuoteRefused,
    VoiceError,
    example_voice_folder,
    lead_outputs,
    load_voice,
    merge_links,
    quote_html,
)


def _quote(**changes) -> Quote:
    fields = {"quote_id": "Q", "session": "S1", "group": "g", "age_band": "16-18", "consent": True,
              "guardian_consent": False, "verbatim": True, "text": "[placeholder]", "group_size": 8}
    return Quote(**{**fields, **changes})


def test_a_quote_with_consent_session_and_a_big_enough_group_is_shown_unchanged():
    assert _quote().showable_text() == "[placeholder]"


@pytest.mark.parametrize("changes, why", [
    ({"consent": False}, "no consent"),
    ({"session": ""}, "session identifier"),
    ({"verbatim": False}, "generated or paraphrased"),
    ({"age_band": "13-15"}, "guardian"),
    ({"age_band": "under 16"}, "guardian"),
    ({"age_band": ""}, "guardian"),  # no age given: the safer case
    ({"group_size": MIN_GROUP_SIZE - 1}, "fewer than"),
    ({"group_size": None}, "fewer than"),
])
def test_each_safeguard_refuses_a_quote(changes, why):
    quote = _quote(**changes)
    with pytest.raises(QuoteRefused, match=why):
        quote.showable_text()
    assert "not shown" in quote_html(quote) and "[placeholder]" not in quote_html(quote)


def test_under_16_with_a_guardians_consent_may_be_shown():
    assert _quote(age_band="13-15", guardian_consent=True).showable_text() == "[placeholder]"


def test_small_groups_are_suppressed_from_links_votes_and_quotes():
    voice = load_voice(example_voice_folder())
    assert voice.synthetic
    assert voice.suppressed_groups == ["youth workers (session S2)"]
    for table in (voice.links, voice.votes, voice.groups):
        assert "youth workers" not in set(table["group"])
    assert voice.quote_table().set_index("quote").loc["Q6", "shown"] == "no"
    bigger = load_voice(example_voice_folder(), min_group_size=3)
    assert "youth workers" in set(bigger.links["group"])


def test_the_example_never_holds_real_words():
    voice = load_voice(example_voice_folder())
    assert all(q.text.startswith("[synthetic placeholder") for q in voice.quotes)


def test_links_merge_into_named_loops_with_their_provenance():
    links = pd.DataFrame({"session": ["S1", "S1", "S2", "S2"], "group": ["a", "b", "c", "c"],
                          "link": ["wait -> difficulties (+)", "Wait -> Difficulties (+)",
                                   "difficulties -> wait (+)", "difficulties -> help (+)"]})
    diagram, provenance = merge_links(links)
    assert len(diagram.links) == 3  # the same link from two groups is one link
    first = provenance.iloc[0]
    assert first["groups"] == 2 and first["drawn_by"] == "S1: a; S1: b"
    from cyp_dynamics.analysis.loops import find_loops

    loops = find_loops(diagram)
    assert list(loops["loop"]) == ["R1"] and loops["name"].iloc[0] == "wait → difficulties → wait"


def test_disagreeing_groups_make_a_link_uncertain():
    links = pd.DataFrame({"session": ["S1", "S2"], "group": ["a", "b"],
                          "link": ["x -> y (+)", "x -> y (-)"]})
    diagram, provenance = merge_links(links)
    assert diagram.links[0].polarity == "?" and diagram.links[0].uncertain
    assert "disagree" in provenance["note"].iloc[0]


def test_a_badly_written_link_says_where(tmp_path: Path):
    folder = tmp_path / "voice"
    shutil.copytree(example_voice_folder(), folder)
    (folder / "links.csv").write_text("session,group,link\nS1,young people 16-18,money -> stress\n")
    with pytest.raises(VoiceError, match="links.csv row 2.*polarity"):
        load_voice(folder).diagram()


def test_a_group_not_listed_or_a_missing_file_is_refused(tmp_path: Path):
    folder = tmp_path / "voice"
    shutil.copytree(example_voice_folder(), folder)
    (folder / "votes.csv").write_text("session,group,priority,dots\nS9,nobody,x,3\n")
    with pytest.raises(VoiceError, match="groups.csv does not list"):
        load_voice(folder)
    (folder / "votes.csv").unlink()
    with pytest.raises(VoiceError, match="no votes.csv"):
        load_voice(folder)


def test_dot_votes_choose_the_outputs_the_brief_leads_with():
    voice = load_voice(example_voice_folder())
    assert list(voice.priorities()["priority"])[:2] == ["mental health difficulties", "children in poverty"]
    assert lead_outputs(voice.votes, {"children in poverty": "p", "mental health difficulties": "m"}) == ["m", "p"]


def test_the_dataset_summary_agrees_with_the_groups_file():
    folder = example_voice_folder()
    data = pd.read_csv(folder / "data.csv")
    groups = pd.read_csv(folder / "groups.csv")
    assert list(data["value"]) == list(groups["participants"])
    assert set(data["status"]) == {"synthetic"}
