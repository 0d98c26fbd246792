"""The explorer in a real browser (Playwright + Debian's Chromium), checked against the reference semantics."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import CHROMIUM_ARGS, chromium_path, serve
from playwright.sync_api import expect, sync_playwright
from test_indexes import FIXTURE

from casebook import load_library
from casebook.facets import State, counts, matches, rows
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


def open_explorer(page, site, query=""):
    page.goto(site["url"] + "explore/" + query)
    expect(page.locator("#cb-total")).to_contain_text(" of ")


def shown(page) -> list[str]:
    return page.locator("#cb-list li").evaluate_all("els => els.map(e => e.dataset.caseId)")


SNAPSHOT = """() => {
    const out = {total: document.getElementById('cb-total').textContent,
                 ids: [...document.querySelectorAll('#cb-list li')].map(e => e.dataset.caseId),
                 counts: {keyword: {}, group: {}, country: {}}, wrongly_disabled: []};
    document.querySelectorAll('#cb-explore input[type=checkbox]').forEach(b => {
        const n = Number(b.parentNode.dataset.countValue);
        out.counts[b.name][b.value] = n;
        if (b.disabled !== (n === 0 && !b.checked)) out.wrongly_disabled.push(b.value);
    });
    return out;
}"""


def assert_matches_reference(page, site):
    """The explorer shows what the Python reference computes for the URL's state. One snapshot of
    the page (JavaScript renders synchronously), taken once it shows the expected total and list:
    after a back, Material's instant navigation may still swap in a fresh copy of the page."""
    lib = site["lib"]
    state = state_of(page.url)
    all_rows = rows(lib)
    expected = [r.id for r in all_rows if matches(r, state)]
    total = f"{len(expected)} of {len(all_rows)} cases"
    expect(page.locator("#cb-total")).to_have_text(total)
    for _ in range(100):
        snap = page.evaluate(SNAPSHOT)
        if snap["total"] == total and snap["ids"] == expected[:50]:
            break
        page.wait_for_timeout(100)
    assert (snap["total"], snap["ids"]) == (total, expected[:50])
    countries = sorted({c.country for c in lib.cases.values()})
    assert snap["counts"] == counts(all_rows, state, list(lib.taxonomy.keywords), list(lib.taxonomy.groups), countries)
    assert snap["wrongly_disabled"] == []
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
    expect(page.locator("#cb-total")).to_contain_text(" of ")
    expect(page.locator("#cb-q")).to_have_value("programme")
    expect(page.locator("input[name=country][value=FI]")).to_be_checked()
    expect(page.locator("#cb-from")).to_have_value("2005")
    page.wait_for_function("() => document.querySelector('#cb-list') !== null")
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


def test_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site["url"] + "explore/")
    assert page.locator("#cb-explore").is_hidden()
    links = page.locator("noscript").inner_text()
    assert "by keyword" in links and "by country" in links
    context.close()


def test_instant_navigation_starts_the_explorer(page, site):
    page.goto(site["url"])
    page.click(".md-tabs__link:text('Explore')")
    expect(page.locator("#cb-total")).to_contain_text(" of ")
    page.click(".md-tabs__link:text('Keywords')")
    page.click(".md-tabs__link:text('Explore')")
    expect(page.locator("#cb-total")).to_contain_text(" of ")
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
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#cb-cite-text").inner_text()
    context.close()


def test_download_citation(page, site):
    page.goto(site["url"] + "cases/alpha/")
    with page.expect_download() as info:
        page.click("button[data-cb-download=cb-bibtex]")
    assert info.value.suggested_filename == "alpha.bib"
    assert info.value.path().read_text("utf-8") == page.locator("#cb-bibtex").text_content()
