"""Phones: every kind of page reflows at 320 and 390 CSS px, targets are big enough for a thumb (the
search box's no-match panel too), a case's sections are listed within the first screen, and the
charts are readable (Chromium via Playwright).

The explorer's filtering on a phone is left to its own tests (test_explorer_phone.py).
"""

from __future__ import annotations

import calendar
import datetime
import re
import shutil
from itertools import pairwise
from pathlib import Path
from urllib.parse import urljoin

import pytest
from browser import META, search_box, serve
from bs4 import BeautifulSoup
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from casebook.charts import FONT
from casebook.indexes import History
from casebook.library import load_library
from casebook.pages import CASES, build_site
from conftest import GENERATOR, ROOT, Built, build, git, make_case, make_library

PAGES = [
    ("home", ""),
    ("case list", "cases/"),
    ("case", "cases/malmo-area-programme/"),
    ("keyword overview", "keywords/"),
    ("keyword", "keywords/participation/"),
    ("country overview", "countries/"),
    ("country", "countries/se/"),
    ("explorer", "explore/"),
    ("data", "data/"),
    ("contribute", "contribute/"),
    ("changes", "changes/"),
    ("not found", "404.html"),
]
"""One page of every kind the site has (test_every_page_kind_is_tested checks that none is missing)."""
PHONES = [(320, 640), (390, 844)]
DESKTOP = (1280, 900)
CHART_PAGES = ["cases/", "keywords/", "countries/"]

TARGETS_JS = """(selector) => {
  // A target is a visible link, button, form control, summary or label. It must be at least
  // 24 x 24 CSS px itself (its border box), unless it is a link in running text: laid out inline
  // (computed display "inline") in a paragraph or list item (the nearest block around it is a
  // <p> or <li>) whose own text has other words besides its links. Its own text leaves out nested
  // blocks and the targets; a label before the first link ("Added:", "Browse instead:") and
  // the glue of a list (punctuation, numbers, "and", "or", "more") are not words of a sentence.
  // So a link in a sentence is exempt, but not a link alone in a list item, a cell, a chip or a
  // <div>, one followed only by a count ("Participation 3"), nor a comma-separated list of
  // links ("Added: A, B and 3 more."): that is a navigation list. Hidden targets (display none,
  // visibility hidden, opacity 0, zero size, or off screen to the side, like Material's closed
  // drawer) are not measured. Given a CSS selector, only the targets inside its element are.
  const TARGETS = "a[href], button, input:not([type=hidden]), select, textarea, summary, label";
  const isBlock = (el) => !/^(inline|contents)/.test(getComputedStyle(el).display);
  const ownText = (block) => {
    let text = "";
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) text += child.data;
        else if (child.nodeType !== Node.ELEMENT_NODE || isBlock(child)) continue;
        else if (child.matches(TARGETS)) text += "\\u0000";
        else walk(child);
      }
    };
    walk(block);
    return text;
  };
  const runningText = (block) => {
    if (!block || !block.matches("p, li")) return false;
    let text = ownText(block);
    const first = text.indexOf("\\u0000");
    if (first > 0 && /:\\s*$/.test(text.slice(0, first))) text = text.slice(first);
    return /\\p{L}/u.test(text.replace(/(?<!\\p{L})(and|or|more)(?!\\p{L})/giu, ""));
  };
  const root = selector ? document.querySelector(selector) : document;
  const measured = [], small = [];
  for (const el of root.querySelectorAll(TARGETS)) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0 || r.left >= innerWidth) continue;
    let block = el.parentElement;
    while (block && !isBlock(block)) block = block.parentElement;
    if (getComputedStyle(el).display === "inline" && runningText(block)) continue;
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


def build_with_history(folder: Path) -> Built:
    """A strict build of a copy of the repository's library (its real cases and taxonomy) in
    ``folder``, made a git repository of two commits so that its /changes/ page lists changes,
    with links to the cases and the commits: the first adds every case, the second corrects one."""
    folder.mkdir(parents=True)
    for name in (*GENERATOR, "cases", "taxonomy"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, folder / name)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "The first cases", date="2024-01-10T09:00:00Z")
    corrected = min((folder / "cases").glob("*.md"))
    corrected.write_text(corrected.read_text("utf-8") + "\n", "utf-8")
    git(folder, "commit", "-q", "-a", "-m", "A correction", date="2024-02-11T10:00:00Z")
    built = build(folder)
    assert built.returncode == 0, built.output
    return built


def page_kinds(built: Built) -> dict[str, str]:
    """Every page of a built site by its path (``""``, ``cases/x/``, ``404.html``) -> its kind: the
    template of a page Casebook generates (casebook.pages.build_site, ``main.html`` for the
    Contribute page), or ``404.html``. A page of no known kind (a new page in docs/) fails."""
    specs = build_site(load_library(built.site.parent)).pages.values()
    known = {re.sub(r"(^|/)index$", "", spec.src_uri.removesuffix(".md")): spec.template for spec in specs}
    kinds = {}
    for file in built.site.rglob("*.html"):
        path = file.relative_to(built.site).as_posix()
        if path == "404.html":
            kinds[path] = path
            continue
        page = path.removesuffix("index.html").removesuffix("/")
        assert page in known, f"{path} is a page of no known kind"
        kinds[f"{page}/" if page else ""] = known[page]
    return kinds


def prose(length: int) -> str:
    """Ordinary words, ``length`` characters of them (one less if that ends in a space)."""
    words = "Neighbourhood renewal and participation programme for safer housing estates run with residents"
    return " ".join([words] * length)[:length].rstrip()


def longest_case() -> str:
    """A valid case as long as the schema lets it be where its page shows it before the metadata: a
    200-character title and English title, a 400-character summary; and 30 municipalities."""
    title, title_en, summary = prose(200), prose(200), prose(399) + "."
    assert len(title) >= 199 and len(summary) >= 399
    text = make_case(title, "SE", "Malmö", ["participation", "safety", "segregation"])
    text = text.replace(f"title: {title}\n", f"title: {title}\ntitle_en: {title_en}\n")
    text = re.sub(r"summary: >-\n(  .*\n)+", f"summary: >-\n  {summary}\n", text)
    places = "".join(f"  - Municipality number {i}\n" for i in range(1, 31))
    return text.replace("municipalities:\n  - Malmö\n", f"municipalities:\n{places}")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Built:
    """The repository's own library, built with a git history (build_with_history)."""
    return build_with_history(tmp_path_factory.mktemp("history") / "lib")


@pytest.fixture(scope="module")
def chromium(site, browser):
    """The repository's own library with a git history, served: (base URL, browser)."""
    with serve(site.site) as url:
        yield url, browser


@pytest.fixture(scope="module")
def long_texts(tmp_path_factory, browser):
    """A built library, served: a case with long unbreakable words in every field a page shows and
    a 36-year period (a long timeline), and the longest case (longest_case)."""
    word = "Neighbourhoodrevitalisationprogrammeforsustainablecommunities"
    text = make_case(f"{word} {word}", "SE", word, ["participation", "safety", "segregation"], 1985, "2020")
    text = text.replace("  - Seved", f"  - {word}{word}")
    text = text.replace("https://example.org/report", "https://example.org/" + "a" * 150 + "/report.pdf")
    text = text.replace("publisher: A publisher", f"publisher: {word}")
    text = text.replace("A lead paragraph.", f"A lead paragraph with {word}{word}.")
    folder = make_library(tmp_path_factory.mktemp("long") / "lib", {"long.md": text, "longest.md": longest_case()})
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
@pytest.mark.parametrize(
    "path", ["", "cases/", "cases/long/", "cases/longest/", "countries/se/", "keywords/participation/"]
)
def test_long_unbreakable_words_wrap(long_texts, path, size):
    url, browser = long_texts
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


def test_every_page_kind_is_tested(site):
    kinds = page_kinds(site)
    tested = {kinds[path.partition("?")[0]] for _, path in PAGES}
    assert set(kinds.values()) - tested == set(), "a kind of page that no test opens"
    assert len(tested) == len(PAGES), "one page of each kind"


RUNNING_TEXT = [
    ('<p>Read <a href="#">the report</a> for the method.</p>', False),
    ('<p>The site and the <a href="#">open data</a> are this version: <code>1.2</code>.</p>', False),
    ('<li>See <a href="#">A</a> or <a href="#">B</a> first.</li>', False),
    ('<p><strong>Added:</strong> <a href="#">Alpha</a>, <a href="#">Beta</a> and 3 more.</p>', True),
    ('<p>Updated or corrected: <a href="#">Alpha</a>.</p>', True),
    ('<p><time>2024-01-10</time> · <a href="#">commit 1234567</a></p>', True),
    ('<li><a href="#">Participation</a> <span>3</span></li>', True),
    ('<li><a href="#">Botkyrka</a>, <a href="#">Malmö</a></li>', True),
    ('<div>Made with <a href="#">Material for MkDocs</a></div>', True),
    ('<td>Read <a href="#">the report</a></td>', True),
]


def test_running_text_is_a_sentence_not_a_list_of_links(browser):
    """Which links the target rule leaves out as running text (TARGETS_JS): only links in a sentence."""
    page = browser.new_page(viewport={"width": PHONES[0][0], "height": PHONES[0][1]})
    found = []
    for html, _ in RUNNING_TEXT:
        parent = {"<td": "<table><tr>{}</tr></table>", "<li": "<ul>{}</ul>"}.get(html[:3], "{}")
        page.set_content("<!doctype html><body>" + parent.format(html))
        found.append((html, bool(page.evaluate(TARGETS_JS)["measured"])))
    page.close()
    assert found == RUNNING_TEXT


@pytest.mark.parametrize("size", [*PHONES, DESKTOP], ids=[f"{w}px" for w, _ in [*PHONES, DESKTOP]])
def test_the_links_of_a_change_are_targets(chromium, site, size):
    """/changes/: the commits and the cases of each change ("Added: A, B, C, D.") are measured
    targets, none left out as running text, each at least 24 x 24 px."""
    html = site.html("changes/")
    added = html.select("ul.cb-changes p[data-kind=added] a")
    expected = [f'a "{a.get_text().strip()[:40]}"' for a in html.select("ul.cb-changes a")]
    url, browser = chromium
    page = open_page(browser, url + "changes/", size)
    result = page.evaluate(TARGETS_JS, "ul.cb-changes")
    page.context.close()
    assert len(added) == 4 and len(html.select("ul.cb-changes a[href*='/commit/']")) == 2
    assert result["measured"] == expected
    assert result["small"] == []


PANEL_JS = """() => [...document.querySelectorAll(".cb-search .md-search-result__list a")].map((a) => {
  const r = a.getBoundingClientRect();
  return { text: a.textContent.trim(), width: r.width, height: r.height, left: r.left, right: r.right };
})"""


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_the_search_box_no_match_panel_has_24_px_targets(chromium, size):
    """With no match, the closest names ("Botkyrka") and the ways to browse are lists of links:
    every one of them at least 24 x 24 px and within the screen's width, none exempt."""
    url, browser = chromium
    page = open_page(browser, url + "cases/", size)
    page.click("label.md-header__button[for=__search]")
    assert search_box(page, "Botkirka") == []
    expect(page.locator(META)).to_have_text("No matching cases for “Botkirka”")
    links = page.evaluate(PANEL_JS)
    page.context.close()
    texts = [link["text"] for link in links]
    assert texts[0] == "Botkyrka" and texts[-3:] == ["all keywords", "the explorer", "all cases"]
    assert [link for link in links if link["width"] < 24 or link["height"] < 24] == []
    assert [link for link in links if link["left"] < 0 or link["right"] > size[0]] == []


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


CONTENTS_JS = """(nav) => {
  // The list of sections' box and the bottom of the title above it, in CSS px from the window's top.
  const box = nav.getBoundingClientRect(), title = document.querySelector(".cb-case > h1").getBoundingClientRect();
  return { top: box.top, bottom: box.bottom, title: title.bottom, links: nav.querySelectorAll("a[href]").length };
}"""


def contents_box(page) -> dict:
    """Where the open case page's list of sections is: ``{"top", "bottom", "title", "links"}`` (CSS
    px from the window's top; ``title`` the bottom of the page's title; ``links`` how many)."""
    return page.get_by_role("navigation", name="Contents", exact=True).evaluate(CONTENTS_JS)


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_case_sections_are_listed_within_the_first_screen(chromium, site, size):
    url, browser = chromium
    path = "cases/malmo-area-programme/"
    sections = [f"#{h2['id']}" for h2 in site.html(path).select(".cb-case__text h2[id]")]
    page = open_page(browser, url + path, size)
    contents = page.get_by_role("navigation", name="Contents", exact=True)
    box = contents_box(page)
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
    assert box["title"] <= box["top"] and box["bottom"] <= size[1], (
        f"the list of sections is not on the first screen: {box}"
    )
    assert meta_below, "the metadata follows the list of sections"


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_every_case_lists_its_sections_within_the_first_screen(chromium, site, size):
    """The whole list, its end too, under the title: for every real case, whatever its title and summary."""
    cases = sorted(index.parent.name for index in (site.site / "cases").glob("*/index.html"))
    url, browser = chromium
    page = open_page(browser, f"{url}cases/{cases[0]}/", size)
    boxes = {}
    for case in cases:
        page.goto(f"{url}cases/{case}/")
        boxes[case] = contents_box(page)
    page.context.close()
    assert len(boxes) == len(list((ROOT / "cases").glob("*.md")))
    assert {case: box for case, box in boxes.items() if not box["title"] <= box["top"] < box["bottom"] <= size[1]} == {}
    assert {box["links"] for box in boxes.values()} == {11}


@pytest.mark.parametrize("size", PHONES, ids=[f"{w}px" for w, _ in PHONES])
def test_the_longest_case_lists_its_sections_within_the_first_screen(long_texts, size):
    """A 200-character title and English title, a 400-character summary, 30 municipalities."""
    url, browser = long_texts
    page = open_page(browser, url + "cases/longest/", size)
    box = contents_box(page)
    summary = page.locator(".cb-case__summary").evaluate("p => p.textContent.trim().length")
    page.context.close()
    assert summary >= 399
    assert box["links"] == 11
    assert box["title"] <= box["top"] < box["bottom"] <= size[1], (
        f"the list of sections is not on the first screen: {box}"
    )


@pytest.mark.parametrize("size", [PHONES[0], DESKTOP])
def test_the_screen_order_is_the_reading_and_keyboard_order(chromium, size):
    """The list of sections comes right after the title in the page itself, not only on the
    screen: tabbing never jumps back up past the summary (WCAG 2.4.3)."""
    url, browser = chromium
    page = open_page(browser, url + "cases/malmo-area-programme/", size)
    summary = page.locator(".cb-case__summary").evaluate("p => p.getBoundingClientRect().top")
    box = contents_box(page)
    tops = page.evaluate(
        """() => [...document.querySelectorAll("article.cb-case a[href], article.cb-case button")]
            .filter((e) => e.offsetParent !== null).slice(0, 14).map((e) => e.getBoundingClientRect().top)"""
    )
    page.context.close()
    assert box["title"] < box["top"] < box["bottom"] <= summary
    assert tops == sorted(tops)  # each focusable element is at or below the one before it


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
def test_year_labels_of_a_long_timeline_do_not_overlap(long_texts, size):
    url, browser = long_texts
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


def test_timeline_ends_where_the_data_ends(site):
    rows = site.html("cases/").select("#chart-timeline details tbody tr")
    years = [int(r.td.get_text()) for r in rows]
    ends = []
    for article in (site.site / "cases").glob("*/index.html"):
        period = BeautifulSoup(article.read_text("utf-8"), "html.parser").select_one(".cb-meta__period").get_text()
        assert not period.endswith("ongoing"), "this test expects the real cases to have ended"
        ends.append(int(re.split("[–-]", period)[-1]))
    assert years[-1] == max(ends)
    ticks = [t.get_text() for t in site.html("cases/").select("#chart-timeline svg text.cb-chart__label")]
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


def test_no_chip_holds_two_links(site):
    pages = sorted(site.site.rglob("*.html"))
    chips = 0
    for file in pages:
        for chip in BeautifulSoup(file.read_text("utf-8"), "html.parser").select(".cb-chips > li"):
            chips += 1
            assert len(chip.select("a")) <= 1, f"{file}: {chip}"
    assert chips > 0


def test_country_chip_names_what_it_leads_to(chromium, site):
    chips = site.html("countries/se/").select(".cb-chips li")
    expected = []
    for chip in chips:
        count = int(chip.select_one(".cb-count").get_text())
        label = chip.a.find(string=True, recursive=False).strip()
        name = f"{label} {count} {'case' if count == 1 else 'cases'} from Sweden, in the explorer"
        expected.append((name, f"../../explore/?country=SE&keyword={chip.a['data-keyword']}"))
    url, browser = chromium
    page = open_page(browser, url + "countries/se/", PHONES[1])
    # The addresses are made absolute before they are compared.
    found = [page.get_by_role("link", name=name, exact=True).get_attribute("href") for name, _ in expected]
    page.context.close()
    assert len(expected) > 1
    base = url + "countries/se/"
    assert [urljoin(base, href) for href in found] == [urljoin(base, href) for _, href in expected]


@pytest.mark.parametrize("scale", [1.5, 2])
@pytest.mark.parametrize("path", ["cases/boligliv-i-balance/", "keywords/participation/"])
def test_metadata_values_keep_their_room_when_the_text_is_enlarged(chromium, path, scale):
    """With a phone's text enlarged, each term and its value were side by side: the terms took the
    width, and the values ran one letter a line (150%) or off the screen (200%). Now each value
    has the box's whole width, under its term. (Material's header is left out: its own buttons.)"""
    url, browser = chromium
    page = open_page(browser, url + path, (320, 640))
    page.evaluate(f"document.documentElement.style.fontSize = '{20 * scale}px'")
    box = page.evaluate(
        """() => { const dl = document.querySelector('.cb-meta'), s = getComputedStyle(dl);
        return { width: dl.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight), right: window.innerWidth,
                 values: [...dl.querySelectorAll('dd')].map(d => [d.getBoundingClientRect().width, d.getBoundingClientRect().right]) }; }"""
    )
    page.context.close()
    assert box["values"] and all(w >= box["width"] - 1 and right <= box["right"] for w, right in box["values"]), box


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_reflows_with_the_text_at_twice_its_size(chromium, name, path):
    """At 200% text on a 320 px phone, Material's header buttons overflowed: the colour scheme switch
    gives way (a container query on the header), and nothing else is wider than the screen."""
    url, browser = chromium
    page = open_page(browser, url + path, (320, 640))
    page.evaluate("document.documentElement.style.fontSize = '40px'")
    scroll_width, width = overflow(page)
    page.context.close()
    assert scroll_width <= width, f"{name} is {scroll_width} px wide at {width} px with its text at 200%"


@pytest.mark.parametrize("size", [(568, 320), (320, 640)], ids=["landscape", "portrait"])
def test_a_link_reached_with_shift_tab_is_not_hidden_under_the_header(chromium, size):
    """Going up a case with Shift+Tab scrolled each link just into view: under the sticky header,
    or the "Back to top" button below it (WCAG 2.2, 2.4.11)."""
    url, browser = chromium
    page = open_page(browser, url + "cases/malmo-area-programme/", size)
    page.locator(".md-footer a").last.focus()
    hidden = []
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        where = page.evaluate(
            """() => { const e = document.activeElement, r = e.getBoundingClientRect();
            let cover = document.querySelector('.md-header').getBoundingClientRect().bottom;
            const top = document.querySelector('.md-top');
            if (top && !top.hidden && getComputedStyle(top).opacity > 0.5) {
              const t = top.getBoundingClientRect();
              if (t.left < r.right && t.right > r.left) cover = Math.max(cover, t.bottom);
            }
            return [e.tagName, (e.textContent || '').trim().slice(0, 30), r.top, r.bottom, cover]; }"""
        )
        if (
            where[0] != "BODY"
            and where[2] < where[4] - 1
            and where[3] > 0
            and not page.evaluate("document.activeElement.closest('.md-header, .md-top, .md-sidebar')")
        ):
            hidden.append(where)
    page.context.close()
    assert not hidden, hidden


ON_SCREEN = """() => { const e = document.activeElement;
  const next = e.nextElementSibling, shown = [e, ...(e.labels || []), ...(next && next.tagName === 'LABEL' ? [next] : [])];
  const boxes = shown.map(x => x.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  return e !== document.body && boxes.some(r => r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight); }"""
"""Whether the element with the keyboard focus, or a label of it, is on the screen (in part at least):
Material's palette switch is a hidden radio button; the label after it shows it and its focus."""


def test_every_control_the_keyboard_reaches_on_a_phone_is_on_the_screen(chromium):
    """The navigation drawer's links were in the Tab order while the drawer was off the screen: the
    focus went where nobody saw it. Now the drawer comes in with the focus (Material slides it)."""
    url, browser = chromium
    page = open_page(browser, url, (320, 640))
    reached = []
    for _ in range(18):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("(document.activeElement.textContent || '').trim().slice(0, 40)"))
        try:
            page.wait_for_function(ON_SCREEN, timeout=5_000)
        except PlaywrightTimeout:
            raise AssertionError(f"focus off the screen after {reached}") from None
    page.context.close()
    assert "Contribute" in reached, reached  # the drawer's last link was reached


def test_the_menu_button_opens_and_closes_the_navigation_from_the_keyboard(chromium):
    url, browser = chromium
    page = open_page(browser, url, (320, 640))
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Navigation":
            break
    button = page.locator("label.md-header__button[for=__drawer]")
    expect(button).to_be_focused()
    for key, opened in (("Enter", True), ("Enter", False), (" ", True)):
        page.keyboard.press(key)
        assert page.evaluate("document.getElementById('__drawer').checked") is opened, key
        expect(button).to_have_attribute("aria-expanded", "true" if opened else "false")
    page.context.close()


def test_tabbing_past_the_search_box_closes_it(chromium):
    """Focus in the search box opens it over the page; Tab past it left it open, over the page the
    focus had gone to."""
    url, browser = chromium
    page = open_page(browser, url, (320, 640))
    page.locator(".cb-search input").focus()
    assert page.evaluate("document.getElementById('__search').checked")
    for _ in range(5):  # past the box's own controls
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.closest('.cb-search')"):
            break
    assert not page.evaluate("document.activeElement.closest('.cb-search')")
    assert not page.evaluate("document.getElementById('__search').checked")
    page.context.close()
