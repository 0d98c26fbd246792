"""Gathered markers (markercluster) by keyboard and mouse: no dead tab stops, keyboard order top to
bottom, a focused marker is in view, Escape closes a list, a keyboard press after a mouse drag still
opens it, and a resized map is fitted again. Suggested by the breakmap review."""

from __future__ import annotations

import json

import pytest
from browser import CHROMIUM_ARGS, axe, chromium_path, serve
from playwright.sync_api import expect, sync_playwright

from conftest import build, make_case, make_library

NEAR = [  # file, place, latitude, longitude: Alby and Fittja 1.5 km apart, always gathered at the fitted zoom
    ("alby.md", "Alby", 59.2333, 17.85),
    ("fittja.md", "Fittja", 59.2474, 17.861),
    ("malmo.md", "Malmö", 55.605, 13.0038),
    ("kiruna.md", "Kiruna", 67.8557, 20.2253),
    ("umea.md", "Umeå", 63.8258, 20.263),
]


def cases() -> dict:
    out = {}
    for name, place, lat, lon in NEAR:
        text = make_case(place + " programme", "SE", place, ["participation", "safety", "evaluation"])
        loc = f"locations:\n  - place: {json.dumps(place)}\n    latitude: {lat}\n    longitude: {lon}\n"
        out[name] = text.replace("neighbourhoods:\n  - Seved\n", "").replace("period:\n", loc + "period:\n", 1)
    return out


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    built = build(make_library(tmp_path_factory.mktemp("clusters") / "lib", cases()))
    assert built.returncode == 0, built.output
    with serve(built.site) as address:
        yield address + "explore/?view=map"


@pytest.fixture
def page(url):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_function(
            "() => { const m = document.getElementById('cb-map');"
            " return m && !m.hidden && m.dataset.for === location.search; }"
        )
        page.locator(".cb-map__canvas").scroll_into_view_if_needed()
        yield page
        browser.close()
        assert errors == []


GATHERED = '.cb-marker[data-places=\'["Alby","Fittja"]\']'


def test_a_gathered_marker_is_one_tab_stop_and_axe_finds_nothing(page):
    expect(page.locator(GATHERED)).to_have_count(1)
    assert page.locator(".leaflet-marker-icon[tabindex], .leaflet-marker-icon[role]").count() == 0
    page.locator(GATHERED).click()
    expect(page.locator("#cb-map-place")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    violations, _ = axe(page, exclude=[".md-tabs"])
    assert violations == []


def test_the_keyboard_meets_the_markers_top_to_bottom(page):
    page.locator(".cb-map__canvas").focus()
    seen = []
    for _ in range(len(NEAR)):
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.classList.contains('cb-marker')"):
            break
        seen.append(page.evaluate("document.activeElement.getBoundingClientRect().y"))
    assert len(seen) == 4 and seen == sorted(seen)


def test_escape_closes_the_list_and_the_focus_goes_back_to_its_marker(page):
    page.locator(GATHERED).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cb-map-place .cb-map__place-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#cb-map-place")).to_be_hidden()
    expect(page.locator(GATHERED)).to_be_focused()


def test_a_keyboard_press_after_a_mouse_drag_opens_the_list(page):
    box = page.locator(".cb-map__canvas").bounding_box()
    x, y = box["x"] + 40, box["y"] + box["height"] - 40  # open map, away from markers and controls
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y - 30, steps=8)
    page.mouse.up()
    page.locator(GATHERED).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cb-map-place")).to_be_visible()


def test_a_focused_marker_is_in_view(page):
    page.locator(".cb-map__canvas").focus()
    for _ in range(2):  # markers off the map's edges, still in its pane (markercluster keeps a viewport around)
        page.keyboard.press("+")
    assert page.locator(".cb-marker").evaluate_all(
        """ms => { const c = document.querySelector('.cb-map__canvas').getBoundingClientRect();
            return ms.some(m => { const r = m.getBoundingClientRect(); return r.y < c.y || r.bottom > c.bottom
                || r.x < c.x || r.right > c.right; }); }"""
    )
    inside = """() => { const c = document.querySelector('.cb-map__canvas').getBoundingClientRect(),
        r = document.activeElement.getBoundingClientRect();
        return r.x >= c.x && r.y >= c.y && r.right <= c.right && r.bottom <= c.bottom; }"""
    checked = 0
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("!document.querySelector('.leaflet-marker-pane').contains(document.activeElement)"):
            break
        assert page.evaluate(inside), page.evaluate("document.activeElement.outerHTML")
        checked += 1
    assert checked >= 2


def test_a_map_made_narrower_is_fitted_again(page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_function(
        """() => { const c = document.querySelector('.cb-map__canvas').getBoundingClientRect();
            const ms = [...document.querySelectorAll('.cb-marker')];
            return c.width < 320 && ms.length === 4 && ms.every(m => { const r = m.getBoundingClientRect();
                return r.x >= c.x && r.right <= c.right && r.y >= c.y && r.bottom <= c.bottom; }); }"""
    )
