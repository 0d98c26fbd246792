"""The explorer's facets: the data it loads, and the reference semantics of its filters.

The browser code (``overrides/assets/explore.js``) implements :func:`matches`,
:func:`counts` and :func:`why` on this data; the tests check it against these
functions.

A view is a query state (the URL of ``/explore/``):
``keyword`` (repeated, combined with ``match=all|any``), ``group`` and
``country`` (repeated, any of them), ``from``/``to`` (a case matches when its
period overlaps the range; an ongoing case has no end) and ``q`` (free text:
every word of it must begin a word of the case, see :func:`matches`).

A library's own facets (:attr:`casebook.contract.Contract.facets`) add to it: a ``one-of``,
``several-of`` or ``boolean`` field by its name, repeated, with an allowed value
(``city_size=large``; a boolean's values are ``yes`` and ``no``), any of them; a ``year`` or
``integer`` field by ``<name>_from`` and ``<name>_to`` (``budget_from=100000``), which leave
out the cases without a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .contract import Field
from .library import Library
from .taxonomy import LANGUAGES, Keyword
from .translit import search_key
from .views import country_view

_WORD = re.compile(r"[^\W_]+")
"""A word: a run of letters and digits (the browser's ``/[\\p{L}\\p{N}]+/gu``)."""


fold = search_key
"""Text as the free-text filter compares it (:func:`casebook.translit.search_key`; the browser's
``casebook.fold`` is the same)."""


def words(text: str) -> list[str]:
    """The words of ``text`` as the free-text filter compares them: :func:`fold`, then runs of
    letters and digits ('Holma-Kroksbäck, 2010' → ['holma', 'kroksback', '2010'])."""
    return _WORD.findall(fold(text))


def word_text(*texts: str | None) -> str:
    """The words of ``texts`` as one string with a space before each word, so that
    ``" " + word in result`` tells whether a word of the texts begins with ``word``."""
    return "".join(" " + w for text in texts if text for w in words(text))


def keyword_names(keyword: Keyword) -> list[tuple[str, str]]:
    """Every name of a keyword, as ``(language, name)``: the English label (``"en"``), the
    sv/da/nb labels (taxonomy order) and each alias (``"alias"``)."""
    names = [("en", keyword.label)]
    names += [(lang, keyword.labels[lang]) for lang in LANGUAGES if keyword.labels.get(lang)]
    return names + [("alias", alias) for alias in keyword.aliases]


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
    fields: dict = field(default_factory=dict)
    """The ticked values of the library's ``one-of``, ``several-of`` and ``boolean`` facets,
    ``{name: [value, ...]}`` (any of them; a boolean's values are :data:`YES` and :data:`NO`)."""
    ranges: dict = field(default_factory=dict)
    """The bounds of the library's ``year`` and ``integer`` facets, ``{name: (low, high)}``,
    each an int or ``None``; once a bound is set, a case without a value is left out."""


YES, NO = "yes", "no"
"""A boolean facet's two values, in the address and in :attr:`Row.choices`."""

RANGE_KINDS = frozenset({"year", "integer"})
"""The facet kinds filtered by a range (the others by ticking values)."""


def choices(facet: Field) -> list[tuple[str, str]]:
    """The values a ``one-of``, ``several-of`` or ``boolean`` facet offers, as ``(value,
    label)`` in the contract's order (a boolean: ``[("yes", "Yes"), ("no", "No")]``)."""
    if facet.kind == "boolean":
        return [(YES, "Yes"), (NO, "No")]
    return [(c.value, c.label) for c in facet.values]


def _picked(facet: Field, value) -> tuple:
    """A case's value of a ticked facet as the values ticking finds it by, in the case's order
    (``()``: no value; a boolean's is :data:`YES` or :data:`NO`)."""
    if value is None:
        return ()
    if facet.kind == "boolean":
        return (YES if value else NO,)
    return tuple(value) if isinstance(value, tuple | list) else (value,)


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
    """The case's own words (title, English title, summary, municipalities, neighbourhoods),
    as :func:`word_text`."""
    names: tuple = ()
    """``(keyword id, language, name, word_text(name))`` for every name of every keyword of
    the case, in the case's keyword order."""
    choices: dict = field(default_factory=dict)
    """``{name: frozenset of values}`` for the library's ticked facets (empty: no value)."""
    numbers: dict = field(default_factory=dict)
    """``{name: int or None}`` for the library's range facets."""


def rows(library: Library) -> list[Row]:
    """The cases as facet rows, in the explorer's order (by title)."""
    taxonomy = library.taxonomy
    own = library.contract.facets
    out = []
    for case in library.by_title():
        names = tuple(
            (kid, lang, name, word_text(name))
            for kid in case.keywords
            for lang, name in keyword_names(taxonomy.keywords[kid])
        )
        out.append(
            Row(
                case.id,
                case.country,
                case.period_start,
                case.period_end,
                frozenset(case.keywords),
                frozenset(taxonomy.keywords[k].group for k in case.keywords),
                word_text(case.title, case.title_en, case.summary, *case.municipalities, *case.neighbourhoods),
                names,
                {f.name: frozenset(_picked(f, case.value(f.name))) for f in own if f.kind not in RANGE_KINDS},
                {f.name: case.value(f.name) for f in own if f.kind in RANGE_KINDS},
            )
        )
    return out


def _has_word(row: Row, word: str) -> bool:
    return f" {word}" in row.text or any(f" {word}" in name[3] for name in row.names)


def matches(row: Row, state: State) -> bool:
    """Whether a case is in the view.

    Free text: every word of ``q`` (:func:`words`) must begin a word of the case's own text
    (:attr:`Row.text`) or of a name, in any language, of one of its keywords, so 'trygghet'
    finds the cases tagged *Safety and security* (sv 'Trygghet och säkerhet') and 'malm'
    finds 'Malmö', while 'i' finds only words that begin with it.
    """
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
    for name, ticked in state.fields.items():
        if ticked and not row.choices.get(name, frozenset()).intersection(ticked):
            return False
    if not all(in_range(row.numbers.get(name), *bounds) for name, bounds in state.ranges.items()):
        return False
    return all(_has_word(row, word) for word in words(state.q))


def in_range(value: int | None, low: int | None, high: int | None) -> bool:
    """Whether a range facet keeps a case with ``value``: inside the bounds (inclusive; ``None``:
    no bound); a case without a value only while neither bound is set."""
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def why(row: Row, q: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Why a matching case matched ``q`` through its keywords, as
    ``[(keyword id, [(language, name), ...]), ...]``; ``[]`` when the case's own text has
    every word.

    The words of ``q`` not in the case's own text are explained greedily: the name of one of
    the case's keywords that has the most of them (ties: the case's keyword order), with every
    name of that keyword that has as many (in :func:`keyword_names` order), until every word
    is explained. So 'trygghet' gives *Safety and security* with its sv and nb labels, and
    'Tryghed og sikkerhed' only the da label, not every keyword with an 'og' in its name.
    """
    missing = list(dict.fromkeys(w for w in words(q) if f" {w}" not in row.text))
    out: dict = {}
    while missing:
        scored = [(sum(f" {w}" in text for w in missing), kid, lang, name, text) for kid, lang, name, text in row.names]
        best = max((s[0] for s in scored), default=0)
        if not best:
            break
        kid = next(s[1] for s in scored if s[0] == best)
        chosen = [s for s in scored if s[1] == kid and s[0] == best]
        out.setdefault(kid, []).extend((s[2], s[3]) for s in chosen)
        missing = [w for w in missing if not any(f" {w}" in s[4] for s in chosen)]
    return list(out.items())


def _tick(values: list, value: str) -> list:
    return values if value in values else [*values, value]


def _count_ticked(all_rows: list[Row], state: State, facet: str, value: str) -> int:
    attr = {"keyword": "keywords", "group": "groups", "country": "countries"}[facet]
    ticked = State(**{**vars(state), attr: _tick(getattr(state, attr), value)})
    if facet == "country":
        return sum(1 for r in all_rows if r.country == value and matches(r, ticked))
    return sum(1 for r in all_rows if value in getattr(r, attr) and matches(r, ticked))


def _count_field(all_rows: list[Row], state: State, name: str, value: str) -> int:
    ticked = State(**{**vars(state), "fields": {**state.fields, name: _tick(state.fields.get(name, []), value)}})
    return sum(1 for r in all_rows if value in r.choices.get(name, ()) and matches(r, ticked))


def _count_missing(all_rows: list[Row], state: State, name: str) -> int:
    unbounded = State(**{**vars(state), "ranges": {k: v for k, v in state.ranges.items() if k != name}})
    return sum(1 for r in all_rows if r.numbers.get(name) is None and matches(r, unbounded))


def counts(all_rows: list[Row], state: State, keyword_ids, group_ids, country_codes, own: tuple = ()) -> dict:
    """For every facet value, the number shown beside it: how many cases *with that value*
    the view shows when the value is ticked (the rest of the view as it is).

    For a ticked value this is how many cases of the current result have it; for an unticked
    one, how many cases with it ticking it would bring (with ``match=all``: the cases the
    result would have). Returns ``{"keyword": {id: n}, "group": {id: n}, "country": {code: n}}``.

    ``own``: the library's facets (:attr:`casebook.contract.Contract.facets`); given any, the
    result also has ``"fields": {name: {value: n}}`` for the ticked kinds (any of them, as
    countries) and ``"missing": {name: n}`` for the range kinds: how many cases without a value
    the rest of the view (that range's own bounds left out) has, the ones a bound leaves out.
    """
    out = {
        "keyword": {k: _count_ticked(all_rows, state, "keyword", k) for k in keyword_ids},
        "group": {g: _count_ticked(all_rows, state, "group", g) for g in group_ids},
        "country": {c: _count_ticked(all_rows, state, "country", c) for c in country_codes},
    }
    if own:
        out["fields"] = {
            f.name: {v: _count_field(all_rows, state, f.name, v) for v, _ in choices(f)}
            for f in own
            if f.kind not in RANGE_KINDS
        }
        out["missing"] = {f.name: _count_missing(all_rows, state, f.name) for f in own if f.kind in RANGE_KINDS}
    return out


def _keyword_entry(keyword: Keyword, group: int) -> dict:
    entry = {"id": keyword.id, "label": keyword.label, "group": group}
    entry["labels"] = {lang: keyword.labels[lang] for lang in LANGUAGES if keyword.labels.get(lang)}
    if keyword.aliases:
        entry["aliases"] = list(keyword.aliases)
    return entry


def _country_entry(code: str) -> dict:
    view = country_view(code)
    return {"code": code, "name": view["name"], **({"native": view["native"]} if view["native"] else {})}


def _facet_entry(facet: Field) -> dict:
    entry = {"name": facet.name, "kind": facet.kind, "label": facet.label}
    if facet.kind in RANGE_KINDS:
        low, high = (1800, 2100) if facet.kind == "year" else (facet.minimum or 0, facet.maximum)
        entry.update({k: v for k, v in (("unit", facet.unit), ("min", low), ("max", high)) if v is not None})
    else:
        entry["values"] = [{"value": v, "label": label} for v, label in choices(facet)]
    return entry


def _facet_values(case, own: tuple) -> list:
    """A case's values of the library's facets, in order: a range facet's number (or ``None``),
    a ticked facet's indexes into its :func:`choices`, in the case's order (``[]``: no value)."""
    out = []
    for f in own:
        value = case.value(f.name)
        if f.kind in RANGE_KINDS:
            out.append(value)
            continue
        position = {v: i for i, (v, _) in enumerate(choices(f))}
        out.append([position[v] for v in _picked(f, value)])
    return out


def case_text(case) -> str:
    """A case's own words for the explorer's free-text filter (``explorer-text.json``): its
    titles, summary and places, as :func:`word_text` without the leading space."""
    return word_text(case.title, case.title_en, case.summary, *case.municipalities, *case.neighbourhoods)[1:]


def explorer_data(library: Library, text: Callable | None = None) -> tuple[str, str]:
    """The explorer's data files: the facets (small) and the search text (loaded on first use).

    ``explorer.json``: ``groups`` ``[{id, label}]``, ``keywords`` ``[{id, label, group
    index, labels: {sv, da, nb}, aliases?}]`` (the browser folds the names itself),
    ``keyword_order`` (keyword indexes by label in the library's collation), ``countries``
    ``[{code, name, native?}]`` (by name in the collation) and ``cases``, arrays ``[id, title, title_en, country index,
    places, start, end, [keyword indexes]]`` in title order, to keep the download small.
    ``explorer-text.json``: per case (same order) its own words, :attr:`Row.text` without
    the leading space.

    A library with facets of its own (:attr:`casebook.contract.Contract.facets`) adds
    ``fields`` ``[{name, kind, label, values: [{value, label}]}]`` for the ticked kinds (a
    boolean's are yes and no) and ``[{name, kind, label, unit?, min?, max?}]`` for the range
    kinds, in the contract's order, and to each case a ninth item: its values of them
    (:func:`_facet_values`); a library without any has neither, so its file is as before.
    ``text``: case → its :func:`case_text` (default: made here; the build passes one that remembers).
    """
    taxonomy = library.taxonomy
    keyword_ids = list(taxonomy.keywords)
    position = {k: i for i, k in enumerate(keyword_ids)}
    group_ids = list(taxonomy.groups)
    collation = library.collation
    countries = sorted(
        {c.country for c in library.cases.values()}, key=lambda c: (collation.key(country_view(c)["name"]), c)
    )
    country_index = {c: i for i, c in enumerate(countries)}
    ordered = library.by_title()
    group_index = {g: i for i, g in enumerate(group_ids)}
    by_label = sorted(keyword_ids, key=lambda k: (collation.key(taxonomy.keywords[k].label), k))
    data = {
        "version": 2,
        "groups": [{"id": g, "label": taxonomy.groups[g].label} for g in group_ids],
        "keywords": [_keyword_entry(kw, group_index[kw.group]) for kw in taxonomy.keywords.values()],
        "keyword_order": [position[k] for k in by_label],
        "countries": [_country_entry(code) for code in countries],
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
    own = library.contract.facets
    if own:
        data["fields"] = [_facet_entry(f) for f in own]
        for row, case in zip(data["cases"], ordered, strict=True):
            row.append(_facet_values(case, own))
    texts = [(text or case_text)(c) for c in ordered]
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    return json.dumps(data, **compact), json.dumps(texts, **compact)
