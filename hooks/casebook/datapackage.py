"""The open data as a Frictionless Data Package and a DCAT-AP description.

- ``data/datapackage.json``: a Tabular Data Package (Frictionless Data, Data Package and Table
  Schema v1, https://specs.frictionlessdata.io/) of three CSV tables: ``cases.csv`` (one row
  per case), ``keywords.csv`` (one row per keyword) and ``case-keywords.csv`` (one row per case
  and keyword it carries, with foreign keys to both: a list in one cell cannot be one). Types,
  constraints and descriptions come from the case schema, the same as the data page's codebook.
- ``data/dcat.jsonld``: the data set as a DCAT-AP 3 ``dcat:Dataset`` with one
  ``dcat:Distribution`` per file, in JSON-LD, for data portals that harvest descriptions.
"""

from __future__ import annotations

import csv
import io
import json

from .contract import Contract, Field, default_contract
from .exports import CSV_COLUMNS, CSV_LIST_SEPARATOR, absolute, column_descriptions, csv_cell
from .library import Library
from .translit import slug
from .views import drop_none

ID_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
"""A case or keyword id (as the checker requires)."""

LOCATION_PATTERN = r"[^;]+ \(-?[0-9][0-9.e+-]*, -?[0-9][0-9.e+-]*, (gazetteer|case file)\)"
"""One entry of the cases table's ``locations`` column (:func:`casebook.exports.location_cell`)."""

_TYPES = {
    "id": ("string", {"required": True, "unique": True, "pattern": ID_PATTERN}),
    "url": ("string", {"required": True, "unique": True}),
    "title": ("string", {"required": True}),
    "summary": ("string", {"required": True}),
    "country": ("string", {"required": True, "pattern": "^[A-Z]{2}$"}),
    "municipalities": ("string", {"required": True}),
    "period_start": ("year", {"required": True}),
    "period_end": ("string", {"required": True, "pattern": "^([0-9]{4}|ongoing)$"}),
    "keywords": ("string", {"required": True}),
    "sources": ("string", {"required": True}),
    "locations": ("string", {"pattern": f"^{LOCATION_PATTERN}({CSV_LIST_SEPARATOR}{LOCATION_PATTERN})*$"}),
}
"""Table Schema type and constraints of the cases table's columns (others: optional text)."""

KEYWORD_COLUMNS = ("id", "label", "label_sv", "label_da", "label_nb", "group", "broader", "description", "url")
"""The keywords table's columns, in order."""


def _table(header, rows) -> str:
    """CSV as cases.csv is written: UTF-8 with a byte-order mark, comma-separated, CRLF rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def keywords_csv(library: Library, site_url: str) -> str:
    """``data/keywords.csv``: one row per keyword, in :data:`KEYWORD_COLUMNS` order."""
    rows = [
        [
            csv_cell(value)
            for value in (
                k.id,
                k.label,
                k.labels.get("sv", ""),
                k.labels.get("da", ""),
                k.labels.get("nb", ""),
                k.group,
                k.broader or "",
                k.description or "",
                absolute(site_url, f"keywords/{k.id}/"),
            )
        ]
        for k in library.taxonomy.keywords.values()
    ]
    return _table(KEYWORD_COLUMNS, rows)


def case_keywords_csv(library: Library) -> str:
    """``data/case-keywords.csv``: ``case, keyword`` for each keyword each case carries (cases
    in title order, keywords in the case's order)."""
    return _table(("case", "keyword"), [(case.id, kid) for case in library.by_title() for kid in case.keywords])


def _cases_schema(contract: Contract) -> dict:
    fields = []
    for name, description in column_descriptions(contract):
        own = contract.field(name)
        if own is not None:
            spec = own_field(own)
            fields.append({"name": name, "type": spec["type"], "description": description, **spec})
            continue
        kind, constraints = _TYPES.get(name, ("string", {}))
        fields.append({"name": name, "type": kind, "description": description, "constraints": constraints})
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


def _choices_pattern(f: Field) -> str:
    """A regular expression for a several-of cell: allowed values joined with '; ' (values are
    lower-case letters, digits and hyphens, so none needs escaping)."""
    one = "(" + "|".join(c.value for c in f.values) + ")"
    return f"^{one}({CSV_LIST_SEPARATOR}{one})*$"


def own_field(f: Field) -> dict:
    """The Table Schema ``type``, ``format``, ``trueValues``/``falseValues`` and ``constraints``
    of the cases table's column for a library's own field ``f`` (as :func:`casebook.exports.row_values`
    writes it): years as ``year``, integers as ``integer`` with the case schema's bounds, booleans
    as ``true``/``false``, one-of as a string ``enum``, several-of as a string of allowed values
    joined with '; ' (a ``pattern``), web addresses as ``uri``, text as ``string``."""
    constraints: dict = {"required": True} if f.required else {}
    out: dict = {"type": "string"}
    if f.kind in ("year", "integer", "boolean"):
        out["type"] = f.kind
    if f.kind == "integer":
        constraints["minimum"] = 0 if f.minimum is None else f.minimum
        if f.maximum is not None:
            constraints["maximum"] = f.maximum
    elif f.kind == "boolean":
        out.update(trueValues=["true"], falseValues=["false"])
    elif f.kind == "one-of":
        constraints["enum"] = [c.value for c in f.values]
    elif f.kind == "several-of":
        constraints["pattern"] = _choices_pattern(f)
    elif f.kind == "url":
        out["format"] = "uri"
    return {**out, "constraints": constraints}


def _keywords_schema() -> dict:
    described = {
        "id": "The keyword's stable identifier (as cases carry it).",
        "label": "The keyword's English label.",
        "label_sv": "Its Swedish label.",
        "label_da": "Its Danish label.",
        "label_nb": "Its Norwegian (Bokmål) label.",
        "group": "The id of the keyword group it belongs to.",
        "broader": "The id of the broader keyword, if any.",
        "description": "What the keyword means.",
        "url": "The keyword's page on this site.",
    }
    fields = [{"name": n, "type": "string", "description": described[n]} for n in KEYWORD_COLUMNS]
    fields[0]["constraints"] = {"required": True, "unique": True, "pattern": ID_PATTERN}
    fields[1]["constraints"] = {"required": True}
    return {
        "fields": fields,
        "primaryKey": ["id"],
        "missingValues": [""],
        "foreignKeys": [{"fields": ["broader"], "reference": {"resource": "", "fields": ["id"]}}],
    }


def _links_schema() -> dict:
    return {
        "fields": [
            {"name": "case", "type": "string", "description": "A case's id.", "constraints": {"required": True}},
            {"name": "keyword", "type": "string", "description": "A keyword's id.", "constraints": {"required": True}},
        ],
        "primaryKey": ["case", "keyword"],
        "foreignKeys": [
            {"fields": ["case"], "reference": {"resource": "cases", "fields": ["id"]}},
            {"fields": ["keyword"], "reference": {"resource": "keywords", "fields": ["id"]}},
        ],
    }


def _resource(name: str, path: str, title: str, schema: dict) -> dict:
    return {
        "name": name,
        "path": path,
        "title": title,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
        "schema": schema,
    }


def datapackage(site_url: str, dataset: dict, contract: Contract | None = None) -> str:
    """``data/datapackage.json`` (paths relative to it); ``dataset``: the title, publisher,
    licence, version and date the exports share (``casebook.pages``); ``contract``: the
    library's (default :func:`casebook.contract.default_contract`), whose own fields are
    columns of the cases table (:func:`own_field`)."""
    package = {
        "profile": "tabular-data-package",
        "name": slug(dataset.get("title") or "casebook") or "casebook",
        "title": dataset.get("title"),
        "description": "Good-practice cases: one row per case, the keyword vocabulary, and which keywords each "
        f"case carries. List values in cases.csv are joined with '{CSV_LIST_SEPARATOR}'. A text cell that would "
        "begin with =, +, -, @, a tab or a carriage return starts with an apostrophe (') so that a spreadsheet "
        "shows it as text instead of running it as a formula (OWASP's advice on CSV injection): remove that "
        "apostrophe when you read such a cell. cases.xlsx has the same values without it.",
        "version": dataset.get("version"),
        "homepage": absolute(site_url, "data/"),
        "contributors": [{"title": dataset.get("publisher"), "role": "publisher"}],
        "licenses": [
            {"name": dataset.get("license"), "path": dataset.get("license_url"), "title": dataset.get("license")}
        ],
        "resources": [
            _resource("cases", "cases.csv", "Cases", _cases_schema(contract or default_contract())),
            _resource("keywords", "keywords.csv", "Keywords", _keywords_schema()),
            _resource("case-keywords", "case-keywords.csv", "Keywords of each case", _links_schema()),
        ],
    }
    return json.dumps(drop_none(package), ensure_ascii=False, indent=2) + "\n"


DISTRIBUTIONS = (
    ("cases.csv", "text/csv", "Cases (CSV)"),
    ("cases.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Cases (Excel workbook)"),
    ("cases.json", "application/json", "Cases (JSON)"),
    ("keywords.csv", "text/csv", "Keywords (CSV)"),
    ("case-keywords.csv", "text/csv", "Keywords of each case (CSV)"),
    ("keywords.json", "application/json", "Keywords (JSON)"),
    ("keywords.ttl", "text/turtle", "Keywords (SKOS, Turtle)"),
    ("datapackage.json", "application/json", "Frictionless Data Package description"),
)
"""The data files a portal is told about: (file in data/, media type, title)."""


def dcat(site_url: str, dataset: dict) -> str:
    """``data/dcat.jsonld``: the data set in DCAT-AP 3 (``dcat:Dataset``, its publisher as a
    ``foaf:Agent``, its licence, version and landing page, and a ``dcat:Distribution`` per
    file of :data:`DISTRIBUTIONS` with its download address and media type)."""
    licence = dataset.get("license_url")
    described = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "owl": "http://www.w3.org/2002/07/owl#",
        },
        "@id": absolute(site_url, "data/#dataset"),
        "@type": "dcat:Dataset",
        "dct:title": dataset.get("title"),
        "dct:description": "Good-practice cases with their keywords, places, periods and sources.",
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": dataset.get("publisher")},
        "dct:license": {"@id": licence} if licence else None,
        "owl:versionInfo": dataset.get("version"),
        "dct:modified": dataset.get("date"),
        "dcat:landingPage": {"@id": absolute(site_url, "data/")},
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": title,
                "dcat:downloadURL": {"@id": absolute(site_url, f"data/{name}")},
                "dcat:accessURL": {"@id": absolute(site_url, "data/")},
                "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
                "dct:license": {"@id": licence} if licence else None,
            }
            for name, media, title in DISTRIBUTIONS
        ],
    }
    return json.dumps(drop_none(described), ensure_ascii=False, indent=2) + "\n"


__all__ = ["CSV_COLUMNS", "case_keywords_csv", "datapackage", "dcat", "keywords_csv"]
