"""Plain data for templates: what a reader sees of a case, precomputed once per build.

Templates get dicts of strings and numbers only, so they stay dumb and the
same data can feed HTML, JSON-LD and exports without re-deriving anything.
"""

from __future__ import annotations

from . import i18n
from .cases import Case
from .library import Library
from .taxonomy import Taxonomy


def sort_key(text: str) -> tuple:
    """A deterministic, case-insensitive sort key for titles and names."""
    return (text.casefold(), text)


def case_view(case: Case, taxonomy: Taxonomy) -> dict:
    """Everything a case page shows above and below its text."""
    return {
        "id": case.id,
        "url": case.url,
        "title": case.title,
        "title_en": case.title_en,
        "summary": case.summary,
        "country": {
            "code": case.country,
            "name": i18n.country_name(case.country),
            "native": i18n.country_native_name(case.country),
        },
        "municipalities": list(case.municipalities),
        "neighbourhoods": list(case.neighbourhoods),
        "organisations": list(case.organisations),
        "period": {"start": case.period_start, "end": case.period_end, "label": case.period_label},
        "keywords": [{"id": kid, "label": taxonomy.keywords[kid].label} for kid in case.keywords],
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
    }


def library_views(library: Library) -> dict:
    """Case id → :func:`case_view`, computed once for the whole build."""
    return {cid: case_view(case, library.taxonomy) for cid, case in library.cases.items()}


def listing(views: dict) -> list:
    """All cases as shown in the case list: sorted by title, then id."""
    return sorted(views.values(), key=lambda v: (sort_key(v["title"]), v["id"]))


def latest(views: dict, count: int = 6) -> list:
    """The most recent programmes: latest start year first, then by title."""
    return sorted(views.values(), key=lambda v: (-v["period"]["start"], sort_key(v["title"]), v["id"]))[:count]


def stats(library: Library) -> dict:
    """Counts for the home page."""
    return {
        "cases": len(library.cases),
        "countries": len({c.country for c in library.cases.values()}),
        "keywords": len({k for c in library.cases.values() for k in c.keywords}),
        "vocabulary": len(library.taxonomy.keywords),
    }
