"""Every page Casebook adds to the site, as data: source path, template, title, context.

The MkDocs hooks only hand these to MkDocs; which pages exist and what they
show is decided here, once per build, without MkDocs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from .docs import CONTRIBUTING, refresh
from .indexes import build_indexes, related_cases, title_key
from .library import Library
from .views import case_view, country_view, json_ld, keyword_ref, keyword_view, related_view

HOME = "index.md"
CASES = "cases/index.md"
KEYWORDS = "keywords/index.md"
COUNTRIES = "countries/index.md"
CONTRIBUTE = "contribute/index.md"
LATEST = 6
"""How many latest additions the home page shows."""


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


def build_pages(
    library: Library, site_url: str = "", added: dict | None = None, repo_url: str = "", branch: str = "main"
) -> dict:
    """All pages of the library as ``src_uri → PageSpec``, in a deterministic order.

    ``added`` maps case paths to the time git first saw them (home page);
    ``repo_url`` and ``branch`` give case pages their edit and correction links.
    """
    taxonomy, cases = library.taxonomy, library.cases
    indexes = build_indexes(cases, taxonomy.keywords)
    views = {cid: case_view(case, taxonomy) for cid, case in cases.items()}
    by_title = [views[c.id] for c in sorted(cases.values(), key=title_key)]
    pages: dict = {}
    home = {"label": "Home", "url": ""}

    # Home: counts, ways in, and the latest additions (git history, else by period).
    added = added or {}
    never = float("inf")  # not committed yet: newest of all

    def recency(case):
        stamp = added.get(case.path, never)
        return (-stamp, -case.period_start, *title_key(case))

    latest = []
    for case in sorted(cases.values(), key=recency)[:LATEST]:
        stamp = added.get(case.path)
        latest.append({**views[case.id], "added": _date(stamp) if stamp is not None else None})
    stats = {
        "cases": len(cases),
        "countries": len(indexes.by_country),
        "keywords": sum(1 for ids in indexes.by_keyword.values() if ids),
        "vocabulary": len(taxonomy.keywords),
    }
    pages[HOME] = PageSpec(
        HOME, "home.html", "Home", {"latest": latest, "stats": stats, "latest_from_git": bool(added)}, generated=False
    )

    pages[CASES] = PageSpec(
        CASES,
        "cases.html",
        "Cases",
        {"cases": by_title},
        crumbs=[home],
        description=f"All {len(cases)} cases in the library, sorted by title.",
    )

    # Keywords: the overview by group, and one page per keyword (used or not).
    counts = {kid: len(ids) for kid, ids in indexes.by_keyword.items()}
    groups = []
    for group in taxonomy.groups.values():
        members = sorted(
            (k for k in taxonomy.keywords.values() if k.group == group.id), key=lambda k: (k.label.casefold(), k.id)
        )
        groups.append(
            {
                "id": group.id,
                "label": group.label,
                "keywords": [{**keyword_ref(k.id, taxonomy), "count": counts[k.id]} for k in members],
                "cases": sum(counts[k.id] for k in members),
            }
        )
    pages[KEYWORDS] = PageSpec(
        KEYWORDS,
        "keywords.html",
        "Keywords",
        {"groups": groups, "stats": stats},
        crumbs=[home],
        description="The library's keywords by group, with case counts.",
    )
    narrower = taxonomy.narrower()
    keywords_crumb = {"label": "Keywords", "url": "keywords/"}
    for kid, kw in taxonomy.keywords.items():
        view = keyword_view(kid, taxonomy, indexes.by_keyword[kid], views, narrower.get(kid, []))
        src = f"keywords/{kid}.md"
        pages[src] = PageSpec(
            src, "keyword.html", kw.label, {"keyword": view}, description=kw.description, crumbs=[home, keywords_crumb]
        )

    # Countries: the overview and one page per country with cases.
    countries = []
    countries_crumb = {"label": "Countries", "url": "countries/"}
    for code, ids in indexes.by_country.items():
        country = {**country_view(code), "count": len(ids)}
        countries.append(country)
        places: dict = {}
        used: dict = {}
        for cid in ids:
            for name in cases[cid].municipalities:
                places.setdefault(name, []).append(views[cid])
            for kid in cases[cid].keywords:
                used[kid] = used.get(kid, 0) + 1
        municipalities = [
            {"name": name, "cases": places[name]} for name in sorted(places, key=lambda n: (n.casefold(), n))
        ]
        keywords = [
            {**keyword_ref(k, taxonomy), "count": n}
            for k, n in sorted(used.items(), key=lambda item: (-item[1], taxonomy.keywords[item[0]].label.casefold()))
        ]
        src = f"countries/{code.lower()}.md"
        pages[src] = PageSpec(
            src,
            "country.html",
            country["name"],
            {
                "country": country,
                "municipalities": municipalities,
                "keywords": keywords,
                "cases": [views[cid] for cid in ids],
            },
            description=f"Cases from {country['name']}: {len(ids)}.",
            crumbs=[home, countries_crumb],
        )
    countries.sort(key=lambda c: (c["name"].casefold(), c["code"]))
    pages[COUNTRIES] = PageSpec(
        COUNTRIES,
        "countries.html",
        "Countries",
        {"countries": countries},
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
            content=refresh(guide.read_text("utf-8")),
            description="How to add or correct a case, and the fields a case has.",
        )

    # Case pages: metadata, related cases (from the inverted index) and JSON-LD.
    cases_crumb = {"label": "Cases", "url": "cases/"}
    for cid, case in cases.items():
        related = related_view(related_cases(case, cases, indexes), views, taxonomy)
        pages[f"cases/{cid}.md"] = PageSpec(
            f"cases/{cid}.md",
            "case.html",
            case.title,
            {
                "case": views[cid],
                "related": related,
                "jsonld": json_ld(case, views[cid], site_url, taxonomy),
                "links": repo_links(case, repo_url, branch),
            },
            content=case.body,
            description=case.summary,
            crumbs=[home, cases_crumb],
        )
    return pages


def repo_links(case, repo_url: str, branch: str) -> dict:
    """Links from a case page to its file on the repository host and to the correction form."""
    if not repo_url:
        return {}
    base = repo_url.rstrip("/")
    query = urlencode({"template": "correction.yml", "title": f"Correction: {case.title}", "case": case.id})
    return {"edit": f"{base}/edit/{quote(branch)}/{case.path}", "correct": f"{base}/issues/new?{query}"}


def _date(stamp: float) -> str:
    """A Unix time as an ISO date (UTC), so the result is the same in every time zone."""
    import datetime

    return datetime.datetime.fromtimestamp(stamp, datetime.UTC).date().isoformat()
