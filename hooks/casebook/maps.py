"""Maps: country outlines from Natural Earth, projected into an SVG viewBox for the country pages
(drawn at build time) and kept in degrees for the explorer's Leaflet map (``data/map.json``).

The basemap is ``data/countries-50m.json`` (Natural Earth 1:50m admin-0 countries, public
domain, as TopoJSON from npm's ``world-atlas``; see ``data/README.md``): read once per process,
no request. TopoJSON keeps each shared border once, as an *arc*: a list of quantized
``[dx, dy]`` steps (delta-encoded integers) that the file's ``transform`` turns into degrees
(``lon = x * scale[0] + translate[0]``, the same for latitude). A polygon is a list of rings, a
ring a list of arc indices (``~i``, i.e. ``-i - 1``, is arc ``i`` reversed).

Projection (:class:`View`): equirectangular with longitude scaled by the cosine of the view's
middle latitude (an equidistant cylindrical projection with that standard parallel): shapes are
true near the middle of a region as small as a country, and a straight line in degrees stays
straight, so a marker can be placed with two multiplications. The view is
:data:`WIDTH` units wide and 0.6 to 1.2 times as tall (a tall country gets its neighbours at the
sides, so the map is never taller than a phone's screen); y grows southwards, as in SVG. Paths are
clipped to the view (with :data:`BLEED` units of margin), rounded to 0.1 unit, and repeated points
dropped. A view never crosses the antimeridian (a country that does is drawn on its larger side).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from . import gazetteer, i18n

ATLAS = Path(__file__).parent / "data" / "countries-50m.json"
"""The basemap: TopoJSON with a ``countries`` object, ``id`` = ISO 3166-1 numeric code (a string)."""
WIDTH = 1000
"""Width of every view, in SVG user units."""
MIN_RATIO, MAX_RATIO = 0.6, 1.2
"""A view's height / width stays within these (the shorter side is widened in degrees)."""
PAD = 0.08
"""Fraction of the view's width and height added on each side, so markers at an edge show whole."""
MIN_SPAN = 1.0
"""Smallest extent of a view, in degrees of latitude (one place alone)."""
GAP = 2.5
"""Degrees (longitude scaled by the cosine of latitude) within which a country's island or
exclave counts as part of its main body (:func:`main_box`): Bornholm is, Svalbard is not."""
BLEED = 10
"""Units outside the view that paths are clipped to, so no clipped edge is seen."""


@dataclass(frozen=True)
class View:
    """A box in degrees, projected into ``0 0 width height`` user units."""

    south: float
    north: float
    west: float
    east: float

    @property
    def k(self) -> float:
        """The cosine of the middle latitude: how much shorter a degree of longitude is."""
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def scale(self) -> float:
        """User units per degree of latitude."""
        return WIDTH / ((self.east - self.west) * self.k)

    @property
    def height(self) -> float:
        """The view's height in user units, rounded to 0.1."""
        return round((self.north - self.south) * self.scale, 1)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        """``(x, y)`` in user units of a point in degrees, unrounded."""
        return (lon - self.west) * self.k * self.scale, (self.north - lat) * self.scale

    def view_box(self) -> str:
        """The SVG viewBox attribute: ``"0 0 W H"``."""
        return f"0 0 {WIDTH} {_num(self.height)}"


def frame(box: tuple) -> View:
    """The :class:`View` around ``box`` (``(south, north, west, east)`` in degrees): at least
    :data:`MIN_SPAN` tall, padded by :data:`PAD`, then widened so its height / width is within
    :data:`MIN_RATIO` and :data:`MAX_RATIO`; clamped to ±85° latitude and ±180° longitude."""
    south, north, west, east = box
    mid_lat, mid_lon = (south + north) / 2, (west + east) / 2
    k = math.cos(math.radians(mid_lat))
    tall = max(north - south, MIN_SPAN) * (1 + 2 * PAD)
    wide = max(east - west, MIN_SPAN / k) * k * (1 + 2 * PAD)  # in degrees of latitude
    tall, wide = max(tall, wide * MIN_RATIO), max(wide, tall / MAX_RATIO)
    south, north = max(-85.0, mid_lat - tall / 2), min(85.0, mid_lat + tall / 2)
    west, east = max(-180.0, mid_lon - wide / k / 2), min(180.0, mid_lon + wide / k / 2)
    return View(south, north, west, east)


@functools.cache
def _atlas() -> dict:
    """The TopoJSON topology, read once per process."""
    with ATLAS.open(encoding="utf-8") as file:
        return json.load(file)


@functools.cache
def _numeric_codes() -> dict:
    """ISO 3166-1 numeric code (``"752"``) → alpha-2 (``"SE"``), from the gazetteer's country list
    (column 8 of ``countries.tsv``, :mod:`casebook.gazetteer`)."""
    lines = (gazetteer.shared().data / "countries/countries.tsv").read_text("utf-8").splitlines()
    return {cols[7].zfill(3): cols[1] for cols in (line.split("\t") for line in lines) if len(cols) > 7 and cols[7]}


def _arc(index: int) -> list:
    """Arc ``index`` as ``[(lon, lat)]`` in degrees (``~i`` gives arc ``i`` reversed)."""
    points = _decoded(index if index >= 0 else ~index)
    return points if index >= 0 else points[::-1]


@functools.cache
def _decoded(index: int) -> list:
    """Arc ``index`` decoded: the running sum of its quantized steps, through the transform."""
    topology = _atlas()
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    x = y = 0
    out = []
    for dx, dy in topology["arcs"][index]:
        x, y = x + dx, y + dy
        out.append((x * sx + tx, y * sy + ty))
    return out


def ring(arcs: list) -> list:
    """A ring's ``[(lon, lat)]`` from its arc indices; each arc after the first starts where the
    previous one ended, so its first point is left out. A ring that crosses the antimeridian
    (Russia's Chukotka, Fiji) continues past ±180° instead of jumping to the other side."""
    points: list = []
    for index in arcs:
        points.extend(_arc(index)[1 if points else 0 :])
    shift, out = 0.0, []
    for i, (lon, lat) in enumerate(points):
        if i and abs(lon + shift - out[-1][0]) > 180:
            shift += 360.0 if out[-1][0] > lon + shift else -360.0
        out.append((lon + shift, lat))
    return out


@functools.cache
def countries() -> dict:
    """ISO alpha-2 code → ``{"name": English name, "polygons": [[ring, ...], ...]}`` (a ring is
    ``[(lon, lat)]``, its outer ring first). A feature without a numeric code is matched by its
    English name (Kosovo → XK) or kept under ``""``; features of one code are merged."""
    numeric = _numeric_codes()
    out: dict = {}
    for geometry in _atlas()["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        code = numeric.get(geometry.get("id") or "") or i18n.country_by_name(name) or ""
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        entry = out.setdefault(code, {"name": i18n.country_name(code) if code else name, "polygons": []})
        entry["polygons"].extend([ring(r) for r in polygon] for polygon in polygons)
    return out


def _bbox(points) -> tuple:
    """``(south, north, west, east)`` of ``[(lon, lat)]``."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lats), max(lats), min(lons), max(lons)


def _union(a: tuple | None, b: tuple | None) -> tuple | None:
    """The box around two boxes (either may be ``None``)."""
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])


def _gap(a: tuple, b: tuple) -> float:
    """The distance between two boxes in degrees, longitude scaled by the cosine of ``a``'s middle latitude."""
    k = math.cos(math.radians((a[0] + a[1]) / 2))
    dy = max(0.0, b[0] - a[1], a[0] - b[1])
    dx = max(0.0, b[2] - a[3], a[2] - b[3]) * k
    return math.hypot(dx, dy)


def main_box(code: str) -> tuple | None:
    """``(south, north, west, east)`` of the country's main body: its largest polygon (by box
    area) and every other one within :data:`GAP` of what is gathered so far; ``None`` when the
    basemap does not have the country."""
    country = countries().get(code)
    if not country:
        return None
    boxes = sorted((_bbox(p[0]) for p in country["polygons"]), key=lambda b: -(b[1] - b[0]) * (b[3] - b[2]))
    box, rest = boxes[0], boxes[1:]
    grew = True
    while grew:
        near = [b for b in rest if _gap(box, b) <= GAP]
        rest = [b for b in rest if _gap(box, b) > GAP]
        grew = bool(near)
        for b in near:
            box = _union(box, b)
    return box


def _clip(points: list, edge: int, limit: float, below: bool) -> list:
    """The polygon ``points`` (``[(x, y)]``) cut by one side of a rectangle (Sutherland–Hodgman):
    ``edge`` 0 is x, 1 is y; kept where the coordinate is ``<= limit`` (``below``) or ``>= limit``."""

    def inside(p):
        return p[edge] <= limit if below else p[edge] >= limit

    out = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if inside(current) != inside(previous):
            t = (limit - previous[edge]) / (current[edge] - previous[edge])
            out.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
        if inside(current):
            out.append(current)
    return out


def _num(value: float) -> str:
    """A coordinate as written: rounded to 0.1, without a trailing '.0' ('12', '3.4', '-0.5')."""
    text = f"{round(value, 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _path(rings: list, view: View) -> str:
    """SVG path data of ``rings`` (``[[(lon, lat)]]``) in ``view``: each ring projected, clipped to
    the view plus :data:`BLEED`, rounded to 0.1 unit, repeated points dropped; a ring left with
    fewer than 3 points, or less than 1 unit wide and tall, is dropped. Absolute ``M x,y L x,y x,y … Z``."""
    height = view.height
    out = []
    for points in rings:
        xy = [view.point(lon, lat) for lon, lat in points]
        for edge, limit, below in (
            (0, -BLEED, False),
            (0, WIDTH + BLEED, True),
            (1, -BLEED, False),
            (1, height + BLEED, True),
        ):
            xy = _clip(xy, edge, limit, below) if xy else xy
        kept: list = []
        for x, y in xy:
            p = (_num(x), _num(y))
            if not kept or kept[-1] != p:
                kept.append(p)
        if len(kept) > 1 and kept[0] == kept[-1]:
            kept.pop()
        if len(kept) < 3 or _tiny(kept):
            continue
        out.append("M" + kept[0][0] + "," + kept[0][1] + "L" + " ".join(f"{x},{y}" for x, y in kept[1:]) + "Z")
    return "".join(out)


def _tiny(points: list) -> bool:
    """Whether rounded points (``[(x, y)]`` as text) fit in less than 1 unit each way."""
    xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
    return max(xs) - min(xs) < 1 and max(ys) - min(ys) < 1


def _overlaps(box: tuple, view: View) -> bool:
    """Whether a box in degrees overlaps the view."""
    return box[0] <= view.north and box[1] >= view.south and box[2] <= view.east and box[3] >= view.west


def land(view: View) -> list:
    """Every country with land in ``view``: ``[{"code", "name", "d"}]`` by code (``d``: SVG path data)."""
    out = []
    for code, name, polygons in _boxed_countries():
        rings = [r for box, polygon in polygons if _overlaps(box, view) for r in polygon]
        d = _path(rings, view) if rings else ""
        if d:
            out.append({"code": code, "name": name, "d": d})
    return out


@functools.cache
def _boxed_countries() -> list:
    """:func:`countries` by code as ``[(code, name, [(box, polygon)])]``, each polygon with the
    box of its outer ring (:func:`_bbox`), worked out once per process: every map's
    :func:`land` asks which polygons overlap its view."""
    return [
        (code, country["name"], [(_bbox(polygon[0]), polygon) for polygon in country["polygons"]])
        for code, country in sorted(countries().items())
    ]


def place_groups(cases) -> list:
    """The places of ``cases`` (objects with ``id``, ``country`` and ``locations``, in the order
    given), each once: ``[{"name", "country", "latitude", "longitude", "cases": [ids]}]``. Places
    are one when their country, folded name and point (to 1e-4 degrees, ~10 m) agree; in order of
    first mention."""
    groups: dict = {}
    for case in cases:
        for loc in case.locations:
            key = (case.country, gazetteer.fold(loc.name), round(loc.latitude, 4), round(loc.longitude, 4))
            group = groups.setdefault(
                key,
                {
                    "name": loc.name,
                    "country": case.country,
                    "latitude": loc.latitude,
                    "longitude": loc.longitude,
                    "cases": [],
                },
            )
            if case.id not in group["cases"]:
                group["cases"].append(case.id)
    return list(groups.values())


def _places_box(places) -> tuple | None:
    """The box around ``places`` (dicts with latitude and longitude), or ``None``."""
    points = [(p["longitude"], p["latitude"]) for p in places]
    return _bbox(points) if points else None


def marker(place: dict, view: View) -> dict:
    """A place as drawn: ``{"name", "x", "y", "count"}`` (x, y rounded to 0.1 unit) plus every
    other key of ``place`` but its latitude and longitude."""
    x, y = view.point(place["longitude"], place["latitude"])
    rest = {k: v for k, v in place.items() if k not in ("latitude", "longitude")}
    return {**rest, "x": round(x, 1), "y": round(y, 1), "count": len(place["cases"])}


HIT = 48
"""Radius of a marker's target, in user units: 27.6 CSS px across when the map is drawn 288 px
wide (a 320 px phone's column), more when wider; WCAG 2.5.8 asks for 24."""
DOT, GROUP = 16, 30
"""Radius of the visible dot of a place with one case, and with several (which shows the count)."""
NEAR = GROUP
"""Places closer than this (user units) share one marker, so no marker hides another (:func:`merge_near`)."""


def merge_near(markers: list, distance: float = NEAR) -> list:
    """``markers`` (:func:`marker`) with those closer than ``distance`` units to an earlier one
    merged into it: each gets ``"names"`` (its places' names, in order); a merged one keeps the
    first's point and name, and the union of the cases (in order, once each; cases are compared
    as given); ``count`` is recounted."""
    out: list = []
    for m in markers:
        into = next((o for o in out if math.hypot(o["x"] - m["x"], o["y"] - m["y"]) < distance), None)
        if into is None:
            out.append({**m, "names": [m["name"]], "cases": list(m["cases"])})
            continue
        into["names"].append(m["name"])
        into["cases"].extend(c for c in m["cases"] if c not in into["cases"])
        into["count"] = len(into["cases"])
    return out


def country_map(code: str, places: list) -> dict | None:
    """The map of one country's page: ``{"viewBox", "width", "height", "hit", "dot", "group",
    "land": [{"code", "name", "d", "own"}], "places": [marker]}`` (sizes in user units, see
    :data:`HIT`). ``places``: ``[{"name", "latitude", "longitude", "cases": [anything]}]``
    (:func:`place_groups`; ``cases`` passed through); places closer than :data:`NEAR` share a
    marker (:func:`merge_near`). The view is the country's main body (:func:`main_box`) and every
    place; neighbours are clipped to it. ``None`` when the basemap has no such country and no place is given."""
    box = _union(main_box(code), _places_box(places))
    if box is None:
        return None
    view = frame(box)
    shapes = [{**shape, "own": shape["code"] == code} for shape in land(view)]
    return {
        "viewBox": view.view_box(),
        "width": WIDTH,
        "height": view.height,
        "hit": HIT,
        "dot": DOT,
        "group": GROUP,
        "land": shapes,
        "places": merge_near([marker(p, view) for p in places]),
    }


WORLD = (-56.0, 80.0, -180.0, 180.0)
"""The view of a library with no located case and no country on the basemap."""
STEPS = 1000
"""The explorer's basemap is rounded to 1/STEPS of its box's larger side (at least 0.01°): about
a pixel when the box fills a 1000 px map, as the country pages' 0.1 unit in 1000 (:func:`_path`)."""


def _grid(box: tuple) -> float:
    """The rounding step, in degrees, of the explorer's basemap around ``box`` (see :data:`STEPS`)."""
    south, north, west, east = box
    return max(0.01, round(max(north - south, east - west) / STEPS, 2))


def _degrees(value: float, step: float) -> float:
    """``value`` rounded to a multiple of ``step`` degrees, written with at most 2 decimals."""
    return round(round(value / step) * step, 2) + 0.0


def _flat_ring(points: list, box: tuple, step: float) -> list:
    """A ring (``[(lon, lat)]``) clipped to ``box`` widened by a tenth of its size each way, rounded
    to ``step``, repeated points dropped, as ``[lat, lon, lat, lon, …]`` (Leaflet's order); ``[]``
    when fewer than 3 points or less than one step each way are left."""
    south, north, west, east = box
    bleed_y, bleed_x = (north - south) / 10, (east - west) / 10
    for edge, limit, below in (
        (0, west - bleed_x, False),
        (0, east + bleed_x, True),
        (1, south - bleed_y, False),
        (1, north + bleed_y, True),
    ):
        points = _clip(points, edge, limit, below) if points else points
    kept: list = []
    for lon, lat in points:
        p = (_degrees(lat, step), _degrees(lon, step))
        if not kept or kept[-1] != p:
            kept.append(p)
    if len(kept) > 1 and kept[0] == kept[-1]:
        kept.pop()
    lats, lons = [p[0] for p in kept], [p[1] for p in kept]
    if len(kept) < 3 or (max(lats) - min(lats) < step and max(lons) - min(lons) < step):
        return []
    return [v for p in kept for v in p]


def land_rings(box: tuple) -> list:
    """Every country with land in ``box`` (``(south, north, west, east)``) as the explorer draws
    it: ``[{"code", "name", "rings": [[lat, lon, lat, lon, …]]}]`` by code, in degrees (WGS 84,
    as Leaflet takes them), clipped and rounded as :func:`_flat_ring` says."""
    step, view = _grid(box), View(*box)
    out = []
    for code, name, polygons in _boxed_countries():
        rings = [r for polygon_box, polygon in polygons if _overlaps(polygon_box, view) for r in polygon]
        flat = [f for f in (_flat_ring(r, box, step) for r in rings) if f]
        if flat:
            out.append({"code": code, "name": name, "rings": flat})
    return out


def library_map(cases) -> dict:
    """The explorer's map of ``cases`` (objects with ``id``, ``country``, ``locations``), for
    Leaflet: ``{"bounds": [[south, west], [north, east]], "land": [{"code", "name", "rings"}]
    (:func:`land_rings`), "places": [{"name", "country", "lat", "lon", "cases": [ids]}],
    "unplaced": [ids]}``, in degrees (WGS 84). The bounds hold the main body of every country with
    a case and every place (:func:`frame`, so padded). Each place is stored once however many
    cases share it (:func:`place_groups`). Cases and places in id order; deterministic."""
    ordered = sorted(cases, key=lambda c: c.id)
    groups = place_groups(ordered)
    box = _places_box(groups)
    for code in sorted({c.country for c in ordered}):
        box = _union(box, main_box(code))
    view = frame(box or WORLD)
    bounds = (view.south, view.north, view.west, view.east)
    places = [
        {
            "name": group["name"],
            "country": group["country"],
            "lat": round(group["latitude"], 5),
            "lon": round(group["longitude"], 5),
            "cases": group["cases"],
        }
        for group in groups
    ]
    return {
        "bounds": [[round(view.south, 3), round(view.west, 3)], [round(view.north, 3), round(view.east, 3)]],
        "land": land_rings(bounds),
        "places": places,
        "unplaced": [c.id for c in ordered if not c.locations],
    }


def library_map_json(cases) -> str:
    """:func:`library_map` as compact JSON text (``data/map.json``), keys in the documented order."""
    return json.dumps(library_map(cases), ensure_ascii=False, separators=(",", ":"))


__all__ = [
    "View",
    "countries",
    "country_map",
    "frame",
    "land",
    "land_rings",
    "library_map",
    "library_map_json",
    "main_box",
]
