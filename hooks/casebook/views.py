"""Plain data for templates, computed once per build.

Templates get dicts of strings and numbers only, so they stay simple and the
same data can feed HTML, JSON-LD and exports without re-deriving anything.
Every URL is relative to the site root (``cases/x/``); templates pass it
through MkDocs' ``url`` filter.
"""

from __future__ import annotations

import functools
import json

from . import i18n
from .cases import Case
from .contract import Contract, Field, default_contract
from .exports import concept_iri, scheme_iri
from .indexes import Related
from .taxonomy import LANGUAGES, Taxonomy


def keyword_url(kid: str) -> str:
    return f"keywords/{kid}/"


def country_url(code: str) -> str:
    return f"countries/{code.lower()}/"


def country_view(code: str) -> dict:
    """A country as readers see it: 'Sweden · Sverige', with its page."""
    name, native = i18n.country_name(code), i18n.country_native_name(code)
    return {
        "code": code,
        "name": name,
        "native": native if native != name else None,
        "url": country_url(code),
    }


def keyword_ref(kid: str, taxonomy: Taxonomy) -> dict:
    """A link to a keyword: id, label and page. The same dict for every use: copy it to change it."""
    return _ref(kid, taxonomy.keywords[kid].label)


@functools.lru_cache(maxsize=4096)
def _ref(kid: str, label: str) -> dict:
    return {"id": kid, "label": label, "url": keyword_url(kid)}


def field_view(f: Field, value) -> dict:
    """A library's own field of a case as templates show it: ``{"name", "label", "text", "href",
    "show", "facet"}``; ``text`` is the value as readers see it ('Small (under 50,000)',
    '120,000 EUR', 'Yes'; ``""`` when absent, :meth:`casebook.contract.Field.shown`), ``href`` the
    address of a ``url`` field (checked to be http or https), else ``None``."""
    return {
        "name": f.name,
        "label": f.label,
        "text": f.shown(value),
        "href": value if f.kind == "url" and value else None,
        "show": f.show,
        "facet": f.facet,
    }


def case_view(case: Case, taxonomy: Taxonomy, contract: Contract | None = None) -> dict:
    """Everything a case page shows above and below its text (without related cases); ``fields``:
    the ``contract``'s own fields in its order (:func:`field_view`, absent ones too)."""
    fields = (contract or default_contract()).fields
    return {
        "id": case.id,
        "url": case.url,
        "title": case.title,
        "title_en": case.title_en,
        "summary": case.summary,
        "country": country_view(case.country),
        "municipalities": list(case.municipalities),
        "neighbourhoods": list(case.neighbourhoods),
        "organisations": list(case.organisations),
        "period": {"start": case.period_start, "end": case.period_end, "label": case.period_label},
        "keywords": [keyword_ref(kid, taxonomy) for kid in case.keywords],
        "sources": [
            {
                "title": s.title,
                "publisher": s.publisher,
                "year": s.year,
                "url": s.url,
                "language": s.language,
                "language_name": i18n.language_name(s.language) if s.language else None,
            }
            for s in case.sources
        ],
        "fields": [field_view(f, case.value(f.name)) for f in fields],
    }


def related_view(related: list[Related], views: dict, taxonomy: Taxonomy) -> list:
    """Related cases for a case page: each with the keywords it shares."""
    return [
        {
            "id": r.id,
            "url": views[r.id]["url"],
            "title": views[r.id]["title"],
            "country": views[r.id]["country"],
            "period": views[r.id]["period"],
            "shared": [keyword_ref(k, taxonomy) for k in r.shared],
        }
        for r in related
    ]


def keyword_view(kid: str, taxonomy: Taxonomy, case_ids: list, views: dict, narrower: list) -> dict:
    """A keyword page: the term, its translations and relations, and its cases."""
    kw = taxonomy.keywords[kid]
    group = taxonomy.groups.get(kw.group)
    return {
        "id": kid,
        "label": kw.label,
        "url": keyword_url(kid),
        "description": kw.description,
        "group": {"id": group.id, "label": group.label} if group else None,
        "labels": [
            {"lang": lang, "language": i18n.language_name(lang), "label": kw.labels[lang]} for lang in LANGUAGES
        ],
        "aliases": list(kw.aliases),
        "broader": keyword_ref(kw.broader, taxonomy) if kw.broader in taxonomy.keywords else None,
        "narrower": [keyword_ref(n, taxonomy) for n in narrower],
        "cases": [views[cid] for cid in case_ids],
    }


def json_ld(
    case: Case,
    view: dict,
    site_url: str,
    taxonomy: Taxonomy,
    dataset: dict | None = None,
    published: str | None = None,
    modified: str | None = None,
    contract: Contract | None = None,
) -> str:
    """schema.org JSON-LD for a case page (an ``Article``), safe to put inside a <script> element.

    It says what the page says: name, summary, places, period, sources (``citation``), and
    - ``license``, ``version``, ``author`` and ``publisher`` (an ``Organization``) from
      ``dataset`` (the data set as in ``cases.json``: ``title``, ``publisher``, ``license_url``,
      ``version``), and ``isPartOf`` that ``Dataset`` (``@id`` the data page's address with
      ``#dataset``, its name, address, version and licence);
    - ``datePublished``/``dateModified``: ISO dates of the case file's first and last commit,
      left out when unknown (no git, shallow clone);
    - ``about``: each keyword a ``DefinedTerm`` whose ``@id`` is its ``skos:Concept`` in
      ``keywords.ttl`` (:func:`casebook.exports.concept_iri`) and whose ``inDefinedTermSet`` is
      the ``skos:ConceptScheme`` (:func:`casebook.exports.scheme_iri`), so that the page's graph
      and the SKOS file merge into one;
    - ``additionalProperty``: the ``contract``'s own fields the page shows, each a
      ``PropertyValue`` (:func:`property_values`).
    """
    base = site_url.rstrip("/") + "/" if site_url else ""
    dataset = dataset or {}
    country = {"@type": "Country", "name": view["country"]["name"], "identifier": case.country}
    places = [
        {"@type": "Place", "name": p, "containedInPlace": country} for p in (*case.municipalities, *case.neighbourhoods)
    ]
    end = str(case.period_end) if case.period_end is not None else ".."
    organisation = {"@type": "Organization", "name": dataset["publisher"]} if dataset.get("publisher") else None
    scheme = {"@type": "DefinedTermSet", "@id": scheme_iri(site_url)}
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": base + case.url if base else None,
        "url": base + case.url if base else None,
        "name": case.title,
        "alternateName": case.title_en,
        "headline": case.title,
        "description": case.summary,
        "inLanguage": "en",
        "author": organisation,
        "publisher": organisation,
        "license": dataset.get("license_url") or None,
        "version": dataset.get("version"),
        "datePublished": published,
        "dateModified": modified,
        "isPartOf": _dataset_node(dataset, base) if dataset else None,
        "about": [
            {
                "@type": "DefinedTerm",
                "@id": concept_iri(site_url, k),
                "name": taxonomy.keywords[k].label,
                "termCode": k,
                "url": base + keyword_url(k) if base else None,
                "inDefinedTermSet": scheme,
            }
            for k in case.keywords
        ],
        "spatialCoverage": [country, *places],
        "temporalCoverage": f"{case.period_start}/{end}",
        "citation": [
            {
                "@type": "CreativeWork",
                "name": s.title,
                "publisher": {"@type": "Organization", "name": s.publisher} if s.publisher else None,
                "datePublished": str(s.year) if s.year else None,
                "url": s.url,
                "inLanguage": s.language,
            }
            for s in case.sources
        ],
        "additionalProperty": property_values(case, contract or default_contract()) or None,
    }
    text = json.dumps(drop_none(data), ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    # Inside <script>, '<' could close the element; '&' and '>' are escaped for symmetry.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def property_values(case: Case, contract: Contract) -> list:
    """The ``contract``'s own fields that the case page shows (``show``, a value given), as
    schema.org ``PropertyValue`` s: ``name`` the label, ``propertyID`` the field's name, ``value``
    what the page says (a number, ``true``/``false``, an address, text; the label of a listed
    value, a list of labels for several), ``unitText`` an integer's unit."""
    out = []
    for f in contract.fields:
        value = case.value(f.name)
        if not f.show or value is None:
            continue
        if f.kind == "one-of":
            value = f.label_of(value)
        elif f.kind == "several-of":
            value = [f.label_of(v) for v in value]
        unit = f.unit if f.kind == "integer" else None
        out.append({"@type": "PropertyValue", "name": f.label, "propertyID": f.name, "value": value, "unitText": unit})
    return out


def drop_none(value):
    """``value`` with every ``None`` entry of its dicts left out, at any depth (JSON-LD and
    package descriptors leave an unknown out rather than write null)."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value


def _dataset_node(dataset: dict, base: str) -> dict:
    """The data set a case belongs to, as a schema.org ``Dataset`` (its ``@id`` is the data
    page's address with ``#dataset``: the data set, not the page describing it)."""
    return {
        "@type": "Dataset",
        "@id": base + "data/#dataset" if base else None,
        "name": f"{dataset['title']}: a library of good-practice cases" if dataset.get("title") else None,
        "url": base + "data/" if base else None,
        "version": dataset.get("version"),
        "license": dataset.get("license_url") or None,
    }
