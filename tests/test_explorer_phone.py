"""The explorer on phones (320 and 390 CSS px) and with axe, WCAG 2.2 included, at phone and desktop widths.

Real site (the repository's cases and vocabulary), Debian's Chromium through Playwright.
"""

from __future__ import annotations

import re

import pytest
from browser import CHROMIUM_ARGS, axe, chromium_path, serve
from playwright.sync_api import expect, sync_playwright

from casebook import load_library
from casebook.facets import State, matches, rows

WIDTHS = [(320, 640), (390, 844)]
VIEW = "?keyword=participation&keyword=safty&country=SE&q=trygghet"
"""A view with a ticked keyword and country, words matched through a Swedish label and a
misspelt keyword (the notice with a suggestion)."""
NO_MATCH = "?country=DK&q=Botkirka%20trygghet"
"""A view no case matches: a misspelt place among other words and another filter (the message
with a did-you-mean, the search of the whole text and the ways to browse)."""


@pytest.fixture(scope="module")
def real(real_site):
    with serve(real_site.site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield {"url": url, "browser": browser, "lib": load_library(real_site.site.parent)}
        browser.close()


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w, _ in WIDTHS])
def phone(real, request):
    width, height = request.param
    context = real["browser"].new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


def open_view(page, real, query=""):
    page.goto(real["url"] + "explore/" + query)
    expect(page.locator("#cb-total")).to_have_text(re.compile(r"^\d+ of \d+ cases$"))


def expected_total(real, **state) -> str:
    all_rows = rows(real["lib"])
    return f"{sum(matches(r, State(**state)) for r in all_rows)} of {len(all_rows)} cases"


def rect(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().toJSON()")


def test_one_column_that_fits_the_screen(phone, real):
    open_view(phone, real, VIEW)
    expect(phone.locator("#cb-total")).to_have_text(
        expected_total(real, keywords=["participation"], countries=["SE"], q="trygghet")
    )
    expect(phone.locator("#cb-notice")).to_be_visible()
    expect(phone.locator(".cb-why").first).to_be_visible()
    width = phone.evaluate("innerWidth")
    columns = phone.locator("#cb-explore").evaluate("e => getComputedStyle(e).gridTemplateColumns")
    assert len(columns.split()) == 1, columns
    results, filters = rect(phone, ".cb-results"), rect(phone, ".cb-filters")
    assert results["width"] >= 0.9 * width
    assert results["top"] >= filters["bottom"]  # below the filters, not beside them
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    wide = phone.evaluate(
        """w => [...document.querySelectorAll('article *')].filter(e => e.getClientRects().length
             && e.getBoundingClientRect().right > w + 0.5).map(e => e.tagName + '.' + e.className)""",
        width,
    )
    assert wide == []


def test_the_count_and_a_way_to_the_results_stay_in_view(phone, real):
    open_view(phone, real)
    bar = phone.locator(".cb-bar")
    expect(bar.locator("#cb-bar-total")).to_have_text(expected_total(real))
    phone.locator("fieldset[data-facet=keyword]").evaluate("e => e.scrollIntoView()")
    header = rect(phone, ".md-header")
    phone.wait_for_function(
        "h => Math.abs(document.querySelector('.cb-bar').getBoundingClientRect().top - h) < 1", arg=header["bottom"]
    )
    box = rect(phone, ".cb-bar")
    on_top = phone.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.cb-bar') !== null",
        [box["left"] + box["width"] / 2, box["top"] + box["height"] / 2],
    )
    assert on_top, "the bar is not covered"
    assert box["height"] < 0.15 * phone.evaluate("innerHeight")
    # Tick a keyword far down the form: the count in the bar follows.
    phone.locator("summary", has_text="Social inclusion and cohesion").click()
    phone.locator("input[name=keyword][value=safety]").check()
    expect(bar.locator("#cb-bar-total")).to_have_text(expected_total(real, keywords=["safety"]))
    expect(phone.locator("#cb-total")).to_have_text(expected_total(real, keywords=["safety"]))
    assert abs(rect(phone, ".cb-bar")["top"] - header["bottom"]) < 1
    bar.locator("#cb-jump").click()
    expect(phone.locator("#cb-results-title")).to_be_focused()
    heading = rect(phone, "#cb-results-title")
    assert rect(phone, ".cb-bar")["bottom"] <= heading["top"] < phone.evaluate("innerHeight")
    assert phone.url.endswith("/explore/?keyword=safety")  # the jump did not change the address


CONTROLS = """() => [...document.querySelectorAll(
    '#cb-explore a, #cb-explore button, #cb-explore input, #cb-explore summary, #cb-explore label')]
    .filter(e => e.getClientRects().length)
    .map(e => { const r = e.getBoundingClientRect();
                return {what: e.outerHTML.slice(0, 80), width: r.width, height: r.height}; })"""


def test_every_control_is_at_least_24_px_square(phone, real):
    open_view(phone, real, VIEW)
    phone.locator("details.cb-kwgroup").evaluate_all("ds => ds.forEach(d => d.open = true)")
    controls = phone.evaluate(CONTROLS)
    assert len(controls) > 100
    small = [c for c in controls if c["width"] < 24 or c["height"] < 24]
    assert small == []


def test_when_nothing_matches_every_way_on_is_a_tap_target_and_fits(phone, real):
    open_view(phone, real, NO_MATCH)
    message = phone.locator(".cb-nomatch")
    expect(message).to_have_attribute("data-suggested", "1")
    expect(message.locator(".cb-nomatch__list a")).to_have_text("Botkyrka")
    links = message.locator("a").evaluate_all(
        "links => links.map(a => { const r = a.getBoundingClientRect(); return [a.textContent, r.width, r.height]; })"
    )
    assert len(links) == 5
    assert [link for link in links if link[1] < 24 or link[2] < 24] == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= phone.evaluate("innerWidth")


FOCUSED = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
    const bar = document.querySelector('.cb-bar').getBoundingClientRect();
    return {id: e.outerHTML, top: r.top, bottom: r.bottom, bar: bar.bottom, height: innerHeight,
            inside: !!e.closest('#cb-explore form, #cb-explore .cb-results')}; }"""


def tab_through(page, key: str) -> set:
    """Press ``key`` until focus leaves the form and the results; every focused control
    is wholly below the bar and above the bottom of the screen (WCAG 2.4.11)."""
    seen = set()
    for _ in range(200):
        page.keyboard.press(key)
        where = page.evaluate(FOCUSED)
        if not where["inside"]:
            return seen
        seen.add(where["id"])
        assert where["top"] >= where["bar"] - 1 and where["bottom"] <= where["height"] + 1, where
    raise AssertionError("focus never left the explorer")


def test_keyboard_focus_is_never_under_the_bar(phone, real):
    open_view(phone, real, "?q=programme")
    phone.locator("details.cb-kwgroup").evaluate_all("ds => ds.forEach(d => d.open = true)")
    focusable = phone.evaluate(
        """() => [...document.querySelectorAll('#cb-explore a, #cb-explore button, #cb-explore input, #cb-explore summary')]
                 .filter(e => e.getClientRects().length && !e.disabled && e.tabIndex >= 0
                         && !e.closest('.cb-bar') && !(e.type === 'radio' && !e.checked)).length"""
    )
    phone.locator("#cb-q").focus()
    forward = tab_through(phone, "Tab")
    assert len(forward) == focusable - 1 > 40  # every control after the words field (one stop for the radio group)
    phone.locator("#cb-list li:last-child a").focus()
    backward = tab_through(phone, "Shift+Tab")  # coming from below, controls appear at the top
    assert len(backward) == focusable - 1


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(320, 640, "light"), (390, 844, "light"), (390, 844, "dark"), (1280, 900, "light")],
)
def test_axe_finds_nothing(real, width, height, scheme):
    context = real["browser"].new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    open_view(page, real, VIEW)
    expect(page.locator("#cb-notice")).to_be_visible()
    assert_axe_finds_nothing(page, context)


@pytest.mark.parametrize(("width", "height", "scheme"), [(320, 640, "light"), (390, 844, "dark")])
def test_axe_finds_nothing_when_no_case_matches(real, width, height, scheme):
    context = real["browser"].new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    open_view(page, real, NO_MATCH)
    expect(page.locator(".cb-nomatch")).to_have_attribute("data-suggested", "1")
    assert_axe_finds_nothing(page, context)


def assert_axe_finds_nothing(page, context):
    """Run axe with the WCAG 2.2 rules on the explorer (every keyword group open); closes the context."""
    page.locator("details.cb-kwgroup").evaluate_all("ds => ds.forEach(d => d.open = true)")
    violations, _ = axe(page)
    context.close()
    assert violations == []


def test_keyboard_focus_is_visible_on_every_control(phone, real):
    """Tab through the explorer: every control that takes the focus shows it (WCAG 2.4.7).
    Material removes the outline of inputs; explore.css gives it back."""
    open_view(phone, real)
    phone.locator("#cb-q").focus()
    seen: dict = {}
    for _ in range(40):
        phone.keyboard.press("Tab")
        focused = phone.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                return { inside: !!e.closest('#cb-explore'), kind: e.tagName + ':' + (e.type || ''),
                         ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 }; }"""
        )
        if focused["inside"]:
            seen.setdefault(focused["kind"], []).append(focused["ring"])
    assert {"INPUT:checkbox", "INPUT:radio"} <= set(seen), seen
    assert all(all(rings) for rings in seen.values()), seen
