"""Everything Casebook adds to the site, as data: pages (path, template, title,
context) and generated files (data exports, explorer data, citations).

The MkDocs hooks only hand these to MkDocs; which pages and files exist and
what they contain is decided here, once per build, without MkDocs.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from . import changelog, charts, datapackage, exports, facets, maps, vendor
from .cache import BuildCache, code_digest, data_digest, digest
from .docs import CONTRIBUTING, refresh
from .indexes import History, Indexes, build_indexes, related_cases
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
    map_tiles: str = ""
    """A tile layer's address template for the explorer's map; empty: none (the default)."""
    map_attribution: str = ""
    """The tile layer's attribution, plain text."""
    map_max_zoom: int = 18
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


@dataclass(frozen=True)
class Plan:
    """What every page kind is made from: made once per build by :func:`plan_site`, then only
    read by the page generators (:func:`build_site` lists them); its dicts are shared, never changed."""

    library: Library
    settings: Settings
    history: History
    repository: changelog.Repository | None
    """What git says about the build (:func:`casebook.changelog.read_repository`); None without it."""
    cache: BuildCache
    indexes: Indexes
    """The library's inverted indexes (:func:`casebook.indexes.build_indexes`)."""
    views: dict
    """Case id → the case's view (:func:`casebook.views.case_view`): what lists and pages show of it."""
    terms: dict
    """Case id → the case's search terms (:func:`casebook.searchterms.case_search_terms`)."""
    view_digests: dict
    """``id()`` of each view in :attr:`views` → its :func:`casebook.cache.data_digest`, made
    with the view and kept with it: the listings' page keys digest each view once
    (:func:`casebook.cache.data_digest`'s ``known``)."""
    vocabulary: str
    """A digest of the taxonomy and the contract: a case's view shows their labels."""
    counts: dict
    """Keyword id → how many cases carry it (0 for an unused keyword)."""
    stats: dict
    """``{"cases", "countries", "keywords", "vocabulary"}``: the counts several pages show."""
    head_year: int | None
    """The year (UTC) of the commit built; None without git."""
    dataset: dict
    """The data set's title, publisher, license, license_url, url, version and date, as the exports carry them."""
    shown: dict
    """:attr:`dataset` as pages show it: its version as :func:`version_token` gives it."""
    home: dict
    """The breadcrumb to the home page (``{"label", "url"}``), first in every generated page's trail."""


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
    edited case is planned again, besides what lists all cases. Each page kind has its generator,
    which reads the one :class:`Plan`."""
    settings = settings or Settings()
    history = history or History({}, {}, None)
    plan = plan_site(library, settings, history, repository, cache or BuildCache(None))
    before, after, files = plan.cache.remembered_whole(
        LISTINGS_KIND, lambda: listings_key(plan), lambda: listings(plan)
    )
    pages = {spec.src_uri: spec for spec in [*before, *case_pages(plan), *after]}
    return Site(pages, dict(files), plan.dataset["version"])


LISTINGS_KIND = "listings"
"""The serve memory's kind for :func:`listings` (never stored): after a save that changed only
a case's body, they are as they were, and only the case's own page is planned again."""


def listings(plan: Plan) -> tuple[list[PageSpec], list[PageSpec], dict]:
    """Every page but the case pages, and the data files: ``(pages before the case pages, pages
    after them, data files)`` (site path → text, or bytes), each page with its key. They show
    what cases say besides their bodies (:attr:`casebook.cases.Case.record_digest`)."""
    before = [
        home_page(plan),
        case_list_page(plan),
        *keyword_pages(plan),
        *country_pages(plan),
        *contribute_pages(plan),
    ]
    after = [explore_page(plan)]
    files = data_files(plan)
    after.append(data_page(plan, files))  # before the feed: the data page lists the data files
    changes, files[changelog.FEED] = changes_page(plan)
    after.append(changes)
    for spec in [*before, *after]:  # once here, kept with the plan: a build from the cache needs no digest
        spec.key = data_digest([spec.context, spec.crumbs, spec.template], plan.view_digests)
    return before, after, files


def listings_key(plan: Plan) -> str:
    """What :func:`listings` follow from: the code, the settings, git's history and state, the
    vocabulary, the data set's description, the collation, the contributing guide, and each
    case's :attr:`~casebook.cases.Case.record_digest` in the library's order."""
    library = plan.library
    guide = library.root / CONTRIBUTING
    return digest(
        code_digest(),
        "listings",
        plan.settings,
        plan.history,
        plan.repository,
        plan.vocabulary,
        plan.dataset,
        library.collation.locale,
        guide.read_bytes() if guide.is_file() else None,
        [(cid, case.record_digest) for cid, case in library.cases.items()],
    )


def plan_site(
    library: Library,
    settings: Settings,
    history: History,
    repository: changelog.Repository | None,
    cache: BuildCache,
) -> Plan:
    """The :class:`Plan` of ``library``'s site: its indexes, each case's view and search terms
    (:func:`case_views`), the counts, and the data set's description (version from ``repository``,
    date from ``history``)."""
    indexes = build_indexes(library.cases, library.taxonomy.keywords, library.collation)
    vocabulary = data_digest([library.taxonomy, library.contract])  # a view shows keywords' and own fields' labels
    views, terms, digests = case_views(library, cache, vocabulary)
    counts = {kid: len(ids) for kid, ids in indexes.by_keyword.items()}
    stats = {
        "cases": len(library.cases),
        "countries": len(indexes.by_country),
        "keywords": sum(1 for n in counts.values() if n),
        "vocabulary": len(library.taxonomy.keywords),
    }
    dataset = {
        "title": settings.site_name,
        "publisher": settings.publisher,
        "license": settings.license,
        "license_url": settings.license_url,
        "url": exports.absolute(settings.site_url, ""),
        "version": changelog.dataset_version(repository, library, settings.preview),
        "date": _date(history.head),
    }
    return Plan(
        library,
        settings,
        history,
        repository,
        cache,
        indexes,
        views,
        terms,
        {id(views[cid]): digests[cid] for cid in views},
        vocabulary,
        counts,
        stats,
        head_year=int(_date(history.head)[:4]) if history.head else None,
        dataset=dataset,
        shown={**dataset, "version": version_token(dataset["version"])},  # on pages: see version_token
        home={"label": "Home", "url": ""},
    )


def case_views(library: Library, cache: BuildCache, vocabulary: str) -> tuple[dict, dict, dict]:
    """Each case's view, search terms and the view's :func:`casebook.cache.data_digest` (three
    dicts, case id → each), from ``cache`` (:data:`PLAN_KIND`, keyed by the code, the case and
    ``vocabulary``) or made and kept there."""
    views, terms, digests = {}, {}, {}
    for cid, case in library.cases.items():
        views[cid], terms[cid], digests[cid] = cache.memo(
            PLAN_KIND,
            digest(code_digest(), "view", case.digest, vocabulary),
            lambda case=case: _view_and_terms(case, library),
        )
    return views, terms, digests


def _view_and_terms(case, library: Library) -> tuple[dict, dict, str]:
    view = case_view(case, library.taxonomy, library.contract)
    return view, case_search_terms(case, library.taxonomy), data_digest(view)


def home_page(plan: Plan) -> PageSpec:
    """The home page's context (docs/index.md itself is hand-written): the counts, and the
    :data:`LATEST` latest additions' views, by when git first saw each case file, else newest start year first."""
    history, collation = plan.history, plan.library.collation
    never = float("inf")  # not committed yet: newest of all

    def recency(case):
        return (-history.added.get(case.path, never), -case.period_start, *collation.title_key(case))

    newest = sorted(plan.library.cases.values(), key=recency)[:LATEST]
    latest = [{**plan.views[c.id], "added": _date(history.added.get(c.path))} for c in newest]
    dated = bool(history.added)  # else the documented order: newest start year first
    return PageSpec(
        HOME, "home.html", "Home", {"latest": latest, "latest_dated": dated, "stats": plan.stats}, generated=False
    )


def case_list_page(plan: Plan) -> PageSpec:
    """The case list: every case's view in title order, the contract's facets (its columns)
    and a timeline of the cases' periods."""
    cases, collation = plan.library.cases, plan.library.collation
    # The timeline ends where the data ends: the latest end (or start), and the build's year
    # (the commit's) only while a programme is ongoing.
    ongoing = any(c.period_end is None for c in cases.values())
    last_year = max(
        [
            (plan.head_year or 0) if ongoing else 0,
            *(c.period_start for c in cases.values()),
            *(c.period_end for c in cases.values() if c.period_end),
        ]
    )
    return PageSpec(
        CASES,
        "cases.html",
        "Cases",
        {
            "cases": [plan.views[c.id] for c in sorted(cases.values(), key=collation.title_key)],
            "facets": [{"name": f.name, "label": f.label} for f in plan.library.contract.facets],
            "timeline": charts.timeline(
                "chart-timeline", [(c.period_start, c.period_end) for c in cases.values()], last_year
            ),
        },
        crumbs=[plan.home],
        description=f"All {len(cases)} cases in the library, sorted by title.",
    )


def keyword_pages(plan: Plan) -> list[PageSpec]:
    """The keywords overview (the taxonomy's groups with their keywords and case counts, and a
    chart), then one page per keyword of the taxonomy, used or not, with its cases' views."""
    taxonomy, collation = plan.library.taxonomy, plan.library.collation
    groups = keyword_groups(plan)
    chart = charts.bar_chart(
        "chart-groups",
        "Cases per keyword group",
        "How many cases carry at least one keyword of each group; a case can count in several groups.",
        [(g["label"], g["cases"], f"keywords/#{g['id']}") for g in groups],
    )
    pages = [
        PageSpec(
            KEYWORDS,
            "keywords.html",
            "Keywords",
            {"groups": groups, "stats": plan.stats, "chart": chart},
            crumbs=[plan.home],
            description="The library's keywords by group, with case counts.",
        )
    ]
    narrower = taxonomy.narrower(collation.key)
    keywords_crumb = {"label": "Keywords", "url": "keywords/"}
    for kid, kw in taxonomy.keywords.items():
        view = keyword_view(kid, taxonomy, plan.indexes.by_keyword[kid], plan.views, narrower.get(kid, []))
        view["explore"] = explore_url(keyword=kid)
        pages.append(
            PageSpec(
                f"keywords/{kid}.md",
                "keyword.html",
                kw.label,
                {"keyword": view},
                description=kw.description,
                crumbs=[plan.home, keywords_crumb],
            )
        )
    return pages


def keyword_groups(plan: Plan) -> list[dict]:
    """The taxonomy's groups as the keywords overview lists them: ``{"id", "label", "cases"
    (cases with a keyword of the group), "keywords" (:func:`keyword_ref` with "count"), by label}``."""
    taxonomy, collation = plan.library.taxonomy, plan.library.collation
    groups = []
    for group in taxonomy.groups.values():
        members = sorted(
            (k for k in taxonomy.keywords.values() if k.group == group.id), key=lambda k: (collation.key(k.label), k.id)
        )
        in_group = {cid for k in members for cid in plan.indexes.by_keyword[k.id]}
        groups.append(
            {
                "id": group.id,
                "label": group.label,
                "cases": len(in_group),
                "keywords": [{**keyword_ref(k.id, taxonomy), "count": plan.counts[k.id]} for k in members],
            }
        )
    return groups


def country_pages(plan: Plan) -> list[PageSpec]:
    """One page per country with cases (:func:`country_page`), then the countries overview (by
    name in the library's collation, with a chart of cases per country)."""
    collation = plan.library.collation
    countries_crumb = {"label": "Countries", "url": "countries/"}
    countries, pages = [], []
    for code, ids in plan.indexes.by_country.items():
        country, page = country_page(plan, code, ids, countries_crumb)
        countries.append(country)
        pages.append(page)
    countries.sort(key=lambda c: (collation.key(c["name"]), c["code"]))
    chart = charts.bar_chart(
        "chart-countries",
        "Cases per country",
        "How many cases come from each country.",
        [
            (c["name"], c["count"], c["url"])
            for c in sorted(countries, key=lambda c: (-c["count"], collation.key(c["name"]), c["code"]))
        ],
    )
    overview = PageSpec(
        COUNTRIES,
        "countries.html",
        "Countries",
        {"countries": countries, "chart": chart},
        crumbs=[plan.home],
        description="The countries the library has cases from.",
    )
    return [*pages, overview]


def country_page(plan: Plan, code: str, ids: list, crumb: dict) -> tuple[dict, PageSpec]:
    """The page of the country ``code`` (ISO 3166-1 alpha-2) with the cases ``ids`` (title order):
    its municipalities with their cases' views, and its keywords by use; and the country as the
    overview lists it (:func:`country_view` with "count" and "explore"). ``crumb``: the overview's."""
    cases, taxonomy, collation = plan.library.cases, plan.library.taxonomy, plan.library.collation
    country = {**country_view(code), "count": len(ids), "explore": explore_url(country=code)}
    places: dict = {}
    used: dict = {}
    for cid in ids:
        for name in cases[cid].municipalities:
            places.setdefault(name, []).append(plan.views[cid])
        for kid in cases[cid].keywords:
            used[kid] = used.get(kid, 0) + 1
    municipalities = [
        {"name": n, "cases": places[n], "anchor": f"place-{i}"} for i, n in enumerate(collation.sorted(places), 1)
    ]
    keywords = [
        {**keyword_ref(k, taxonomy), "count": n, "explore": explore_url(country=code, keyword=k)}
        for k, n in sorted(
            used.items(), key=lambda item: (-item[1], collation.key(taxonomy.keywords[item[0]].label), item[0])
        )
    ]
    page = PageSpec(
        f"countries/{code.lower()}.md",
        "country.html",
        country["name"],
        {
            "country": country,
            "municipalities": municipalities,
            "keywords": keywords,
            "map": country_map_view(plan, code, ids, municipalities),
        },
        description=f"Cases from {country['name']}: {len(ids)}.",
        crumbs=[plan.home, crumb],
    )
    return country, page


def country_map_view(plan: Plan, code: str, ids: list, municipalities: list) -> dict | None:
    """The country page's map (:func:`casebook.maps.country_map`) of the cases ``ids``, or ``None``
    without a basemap: each marker's ``cases`` as ``[{"url", "title"}]`` and its ``href`` (the case
    page's path from the site root for one case, else ``#`` and the anchor of the ``municipalities``
    entry listing them all); ``unplaced``: ``[{"url", "title"}]`` of the cases on no map."""
    cases = plan.library.cases
    groups = maps.place_groups(cases[cid] for cid in ids)
    # Clipping the neighbours' outlines is most of a country page's making: kept by its places.
    key = data_digest([code_digest(), "country-map", code, groups])
    drawn = plan.cache.memo(PLAN_KIND, key, lambda: maps.country_map(code, groups))
    if drawn is None:
        return None
    drawn = {**drawn, "places": [dict(marker) for marker in drawn["places"]]}  # the cache's stays as it was
    for marker in drawn["places"]:
        marker["cases"] = [{"url": cases[cid].url, "title": cases[cid].title} for cid in marker["cases"]]
        marker["label"] = _marker_label(marker)
        one = marker["count"] == 1
        marker["href"] = marker["cases"][0]["url"] if one else "#" + _list_anchor(marker, municipalities)
    drawn["unplaced"] = [{"url": cases[cid].url, "title": cases[cid].title} for cid in ids if not cases[cid].locations]
    return drawn


def _marker_label(marker: dict) -> str:
    """What a marker says: 'Malmö: 2 cases', 'Botkyrka and Alby: 2 cases', 'Odense: 1 case, <title>'."""
    names = marker["names"]
    where = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if marker["count"] == 1:
        return f"{where}: 1 case, {marker['cases'][0]['title']}"
    return f"{where}: {marker['count']} cases"


def _list_anchor(marker: dict, municipalities: list) -> str:
    """The anchor of the ``municipalities`` entry (``{"name", "cases", "anchor"}``) a marker's cases
    are listed under: one of its places' own, else the first listing them all; else ``by-municipality``."""
    urls = {c["url"] for c in marker["cases"]}
    for entry in sorted(municipalities, key=lambda m: m["name"] not in marker["names"]):
        if urls <= {c["url"] for c in entry["cases"]}:
            return entry["anchor"]
    return "by-municipality"


def contribute_pages(plan: Plan) -> list[PageSpec]:
    """The contributing guide: the library's CONTRIBUTING.md with its field reference fresh
    from the contract (:func:`casebook.docs.refresh`); none when the library has no guide."""
    guide = plan.library.root / CONTRIBUTING
    if not guide.is_file():
        return []
    return [
        PageSpec(
            CONTRIBUTE,
            "main.html",
            "Contribute",
            content=refresh(guide.read_text("utf-8"), plan.library.contract),
            hide=(),
            description="How to add or correct a case, and the fields a case has.",
        )
    ]


def case_pages(plan: Plan) -> list[PageSpec]:
    """One page per case: its body, view and search terms, its repository links, and its related
    cases, citation and JSON-LD (:func:`case_extras`: the slowest part of planning a large
    library, so kept in the cache under :data:`PLAN_KIND`)."""
    history, settings = plan.history, plan.settings
    # What a case's extras depend on besides the case: the indexes (related cases), the settings,
    # the dataset's version and date, and the history.
    indexes = plan.indexes
    around = digest(
        code_digest(),
        "extras",
        plan.vocabulary,
        data_digest([indexes.by_keyword, indexes.weights, indexes.title_rank]),
        settings,
        plan.shown,
        plan.head_year,
        history.shallow,
    )
    cases_crumb = {"label": "Cases", "url": "cases/"}
    pages = []
    for cid, case in plan.library.cases.items():
        dates = (history.added.get(case.path), history.changed.get(case.path))
        extras = digest(around, case.digest, dates)  # the view follows from the case and the vocabulary
        related, cite, jsonld = plan.cache.memo(PLAN_KIND, extras, lambda cid=cid: case_extras(plan, cid))
        shown, shown_digest, links = _case_shown(plan, case, extras, related)
        context = {
            "case": plan.views[cid],
            "related": shown,
            "jsonld": jsonld,
            "links": links,
            "cite": cite,
            "search_terms": plan.terms[cid],
        }
        pages.append(
            PageSpec(
                f"cases/{cid}.md",
                "case.html",
                case.title,
                context,
                content=case.body,
                description=case.summary,
                crumbs=[plan.home, cases_crumb],
                # What the context follows from (digesting it costs more than planning it): the
                # extras' key (the code, the vocabulary, the indexes, the settings, the version,
                # the case and its dates) and what the related cases show of themselves (so that an
                # edit of a case's text leaves the pages that list it as related as they were).
                key=digest("case.html", extras, shown_digest, cases_crumb),
            )
        )
    return pages


def _case_shown(plan: Plan, case, extras: str, related: list) -> tuple[list, str, dict]:
    """``(related cases as the page shows them, their data_digest, repository links)`` of
    ``case``; under ``mkdocs serve`` remembered by what they follow from (``extras``: the key
    of the case's extras, with the settings and the vocabulary; the related cases' views), so
    that a save does not make them again for every case (2 s at 10,000 cases)."""

    def make() -> tuple[list, str, dict]:
        shown = related_view(related, plan.views, plan.library.taxonomy)
        return shown, data_digest(shown), repo_links(case, plan.settings)

    views, known = plan.views, plan.view_digests
    return plan.cache.remembered(
        ROW_KIND, lambda: digest("case-shown", extras, [known[id(views[r.id])] for r in related]), make
    )


def case_extras(plan: Plan, cid: str) -> tuple:
    """``(related, citation, json_ld)`` of the case ``cid``: its related cases (from the inverted
    indexes), its citation (year: when its file last changed) and its JSON-LD."""
    case, history, settings = plan.library.cases[cid], plan.history, plan.settings
    changed = history.changed.get(case.path)
    year = int(_date(changed)[:4]) if changed else (None if history.shallow else plan.head_year)
    return (
        related_cases(case, plan.library.cases, plan.indexes),
        exports.citation(case, settings.site_url, settings.site_name, settings.publisher, year, plan.shown["version"]),
        json_ld(
            case,
            plan.views[cid],
            settings.site_url,
            plan.library.taxonomy,
            plan.shown,
            _date(history.added.get(case.path)),
            _date(changed),
            plan.library.contract,
        ),
    )


def explore_page(plan: Plan) -> PageSpec:
    """The explorer's page: the counts and the contract's facets' labels (its data is in
    :func:`data_files`)."""
    return PageSpec(
        EXPLORE,
        "explore.html",
        "Explore",
        {
            "stats": plan.stats,
            "explore_facets": [f.label for f in plan.library.contract.facets],
            "map_scripts": vendor.urls(""),
            "map_tiles": {
                "url": plan.settings.map_tiles,
                "attribution": plan.settings.map_attribution,
                "max_zoom": plan.settings.map_max_zoom,
            },
        },
        crumbs=[plan.home],
        hide=("navigation", "toc"),
        description="Filter the cases by keyword, keyword group, country, period and text.",
    )


def map_json(plan: Plan) -> str:
    """``data/map.json`` (:func:`casebook.maps.library_map_json`), from the cache when no case's
    country or places changed (it takes 0.4 s at 10,000 cases)."""
    cases = plan.library.cases.values()
    places = [(c.id, c.country, [(p.name, p.latitude, p.longitude) for p in c.locations]) for c in cases]
    key = data_digest([code_digest(), "map.json", places])
    return plan.cache.memo(PLAN_KIND, key, lambda: maps.library_map_json(cases))


def data_files(plan: Plan) -> dict:
    """The data files (site path → text, or bytes for cases.xlsx): the explorer's data, the
    exports of the cases and keywords, the search terms, the Data Package and the DCAT description."""
    library, site_url, dataset, contract = plan.library, plan.settings.site_url, plan.dataset, plan.library.contract
    explorer, explorer_text = facets.explorer_data(library, _per_case(plan, "text", facets.case_text))
    record = _per_case(plan, "json", lambda c: exports.case_record(c, site_url, contract))
    csv_row = _per_case(plan, "csv", lambda c: exports.csv_row(c, site_url, contract))
    xlsx_row = _per_case(plan, "xlsx", lambda c: exports.xlsx_row(c, site_url, contract))
    return {
        "data/explorer.json": explorer,
        "data/explorer-text.json": explorer_text,
        "data/map.json": map_json(plan),
        "data/cases.json": exports.cases_json(library, site_url, dataset, record),
        "data/cases.csv": exports.cases_csv(library, site_url, csv_row),
        "data/cases.xlsx": exports.cases_xlsx(library, site_url, dataset, xlsx_row),
        "data/keywords.json": exports.keywords_json(library, site_url, plan.counts, dataset["version"]),
        "data/keywords.ttl": exports.keywords_skos(library, site_url, plan.settings.site_name, dataset["version"]),
        "data/search-terms.json": search_vocabulary(library),
        "data/keywords.csv": datapackage.keywords_csv(library, site_url),
        "data/case-keywords.csv": datapackage.case_keywords_csv(library),
        "data/datapackage.json": datapackage.datapackage(site_url, dataset, library.contract),
        "data/dcat.jsonld": datapackage.dcat(site_url, dataset),
    }


ROW_KIND = "case-row"
"""The serve memory's kind for what would otherwise be made again for every case on every
save: its parts of the data files (:func:`_per_case`) and what its page shows of its related
cases (:func:`_case_shown`); never stored."""


def _per_case(plan: Plan, part: str, make: Callable) -> Callable:
    """``make`` (case → its ``part`` of a data file: a row, a record, its words), remembered
    under ``mkdocs serve`` by the case's digest and the site's address
    (:meth:`casebook.cache.BuildCache.remembered`): a save then makes only the edited case's."""
    cache, prefix = plan.cache, f"{part}\0{plan.settings.site_url}\0"
    return lambda case: cache.remembered(ROW_KIND, prefix + case.digest, lambda: make(case))


def data_page(plan: Plan, files: dict) -> PageSpec:
    """The data page: the ``files`` (site path → content, :func:`data_files`) with their sizes
    in bytes, the codebook and the CSV's columns from the library's contract, the data set as
    shown and its citation."""
    settings, contract = plan.settings, plan.library.contract
    citation = exports.dataset_citation(
        settings.site_url, settings.site_name, settings.publisher, plan.head_year, plan.shown["version"]
    )
    return PageSpec(
        DATA,
        "data.html",
        "Data",
        {
            "fields": exports.codebook(contract),
            "own_fields": bool(contract.fields),
            "dataset": plan.shown,
            "citation": citation,
            "stats": plan.stats,
            "csv_columns": exports.columns(contract),
            "sizes": {path: len(c if isinstance(c, bytes) else c.encode("utf-8")) for path, c in files.items()},
        },
        crumbs=[plan.home],
        description="Download the cases and the keywords as open data, with a codebook.",
    )


def changes_page(plan: Plan) -> tuple[PageSpec, str]:
    """What changed: the page listing every addition, correction and removal of a case (from
    the repository's history), and its Atom feed (the text of :data:`casebook.changelog.FEED`)."""
    settings = plan.settings
    changes = changelog.changes_view(plan.repository, plan.library.cases, settings.repo_url)
    feed = changelog.atom_feed(changes, settings.site_url, settings.site_name, settings.publisher, plan.history.head)
    page = PageSpec(
        CHANGES,
        "changes.html",
        "Changes",
        {"changes": changes, "dataset": plan.shown, "shallow": plan.history.shallow, "feed": changelog.FEED},
        crumbs=[plan.home],
        description="Cases added, updated or corrected, and removed, newest first, with an Atom feed.",
    )
    return page, feed
