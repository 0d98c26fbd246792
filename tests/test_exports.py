"""Open data exports, the data page, citations and charts, on built sites."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from test_indexes import FIXTURE

from casebook import load_library
from casebook.charts import bar_chart, timeline
from casebook.docs import field_rows
from casebook.exports import CSV_COLUMNS, FORMULA_PREFIXES
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
    assert [r["id"] for r in data["cases"]] == sorted(lib.cases)


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
    assert hrefs == {f"/data/{name}" for name in ("cases.csv", "cases.json", "keywords.json", "keywords.ttl")}
    assert "CC BY 4.0" in page.select_one("#licence + p").get_text()
    assert page.select_one("#cb-cite-dataset").get_text().startswith("Casebook contributors (")


def test_case_citation(built):
    page = built.html("cases/hostile/")
    text = page.select_one("#cb-cite-text").get_text()
    assert "https://casebook.example.org/cases/hostile/" in text and "accessed <date>" in text
    bib = page.select_one("#cb-bibtex").get_text()
    assert bib.startswith("@incollection{casebook-hostile,")
    assert r"\textbackslash{} \{x\} \& 50\%" in bib
    csl = json.loads(page.select_one("#cb-csl").get_text())
    assert csl[0]["URL"] == "https://casebook.example.org/cases/hostile/" and csl[0]["title"].startswith("=HYPERLINK")
    buttons = {b["data-cb-download"]: b["data-filename"] for b in page.select(".cb-cite button[data-cb-download]")}
    assert buttons == {"cb-bibtex": "hostile.bib", "cb-csl": "hostile.csl.json"}


def test_keyword_and_country_pages_link_into_the_explorer(built):
    assert built.html("keywords/safety/").select_one("a.cb-explore-link")["href"] == "../../explore/?keyword=safety"
    country = built.html("countries/se/")
    assert country.select_one("a.cb-explore-link")["href"] == "../../explore/?country=SE"
    assert "../../explore/?country=SE&keyword=participation" in [
        a["href"] for a in country.select("ul.cb-chips a.cb-count")
    ]


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
    assert bars["height"] == 30 * 22 and max(b["width"] for b in bars["bars"]) <= bars["width"] - bars["label"]


def test_citation_cff_is_valid():
    exe = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")
    proc = subprocess.run(
        [exe, "--builtin-schema", "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
