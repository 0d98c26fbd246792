"""Pagefind search in a real browser, and clock-free guards that the build stays O(N)."""

from __future__ import annotations

import pytest
from browser import CHROMIUM_ARGS, META, chromium_path, search_box, serve
from playwright.sync_api import expect, sync_playwright

from conftest import build, case_text, make_library, synthetic

SWEDISH = case_text("Trygg i Alby").replace(
    "## Results\n\nSomething the sources report.", "## Results\n\nGrannsamverkan och nattvandring minskade oron."
)
ENGLISH = case_text("Hedgerow scheme").replace(
    "## Goals\n\nSomething the sources report.", "## Goals\n\nPlant hedgerows along every courtyard."
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_library(
        tmp_path_factory.mktemp("search") / "lib", {"trygg-i-alby.md": SWEDISH, "hedgerow.md": ENGLISH, **synthetic(12)}
    )
    built = build(root)
    assert built.returncode == 0, built.output
    with serve(built.site) as url:
        yield url, built


@pytest.fixture(scope="module")
def page(site):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(site[0] + "cases/hedgerow/")
        yield page
        assert errors == []
        browser.close()


def search(page, query: str) -> list[str]:
    return search_box(page, query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nattvandring", ["/cases/trygg-i-alby/"]),  # Swedish, in one case only
        ("minskade", ["/cases/trygg-i-alby/"]),
        ("hedgerows", ["/cases/hedgerow/"]),
    ],
)
def test_search_finds_a_word_in_one_case(page, query, expected):
    assert search(page, query) == expected
    first = page.locator(".cb-search .md-search-result__item").first
    assert first.locator("h1").inner_text() in ("Trygg i Alby", "Hedgerow scheme")
    assert first.locator("mark").count() >= 1


def test_search_says_when_nothing_matches(page):
    assert search(page, "zzzqqq") == []
    expect(page.locator(META)).to_have_text("No matching cases for “zzzqqq”")
    ways = page.locator(".cb-search-ways a").evaluate_all("links => links.map(a => a.pathname + a.search)")
    assert ways == ["/keywords/", "/explore/?q=zzzqqq", "/cases/"]


def test_index_has_filters_and_only_cases(page, site):
    filters = page.evaluate("""async () => {
        const pf = await import(new URL('/pagefind/pagefind.js', location.href).href);
        return await pf.filters();
    }""")
    assert set(filters) == {"country", "keyword", "period"}
    assert filters["country"]["Sweden"] >= 2
    assert filters["keyword"]["Participation"] >= 1
    meta = site[1].site / "pagefind" / "pagefind-entry.json"
    assert meta.is_file()
    assert not (site[1].site / "search" / "search_index.json").exists()  # no lunr index


def page_shape(built, case_id: str) -> tuple[int, int, int, int]:
    """Size in bytes, links outside the related block, related cases, and navigation links of a case page."""
    html = (built.site / "cases" / case_id / "index.html").read_text("utf-8")
    soup = built.html(f"cases/{case_id}/")
    related = soup.select_one(".cb-related")
    outside = len(soup.select("a[href]")) - len(related.select("a[href]"))
    return len(html.encode()), outside, len(related.select("li")), len(soup.select("nav.md-nav a"))


def test_case_pages_do_not_grow_with_the_library(tmp_path):
    small = build(make_library(tmp_path / "small", synthetic(50)))
    large = build(make_library(tmp_path / "large", synthetic(200)))
    assert small.returncode == 0 and large.returncode == 0
    for case_id in ("case-0007", "case-0031"):
        size_s, *shape_s = page_shape(small, case_id)
        size_l, *shape_l = page_shape(large, case_id)
        assert shape_s == shape_l and shape_s[1] == 5  # same links, five related cases
        # Only the related cases' shared keywords may differ: a few hundred bytes, never a list of the library.
        assert abs(size_s - size_l) < 1500
    home_s = (small.site / "index.html").stat().st_size
    home_l = (large.site / "index.html").stat().st_size
    assert abs(home_s - home_l) < 500
    # One file per case (its page) plus the case list; nothing per pair of cases.
    count = lambda b: sum(1 for p in (b.site / "cases").rglob("*") if p.is_file())  # noqa: E731
    assert count(small) == 50 + 1 and count(large) == 200 + 1


def test_search_across_shards(tmp_path, page):
    """Large libraries are indexed in several bundles (bounded memory); the browser merges them."""
    cases = {**synthetic(11), "zz-last.md": SWEDISH.replace("Trygg i Alby", "Zeta")}
    root = make_library(tmp_path / "lib", cases)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("search_shard_size: 1000", "search_shard_size: 5"), "utf-8")
    built = build(root)
    assert built.returncode == 0, built.output
    assert sorted(p.name for p in built.site.glob("pagefind*")) == ["pagefind", "pagefind-1", "pagefind-2"]
    sizes = [len(list((built.site / b / "fragment").glob("*"))) for b in ("pagefind", "pagefind-1", "pagefind-2")]
    # Each case's bundle follows from its id alone (casebook.search.bundle_of), so an edit
    # touches one bundle; sizes vary around the shard size.
    assert sizes == [6, 3, 3]
    assert (built.site / "pagefind" / "fragment").is_dir() and sum(sizes) == 12
    with serve(built.site) as url:
        other = page.context.browser.new_page(viewport={"width": 1280, "height": 900})
        other.goto(url + "cases/case-0001/")
        assert search(other, "nattvandring") == ["/cases/zz-last/"]  # in one bundle of three
        assert len(search(other, "Programme")) == 10  # results from every bundle
        other.close()
