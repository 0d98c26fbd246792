"""A library's own fields (its contract.yml) in everything researchers and readers get from a case:
the CSV, JSON and xlsx exports, the Data Package (validated with frictionless), the data page's
codebook, the case page's metadata table and JSON-LD, the case list and listings, and the build
cache's keys. Built from the example library in examples/urban-practices, copied with the
generator, with a few hostile values and two more fields added."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import frictionless
import openpyxl
import pytest
from browser import CHROMIUM_ARGS, chromium_path, serve
from playwright.sync_api import sync_playwright

from casebook.cache import BuildCache
from casebook.exports import CSV_COLUMNS, columns
from casebook.library import load_library
from casebook.pages import build_site
from conftest import ROOT, Built, env

EXAMPLE = ROOT / "examples" / "urban-practices"

MORE_FIELDS = """\
  - name: motto
    kind: text
    label: Motto & <em>slogan</em>
    description: The practice's motto, if it has one.
  - name: internal_code
    kind: text
    label: Internal code
    description: A code for the network's own use.
    show: false
"""

HOSTILE_MOTTO = "<script>alert(\"x\")</script> & 'more'"
HOSTILE_URL = "https://example.org/?q='onmouseover='alert(1)'&x=1"
"""A web address the check accepts (no '"', '<' or '>': those are refused) that would still break
out of an attribute written with single quotes: it must come out as one escaped link."""
OWN = ["city_size", "budget", "evaluated", "target_groups", "website", "motto", "internal_code"]


def copy_example(folder: Path) -> Path:
    """The example library under ``folder/examples/urban-practices`` with the generator's hooks and
    templates two levels up (as its mkdocs.yml expects), :data:`MORE_FIELDS` declared, and:
    Riverside Kitchen with a hostile motto and an internal code, Tromsø with a hostile web address,
    Ærø without target groups. Returns the library's folder."""
    for name in ("hooks", "overrides"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    lib = folder / "examples" / "urban-practices"
    shutil.copytree(EXAMPLE, lib, ignore=shutil.ignore_patterns(".cache", "site"))
    contract = lib / "contract.yml"
    contract.write_text(contract.read_text("utf-8") + MORE_FIELDS, "utf-8")
    edit(
        lib / "cases/riverside-kitchen.md",
        "city_size:",
        f"motto: '{HOSTILE_MOTTO.replace(chr(39), chr(39) * 2)}'\ninternal_code: RK-7\ncity_size:",
    )
    edit(lib / "cases/tenant-councils-tromso.md", "city_size:", f'website: "{HOSTILE_URL}"\ncity_size:')
    edit(lib / "cases/bike-library-aeroskobing.md", "target_groups:\n  - young-people\n", "")
    return lib


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


def build_example(lib: Path, site: Path, cache: bool = True) -> Built:
    """A strict build of the library ``lib`` into ``site`` (its build cache on or off)."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml", "--site-dir", str(site)],
        cwd=lib,
        capture_output=True,
        text=True,
        env={**env(), "CASEBOOK_CACHE": "1" if cache else "0"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Built(proc.returncode, proc.stdout + proc.stderr, site)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Built:
    lib = copy_example(tmp_path_factory.mktemp("contract-data"))
    return build_example(lib, lib / "site")


def csv_rows(site: Path) -> list:
    raw = (site / "data/cases.csv").read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw, newline="")))


def by_id(rows: list) -> dict:
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_csv_has_one_column_per_own_field_after_the_built_in_ones(example):
    rows = csv_rows(example.site)
    library = load_library(example.site.parent)
    assert rows[0] == [*CSV_COLUMNS, *OWN] == list(columns(library.contract))
    cases = by_id(rows)
    own = {cid: [row[name] for name in OWN] for cid, row in cases.items()}
    assert own["riverside-kitchen"] == [
        "medium",
        "120000",
        "true",
        "residents; newcomers",
        "https://example.org/riverside-kitchen",
        HOSTILE_MOTTO,
        "RK-7",
    ]
    assert own["bike-library-aeroskobing"] == ["small", "", "false", "", "", "", ""]
    assert cases["tenant-councils-tromso"]["website"] == HOSTILE_URL


def test_json_has_the_own_fields_in_the_contract_order(example):
    records = {r["id"]: r for r in json.loads((example.site / "data/cases.json").read_text("utf-8"))["cases"]}
    for record in records.values():
        assert list(record)[-len(OWN) :] == OWN and list(record)[: -len(OWN)][-1] == "sources"
    kitchen, bikes = records["riverside-kitchen"], records["bike-library-aeroskobing"]
    assert [kitchen[n] for n in OWN[:4]] == ["medium", 120000, True, ["residents", "newcomers"]]
    assert kitchen["motto"] == HOSTILE_MOTTO
    assert bikes["budget"] is None and bikes["evaluated"] is False and bikes["website"] is None
    assert bikes["target_groups"] == []  # an absent list is [], as for the built-in lists


def test_xlsx_has_the_csv_columns_with_numbers_as_numbers_and_the_own_fields_described(example):
    book = openpyxl.load_workbook(example.site / "data/cases.xlsx")
    sheet = [list(row) for row in book["cases"].iter_rows()]
    expected = csv_rows(example.site)
    assert [c.value for c in sheet[0]] == expected[0]
    for cells, row in zip(sheet[1:], expected[1:], strict=True):
        assert [("" if c.value is None else str(c.value)) for c in cells] == row
    cells = {row[0].value: dict(zip(expected[0], row, strict=True)) for row in sheet[1:]}
    budget = cells["riverside-kitchen"]["budget"]
    assert budget.value == 120000 and budget.data_type == "n"
    assert cells["riverside-kitchen"]["evaluated"].value == "true"
    assert cells["bike-library-aeroskobing"]["budget"].value is None
    assert book["cases"].auto_filter.ref == f"A1:{chr(ord('A') + len(expected[0]) - 1)}{len(sheet)}"
    about = [[c.value for c in row] for row in book["about"].iter_rows()]
    described = dict(about[about.index(["Column", "Description"]) + 1 :])
    assert list(described) == expected[0]
    assert described["city_size"].startswith("City size: The population band")
    assert "small = Small (under 50,000)" in described["city_size"]
    assert described["budget"].endswith("A whole number, in EUR.")
    assert "'true' or 'false'" in described["evaluated"]
    assert "residents = All residents" in described["target_groups"]
    assert described["target_groups"].endswith("Entries are separated by '; '.")
    book.close()


def package_errors(path: Path) -> list:
    return frictionless.validate(path).flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_data_package_types_the_own_fields_and_validates(example):
    data = example.site / "data"
    assert package_errors(data / "datapackage.json") == []
    package = json.loads((data / "datapackage.json").read_text("utf-8"))
    fields = {f["name"]: f for f in package["resources"][0]["schema"]["fields"]}
    assert list(fields) == csv_rows(example.site)[0]
    assert fields["city_size"]["type"] == "string"
    assert fields["city_size"]["constraints"] == {"required": True, "enum": ["small", "medium", "large"]}
    assert fields["budget"]["type"] == "integer" and fields["budget"]["constraints"] == {"minimum": 0}
    assert "EUR" in fields["budget"]["description"]
    evaluated = fields["evaluated"]
    assert (evaluated["type"], evaluated["trueValues"], evaluated["falseValues"]) == ("boolean", ["true"], ["false"])
    assert evaluated["constraints"] == {"required": True}
    assert fields["target_groups"]["type"] == "string" and "pattern" in fields["target_groups"]["constraints"]
    assert (fields["website"]["type"], fields["website"]["format"]) == ("string", "uri")
    assert fields["motto"]["type"] == "string" and fields["motto"]["constraints"] == {}


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("city_size", "huge", "constraint-error"),
        ("evaluated", "maybe", "type-error"),
        ("budget", "lots", "type-error"),
        ("budget", "-5", "constraint-error"),
        ("target_groups", "residents; aliens", "constraint-error"),
        ("city_size", "", "constraint-error"),  # required
    ],
)
def test_the_data_package_refuses_a_value_the_contract_does_not_allow(example, tmp_path, column, value, error):
    data = tmp_path / "data"
    shutil.copytree(example.site / "data", data)
    rows = csv_rows(example.site)
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    (data / "cases.csv").write_text("\ufeff" + out.getvalue(), "utf-8")
    found = package_errors(data / "datapackage.json")
    assert [(e[1], e[2]) for e in found] == [(column, error)]


def metadata(site: Built, cid: str) -> dict:
    """The case page's metadata table: label → its ``<dd>``."""
    table = site.html(f"cases/{cid}/").select_one("article.cb-case dl.cb-meta")
    return {dt.get_text(): dt.find_next_sibling("dd") for dt in table.find_all("dt")}


def test_the_metadata_table_shows_the_own_fields_as_readers_read_them(example):
    kitchen = metadata(example, "riverside-kitchen")
    shown = {label: dd.get_text() for label, dd in kitchen.items()}
    assert list(shown)[-7:] == [
        "City size",
        "Budget",
        "Evaluated",
        "Target groups",
        "Website",
        "Motto & <em>slogan</em>",
        "Keywords",
    ]
    assert shown["City size"] == "Medium (50,000 to 250,000)"
    assert shown["Budget"] == "120,000 EUR"
    assert shown["Evaluated"] == "Yes"
    assert shown["Target groups"] == "All residents, Newcomers"
    assert kitchen["Website"].a["href"] == "https://example.org/riverside-kitchen"
    assert "Internal code" not in shown  # show: false
    bikes = {label: dd.get_text() for label, dd in metadata(example, "bike-library-aeroskobing").items()}
    assert (bikes["City size"], bikes["Evaluated"]) == ("Small (under 50,000)", "No")
    assert not {"Budget", "Target groups", "Website"} & set(bikes)  # absent: no row


def test_untrusted_values_and_labels_are_escaped_on_the_case_page(example):
    page = example.site / "cases/riverside-kitchen/index.html"
    kitchen = metadata(example, "riverside-kitchen")
    assert kitchen["Motto & <em>slogan</em>"].get_text() == HOSTILE_MOTTO
    article = example.html("cases/riverside-kitchen/").select_one("article.cb-case")
    assert not article.select("dl script, dl em")
    assert "<script>alert" not in page.read_text("utf-8")
    link = metadata(example, "tenant-councils-tromso")["Website"].a
    assert link["href"] == HOSTILE_URL and link.get_text() == HOSTILE_URL and not link.find_all(True)


def json_ld(site: Built, cid: str) -> dict:
    script = site.html(f"cases/{cid}/").select_one('script[type="application/ld+json"]').string
    assert "</" not in script
    return json.loads(script)


def test_json_ld_carries_the_shown_fields_as_property_values(example):
    properties = json_ld(example, "riverside-kitchen")["additionalProperty"]
    assert properties == [
        {
            "@type": "PropertyValue",
            "name": "City size",
            "propertyID": "city_size",
            "value": "Medium (50,000 to 250,000)",
        },
        {"@type": "PropertyValue", "name": "Budget", "propertyID": "budget", "value": 120000, "unitText": "EUR"},
        {"@type": "PropertyValue", "name": "Evaluated", "propertyID": "evaluated", "value": True},
        {
            "@type": "PropertyValue",
            "name": "Target groups",
            "propertyID": "target_groups",
            "value": ["All residents", "Newcomers"],
        },
        {
            "@type": "PropertyValue",
            "name": "Website",
            "propertyID": "website",
            "value": "https://example.org/riverside-kitchen",
        },
        {"@type": "PropertyValue", "name": "Motto & <em>slogan</em>", "propertyID": "motto", "value": HOSTILE_MOTTO},
    ]
    bikes = json_ld(example, "bike-library-aeroskobing")["additionalProperty"]
    assert [p["propertyID"] for p in bikes] == ["city_size", "evaluated"]


def test_the_case_list_has_a_column_per_facet_field(example):
    table = example.html("cases/").select_one('[aria-label="Cases, as a table"] table')
    headers = [th.get_text() for th in table.thead.find_all("th")]
    assert headers == ["Case", "Country", "Places", "Period", "City size", "Budget", "Evaluated", "Target groups"]
    rows = {tr["data-case-id"]: [td.get_text() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")}
    assert rows["riverside-kitchen"][4:] == [
        "Medium (50,000 to 250,000)",
        "120,000 EUR",
        "Yes",
        "All residents, Newcomers",
    ]
    assert rows["bike-library-aeroskobing"][4:] == ["Small (under 50,000)", "", "No", ""]


def test_listings_have_a_line_per_facet_field_with_a_value(example):
    items = example.html("keywords/participation/").select("li.cb-item")
    lines = {li["data-case-id"]: [d.get_text() for d in li.select("[data-field]")] for li in items}
    assert lines["riverside-kitchen"] == [
        "City size: Medium (50,000 to 250,000)",
        "Budget: 120,000 EUR",
        "Evaluated: Yes",
        "Target groups: All residents, Newcomers",
    ]
    bikes = example.html("keywords/mobility/").select_one('li[data-case-id="bike-library-aeroskobing"]')
    assert [d.get_text() for d in bikes.select("[data-field]")] == ["City size: Small (under 50,000)", "Evaluated: No"]


def test_the_data_page_codebook_lists_the_own_fields(example):
    page = example.html("data/")
    rows = {tr["data-field"]: [td for td in tr.find_all("td")] for tr in page.select("#codebook ~ div tr[data-field]")}
    assert list(rows) == OWN
    city = rows["city_size"]
    assert [city[1].get_text(), city[2].get_text()] == ["one of the allowed values", "yes"]
    assert city[3].get_text() == "City size: The population band of the city where the practice started."
    assert [li.get_text() for li in city[4].find_all("li")] == [
        "small: Small (under 50,000)",
        "medium: Medium (50,000 to 250,000)",
        "large: Large (over 250,000)",
    ]
    assert rows["budget"][1].get_text() == "whole number" and "in EUR" in rows["budget"][4].get_text()
    assert rows["evaluated"][1].get_text() == "true or false"
    assert rows["motto"][3].get_text().startswith("Motto & <em>slogan</em>: ")
    columns_text = page.select_one("#csv").find_next("p").get_text()
    own = "city_size, budget, evaluated, target_groups, website, motto, internal_code."
    assert f"sources, locations, {own}" in columns_text


def test_the_contribute_page_lists_the_own_fields(example):
    names = [code.get_text() for code in example.html("contribute/").select("table code")]
    assert {"city_size", "budget", "evaluated", "target_groups"} <= set(names)


def test_a_changed_label_changes_the_case_page_key_and_what_is_planned(example, tmp_path):
    library = load_library(example.site.parent)
    cache = BuildCache(tmp_path / "cache")
    before = build_site(library, cache=cache).pages["cases/riverside-kitchen.md"]
    fields = tuple(
        dataclasses.replace(f, label="Size of the city") if f.name == "city_size" else f
        for f in library.contract.fields
    )
    library.contract = dataclasses.replace(library.contract, fields=fields)
    after = build_site(library, cache=cache).pages["cases/riverside-kitchen.md"]
    cache.close()
    assert before.key != after.key
    assert after.context["case"]["fields"][0]["label"] == "Size of the city"
    assert '"name":"Size of the city"' in after.context["jsonld"]


def test_an_incremental_build_after_a_label_changes_is_a_clean_build(tmp_path):
    lib = copy_example(tmp_path / "one")
    build_example(lib, lib / "site")
    edit(lib / "contract.yml", "label: Budget", "label: Total budget")
    cached = build_example(lib, lib / "site")
    clean = build_example(lib, tmp_path / "clean", cache=False)
    for path in ("cases/riverside-kitchen/", "cases/", "keywords/participation/", "data/"):
        assert cached.html(path).select_one("article, .md-content") == clean.html(path).select_one(
            "article, .md-content"
        )
    assert "Total budget" in {dt.get_text() for dt in cached.html("cases/riverside-kitchen/").select("dl.cb-meta dt")}
    assert (cached.site / "data/datapackage.json").read_bytes() == (clean.site / "data/datapackage.json").read_bytes()


@pytest.mark.parametrize("path", ["cases/", "cases/riverside-kitchen/", "keywords/participation/"])
def test_pages_with_own_fields_reflow_on_a_320_px_phone(example, path):
    with sync_playwright() as p, serve(example.site) as url:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 320, "height": 640})
        page.goto(url + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        table = page.locator('[aria-label="Cases, as a table"]')
        scrolls = table.evaluate("e => e.scrollWidth > e.clientWidth") if path == "cases/" else None
        browser.close()
    assert widths[0] <= widths[1], f"{path} is {widths[0]} px wide at {widths[1]} px"
    assert scrolls in (None, True)  # the case list's columns scroll inside their own box
