"""Open data exports, the data page, citations and charts, on built sites."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from itertools import pairwise

import openpyxl
import pytest
from test_hardening import build_with
from test_indexes import FIXTURE

from casebook import load_library
from casebook.charts import bar_chart, timeline
from casebook.docs import field_rows
from casebook.exports import CSV_COLUMNS, FORMULA_PREFIXES, XLSX_MAX_CELL, cases_xlsx
from conftest import ROOT, build, case_text, make_library

HOSTILE = (
    case_text('=HYPERLINK("http://evil") \\ {x} & 50%')
    .replace("  - A publisher", "  - A publisher")
    .replace("  - Seved", '  - "-minus"\n  - "@at"\n  - "+plus"')
)

CASES = {**FIXTURE, "hostile.md": HOSTILE}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_library(tmp_path_factory.mktemp("exp") / "lib", CASES)
    result = build(root)
    assert result.returncode == 0, result.output
    return result


def unformula(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_PREFIXES) else cell


def test_cases_json_round_trip(built):
    lib = load_library(built.site.parent)
    data = json.loads((built.site / "data/cases.json").read_text("utf-8"))
    assert data["count"] == len(lib.cases) == len(data["cases"])
    keys = [
        "id",
        "url",
        "title",
        "title_en",
        "summary",
        "country",
        "municipalities",
        "neighbourhoods",
        "locations",
        "period",
        "organisations",
        "keywords",
        "sources",
    ]
    for record in data["cases"]:
        assert list(record) == keys
        case = lib.cases[record["id"]]
        assert record["url"] == f"https://casebook.example.org/cases/{case.id}/"
        expected = case.record()
        for key in keys[2:]:
            if key == "sources":
                assert [{k: v for k, v in s.items() if v is not None} for s in record["sources"]] == expected["sources"]
                assert all(list(s) == ["title", "publisher", "year", "url", "language"] for s in record["sources"])
            else:
                assert record[key] == expected[key], key
        assert record["organisations"] == [] and record["title_en"] is None  # absent optional: [] and null
    assert [r["id"] for r in data["cases"]] == [c.id for c in lib.by_title()]  # as every listing: by title


def test_cases_csv_round_trip_and_formula_safety(built):
    lib = load_library(built.site.parent)
    raw = (built.site / "data/cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {row[0]: dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == set(lib.cases)
    for cid, case in lib.cases.items():
        row = {k: unformula(v) for k, v in by_id[cid].items()}
        record = case.record()
        assert row["title"] == record["title"]
        assert row["summary"] == record["summary"]
        assert row["country"] == record["country"]
        for name in ("municipalities", "neighbourhoods", "organisations", "keywords"):
            cells = [unformula(v) for v in by_id[cid][name].split("; ")] if by_id[cid][name] else []
            assert cells == record[name], name
        assert row["period_start"] == str(record["period"]["start"])
        assert row["period_end"] == str(record["period"]["end"])
        assert row["sources"].split("; ") == [s["title"] for s in record["sources"]]
    hostile = by_id["hostile"]
    assert hostile["title"].startswith("'=HYPERLINK")
    assert hostile["neighbourhoods"] == "'-minus; @at; +plus"  # the cell starts with '-'
    records = json.loads((built.site / "data/cases.json").read_text("utf-8"))["cases"]
    assert next(r for r in records if r["id"] == "hostile")["title"].startswith("=HYPERLINK")  # JSON is unchanged


def test_keywords_json(built):
    lib = load_library(built.site.parent)
    data = json.loads((built.site / "data/keywords.json").read_text("utf-8"))
    by_id = {k["id"]: k for k in data["keywords"]}
    assert set(by_id) == set(lib.taxonomy.keywords)
    assert by_id["participation"]["cases"] == 5 and by_id["gentrification"]["cases"] == 0
    assert by_id["participation"]["labels"] == lib.taxonomy.keywords["participation"].labels
    child = next(k for k in lib.taxonomy.keywords.values() if k.broader)
    assert by_id[child.id]["broader"] == child.broader and child.id in by_id[child.broader]["narrower"]
    assert [g["id"] for g in data["groups"]] == list(lib.taxonomy.groups)


def test_keywords_skos(built):
    import rdflib
    from rdflib.namespace import RDF, SKOS

    lib = load_library(built.site.parent)
    graph = rdflib.Graph().parse(data=(built.site / "data/keywords.ttl").read_text("utf-8"), format="turtle")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == len(lib.taxonomy.keywords)
    iri = rdflib.URIRef("https://casebook.example.org/keywords/urban-renewal/")
    labels = {(str(o), o.language) for o in graph.objects(iri, SKOS.prefLabel)}
    kw = lib.taxonomy.keywords["urban-renewal"]
    assert labels == {(kw.label, "en"), *((v, k) for k, v in kw.labels.items())}
    child = next(k for k in lib.taxonomy.keywords.values() if k.broader)
    c_iri = rdflib.URIRef(f"https://casebook.example.org/keywords/{child.id}/")
    assert (c_iri, SKOS.broader, rdflib.URIRef(f"https://casebook.example.org/keywords/{child.broader}/")) in graph
    assert len(set(graph.subjects(RDF.type, SKOS.Collection))) == len(lib.taxonomy.groups)


def test_exports_are_deterministic(tmp_path, built):
    again = build(make_library(tmp_path / "elsewhere" / "lib", CASES))
    assert again.returncode == 0
    for name in ("cases.json", "cases.csv", "keywords.json", "keywords.ttl", "explorer.json", "explorer-text.json"):
        assert (again.site / "data" / name).read_bytes() == (built.site / "data" / name).read_bytes(), name


def test_data_page_codebook_and_links(built):
    page = built.html("data/")
    rows = [tr.select("td") for tr in page.select("#codebook ~ div table tbody tr")]
    names = [r[0].get_text() for r in rows]
    assert names == ["id", "url", *[row["name"] for row in field_rows()]]
    from urllib.parse import urljoin

    hrefs = {urljoin("/data/", a["href"]) for a in page.select("a[download]")}
    names = ("cases.csv", "cases.xlsx", "cases.json", "keywords.json", "keywords.ttl", "keywords.csv")
    names += ("case-keywords.csv", "datapackage.json", "dcat.jsonld")
    assert hrefs == {f"/data/{name}" for name in names}
    assert "CC BY 4.0" in page.select_one("#licence + p").get_text()
    assert page.select_one("#cb-cite-dataset").get_text().startswith("Casebook contributors (")


def test_case_citation(built):
    page = built.html("cases/hostile/")
    text = page.select_one("#cb-cite-text").get_text()
    assert "https://casebook.example.org/cases/hostile/" in text and "<date>" not in text  # no placeholder
    bib = page.select_one("#cb-bibtex").get_text()
    assert bib.startswith("@misc{casebook-hostile,")
    assert r"\textbackslash{} \{x\} \& 50\%" in bib
    csl = json.loads(page.select_one("#cb-csl").get_text())
    assert csl[0]["URL"] == "https://casebook.example.org/cases/hostile/" and csl[0]["title"].startswith("=HYPERLINK")
    buttons = {b["data-cb-download"]: b["data-filename"] for b in page.select(".cb-cite button[data-cb-download]")}
    assert buttons == {"cb-bibtex": "hostile.bib", "cb-csl": "hostile.csl.json"}


def test_keyword_and_country_pages_link_into_the_explorer(built):
    assert built.html("keywords/safety/").select_one("a.cb-explore-link")["href"] == "../../explore/?keyword=safety"
    country = built.html("countries/se/")
    assert country.select_one("a.cb-explore-link")["href"] == "../../explore/?country=SE"
    assert "../../explore/?country=SE&keyword=participation" in [a["href"] for a in country.select("ul.cb-chips a")]


def test_charts_have_text_alternatives(built):
    for path, chart_id in (
        ("cases/", "chart-timeline"),
        ("countries/", "chart-countries"),
        ("keywords/", "chart-groups"),
    ):
        figure = built.html(path).select_one(f"figure#{chart_id}")
        svg = figure.select_one("svg[role=img]")
        assert svg["aria-labelledby"] == f"{chart_id}-title {chart_id}-desc"
        assert svg.select_one("title").get_text() and svg.select_one("desc").get_text()
        assert figure.select("details table tbody tr")
    countries = built.html("countries/").select("#chart-countries details tbody tr")
    assert [(r.select("td")[0].get_text(), r.select("td")[1].get_text()) for r in countries] == [
        ("Sweden", "3"),
        ("Denmark", "2"),
        ("Norway", "1"),
    ]
    years = {
        r.select("td")[0].get_text(): r.select("td")[1].get_text()
        for r in built.html("cases/").select("#chart-timeline details tbody tr")
    }
    assert years["2008"] == "1" and years["2012"] == "4" and years["2016"] == "2"


def test_charts_stay_readable_at_500_cases():
    periods = [(1990 + i % 30, None if i % 7 == 0 else 1990 + i % 30 + i % 5) for i in range(500)]
    chart = timeline("t", periods, 2026)
    assert len(chart["years"]) == 2026 - 1990 + 1
    assert len(chart["ticks"]) <= 14
    assert all(col["height"] <= chart["plot_height"] for col in chart["years"])
    bars = bar_chart("b", "Cases per country", "d", [(f"Country {i}", 500 - i, None) for i in range(30)])
    rows = bars["bars"]  # a label above each bar; widths in percent of the chart's width
    assert all(a["bar_y"] + bars["bar"] < b["y"] for a, b in pairwise(rows))
    assert rows[-1]["bar_y"] + bars["bar"] == bars["height"] and max(b["width"] for b in rows) <= 100


def test_citation_cff_is_valid():
    exe = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")
    proc = subprocess.run(
        [exe, "--builtin-schema", "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# The spreadsheet ---------------------------------------------------------------------------

SPREADSHEET = (
    case_text('"@SUM(A1) Grønnegården i Ærø"')
    .replace(
        "summary: >-\n  A test programme",
        'title_en: "-2"\norganisations:\n  - "+1"\nsummary: >-\n  =1+1 _x0041_ Gåsebäck, Søndre Ålesund, ÆØÅ äöÄÖ: a test programme',
    )
    .replace("  - Malmö", "  - Tórshavn\n  - Bærum")
)
"""Values a spreadsheet would take for formulas or numbers, Excel's own escape syntax, and Nordic letters."""

GIT = {
    **{k: "t" for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")},
    **{k: "t@x" for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")},
    **{k: "2024-03-01T10:00:00Z" for k in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")},
}


def committed(folder):
    """A library of the fixtures, the hostile cases and :data:`SPREADSHEET`, committed to git."""
    root = make_library(folder, {**CASES, "spreadsheet.md": SPREADSHEET})
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "library"]):
        subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **GIT}, capture_output=True)
    return root


@pytest.fixture(scope="module")
def xlsx_site(tmp_path_factory):
    """A committed library built in UTC (its data set version is the commit's date)."""
    return build_with(committed(tmp_path_factory.mktemp("xlsx") / "one" / "lib"), "UTC")


def sheet_rows(path, name="cases"):
    """A sheet's cells (openpyxl ``Cell`` objects), row by row."""
    return [list(row) for row in openpyxl.load_workbook(path)[name].iter_rows()]


def csv_rows(site):
    raw = (site / "data/cases.csv").read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw, newline="")))


@pytest.mark.parametrize("which", ["built", "xlsx_site"])
def test_cases_xlsx_has_the_csv_rows_with_numbers_as_numbers(which, request):
    site = request.getfixturevalue(which)
    site = site.site if hasattr(site, "site") else site
    rows, expected = sheet_rows(site / "data/cases.xlsx"), csv_rows(site)
    assert len(rows) == len(expected) > 2
    assert [c.value for c in rows[0]] == list(CSV_COLUMNS) and all(c.font.b for c in rows[0])
    years = {CSV_COLUMNS.index("period_start"), CSV_COLUMNS.index("period_end")}
    for cells, row in zip(rows[1:], expected[1:], strict=True):
        assert [("" if c.value is None else str(c.value)) for c in cells] == [unformula(v) for v in row]
        for i, cell in enumerate(cells):
            if i in years and row[i] != "ongoing":
                assert isinstance(cell.value, int) and cell.data_type == "n", (row[0], CSV_COLUMNS[i])
            elif cell.value is not None:
                assert cell.data_type == "s" and cell.number_format == "@", (row[0], CSV_COLUMNS[i])
    book = openpyxl.load_workbook(site / "data/cases.xlsx")
    assert book.sheetnames == ["cases", "about"]
    assert book["cases"].freeze_panes == "A2"
    assert book["cases"].auto_filter.ref == f"A1:{chr(ord('A') + len(CSV_COLUMNS) - 1)}{len(rows)}"
    widths = [book["cases"].column_dimensions[chr(ord("A") + i)].width for i in range(len(CSV_COLUMNS))]
    assert all(8 < w < 62 for w in widths), widths


def test_cases_xlsx_stores_hostile_text_as_text_and_keeps_nordic_letters(xlsx_site):
    rows = sheet_rows(xlsx_site / "data/cases.xlsx")
    by_id = {r[0].value: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    cells = [c for name in ("cases", "about") for r in sheet_rows(xlsx_site / "data/cases.xlsx", name) for c in r]
    assert len(cells) > 100 and [c.coordinate for c in cells if c.data_type == "f"] == []
    with zipfile.ZipFile(xlsx_site / "data/cases.xlsx") as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    hostile, sheet = by_id["hostile"], by_id["spreadsheet"]
    assert hostile["title"].value == '=HYPERLINK("http://evil") \\ {x} & 50%'
    assert hostile["neighbourhoods"].value == "-minus; @at; +plus"
    assert sheet["title"].value == "@SUM(A1) Grønnegården i Ærø"
    assert sheet["title_en"].value == "-2" and sheet["title_en"].data_type == "s"
    assert sheet["organisations"].value == "+1" and sheet["organisations"].data_type == "s"
    assert sheet["summary"].value.startswith("=1+1 _x0041_ Gåsebäck, Søndre Ålesund, ÆØÅ äöÄÖ: a test programme")
    assert sheet["municipalities"].value == "Tórshavn; Bærum"
    record = load_library(xlsx_site.parent).cases["spreadsheet"].record()
    assert sheet["summary"].value == record["summary"] and sheet["title"].value == record["title"]


def test_cases_xlsx_about_sheet(xlsx_site):
    about = [[c.value for c in r] for r in sheet_rows(xlsx_site / "data/cases.xlsx", "about")]
    facts = {r[0]: r[1] for r in about[: about.index([None, None])]}
    assert facts["Data set"] == "Casebook: a library of good-practice cases"
    assert facts["Licence"] == "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
    assert re.fullmatch(r"2024\.03\.01\+[0-9a-f]{7}", facts["Version"])  # the commit's date and hash
    assert facts["Version"] == json.loads((xlsx_site / "data/cases.json").read_text("utf-8"))["version"]
    assert facts["Source"] == "https://casebook.example.org/data/"
    assert facts["Cases"] == len(csv_rows(xlsx_site)) - 1
    columns = about[about.index(["Column", "Description"]) + 1 :]
    assert [name for name, _ in columns] == list(CSV_COLUMNS)
    assert all(text for _, text in columns)
    summary = next(row["description"] for row in field_rows() if row["name"] == "summary")
    assert dict(columns)["summary"] == summary
    assert dict(columns)["keywords"].endswith("Entries are separated by '; '.")


def created(site) -> str:
    with zipfile.ZipFile(site / "data/cases.xlsx") as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    return core.split("<dcterms:created")[1].split(">")[1].split("<")[0]


def test_cases_xlsx_is_byte_identical_across_folders_and_time_zones(tmp_path, xlsx_site, built):
    again = build_with(committed(tmp_path / "two" / "elsewhere"), "Pacific/Kiritimati")
    assert (again / "data/cases.xlsx").read_bytes() == (xlsx_site / "data/cases.xlsx").read_bytes()
    assert created(xlsx_site) == "2024-03-01T00:00:00Z"  # the commit's date
    assert created(built.site) == "1980-01-01T00:00:00Z"  # not committed: a fixed date, never the clock
    with zipfile.ZipFile(xlsx_site / "data/cases.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_cases_xlsx_refuses_text_longer_than_an_excel_cell_rather_than_cutting_it(built):
    lib = load_library(built.site.parent)
    meta = {"title": "T", "publisher": "P", "license": "L", "license_url": "", "version": None}
    longest = max(lib.cases, key=len)
    room = XLSX_MAX_CELL - len(f"/cases/{longest}/")  # the url column: site address + the case's path
    fits = cases_xlsx(lib, "https://" + "a" * (room - len("https://")), meta)
    urls = {r[0].value: r[1].value for r in openpyxl.load_workbook(io.BytesIO(fits))["cases"].iter_rows(min_row=2)}
    assert len(urls[longest]) == XLSX_MAX_CELL and urls[longest].endswith(f"/cases/{longest}/")  # not cut
    # Excel counts UTF-16 units: a character outside the BMP takes two.
    first = lib.by_title()[0].id  # the rows are in title order
    with pytest.raises(ValueError, match=rf"case '{first}', column 'url' has more text than an Excel cell holds"):
        cases_xlsx(lib, "https://" + "\U0001f600" * (room // 2), meta)


def test_data_page_says_which_file_to_use(built):
    page = built.html("data/")
    items = page.select("#cb-which-file + ul li")
    assert [li.select_one("a[download]")["href"] for li in items] == ["../data/cases.xlsx", "../data/cases.csv"]
    assert "Excel (in any language settings)" in items[0].get_text()
    assert "R, Python" in items[1].get_text() and "Data → From Text/CSV" in items[1].get_text()
    size = next(tr for tr in page.select("tbody tr") if tr.select_one('a[href$="cases.xlsx"]'))
    shown = float(size.select("td")[2].get_text().removesuffix(" KB"))
    assert shown == round((built.site / "data/cases.xlsx").stat().st_size / 1024, 1)
