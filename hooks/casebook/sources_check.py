"""One document, one description: a source cited by several cases is described the same way.

A reader (and a reference manager importing the JSON-LD or ``cases.json``) takes two different
descriptions for two different documents. The check must never take two different documents
for one (that would refuse valid cases), so it groups source entries of different cases only on
evidence:

- **the same address**: their addresses are the same once normalised (:func:`url_key`: scheme,
  ``www.``, letter case of the host, a trailing slash and a ``#fragment`` do not count). Two
  entries with *different* addresses are different documents, whatever their titles;
- **the same title**, or one title the start of the other up to a word boundary (ignoring letter
  case, spacing and dash forms, :func:`title_key`: 'Rapport från Workshop i Botkyrka' is the start
  of 'Rapport från Workshop i Botkyrka – a subtitle'), when at most one of the two has an
  address. A *generic* title (:func:`generic`: fewer than two words that are not a document kind,
  a number or a short function word, such as 'Final report', 'Slutrapport', 'Evaluation of the
  programme') names many documents; it groups entries only when both name the same publisher.

Title matches are not transitive: a title that matches two entries which do not match each other
('Plan' and both 'Plan for Malmö' and 'Plan for Oslo'), or several different addresses, is
ambiguous and grouped with none of them. Every group is therefore a set of entries that match
pairwise. Each of its fields (:data:`FIELDS`, strings compared with spacing normalised) must then
have the same value everywhere; otherwise every entry whose value differs from the most common
one (ties: the first entry, by file and position) gets one :class:`~casebook.problems.Problem`
per field, at its own line, naming the other file and line. Entries of one case only are not
this check's business (a case may cite two parts of one report).

Runs once per library, after every case is loaded (``library.load_library``): O(entries × words
per title) to find matches; no comparison of every pair of entries.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from .problems import Problem

FIELDS = ("title", "publisher", "year", "language", "url")
"""What must agree between two descriptions of one source (``url`` compared normalised)."""

FIX = "describe it the same way in both (the same title, publisher, year, language and url)"

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})

_KINDS = frozenset(
    """report reports rapport raport beretning berättelse redovisning redegørelse redogørelse
    evaluation evaluations evaluering evalueringen utvärdering utvardering assessment review
    översyn gjennomgang plan plans strategy strategi programme program project projekt prosjekt
    summary sammanfattning sammenfatning sammendrag resumé abstract final slut slutt slutlig
    endelig annual år års interim midterm del part delrapport status läges overview översikt
    oversigt oversikt study studie analysis analys analyse survey undersökning undersøgelse
    undersøkelse kartläggning kortlægning kartlegging utredning udredning betänkande memo pm notat
    paper working arbets arbejds arbeids documentation dokumentation dokumentasjon description
    beskrivning beskrivelse results resultat resultater conclusions slutsatser konklusioner
    recommendations rekommendationer anbefalinger appendix annex bilaga bilag vedlegg minutes
    protokoll protokol presentation presentasjon guide handbook handbok håndbog håndbok handlings
    action policy proposal förslag forslag verksamhet virksomhed virksomhet årsredovisning
    evaluation follow up uppföljning opfølgning oppfølging first second third volume vol no nr
    update version edition draft""".split()
)
"""Words (and compound parts) that say what kind of document it is, in English and the Nordic
languages: they do not tell one document from another."""

_FUNCTION_WORDS = frozenset(
    """a an the of in on at for and or to from by with about its i på och för från av om med
    till en ett et ei det den de og fra af til um und der die das für von im zur zum""".split()
)

_ENDINGS = frozenset("s e en et er ar or na ne ene erna arna erne ens ets met mer".split())
"""Inflection endings after a document-kind word: 'rapporten', 'programmet', 'planerne'."""


def url_key(url: str | None) -> str | None:
    """An address as compared: host in lower case without ``www.``, path without a trailing
    slash, the query kept; scheme, user, port 80/443 and fragment dropped.
    ``https://www.Example.org/a/`` and ``http://example.org/a`` give ``example.org/a``."""
    if not url or not url.strip():
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    return host + port + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


@cache
def title_key(title: str | None) -> str:
    """A title (or publisher) as compared: NFC, case-folded, dashes unified, spaces of every
    kind collapsed, and trailing full stops and spaces removed; ``""`` for none."""
    text = unicodedata.normalize("NFC", title or "").casefold().translate(_DASHES)
    return " ".join(text.split()).rstrip(" .")


@cache
def _kind_word(word: str) -> bool:
    """Whether ``word`` (case-folded) is a document-kind word or a compound of them, with an
    inflection ending and linking ``s``/``e``: 'slutrapport', 'årsrapporten', 'delrapporterna'."""
    if word in _KINDS:
        return True
    for kind in _KINDS:
        if word.startswith(kind) and len(word) > len(kind):
            rest = word[len(kind) :]
            if rest in _ENDINGS or _kind_word(rest) or (rest[0] in "se" and len(rest) > 1 and _kind_word(rest[1:])):
                return True
    return False


@cache
def generic(title: str | None) -> bool:
    """Whether a title is too generic to tell one document from another: fewer than two of its
    words are something else than a document kind (:data:`_KINDS`, compounds included), a
    number or a function word. 'Slutrapport', 'Final report 2015' and 'Evaluation of Together'
    are generic; 'Boligliv i balance' and 'Rapport från Workshop i Botkyrka' are not."""
    words = re.findall(r"\w+", title_key(title))
    content = [w for w in words if len(w) > 1 and not w.isdigit() and w not in _FUNCTION_WORDS and not _kind_word(w)]
    return len(content) < 2


@dataclass(frozen=True)
class _Entry:
    """One source entry of one case, with what it is matched by."""

    path: str
    index: int
    source: object
    lines: dict
    """Field name (``""`` for the entry) → line number."""
    url: str | None
    title: str
    publisher: str
    generic: bool


def _entries(cases: dict) -> list[_Entry]:
    """Every source entry, in file and list order."""
    out = []
    for case in sorted(cases.values(), key=lambda c: c.path):
        lines = case.meta.get("lines", {})
        for i, source in enumerate(case.sources):
            own = {k[2] if len(k) > 2 else "": v for k, v in lines.items() if k[:2] == ("sources", i)}
            title = title_key(source.title)
            publisher = title_key(source.publisher)
            out.append(_Entry(case.path, i, source, own, url_key(source.url), title, publisher, generic(title)))
    return out


class _Graph:
    """Source entries as nodes: one per address (every entry with that address), one per
    title without an address (with the publisher too when the title is generic), and one
    per entry with a generic title and neither address nor publisher (it matches nothing).
    ``links`` joins nodes whose titles match (:meth:`link`)."""

    def __init__(self, entries: list[_Entry]):
        self.members: list[list[int]] = []
        self.cases: list[set[str]] = []
        self.has_url: list[bool] = []
        ids: dict = {}
        for n, entry in enumerate(entries):
            if entry.url:
                key = ("url", entry.url)
            elif entry.generic:
                key = ("title", entry.title, entry.publisher) if entry.publisher else ("entry", n)
            else:
                key = ("title", entry.title)
            if key not in ids:
                ids[key] = len(self.members)
                self.members.append([])
                self.cases.append(set())
                self.has_url.append(bool(entry.url))
            node = ids[key]
            self.members[node].append(n)
            self.cases[node].add(entry.path)
        self.links: list[set[int]] = [set() for _ in self.members]

    def link(self, a: int, b: int) -> None:
        """Join two nodes unless both have an address (different ones: different documents)
        or they share a case (a case describes each document once: two of its entries are
        two documents, such as a report and its annex)."""
        if a != b and not (self.has_url[a] and self.has_url[b]) and self.cases[a].isdisjoint(self.cases[b]):
            self.links[a].add(b)
            self.links[b].add(a)

    def ambiguous(self, node: int) -> bool:
        """Whether two nodes that ``node`` matches do not match each other."""
        near = sorted(self.links[node])
        return any(b not in self.links[a] for i, a in enumerate(near) for b in near[i + 1 :])


def _link_titles(graph: _Graph, entries: list[_Entry]) -> None:
    """Link the nodes of entries whose titles match: the same title or one the start of the
    other at a word end, where a generic shorter title also needs the same known publisher.
    Each distinct (node, title, publisher) looks up the starts of its title: O(descriptions
    × words), plus one step per matching node without an address."""
    node_of = {n: node for node, members in enumerate(graph.members) for n in members}
    plain: dict[str, set[int]] = {}  # title → nodes without an address
    published: dict[tuple, set[int]] = {}  # (title, publisher) → nodes
    every: dict[str, set[int]] = {}  # title → nodes
    for n, entry in enumerate(entries):
        node = node_of[n]
        every.setdefault(entry.title, set()).add(node)
        published.setdefault((entry.title, entry.publisher), set()).add(node)
        if not graph.has_url[node]:
            plain.setdefault(entry.title, set()).add(node)
    for node, title, publisher in {(node_of[n], e.title, e.publisher) for n, e in enumerate(entries) if e.title}:
        for start in {title[: m.end()] for m in re.finditer(r"\w+", title)} | {title}:
            if start not in every:
                continue
            if generic(start):
                found = published.get((start, publisher), ()) if publisher else ()
            else:
                found = plain.get(start, ()) if graph.has_url[node] else every[start]
            for other in found:
                graph.link(node, other)


def _same_documents(entries: list[_Entry]) -> list[list[int]]:
    """The entries grouped by document (groups of one case left out), each group in entry
    order: nodes joined through their links, leaving out the links of ambiguous nodes, so that
    the nodes of a group match pairwise."""
    graph = _Graph(entries)
    _link_titles(graph, entries)
    unsure = {node for node in range(len(graph.members)) if graph.ambiguous(node)}
    parent = list(range(len(graph.members)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for node, near in enumerate(graph.links):
        for other in near:
            if node not in unsure and other not in unsure:
                parent[root(node)] = root(other)
    groups: dict[int, list[int]] = {}
    for node, members in enumerate(graph.members):
        groups.setdefault(root(node), []).extend(members)
    return [sorted(group) for group in groups.values() if len({entries[n].path for n in group}) > 1]


def _value(source, name: str):
    """A field's value as compared: the address normalised, text with spacing collapsed (NFC)."""
    value = getattr(source, name)
    if name == "url":
        return url_key(value)
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFC", value).split()) or None
    return value


def _shown(source, name: str) -> str:
    value = getattr(source, name)
    return "none" if value is None else (str(value) if isinstance(value, int) else f"'{value}'")


def check_sources(cases: dict) -> list[Problem]:
    """Problems for sources described differently in different cases (see the module's text).

    ``cases`` is id → :class:`casebook.cases.Case` (valid cases; ``case.meta["lines"]`` maps
    ``("sources", i[, field])`` to line numbers, as ``load_case`` records them). Each problem is
    ``cases/a.md:40: sources[1]: the same source as sources[0] of cases/b.md:31 is described
    differently there (title 'X' there, 'Y' here); describe it the same way in both ...``."""
    entries = _entries(cases)
    problems = []
    for members in _same_documents(entries):
        for name in FIELDS:
            values = [_value(entries[n].source, name) for n in members]
            first: dict = {}
            for i, value in enumerate(values):
                first.setdefault(value, i)
            if len(first) < 2:
                continue
            counts = Counter(values)
            usual = max(first, key=lambda v: (counts[v], -first[v]))
            holders = _first_in_two_cases(entries, [n for n, v in zip(members, values, strict=True) if v == usual])
            for n, value in zip(members, values, strict=True):
                if value != usual:
                    other = next((m for m in holders if entries[m].path != entries[n].path), None)
                    if other is None:  # the usual value only in this entry's own case
                        other = _other(entries, members, values, n)
                    if other is not None:
                        problems.append(_problem(entries[n], entries[other], name))
    return problems


def _first_in_two_cases(entries: list[_Entry], members: list) -> list:
    """The first of ``members`` and the first one in another case than it (at most two)."""
    out = members[:1]
    out += [next((m for m in members if entries[m].path != entries[out[0]].path), None)] if out else []
    return [m for m in out if m is not None]


def _other(entries: list[_Entry], members: list, values: list, n: int) -> int | None:
    """The entry to name as "there" for entry ``n`` when no other case has the usual value: the
    first in another case with another value than ``n``'s; ``None`` if every other entry is in
    ``n``'s case."""
    own = values[members.index(n)]
    pairs = zip(members, values, strict=True)
    return next((m for m, v in pairs if entries[m].path != entries[n].path and v != own), None)


def _problem(here: _Entry, there: _Entry, name: str) -> Problem:
    line = here.lines.get(name) or here.lines.get("", 1)
    oline = there.lines.get(name) or there.lines.get("", 1)
    return Problem(
        here.path,
        line,
        f"sources[{here.index}]",
        f"the same source as sources[{there.index}] of {there.path}:{oline} is described differently there"
        f" ({name} {_shown(there.source, name)} there, {_shown(here.source, name)} here)",
        FIX,
    )


__all__ = ["check_sources", "generic", "title_key", "url_key"]
