"""The explorer in a real browser (Playwright + Debian's Chromium), checked against the reference semantics."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browser import CHROMIUM_ARGS, chromium_path, serve
from playwright.sync_api import expect, sync_playwright
from test_indexes import FIXTURE

from casebook import load_library
from casebook.facets import State, counts, matches, rows, why
from conftest import build, make_library, synthetic


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_library(tmp_path_factory.mktemp("browser") / "lib", {**FIXTURE, **synthetic(60)})
    built = build(root)
    assert built.returncode == 0, built.output
    with serve(built.site) as url:
        yield {"url": url, "lib": load_library(root), "site": built.site}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


def state_of(url: str) -> State:
    q = parse_qs(urlsplit(url).query)
    year = lambda k: int(q[k][0]) if k in q else None  # noqa: E731
    return State(
        keywords=q.get("keyword", []),
        match=q.get("match", ["all"])[0],
        groups=q.get("group", []),
        countries=q.get("country", []),
        start=year("from"),
        end=year("to"),
        q=q.get("q", [""])[0],
    )


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
    state = state_of(page.url)
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
