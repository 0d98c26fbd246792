"""The explorer's facets: the data it loads, and the reference semantics of its filters.

The browser code (``docs/assets/explore.js``) implements :func:`matches` and
:func:`counts` on this data; the tests check it against these functions.

A view is a query state (the URL of ``/explore/``):
``keyword`` (repeated, combined with ``match=all|any``), ``group`` and
``country`` (repeated, any of them), ``from``/``to`` (a case matches when its
period overlaps the range; an ongoing case has no end) and ``q`` (every word
must occur in the title, English title or summary; case and accents ignored).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from .indexes import title_key
from .library import Library
from .views import country_view

_ACCENTS = re.compile("[\u0300-\u036f]")
"""Combining accents, as the explorer's JavaScript removes them (casebook.js)."""


def fold(text: str) -> str:
    """Text as the free-text filter compares it: accents removed, lower case (as in the browser)."""
    return _ACCENTS.sub("", unicodedata.normalize("NFD", text)).lower()


@dataclass
class State:
    """One explorer view."""

    keywords: list = field(default_factory=list)
    match: str = "all"
    groups: list = field(default_factory=list)
    countries: list = field(default_factory=list)
    start: int | None = None
    """The ``from`` year."""
    end: int | None = None
    """The ``to`` year."""
    q: str = ""


@dataclass(frozen=True)
class Row:
    """What the facets need of a case."""

    id: str
    country: str
    start: int
    end: int | None
    keywords: frozenset
    groups: frozenset
    text: str


def rows(library: Library) -> list[Row]:
    """The cases as facet rows, in the explorer's order (by title)."""
    taxonomy = library.taxonomy
    out = []
    for case in sorted(library.cases.values(), key=title_key):
        out.append(
            Row(
                case.id,
                case.country,
                case.period_start,
                case.period_end,
                frozenset(case.keywords),
                frozenset(taxonomy.keywords[k].group for k in case.keywords),
                fold(" ".join(filter(None, (case.title, case.title_en, case.summary)))),
            )
        )
    return out


def matches(row: Row, state: State) -> bool:
    """Whether a case is in the view."""
    if state.keywords:
        hits = [k in row.keywords for k in state.keywords]
        if not (all(hits) if state.match != "any" else any(hits)):
            return False
    if state.groups and not row.groups.intersection(state.groups):
        return False
    if state.countries and row.country not in state.countries:
        return False
    if state.end is not None and row.start > state.end:
        return False
    if state.start is not None and row.end is not None and row.end < state.start:
        return False
    return all(word in row.text for word in fold(state.q).split())


def _toggle(values: list, value: str) -> list:
    return [v for v in values if v != value] if value in values else [*values, value]


def counts(all_rows: list[Row], state: State, keyword_ids, group_ids, country_codes) -> dict:
    """For every facet value: how many cases the view would show if that value were toggled."""

    def count(changed: State) -> int:
        return sum(matches(r, changed) for r in all_rows)

    base = vars(state)
    return {
        "keyword": {k: count(State(**{**base, "keywords": _toggle(state.keywords, k)})) for k in keyword_ids},
        "group": {g: count(State(**{**base, "groups": _toggle(state.groups, g)})) for g in group_ids},
        "country": {c: count(State(**{**base, "countries": _toggle(state.countries, c)})) for c in country_codes},
    }


def explorer_data(library: Library) -> tuple[str, str]:
    """The explorer's data files: the facets (small) and the search text (loaded on first use).

    Cases are arrays ``[id, title, title_en, country index, places, start, end, [keyword indexes]]``
    in title order, to keep the download small.
    """
    taxonomy = library.taxonomy
    keyword_ids = list(taxonomy.keywords)
    position = {k: i for i, k in enumerate(keyword_ids)}
    group_ids = list(taxonomy.groups)
    countries = sorted({c.country for c in library.cases.values()})
    country_index = {c: i for i, c in enumerate(countries)}
    ordered = sorted(library.cases.values(), key=title_key)
    data = {
        "version": 1,
        "groups": [{"id": g, "label": taxonomy.groups[g].label} for g in group_ids],
        "keywords": [
            {"id": k, "label": taxonomy.keywords[k].label, "group": group_ids.index(taxonomy.keywords[k].group)}
            for k in keyword_ids
        ],
        "countries": [{"code": c, "name": country_view(c)["name"]} for c in countries],
        "cases": [
            [
                c.id,
                c.title,
                c.title_en or "",
                country_index[c.country],
                ", ".join((*c.municipalities, *c.neighbourhoods)),
                c.period_start,
                c.period_end,
                [position[k] for k in c.keywords],
            ]
            for c in ordered
        ],
    }
    text = [fold(" ".join(filter(None, (c.title, c.title_en, c.summary)))) for c in ordered]
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    return json.dumps(data, **compact), json.dumps(text, **compact)
