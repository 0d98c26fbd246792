"""The explorer's filter and count semantics (the reference the browser code is tested against)."""

from __future__ import annotations

import json

import pytest
from test_indexes import FIXTURE

from casebook import load_library
from casebook.facets import State, counts, explorer_data, matches, rows, why, words
from conftest import ROOT, make_case, make_library


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return load_library(make_library(tmp_path_factory.mktemp("facets") / "lib", FIXTURE))


@pytest.fixture(scope="module")
def real():
    return load_library(ROOT)


def ids(lib, state):
    return [r.id for r in rows(lib) if matches(r, state)]


def with_keyword(lib, kid):
    return [r.id for r in rows(lib) if kid in r.keywords]


def test_the_researchers_question(lib):
    """All Swedish cases tagged with two given keywords, active in 2011."""
    state = State(keywords=["urban-renewal", "segregation"], countries=["SE"], start=2011, end=2011)
    assert ids(lib, state) == ["alpha", "bravo"]


def test_match_all_and_any(lib):
    assert ids(lib, State(keywords=["participation", "safety"])) == ["alpha", "charlie"]
    assert ids(lib, State(keywords=["safety", "evaluation"], match="any")) == ["alpha", "delta", "echo", "charlie"]
    assert ids(lib, State(keywords=["safety", "evaluation"])) == []


def test_period_overlap_and_ongoing(lib):
    assert ids(lib, State(start=2013, end=2013)) == ["bravo", "delta"]  # bravo is ongoing
    assert ids(lib, State(start=2020)) == ["bravo"]
    assert ids(lib, State(end=2009)) == ["alpha"]
    assert ids(lib, State(start=2015, end=2015)) == ["bravo", "charlie"]


def test_groups_and_countries_are_any_of(lib):
    assert ids(lib, State(countries=["DK", "NO"])) == ["delta", "echo", "charlie"]
    group = lib.taxonomy.keywords["public-procurement"].group
    assert "echo" in ids(lib, State(groups=[group]))


def test_text_ignores_case_and_accents_and_matches_word_starts(lib):
    assert ids(lib, State(q="ZULU")) == ["charlie"]
    assert ids(lib, State(q="zulu programme")) == ["charlie"]
    assert ids(lib, State(q="zul prog")) == ["charlie"]  # beginnings of words
    assert ids(lib, State(q="ulu")) == []  # not the middle of a word
    assert ids(lib, State(q="zulu alpha")) == []  # every word must occur
    assert ids(lib, State(q="GLADSAXE")) == ["delta"]  # places are searched
    assert ids(lib, State(q="Malmö")) == ids(lib, State(q="malmo")) == ["alpha"]
    assert words("Holma-Kroksbäck, 2010!") == ["holma", "kroksback", "2010"]


def test_text_finds_keywords_by_their_names_in_every_language(lib):
    lib_safety = with_keyword(lib, "safety")
    assert ids(lib, State(q="trygghet")) == lib_safety  # sv and nb label of Safety and security
    assert ids(lib, State(q="Tryghed og sikkerhed")) == lib_safety  # da
    assert ids(lib, State(q="crime prevention")) == lib_safety  # an alias
    assert ids(lib, State(q="Energirenovering")) == with_keyword(lib, "energy-renovation")  # sv and da
    assert ids(lib, State(q="Offentlige anskaffelser")) == with_keyword(lib, "public-procurement")  # nb
    assert ids(lib, State(q="trygghet zulu")) == ["charlie"]  # one word by keyword, one by title


def test_why_names_the_keyword_and_the_labels_that_matched(lib):
    charlie = next(r for r in rows(lib) if r.id == "charlie")
    assert why(charlie, "trygghet") == [("safety", [("sv", "Trygghet och säkerhet"), ("nb", "Trygghet og sikkerhet")])]
    assert why(charlie, "zulu") == []  # in its own title: nothing to explain
    assert why(charlie, "crime zulu") == [("safety", [("alias", "Crime prevention")])]
    assert why(charlie, "safety") == [("safety", [("en", "Safety and security")])]
    # The name with the most of the words, not every keyword with an "og" in one of its names.
    assert why(charlie, "Tryghed og sikkerhed") == [("safety", [("da", "Tryghed og sikkerhed")])]
    both = why(charlie, "trygghet energirenovering")  # two keywords, in the case's keyword order
    assert both == [
        ("safety", [("sv", "Trygghet och säkerhet"), ("nb", "Trygghet og sikkerhet")]),
        ("energy-renovation", [("sv", "Energirenovering"), ("da", "Energirenovering")]),
    ]


def test_real_vocabulary_queries_find_the_cases_with_that_keyword(real):
    """The queries of issue 13 against the real cases and vocabulary: sv, da, nb labels and aliases."""
    cases = {
        "trygghet": "safety",
        "grannsamverkan": "safety",
        "utsatta områden": "vulnerable-housing-areas",
        "boligsocial": "area-based-programmes",
        "levekårsutsatte": "vulnerable-housing-areas",
        "byfornyelse": "urban-renewal",
        "delaktighet": "participation",
        "medvirkning": "participation",
        "tryghed og sikkerhed": "safety",
        "socialøkonomi": "social-economy",
    }
    for query, kid in cases.items():
        found = ids(real, State(q=query))
        assert found and found == with_keyword(real, kid), query
        for row in rows(real):
            if row.id in found:
                assert [k for k, _ in why(row, query)] == [kid], query


@pytest.mark.parametrize(
    ("query", "case"),
    [
        ("Vaerebro", "boligliv-i-balance"),
        ("Værebro", "boligliv-i-balance"),
        ("Malmo", "malmo-area-programme"),
        ("Malmoe", "malmo-area-programme"),
        ("Kroksbaeck", "malmo-area-programme"),
        ("Holma Kroksback", "malmo-area-programme"),
        ("Segevaang", "malmo-area-programme"),
        ("Vaarby", "miljardprogrammet"),
        ("varby", "miljardprogrammet"),
        ("Lindaengen", "malmo-area-programme"),
        ("socialoekonomi", "together-botkyrka"),  # da keyword label Socialøkonomi
        ("socialokonomi", "together-botkyrka"),
    ],
)
def test_usual_ascii_spellings_find_the_one_case(real, query, case):
    """Both transliteration styles (æ→ae, ø→oe/o, å→aa/a, ä→ae/a, ö→oe/o) find the case, and only it."""
    assert ids(real, State(q=query)) == [case]


def test_ascii_spellings_share_one_key():
    assert words("Værebro Vaerebro") == [words("Værebro")[0]] * 2
    assert words("Malmö Malmoe Malmo") == [words("Malmo")[0]] * 3
    assert words("Ørestad Oerestad Orestad") == [words("Ørestad")[0]] * 3
    assert words("Åmål Aamaal Amal") == [words("Åmål")[0]] * 3


def test_counts_are_what_the_list_shows_with_the_choice_ticked(lib):
    """The number beside a choice: how many cases with it the list shows when it is ticked."""
    state = State(keywords=["participation"], countries=["SE"])
    result = counts(rows(lib), state, lib.taxonomy.keywords, lib.taxonomy.groups, ["SE", "DK", "NO"])
    # Countries (any of them): the cases of that country with participation, ticked or not.
    assert result["country"] == {"SE": 2, "DK": 2, "NO": 0}
    assert result["keyword"]["participation"] == 2  # ticked: every case of the result has it
    assert result["keyword"]["safety"] == 1  # ticking it too (all): alpha
    assert result["keyword"]["gentrification"] == 0
    anyof = State(keywords=["safety", "evaluation"], match="any")
    result = counts(rows(lib), anyof, lib.taxonomy.keywords, lib.taxonomy.groups, ["SE", "DK", "NO"])
    assert result["keyword"]["safety"] == 2  # ticked, any: the cases of the result with safety
    assert result["keyword"]["evaluation"] == 2
    assert result["keyword"]["participation"] == 4  # ticking it adds its cases
    assert result["country"] == {"SE": 1, "DK": 2, "NO": 1}


def test_ticked_counts_add_up_to_the_result_for_a_partition(lib):
    state = State(countries=["SE", "DK"], start=2012)
    result = counts(rows(lib), state, lib.taxonomy.keywords, lib.taxonomy.groups, ["SE", "DK", "NO"])
    assert result["country"]["SE"] + result["country"]["DK"] == len(ids(lib, state))


def test_explorer_data_is_small_and_complete(lib, tmp_path):
    data, text = explorer_data(lib)
    parsed = json.loads(data)
    assert [c[0] for c in parsed["cases"]] == [r.id for r in rows(lib)]
    assert len(json.loads(text)) == len(parsed["cases"])
    assert parsed["keywords"][parsed["cases"][0][7][0]]["id"] == "urban-renewal"
    assert "summary" not in data and "A test programme" not in data  # summaries load only for text search
    safety = next(k for k in parsed["keywords"] if k["id"] == "safety")
    assert safety["labels"]["sv"] == "Trygghet och säkerhet" and "Crime prevention" in safety["aliases"]
    assert [" " + t for t in json.loads(text)] == [r.text for r in rows(lib)]
    assert json.loads(text)[0].startswith("alpha a test programme")
    # At 10,000 cases the file grows by the cases, not by the vocabulary: labels are per keyword.
    big = {f"c{i:05d}.md": make_case(f"P {i}", "SE", "Malmö", ["safety", "schools"]) for i in range(200)}
    data_big, _ = explorer_data(load_library(make_library(tmp_path / "big", big)))
    per_case = (len(data_big) - len(data)) / (200 - len(parsed["cases"]))
    assert per_case < 100, per_case  # the names of two keywords alone are longer
