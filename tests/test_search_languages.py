"""Readers search in English, Swedish, Danish and Norwegian, with or without å, ä, ö, æ, ø:
the search box in Chromium on the real library, against answers computed from its files."""

from __future__ import annotations

import pytest
from browser import CHROMIUM_ARGS, META, chromium_path, search_box, serve
from playwright.sync_api import expect, sync_playwright

from casebook.library import load_library
from conftest import ROOT

LIBRARY = load_library(ROOT)


def carrying(kid: str) -> set[str]:
    """The case pages of the cases that carry keyword ``kid``."""
    return {f"/cases/{c.id}/" for c in LIBRARY.cases.values() if kid in c.keywords}


def containing(word: str) -> set[str]:
    return {f"/cases/{c.id}/" for c in LIBRARY.cases.values() if word in c.body or word in c.summary}


@pytest.fixture(scope="module")
def page(real_site):
    with serve(real_site.site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "cases/")
        yield page
        browser.close()
        assert errors == []


def reasons(page) -> list[str]:
    return page.locator(".cb-search .cb-search-why").all_inner_texts()


@pytest.mark.parametrize(
    ("query", "kid", "language", "name"),
    [
        ("trygghet", "safety", "Swedish", "Trygghet och säkerhet"),
        ("tryghed", "safety", "Danish", "Tryghed og sikkerhed"),
        ("utsatta områden", "vulnerable-housing-areas", "Swedish", "Utsatta områden"),
        ("udsatte boligområder", "vulnerable-housing-areas", "Danish", "Udsatte boligområder"),
        ("levekårsutsatte", "vulnerable-housing-areas", "Norwegian", "Levekårsutsatte områder"),
        ("levekarsutsatte", "vulnerable-housing-areas", "Norwegian", "Levekårsutsatte områder"),
        ("sammanhållning", "social-cohesion", "Swedish", None),
        ("grannsamverkan", "safety", "also called", "Grannsamverkan"),
        ("boligsocial", "area-based-programmes", "also called", "Boligsocial indsats"),
    ],
)
def test_keyword_names_in_every_language_find_the_cases_that_carry_the_keyword(page, query, kid, language, name):
    expected = carrying(kid)
    assert expected, f"no case carries {kid}: pick another example"
    assert set(search_box(page, query)) == expected
    label = LIBRARY.taxonomy.keywords[kid].label
    why = reasons(page)
    assert len(why) >= len(expected)
    assert all(line.startswith("Matched keyword: ") for line in why)
    assert any(f"{label} — " in line and language in line and (name is None or name in line) for line in why), why


@pytest.mark.parametrize(
    ("query", "written"),
    [
        ("Vaerebro", "Værebro"),  # æ → ae
        ("Värebro", "Værebro"),  # æ as a Swede writes it
        ("varebro", "Værebro"),  # æ → a: the explorer finds it so too
        ("ildsjaele", "ildsjæle"),
        ("Malmoe", "Malmö"),  # ö → oe
        ("Malmo", "Malmö"),  # ö → o
        ("Vollsmose", "Vollsmose"),
    ],
)
def test_ascii_spellings_find_the_nordic_word_and_mark_it(page, query, written):
    expected = containing(written)
    assert expected
    assert set(search_box(page, query)) == expected
    marks = page.locator(".cb-search .md-search-result__item mark").all_inner_texts()
    assert any(written in m for m in marks), marks


@pytest.mark.parametrize("query", ["upprustning", "ildsjaelehuset", "housingestatesx", "aaaa", "a" * 300])
def test_a_fragment_of_a_longer_word_is_no_match(page, query):
    """Pagefind answers an unknown word with the short words it starts with ('up', 'i');
    the box counts and lists only cases that contain every word."""
    assert search_box(page, query) == []
    expect(page.locator(META)).to_have_text(f"No matching cases for “{query}”")


def test_a_word_in_one_case_returns_that_case_only(page):
    assert search_box(page, "GivRum") == ["/cases/boligliv-i-balance/"]
    assert search_box(page, "Hallunda-Norsborg") == ["/cases/together-botkyrka/"]


def test_no_match_suggests_the_closest_names_and_ways_to_browse(page):
    assert search_box(page, "Botkirka") == []
    suggested = page.locator(".cb-search-suggest a")
    expect(suggested.first).to_have_text("Botkyrka")
    assert suggested.first.evaluate("a => a.pathname + a.search") == "/explore/?q=Botkyrka"
    assert search_box(page, "Tyrgghet") == []  # a Swedish/Norwegian label, misspelt
    texts = page.locator(".cb-search-suggest li").all_inner_texts()
    assert any(t.startswith("Tryghed og sikkerhed") or t.startswith("Trygghet") for t in texts), texts
    first = page.locator(".cb-search-suggest a").first
    assert first.evaluate("a => a.pathname") == "/keywords/safety/"
    ways = page.locator(".cb-search-ways a").evaluate_all("links => links.map(a => a.pathname)")
    assert ways == ["/keywords/", "/explore/", "/cases/"]


def test_english_words_still_work(page):
    assert set(search_box(page, "housing")) == containing("housing") | carrying("social-housing")


def test_search_box_explains_itself_without_javascript(page):
    url = page.url.rsplit("/cases/", 1)[0] + "/"
    for width in (1280, 320):
        context = page.context.browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 800})
        other = context.new_page()
        other.goto(url + "cases/boligliv-i-balance/")
        note = other.locator(".cb-nojs-search")
        expect(note).to_be_visible()
        assert "Search needs JavaScript" in note.inner_text()
        links = note.locator("a").evaluate_all("links => links.map(a => a.pathname)")
        assert links == ["/keywords/", "/countries/", "/cases/"]
        for link in note.locator("a").all():
            assert link.bounding_box()["height"] >= 24
        context.close()


FOLD_SAMPLES = [
    "Værebro Park",
    "Vaerebro",
    "Malmö",
    "MALMOE",
    "Vårby gård",
    "Ängelholm",
    "Ødegaard",
    "Tromsø",
    "Straße",
    "Þórshöfn",
    "Łódź",
    "Œuvre",
    "Ærø",
    "ildsjæle",
    "Zürich",
    "Crème brûlée",
    "Ĳsselmeer",
    "İstanbul",
    "ﬁre",
    "a\u0308 (decomposed ä)",
    "Kroksbäck",
    "Hallunda-Norsborg",
    "12 345",
    "Area-based programmes",
    "Ǿresund ǽble Ǻlborg",  # table letters with a further accent
    "Ｍａｌｍö ﬂood",  # compatibility characters: full-width letters, ligatures
    "Coŀlecció",
    "queueue Aaaae",
]

SAME_KEY = [
    ("Søerne", "Soeerne"),
    ("Søerne", "Soerne"),
    ("Gudenåen", "Gudenaaen"),
    ("Gudenåen", "Gudenaen"),
    ("Færøerne", "Faeroeerne"),
    ("Ensamstående", "ensamstaaende"),
    ("Ensamstående", "ensamstaende"),
    ("Tröen", "Troeen"),
    ("Hønefoss bøen", "Hoenefoss boeen"),
    ("Ærø", "Aeroe"),
    ("Ærø", "Aero"),
    ("ildsjæle", "ildsjaele"),
    ("Værebro", "Vaerebro"),
    ("Malmö", "Malmoe"),
    ("Vårby", "Vaarby"),
    ("ﬁnance", "finance"),
    ("Ǿresund", "Øresund"),
    ("ǽble", "aeble"),
]
"""Written and typed: the long spelling before an "e", both styles, PDF ligatures, accents on ø/æ."""


def test_browser_and_python_fold_text_alike(page):
    """One transliteration table: casebook.fold in the browser equals search_key in Python."""
    from casebook.translit import search_key

    samples = FOLD_SAMPLES + [text for pair in SAME_KEY for text in pair]
    folded = page.evaluate("samples => samples.map(s => window.casebook.fold(s))", samples)
    assert folded == [search_key(s) for s in samples]
    same = page.evaluate(
        "pairs => pairs.map(([a, b]) => window.casebook.fold(a) === window.casebook.fold(b))", SAME_KEY
    )
    assert same == [True] * len(SAME_KEY), [pair for pair, ok in zip(SAME_KEY, same, strict=True) if not ok]


def test_why_a_case_matched_wraps_on_a_phone(page):
    url = page.url.rsplit("/cases/", 1)[0] + "/"
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(url + "cases/")
    phone.click("label.md-header__button[for=__search]")
    assert set(search_box(phone, "tryghed")) == carrying("safety")
    for line in phone.locator(".cb-search .cb-search-why").all():
        assert "Tryghed og sikkerhed" in line.inner_text()
        box = line.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert line.evaluate("e => e.scrollWidth <= e.clientWidth")
    context.close()
