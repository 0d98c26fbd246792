"""Nordic letters are letters: one transliteration table (checked against ICU) for ids,
anchors and search keys in Python and the browser, and sorting by a real collation."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import icu
import openpyxl
import pytest

from casebook.cases import slugify
from casebook.collation import Collation, known_locale
from casebook.translit import heading_id, search_key, spellings, table, transliterate
from conftest import build, case_text, make_library


def test_table_first_spellings_are_icus_latin_ascii():
    """Every letter of Latin-1 and Latin Extended-A that ICU spells differently from its
    accent-stripped form is in the table, with ICU's spelling first (so browser and ICU agree)."""
    icu_ascii = icu.Transliterator.createInstance("Latin-ASCII")
    letters = table()["letters"]
    for code in range(0xC0, 0x180):
        ch = chr(code)
        if not ch.isalpha() or ch.lower() != ch:
            continue
        stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        expected = icu_ascii.transliterate(ch)
        if expected != stripped and expected.isascii() and expected.isalpha():
            assert letters.get(ch, [None])[0] == expected, ch
    for ch, spelt in letters.items():
        assert spelt[0] == icu_ascii.transliterate(ch), ch


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Værebro Park", "Vaerebro Park"),
        ("Malmö", "Malmo"),
        ("Malmö", "Malmoe"),
        ("Vårby", "Varby"),
        ("Vårby", "Vaarby"),
        ("ildsjæle", "ildsjaele"),
        ("Ängelholm", "Angelholm"),
        ("Ängelholm", "Aengelholm"),
        ("Søndre Nordstrand", "Sondre Nordstrand"),
        ("Søndre Nordstrand", "Soendre Nordstrand"),
        ("Tromsø", "TROMSØ"),
        ("Straße", "Strasse"),
        ("Þórshöfn", "Thorshofn"),
        ("Łódź", "Lodz"),
        ("Œuvre", "oeuvre"),
        ("Ærø", "Aeroe"),
        ("Ærø", "aero"),
    ],
)
def test_both_transliteration_styles_give_one_search_key(written, typed):
    assert search_key(written) == search_key(typed)


@pytest.mark.parametrize(("one", "other"), [("Malmö", "Malmberget"), ("Vårby", "Vallby"), ("Ørestad", "Arestad")])
def test_different_words_keep_different_keys(one, other):
    assert search_key(one) != search_key(other)


def test_spellings_of_a_word():
    assert spellings("Malmö") == ["malmo", "malmoe"]
    assert spellings("Værebro") == ["vaerebro"]
    assert set(spellings("Områdeløft")) == {"omradeloft", "omradeloeft", "omraadeloft", "omraadeloeft"}
    assert spellings("Botkyrka") == []
    many = spellings("åäöåäöø")  # 2**7 combinations: only the all-short and all-long ones
    assert many == ["aaoaaoo", "aaaeoeaaaeoeoe"]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Økonomi og styring", "okonomi-og-styring"),
        ("Ældre og ensomhed", "aeldre-og-ensomhed"),
        ("Åtgärder i Örebro", "atgarder-i-orebro"),
        ("Þing", "thing"),
        ("Київ і Львів", "kiiv-i-l-viv"),
        ("Sources", "sources-section"),  # the case page's own Sources section has id="sources"
        ("How to cite", "how-to-cite-section"),
        ("???", "section"),
        ("", "section"),
    ],
)
def test_heading_ids_are_readable_and_never_empty(heading, anchor):
    assert heading_id(heading) == anchor


def test_id_hints_use_the_same_transliteration():
    assert slugify("Områdeløft Saupstad") == "omradeloft-saupstad"
    assert slugify("Ærø Kommune") == "aero-kommune"
    assert transliterate("Værebro") == "Vaerebro"


TITLES = ["TOGETHER", "Ängelholm", "Åmål", "Alby", "Zürich", "Ødegaard", "Aarhus", "Æbeltoft", "Östersund", "Oslo"]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        # Swedish: å, ä, ö after z, in that order; æ and ø sort as ä and ö; ü as y.
        (
            "sv",
            ["Aarhus", "Alby", "Oslo", "TOGETHER", "Zürich", "Åmål", "Æbeltoft", "Ängelholm", "Ødegaard", "Östersund"],
        ),
        # Danish: æ, ø, å after z (ä as æ, ö as ø, aa as å).
        (
            "da",
            ["Alby", "Oslo", "TOGETHER", "Zürich", "Æbeltoft", "Ängelholm", "Ødegaard", "Östersund", "Åmål", "Aarhus"],
        ),
        # English: the letters with accents sort with their base letters.
        (
            "en",
            ["Aarhus", "Æbeltoft", "Alby", "Åmål", "Ängelholm", "Ødegaard", "Oslo", "Östersund", "TOGETHER", "Zürich"],
        ),
    ],
)
def test_collation_by_language(locale, expected):
    assert Collation(locale).sorted(TITLES) == expected


def test_collation_locales():
    assert all(known_locale(code) for code in ("sv", "da", "nb", "en", "de-AT"))
    assert not known_locale("xx")


NORDIC = [("TOGETHER", "Botkyrka"), ("Ängelholm renewal", "Ängelholm"), ("Åmål in common", "Åmål"), ("Zebra", "Örebro")]
"""Titles and places of case-0 ... case-3."""


def _nordic_library(folder, locale: str | None):
    cases = {
        f"case-{i}.md": case_text(title=title).replace("  - Malmö\n", f"  - {place}\n")
        for i, (title, place) in enumerate(NORDIC)
    }
    lib = make_library(folder, cases)
    if locale:
        config = lib / "mkdocs.yml"
        text = config.read_text("utf-8").replace("    collation: en", f"    collation: {locale}")
        assert f"collation: {locale}" in text
        config.write_text(text, "utf-8")
    return lib


def _ids(soup) -> list[str]:
    return [node["data-case-id"] for node in soup.select("[data-case-id]")]


def test_listings_and_exports_follow_the_librarys_collation(tmp_path):
    """With collation sv, the case list, the keyword and country pages, the explorer's data and
    the exports put TOGETHER and Zebra before Åmål and Ängelholm (code points put Ä before Å)."""
    built = build(_nordic_library(tmp_path / "sv", "sv"))
    assert built.returncode == 0, built.output
    expected = ["case-0", "case-3", "case-2", "case-1"]  # TOGETHER, Zebra, Åmål, Ängelholm
    assert _ids(built.html("cases/")) == expected
    assert _ids(built.html("keywords/urban-renewal/")) == expected
    explorer = json.loads((built.site / "data/explorer.json").read_text("utf-8"))
    assert [c[0] for c in explorer["cases"]] == expected
    labels = [explorer["keywords"][i]["label"] for i in explorer["keyword_order"]]
    assert labels == Collation("sv").sorted(labels) and len(labels) == len(explorer["keywords"])
    places = [h.get_text(strip=True) for h in built.html("countries/se/").select("h3[id^=place-]")]
    assert places == ["Botkyrka", "Åmål", "Ängelholm", "Örebro"]
    rows = list(csv.reader(io.StringIO((built.site / "data/cases.csv").read_text("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == expected
    exported = json.loads((built.site / "data/cases.json").read_text("utf-8"))["cases"]
    assert [case["id"] for case in exported] == expected
    book = openpyxl.load_workbook(built.site / "data/cases.xlsx", read_only=True)
    try:  # a read-only workbook keeps its file open until closed
        sheet_ids = [row[0] for row in book["cases"].iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()
    assert sheet_ids == expected
    terms = json.loads((built.site / "data/search-terms.json").read_text("utf-8"))
    assert [p["name"] for p in terms["places"]] == [
        "Botkyrka",
        "Seved",
        "Åmål",
        "Ängelholm",
        "Örebro",
    ]  # Seved: a neighbourhood


def test_english_collation_sorts_accented_letters_with_their_base_letters(tmp_path):
    built = build(_nordic_library(tmp_path / "en", None))  # the default: mkdocs.yml says en
    assert built.returncode == 0, built.output
    assert _ids(built.html("cases/")) == ["case-2", "case-1", "case-0", "case-3"]  # Åmål, Ängelholm, TOGETHER, Zebra


def test_unknown_collation_stops_the_build_with_a_message(tmp_path):
    built = build(_nordic_library(tmp_path / "xx", "xx"))
    assert built.returncode != 0
    assert "extra.casebook.collation" in built.output and "'xx'" in built.output
    assert "Traceback" not in built.output


def test_heading_ids_on_a_built_case_page_are_unique_and_readable(tmp_path):
    body_text = (
        "Text.\n\n### Økonomi og styring\n\nMore.\n\n### Sources\n\nLocal.\n\n### ???\n\nOdd.\n\n### ???\n\nOdd."
    )
    text = case_text().replace("## Results\n\nSomething the sources report.", "## Results\n\n" + body_text)
    built = build(make_library(tmp_path / "lib", {"anchors.md": text}))
    assert built.returncode == 0, built.output
    page = built.html("cases/anchors/")
    ids = [node["id"] for node in page.select("[id]")]
    assert len(ids) == len(set(ids))
    assert {"okonomi-og-styring", "sources-section", "section", "section_1", "sources"} <= set(ids)
    assert "konomi-og-styring" not in ids
