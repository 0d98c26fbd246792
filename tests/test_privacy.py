"""No page asks a third party for anything while a reader browses: every request a visit makes
goes to the site's own host (no fonts, no GitHub API for the repository link, no tiles, no
analytics), so the site works offline and tells nobody else who reads it."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from browser import CHROMIUM_ARGS, chromium_path, search_box, serve
from bs4 import BeautifulSoup
from playwright.sync_api import expect, sync_playwright

PAGES = [
    "",
    "cases/",
    "cases/malmo-area-programme/",
    "keywords/",
    "keywords/safety/",
    "countries/",
    "countries/se/",
    "explore/?country=SE",
    "data/",
    "contribute/",
    "changes/",
    "404.html",
]

LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src"}


def test_no_page_loads_anything_from_another_host(real_site):
    """What the HTML itself would load (scripts, styles, images, frames, preloads)."""
    own = urlsplit("https://casebook.example.org/")
    for path in real_site.site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for tag in soup.find_all(["script", "img", "iframe", "source", "video", "audio", "link"]):
            if tag.name == "link":
                if not set(tag.get("rel") or ()) & {
                    "stylesheet",
                    "preload",
                    "prefetch",
                    "preconnect",
                    "icon",
                    "modulepreload",
                }:
                    continue
                target = tag.get("href")
            else:
                target = tag.get(LOADS[tag.name])
            if target:
                host = urlsplit(urljoin(own.geturl() + "x/", target)).netloc
                assert host == own.netloc, (path, str(tag)[:200])
        assert 'data-md-component="source"' not in str(soup), path  # Material's live GitHub facts


def test_a_readers_visit_requests_nothing_from_another_host(real_site):
    with serve(real_site.site) as url, sync_playwright() as p:
        own = urlsplit(url).netloc
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        for path in PAGES:
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
        expect(page.locator("#cb-total")).to_have_count(0)  # the 404 page: nothing of the explorer
        page.goto(url + "explore/")
        page.locator("input[name=country][value=DK]").check()
        expect(page.locator("#cb-total")).to_have_text("1 of 4 cases")
        assert search_box(page, "Malmö") == ["/cases/malmo-area-programme/"]
        page.wait_for_load_state("networkidle")
        browser.close()
    assert any(r.endswith("/data/explorer.json") for r in requests)  # the recording saw the page's own loads
    assert any("pagefind" in r for r in requests)
    foreign = sorted({r for r in requests if urlsplit(r).scheme in ("http", "https") and urlsplit(r).netloc != own})
    assert foreign == []
