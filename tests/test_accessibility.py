"""axe-core finds no WCAG 2.2 A/AA violations (2.0 and 2.1 included) on every kind of page, at a
desktop's and a phone's width, in light and dark schemes (Chromium via Playwright).

The site is the repository's own library built with a git history (test_phone.build_with_history),
so that its /changes/ page lists changes."""

from __future__ import annotations

import pytest
from browser import CHROMIUM_ARGS, axe, chromium_path, serve
from playwright.sync_api import expect, sync_playwright
from test_phone import build_with_history, page_kinds

PAGES = [
    ("home", ""),
    ("case", "cases/malmo-area-programme/"),
    ("case list", "cases/"),
    ("keyword overview", "keywords/"),
    ("keyword", "keywords/participation/"),
    ("keyword without cases", "keywords/gentrification/"),
    ("country overview", "countries/"),
    ("country", "countries/se/"),
    ("explorer with filters", "explore/?keyword=participation&keyword=safety&match=any&country=SE&from=2010&to=2012"),
    ("data", "data/"),
    ("contribute", "contribute/"),
    ("changes", "changes/"),
    ("not found", "404.html"),
]
"""Every kind of page (test_every_page_kind_is_checked checks that none is missing)."""

"""axe's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA (2.2 adds target-size, 2.5.8)."""
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_with_history(tmp_path_factory.mktemp("history") / "lib")


@pytest.fixture(scope="module")
def browser(site):
    with serve(site.site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield url, browser
        browser.close()


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_no_wcag_violations(browser, name, path, scheme, size):
    url, chromium = browser
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url + path)
    expected = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected
    if name.startswith("explorer"):
        expect(page.locator("#cb-total")).to_contain_text(" of ")
        page.locator("details.cb-kwgroup").first.evaluate("d => d.open = true")
    violations, ran = axe(page)
    context.close()
    assert "target-size" in ran, "the WCAG 2.2 rules ran"
    assert violations == []


def test_every_page_kind_is_checked(site):
    kinds = page_kinds(site)
    assert set(kinds.values()) - {kinds[path.partition("?")[0]] for _, path in PAGES} == set()
