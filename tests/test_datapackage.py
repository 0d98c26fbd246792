"""The open data as researchers' tools read it without the codebook: a Frictionless Data Package
(validated with the ``frictionless`` library, as a researcher would) and a DCAT-AP description
(parsed as JSON-LD with rdflib, as a data portal would)."""

from __future__ import annotations

import csv
import io
import json
import shutil

import frictionless
import pytest
import rdflib

from casebook.exports import CSV_COLUMNS

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def _rows(path) -> list:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def _errors(report) -> list:
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_data_package_is_valid_and_describes_every_column(real_site):
    data = real_site.site / "data"
    report = frictionless.validate(data / "datapackage.json")
    assert report.valid, _errors(report)
    package = json.loads((data / "datapackage.json").read_text("utf-8"))
    cases = next(r for r in package["resources"] if r["name"] == "cases")
    assert [f["name"] for f in cases["schema"]["fields"]] == list(CSV_COLUMNS) == _rows(data / "cases.csv")[0]
    assert all(f["description"] for r in package["resources"] for f in r["schema"]["fields"])
    assert "apostrophe" in package["description"]  # the CSV's formula guard is explained to tools too
    version = json.loads((data / "cases.json").read_text("utf-8"))["version"]
    assert package["version"] == version


def test_the_tables_join_on_their_keys(real_site):
    data = real_site.site / "data"
    cases = {row[0] for row in _rows(data / "cases.csv")[1:]}
    keywords = {row[0] for row in _rows(data / "keywords.csv")[1:]}
    links = _rows(data / "case-keywords.csv")
    assert links[0] == ["case", "keyword"] and len(links) > len(cases)
    assert {c for c, _ in links[1:]} == cases and {k for _, k in links[1:]} <= keywords
    exported = json.loads((data / "cases.json").read_text("utf-8"))["cases"]
    assert sorted((c["id"], k) for c in exported for k in c["keywords"]) == sorted(map(tuple, links[1:]))


def test_a_broken_key_or_type_is_what_frictionless_reports(real_site, tmp_path):
    """The package's constraints are real: a keyword no table has, or a year that is not one, fails."""
    data = tmp_path / "data"
    shutil.copytree(real_site.site / "data", data)
    links = (data / "case-keywords.csv").read_bytes().decode("utf-8-sig")
    (data / "case-keywords.csv").write_text("\ufeff" + links + "alby-trygghet,no-such-keyword\r\n", "utf-8")
    report = frictionless.validate(data / "datapackage.json")
    assert not report.valid and any(e[2] == "foreign-key" for e in _errors(report))
    shutil.copy2(real_site.site / "data" / "case-keywords.csv", data / "case-keywords.csv")
    text = (data / "cases.csv").read_bytes().decode("utf-8-sig")
    first = text.split("\r\n")[1].split(",")[0]
    (data / "cases.csv").write_text("\ufeff" + text.replace(f"{first},", "Not An Id,", 1), "utf-8")
    report = frictionless.validate(data / "datapackage.json")
    assert not report.valid and {e[2] for e in _errors(report)} & {"constraint-error", "foreign-key"}


@pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)  # inside rdflib's JSON-LD parser
def test_dcat_describes_the_data_set_and_every_download(real_site):
    graph = rdflib.Graph().parse(data=(real_site.site / "data" / "dcat.jsonld").read_text("utf-8"), format="json-ld")
    datasets = list(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert len(datasets) == 1
    downloads = {
        str(o) for d in graph.objects(datasets[0], DCAT.distribution) for o in graph.objects(d, DCAT.downloadURL)
    }
    names = {u.rsplit("/", 1)[1] for u in downloads}
    assert {"cases.csv", "cases.json", "cases.xlsx", "datapackage.json", "keywords.ttl"} <= names
    for name in names:
        assert (real_site.site / "data" / name).is_file(), name
    assert graph.value(datasets[0], DCT.title) is not None and graph.value(datasets[0], DCT.license) is not None
