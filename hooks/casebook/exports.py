"""Open data: the cases as JSON, CSV and xlsx, the taxonomy as JSON and SKOS, citations.

Every export is deterministic (same library → byte-identical output) and uses
the schema's field names, so the codebook generated from the schema describes
it. Values come from validated cases; nothing is re-parsed here.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Callable

from . import i18n
from .cases import ONGOING, Case
from .contract import Contract, Field, default_contract
from .docs import field_rows
from .library import Library
from .schema import load_schema

CSV_LIST_SEPARATOR = "; "
"""How list values are joined in a CSV cell (an entry may not contain ';')."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these gets a leading apostrophe, so that a
spreadsheet shows it as text instead of running it as a formula."""

CSV_COLUMNS = (
    "id",
    "url",
    "title",
    "title_en",
    "summary",
    "country",
    "municipalities",
    "neighbourhoods",
    "period_start",
    "period_end",
    "organisations",
    "keywords",
    "sources",
    "locations",
)
"""The CSV's built-in columns, in order; a library's own fields follow them (:func:`columns`).
``locations`` came later than the others: it is last, so the columns before it keep their places."""

SOURCE_KEYS = tuple(load_schema()["properties"]["sources"]["items"]["properties"])


def _dump(data, depth: int = 2) -> str:
    """JSON with one entry per line down to ``depth`` (an object's keys, a list's items), each
    entry compact: readable and diff-friendly, and written by json's C encoder (``indent=``
    switches to its pure-Python encoder, several times slower on a large library)."""

    def encode(value, level: int) -> str:
        if level < depth and isinstance(value, dict | list) and value:
            pad = "  " * (level + 1)
            if isinstance(value, dict):
                if not all(isinstance(k, str) for k in value):
                    raise TypeError("the exports' keys are text")
                lines = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {encode(v, level + 1)}" for k, v in value.items()]
                return "{\n" + ",\n".join(lines) + "\n" + "  " * level + "}"
            return "[\n" + ",\n".join(pad + encode(v, level + 1) for v in value) + "\n" + "  " * level + "]"
        return json.dumps(value, ensure_ascii=False)

    return encode(data, 0) + "\n"


def absolute(site_url: str, path: str) -> str:
    """``path`` (relative to the site root) as an absolute URL when the site has one."""
    return (site_url.rstrip("/") + "/" + path) if site_url else "/" + path


def columns(contract: Contract | None = None) -> tuple:
    """The columns of cases.csv and cases.xlsx, in order: :data:`CSV_COLUMNS`, then the
    ``contract``'s own fields (default: :func:`casebook.contract.default_contract`, none) in its order."""
    return CSV_COLUMNS + tuple(f.name for f in (contract or default_contract()).fields)


def case_record(case: Case, site_url: str, contract: Contract | None = None) -> dict:
    """One case for cases.json: every front-matter field under its own name, always present; the
    ``contract``'s own fields after the built-in ones, in its order (absent: ``null``, or ``[]``
    for a several-of field, as for the built-in lists)."""
    record = case.record()
    lists = {f.name for f in (contract or default_contract()).fields if f.kind == "several-of"}
    return {
        "id": case.id,
        "url": absolute(site_url, case.url),
        **record,
        "sources": [{key: source.get(key) for key in SOURCE_KEYS} for source in record["sources"]],
        **{name: [] for name in lists if record.get(name) is None},
    }


def cases_json(library: Library, site_url: str, meta: dict, record: Callable | None = None) -> str:
    """``data/cases.json``: ``{"cases": [...]}`` plus a few words on the dataset. ``record``:
    case → its :func:`case_record` (default: made here; the build passes one that remembers)."""
    record = record or (lambda c: case_record(c, site_url, library.contract))
    cases = [record(c) for c in library.by_title()]
    return _dump({**meta, "count": len(cases), "cases": cases})


def csv_cell(value) -> str:
    """A value as CSV text: lists joined with '; ', formulas defused, null empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = CSV_LIST_SEPARATOR.join(str(v) for v in value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def row_values(case: Case, site_url: str, contract: Contract | None = None) -> list:
    """One case's values in :func:`columns` order, before formatting: text, a whole number (a
    year, an integer field), a list of text, or ``None``; a boolean field is ``"true"`` or
    ``"false"``. The CSV and the xlsx are both written from these."""
    contract = contract or default_contract()
    r = case_record(case, site_url, contract)
    values = {
        **r,
        "period_start": r["period"]["start"],
        "period_end": r["period"]["end"],
        "sources": [s["title"] for s in r["sources"]],
        "locations": [location_cell(loc) for loc in r["locations"]],
    }
    for f in contract.fields:
        if f.kind == "boolean" and values[f.name] is not None:
            values[f.name] = "true" if values[f.name] else "false"
    return [values[col] for col in columns(contract)]


def location_cell(location: dict) -> str:
    """One entry of the ``locations`` column: 'Malmö (55.60587, 13.00073, gazetteer)', the place,
    its latitude and longitude in decimal degrees and where they come from ("gazetteer" or
    "case file"); commas inside, as entries are joined with '; '."""
    return f"{location['place']} ({location['latitude']!r}, {location['longitude']!r}, {location['source']})"


def csv_row(case: Case, site_url: str, contract: Contract | None = None) -> list[str]:
    """One case as CSV cells, in :func:`columns` order."""
    return [csv_cell(value) for value in row_values(case, site_url, contract)]


def cases_csv(library: Library, site_url: str, row: Callable | None = None) -> str:
    """``data/cases.csv``: UTF-8 with a byte-order mark (spreadsheets need it), CRLF rows, the
    columns of :func:`columns` for the library's contract. ``row``: case → its :func:`csv_row`
    (default: made here)."""
    row = row or (lambda c: csv_row(c, site_url, library.contract))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns(library.contract))
    for case in library.by_title():
        writer.writerow(row(case))
    return "\ufeff" + out.getvalue()


XLSX_MAX_CELL = 32_767
"""Excel's limit on the text in one cell, in UTF-16 code units ("Excel specifications and
limits", Microsoft support). Under the case schema no cell comes near it: the longest is a
list of 100 names of at most 150 characters, joined (15,198)."""

XLSX_MAX_ROWS = 1_048_576
"""Excel's limit on the rows of a worksheet (same source); the header takes one."""

XLSX_WIDTH_CAP = 60
"""The widest a column of the cases sheet starts, in characters (a reader can widen it)."""

COLUMN_NOTES = {
    "id": "The case's stable identifier, its file name in the repository and the last part of its address.",
    "url": "The case's page on this site.",
    "period_start": "The first year of the programme (four digits).",
    "period_end": "The last year of the programme (four digits), or 'ongoing'.",
    "sources": "The titles of the documents the case is written from (cases.json has the full records).",
    "locations": "Where the case is on the map: each of its municipalities and neighbourhoods that is placed, as "
    "'Place (latitude, longitude, source)' in decimal degrees (WGS 84); the source is 'gazetteer' (found by name "
    "in GeoNames data) or 'case file' (the case's own locations field). cases.json has them as records.",
}
"""Descriptions of the columns that are not front-matter fields of their own (the rest come
from the schema, as in the data page's codebook)."""


def column_descriptions(contract: Contract | None = None) -> list[tuple[str, str]]:
    """``[(column, one-line description)]`` for every column in :func:`columns` order: the
    schema's description (:func:`casebook.docs.field_rows`), or :data:`COLUMN_NOTES`, or for
    the ``contract``'s own fields :func:`field_note`; list columns say how their entries are joined."""
    contract = contract or default_contract()
    fields = {row["name"]: row for row in field_rows(contract)}
    out = []
    for col in columns(contract):
        own = contract.field(col)
        text = COLUMN_NOTES.get(col) or (field_note(own) if own else fields[col]["description"])
        if col == "sources" or fields.get(col, {}).get("type", "").startswith("list"):
            text += f" Entries are separated by '{CSV_LIST_SEPARATOR}'."
        out.append((col, text))
    return out


def choices_text(f: Field) -> str:
    """The allowed values of a ``one-of`` or ``several-of`` field with their labels:
    'small = Small (under 50,000), medium = Medium (50,000 to 250,000)'."""
    return ", ".join(f"{c.value} = {c.label}" for c in f.values)


OWN_KINDS = {
    "text": "text",
    "long-text": "long text",
    "year": "year",
    "integer": "whole number",
    "boolean": "true or false",
    "one-of": "one of the allowed values",
    "several-of": "list of the allowed values",
    "url": "web address",
}
"""How the codebook names the kind of a library's own field."""


def field_note(f: Field) -> str:
    """One line on a library's own field for the codebooks (the xlsx's about sheet, the Data
    Package): 'City size: The population band .... One of: small = Small (under 50,000), ....'"""
    text = f"{f.label}: {f.description}" if f.description else f"{f.label}."
    if f.kind == "integer":
        text += " A whole number" + (f", in {f.unit}." if f.unit else ".")
    elif f.kind == "boolean":
        text += " 'true' or 'false'."
    elif f.kind in ("one-of", "several-of"):
        text += (" One of: " if f.kind == "one-of" else " Any of: ") + choices_text(f) + "."
    elif f.kind == "year":
        text += " A year (four digits)."
    return text


def codebook(contract: Contract | None = None) -> list[dict]:
    """The data page's codebook: :func:`casebook.docs.field_rows` of the ``contract``, each row
    with ``label`` (``None`` for a built-in field) and, for the library's own fields, the
    codebook's ``type`` (:data:`OWN_KINDS`) and ``choices`` (``[{"value", "label"}]``); an
    integer's unit is in its ``rules`` ('at least 0, in EUR')."""
    contract = contract or default_contract()
    rows = []
    for row in field_rows(contract):
        own = contract.field(row["name"])
        if own is None:
            rows.append({**row, "label": None, "choices": []})
            continue
        choices = [{"value": c.value, "label": c.label} for c in own.values]
        rows.append({**row, "label": own.label, "type": OWN_KINDS[own.kind], "choices": choices})
    return rows


def _xlsx_value(value, case_id: str, column: str):
    """A row value as an xlsx cell value: a year stays a number, a list is joined as in the
    CSV, ``None`` is ``None`` (a blank cell); text over :data:`XLSX_MAX_CELL` is an error."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, list):
        value = CSV_LIST_SEPARATOR.join(str(v) for v in value)
    value = str(value)
    if len(value) > XLSX_MAX_CELL // 2 and len(value.encode("utf-16-le")) // 2 > XLSX_MAX_CELL:
        raise ValueError(
            f"cases.xlsx: case {case_id!r}, column {column!r} has more text than an Excel cell holds"
            f" ({XLSX_MAX_CELL:,} characters)"
        )
    return value


def _write_cells(sheet, row: int, values: list, fmt=None, text=None) -> None:
    """Write one row: numbers with ``write_number`` in ``fmt``, text with ``write_string`` (never
    a formula, whatever it starts with) in ``text`` or ``fmt``, nothing for ``None``."""
    for col, value in enumerate(values):
        if isinstance(value, int):
            sheet.write_number(row, col, value, fmt)
        elif value:
            sheet.write_string(row, col, value, text or fmt)


def xlsx_row(case: Case, site_url: str, contract: Contract | None = None) -> list:
    """One case's cells for cases.xlsx, in :func:`columns` order (see :func:`cases_xlsx`)."""
    header = columns(contract or default_contract())
    return [_xlsx_value(v, case.id, col) for col, v in zip(header, row_values(case, site_url, contract), strict=True)]


def cases_xlsx(library: Library, site_url: str, meta: dict, row: Callable | None = None) -> bytes:
    """``data/cases.xlsx``: the rows and columns of ``cases.csv`` as an Excel workbook.

    Written for spreadsheet users whatever their list separator (Nordic Excel splits CSV
    on ``;``, so a comma CSV opened by double-click lands in one column). Sheet "cases": the
    :func:`columns` header (bold, frozen, with an autofilter), then one row per case in
    the CSV's order; years and the library's integer fields are numbers, everything else is
    text (lists joined with ``'; '``, booleans ``true``/``false``, absent values blank). Every
    text cell is a string cell written with ``write_string``: Excel and LibreOffice never
    evaluate a string cell, so a value starting with ``=``, ``+``,
    ``-`` or ``@`` is stored as it is, without the CSV's leading apostrophe (that guard exists
    because CSV has no cell types); the cells also have the Text number format (``@``), so
    the value stays text when a reader edits the cell. Sheet "about": the data set's title, publisher, licence and
    version, the data page's address and one line per column (:func:`column_descriptions`).
    ``meta`` is the data set's description as in ``cases.json``: ``title``, ``publisher``,
    ``license``, ``license_url``, ``version`` (:func:`casebook.changelog.dataset_version`) and
    ``date`` (the commit's ISO date, or absent/``None``). ``row``: case → its
    :func:`xlsx_row` (default: made here; the build passes one that remembers).

    Deterministic: XlsxWriter writes in-memory zip members dated 1980-01-01, and the
    document's created/modified date is ``meta["date"]`` at 00:00 UTC, or 1980-01-01 without
    one; never the clock.

    Raises ValueError, naming the case and column, if a cell's text exceeds
    :data:`XLSX_MAX_CELL` or the cases exceed :data:`XLSX_MAX_ROWS`: nothing is truncated
    silently (XlsxWriter itself would cut the text and only return -2).
    """
    import xlsxwriter  # here, not at the top: its 0.1 s import is paid where the exports are computed

    cases, header = library.by_title(), columns(library.contract)
    if len(cases) + 1 > XLSX_MAX_ROWS:
        raise ValueError(f"cases.xlsx: {len(cases)} cases do not fit in an Excel sheet ({XLSX_MAX_ROWS - 1:,} rows)")
    row = row or (lambda c: xlsx_row(c, site_url, library.contract))
    rows = [row(c) for c in cases]
    date = meta.get("date")
    created = datetime.datetime.fromisoformat(date) if date else datetime.datetime(1980, 1, 1)
    out = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(out, options)
    book.set_properties({"title": f"{meta['title']}: cases", "author": meta["publisher"], "created": created})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet("cases")
    _write_cells(sheet, 0, list(header), bold)
    for i, row in enumerate(rows, 1):
        _write_cells(sheet, i, row, text=text)
    for col, name in enumerate(header):
        longest = max([len(name) + 3, *(len(str(r[col])) + 1 for r in rows if r[col] is not None)])
        sheet.set_column(col, col, min(longest, XLSX_WIDTH_CAP))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(header) - 1)
    _about_sheet(book, site_url, meta, len(rows), bold, library.contract)
    book.close()
    return out.getvalue()


def _about_sheet(book, site_url: str, meta: dict, count: int, bold, contract: Contract) -> None:
    """The "about" sheet of :func:`cases_xlsx`: the data set, then one line per column."""
    sheet = book.add_worksheet("about")
    wrap = book.add_format({"text_wrap": True, "valign": "top", "num_format": "@"})
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 100, wrap)
    licence = meta["license"] + (f" ({meta['license_url']})" if meta["license_url"] else "")
    lines = [
        ("Data set", f"{meta['title']}: a library of good-practice cases"),
        ("Publisher", meta["publisher"]),
        ("Licence", licence),
        ("Version", meta["version"] or "not committed"),
        ("Source", absolute(site_url, "data/")),
        ("Cases", count),
        (None, None),
        ("Column", "Description"),
        *column_descriptions(contract),
    ]
    for row, (name, text) in enumerate(lines):
        _write_cells(sheet, row, [name, text], bold if name in ("Data set", "Column") else None)


def keywords_json(library: Library, site_url: str, counts: dict, version: str | None = None) -> str:
    """``data/keywords.json``: ``{"version", "groups", "keywords"}``: the data set's version
    (:func:`casebook.changelog.dataset_version`, the same as in ``cases.json``; ``null`` if not
    given), then the groups and keywords with translations, relations and case counts."""
    taxonomy = library.taxonomy
    narrower = taxonomy.narrower()
    return _dump(
        {
            "version": version,
            "groups": [
                {
                    "id": g.id,
                    "label": g.label,
                    "keywords": [k.id for k in taxonomy.keywords.values() if k.group == g.id],
                }
                for g in taxonomy.groups.values()
            ],
            "keywords": [
                {
                    "id": k.id,
                    "url": absolute(site_url, f"keywords/{k.id}/"),
                    "label": k.label,
                    "labels": dict(k.labels),
                    "description": k.description,
                    "group": k.group,
                    "aliases": list(k.aliases),
                    "broader": k.broader,
                    "narrower": narrower.get(k.id, []),
                    "cases": counts.get(k.id, 0),
                }
                for k in taxonomy.keywords.values()
            ],
        }
    )


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def _escape_iri(value: str) -> str:
    """``value`` with the characters Turtle forbids in an IRI percent-encoded."""
    for bad in '<>"{}|^`\\ ':
        value = value.replace(bad, f"%{ord(bad):02X}")
    return value


def _iri(value: str) -> str:
    return f"<{_escape_iri(value)}>"


def _iri_base(site_url: str) -> str:
    return site_url.rstrip("/") + "/" if site_url else "urn:casebook:"


def scheme_iri(site_url: str) -> str:
    """The IRI of the keywords' SKOS concept scheme: the keyword overview's address
    (``https://site/keywords/``), or ``urn:casebook:keywords/`` for a site without ``site_url``.
    ``keywords.ttl``, ``keywords.json`` and every case page's JSON-LD (``inDefinedTermSet``) use it."""
    return _escape_iri(_iri_base(site_url) + "keywords/")


def concept_iri(site_url: str, kid: str) -> str:
    """The IRI of keyword ``kid``'s ``skos:Concept``: its page's address
    (``https://site/keywords/<kid>/``), else ``urn:casebook:keywords/<kid>/``; the ``@id`` of the
    keyword's ``DefinedTerm`` in the case pages' JSON-LD, so the two graphs merge."""
    return _escape_iri(_iri_base(site_url) + f"keywords/{kid}/")


def keywords_skos(library: Library, site_url: str, title: str, version: str | None = None) -> str:
    """``data/keywords.ttl``: the taxonomy as a SKOS concept scheme in Turtle.

    The scheme is :func:`scheme_iri`, with the data set's ``version`` as ``owl:versionInfo``
    (when given); concepts are :func:`concept_iri` (their keyword pages); groups are SKOS
    collections.
    """
    taxonomy = library.taxonomy
    base = _iri_base(site_url)
    scheme = f"<{scheme_iri(site_url)}>"
    concept = {k: f"<{concept_iri(site_url, k)}>" for k in taxonomy.keywords}
    narrower = taxonomy.narrower()
    lines = [
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "",
        f"{scheme} a skos:ConceptScheme ;",
        f"    dct:title {_lit(title + ' keywords', 'en')} ;",
        *([f"    owl:versionInfo {_lit(version)} ;"] if version else []),
        "    skos:hasTopConcept "
        + ", ".join(concept[k.id] for k in taxonomy.keywords.values() if not k.broader)
        + " .",
        "",
    ]
    for k in taxonomy.keywords.values():
        props = [
            f"{concept[k.id]} a skos:Concept",
            f"skos:inScheme {scheme}",
            "skos:prefLabel " + ", ".join([_lit(k.label, "en")] + [_lit(v, lang) for lang, v in k.labels.items()]),
            f"skos:definition {_lit(k.description, 'en')}",
            f"skos:notation {_lit(k.id)}",
        ]
        if k.aliases:
            props.append("skos:altLabel " + ", ".join(_lit(a, "en") for a in k.aliases))
        if k.broader:
            props.append(f"skos:broader {concept[k.broader]}")
        else:
            props.append(f"skos:topConceptOf {scheme}")
        if narrower.get(k.id):
            props.append("skos:narrower " + ", ".join(concept[n] for n in narrower[k.id]))
        lines.append(" ;\n    ".join(props) + " .")
        lines.append("")
    for g in taxonomy.groups.values():
        members = [concept[k.id] for k in taxonomy.keywords.values() if k.group == g.id]
        props = [f"{_iri(base + 'keywords/#' + g.id)} a skos:Collection", f"skos:prefLabel {_lit(g.label, 'en')}"]
        if members:
            props.append("skos:member " + ", ".join(members))
        lines.append(" ;\n    ".join(props) + " .")
        lines.append("")
    return "\n".join(lines)


CASE_TYPES = ("misc", "webpage")
"""The BibTeX and CSL types of a case's citation. A case page is a web page in a site, written
by the library's publisher: CSL ``webpage`` (title, ``container-title`` = the site, ``author``,
``issued``, ``version``, ``URL``, ``accessed``) and BibTeX ``@misc`` (``title``, ``howpublished``
= the site, ``author``, ``year``, ``version``, ``url``, ``urldate``), the pair Zotero and
citation.js export a web page as (classic BibTeX has no ``@online``; ``@misc`` needs no
``publisher``, unlike ``@incollection``). CSL ``publisher`` is left out: it is the author, and
APA would print it twice. Checked in tests with pybtex (``plain``, ``unsrt``), bibtexparser and
citeproc-py (APA, Chicago author-date)."""

DATASET_TYPES = ("misc", "dataset")
"""The BibTeX and CSL types of the data set's citation: CSL ``dataset`` (biblatex has
``@dataset``, classic BibTeX styles do not: ``@misc`` with ``howpublished = {Data set}``)."""


def citation(
    case: Case, site_url: str, library_title: str, publisher: str, year: int | None, version: str | None = None
) -> dict:
    """How to cite a case: ``{"text", "bibtex", "csl"}`` (plain text, one BibTeX entry, a CSL-JSON
    array of one item), the same facts in all three (:data:`CASE_TYPES`).

    ``year`` is the year the case was last changed (``None`` when unknown: "n.d." in the text, no
    year in BibTeX or CSL); ``version`` is the library's version
    (:func:`casebook.changelog.dataset_version`). A title in another language is followed by its
    English title in square brackets (APA's form for a translated title). Nothing is a
    placeholder: the access date (BibTeX ``urldate``, CSL ``accessed``) is not published; the
    page's copy and download buttons add the reader's date (``data-cb-accessed``)."""
    url = absolute(site_url, case.url)
    title = case.title + (f" [{case.title_en}]" if case.title_en else "")
    when = str(year) if year else "n.d."
    text = f"{publisher} ({when}). {title}. {library_title}" + (f", version {version}" if version else "") + f". {url}"
    bibtex = _bibtex_entry(
        CASE_TYPES[0],
        "casebook-" + case.id,
        [
            ("author", "{" + _bibtex(publisher) + "}"),
            ("title", bibtex_title(title)),
            ("howpublished", _bibtex(library_title)),
            ("year", str(year) if year else None),
            ("version", _bibtex(version) if version else None),
            ("url", url),
            ("language", i18n.country_language(case.country)),
        ],
    )
    csl = {
        "id": "casebook-" + case.id,
        "type": CASE_TYPES[1],
        "title": title,
        "container-title": library_title,
        "author": [{"literal": publisher}],
        "issued": {"date-parts": [[year]]} if year else None,
        "version": version,
        "URL": url,
        # The title is the programme's own name in its country's language: CSL processors then
        # keep its capitals (they title-case only English titles, e.g. Chicago's "I Malmö").
        "language": i18n.country_language(case.country),
    }
    return {"text": text, "bibtex": bibtex, "csl": _dump([{k: v for k, v in csl.items() if v is not None}])}


def dataset_citation(site_url: str, library_title: str, publisher: str, year: int | None, version: str | None) -> dict:
    """How to cite the whole data set (the data page): ``{"text", "bibtex", "csl"}`` as in
    :func:`citation`, of type :data:`DATASET_TYPES`, titled "<library>: a library of
    good-practice cases", with the version and the data page's address. ``year`` is the year of
    the build's commit (``None``: "n.d.")."""
    url = absolute(site_url, "data/")
    title = f"{library_title}: a library of good-practice cases"
    when = str(year) if year else "n.d."
    text = f"{publisher} ({when}). {title}" + (f" (version {version})" if version else "") + f" [Data set]. {url}"
    bibtex = _bibtex_entry(
        DATASET_TYPES[0],
        "casebook-data",
        [
            ("author", "{" + _bibtex(publisher) + "}"),
            ("title", bibtex_title(title)),
            ("howpublished", "Data set"),
            ("year", str(year) if year else None),
            ("version", _bibtex(version) if version else None),
            ("url", url),
        ],
    )
    csl = {
        "id": "casebook-data",
        "type": DATASET_TYPES[1],
        "title": title,
        "author": [{"literal": publisher}],
        "issued": {"date-parts": [[year]]} if year else None,
        "version": version,
        "URL": url,
    }
    return {"text": text, "bibtex": bibtex, "csl": _dump([{k: v for k, v in csl.items() if v is not None}])}


def _bibtex_entry(kind: str, key: str, fields: list) -> str:
    """One BibTeX entry; fields whose value is ``None`` are left out."""
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value is not None)
    return f"@{kind}{{{key},\n{body}}}\n"


_BIBTEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}

_LONE_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}


def _balanced(value: str) -> bool:
    """Whether every ``}`` in ``value`` closes an earlier ``{`` and every ``{`` is closed."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _bibtex(value: str, balanced: bool | None = None) -> str:
    r"""Escape TeX's special characters in a BibTeX field value. Letters stay UTF-8 (biber,
    pybtex, bibtexparser, Zotero and LaTeX since 2018 read it; ``{\"o}`` for 'ö' would only help
    8-bit BibTeX). Braces become ``\{``/``\}`` when they pair up in the whole value
    (``balanced``, computed from ``value`` when not given), else ``\textbraceleft{}``/
    ``\textbraceright{}``: BibTeX counts every brace, escaped or not, so one lone ``\{`` would
    unbalance the entry, and ``\{`` is what parsers (pybtex, pylatexenc) decode back."""
    table = _BIBTEX if (_balanced(value) if balanced is None else balanced) else {**_BIBTEX, **_LONE_BRACES}
    return re.sub(r"[\\{}&%$#_~^]", lambda m: table[m.group()], value)


def bibtex_title(title: str) -> str:
    r"""A title for a BibTeX field: TeX specials escaped (:func:`_bibtex`) and every word that
    contains a capital letter wrapped in braces, so that styles which lower-case titles (BibTeX's
    and pybtex's ``plain``, ``unsrt``, ``alpha``: ``change.case$ "t"``) keep proper names and
    acronyms: 'TOGETHER in Botkyrka' → ``{TOGETHER} in {Botkyrka}``, 'Områdesprogrammet i Malmö' →
    ``{Områdesprogrammet} i {Malmö}``. The first word is protected too when it has a capital
    (harmless: those styles keep its first letter anyway, and 'TOGETHER' would otherwise print as
    'Together'). A word whose escaped form starts with a backslash gets double braces: BibTeX
    treats ``{\...}`` as one accented character and would still change the case inside it."""
    balanced = _balanced(title)
    out = []
    for part in re.split(r"(\s+)", title):
        if not part or part.isspace():
            out.append(part)
            continue
        escaped = _bibtex(part, balanced)
        if any(c.isupper() or c.istitle() for c in part):
            escaped = ("{{%s}}" if escaped.startswith("\\") else "{%s}") % escaped
        out.append(escaped)
    return "".join(out)


__all__ = [
    "CSV_COLUMNS",
    "ONGOING",
    "case_record",
    "cases_csv",
    "cases_json",
    "cases_xlsx",
    "citation",
    "codebook",
    "columns",
    "concept_iri",
    "dataset_citation",
    "keywords_json",
    "keywords_skos",
    "scheme_iri",
]
