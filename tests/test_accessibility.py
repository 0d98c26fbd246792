"""axe-core finds no WCAG 2.1 A/AA violations on every kind of page (Chromium via Playwright)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import CHROMIUM_ARGS, chromium_path, serve
from playwright.sync_api import expect, sync_playwright

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
]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def browser(real_site):
    with serve(real_site.site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield url, browser
        browser.close()


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_wcag_violations(browser, name, path, scheme):
    url, chromium = browser
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url + path)
    expected = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected
    if name.startswith("explorer"):
        expect(page.locator("#cb-total")).to_contain_text(" of ")
        page.locator("details.cb-kwgroup").first.evaluate("d => d.open = true")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    context.close()
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == []
