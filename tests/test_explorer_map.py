"""The explorer's Map view in Chromium: the markers follow the filters, a place with several cases
opens their list, the cases not on the map are counted and linked, the view is in the address, and
it works by keyboard, at 320 px, with axe and without asking any other host for anything.

The map's data is the ``data/map.json`` the build writes (casebook/maps.py); what the markers must
show is computed from it and from the reference semantics of the filters (casebook/facets.py)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import axe, serve
from playwright.sync_api import expect

from casebook import load_library
from casebook.facets import State, matches, rows
from conftest import build, make_case, make_library

PLACES = [  # file, title, country, municipality, keywords
    ("malmo-1.md", "Malmö first", "SE", "Malmö", ["participation", "safety", "evaluation"]),
    ("malmo-2.md", "Malmö second", "SE", "Malmö", ["participation", "schools", "evaluation"]),
    ("malmo-3.md", "Malmö third", "SE", "Malmö", ["safety", "schools", "evaluation"]),
    ("botkyrka.md", "Botkyrka only", "SE", "Botkyrka", ["participation", "safety", "evaluation"]),
    ("odense-1.md", "Odense first", "DK", "Odense", ["participation", "safety", "evaluation"]),
    ("odense-2.md", "Odense second", "DK", "Odense", ["schools", "safety", "evaluation"]),
    ("oslo.md", "Oslo only", "NO", "Oslo", ["participation", "schools", "evaluation"]),
    ("espoo.md", "Espoo only", "FI", "Espoo", ["participation", "safety", "evaluation"]),
    ("nowhere.md", "Nowhere at all", "SE", "Nowhereby", ["participation", "safety", "evaluation"]),
]
"""Nine cases: a place with three, one with two, four with one, and one case no gazetteer places."""


def cases() -> dict:
    out = {}
    for name, title, country, municipality, keywords in PLACES:
        text = make_case(title, country, municipality, keywords)
        out[name] = text.replace("neighbourhoods:\n  - Seved\n", "")
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = make_library(tmp_path_factory.mktemp("map") / "lib", cases())
    built = build(root)
    assert built.returncode == 0, built.output
    lib = load_library(root)
    file = built.site / "data" / "map.json"
    assert file.is_file(), "the build writes data/map.json"
    data = json.loads(file.read_text("utf-8"))
    with serve(built.site) as url:
        yield {"url": url, "lib": lib, "map": data, "site": built.site}


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    assert errors == []


def matching(site, url: str) -> list[str]:
    """The ids of the cases the view at ``url`` shows, by the reference semantics (facets.py)."""
    q = parse_qs(urlsplit(url).query)
    state = State(keywords=q.get("keyword", []), match=q.get("match", ["all"])[0], countries=q.get("country", []))
    return [r.id for r in rows(site["lib"]) if matches(r, state)]


def expected_places(site, ids: list[str]) -> dict:
    """{place name: the matching cases there} for the places with some."""
    out: dict = {}
    for place in site["map"]["places"]:
        here = [c for c in place["cases"] if c in ids]
        if here:
            out.setdefault(place["name"], set()).update(here)
    return out


MARKERS = """() => { const map = document.getElementById('cb-map');
    return {for: map.dataset.for, off: document.getElementById('cb-map-off').dataset.off,
            markers: [...map.querySelectorAll('.cb-marker')].map(m => ({places: JSON.parse(m.dataset.places),
                count: Number(m.dataset.count), tag: m.tagName, href: m.getAttribute('href'),
                key: m.dataset.key}))}; }"""


def markers(page, count: int) -> dict:
    """The markers, once the map is drawn for the page's address with exactly ``count`` of them."""
    page.wait_for_function(
        "n => { const m = document.getElementById('cb-map'); return m && !m.hidden && m.dataset.for === location.search"
        " && m.querySelectorAll('.cb-marker').length === n; }",
        arg=count,
    )
    return page.evaluate(MARKERS)


def drawn(page) -> dict:
    """The markers, once the map is drawn for the page's current address (``data-for``, set after
    the markers): never a reading of a map still drawn for an earlier view, or not drawn yet."""
    page.wait_for_function(
        "() => { const m = document.getElementById('cb-map'); return m && !m.hidden && m.dataset.for === location.search; }"
    )
    return page.evaluate(MARKERS)


def assert_markers_follow(page, site) -> dict:
    """The markers show exactly the places of the matching cases, each with its number of cases."""
    ids = matching(site, page.url)
    places = expected_places(site, ids)
    # Places nearer each other than a marker share one: count the markers the map would draw.
    snap = drawn(page)
    assert sorted(p for m in snap["markers"] for p in m["places"]) == sorted(places)
    for m in snap["markers"]:
        assert m["count"] == len(set().union(*(places[p] for p in m["places"]))), m
        assert (m["tag"] == "A") == (m["count"] == 1)
        if m["tag"] == "A":
            assert m["href"] == "../cases/" + next(iter(places[m["places"][0]])) + "/"
    on_map = set().union(*places.values()) if places else set()
    assert int(snap["off"]) == len([i for i in ids if i not in on_map])
    return snap


def open_map(page, site, query="?view=map"):
    page.goto(site["url"] + "explore/" + query)
    expect(page.locator("#cb-total")).to_have_text(re.compile(r"^\d+ of \d+ cases?$"))


def test_switching_to_the_map_puts_it_in_the_address_and_the_markers_follow_the_filters(page, site):
    page.goto(site["url"] + "explore/")
    expect(page.locator("#cb-total")).to_have_text("9 of 9 cases")
    expect(page.locator("[data-show=list]")).to_have_attribute("aria-pressed", "true")
    length = page.evaluate("history.length")
    page.locator("[data-show=map]").click()
    expect(page.locator("[data-show=map]")).to_have_attribute("aria-pressed", "true")
    assert urlsplit(page.url).query == "view=map"
    assert page.evaluate("history.length") == length + 1
    expect(page.locator("#cb-list")).to_be_hidden()
    snap = markers(page, 5)  # Malmö, Botkyrka, Odense, Oslo, Espoo
    assert_markers_follow(page, site)
    assert sorted(m["count"] for m in snap["markers"]) == [1, 1, 1, 2, 3]
    page.locator("input[name=country][value=SE]").check()
    expect(page.locator("#cb-total")).to_have_text("5 of 9 cases")
    assert parse_qs(urlsplit(page.url).query) == {"view": ["map"], "country": ["SE"]}
    snap = markers(page, 2)
    assert sorted(p for m in snap["markers"] for p in m["places"]) == ["Botkyrka", "Malmö"]
    assert_markers_follow(page, site)
    page.locator("details.cb-kwgroup:has(input[value=schools])").evaluate("d => d.open = true")
    page.locator("input[name=keyword][value=schools]").check()  # Malmö second and third
    snap = markers(page, 1)
    assert snap["markers"][0]["places"] == ["Malmö"] and snap["markers"][0]["count"] == 2
    assert_markers_follow(page, site)
    page.go_back()
    markers(page, 2)
    page.locator("[data-show=list]").click()
    expect(page.locator("#cb-map")).to_be_hidden()
    expect(page.locator("#cb-list li")).to_have_count(5)
    assert "view" not in parse_qs(urlsplit(page.url).query)


def test_a_place_with_several_cases_opens_their_list_by_keyboard_only(page, site):
    open_map(page, site, "")
    page.locator("[data-show=list]").focus()
    page.keyboard.press("Tab")
    expect(page.locator("[data-show=map]")).to_be_focused()
    page.keyboard.press("Enter")
    markers(page, 5)
    malmo = page.locator(".cb-marker[data-count='3']")
    for _ in range(30):  # Tab on to the marker
        page.keyboard.press("Tab")
        if malmo.evaluate("m => m === document.activeElement"):
            break
    expect(malmo).to_be_focused()
    box = malmo.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    outline = malmo.evaluate("m => getComputedStyle(m).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Space")
    expect(malmo).to_have_attribute("aria-expanded", "true")
    panel = page.locator("#cb-map-place")
    expect(panel.locator(".cb-map__place-title")).to_be_focused()
    expect(panel.locator(".cb-map__place-title")).to_have_text("Malmö: 3 matching cases")
    assert panel.locator("li a").evaluate_all("as => as.map(a => a.dataset.caseId)") == [
        "malmo-1",
        "malmo-2",
        "malmo-3",
    ]
    page.keyboard.press("Tab")
    expect(panel.locator("li a").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/malmo-1/")
    page.go_back()
    markers(page, 5)


def test_a_place_with_one_case_links_straight_to_it(page, site):
    open_map(page, site)
    markers(page, 5)
    oslo = page.locator(".cb-marker", has_text="Oslo")
    oslo.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/oslo/")


def test_the_cases_not_on_the_map_are_counted_and_linked(page, site):
    open_map(page, site)
    snap = assert_markers_follow(page, site)
    assert snap["off"] == "1"
    line = page.locator("#cb-map-off")
    expect(line).to_contain_text("8 matching cases on the map")
    expect(line).to_contain_text("1 matching case is not on the map")
    assert line.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))") == ["../cases/nowhere/"]
    page.locator("input[name=country][value=DK]").check()
    markers(page, 1)
    expect(line).to_have_attribute("data-off", "0")
    expect(line).to_contain_text("Every matching case is on the map.")


def test_the_address_restores_the_map_with_its_filters(page, site):
    open_map(page, site, "?view=map&country=SE")
    expect(page.locator("[data-show=map]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("input[name=country][value=SE]")).to_be_checked()
    markers(page, 2)
    assert_markers_follow(page, site)
    page.reload()
    markers(page, 2)
    assert_markers_follow(page, site)
    page.goto(site["url"] + "explore/?View=Map&Country=Sweden")  # read leniently, written canonically
    markers(page, 2)
    assert urlsplit(page.url).query == "view=map&country=SE"


def test_a_multi_case_list_follows_the_filters(page, site):
    open_map(page, site)
    markers(page, 5)
    page.locator(".cb-marker[data-count='3']").click()
    expect(page.locator("#cb-map-place li")).to_have_count(3)
    page.locator("details.cb-kwgroup:has(input[value=schools])").evaluate("d => d.open = true")
    page.locator("input[name=keyword][value=schools]").check()
    markers(page, 3)  # Malmö (2), Odense (1), Oslo (1)
    expect(page.locator("#cb-map-place li")).to_have_count(2)
    page.locator("input[name=country][value=NO]").check()
    markers(page, 1)
    expect(page.locator("#cb-map-place")).to_be_hidden()


def test_at_320_px_the_map_fits_and_every_marker_is_a_target(browser, site):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    open_map(page, site)
    snap = drawn(page)
    assert 1 <= len(snap["markers"]) <= 5
    assert_markers_follow(page, site)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("innerWidth")
    sizes = page.locator(".cb-marker, .cb-views__button").evaluate_all(
        "ms => ms.map(m => { const r = m.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert [s for s in sizes if s[0] < 24 or s[1] < 24] == []
    context.close()


@pytest.mark.parametrize(("width", "height", "scheme"), [(1280, 900, "light"), (320, 640, "light"), (390, 844, "dark")])
def test_axe_finds_nothing_on_the_map(browser, site, width, height, scheme):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    open_map(page, site)
    many = drawn(page)
    key = next(m["key"] for m in many["markers"] if m["tag"] == "BUTTON")
    page.locator(f".cb-marker[data-key='{key}']").click()
    expect(page.locator("#cb-map-place")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")  # as the other axe tests: nothing scrolled under Material's fixed header
    # Back at the top, Material fades its tabs in again, and axe would measure their text's contrast
    # half-faded: they are left out here (the explorer's axe tests in test_accessibility.py, run
    # unscrolled, check them).
    violations, _ = axe(page, exclude=[".md-tabs"])
    context.close()
    assert violations == []


def test_the_map_is_loaded_only_when_shown_and_only_from_the_site(browser, site):
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    open_map(page, site, "")
    page.wait_for_load_state("networkidle")
    assert not any(r.endswith("/data/map.json") for r in requests)
    page.locator("[data-show=map]").click()
    markers(page, 5)
    page.wait_for_load_state("networkidle")
    context.close()
    assert sum(r.endswith("/data/map.json") for r in requests) == 1
    own = urlsplit(site["url"]).netloc
    assert sorted({r for r in requests if urlsplit(r).scheme in ("http", "https") and urlsplit(r).netloc != own}) == []


def touch(cdp, kind: str, points: list) -> None:
    """One touch event through Chromium's input pipeline (as a finger on a phone's screen)."""
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]})


def gesture(cdp, start: list, end: list, steps: int = 8) -> None:
    """Fingers put down at ``start`` (one point per finger), moved in ``steps`` to ``end``, lifted."""
    touch(cdp, "touchStart", start)
    for k in range(1, steps + 1):
        moved = [
            (a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps)
            for a, b in zip(start, end, strict=True)
        ]
        touch(cdp, "touchMove", moved)
    touch(cdp, "touchEnd", [])


def test_on_a_phone_a_finger_pans_the_map_and_two_fingers_zoom_it(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    open_map(page, site)
    drawn(page)
    canvas = page.locator(".cb-map__canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    key = page.locator(".cb-marker").evaluate_all(  # the marker nearest the middle: it stays in view
        """(ms, [cx, cy]) => ms.map(m => { const r = m.getBoundingClientRect();
            return [Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy), m.dataset.key]; }).sort((a, b) => a[0] - b[0])[0][1]""",
        [cx, cy],
    )
    before = page.locator(f".cb-marker[data-key='{key}']").bounding_box()
    cdp = context.new_cdp_session(page)
    x, y = box["x"] + 20, box["y"] + box["height"] - 40  # a corner of open map, away from markers and controls
    gesture(cdp, [(x, y)], [(x + 40, y - 30)])
    after = page.locator(f".cb-marker[data-key='{key}']").bounding_box()
    assert abs(after["x"] - before["x"] - 40) < 6 and abs(after["y"] - before["y"] + 30) < 6, (before, after)
    zoom = float(canvas.get_attribute("data-zoom"))
    gesture(cdp, [(cx - 30, cy), (cx + 30, cy)], [(cx - 110, cy), (cx + 110, cy)])
    page.wait_for_function("z => Number(document.querySelector('.cb-map__canvas').dataset.zoom) > z + 1", arg=zoom)
    context.close()


TILE = "https://tiles.example.test/{z}/{x}/{y}.png"
CREDIT = '<img src=x onerror="window.hacked = 1"> © Tiles & Co'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def tiled(tmp_path_factory):
    """The same library with a tile layer configured (off by default)."""
    root = make_library(tmp_path_factory.mktemp("tiles") / "lib", cases())
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    extra = f"  casebook:\n    map_tiles: {TILE}\n    map_attribution: '{CREDIT}'\n    map_max_zoom: 16\n"
    config.write_text(text.replace("  casebook:\n", extra, 1), "utf-8")
    built = build(root)
    assert built.returncode == 0, built.output
    with serve(built.site) as url:
        yield url


def test_a_configured_tile_layer_is_the_one_other_host_and_its_credit_is_text(browser, tiled):
    context = browser.new_context()
    asked: list[str] = []
    context.route("https://tiles.example.test/**", lambda route: route.fulfill(body=PNG, content_type="image/png"))
    context.on("request", lambda request: asked.append(request.url))
    page = context.new_page()
    page.goto(tiled + "explore/?view=map")
    drawn(page)
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
    credit = page.locator(".leaflet-control-attribution")
    expect(credit).to_contain_text(CREDIT)
    assert page.evaluate("window.hacked") is None and credit.locator("img").count() == 0
    assert page.locator(".cb-map__country").count() == 0, "the tiles replace the outlines"
    own = urlsplit(tiled).netloc
    others = {
        urlsplit(r).netloc for r in asked if urlsplit(r).scheme in ("http", "https") and urlsplit(r).netloc != own
    }
    context.close()
    assert others == {"tiles.example.test"}
    assert all(re.fullmatch(r"https://tiles\.example\.test/\d+/\d+/\d+\.png", r) for r in asked if "tiles.example" in r)
