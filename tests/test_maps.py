"""Maps: the Natural Earth basemap decoded and projected (hooks/casebook/maps.py), the explorer's
data/map.json, and a country page's build-time SVG map, with its markers' links, counts and the
cases not on it, on a phone and under axe (Chromium via Playwright)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from browser import CHROMIUM_ARGS, axe, chromium_path, serve
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from casebook import maps, vendor
from casebook.gazetteer import Location
from conftest import ROOT, build, make_case, make_library

ODENSE = (55.3959, 10.3883)
"""Odense's centre, degrees north and east."""


def rings(d: str) -> list:
    """SVG path data as written by maps._path → ``[[(x, y)]]``."""
    return [
        [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", part)] for part in d.split("M")[1:]
    ]


def inside(point: tuple, d: str) -> bool:
    """Whether ``point`` is inside the path (even-odd rule over all its rings)."""
    x, y = point
    hit = False
    for ring in rings(d):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


def test_denmarks_outline_holds_odenses_projected_point():
    place = {"name": "Odense", "latitude": ODENSE[0], "longitude": ODENSE[1], "cases": ["c"]}
    drawn = maps.country_map("DK", [place])
    shapes = {shape["code"]: shape for shape in drawn["land"]}
    marker = drawn["places"][0]
    assert shapes["DK"]["own"] and not shapes["SE"]["own"]
    assert inside((marker["x"], marker["y"]), shapes["DK"]["d"])
    assert not inside((marker["x"], marker["y"]), shapes["SE"]["d"])
    assert not inside((marker["x"], marker["y"]), shapes["DE"]["d"])
    assert marker["count"] == 1 and marker["names"] == ["Odense"]


def test_swedens_main_body_and_the_view_around_it():
    south, north, west, east = maps.main_box("SE")
    assert (south, north, west, east) == pytest.approx((55.34, 69.06, 11.11, 24.17), abs=0.2)
    north_no = maps.main_box("NO")[1]
    assert north_no < 72, "Svalbard is not part of Norway's main body"
    assert maps.main_box("DK")[3] > 15, "Bornholm is part of Denmark's"
    drawn = maps.country_map("SE", [])
    width, height = map(float, drawn["viewBox"].split()[2:])
    assert width == maps.WIDTH and maps.MIN_RATIO * width <= height <= maps.MAX_RATIO * width + 0.1


def test_rings_do_not_jump_across_the_antimeridian():
    for polygon in maps.countries()["RU"]["polygons"]:
        for ring in polygon:
            assert all(abs(a[0] - b[0]) < 180 for a, b in itertools.pairwise(ring))


class Case:
    """What maps.library_map reads of a case."""

    def __init__(self, cid, country, *places):
        self.id, self.country = cid, country
        self.locations = tuple(Location(name, lat, lon, "gazetteer") for name, lat, lon in places)


def test_library_map_is_deterministic_and_stores_each_place_once():
    cases = [
        Case("b", "SE", ("Malmö", 55.605, 13.0038)),
        Case("a", "SE", ("Malmö", 55.605, 13.0038), ("Seved", 55.5843, 13.0105)),
        Case("c", "DK", ("Odense", *ODENSE)),
        Case("d", "SE"),
    ]
    text = maps.library_map_json(cases)
    assert text == maps.library_map_json(cases[::-1])
    data = json.loads(text)
    assert list(data) == ["bounds", "land", "places", "unplaced"]
    (south, west), (north, east) = data["bounds"]
    assert south < 55.39 and north > 55.61 and west < 10.39 and east > 13.01
    assert [(p["name"], p["country"], p["cases"]) for p in data["places"]] == [
        ("Malmö", "SE", ["a", "b"]),
        ("Seved", "SE", ["a"]),
        ("Odense", "DK", ["c"]),
    ]
    assert data["unplaced"] == ["d"]
    assert {shape["code"] for shape in data["land"]} >= {"SE", "DK", "NO", "DE"}
    assert all(set(shape) == {"code", "name", "rings"} for shape in data["land"])
    assert data["places"][0]["lat"] == 55.605 and data["places"][0]["lon"] == 13.0038
    for shape in data["land"]:
        for ring in shape["rings"]:
            assert len(ring) % 2 == 0 and len(ring) >= 6, "lat, lon pairs, at least a triangle"
            lats, lons = ring[0::2], ring[1::2]
            tall, wide = (north - south) / 10 + 0.01, (east - west) / 10 + 0.01  # clipped a tenth outside
            assert all(south - tall <= v <= north + tall for v in lats), "clipped near the bounds"
            assert all(west - wide <= v <= east + wide for v in lons)
            assert all(len(str(v).partition(".")[2]) <= 2 for v in ring), "rounded to 0.01 degree"


UNKNOWN = "Nowhereville Xq"
KW = ["participation", "safety", "segregation"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A library: two cases in Botkyrka (in Alby and in Fittja), one in Odense (Vollsmose placed by
    the case file), one in Sweden at no known place."""
    nowhere = make_case("Lost programme", "SE", UNKNOWN, KW).replace("  - Seved", "  - Nowhere Park")
    odense = make_case("Gamma programme", "DK", "Odense", KW).replace("  - Seved", "  - Vollsmose")
    odense = odense.replace(
        "period:", "locations:\n  - place: Vollsmose\n    latitude: 55.41\n    longitude: 10.43\nperiod:"
    )
    folder = make_library(
        tmp_path_factory.mktemp("maps") / "lib",
        {
            "a.md": make_case("Alpha programme", "SE", "Botkyrka", KW).replace("  - Seved", "  - Alby"),
            "b.md": make_case("Beta programme", "SE", "Botkyrka", KW).replace("  - Seved", "  - Fittja"),
            "c.md": odense,
            "d.md": nowhere,
        },
    )
    built = build(folder)
    assert built.returncode == 0, built.output
    return built.site


def page(site, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text("utf-8"), "html.parser")


def test_map_json_has_every_located_case(site):
    data = json.loads((site / "data/map.json").read_text("utf-8"))
    on_map = {cid for place in data["places"] for cid in place["cases"]}
    assert on_map == {"a", "b", "c"}
    assert data["unplaced"] == ["d"]
    assert {(p["name"], p["country"]) for p in data["places"]} == {
        ("Botkyrka", "SE"),
        ("Alby", "SE"),
        ("Fittja", "SE"),
        ("Odense", "DK"),
        ("Vollsmose", "DK"),
    }


def test_country_page_svg_has_a_marker_per_place_with_its_link_and_count(site):
    doc = page(site, "countries/se/index.html")
    svg = doc.select_one("figure.cb-map svg")
    assert svg["role"] == "group" and doc.find(id=svg["aria-labelledby"]).name == "title"
    markers = svg.select("a.cb-map__marker")
    assert len(markers) == 1, "Botkyrka, Alby and Fittja, a few km apart, share a marker"
    (marker,) = markers
    assert marker["aria-label"] == "Botkyrka, Alby and Fittja: 2 cases" == marker.title.string
    assert marker["data-count"] == "2" and marker.select_one(".cb-map__count").string == "2"
    listed = doc.find(id=marker["href"].removeprefix("#"))
    assert listed.string == "Botkyrka"
    assert {a["href"] for a in listed.parent.select("a[href^='../../cases/']")} >= {"../../cases/a/", "../../cases/b/"}
    dk = page(site, "countries/dk/index.html").select("a.cb-map__marker")
    assert [(m["aria-label"], m["href"]) for m in dk] == [
        ("Odense and Vollsmose: 1 case, Gamma programme", "../../cases/c/")
    ]


def test_country_page_names_the_cases_not_on_the_map(site):
    caption = page(site, "countries/se/index.html").select_one("figure.cb-map figcaption")
    text = " ".join(caption.get_text(" ").split())
    assert "2 of the 3 cases from Sweden are on the map, at 1 place" in text
    assert "1 case is not on the map" in text
    assert [(a["href"], a.string) for a in caption.select(".cb-map__unplaced a")] == [
        ("../../cases/d/", "Lost programme")
    ]
    dk = page(site, "countries/dk/index.html").select_one("figure.cb-map figcaption")
    assert "The case from Denmark is on the map" in dk.get_text() and not dk.select(".cb-map__unplaced")


def test_the_map_is_inline_and_refers_to_nothing_outside(site):
    svg = page(site, "countries/se/index.html").select_one("figure.cb-map svg")
    refs = [v for tag in svg.find_all(True) for k, v in tag.attrs.items() if k in ("href", "xlink:href", "src")]
    assert refs and all(r.startswith(("#", "../../cases/")) for r in refs)
    assert "url(" not in str(svg)


@pytest.fixture(scope="module")
def chromium(site):
    with serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield url, browser
        browser.close()


def open_country(chromium, code: str, width: int):
    """A new page at ``width`` CSS px showing the country page of ``code``, and the hosts it asked."""
    url, browser = chromium
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    hosts = []
    tab.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    tab.goto(f"{url}countries/{code}/")
    return tab, hosts


@pytest.mark.parametrize("code", ["se", "dk"])
def test_phone_map_fits_and_markers_are_24_px_targets(chromium, code):
    tab, hosts = open_country(chromium, code, 320)
    width = tab.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    boxes = [m.bounding_box() for m in tab.locator("a.cb-map__marker").all()]
    figure = tab.locator("figure.cb-map").bounding_box()
    tab.context.close()
    assert width[0] <= width[1]
    assert boxes and all(b["width"] >= 24 and b["height"] >= 24 for b in boxes)
    assert figure["x"] >= 0 and figure["x"] + figure["width"] <= 320
    assert set(hosts) == {urlsplit(chromium[0]).netloc}, "nothing asked of another host"


def test_a_marker_takes_keyboard_focus_shows_it_and_leads_to_its_case(chromium):
    tab, _ = open_country(chromium, "dk", 390)
    marker = tab.locator("a.cb-map__marker").first
    for _ in range(80):  # Tab through the page's links up to the first marker
        tab.keyboard.press("Tab")
        if marker.evaluate("m => document.activeElement === m"):
            break
    assert marker.evaluate("m => m.matches(':focus-visible')")
    assert marker.locator(".cb-map__hit").evaluate("c => getComputedStyle(c).strokeWidth") == "6px"
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/cases/c/")
    tab.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_country_page_with_a_map_is_axe_clean(chromium, scheme):
    url, browser = chromium
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    tab = context.new_page()
    tab.goto(url + "countries/se/")
    violations, _ = axe(tab)
    context.close()
    assert violations == []


def test_the_map_library_is_copied_from_its_pinned_packages_not_kept_here(site):
    copied = vendor.files()
    assert [uri for uri, _ in copied] == [
        "assets/vendor/leaflet/leaflet.js",
        "assets/vendor/leaflet/leaflet.css",
        "assets/vendor/leaflet_markercluster/leaflet.markercluster.js",
    ]
    for uri, source in copied:
        assert (site / uri).read_bytes() == source.read_bytes(), uri
    assert "Leaflet 1.9.3" in (site / "assets/vendor/leaflet/leaflet.js").read_text("utf-8")[:200]
    notice = (site / "assets/vendor/NOTICE.txt").read_text("utf-8")
    assert "Leaflet 1.9.3" in notice and "Leaflet-MarkerCluster 1.4.1" in notice and "BSD-2-Clause" in notice
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert not [f for f in tracked.splitlines() if "leaflet" in f.lower() and not f.startswith("tests/")]
    requirements = (ROOT / "requirements.txt").read_text("utf-8")
    assert re.search(r"^XStatic-Leaflet==1\.9\.3\.0 ", requirements, re.M)
    assert re.search(r"^XStatic-Leaflet-MarkerCluster==1\.4\.1\.1 ", requirements, re.M)
    explore = page(site, "explore/index.html").select_one("#cb-map")
    assert explore["data-leaflet"] == "../assets/vendor/leaflet/leaflet.js"
    assert not page(site, "explore/index.html").select("script[src*=leaflet]"), "loaded only when the map is shown"
