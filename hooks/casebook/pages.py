"""Everything Casebook adds to the site, as data: pages (path, template, title,
context) and generated files (data exports, explorer data, citations).

The MkDocs hooks only hand these to MkDocs; which pages and files exist and
what they contain is decided here, once per build, without MkDocs.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from . import changelog, charts, datapackage, exports, facets
from .cache import BuildCache, code_digest, data_digest, digest
from .docs import CONTRIBUTING, refresh
from .indexes import History, build_indexes, related_cases
from .library import Library
from .searchterms import case_search_terms, search_vocabulary
from .views import case_view, country_view, json_ld, keyword_ref, keyword_view, related_view

HOME = "index.md"
CASES = "cases/index.md"
KEYWORDS = "keywords/index.md"
COUNTRIES = "countries/index.md"
CONTRIBUTE = "contribute/index.md"
EXPLORE = "explore/index.md"
DATA = "data/index.md"
CHANGES = "changes/index.md"
LATEST = 6
"""How many latest additions the home page shows."""


@dataclass
class Settings:
    """What the site says about itself (from mkdocs.yml: site_name, site_url, repo_url, extra.casebook)."""

    site_name: str = "Casebook"
    site_url: str = ""
    repo_url: str = ""
    branch: str = "main"
    """The branch 'Edit this case' proposes changes against."""
    publisher: str = "Casebook contributors"
    """Who publishes the library: the author in citations."""
    license: str = "CC BY 4.0"
    license_url: str = "https://creativecommons.org/licenses/by/4.0/"
    preview: bool = False
    """A preview (``mkdocs serve``): the version of uncommitted data says ``preview``
    (:func:`casebook.changelog.dataset_version`)."""


@dataclass
class PageSpec:
    """One page: where it lives, how it is rendered and what its template gets."""

    src_uri: str
    """Path as if under docs/, e.g. ``keywords/safety.md``."""
    template: str
    """Template in overrides/."""
    title: str
    """Page title (plain text; escaped by the hooks)."""
    context: dict = field(default_factory=dict)
    """Variables for the template."""
    content: str = ""
    """Markdown of the page (a case's body; empty for listings)."""
    description: str | None = None
    """Meta description (plain text)."""
    generated: bool = True
    """False for hand-written pages in docs/ that only get context (the home page)."""
    crumbs: list = field(default_factory=list)
    """Breadcrumb trail above the title: ``[{"label", "url"}]`` (the page itself excluded)."""
    hide: tuple = ("navigation",)
    """Material's page parts to hide: the sidebar only repeats the tab, so generated pages drop it."""
    key: str = ""
    """A digest of what the page's templates get (context, crumbs, template), made once when
    the site is planned (:func:`build_site`), for the build cache's page keys."""


@dataclass
class Site:
    """The generated part of the site."""

    pages: dict
    """src_uri → :class:`PageSpec`."""
    files: dict
    """Site path → content of a generated non-page file (data, citations): text, or bytes (cases.xlsx)."""
    version: str | None = None
    """The data set's version (:func:`casebook.changelog.dataset_version`); pages carry
    :data:`VERSION_TOKEN` in its place, to be replaced by :meth:`publish`."""

    def publish(self, html: str) -> str:
        """A page as written: :data:`VERSION_TOKEN` replaced by the version."""
        return html.replace(VERSION_TOKEN, self.version) if self.version and VERSION_TOKEN in html else html


def _date(stamp: float | None) -> str | None:
    """A Unix time as an ISO date (UTC), so the result is the same in every time zone."""
    if stamp is None:
        return None
    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).date().isoformat()


def repo_links(case, settings: Settings) -> dict:
    """Links from a case page to its file on the repository host and to the correction form."""
    if not settings.repo_url:
        return {}
    base = settings.repo_url.rstrip("/")
    query = urlencode({"template": "correction.yml", "title": f"Correction: {case.title}", "case": case.id})
    return {"edit": f"{base}/edit/{quote(settings.branch)}/{case.path}", "correct": f"{base}/issues/new?{query}"}


def explore_url(**params) -> str:
    """A link into the explorer, pre-filtered (relative to the site root)."""
    return "explore/?" + urlencode(params)


VERSION_TOKEN = "cbversion7f3d91c2a4e8b605"
"""Stands for the data set's version in pages until they are written (:meth:`Site.publish`):
the version changes with every commit and every uncommitted edit, and every case page
shows it (citation, JSON-LD), so without the stand-in any edit would re-plan and re-render
every page. Letters and digits only, so escaping for HTML, JSON, BibTeX or a URL keeps it."""

PLAIN_VERSION = re.compile(r"[0-9A-Za-z.+]+")
"""Versions that every one of those escapings also keeps as they are (all that
:func:`casebook.changelog.dataset_version` makes, and most release tags)."""


def version_token(version: str | None) -> str | None:
    """What pages carry for ``version``: :data:`VERSION_TOKEN` when the version is plain
    (:data:`PLAIN_VERSION`), else the version itself (a tag like ``v1_0`` is escaped
    differently in BibTeX and HTML, so only rendering it in place is exact)."""
    return VERSION_TOKEN if version and PLAIN_VERSION.fullmatch(version) else version


PLAN_KIND = "case-plan"
"""The cache's kind for a case's view, search terms, related cases, citation and JSON-LD."""


def data_page(contract, shown: dict, citation: dict, stats: dict, files: dict, crumbs: list) -> PageSpec:
    """The data page: the files (``files``: site path → content) with their sizes, the codebook
    and the CSV's columns from the library's ``contract``, the data set (``shown``) and its citation."""
    return PageSpec(
        DATA,
        "data.html",
        "Data",
        {
            "fields": exports.codebook(contract),
            "own_fields": bool(contract.fields),
            "dataset": shown,
            "citation": citation,
            "stats": stats,
            "csv_columns": exports.columns(contract),
            "sizes": {path: len(c if isinstance(c, bytes) else c.encode("utf-8")) for path, c in files.items()},
        },
        crumbs=crumbs,
        description="Download the cases and the keywords as open data, with a codebook.",
    )


def build_site(
    library: Library,
    settings: Settings | None = None,
    history: History | None = None,
    repository: changelog.Repository | None = None,
    cache: BuildCache | None = None,
) -> Site:
    """All generated pages and files of the library, in a deterministic order. ``repository``
    (:func:`casebook.changelog.read_repository`) gives the version and the changelog. ``cache``
    keeps what is planned for each case (:data:`PLAN_KIND`), so that after an edit only the
    edited case is planned again, besides what lists all cases."""
    settings = settings or Settings()
    history = history or History({}, {}, None)
    cache = cache or BuildCache(None)
    taxonomy, cases, contract = library.taxonomy, library.cases, library.contract
    collation = library.collation
    indexes = build_indexes(cases, taxonomy.keywords, collation)
    vocabulary = data_digest([taxonomy, contract])  # a view shows keywords' and own fields' labels
    views, terms = {}, {}
    for cid, case in cases.items():
        views[cid], terms[cid] = cache.memo(
            PLAN_KIND,
            data_digest([code_digest(), "view", case, vocabulary]),
            lambda case=case: (case_view(case, taxonomy, contract), case_search_terms(case, taxonomy)),
        )
    by_title = [views[c.id] for c in sorted(cases.values(), key=collation.title_key)]
    pages: dict = {}
    files: dict = {}
    home = {"label": "Home", "url": ""}
    counts = {kid: len(ids) for kid, ids in indexes.by_keyword.items()}
    stats = {
        "cases": len(cases),
        "countries": len(indexes.by_country),
        "keywords": sum(1 for n in counts.values() if n),
        "vocabulary": len(taxonomy.keywords),
    }
    head_year = int(_date(history.head)[:4]) if history.head else None
    dataset = {
        "title": settings.site_name,
        "publisher": settings.publisher,
        "license": settings.license,
        "license_url": settings.license_url,
        "url": exports.absolute(settings.site_url, ""),
        "version": changelog.dataset_version(repository, library, settings.preview),
        "date": _date(history.head),
    }
    shown = {**dataset, "version": version_token(dataset["version"])}  # on pages: see version_token

    def make_data_files() -> dict:
        explorer, explorer_text = facets.explorer_data(library)
        return {
            "data/explorer.json": explorer,
            "data/explorer-text.json": explorer_text,
            "data/cases.json": exports.cases_json(library, settings.site_url, dataset),
            "data/cases.csv": exports.cases_csv(library, settings.site_url),
            "data/cases.xlsx": exports.cases_xlsx(library, settings.site_url, dataset),
            "data/keywords.json": exports.keywords_json(library, settings.site_url, counts, dataset["version"]),
            "data/keywords.ttl": exports.keywords_skos(
                library, settings.site_url, settings.site_name, dataset["version"]
            ),
            "data/search-terms.json": search_vocabulary(library),
            "data/keywords.csv": datapackage.keywords_csv(library, settings.site_url),
            "data/case-keywords.csv": datapackage.case_keywords_csv(library),
            "data/datapackage.json": datapackage.datapackage(settings.site_url, dataset, contract),
            "data/dcat.jsonld": datapackage.dcat(settings.site_url, dataset),
        }

    # Home: counts, ways in, and the latest additions (git history, else by start year).
    never = float("inf")  # not committed yet: newest of all

    def recency(case):
        return (-history.added.get(case.path, never), -case.period_start, *collation.title_key(case))

    latest = [
        {**views[c.id], "added": _date(history.added.get(c.path))} for c in sorted(cases.values(), key=recency)[:LATEST]
    ]
    dated = bool(history.added)  # else the documented order: newest start year first
    home_context = {"latest": latest, "latest_dated": dated, "stats": stats}
    pages[HOME] = PageSpec(HOME, "home.html", "Home", home_context, generated=False)

    # The timeline ends where the data ends: the latest end (or start), and the build's year
    # (the commit's) only while a programme is ongoing.
    ongoing = any(c.period_end is None for c in cases.values())
    last_year = max(
        [
            (head_year or 0) if ongoing else 0,
            *(c.period_start for c in cases.values()),
            *(c.period_end for c in cases.values() if c.period_end),
        ]
    )
    pages[CASES] = PageSpec(
        CASES,
        "cases.html",
        "Cases",
        {
            "cases": by_title,
            "facets": [{"name": f.name, "label": f.label} for f in contract.facets],
            "timeline": charts.timeline(
                "chart-timeline", [(c.period_start, c.period_end) for c in cases.values()], last_year
            ),
        },
        crumbs=[home],
        description=f"All {len(cases)} cases in the library, sorted by title.",
    )

    # Keywords: the overview by group, and one page per keyword (used or not).
    groups = []
    for group in taxonomy.groups.values():
        members = sorted(
            (k for k in taxonomy.keywords.values() if k.group == group.id), key=lambda k: (collation.key(k.label), k.id)
        )
        in_group = {cid for k in members for cid in indexes.by_keyword[k.id]}
        groups.append(
            {
                "id": group.id,
                "label": group.label,
                "cases": len(in_group),
                "keywords": [{**keyword_ref(k.id, taxonomy), "count": counts[k.id]} for k in members],
            }
        )
    group_chart = charts.bar_chart(
        "chart-groups",
        "Cases per keyword group",
        "How many cases carry at least one keyword of each group; a case can count in several groups.",
        [(g["label"], g["cases"], f"keywords/#{g['id']}") for g in groups],
    )
    pages[KEYWORDS] = PageSpec(
        KEYWORDS,
        "keywords.html",
        "Keywords",
        {"groups": groups, "stats": stats, "chart": group_chart},
        crumbs=[home],
        description="The library's keywords by group, with case counts.",
    )
    narrower = taxonomy.narrower(collation.key)
    keywords_crumb = {"label": "Keywords", "url": "keywords/"}
    for kid, kw in taxonomy.keywords.items():
        view = keyword_view(kid, taxonomy, indexes.by_keyword[kid], views, narrower.get(kid, []))
        view["explore"] = explore_url(keyword=kid)
        pages[f"keywords/{kid}.md"] = PageSpec(
            f"keywords/{kid}.md",
            "keyword.html",
            kw.label,
            {"keyword": view},
            description=kw.description,
            crumbs=[home, keywords_crumb],
        )

    # Countries: the overview and one page per country with cases.
    countries = []
    countries_crumb = {"label": "Countries", "url": "countries/"}
    for code, ids in indexes.by_country.items():
        country = {**country_view(code), "count": len(ids), "explore": explore_url(country=code)}
        countries.append(country)
        places: dict = {}
        used: dict = {}
        for cid in ids:
            for name in cases[cid].municipalities:
                places.setdefault(name, []).append(views[cid])
            for kid in cases[cid].keywords:
                used[kid] = used.get(kid, 0) + 1
        municipalities = [{"name": n, "cases": places[n]} for n in collation.sorted(places)]
        keywords = [
            {**keyword_ref(k, taxonomy), "count": n, "explore": explore_url(country=code, keyword=k)}
            for k, n in sorted(
                used.items(), key=lambda item: (-item[1], collation.key(taxonomy.keywords[item[0]].label), item[0])
            )
        ]
        src = f"countries/{code.lower()}.md"
        pages[src] = PageSpec(
            src,
            "country.html",
            country["name"],
            {"country": country, "municipalities": municipalities, "keywords": keywords},
            description=f"Cases from {country['name']}: {len(ids)}.",
            crumbs=[home, countries_crumb],
        )
    countries.sort(key=lambda c: (collation.key(c["name"]), c["code"]))
    country_chart = charts.bar_chart(
        "chart-countries",
        "Cases per country",
        "How many cases come from each country.",
        [
            (c["name"], c["count"], c["url"])
            for c in sorted(countries, key=lambda c: (-c["count"], collation.key(c["name"]), c["code"]))
        ],
    )
    pages[COUNTRIES] = PageSpec(
        COUNTRIES,
        "countries.html",
        "Countries",
        {"countries": countries, "chart": country_chart},
        crumbs=[home],
        description="The countries the library has cases from.",
    )

    # The contributing guide, with its field reference fresh from the schema.
    guide = library.root / CONTRIBUTING
    if guide.is_file():
        pages[CONTRIBUTE] = PageSpec(
            CONTRIBUTE,
            "main.html",
            "Contribute",
            content=refresh(guide.read_text("utf-8"), contract),
            hide=(),
            description="How to add or correct a case, and the fields a case has.",
        )

    # Case pages: metadata, related cases (from the inverted index), JSON-LD and citation,
    # (the slowest part of planning a large library).
    def extras(cid: str) -> tuple:
        case = cases[cid]
        changed = history.changed.get(case.path)
        year = int(_date(changed)[:4]) if changed else (None if history.shallow else head_year)
        return (
            related_cases(case, cases, indexes),
            exports.citation(case, settings.site_url, settings.site_name, settings.publisher, year, shown["version"]),
            json_ld(
                case,
                views[cid],
                settings.site_url,
                taxonomy,
                shown,
                _date(history.added.get(case.path)),
                _date(changed),
                contract,
            ),
        )

    cases_crumb = {"label": "Cases", "url": "cases/"}
    # What a case's extras depend on besides the case: the indexes (related cases), the settings,
    # the dataset's version and date, and the history.
    around = digest(
        code_digest(),
        "extras",
        vocabulary,
        data_digest([indexes.by_keyword, indexes.weights, indexes.title_rank]),
        settings,
        shown,
        head_year,
        history.shallow,
    )
    for cid, case in cases.items():
        dates = (history.added.get(case.path), history.changed.get(case.path))
        related, cite, jsonld = cache.memo(
            PLAN_KIND, data_digest([around, case, dates, views[cid]]), lambda cid=cid: extras(cid)
        )
        pages[f"cases/{cid}.md"] = PageSpec(
            f"cases/{cid}.md",
            "case.html",
            case.title,
            {
                "case": views[cid],
                "related": related_view(related, views, taxonomy),
                "jsonld": jsonld,
                "links": repo_links(case, settings),
                "cite": cite,
                "search_terms": terms[cid],
            },
            content=case.body,
            description=case.summary,
            crumbs=[home, cases_crumb],
        )

    # Explorer and open data.
    files.update(make_data_files())
    pages[EXPLORE] = PageSpec(
        EXPLORE,
        "explore.html",
        "Explore",
        {"stats": stats, "explore_facets": [f.label for f in contract.facets]},
        crumbs=[home],
        hide=("navigation", "toc"),
        description="Filter the cases by keyword, keyword group, country, period and text.",
    )
    dataset_citation = exports.dataset_citation(
        settings.site_url, settings.site_name, settings.publisher, head_year, shown["version"]
    )
    pages[DATA] = data_page(contract, shown, dataset_citation, stats, files, [home])

    # What changed: every addition, correction and removal of a case (git history), and its feed.
    changes = changelog.changes_view(repository, cases, settings.repo_url)
    files[changelog.FEED] = changelog.atom_feed(
        changes, settings.site_url, settings.site_name, settings.publisher, history.head
    )
    pages[CHANGES] = PageSpec(
        CHANGES,
        "changes.html",
        "Changes",
        {"changes": changes, "dataset": shown, "shallow": history.shallow, "feed": changelog.FEED},
        crumbs=[home],
        description="Cases added, updated or corrected, and removed, newest first, with an Atom feed.",
    )

    for spec in pages.values():  # once here, kept with the plan: a build from the cache needs no digest
        spec.key = data_digest([spec.context, spec.crumbs, spec.template])
    return Site(pages, files, dataset["version"])
