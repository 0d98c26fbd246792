"""The explorer's filter and count semantics (the reference the browser code is tested against)."""

from __future__ import annotations

import json

import pytest
from test_indexes import FIXTURE

from casebook import load_library
from casebook.facets import State, counts, explorer_data, fold, matches, rows
from conftest import make_library


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return load_library(make_library(tmp_path_factory.mktemp("facets") / "lib", FIXTURE))


def ids(lib, state):
    return [r.id for r in rows(lib) if matches(r, state)]


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


def test_text_ignores_case_and_accents(lib):
    assert ids(lib, State(q="ZULU")) == ["charlie"]
    assert ids(lib, State(q="zulu programme")) == ["charlie"]
    assert ids(lib, State(q="zulu alpha")) == []
    assert fold("Malmö Værebro") == "malmo værebro"


def test_counts_are_what_toggling_would_show(lib):
    state = State(keywords=["participation"], countries=["SE"])
    result = counts(rows(lib), state, lib.taxonomy.keywords, lib.taxonomy.groups, ["SE", "DK", "NO"])
    # SE: unticking it shows every case with participation; DK: SE or DK; NO: SE or NO (no Norwegian case adds one).
    assert result["country"] == {"SE": 4, "DK": 4, "NO": 2}
    assert result["keyword"]["participation"] == 2  # unticking it: every Swedish case
    assert result["keyword"]["safety"] == 1
    assert result["keyword"]["gentrification"] == 0


def test_explorer_data_is_small_and_complete(lib):
    data, text = explorer_data(lib)
    parsed = json.loads(data)
    assert [c[0] for c in parsed["cases"]] == [r.id for r in rows(lib)]
    assert len(json.loads(text)) == len(parsed["cases"])
    assert parsed["keywords"][parsed["cases"][0][7][0]]["id"] == "urban-renewal"
    assert "summary" not in data and "A test programme" not in data  # summaries load only for text search
