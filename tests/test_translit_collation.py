"""Nordic letters are letters: one transliteration table (checked against ICU) for ids,
anchors and search keys in Python and the browser, and sorting by a real collation."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import icu
import material as material_theme
import openpyxl
import pytest

from casebook.cases import slugify
from casebook.collation import Collation, known_locale
from casebook.taxonomy import load_taxonomy
from casebook.translit import PAGE_ANCHORS, heading_id, search_key, spellings, table, transliterate
from conftest import ROOT, build, case_text, make_library


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
        # The long spelling before an "e": the letter's a/o/u must not join that e differently.
        ("Søerne", "Soeerne"),
        ("Søerne", "Soerne"),
        ("Gudenåen", "Gudenaaen"),
        ("Gudenåen", "Gudenaen"),
        ("Færøerne", "Faeroeerne"),
        ("Færøerne", "Faeroerne"),
        ("Ensamstående", "ensamstaaende"),
        ("Ensamstående", "ensamstaende"),
        ("Tröen", "Troeen"),
        ("Hønefoss bøen", "Hoenefoss boeen"),
        ("Blåeng", "Blaaeng"),
        ("Brüel", "Brueel"),
        ("Ærøskøbing", "Aeroeskoebing"),
        ("Åbenrå", "Aabenraa"),
        # Compatibility characters (text pasted from a PDF, full-width forms) and table letters
        # with a further accent.
        ("ﬁnance", "finance"),
        ("ﬂood ﬀ", "flood ff"),
        ("Ｍａｌｍö", "Malmoe"),
        ("Ǿresund", "Øresund"),
        ("ǿresund", "oeresund"),
        ("ǽble", "aeble"),
        ("Ǽ", "Æ"),
        ("Ǻlborg", "Aalborg"),
        ("Coŀlecció", "colleccio"),
    ],
)
def test_both_transliteration_styles_give_one_search_key(written, typed):
    assert search_key(written) == search_key(typed)
    assert search_key(written).isascii() or not written.isascii()


@pytest.mark.parametrize("text", ["Søerne", "Gudenaaen", "Færøerne", "ﬁnance", "Ǿresund", "queueue", "Aaaae"])
def test_a_search_key_is_its_own_key(text):
    """No digraph or letter of the table is left in a key: folding it again changes nothing."""
    key = search_key(text)
    assert search_key(key) == key and key.isascii()


@pytest.mark.parametrize(("one", "other"), [("Malmö", "Malmberget"), ("Vårby", "Vallby"), ("Ørestad", "Arestad")])
def test_different_words_keep_different_keys(one, other):
    assert search_key(one) != search_key(other)


def test_spellings_of_a_word():
    assert spellings("Malmö") == ["malmo", "malmoe"]
    assert spellings("Værebro") == ["vaerebro", "varebro"]  # also as the Swedish Värebro, without its dots
    assert set(spellings("Områdeløft")) == {"omradeloft", "omradeloeft", "omraadeloft", "omraadeloeft"}
    assert spellings("Botkyrka") == []
    many = spellings("åäöåäöø")  # 2**7 combinations: only the all-short and all-long ones
    assert many == ["aaoaaoo", "aaaeoeaaaeoeoe"]
    assert spellings("Gudenåen") == ["gudenaen", "gudenaaen"]
    assert spellings("Ǿresund") == ["oresund", "oeresund"]  # as Øresund
    assert spellings("ǻ") == ["a", "aa"]  # as å
    assert spellings("ﬁnance") == ["finance"]
    assert spellings("Київ") == []  # no ASCII spelling in the table


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


OVERRIDES = ROOT / "overrides"
HEADING_LIKE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:_\d+)?")
"""An id a heading can get: a slug, maybe numbered by ``toc`` (``section_1``)."""
SCRIPT_ID = re.compile(r"""(?:(?<![\w-])id["']?\s*:|\.id\s*=(?!=)|setAttribute\(\s*["']id["']\s*,)\s*([^,;})\n]+)""")
"""An element id a script sets (``{ id: ... }`` for ``casebook.el``, ``.id = ...``, ``setAttribute("id", ...)``)."""


def _template_ids() -> dict[str, set[str]]:
    """Every ``id="..."`` in the templates: id (Jinja expressions as written) → templates."""
    found: dict[str, set[str]] = {}
    for path in sorted(OVERRIDES.rglob("*.html")):
        for value in re.findall(r'(?<![\w-])id="([^"]*)"', path.read_text("utf-8")):
            found.setdefault(value, set()).add(path.relative_to(OVERRIDES).as_posix())
    return found


def _templates_of_markdown_pages() -> set[str]:
    """The templates that can render on a page with Markdown headings: those that show
    ``page.content``, those that replace one of Material's own (its base template includes
    them on every page), and whatever they extend or include, transitively."""
    material = Path(material_theme.__file__).parent / "templates"
    names = {p.relative_to(OVERRIDES).as_posix() for p in OVERRIDES.rglob("*.html")}
    todo = [n for n in names if "page.content" in (OVERRIDES / n).read_text("utf-8") or (material / n).exists()]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in names:
            continue
        seen.add(name)
        todo += re.findall(r'{%-?\s*(?:include|extends|import)\s+"([^"]+)"', (OVERRIDES / name).read_text("utf-8"))
    return seen


def test_every_id_the_templates_write_is_reserved_from_headings():
    """A heading never takes an id a template writes ('### cb-bibtex' would make the Download
    BibTeX button download the heading): every id in overrides/ a heading could get is in
    PAGE_ANCHORS, and ids built from data are only on pages without Markdown."""
    ids = _template_ids()
    literal = {value for value in ids if "{" not in value}
    assert {"cb-contents", "cb-cite-text", "cb-bibtex", "cb-csl", "sources", "browse"} <= literal  # the scan works
    missing = sorted(value for value in literal if HEADING_LIKE.fullmatch(value) and value not in PAGE_ANCHORS)
    assert missing == [], f"add these ids to casebook.translit.PAGE_ANCHORS: {missing}"
    with_markdown = _templates_of_markdown_pages()
    assert {"case.html", "home.html", "main.html", "partials/cb-case-sources.html"} <= with_markdown
    built_from_data = {value: sorted(where & with_markdown) for value, where in ids.items() if "{" in value}
    assert all(not where for where in built_from_data.values()), built_from_data
    for script in sorted((OVERRIDES / "assets").glob("*.js")):
        for value in SCRIPT_ID.findall(script.read_text("utf-8")):
            value = value.strip()
            if re.fullmatch(r"""(["'])[^"']*\1""", value):
                assert value[1:-1] in PAGE_ANCHORS or not HEADING_LIKE.fullmatch(value[1:-1]), (script.name, value)
            else:  # built from data: only the explorer does it, on a page without Markdown
                assert script.name == "explore.js", (script.name, value)


@pytest.mark.parametrize("anchor", sorted(PAGE_ANCHORS))
def test_a_heading_named_like_a_page_part_gets_another_id(anchor):
    for heading in (anchor, anchor.replace("-", " ").upper(), f"  {anchor.title()}  "):
        assert heading_id(heading) == f"{anchor}-section"
        assert heading_id(heading) not in PAGE_ANCHORS


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

DANISH = [
    ("Aarhus together", "Aabenraa"),
    ("Ørestad renewal", "Køge"),
    ("Æbeltoft in common", "Ærø"),
    ("Zebra", "Vallensbæk"),
    ("Alby", "Assens"),
]
"""Titles and places (Denmark) of case-0 ... case-4: Danish puts Æ, Ø, Å after Z, and Aa as Å."""


def _nordic_library(folder, locale: str | None, cases=NORDIC, country: str = "SE", language: str | None = None):
    """A library of ``cases`` ``(title, municipality)`` as case-0, case-1, ...; ``locale``:
    ``extra.casebook.collation`` (``None``: mkdocs.yml's, en; ``""``: none, so theme.language
    decides); ``language``: ``theme.language`` (``None``: mkdocs.yml's, en)."""
    texts = {
        f"case-{i}.md": case_text(title=title)
        .replace("  - Malmö\n", f"  - {place}\n")
        .replace("country: SE", f"country: {country}")
        for i, (title, place) in enumerate(cases)
    }
    lib = make_library(folder, texts)
    config = lib / "mkdocs.yml"
    text = config.read_text("utf-8")
    if locale is not None:
        text, n = re.subn(r"(?m)^    collation: en\b.*\n", f"    collation: {locale}\n" if locale else "", text)
        assert n == 1
    if language is not None:
        text, n = re.subn(r"(?m)^  language: en$", f"  language: {language}", text)
        assert n == 1
    config.write_text(text, "utf-8")
    return lib


def _ids(soup) -> list[str]:
    return [node["data-case-id"] for node in soup.select("[data-case-id]")]


def _assert_listings_and_exports_in_order(built, expected: list[str], locale: str, country: str, places: list[str]):
    """The case list, the keyword page, the explorer's data, the country page's places and the
    CSV, JSON and xlsx exports list the cases (``expected`` ids) and names in ``locale``'s order."""
    assert _ids(built.html("cases/")) == expected
    assert _ids(built.html("keywords/urban-renewal/")) == expected
    explorer = json.loads((built.site / "data/explorer.json").read_text("utf-8"))
    assert [c[0] for c in explorer["cases"]] == expected
    labels = [explorer["keywords"][i]["label"] for i in explorer["keyword_order"]]
    assert labels == Collation(locale).sorted(labels) and len(labels) == len(explorer["keywords"])
    shown = [h.get_text(strip=True) for h in built.html(f"countries/{country}/").select("h3[id^=place-]")]
    assert shown == places
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


def test_listings_and_exports_follow_the_librarys_collation(tmp_path):
    """With collation sv, the case list, the keyword and country pages, the explorer's data and
    the exports put TOGETHER and Zebra before Åmål and Ängelholm (code points put Ä before Å)."""
    built = build(_nordic_library(tmp_path / "sv", "sv"))
    assert built.returncode == 0, built.output
    expected = ["case-0", "case-3", "case-2", "case-1"]  # TOGETHER, Zebra, Åmål, Ängelholm
    _assert_listings_and_exports_in_order(built, expected, "sv", "se", ["Botkyrka", "Åmål", "Ängelholm", "Örebro"])
    terms = json.loads((built.site / "data/search-terms.json").read_text("utf-8"))
    assert [p["name"] for p in terms["places"]] == [
        "Botkyrka",
        "Seved",
        "Åmål",
        "Ängelholm",
        "Örebro",
    ]  # Seved: a neighbourhood


def test_without_a_collation_the_site_language_decides_danish(tmp_path):
    """No extra.casebook.collation and theme.language da: every listing and export sorts as
    Danish does, Æ, Ø, Å after Z and Aa as Å (English would put Aarhus and Æbeltoft first,
    Swedish Aarhus first and Æ, Ø as Ä, Ö)."""
    built = build(_nordic_library(tmp_path / "da", "", DANISH, country="DK", language="da"))
    assert built.returncode == 0, built.output
    assert built.html("cases/").html["lang"] == "da"
    expected = ["case-4", "case-3", "case-2", "case-1", "case-0"]  # Alby, Zebra, Æbeltoft, Ørestad, Aarhus
    places = ["Assens", "Køge", "Vallensbæk", "Ærø", "Aabenraa"]
    assert places != Collation("en").sorted(places) and places != Collation("sv").sorted(places)
    _assert_listings_and_exports_in_order(built, expected, "da", "dk", places)
    terms = json.loads((built.site / "data/search-terms.json").read_text("utf-8"))
    names = [p["name"] for p in terms["places"]]
    assert names == Collation("da").sorted(names) and set(places) <= set(names)


def test_english_collation_sorts_accented_letters_with_their_base_letters(tmp_path):
    built = build(_nordic_library(tmp_path / "en", None))  # the default: mkdocs.yml says en
    assert built.returncode == 0, built.output
    assert _ids(built.html("cases/")) == ["case-2", "case-1", "case-0", "case-3"]  # Åmål, Ängelholm, TOGETHER, Zebra


def test_unknown_collation_stops_the_build_with_a_message(tmp_path):
    built = build(_nordic_library(tmp_path / "xx", "xx"))
    assert built.returncode != 0
    assert "extra.casebook.collation" in built.output and "'xx'" in built.output
    assert "Traceback" not in built.output


PAGE_PARTS = ["CB contents", "cb-bibtex", "cb csl", "CB cite text", "How to cite", "Related cases", "Sources"]
"""Headings a case could have that name the case page's own parts (ids in overrides/case.html)."""


def test_heading_ids_on_built_pages_are_unique_and_readable(tmp_path):
    """On a built case page and the home page no two elements share an id, whatever the
    headings say: a heading named like a part of the page gets '-section', so the Download
    BibTeX button still finds the BibTeX."""
    parts = "".join(f"### {name}\n\nText.\n\n" for name in PAGE_PARTS)
    body_text = "Text.\n\n### Økonomi og styring\n\nMore.\n\n" + parts + "### ???\n\nOdd.\n\n### ???\n\nOdd."
    text = case_text().replace("## Results\n\nSomething the sources report.", "## Results\n\n" + body_text)
    lib = make_library(tmp_path / "lib", {"anchors.md": text})
    with (lib / "docs" / "index.md").open("a", encoding="utf-8") as home:
        home.write("\n## Browse\n\nText.\n\n## Latest\n\nText.\n\n## CB all changes\n\nText.\n")
    built = build(lib)
    assert built.returncode == 0, built.output
    page = built.html("cases/anchors/")
    ids = [node["id"] for node in page.select("[id]")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"okonomi-og-styring", "sources-section", "section", "section_1", "sources"} <= set(ids)
    assert {heading_id(name) for name in PAGE_PARTS} <= set(ids)
    assert "konomi-og-styring" not in ids
    assert page.select_one("#cb-bibtex").name == "code" and page.select_one("#cb-csl").name == "code"
    assert page.select_one("#cb-contents").name == "p" and page.select_one("#cb-cite-text").name == "p"
    contents = [a["href"] for a in page.select(".cb-case__toc a")]
    assert contents.count("#sources") == 1 and all(page.select_one(href) for href in contents)
    home_ids = [node["id"] for node in built.html("").select("[id]")]
    assert len(home_ids) == len(set(home_ids)), sorted(i for i in home_ids if home_ids.count(i) > 1)
    assert {"browse", "browse-section", "latest", "latest-section", "cb-all-changes-section"} <= set(home_ids)


NARROWER = """\
groups:
  - id: places
    label: Places
keywords:
  - id: a-zebra
    label: Zebra crossings
    group: places
    description: Safe crossings.
    broader: housing
    labels: {sv: Övergångsställen, da: Fodgængerfelter, nb: Gangfelt}
  - id: b-angelholm
    label: Ängelholm model
    group: places
    description: A way of working.
    broader: housing
    labels: {sv: Ängelholmsmodellen, da: Ängelholm-modellen, nb: Ängelholm-modellen}
  - id: c-amal
    label: Åmål model
    group: places
    description: Another way of working.
    broader: housing
    labels: {sv: Åmålsmodellen, da: Åmål-modellen, nb: Åmål-modellen}
  - id: d-alby
    label: Alby model
    group: places
    description: A third way of working.
    broader: housing
    labels: {sv: Albymodellen, da: Alby-modellen, nb: Alby-modellen}
  - id: housing
    label: Housing
    group: places
    description: Homes and how they are provided.
    labels: {sv: Bostäder, da: Boliger, nb: Boliger}
"""


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("sv", ["d-alby", "a-zebra", "c-amal", "b-angelholm"]),  # Alby, Zebra, Åmål, Ängelholm
        ("da", ["d-alby", "a-zebra", "b-angelholm", "c-amal"]),  # Alby, Zebra, Ängelholm (as Æ), Åmål
        ("en", ["d-alby", "c-amal", "b-angelholm", "a-zebra"]),  # Alby, Åmål, Ängelholm, Zebra
    ],
)
def test_narrower_keywords_in_the_librarys_collation(tmp_path, locale, expected):
    """A keyword page lists its narrower keywords by label in the library's collation (by id
    they would be Zebra, Ängelholm, Åmål, Alby); without a key, by id (the data exports)."""
    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "taxonomy" / "keywords.yml").write_text(NARROWER, "utf-8")
    taxonomy, problems = load_taxonomy(tmp_path)
    assert problems == []
    assert taxonomy.narrower(Collation(locale).key) == {"housing": expected}
    assert taxonomy.narrower() == {"housing": ["a-zebra", "b-angelholm", "c-amal", "d-alby"]}
