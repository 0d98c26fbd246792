"""One document, one description: a source cited by several cases is described the same way.

A reader (and a reference manager importing the JSON-LD or ``cases.json``) takes two different
descriptions for two different documents. Two source entries in different cases are the same
document when

- their addresses are the same once normalised (:func:`url_key`: scheme, ``www.``, letter case
  of the host, a trailing slash and a ``#fragment`` do not count), or
- one title is the other, or the start of the other up to a word boundary, ignoring letter case,
  spacing and dash forms (:func:`title_key`): 'Rapport från Workshop i Botkyrka' is the start of
  'Rapport från Workshop i Botkyrka – a subtitle'.

Entries that match directly or through others form one document. Each of its fields
(:data:`FIELDS`) must then have the same value everywhere; otherwise every entry whose value
differs from the most common one (ties: the first entry, by file and position) gets one
:class:`~casebook.problems.Problem` per field, at its own line, naming the other file and line.

Runs once per library, after every case is loaded (``library.load_library``): O(entries × words
per title), no comparison of every pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from urllib.parse import urlsplit

from .problems import Problem

FIELDS = ("title", "publisher", "year", "language", "url")
"""What must agree between two descriptions of one source (``url`` compared normalised)."""

FIX = "describe it the same way in both (the same title, publisher, year, language and url)"

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})


def url_key(url: str | None) -> str | None:
    """An address as compared: host in lower case without ``www.``, path without a trailing
    slash, the query kept; scheme, user, port 80/443 and fragment dropped.
    ``https://www.Example.org/a/`` and ``http://example.org/a`` give ``example.org/a``."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    return host + port + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def title_key(title: str) -> str:
    """A title as compared: NFC, case-folded, dashes unified, spaces collapsed, and trailing
    full stops and spaces removed."""
    text = unicodedata.normalize("NFC", title).casefold().translate(_DASHES)
    return " ".join(text.split()).rstrip(" .")


class _Groups:
    """Union-find over entry numbers."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _entries(cases: dict) -> list:
    """Every source entry: ``(path, index, source, lines)``, in file and list order."""
    out = []
    for case in sorted(cases.values(), key=lambda c: c.path):
        lines = case.meta.get("lines", {})
        for i, source in enumerate(case.sources):
            own = {k[2] if len(k) > 2 else "": v for k, v in lines.items() if len(k) > 1 and k[1] == i}
            out.append((case.path, i, source, own))
    return out


def _same_documents(entries: list) -> list[list[int]]:
    """The entries grouped by document (groups of one left out), each group in entry order."""
    groups = _Groups(len(entries))
    first: dict = {}
    titles: dict = {}
    for n, (_, _, source, _) in enumerate(entries):
        key = url_key(source.url)
        if key:
            groups.union(n, first.setdefault(("url", key), n))
        tkey = title_key(source.title)
        if tkey:
            groups.union(n, first.setdefault(("title", tkey), n))
            titles.setdefault(tkey, n)
    for tkey, n in titles.items():
        for match in re.finditer(r"\w+", tkey):
            start = tkey[: match.end()]
            if start != tkey and start in titles:  # a shorter title ends at this word
                groups.union(n, titles[start])
    by_root: dict = {}
    for n in range(len(entries)):
        by_root.setdefault(groups.find(n), []).append(n)
    return [members for members in by_root.values() if len(members) > 1]


def _value(source, name: str):
    value = getattr(source, name)
    return url_key(value) if name == "url" else value


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
        if len({entries[n][0] for n in members}) < 2:
            continue  # one case citing two parts of a document: not this check's business
        for name in FIELDS:
            values = [_value(entries[n][2], name) for n in members]
            if len(set(values)) < 2:
                continue
            counts = Counter(values)
            usual = max(values, key=lambda v: (counts[v], -values.index(v)))
            for n, value in zip(members, values, strict=True):
                if value != usual:
                    other = _other(entries, members, values, n, usual)
                    if other is not None:
                        problems.append(_problem(entries[n], entries[other], name))
    return problems


def _other(entries: list, members: list, values: list, n: int, usual) -> int | None:
    """The entry to name as "there" for entry ``n``: in another case, with the usual value if
    one has it, else with any other value; ``None`` if every other entry is in ``n``'s case."""
    elsewhere = [(m, v) for m, v in zip(members, values, strict=True) if entries[m][0] != entries[n][0]]
    for m, v in elsewhere:
        if v == usual:
            return m
    return next((m for m, v in elsewhere if v != values[members.index(n)]), None)


def _problem(here: tuple, there: tuple, name: str) -> Problem:
    (path, i, source, lines), (opath, oi, osource, olines) = here, there
    line = lines.get(name) or lines.get("", 1)
    oline = olines.get(name) or olines.get("", 1)
    return Problem(
        path,
        line,
        f"sources[{i}]",
        f"the same source as sources[{oi}] of {opath}:{oline} is described differently there"
        f" ({name} {_shown(osource, name)} there, {_shown(source, name)} here)",
        FIX,
    )


__all__ = ["check_sources", "title_key", "url_key"]
