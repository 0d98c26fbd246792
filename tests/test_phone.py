"""Phones: every page reflows at 320 and 390 CSS px, targets are big enough for a thumb, a case's
sections are listed within the first screen, and the charts are readable (Chromium via Playwright).

The explorer page is left to its own tests.
"""

from __future__ import annotations

import calendar
import datetime
import re
from itertools import pairwise
from urllib.parse import urljoin

import pytest
from browser import CHROMIUM_ARGS, chromium_path, serve
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from casebook.charts import FONT
from casebook.indexes import History
from casebook.library import load_library
from casebook.pages import CASES, build_site
from conftest import build, make_case, make_library

PAGES = [
    ("home", ""),
    ("case list", "cases/"),
    ("case", "cases/malmo-area-programme/"),
    ("keyword overview", "keywords/"),
    ("keyword", "keywords/participation/"),
    ("country overview", "countries/"),
    ("country", "countries/se/"),
    ("data", "data/"),
    ("contribute", "contribute/"),
    ("not found", "404.html"),
]
PHONES = [(320, 640), (390, 844)]
DESKTOP = (1280, 900)
CHART_PAGES = ["cases/", "keywords/", "countries/"]

TARGETS_JS = """() => {
  // A target is a visible link, button, form control, summary or label. It must be at least
  // 24 x 24 CSS px itself (its border box), unless it is inline in running text: laid out
  // inline (computed display "inline") in a line whose other text has a letter. The line is
  // the nearest block-level ancestor's text, leaving out nested blocks and other targets, so
  // a link in a sentence is exempt, but a link alone in a list item, a cell or a chip, or
  // followed only by a count ("Participation 3") is not. Hidden targets (display none,
  // visibility hidden, opacity 0, zero size, or off screen to the side, like Material's
  // closed drawer) are not measured.
  const TARGETS = "a[href], button, input:not([type=hidden]), select, textarea, summary, label";
  const isBlock = (el) => !/^(inline|contents)/.test(getComputedStyle(el).display);
  const lineText = (block) => {
    let text = "";
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) text += child.data;
        else if (child.nodeType === Node.ELEMENT_NODE && !child.matches(TARGETS) && !isBlock(child)) walk(child);
      }
    };
    walk(block);
    return text;
  };
  const measured = [], small = [];
  for (const el of document.querySelectorAll(TARGETS)) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0 || r.left >= innerWidth) continue;
    let block = el.parentElement;
    while (block && !isBlock(block)) block = block.parentElement;
    if (getComputedStyle(el).display === "inline" && /\\p{L}/u.test(lineText(block))) continue;
    const name = `${el.tagName.toLowerCase()} "${(el.textContent || el.value || "").trim().slice(0, 40)}"`;
    measured.push(name);
    if (r.width < 24 || r.height < 24) small.push(`${name} ${r.width.toFixed(1)} x ${r.height.toFixed(1)}`);
  }
  return { measured, small };
}"""

LUMINANCE_JS = """() => {
  // Contrast of every chart bar's fill against the colour behind it (the first opaque
  // background-color up the tree), as WCAG 2 defines it.
  const rgb = (css) => css.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const parts = rgb(getComputedStyle(node).backgroundColor);
      if (parts.length === 3 || parts[3] === 1) return parts.slice(0, 3);
      if (parts[3] > 0) throw new Error("translucent background at " + node.className);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(".cb-chart__bar")].map((bar) => {
    const fill = rgb(getComputedStyle(bar).fill);
    const [a, b] = [lum(fill.slice(0, 3)), lum(background(bar))].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def chromium(real_site, browser):
    """The repository's own site, served: (base URL, browser)."""
    with serve(real_site.site) as url:
        yield url, browser


@pytest.fixture(scope="module")
def long_words(tmp_path_factory, browser):
    """A built library whose case has long unbreakable words in every field a page shows, and a
    36-year period (a long timeline), served."""
    word = "Neighbourhoodrevitalisationprogrammeforsustainablecommunities"
    text = make_case(f"{word} {word}", "SE", word, ["participation", "safety", "segregation"], 1985, "2020")
    text = text.replace("  - Seved", f"  - {word}{word}")
    text = text.replace("https://example.org/report", "https://example.org/" + "a" * 150 + "/report.pdf")
    text = text.replace("publisher: A publisher", f"publisher: {word}")
    text = text.replace("A lead paragraph.", f"A lead paragraph with {word}{word}.")
    folder = make_library(tmp_path_factory.mktemp("long") / "lib", {"long.md": text})
    built = build(folder)
    assert built.returncode == 0, built.output
    with serve(built.site) as url:
        yield url, browser


def open_page(browser, url: str, size: tuple[int, int], scheme: str = "light"):
    """A new page of ``size`` CSS px in ``scheme`` at ``url``, loaded; the caller closes its context."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, color_scheme=scheme)
    page = context.new_page()
    page.goto(url)
    expected = "slate" if scheme == "dark" else "default"
    assert page.locator("body").get_attribute("data-md-color-scheme") == expected
    return page


def overflow(page) -> tuple[int, int]:
    """The page's scroll width and the window's width, in CSS px."""
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_reflows_without_sideways_scrolling(chromium, name, path, size):
    url, browser = chromium
    page = open_page(browser, url + path, size)
    scroll_width, width = overflow(page)
    page.context.close()
    assert scroll_width <= width, f"{name} is {scroll_width} px wide at {width} px"


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
@pytest.mark.parametrize("path", ["", "cases/", "cases/long/", "countries/se/", "keywords/participation/"])
def test_long_unbreakable_words_wrap(long_words, path, size):
    url, browser = long_words
    page = open_page(browser, url + path, size)
    scroll_width, width = overflow(page)
    page.context.close()
    assert scroll_width <= width, f"/{path} is {scroll_width} px wide at {width} px"


SCROLL_BOXES_JS = """() => [...document.querySelectorAll("body *")]
  .filter((el) => /auto|scroll/.test(getComputedStyle(el).overflowX) && el.clientWidth > 0
                  && el.scrollWidth > el.clientWidth + 1)
  .map((el) => ({ box: el.tagName.toLowerCase() + "." + el.className, tabindex: el.getAttribute("tabindex"),
                  role: el.getAttribute("role"), named: el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby") }))"""


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_what_scrolls_sideways_can_be_scrolled_with_a_keyboard(chromium, name, path):
    url, browser = chromium
    page = open_page(browser, url + path, PHONES[0])
    page.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
    boxes = page.evaluate(SCROLL_BOXES_JS)
    page.context.close()
    for box in boxes:
        assert box["tabindex"] == "0", f"{box['box']} scrolls sideways but takes no keyboard focus"
        assert box["role"] != "region" or box["named"], f"{box['box']} is a region without a name"


def test_the_codebook_scrolls_in_its_own_box(chromium):
    url, browser = chromium
    page = open_page(browser, url + "data/", PHONES[0])
    codebook = page.get_by_role("region", name="Codebook")
    assert codebook.evaluate("box => box.scrollWidth > box.clientWidth"), "the codebook is wider than a phone"
    codebook.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[aria-label=Codebook]').scrollLeft > 0")
    page.context.close()


@pytest.mark.parametrize("size", [*PHONES, DESKTOP], ids=[f"{w}px" for w, _ in [*PHONES, DESKTOP]])
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_targets_are_at_least_24_px(chromium, name, path, size):
    url, browser = chromium
    page = open_page(browser, url + path, size)
    result = page.evaluate(TARGETS_JS)
    page.context.close()
    assert result["measured"], "a page has links outside running text (the header's buttons at least)"
    assert result["small"] == []


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_navigation_drawer_targets_are_at_least_24_px(chromium, size):
    url, browser = chromium
    page = open_page(browser, url + "cases/", size)
    page.locator("label.md-header__button[for=__drawer]").click()
    page.wait_for_function("() => document.querySelector('.md-sidebar--primary').getBoundingClientRect().left === 0")
    result = page.evaluate(TARGETS_JS)
    page.context.close()
    assert 'a "Contribute"' in result["measured"], "the drawer's links are on screen"
    assert result["small"] == []


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_case_sections_are_listed_within_the_first_screen(chromium, real_site, size):
    url, browser = chromium
    path = "cases/malmo-area-programme/"
    sections = [f"#{h2['id']}" for h2 in real_site.html(path).select(".cb-case__text h2[id]")]
    page = open_page(browser, url + path, size)
    contents = page.get_by_role("navigation", name="Contents")
    top = contents.evaluate("nav => nav.getBoundingClientRect().top")
    links = contents.get_by_role("link")
    hrefs = [urljoin(url + path, links.nth(i).get_attribute("href")) for i in range(links.count())]
    meta_below = page.locator("dl.cb-meta").evaluate(
        "dl => dl.compareDocumentPosition(document.querySelector('.cb-case__toc')) & Node.DOCUMENT_POSITION_PRECEDING"
    )
    links.filter(has_text="Results").click()
    page.wait_for_function(
        "() => location.hash === '#results' && document.getElementById('results').getBoundingClientRect().top < innerHeight"
    )
    page.context.close()
    assert len(sections) == 8
    assert hrefs == [url + path + anchor for anchor in [*sections, "#sources", "#how-to-cite", "#related-cases"]]
    assert 0 <= top < size[1], f"the list of sections starts at {top} px, below the first screen"
    assert meta_below, "the metadata follows the list of sections"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_text_is_readable_and_bars_contrast(chromium, path, scheme):
    url, browser = chromium
    page = open_page(browser, url + path, PHONES[0], scheme)
    texts = page.evaluate(
        """() => [...document.querySelectorAll("figure.cb-chart svg text")].map((t) => {
          const r = t.getBoundingClientRect(), s = t.ownerSVGElement.getBoundingClientRect();
          return { text: t.textContent, height: r.height, inside: r.left >= s.left - 0.5 && r.right <= s.right + 0.5 };
        })"""
    )
    ratios = page.evaluate(LUMINANCE_JS)
    page.context.close()
    assert texts and ratios
    assert [t["text"] for t in texts if t["height"] < 12] == [], "chart text at least 12 px tall at 320 px"
    assert [t["text"] for t in texts if not t["inside"]] == [], "chart text within the chart's box"
    assert min(ratios) >= 3, f"bars need 3:1 against the page (WCAG 1.4.11), lowest {min(ratios):.2f}"


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_year_labels_of_a_long_timeline_do_not_overlap(long_words, size):
    url, browser = long_words
    page = open_page(browser, url + "cases/", size)
    boxes = page.evaluate(
        """() => [...document.querySelectorAll("#chart-timeline svg text.cb-chart__label")].map((t) => {
          const r = t.getBoundingClientRect(), s = t.ownerSVGElement.getBoundingClientRect();
          return { year: t.textContent, left: r.left, right: r.right, inside: r.left >= s.left - 0.5 && r.right <= s.right + 0.5 };
        })"""
    )
    page.context.close()
    assert boxes[0]["year"] == "1985" and boxes[-1]["year"] == "2020"
    assert all(box["inside"] for box in boxes)
    assert all(a["right"] + 4 <= b["left"] for a, b in pairwise(boxes)), boxes


def test_chart_text_keeps_its_size_on_a_desktop(chromium):
    url, browser = chromium
    heights = {}
    for size in (PHONES[0], DESKTOP):
        page = open_page(browser, url + "keywords/", size)
        heights[size] = page.evaluate(
            "() => [...document.querySelectorAll('figure.cb-chart svg text')].map(t => t.getBoundingClientRect().height)"
        )
        page.context.close()
    assert heights[PHONES[0]] == heights[DESKTOP]
    assert all(FONT <= h <= FONT * 1.5 for h in heights[DESKTOP])


def test_timeline_ends_where_the_data_ends(real_site):
    rows = real_site.html("cases/").select("#chart-timeline details tbody tr")
    years = [int(r.td.get_text()) for r in rows]
    ends = []
    for article in (real_site.site / "cases").glob("*/index.html"):
        period = BeautifulSoup(article.read_text("utf-8"), "html.parser").select_one(".cb-meta__period").get_text()
        assert not period.endswith("ongoing"), "this test expects the real cases to have ended"
        ends.append(int(re.split("[–-]", period)[-1]))
    assert years[-1] == max(ends)
    ticks = [t.get_text() for t in real_site.html("cases/").select("#chart-timeline svg text.cb-chart__label")]
    assert ticks[-1] == str(max(ends))


@pytest.mark.parametrize(("end", "last"), [("2012", 2014), ("ongoing", 2030)])
def test_timeline_runs_to_the_build_year_only_while_a_programme_is_ongoing(tmp_path, end, last):
    keywords = ["participation", "safety", "segregation"]
    cases = {
        "a.md": make_case("A", "SE", "Malmö", keywords, 2008, "2014"),
        "b.md": make_case("B", "DK", "Odense", keywords, 2010, end),
    }
    library = load_library(make_library(tmp_path / "lib", cases))
    assert library.problems == []
    head = calendar.timegm(datetime.date(2030, 6, 1).timetuple())
    timeline = build_site(library, history=History({}, {}, head)).pages[CASES].context["timeline"]
    assert timeline["years"][-1]["year"] == last
    assert timeline["ticks"][-1]["year"] == last


def test_no_chip_holds_two_links(real_site):
    pages = sorted(real_site.site.rglob("*.html"))
    chips = 0
    for file in pages:
        for chip in BeautifulSoup(file.read_text("utf-8"), "html.parser").select(".cb-chips > li"):
            chips += 1
            assert len(chip.select("a")) <= 1, f"{file}: {chip}"
    assert chips > 0


def test_country_chip_names_what_it_leads_to(chromium, real_site):
    chips = real_site.html("countries/se/").select(".cb-chips li")
    expected = []
    for chip in chips:
        count = int(chip.select_one(".cb-count").get_text())
        label = chip.a.find(string=True, recursive=False).strip()
        name = f"{label} {count} {'case' if count == 1 else 'cases'} from Sweden, in the explorer"
        expected.append((name, f"../../explore/?country=SE&keyword={chip.a['data-keyword']}"))
    url, browser = chromium
    page = open_page(browser, url + "countries/se/", PHONES[1])
    # Material's instant navigation makes the addresses absolute.
    found = [page.get_by_role("link", name=name, exact=True).get_attribute("href") for name, _ in expected]
    page.context.close()
    assert len(expected) > 1
    base = url + "countries/se/"
    assert [urljoin(base, href) for href in found] == [urljoin(base, href) for _, href in expected]
