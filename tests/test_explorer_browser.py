"""The explorer in a real browser (Playwright + Debian's Chromium), checked against the reference semantics."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from browser import META, serve
from playwright.sync_api import expect
from test_indexes import FIXTURE

from casebook import load_library
from casebook.facets import State, counts, matches, rows, why
from conftest import build, explorer_state, make_case, make_library, synthetic

SPREADSHEET = make_case(
    "Grønnegården på Ærø", "DK", "Ærø", ["participation", "safety", "evaluation"], 2009, 2013
).replace(
    "summary: >-\n  A test programme",
    'title_en: "-2"\norganisations:\n  - "+1"\n  - "@at"\nsummary: >-\n  =1+1 Gåsebäck, Søndre Ålesund: a test programme',
)
"""Cells a spreadsheet would run as formulas (=, +, -, @ first), a list cell with a semicolon, and Nordic letters."""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    cases = {**FIXTURE, **synthetic(60), "spreadsheet.md": SPREADSHEET}
    root = make_library(tmp_path_factory.mktemp("browser") / "lib", cases)
    built = build(root)
    assert built.returncode == 0, built.output
    with serve(built.site) as url:
        yield {"url": url, "lib": load_library(root), "site": built.site}


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


TOTAL = re.compile(r"^\d+ of \d+ cases?$")


def open_explorer(page, site, query=""):
    page.goto(site["url"] + "explore/" + query)
    expect(page.locator("#cb-total")).to_have_text(TOTAL)


def shown(page) -> list[str]:
    return page.locator("#cb-list li").evaluate_all("els => els.map(e => e.dataset.caseId)")


SNAPSHOT = """([total, ids]) => {
    const out = {total: document.getElementById('cb-total').textContent,
                 bar: document.getElementById('cb-bar-total').textContent,
                 ids: [...document.querySelectorAll('#cb-list li')].map(e => e.dataset.caseId),
                 why: {}, counts: {keyword: {}, group: {}, country: {}}, wrongly_disabled: []};
    if (out.total !== total || out.ids.join() !== ids.join()) return null;
    document.querySelectorAll('#cb-list li').forEach(li => {
        out.why[li.dataset.caseId] = [...li.querySelectorAll('.cb-why')].map(p => [p.dataset.keyword,
            [...p.querySelectorAll('[data-lang]')].map(e => [e.dataset.lang, e.textContent])]);
    });
    document.querySelectorAll('#cb-explore input[type=checkbox]').forEach(b => {
        const n = Number(b.parentNode.dataset.countValue);
        out.counts[b.name][b.value] = n;
        if (b.disabled !== (n === 0 && !b.checked)) out.wrongly_disabled.push(b.value);
    });
    return out;
}"""


def snapshot(page, total: str, ids: list[str]) -> dict:
    """One consistent reading of the page, taken once it shows exactly ``total`` and ``ids``
    (after a back, the browser may still swap in the page from its back/forward cache)."""
    return page.wait_for_function(SNAPSHOT, arg=[total, ids]).json_value()


def assert_matches_reference(page, site):
    """The explorer shows what the Python reference computes for the URL's state: the total,
    the list, the number beside every choice and why each case matched through a keyword."""
    lib = site["lib"]
    state = explorer_state(page.url)
    all_rows = rows(lib)
    matching = [r for r in all_rows if matches(r, state)]
    expected = [r.id for r in matching]
    total = f"{len(expected)} of {len(all_rows)} cases"
    snap = snapshot(page, total, expected[:50])
    assert snap["bar"] == total
    countries = sorted({c.country for c in lib.cases.values()})
    assert snap["counts"] == counts(all_rows, state, list(lib.taxonomy.keywords), list(lib.taxonomy.groups), countries)
    assert snap["wrongly_disabled"] == []
    reasons = {r.id: [[k, [list(n) for n in names]] for k, names in why(r, state.q)] for r in matching[:50]}
    assert snap["why"] == reasons
    return expected


def test_researchers_question_as_a_link_and_as_csv(page, site):
    query = "?keyword=urban-renewal&keyword=segregation&country=SE&from=2011&to=2011"
    open_explorer(page, site, query)
    expected = assert_matches_reference(page, site)
    assert expected[:2] == ["alpha", "bravo"]
    assert page.locator("#cb-link").get_attribute("href") == site["url"] + "explore/" + query
    with page.expect_download() as info:
        page.click("#cb-csv")
    data = info.value.path().read_bytes()
    published = (site["site"] / "data/cases.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    all_records = list(csv.reader(io.StringIO(published.decode("utf-8-sig"), newline="")))
    assert records[0] == all_records[0]
    assert records[1:] == [r for r in all_records[1:] if r[0] in set(expected)]
    lines = published.decode("utf-8-sig").split("\r\n")
    assert data.decode("utf-8-sig").split("\r\n")[1] in lines  # rows are copied byte for byte


def download(page, selector: str):
    """Click a download button; the file's suggested name and its bytes."""
    with page.expect_download() as info:
        page.click(selector)
    return info.value.suggested_filename, info.value.path().read_bytes()


def test_the_filtered_cases_download_as_csv_and_as_csv_for_nordic_excel(page, site):
    open_explorer(page, site, "?country=DK&keyword=participation")
    expected = assert_matches_reference(page, site)
    assert "spreadsheet" in expected and len(expected) > 3
    expect(page.locator(".cb-downloads")).to_contain_text("semicolon-separated")
    published = list(csv.reader(io.StringIO((site["site"] / "data/cases.csv").read_text("utf-8-sig"), newline="")))
    wanted = [published[0]] + [r for r in published[1:] if r[0] in set(expected)]
    name, comma = download(page, "button[data-download=csv]")
    assert name == "casebook-cases.csv" and comma.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(comma.decode("utf-8-sig"), newline=""))) == wanted
    name, excel = download(page, "button[data-download=excel]")
    assert name == "casebook-cases-excel.csv" and excel.startswith(b"\xef\xbb\xbf")
    text = excel.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == ";".join(published[0]) and lines[-1] == ""  # semicolons, CRLF, no sep= line
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert records == wanted  # exactly the filtered cases, the same cells
    assert sorted(r[0] for r in records[1:]) == sorted(expected)
    row = dict(zip(records[0], next(r for r in records if r[0] == "spreadsheet"), strict=True))
    assert row["title"] == "Grønnegården på Ærø" and row["municipalities"] == "Ærø"
    assert row["title_en"] == "'-2" and row["organisations"] == "'+1; @at"  # defused as in cases.csv
    assert row["summary"].startswith("'=1+1 Gåsebäck, Søndre Ålesund")
    assert ';"\'+1; @at";' in text  # a cell with a semicolon is quoted


def test_select_keywords_switch_match_and_use_back(page, site):
    open_explorer(page, site)
    assert_matches_reference(page, site)
    page.locator("details.cb-kwgroup").first.locator("summary").click()
    page.check("input[name=keyword][value=urban-renewal]")
    expect(page).to_have_url(site["url"] + "explore/?keyword=urban-renewal")
    assert_matches_reference(page, site)
    page.locator("summary", has_text="Participation and civil society").click()
    page.check("input[name=keyword][value=participation]")
    expect(page).to_have_url(site["url"] + "explore/?keyword=urban-renewal&keyword=participation")
    all_ids = assert_matches_reference(page, site)
    page.check("input[name=match][value=any]")
    expect(page).to_have_url(site["url"] + "explore/?keyword=urban-renewal&keyword=participation&match=any")
    any_ids = assert_matches_reference(page, site)
    assert set(all_ids) < set(any_ids)
    page.go_back()
    expect(page).to_have_url(site["url"] + "explore/?keyword=urban-renewal&keyword=participation")
    expect(page.locator("input[name=match][value=all]")).to_be_checked()
    assert_matches_reference(page, site)
    page.go_back()
    expect(page.locator("input[name=keyword][value=participation]")).not_to_be_checked()
    assert_matches_reference(page, site)


def test_reload_restores_a_view(page, site):
    query = "?keyword=safety&match=any&keyword=schools&country=DK&country=FI&from=2005&to=2010&q=programme"
    open_explorer(page, site, query)
    page.reload()
    expect(page.locator("#cb-total")).to_have_text(TOTAL)
    expect(page.locator("#cb-q")).to_have_value("programme")
    expect(page.locator("input[name=country][value=FI]")).to_be_checked()
    expect(page.locator("#cb-from")).to_have_value("2005")
    assert_matches_reference(page, site)


def test_text_and_period_fields(page, site):
    open_explorer(page, site)
    page.fill("#cb-q", "zulu")
    expect(page).to_have_url(site["url"] + "explore/?q=zulu")
    expect(page.locator("#cb-total")).to_have_text(f"1 of {len(site['lib'].cases)} cases")
    assert shown(page) == ["charlie"]
    page.fill("#cb-q", "")
    page.fill("#cb-from", "2019")
    expect(page).to_have_url(site["url"] + "explore/?from=2019")
    assert_matches_reference(page, site)


def test_keyboard_only(page, site):
    open_explorer(page, site)
    page.focus("#cb-q")
    page.keyboard.press("Tab")  # From
    page.keyboard.press("Tab")  # To
    page.keyboard.press("Tab")  # first country
    focused = page.evaluate("() => [document.activeElement.name, document.activeElement.value]")
    assert focused[0] == "country"
    page.keyboard.press("Space")
    expect(page).to_have_url(site["url"] + f"explore/?country={focused[1]}")
    assert_matches_reference(page, site)
    # Open a keyword group with the keyboard and tick its first keyword.
    page.focus("details.cb-kwgroup >> nth=0 >> summary")
    page.keyboard.press("Enter")
    for _ in range(40):  # disabled (zero-result) boxes are skipped by Tab, as they should be
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "keyword":
            break
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"keyword="))
    assert_matches_reference(page, site)


def test_total_is_announced(page, site):
    open_explorer(page, site)
    status = page.locator("#cb-total")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    for name in ("#cb-q", "#cb-from", "#cb-to"):
        assert page.locator(f"label[for={name[1:]}]").count() == 1


def test_show_more(page, site):
    open_explorer(page, site)
    assert len(shown(page)) == 50
    page.click("#cb-more")
    assert len(shown(page)) == len(site["lib"].cases)
    expect(page.locator("#cb-more")).to_be_hidden()


def test_without_javascript_the_page_explains_itself_and_links_onwards(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["url"] + "explore/")
    expect(page.locator("#cb-explore")).to_be_hidden()
    note = page.locator(".cb-explore-nojs .admonition")
    expect(note).to_be_visible()
    expect(note.locator(".admonition-title")).to_have_text("The explorer needs JavaScript")
    links = note.locator("a")
    names = links.evaluate_all("els => els.map(a => a.textContent)")
    assert names == [
        "Cases by keyword",
        "Cases by country",
        "The list of all cases",
        "cases.csv",
        "cases.json",
        "Data page",
    ]
    for href in links.evaluate_all("els => els.map(a => a.href)"):
        assert page.request.get(href).status == 200, href
    context.close()


def test_when_the_data_cannot_load_the_page_says_so(page, site):
    page.route("**/data/explorer.json", lambda route: route.fulfill(status=503, body="busy"))
    page.goto(site["url"] + "explore/")
    error = page.locator(".cb-explore-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The explorer's data could not be loaded.")
    expect(page.locator("#cb-explore")).to_be_hidden()


def test_the_explorer_starts_again_after_moving_between_tabs(page, site):
    page.goto(site["url"])
    page.click(".md-tabs__link:text('Explore')")
    expect(page.locator("#cb-total")).to_have_text(TOTAL)
    page.click(".md-tabs__link:text('Keywords')")
    page.click(".md-tabs__link:text('Explore')")
    expect(page.locator("#cb-total")).to_have_text(TOTAL)
    assert_matches_reference(page, site)


def test_keyword_page_links_into_a_filtered_explorer(page, site):
    page.goto(site["url"] + "keywords/safety/")
    page.click("a.cb-explore-link")
    expect(page.locator("input[name=keyword][value=safety]")).to_be_checked()
    assert_matches_reference(page, site)


def test_copy_citation(browser, site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(site["url"] + "cases/alpha/")
    button = page.locator(".cb-cite button[data-cb-copy]")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Copied")
    days = {page.evaluate(TODAY)}
    copied = page.evaluate("navigator.clipboard.readText()")
    days.add(page.evaluate(TODAY))  # the copy may straddle midnight
    shown = page.locator("#cb-cite-text").inner_text()
    assert copied in {f"{shown} (accessed {day})" for day in days}  # the reader's access date, never a placeholder
    context.close()


TODAY = "(() => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0'); })()"


def test_download_citation(page, site):
    page.goto(site["url"] + "cases/alpha/")
    with page.expect_download() as info:
        page.click("button[data-cb-download=cb-bibtex]")
    assert info.value.suggested_filename == "alpha.bib"
    day = page.evaluate(TODAY)  # the reader's date after the download (before it, at midnight)
    published = page.locator("#cb-bibtex").text_content()
    assert "urldate" not in published
    downloaded = info.value.path().read_text("utf-8")
    assert downloaded.startswith(published.rstrip().removesuffix("}"))
    accessed = re.search(r"urldate = \{(\d{4}-\d{2}-\d{2})\},\n\}\s*$", downloaded)
    assert accessed, downloaded
    before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    assert accessed.group(1) in (day, before)  # the day it was copied, never a placeholder


def test_a_plain_click_on_link_to_this_view_copies_it(browser, site):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    open_explorer(page, site, "?keyword=safety&country=DK")
    assert_matches_reference(page, site)
    entries = page.evaluate("history.length")
    link = page.locator("#cb-link")
    assert link.get_attribute("href") == page.url  # still a real link, to open or bookmark
    link.click()
    expect(page.locator("#cb-copied")).to_have_text("Link copied")
    expect(page.locator("#cb-copied")).to_be_visible()
    assert page.locator("#cb-copied").get_attribute("role") == "status"
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == page.url
        == site["url"] + "explore/?keyword=safety&country=DK"
    )
    assert page.evaluate("history.length") == entries  # copying did not navigate
    page.check("input[name=country][value=SE]")
    expect(page.locator("#cb-copied")).to_have_text("")  # the confirmation belongs to the old view
    context.close()


def test_typing_replaces_one_history_entry_and_ticking_pushes_one_each(page, site):
    open_explorer(page, site)
    before = page.evaluate("history.length")
    page.focus("#cb-q")
    typed = ""
    for letter in "Malmö":  # slowly: each letter is applied before the next is typed
        typed += letter
        page.keyboard.type(letter)
        expect(page).to_have_url(site["url"] + "explore/?" + urlencode({"q": typed}))
        assert_matches_reference(page, site)
    assert page.evaluate("history.length") == before + 1
    page.check("input[name=country][value=SE]")
    expect(page).to_have_url(site["url"] + "explore/?country=SE&q=Malm%C3%B6")
    page.locator("summary", has_text="Social inclusion and cohesion").click()
    page.check("input[name=keyword][value=safety]")
    expect(page).to_have_url(site["url"] + "explore/?keyword=safety&country=SE&q=Malm%C3%B6")
    assert_matches_reference(page, site)
    assert page.evaluate("history.length") == before + 3
    page.go_back()
    expect(page).to_have_url(site["url"] + "explore/?country=SE&q=Malm%C3%B6")
    assert_matches_reference(page, site)
    page.go_back()
    expect(page).to_have_url(site["url"] + "explore/?q=Malm%C3%B6")
    expect(page.locator("#cb-q")).to_have_value("Malmö")
    page.go_back()
    expect(page).to_have_url(site["url"] + "explore/")
    expect(page.locator("#cb-q")).to_have_value("")
    assert_matches_reference(page, site)


SCROLLED = """id => new Promise(done => {
    addEventListener('scroll', () => requestAnimationFrame(() => done(scrollY)), {once: true});
    document.querySelector(`#cb-list li[data-case-id="${id}"]`).scrollIntoView({block: 'center'});
})"""


def test_back_from_a_case_restores_the_list_and_the_scroll_position(page, site):
    page.set_viewport_size({"width": 1000, "height": 700})
    open_explorer(page, site, "?q=programme")
    expected = assert_matches_reference(page, site)
    page.click("#cb-more")
    target = expected[-3]  # beyond the first 50
    expect(page.locator(f'#cb-list li[data-case-id="{target}"]')).to_have_count(1)
    y = page.evaluate(SCROLLED, target)
    assert y > 2000
    page.locator(f'#cb-list li[data-case-id="{target}"] a.cb-item__title').click()
    expect(page.locator("article h1").first).to_have_text(site["lib"].cases[target].title)
    page.go_back()
    expect(page).to_have_url(site["url"] + "explore/?q=programme")
    snap = snapshot(page, f"{len(expected)} of {len(expected)} cases", expected)
    assert len(snap["ids"]) == len(expected) > 50  # as many results as were shown
    page.wait_for_function("y => Math.abs(scrollY - y) <= 3", arg=y)


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("?country=se", "?country=SE"),
        ("?country=Denmark", "?country=DK"),
        ("?keyword=Trygghet+och+s%C3%A4kerhet", "?keyword=safety"),  # a Swedish label
        ("?KEYWORD=crime%20prevention", "?keyword=safety"),  # an alias, the name in capitals
        ("?keyword=Urban_Renewal&keyword=urban-renewal", "?keyword=urban-renewal"),
        ("?keywords=safety,schools&match=ANY", "?keyword=safety&keyword=schools&match=any"),
        ("?group=Participation+and+civil+society&from=2012", "?group=participation-and-civil-society&from=2012"),
    ],
)
def test_an_address_written_differently_is_read_and_rewritten(page, site, address, canonical):
    open_explorer(page, site, address)
    expect(page).to_have_url(site["url"] + "explore/" + canonical)
    expect(page.locator("#cb-notice")).to_be_hidden()
    assert_matches_reference(page, site)


def test_an_address_with_what_is_not_recognised_says_so_and_suggests(page, site):
    open_explorer(page, site, "?keyword=safty&colour=red&country=XX&from=20x1&keyword=participation")
    expect(page).to_have_url(site["url"] + "explore/?keyword=participation")
    notice = page.locator("#cb-notice")
    expect(notice).to_be_visible()
    expect(notice.locator(".admonition-title")).to_have_text("Not recognised in the address, so left out:")
    items = notice.locator("li")
    expect(items).to_have_text(
        ["keyword=safty – did you mean Safety and security?", "colour=red", "country=XX", "from=20x1"]
    )
    assert_matches_reference(page, site)
    expect(page.locator("input[name=keyword][value=safety]")).not_to_be_checked()  # suggested, not applied
    entries = page.evaluate("history.length")
    suggestion = items.first.locator("a")
    assert suggestion.get_attribute("href").endswith("/explore/?keyword=participation&keyword=safety")
    suggestion.click()
    expect(page).to_have_url(site["url"] + "explore/?keyword=participation&keyword=safety")
    expect(page.locator("input[name=keyword][value=safety]")).to_be_checked()
    expect(notice).to_be_hidden()
    assert_matches_reference(page, site)
    assert page.evaluate("history.length") == entries + 1


def test_a_partial_name_is_suggested_not_applied(page, site):
    open_explorer(page, site, "?keyword=trygghet")
    expect(page).to_have_url(site["url"] + "explore/")
    expect(page.locator("#cb-notice li")).to_have_text(["keyword=trygghet – did you mean Safety and security?"])
    assert_matches_reference(page, site)


def test_the_numbers_say_what_they_count(page, site):
    open_explorer(page, site, "?country=SE&country=DK&keyword=participation")
    expect(page.locator("#cb-legend")).to_have_text(
        "The number beside each choice counts the cases with that choice that the list shows when it is ticked."
    )
    expected = assert_matches_reference(page, site)
    lib = site["lib"]
    for code in ("SE", "DK"):  # ticked: its cases in the list
        label = page.locator(f"label:has(input[name=country][value={code}])")
        in_list = sum(1 for cid in expected if lib.cases[cid].country == code)
        assert label.get_attribute("data-count-value") == str(in_list)
        expect(label.locator("[data-count]")).to_have_text(f"{in_list} case" + ("" if in_list == 1 else "s"))
    label = page.locator("label:has(input[name=keyword][value=participation])")
    assert label.get_attribute("data-count-value") == str(len(expected))


# No case matches: never a dead end ----------------------------------------------------------

NOMATCH = ".cb-nomatch"


def reference_total(site, **state) -> int:
    return sum(matches(r, State(**state)) for r in rows(site["lib"]))


def suggestions(page, count: int) -> list[tuple[str, str, str]]:
    """The did-you-mean list once it is complete and has ``count`` entries: (link text, link
    address relative to the site, the line)."""
    expect(page.locator(NOMATCH)).to_have_attribute("data-suggested", str(count))
    items = page.locator(f"{NOMATCH} .cb-nomatch__list li")
    return [
        (li.locator("a").inner_text(), li.locator("a").evaluate("a => a.pathname + a.search"), li.inner_text())
        for li in items.all()
    ]


def test_no_match_says_so_and_a_suggestion_leads_to_the_cases(page, site):
    open_explorer(page, site, "?q=Botkirka")
    expect(page.locator("#cb-total")).to_have_text(f"0 of {len(site['lib'].cases)} cases")
    expect(page.locator(f"{NOMATCH} .cb-nomatch__what")).to_have_text("No case matches “Botkirka”.")
    expect(page.locator(NOMATCH)).to_contain_text("not in the whole text of the cases")
    expect(page.locator("button[data-download]")).to_have_count(2)
    for button in page.locator("button[data-download]").all():
        expect(button).to_be_disabled()
    found = suggestions(page, 1)
    n = reference_total(site, q="Botkyrka")
    assert found == [("Botkyrka", "/explore/?q=Botkyrka", f"Botkyrka (place): {n} case" + ("" if n == 1 else "s"))]
    entries = page.evaluate("history.length")
    page.locator(f"{NOMATCH} .cb-nomatch__list a").click()
    expect(page).to_have_url(site["url"] + "explore/?q=Botkyrka")
    expect(page.locator("#cb-q")).to_have_value("Botkyrka")
    assert assert_matches_reference(page, site) == ["bravo"]
    expect(page.locator(NOMATCH)).to_be_hidden()
    assert page.evaluate("history.length") == entries + 1


@pytest.mark.parametrize(
    ("query", "text", "address", "what"),
    [
        ("Tyrgghet", "Trygghet och säkerhet", "?keyword=safety", "Swedish for the keyword Safety and security"),
        ("Swedn", "Sweden", "?country=SE", "country"),
        ("Botkirka programme", "Botkyrka", "?q=Botkyrka+programme", "place"),  # one word of several
    ],
)
def test_a_suggestion_ticks_a_keyword_or_country_or_corrects_a_word(page, site, query, text, address, what):
    open_explorer(page, site, "?" + urlencode({"q": query}))
    expect(page.locator("#cb-total")).to_have_text(f"0 of {len(site['lib'].cases)} cases")
    found = page.locator(f"{NOMATCH} .cb-nomatch__list li", has=page.locator("a", has_text=text))
    expect(found).to_contain_text(f"{text} ({what}): ")
    link, line = found.locator("a"), found.inner_text()
    assert link.evaluate("a => a.search") == address
    if what.startswith("Swedish"):
        assert link.get_attribute("lang") == "sv"
    link.click()
    expect(page).to_have_url(site["url"] + "explore/" + address)
    expected = assert_matches_reference(page, site)
    assert expected and line.endswith(f": {len(expected)} case" + ("" if len(expected) == 1 else "s"))  # as promised


def test_with_other_filters_a_suggestion_says_it_leaves_them_out(page, site):
    open_explorer(page, site, "?country=NO&q=Botkirka")
    expect(page.locator(f"{NOMATCH} .cb-nomatch__what")).to_have_text(
        "No case matches “Botkirka” with the other filters."
    )
    assert suggestions(page, 1) == [
        ("Botkyrka", "/explore/?q=Botkyrka", "Botkyrka (place): 1 case without the other filters")
    ]


def test_no_match_offers_the_whole_text_the_keywords_and_the_list(page, site):
    open_explorer(page, site, "?country=NO&q=qqqzzz")
    assert suggestions(page, 0) == []
    expect(page.locator(NOMATCH)).not_to_contain_text("Did you mean")
    ways = page.locator(f"{NOMATCH} .cb-nomatch__ways a")
    expect(ways).to_have_text(
        [
            "Search the whole text of the cases for “qqqzzz”",
            "Clear all filters",
            "All keywords, with their names in every language",
            "The list of all cases",
        ]
    )
    assert ways.evaluate_all("links => links.map(a => a.pathname + a.search)") == [
        "/?search=qqqzzz",
        "/explore/",
        "/keywords/",
        "/cases/",
    ]
    assert ways.first.get_attribute("data-search") == "qqqzzz"
    for href in ways.evaluate_all("links => links.map(a => a.href)")[2:]:
        assert page.request.get(href).status == 200, href
    ways.nth(1).click()
    expect(page).to_have_url(site["url"] + "explore/")
    expect(page.locator("#cb-total")).to_have_text(f"{len(site['lib'].cases)} of {len(site['lib'].cases)} cases")
    expect(page.locator(NOMATCH)).to_be_hidden()
    expect(page.locator(".cb-downloads")).to_be_visible()


@pytest.fixture(scope="module")
def real(real_site):
    with serve(real_site.site) as url:
        yield {"url": url, "lib": load_library(real_site.site.parent), "site": real_site.site}


@pytest.mark.parametrize(
    ("query", "keyword"),
    [
        ("trygghet", "safety"),
        ("grannsamverkan", "safety"),
        ("utsatta områden", "vulnerable-housing-areas"),
        ("boligsocial", "area-based-programmes"),
        ("Tryghed og sikkerhed", "safety"),
        ("levekårsutsatte", "vulnerable-housing-areas"),
        ("medvirkning", "participation"),
        ("Socialøkonomi", "social-economy"),
    ],
)
def test_nordic_keyword_names_find_the_cases_and_say_why(page, real, query, keyword):
    page.goto(real["url"] + "explore/")
    expect(page.locator("#cb-total")).to_have_text(TOTAL)
    page.fill("#cb-q", query)
    expect(page).to_have_url(real["url"] + "explore/?" + urlencode({"q": query}))
    expected = assert_matches_reference(page, real)
    assert expected == [r.id for r in rows(real["lib"]) if keyword in r.keywords]
    label = real["lib"].taxonomy.keywords[keyword].label
    for item in page.locator("#cb-list li").all():
        expect(item.locator(".cb-why")).to_have_count(1)
        expect(item.locator(".cb-why")).to_contain_text(f"Matched keyword: {label}")


def test_why_names_the_language(page, real):
    page.goto(real["url"] + "explore/?q=trygghet")
    assert_matches_reference(page, real)
    why_line = page.locator("#cb-list li").first.locator(".cb-why")
    expect(why_line).to_have_text(
        "Matched keyword: Safety and security (Swedish: Trygghet och säkerhet; Norwegian: Trygghet og sikkerhet)"
    )
    assert why_line.locator("[data-lang=sv]").get_attribute("lang") == "sv"


@pytest.mark.parametrize(
    ("query", "case"),
    [
        ("Vaerebro", "boligliv-i-balance"),
        ("Malmo", "malmo-area-programme"),
        ("Malmoe", "malmo-area-programme"),
        ("Kroksbaeck", "malmo-area-programme"),
        ("Segevaang", "malmo-area-programme"),
        ("Vaarby", "miljardprogrammet"),
        ("Varby", "miljardprogrammet"),
        ("socialoekonomi", "together-botkyrka"),
    ],
)
def test_ascii_spellings_find_the_one_case(page, real, query, case):
    page.goto(real["url"] + "explore/?" + urlencode({"q": query}))
    expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
    assert assert_matches_reference(page, real) == [case]


def test_words_only_in_the_whole_text_lead_to_the_site_search(page, real):
    """'ildsjaele' is in one case's text, not in its title, summary, places or keyword names:
    the explorer finds nothing and opens the site search with the same words, which finds it."""
    page.goto(real["url"] + "explore/?q=ildsjaele")
    expect(page.locator("#cb-total")).to_have_text("0 of 4 cases")
    link = page.locator(f"{NOMATCH} a[data-search]")
    expect(link).to_have_text("Search the whole text of the cases for “ildsjaele”")
    link.click()
    expect(page.locator(".cb-search input")).to_have_value("ildsjaele")
    expect(page.locator(".cb-search input")).to_be_focused()
    expect(page.locator(META)).to_have_attribute("data-cb-query", "ildsjaele")
    found = page.locator(".cb-search .md-search-result__link").evaluate_all("links => links.map(a => a.pathname)")
    assert found == [f"/cases/{c.id}/" for c in real["lib"].cases.values() if "ildsjæle" in c.body]
    assert page.url == real["url"] + "explore/?q=ildsjaele"  # opened on the page, no navigation


def test_botkirka_leads_to_botkyrka_in_the_real_library(page, real):
    page.goto(real["url"] + "explore/?q=Botkirka")
    n = sum(matches(r, State(q="Botkyrka")) for r in rows(real["lib"]))
    assert n >= 1
    assert suggestions(page, 1) == [
        ("Botkyrka", "/explore/?q=Botkyrka", f"Botkyrka (place): {n} case" + ("" if n == 1 else "s"))
    ]


def test_a_reversed_period_is_explained(page, site):
    page.goto(site["url"] + "explore/?from=2100&to=1800")  # no programme ran both before 1800 and after 2100
    expect(page.locator(f"{NOMATCH} .cb-nomatch__what")).to_have_text("No case matches these filters.")
    expect(page.locator(f"{NOMATCH} .cb-nomatch__reversed")).to_have_text("Period: “from” is above “to”; swap the two.")
    page.goto(site["url"] + "explore/?from=2010&to=2015")
    expect(page.locator(f"{NOMATCH} .cb-nomatch__reversed")).to_have_count(0)
