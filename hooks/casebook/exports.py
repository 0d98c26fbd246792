"""Open data: the cases as JSON and CSV, the taxonomy as JSON and SKOS, citations.

Every export is deterministic (same library → byte-identical output) and uses
the schema's field names, so the codebook generated from the schema describes
it. Values come from validated cases; nothing is re-parsed here.
"""

from __future__ import annotations

import csv
import io
import json
import re

from .cases import ONGOING, Case
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
)
"""The CSV's columns, in order."""

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


def case_record(case: Case, site_url: str) -> dict:
    """One case for cases.json: every front-matter field under its own name, always present."""
    record = case.record()
    return {
        "id": case.id,
        "url": absolute(site_url, case.url),
        **record,
        "sources": [{key: source.get(key) for key in SOURCE_KEYS} for source in record["sources"]],
    }


def cases_json(library: Library, site_url: str, meta: dict) -> str:
    """``data/cases.json``: ``{"cases": [...]}`` plus a few words on the dataset."""
    cases = [case_record(c, site_url) for c in library.cases.values()]
    return _dump({**meta, "count": len(cases), "cases": cases})


def csv_cell(value) -> str:
    """A value as CSV text: lists joined with '; ', formulas defused, null empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = CSV_LIST_SEPARATOR.join(str(v) for v in value)
    value = str(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_row(case: Case, site_url: str) -> list[str]:
    """One case as CSV cells, in :data:`CSV_COLUMNS` order."""
    r = case_record(case, site_url)
    values = {
        **r,
        "period_start": r["period"]["start"],
        "period_end": r["period"]["end"],
        "sources": [s["title"] for s in r["sources"]],
    }
    return [csv_cell(values[col]) for col in CSV_COLUMNS]


def cases_csv(library: Library, site_url: str) -> str:
    """``data/cases.csv``: UTF-8 with a byte-order mark (spreadsheets need it), CRLF rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for case in library.cases.values():
        writer.writerow(csv_row(case, site_url))
    return "\ufeff" + out.getvalue()


def keywords_json(library: Library, site_url: str, counts: dict) -> str:
    """``data/keywords.json``: groups and keywords with translations, relations and case counts."""
    taxonomy = library.taxonomy
    narrower = taxonomy.narrower()
    return _dump(
        {
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


def _iri(value: str) -> str:
    for bad in '<>"{}|^`\\ ':
        value = value.replace(bad, f"%{ord(bad):02X}")
    return f"<{value}>"


def keywords_skos(library: Library, site_url: str, title: str) -> str:
    """``data/keywords.ttl``: the taxonomy as a SKOS concept scheme in Turtle.

    Concepts are named by their keyword page URLs; groups are SKOS collections.
    """
    taxonomy = library.taxonomy
    base = site_url.rstrip("/") + "/" if site_url else "urn:casebook:"
    scheme = _iri(base + "keywords/")
    concept = {k: _iri(base + f"keywords/{k}/") for k in taxonomy.keywords}
    narrower = taxonomy.narrower()
    lines = [
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "",
        f"{scheme} a skos:ConceptScheme ;",
        f"    dct:title {_lit(title + ' keywords', 'en')} ;",
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


def citation(case: Case, site_url: str, library_title: str, publisher: str, year: int | None) -> dict:
    """How to cite a case: plain text, BibTeX and CSL-JSON."""
    url = absolute(site_url, case.url)
    title = case.title + (f" ({case.title_en})" if case.title_en else "")
    when = str(year) if year else "n.d."
    text = f"{publisher} ({when}). {title}. In {library_title}. {url} (accessed <date>)."
    key = "casebook-" + case.id
    bib_fields = [
        ("title", _bibtex(title)),
        ("author", "{" + _bibtex(publisher) + "}"),
        ("booktitle", _bibtex(library_title)),
        ("year", str(year) if year else None),
        ("url", url),
        ("note", "Accessed <date>"),
    ]
    bib = (
        "@incollection{"
        + key
        + ",\n"
        + "".join(f"  {name} = {{{value}}},\n" for name, value in bib_fields if value)
        + "}\n"
    )
    csl = {
        "id": key,
        "type": "entry",
        "title": title,
        "container-title": library_title,
        "author": [{"literal": publisher}],
        "publisher": publisher,
        "URL": url,
    }
    if year:
        csl["issued"] = {"date-parts": [[year]]}
    return {"text": text, "bibtex": bib, "csl": _dump([csl])}


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


def _bibtex(value: str) -> str:
    """Escape TeX's special characters in a BibTeX field value."""
    return re.sub(r"[\\{}&%$#_~^]", lambda m: _BIBTEX[m.group()], value)


__all__ = [
    "CSV_COLUMNS",
    "ONGOING",
    "case_record",
    "cases_csv",
    "cases_json",
    "citation",
    "keywords_json",
    "keywords_skos",
]
