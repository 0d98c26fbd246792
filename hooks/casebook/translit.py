"""Transliteration: Latin letters spelt in ASCII, for ids, heading anchors and search.

One table (``data/transliteration.json``) serves Python and the browser: the
build writes it into the site as ``assets/transliteration.js``, which
``assets/casebook.js`` reads, so :func:`search_key` here and ``casebook.fold``
in the browser give the same key for the same text (a test runs both).

- :func:`transliterate`: the one ASCII spelling of a text (ICU's
  ``Any-Latin; Latin-ASCII`` transform: 'Økonomi' → 'Okonomi', 'Værebro' →
  'Vaerebro'), for ids and anchors.
- :func:`spellings`: every usual ASCII spelling of a word ('Malmö' → malmo,
  malmoe), for the search index: readers type either.
- :func:`search_key`: the key text is compared by in search (lower case, ASCII,
  both spellings folded together: 'Værebro', 'Vaerebro' → 'varebro';
  'Vårby', 'Vaarby', 'Varby' → 'varby').
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from pathlib import Path

TABLE_PATH = Path(__file__).with_name("data") / "transliteration.json"

MAX_SPELLINGS = 8
"""At most this many spellings per word (a word with many letters of two spellings
gets the all-short and the all-long one)."""


@functools.cache
def table() -> dict:
    """The table: ``{"letters": {letter: [ASCII spellings, first = ICU's]}, "digraphs": [...]}``."""
    return json.loads(TABLE_PATH.read_text("utf-8"))


@functools.cache
def _first() -> dict:
    return str.maketrans({letter: spelt[0] for letter, spelt in table()["letters"].items()})


@functools.cache
def _digraphs() -> re.Pattern:
    return re.compile("|".join(table()["digraphs"]))


def _strip_marks(text: str) -> str:
    """Text without combining marks (NFD), the way the browser does it (U+0300–U+036F)."""
    return re.sub("[\u0300-\u036f]", "", unicodedata.normalize("NFD", text))


@functools.cache
def _icu_ascii():
    import icu  # PyICU (pyicu-wheels): ICU's transforms, CLDR data

    return icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


def transliterate(text: str) -> str:
    """``text`` in ASCII letters by ICU's ``Any-Latin; Latin-ASCII`` transform (CLDR),
    capitals kept: 'Områdeløft' → 'Omradeloft', 'Ærø' → 'AEro', 'Київ' → 'Kiiv'."""
    return _icu_ascii().transliterate(unicodedata.normalize("NFC", text))


def search_key(text: str) -> str:
    """The key search compares: NFC, lower case, each letter of the table by its first
    spelling, accents removed (NFD), then the digraphs ``aa ae oe ue`` by their first
    letter, so that every spelling of a word gets one key ('Malmö', 'Malmoe', 'Malmo' →
    'malmo'). The same steps as ``fold`` in ``overrides/assets/casebook.js``."""
    folded = _strip_marks(unicodedata.normalize("NFC", text).lower().translate(_first()))
    return _digraphs().sub(lambda m: m.group(0)[0], folded)


def spellings(word: str) -> list[str]:
    """Every ASCII spelling of ``word`` in lower case, the ICU one first ('Malmö' →
    ['malmo', 'malmoe']; 'Ærø' → ['aero', 'aeroe']); ``[]`` for a word already in ASCII."""
    return list(_spellings(word))


@functools.lru_cache(maxsize=1 << 16)
def _spellings(word: str) -> tuple:
    """:func:`spellings`, remembered: a library repeats its words in every case."""
    word = unicodedata.normalize("NFC", word).lower()
    if word.isascii():
        return ()
    letters = table()["letters"]
    options = [letters.get(ch, [_strip_marks(ch)]) for ch in word]
    if any(len(o) > 1 for o in options) and 2 ** sum(len(o) > 1 for o in options) > MAX_SPELLINGS:
        combos = [[o[0] for o in options], [o[-1] for o in options]]
    else:
        combos = itertools.product(*options)
    out: list[str] = []
    for combo in combos:
        spelt = "".join(combo)
        if spelt not in out and spelt.isascii():
            out.append(spelt)
    return tuple(out)


def slug(text: str, separator: str = "-") -> str:
    """An ASCII slug: transliterated, lower case, runs of other characters as one
    ``separator`` ('### Økonomi og styring' → 'okonomi-og-styring'); ``""`` when nothing
    is left (the caller chooses a fallback)."""
    return separator.join(re.findall(r"[a-z0-9]+", transliterate(text).lower()))


def browser_table_js() -> str:
    """``assets/transliteration.js``: the table for ``casebook.fold`` in the browser."""
    data = {"letters": table()["letters"], "digraphs": table()["digraphs"]}
    return "window.casebookTransliteration = " + json.dumps(data, ensure_ascii=False, sort_keys=True) + ";\n"


PAGE_ANCHORS = frozenset({"sources", "how-to-cite", "related-cases", "contents", "section"})
"""Ids the page templates give their own parts (``overrides/case.html``, ``cb-case-sources.html``):
a heading in a case's text never takes one of them."""


def heading_id(text: str, separator: str = "-") -> str:
    """A heading's anchor, for Python-Markdown's ``toc`` (its ``slugify`` option): the
    :func:`slug` of the heading; ``section`` when it has no letter or digit; with
    ``-section`` added when the template uses that id itself (:data:`PAGE_ANCHORS`). ``toc``
    numbers repeats within the text (``section_1``), so no id is empty and none collides."""
    found = slug(text, separator)
    if not found:
        return "section"
    return f"{found}{separator}section" if found in PAGE_ANCHORS else found
